package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestBar(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, "reading", 2048, "B")
	b.every = 0
	b.Update(1024)
	b.Finish(2048)
	b.Finish(2048)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (finish is drawn once): %q", len(lines), out.String())
	}
	for i, want := range []string{" 50.0% 1.0 KiB/2.0 KiB", "100.0% 2.0 KiB/2.0 KiB"} {
		if !strings.Contains(lines[i], want) || !strings.HasPrefix(lines[i], "reading [") {
			t.Errorf("line %d = %q, want it to contain %q", i, lines[i], want)
		}
	}
}

func TestUnknownTotal(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, "steps", 0, "step")
	b.Finish(1500)
	if got := out.String(); !strings.HasPrefix(got, "steps 1.5 kstep") {
		t.Errorf("got %q", got)
	}
}

func TestNilBar(t *testing.T) {
	var b *Bar
	b.Update(1)
	b.Finish(1)
}
