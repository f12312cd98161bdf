package model

import (
	"math"

	"github.com/vigil-ml/vigil/tensor"
)

// Scorer runs a model forward only, without recording gradients or dropout, reusing one tape's
// arena across calls so that scoring batches of a fixed shape allocates almost nothing. Each
// operation already spreads over GOMAXPROCS goroutines. A Scorer is not safe for concurrent use;
// give each goroutine its own (they may share the Model).
//
// A batch of more than scoreTokens tokens runs as consecutive slices of whole sequences, the
// arena reset after each: nothing of one slice's forward pass is needed by the next, so the
// arena holds one slice's activations instead of the whole batch's.
type Scorer struct {
	// Progress, when set, is called by ScoreTexts after each batch with the texts done and the total.
	Progress func(done, total int)

	m *Model
	t *tensor.Tape
}

// scoreTokens bounds the tokens of one forward pass of a Scorer: enough rows for the matrix
// products to run at full speed, few enough that the activations of the small model (about
// 75 KB per token) stay near 75 MB.
const scoreTokens = 1024

// NewScorer returns a Scorer for m.
func NewScorer(m *Model) *Scorer {
	t := tensor.NewTape()
	t.SetGrad(false)
	return &Scorer{m: m, t: t}
}

// Probabilities appends to dst the sigmoid probability of every label for every sequence of b,
// [batch, labels] row-major, and returns the extended slice. The model must be a classifier.
func (s *Scorer) Probabilities(dst []float32, b *Batch) ([]float32, error) {
	err := s.each(b, SequenceClassification, func(part *Batch) {
		for _, x := range s.m.classLogits(s.t, part, nil).Data {
			dst = append(dst, float32(1/(1+math.Exp(-float64(x)))))
		}
	})
	return dst, err
}

// MLMLogits appends to dst the masked-language-model logits of b, [batch, seq, vocab] row-major, and
// returns the extended slice. The model must have the MLM head.
func (s *Scorer) MLMLogits(dst []float32, b *Batch) ([]float32, error) {
	err := s.each(b, MaskedLM, func(part *Batch) {
		dst = append(dst, s.m.mlmLogits(s.t, part, nil).Data...)
	})
	return dst, err
}

// each checks b against the head arch, then calls fn on consecutive slices of b's sequences of at
// most scoreTokens tokens (at least one sequence each), resetting the tape after each call.
func (s *Scorer) each(b *Batch, arch Architecture, fn func(part *Batch)) error {
	if err := s.m.check(b, arch); err != nil {
		return err
	}
	step := max(1, scoreTokens/b.Seq)
	for lo := 0; lo < b.Batch; lo += step {
		part := b.sequences(lo, min(lo+step, b.Batch))
		fn(&part)
		s.t.Reset()
	}
	return nil
}
