// Package progress draws a one-line progress bar with rate and ETA for long work.
//
// On a terminal the line is redrawn in place at most every 200 ms; elsewhere (logs, CI) a plain line is
// written every 10 seconds, so long runs stay visible without flooding the log.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar reports progress of work measured in units (bytes, steps, tokens).
type Bar struct {
	w        io.Writer
	label    string
	unit     string
	total    int64
	tty      bool
	every    time.Duration
	start    time.Time
	last     time.Time
	mu       sync.Mutex
	finished bool
}

// New starts a bar writing to w. total <= 0 means unknown; unit names what is counted, e.g. "B" for
// bytes (shown with binary prefixes) or "step".
func New(w io.Writer, label string, total int64, unit string) *Bar {
	b := &Bar{w: w, label: label, unit: unit, total: total, start: time.Now(), every: 10 * time.Second}
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		b.tty = true
		b.every = 200 * time.Millisecond
	}
	b.last = b.start
	return b
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update reports that done units are complete; it draws only when the refresh interval has passed.
func (b *Bar) Update(done int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.finished || now.Sub(b.last) < b.every {
		return
	}
	b.last = now
	b.draw(done, now)
}

// Finish draws the final state and ends the line.
func (b *Bar) Finish(done int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	b.draw(done, time.Now())
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

func (b *Bar) draw(done int64, now time.Time) {
	elapsed := now.Sub(b.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed
	}
	var line strings.Builder
	line.WriteString(b.label)
	if b.total > 0 {
		frac := min(float64(done)/float64(b.total), 1)
		const width = 24
		n := int(frac * width)
		fmt.Fprintf(&line, " [%s%s] %5.1f%% %s/%s", strings.Repeat("=", n), strings.Repeat(" ", width-n),
			100*frac, b.amount(float64(done)), b.amount(float64(b.total)))
		if rate > 0 && done < b.total {
			fmt.Fprintf(&line, " ETA %s", (time.Duration(float64(b.total-done)/rate) * time.Second).Round(time.Second))
		}
	} else {
		fmt.Fprintf(&line, " %s", b.amount(float64(done)))
	}
	fmt.Fprintf(&line, " %s/s %s", b.amount(rate), time.Duration(elapsed*float64(time.Second)).Round(time.Second))
	if b.tty {
		fmt.Fprintf(b.w, "\r\x1b[K%s", line.String())
	} else {
		fmt.Fprintln(b.w, line.String())
	}
}

// amount formats a quantity with its unit, using binary prefixes for bytes and SI prefixes otherwise.
func (b *Bar) amount(v float64) string {
	base, prefixes := 1000.0, []string{"", "k", "M", "G", "T"}
	if b.unit == "B" {
		base, prefixes = 1024, []string{"", "Ki", "Mi", "Gi", "Ti"}
	}
	i := 0
	for v >= base && i < len(prefixes)-1 {
		v /= base
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f %s", v, b.unit)
	}
	return fmt.Sprintf("%.1f %s%s", v, prefixes[i], b.unit)
}
