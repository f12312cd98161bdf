package model

import (
	"testing"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
)

// benchBatch returns batch sequences of up to seq tokens from a vocabulary of vocab, lengths between
// seq/2 and seq with padding after, and about 15% of the real tokens labelled for MLM.
func benchBatch(vocab, batch, seq int) *Batch {
	r := tensor.NewRNG(1)
	b := &Batch{Batch: batch, Seq: seq, IDs: make([]int32, batch*seq), AttentionMask: make([]int32, batch*seq),
		Labels: make([]int32, batch*seq)}
	for s := range batch {
		n := seq/2 + r.IntN(seq/2+1)
		for p := range seq {
			i := s*seq + p
			b.Labels[i] = IgnoreLabel
			if p >= n {
				continue
			}
			b.IDs[i], b.AttentionMask[i] = int32(1+r.IntN(vocab-1)), 1
			if r.Float32() < 0.15 {
				b.Labels[i] = int32(1 + r.IntN(vocab-1))
			}
		}
	}
	return b
}

// BenchmarkTrainStep measures one MLM training step of the small model (vocabulary 8000, batch 16,
// sequence 64): forward with dropout, loss on the labelled positions only, backward and AdamW.
func BenchmarkTrainStep(b *testing.B) {
	c, err := Preset("small", 8000)
	if err != nil {
		b.Fatal(err)
	}
	m := newModel(b, c, MaskedLM, 1)
	batch, rng := benchBatch(8000, 16, 64), tensor.NewRNG(2)
	benchTrain(b, m.Params(), func(tape *tensor.Tape) (*tensor.Tensor, error) { return m.MLMLoss(tape, batch, rng) })
}

// BenchmarkElectraStep measures one ELECTRA training step on BenchmarkTrainStep's batch: the small
// model as discriminator with a quarter-width generator, sampling included. Its time over
// BenchmarkTrainStep's is what an ELECTRA step costs against a masked-LM step.
func BenchmarkElectraStep(b *testing.B) {
	c, err := Preset("small", 8000)
	if err != nil {
		b.Fatal(err)
	}
	e := newElectra(b, c, 0.25)
	batch, rng := benchBatch(8000, 16, 64), tensor.NewRNG(2)
	benchTrain(b, e.Params(), func(tape *tensor.Tape) (*tensor.Tensor, error) {
		sum, n, err := e.Loss(tape, batch, rng)
		if err != nil {
			return nil, err
		}
		return tape.Scale(sum, 1/float32(n)), nil
	})
}

// benchTrain measures training steps over params: loss on a reset tape, backward and AdamW.
func benchTrain(b *testing.B, params []*tensor.Tensor, loss func(*tensor.Tape) (*tensor.Tensor, error)) {
	opt := optim.NewAdamW(params, optim.AdamWConfig{LR: 1e-4, WeightDecay: 0.01})
	tape := tensor.NewTape()
	step := func() {
		tape.Reset()
		l, err := loss(tape)
		if err != nil {
			b.Fatal(err)
		}
		tape.Backward(l)
		opt.Step()
		opt.ZeroGrad()
	}
	// The first step grows the arena; the next Reset merges its chunks into one.
	step()
	step()
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}

// BenchmarkScore measures forward-only classification of 64 sequences of 64 tokens with the small
// model.
func BenchmarkScore(b *testing.B) {
	c, err := Preset("small", 8000)
	if err != nil {
		b.Fatal(err)
	}
	m := newModel(b, c.WithLabels([]string{"threat", "drugs"}), SequenceClassification, 1)
	batch, s := benchBatch(8000, 64, 64), NewScorer(m)
	var probs []float32
	for range 2 { // grow the arena, then merge its chunks
		if probs, err = s.Probabilities(probs[:0], batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if probs, err = s.Probabilities(probs[:0], batch); err != nil {
			b.Fatal(err)
		}
	}
}
