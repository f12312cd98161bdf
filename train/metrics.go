package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vigil-ml/vigil/internal/atomicfile"
)

// MetricsFile is the name of the metrics log in a run directory: one JSON object per update.
const MetricsFile = "metrics.jsonl"

// metricsLog appends Metrics lines; sync makes them durable (at every checkpoint).
type metricsLog struct {
	f *os.File
	w *bufio.Writer
}

// openMetrics opens dir/metrics.jsonl for appending. A fresh run starts it empty; a resumed run keeps
// the lines up to the checkpoint's step and drops the rest (and any line a crash cut short), so the
// log reads as if the run had never stopped.
func openMetrics(dir string, step int, resume bool) (*metricsLog, error) {
	path := filepath.Join(dir, MetricsFile)
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if resume {
		if err := truncateMetrics(path, step); err != nil {
			return nil, err
		}
	} else {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return &metricsLog{f: f, w: bufio.NewWriter(f)}, nil
}

// truncateMetrics rewrites path keeping the leading lines whose step is at most step.
func truncateMetrics(path string, step int) error {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	keep := 0
	for rest := b; len(rest) > 0; {
		line, after, complete := bytes.Cut(rest, []byte{'\n'})
		var m struct{ Step *int }
		if !complete || json.Unmarshal(line, &m) != nil || m.Step == nil || *m.Step > step {
			break
		}
		keep += len(line) + 1
		rest = after
	}
	if keep == len(b) {
		return nil
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(b[:keep])
		return err
	})
}

func (l *metricsLog) write(m Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if _, err := l.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

func (l *metricsLog) sync() error {
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

func (l *metricsLog) close() error {
	err := l.sync()
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("metrics: %w", cerr)
	}
	return err
}
