package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	long := strings.Repeat("ä", maxLineBytes) // 2 bytes each
	tests := []struct {
		name, in string
		wantLen  int
	}{
		{"short", "hello", 5},
		{"invalid UTF-8", "a\xffb", len("a\uFFFDb")},
		{"cut on a character boundary", long, maxLineBytes},
		{"odd cut moves back", "x" + long, maxLineBytes - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clean(tt.in)
			if !utf8.ValidString(got) || len(got) != tt.wantLen {
				t.Errorf("clean: %d bytes (valid %v), want %d valid", len(got), utf8.ValidString(got), tt.wantLen)
			}
		})
	}
}

func TestSampleLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	var b strings.Builder
	for i := range 1000 {
		if i%10 == 0 {
			b.WriteString("   \n")
		}
		b.WriteString("line ")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := sampleLines(path, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := sampleLines(path, 50, 1)
	other, _ := sampleLines(path, 50, 2)
	all, _ := sampleLines(path, 5000, 1)
	switch {
	case len(a) != 50:
		t.Errorf("got %d lines, want 50", len(a))
	case !slices.Equal(a, again):
		t.Error("same seed, different sample")
	case slices.Equal(a, other):
		t.Error("different seeds, same sample")
	case len(all) != 1000:
		t.Errorf("k above the line count gave %d lines, want all 1000 non-blank", len(all))
	case slices.Contains(all, ""):
		t.Error("blank line sampled")
	}
}

func TestSharedTextFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"chat/a.txt", "generic/b.txt", "sources/c.txt", "vocab/d.txt", "generic/e.csv"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sharedTextFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "chat/a.txt"), filepath.Join(dir, "generic/b.txt")}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got, err := sharedTextFiles(filepath.Join(dir, "absent")); err != nil || got != nil {
		t.Errorf("absent folder: %v, %v; want nothing, no error", got, err)
	}
}
