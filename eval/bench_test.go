package eval

import (
	"math/rand/v2"
	"testing"
)

func benchData(n int) ([]float64, []bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	scores := make([]float64, n)
	labels := make([]bool, n)
	for i := range scores {
		labels[i] = rng.Float64() < 0.1
		scores[i] = rng.Float64()
		if labels[i] {
			scores[i] = min(1, scores[i]+0.3)
		}
	}
	return scores, labels
}

func BenchmarkROCAUC(b *testing.B) {
	scores, labels := benchData(100_000)
	for b.Loop() {
		if _, err := ROCAUC(scores, labels); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBootstrap draws 100 resamples of 10,000 messages.
func BenchmarkBootstrap(b *testing.B) {
	scores, labels := benchData(10_000)
	rk := rank(scores, labels)
	for b.Loop() {
		bootstrap(rk, 100, 1)
	}
}

// BenchmarkEvaluate is a full two-head report on 10,000 messages with 1000 resamples.
func BenchmarkEvaluate(b *testing.B) {
	s := synthetic(10_000, 5)
	lex := testLexicon(b)
	for b.Loop() {
		if _, err := Evaluate(s, Options{Lexicon: lex}); err != nil {
			b.Fatal(err)
		}
	}
}
