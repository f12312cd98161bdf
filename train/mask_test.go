package train

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// maskInput returns n sequences of the test vocabulary: [CLS] ... [SEP] with "##" pieces.
func maskInput(t *testing.T, n int) [][]int32 {
	tok := testTokenizer(t)
	var seqs [][]int32
	for _, line := range testLines(n) {
		ids := []int32{tok.ClsID()}
		ids = append(ids, tok.Encode(line, tokenizeNoSpecial).IDs...)
		seqs = append(seqs, append(ids, tok.SepID()))
	}
	return seqs
}

func TestMaskStatistics(t *testing.T) {
	tok := testTokenizer(t)
	for _, wholeWord := range []bool{false, true} {
		m, err := NewMasker(tok, MaskConfig{WholeWord: wholeWord}, 7)
		if err != nil {
			t.Fatal(err)
		}
		var eligible, chosen, masked, kept, random int
		for i, orig := range maskInput(t, 4000) {
			ids := slices.Clone(orig)
			labels := make([]int32, len(ids))
			n := m.Mask(ids, labels, 0, int64(i))
			got := 0
			for j, l := range labels {
				special := orig[j] < 5
				if !special {
					eligible++
				}
				if l == IgnoreIndex {
					if ids[j] != orig[j] {
						t.Fatalf("position %d changed without a label", j)
					}
					continue
				}
				got++
				if special || l != orig[j] {
					t.Fatalf("label %d at %d for token %d", l, j, orig[j])
				}
				switch {
				case ids[j] == tok.MaskID():
					masked++
				case ids[j] == orig[j]:
					kept++
				default:
					random++
					if ids[j] < 5 {
						t.Fatalf("random replacement %d is a special token", ids[j])
					}
				}
			}
			if got != n {
				t.Fatalf("Mask returned %d, labelled %d", n, got)
			}
			chosen += n
		}
		frac := float64(chosen) / float64(eligible)
		// Binomial standard errors are below 0.005 for these counts; allow about 4 of them (whole words
		// are chosen together, which widens the spread a little).
		if math.Abs(frac-0.15) > 0.02 {
			t.Errorf("whole word %v: chose %.4f of eligible tokens, want 0.15", wholeWord, frac)
		}
		for _, c := range []struct {
			name string
			n    int
			want float64
		}{{"[MASK]", masked, 0.8}, {"kept", kept, 0.1}, {"random", random, 0.1}} {
			// A random replacement may draw the original token and count as kept: 1 in 14 here.
			if f := float64(c.n) / float64(chosen); math.Abs(f-c.want) > 0.03 {
				t.Errorf("whole word %v: %s %.3f of chosen, want %.2f", wholeWord, c.name, f, c.want)
			}
		}
	}
}

func TestMaskDeterministic(t *testing.T) {
	tok := testTokenizer(t)
	m, _ := NewMasker(tok, MaskConfig{}, 1)
	other, _ := NewMasker(tok, MaskConfig{}, 2)
	seq := maskInput(t, 200)
	run := func(m *Masker, epoch int, index int64) ([]int32, []int32) {
		var all, labs []int32
		for i, s := range seq {
			ids := slices.Clone(s)
			labels := make([]int32, len(ids))
			m.Mask(ids, labels, epoch, index+int64(i))
			all, labs = append(all, ids...), append(labs, labels...)
		}
		return all, labs
	}
	a, la := run(m, 3, 0)
	b, lb := run(m, 3, 0)
	if !slices.Equal(a, b) || !slices.Equal(la, lb) {
		t.Error("same (seed, epoch, index) masked differently")
	}
	for name, f := range map[string]func() ([]int32, []int32){
		"next epoch":  func() ([]int32, []int32) { return run(m, 4, 0) },
		"other index": func() ([]int32, []int32) { return run(m, 3, 1000) },
		"other seed":  func() ([]int32, []int32) { return run(other, 3, 0) },
	} {
		if _, l := f(); slices.Equal(l, la) {
			t.Errorf("%s: same masks", name)
		}
	}
}

func TestMaskWholeWord(t *testing.T) {
	tok := testTokenizer(t)
	vocab := tok.Vocab()
	m, _ := NewMasker(tok, MaskConfig{WholeWord: true, Prob: 0.5}, 3)
	pieces := 0
	for i, orig := range maskInput(t, 500) {
		ids := slices.Clone(orig)
		labels := make([]int32, len(ids))
		m.Mask(ids, labels, 0, int64(i))
		for j := 2; j < len(orig); j++ {
			if strings.HasPrefix(vocab[orig[j]], "##") && orig[j-1] >= 5 {
				pieces++
				if (labels[j] == IgnoreIndex) != (labels[j-1] == IgnoreIndex) {
					t.Fatalf("sequence %d: piece %q at %d chosen apart from its word", i, vocab[orig[j]], j)
				}
			}
		}
	}
	if pieces < 100 {
		t.Fatalf("only %d continuation pieces: the test corpus does not exercise whole words", pieces)
	}
}

func TestNewMaskerErrors(t *testing.T) {
	tok := testTokenizer(t)
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := NewMasker(tok, MaskConfig{Prob: p}, 0); err == nil {
			t.Errorf("probability %g accepted", p)
		}
	}
}
