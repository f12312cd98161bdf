package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxLineBytes caps a sampled line so that whole articles do not dominate the cases.
const maxLineBytes = 1000

// sharedTextFiles lists the .txt files one folder below dir, skipping provenance notes and vocabularies.
// A missing dir yields no files and no error.
func sharedTextFiles(dir string) ([]string, error) {
	if dir == "" {
		return nil, nil
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.txt"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	files = slices.DeleteFunc(files, func(f string) bool {
		switch filepath.Base(filepath.Dir(f)) {
		case "sources", "vocab":
			return true
		}
		return false
	})
	slices.Sort(files)
	return files, nil
}

// sampleLines returns up to k non-blank lines of path, chosen uniformly by reservoir sampling with a
// generator seeded by seed, in file order. Lines are made valid UTF-8 and cut to maxLineBytes.
func sampleLines(path string, k int, seed uint64) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sample %s: %w", path, err)
	}
	defer f.Close()
	rng := rand.New(rand.NewPCG(seed, uint64(len(path))))
	type line struct {
		n    int
		text string
	}
	var keep []line
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	seen := 0
	for sc.Scan() {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		seen++
		switch {
		case len(keep) < k:
			keep = append(keep, line{seen, clean(s)})
		default:
			if j := rng.IntN(seen); j < k {
				keep[j] = line{seen, clean(s)}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sample %s: %w", path, err)
	}
	slices.SortFunc(keep, func(a, b line) int { return a.n - b.n })
	out := make([]string, len(keep))
	for i, l := range keep {
		out[i] = l.text
	}
	return out, nil
}

// clean makes s valid UTF-8 and cuts it to at most maxLineBytes on a character boundary.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxLineBytes {
		return s
	}
	cut := maxLineBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
