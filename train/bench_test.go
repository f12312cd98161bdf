package train

import (
	"slices"
	"testing"
)

// BenchmarkMask times masking one 128-token sequence.
func BenchmarkMask(b *testing.B) {
	tok := testTokenizer(b)
	m, err := NewMasker(tok, MaskConfig{WholeWord: true}, 1)
	if err != nil {
		b.Fatal(err)
	}
	orig := make([]int32, 128)
	for i := range orig {
		orig[i] = int32(5 + i%19)
	}
	ids, labels := make([]int32, len(orig)), make([]int32, len(orig))
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		copy(ids, orig)
		m.Mask(ids, labels, 0, i)
		i++
	}
}

// BenchmarkCorpusNext times reading, tokenizing, packing, shuffling and masking one micro-batch of
// 32 sequences of 128 tokens.
func BenchmarkCorpusNext(b *testing.B) {
	tok := testTokenizer(b)
	lines := testLines(4000)
	path := writeCorpus(b, b.TempDir(), "c.txt", slices.Repeat(lines, 4))
	c, err := NewCorpus(tok, CorpusConfig{Files: []string{path}, SeqLen: 128, BatchSize: 32, Seed: 1, ShuffleBlock: 1024})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Next(); err != nil {
			b.Fatal(err)
		}
	}
}
