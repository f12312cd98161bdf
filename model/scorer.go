package model

import (
	"math"

	"github.com/vigil-ml/vigil/tensor"
)

// Scorer runs a model forward only, without recording gradients or dropout, reusing one tape's
// arena across calls so that scoring batches of a fixed shape allocates almost nothing. Each
// operation already spreads over GOMAXPROCS goroutines. A Scorer is not safe for concurrent use;
// give each goroutine its own (they may share the Model).
type Scorer struct {
	// Progress, when set, is called by ScoreTexts after each batch with the texts done and the total.
	Progress func(done, total int)

	m *Model
	t *tensor.Tape
}

// NewScorer returns a Scorer for m.
func NewScorer(m *Model) *Scorer {
	t := tensor.NewTape()
	t.SetGrad(false)
	return &Scorer{m: m, t: t}
}

// Probabilities appends to dst the sigmoid probability of every label for every sequence of b,
// [batch, labels] row-major, and returns the extended slice. The model must be a classifier.
func (s *Scorer) Probabilities(dst []float32, b *Batch) ([]float32, error) {
	defer s.t.Reset()
	logits, err := s.m.ClassLogits(s.t, b, nil)
	if err != nil {
		return dst, err
	}
	for _, x := range logits.Data {
		dst = append(dst, float32(1/(1+math.Exp(-float64(x)))))
	}
	return dst, nil
}

// MLMLogits appends to dst the masked-language-model logits of b, [batch, seq, vocab] row-major, and
// returns the extended slice. The model must have the MLM head.
func (s *Scorer) MLMLogits(dst []float32, b *Batch) ([]float32, error) {
	defer s.t.Reset()
	logits, err := s.m.MLMLogits(s.t, b, nil)
	if err != nil {
		return dst, err
	}
	return append(dst, logits.Data...), nil
}
