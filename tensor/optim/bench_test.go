package optim

import (
	"testing"

	"github.com/vigil-ml/vigil/tensor"
)

// BenchmarkAdamWStep times clipping and an AdamW step over 4 M parameters,
// about a small BERT encoder without its embeddings.
func BenchmarkAdamWStep(b *testing.B) {
	params := []*tensor.Tensor{tensor.NewParam("w", 1024, 1024), tensor.NewParam("v", 3, 1024, 1024)}
	r := tensor.NewRNG(1)
	for _, p := range params {
		p.FillNormal(r, 0, 0.02)
		copy(p.Grad, p.Data)
	}
	opt := NewAdamW(params, AdamWConfig{LR: 1e-3, WeightDecay: 0.01})
	b.ReportAllocs()
	for b.Loop() {
		ClipGradNorm(params, 1)
		opt.Step()
	}
}
