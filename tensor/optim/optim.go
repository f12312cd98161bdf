// Package optim updates Vigil parameters from their gradients: AdamW as
// torch.optim.AdamW, plain SGD, and global gradient-norm clipping as
// torch.nn.utils.clip_grad_norm_.
//
// Optimizers hold the parameters they update and keep their state in plain
// slices that a trainer can save and restore exactly.
package optim

import (
	"math"

	"github.com/vigil-ml/vigil/tensor"
)

// Optimizer updates a fixed list of parameters from their gradients.
type Optimizer interface {
	// Step applies one update using the current gradients.
	Step()
	// ZeroGrad clears every parameter's gradient.
	ZeroGrad()
	// SetLR sets the learning rate for the following steps, for schedules.
	SetLR(lr float64)
}

// zeroGrad clears the gradients of params.
func zeroGrad(params []*tensor.Tensor) {
	for _, p := range params {
		p.ZeroGrad()
	}
}

// ClipGradNorm scales the gradients of params so that their global L2 norm
// (all gradients taken as one vector) is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_: the scale is maxNorm/(norm+1e-6) when
// that is below 1. It returns the norm before clipping; a non-finite norm is
// returned as is and the gradients then hold non-finite values, which the
// caller should treat as a failed step.
func ClipGradNorm(params []*tensor.Tensor, maxNorm float64) float64 {
	var sq float64
	for _, p := range params {
		for _, g := range p.Grad {
			sq += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(sq)
	coef := maxNorm / (norm + 1e-6)
	if coef < 1 {
		c := float32(coef)
		for _, p := range params {
			for i := range p.Grad {
				p.Grad[i] *= c
			}
		}
	}
	return norm
}
