package tokenize

import (
	"testing"
)

// benchTokenizer trains a vocabulary on generated text, so that the
// benchmarks see realistic word pieces.
func benchTokenizer(b *testing.B) (*Tokenizer, []string) {
	b.Helper()
	lines := generatedText(5000)
	tr, err := NewTrainer(TrainerOptions{VocabSize: 2000, Lowercase: true, StripAccents: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range lines {
		tr.Add(l)
	}
	tok, _, err := tr.Train()
	if err != nil {
		b.Fatal(err)
	}
	return tok, lines
}

func BenchmarkEncode(b *testing.B) {
	tok, lines := benchTokenizer(b)
	o := EncodeOptions{AddSpecialTokens: true}
	n := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		n += len(tok.Encode(lines[i%len(lines)], o).IDs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkSampleSplit re-splits encoded lines under piece dropout 0.1, the cost pretraining adds
// per sequence; compare its tokens/s with BenchmarkEncode's.
func BenchmarkSampleSplit(b *testing.B) {
	tok, lines := benchTokenizer(b)
	encoded := make([][]int32, len(lines))
	for i, l := range lines {
		encoded[i] = tok.Encode(l, EncodeOptions{AddSpecialTokens: true}).IDs
	}
	var dst []int32
	n := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		dst = tok.SampleSplit(dst[:0], encoded[i%len(encoded)], 0.1, uint64(i))
		n += len(dst)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkEncodeBatch(b *testing.B) {
	tok, lines := benchTokenizer(b)
	o := EncodeOptions{AddSpecialTokens: true}
	n := 0
	b.ResetTimer()
	for b.Loop() {
		for _, e := range tok.EncodeBatch(lines, o) {
			n += len(e.IDs)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkTrain(b *testing.B) {
	lines := generatedText(20000)
	var bytes int64
	for _, l := range lines {
		bytes += int64(len(l)) + 1
	}
	b.SetBytes(bytes)
	for b.Loop() {
		tr, err := NewTrainer(TrainerOptions{VocabSize: 4000, Lowercase: true, StripAccents: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range lines {
			tr.Add(l)
		}
		if _, _, err := tr.Train(); err != nil {
			b.Fatal(err)
		}
	}
}
