package procstat

import "testing"

func TestParsePeakRSS(t *testing.T) {
	tests := []struct {
		name, status string
		want         uint64
		wantErr      bool
	}{
		{"present", "Name:\tx\nVmPeak:\t 10 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1 kB\n", 2048 << 10, false},
		{"missing", "Name:\tx\nVmRSS:\t 1 kB\n", 0, true},
		{"garbled", "VmHWM:\tlots kB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePeakRSS(tt.status)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParsePeakRSS = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestPeakRSS(t *testing.T) {
	n, err := PeakRSS()
	if err != nil {
		t.Skipf("no /proc/self/status here: %v", err)
	}
	if n < 1<<20 {
		t.Errorf("PeakRSS = %d bytes, implausibly small for a Go test binary", n)
	}
}
