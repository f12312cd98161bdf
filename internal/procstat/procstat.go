// Package procstat reads what Linux reports about the running process, for benchmarks that must
// report memory next to time.
package procstat

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns the process's peak resident set size in bytes (VmHWM in /proc/self/status).
func PeakRSS() (uint64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	return ParsePeakRSS(string(data))
}

// ParsePeakRSS returns the VmHWM field of a /proc/PID/status text in bytes.
func ParsePeakRSS(status string) (uint64, error) {
	for line := range strings.Lines(status) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			v := strings.TrimSpace(rest)
			kb, err := strconv.ParseUint(strings.TrimSuffix(v, " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmHWM %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}
