package main

import (
	"testing"

	"github.com/vigil-ml/vigil/tokenize"
)

func TestRuneOffset(t *testing.T) {
	s := "aé𠮷b"
	tests := []struct{ b, want int }{{0, 0}, {1, 1}, {3, 2}, {7, 3}, {8, 4}, {99, 4}, {-1, 0}}
	for _, tt := range tests {
		if got := runeOffset(s, tt.b); got != tt.want {
			t.Errorf("runeOffset(%q, %d) = %d, want %d", s, tt.b, got, tt.want)
		}
	}
}

func TestLimitedCoversEveryLengthPaddedAndNot(t *testing.T) {
	seen := map[tokenize.EncodeOptions]bool{}
	for i := 0; i < 100*truncatedEvery; i += truncatedEvery {
		o := limited(i)
		if !o.AddSpecialTokens || o.MaxLength == 0 {
			t.Fatalf("limited(%d) = %+v", i, o)
		}
		seen[o] = true
	}
	if want := 2 * len(truncatedLengths); len(seen) != want {
		t.Errorf("%d distinct settings, want %d: %v", len(seen), want, seen)
	}
}

func TestNewCaseOffsetsFollowTheirText(t *testing.T) {
	pair := "é b"
	e := tokenize.Encoding{
		IDs:           []int32{1, 2, 3, 4},
		TypeIDs:       []int32{0, 0, 1, 1},
		AttentionMask: []int32{1, 1, 1, 1},
		Offsets:       [][2]int{{0, 0}, {0, 4}, {0, 2}, {3, 4}},
	}
	c := newCase("s", "€ab", &pair, tokenize.EncodeOptions{AddSpecialTokens: true}, e)
	want := [][2]int{{0, 0}, {0, 2}, {0, 1}, {2, 3}}
	for i := range want {
		if c.Offsets[i] != want[i] {
			t.Errorf("offset %d = %v, want %v", i, c.Offsets[i], want[i])
		}
	}
}

func TestSweep(t *testing.T) {
	cases := sweep()
	want := 0x32400 - 0x800 + 0x1F0 // planes 0-3 up to U+323FF less the surrogates, plus U+E0000-E01EF
	if len(cases) != want {
		t.Fatalf("%d cases, want %d", len(cases), want)
	}
	for _, c := range []struct {
		i          int
		source, in string
	}{{0, "U+0000", "a\x00b"}, {0xD7FF, "U+D7FF", "a\ud7ffb"}, {0xD800, "U+E000", "a\ue000b"}, {want - 1, "U+E01EF", "a\U000e01efb"}} {
		if got := cases[c.i]; got.source != c.source || got.text != c.in {
			t.Errorf("case %d = %q %q, want %q %q", c.i, got.source, got.text, c.source, c.in)
		}
	}
}
