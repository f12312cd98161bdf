package optim

import (
	"fmt"
	"math"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/internal/workers"
	"github.com/vigil-ml/vigil/tensor/vmath"
)

// AdamWConfig holds AdamW's hyper-parameters. The zero values of Beta1,
// Beta2 and Eps select PyTorch's defaults (0.9, 0.999, 1e-8).
type AdamWConfig struct {
	LR          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	// NoDecay reports parameters exempt from weight decay (typically biases
	// and layer-norm weights); nil decays every parameter.
	NoDecay func(p *tensor.Tensor) bool
}

// AdamW is Adam with decoupled weight decay, computing exactly what
// torch.optim.AdamW (non-fused, non-amsgrad) computes in float32:
//
//	p ← p·(1 − lr·λ)
//	m ← β₁·m + (1−β₁)·g,  v ← β₂·v + (1−β₂)·g²
//	p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
//
// A step makes one pass over each element, split across GOMAXPROCS goroutines; the
// parameters are updated element by element, so the split does not change the result.
type AdamW struct {
	cfg    AdamWConfig
	params []*tensor.Tensor
	decay  []bool
	m, v   [][]float32
	scale  []float64 // per-parameter learning-rate multipliers; nil means 1
	step   int

	offset layout            // the parameters laid end to end
	coef   []vmath.AdamWCoef // this step's coefficients, one per parameter
	nc     int               // this step's number of chunks
	chunk  func(c int)       // stepChunk, made once
	wg     workers.Group
}

// NewAdamW returns an AdamW optimizer for params.
func NewAdamW(params []*tensor.Tensor, cfg AdamWConfig) *AdamW {
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.999
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	o := &AdamW{cfg: cfg, params: params, offset: layout{0}, coef: make([]vmath.AdamWCoef, len(params))}
	for _, p := range params {
		o.decay = append(o.decay, cfg.NoDecay == nil || !cfg.NoDecay(p))
		o.m = append(o.m, make([]float32, p.Size()))
		o.v = append(o.v, make([]float32, p.Size()))
		o.offset = append(o.offset, o.offset[len(o.offset)-1]+p.Size())
	}
	o.chunk = o.stepChunk
	return o
}

// SetLR sets the learning rate for the following steps.
func (o *AdamW) SetLR(lr float64) { o.cfg.LR = lr }

// SetLRScale sets one learning-rate multiplier per parameter, in the optimizer's order, for the
// following steps, as PyTorch's parameter groups with their own lr do (layer-wise learning-rate decay,
// for one). Weight decay scales with the parameter's learning rate. A multiplier of 0 freezes the
// parameter: neither its weights nor its moments change. nil sets every multiplier to 1. The slice is
// used, not copied. Bias correction follows the optimizer's step count, shared by all parameters.
func (o *AdamW) SetLRScale(scale []float64) error {
	if scale != nil && len(scale) != len(o.params) {
		return fmt.Errorf("optim: %d learning-rate multipliers for %d parameters", len(scale), len(o.params))
	}
	for i, s := range scale {
		if !(s >= 0) || math.IsInf(s, 0) {
			return fmt.Errorf("optim: learning-rate multiplier %d is %g, want a finite number >= 0", i, s)
		}
	}
	o.scale = scale
	return nil
}

// ZeroGrad clears every parameter's gradient.
func (o *AdamW) ZeroGrad() { zeroGrad(o.params) }

// Step applies one AdamW update.
func (o *AdamW) Step() {
	o.step++
	c := o.cfg
	bc1 := 1 - math.Pow(c.Beta1, float64(o.step))
	bc2 := 1 - math.Pow(c.Beta2, float64(o.step))
	k := vmath.AdamWCoef{
		Beta1: float32(c.Beta1), Beta1C: float32(1 - c.Beta1),
		Beta2: float32(c.Beta2), Beta2C: float32(1 - c.Beta2),
		BC2Sqrt: float32(math.Sqrt(bc2)), Eps: float32(c.Eps),
	}
	for i := range o.params {
		lr := c.LR
		if o.scale != nil {
			lr *= o.scale[i]
		}
		k.StepSize, k.Keep = float32(lr/bc1), 1
		if o.decay[i] && c.WeightDecay != 0 {
			k.Keep = float32(1 - lr*c.WeightDecay)
		}
		o.coef[i] = k
	}
	o.nc = chunks(o.offset[len(o.params)])
	workers.Run(o.nc, &o.wg, o.chunk)
}

// stepChunk updates chunk c of the parameters laid end to end, skipping frozen ones.
func (o *AdamW) stepChunk(c int) {
	lo, hi := workers.Bounds(c, o.nc, o.offset[len(o.params)])
	for i := o.offset.first(lo); i < len(o.params) && o.offset[i] < hi; i++ {
		if o.scale != nil && o.scale[i] == 0 {
			continue
		}
		a, b := o.offset.piece(i, lo, hi)
		p := o.params[i]
		vmath.AdamW(p.Data[a:b], o.m[i][a:b], o.v[i][a:b], p.Grad[a:b], o.coef[i])
	}
}

// AdamWState is AdamW's resumable state: the step count and the first and
// second moments, one slice per parameter in the optimizer's order.
type AdamWState struct {
	Step int
	M, V [][]float32
}

// State returns the optimizer's state. The slices are the optimizer's own,
// so a checkpoint writer can read them without copying.
func (o *AdamW) State() AdamWState { return AdamWState{Step: o.step, M: o.m, V: o.v} }

// LoadState copies s into the optimizer after checking that it matches the
// parameters.
func (o *AdamW) LoadState(s AdamWState) error {
	if s.Step < 0 {
		return fmt.Errorf("optim: AdamW state has negative step %d", s.Step)
	}
	if len(s.M) != len(o.params) || len(s.V) != len(o.params) {
		return fmt.Errorf("optim: AdamW state has %d/%d moment slices for %d parameters", len(s.M), len(s.V), len(o.params))
	}
	for i, p := range o.params {
		if len(s.M[i]) != p.Size() || len(s.V[i]) != p.Size() {
			return fmt.Errorf("optim: AdamW state for parameter %d (%v) has %d/%d values, want %d",
				i, p, len(s.M[i]), len(s.V[i]), p.Size())
		}
	}
	for i := range o.params {
		copy(o.m[i], s.M[i])
		copy(o.v[i], s.V[i])
	}
	o.step = s.Step
	return nil
}

// SGD is plain stochastic gradient descent, p ← p − lr·g.
type SGD struct {
	lr     float32
	params []*tensor.Tensor
}

// NewSGD returns an SGD optimizer for params.
func NewSGD(params []*tensor.Tensor, lr float64) *SGD { return &SGD{lr: float32(lr), params: params} }

// SetLR sets the learning rate for the following steps.
func (o *SGD) SetLR(lr float64) { o.lr = float32(lr) }

// ZeroGrad clears every parameter's gradient.
func (o *SGD) ZeroGrad() { zeroGrad(o.params) }

// Step applies one SGD update.
func (o *SGD) Step() {
	for _, p := range o.params {
		for j, g := range p.Grad {
			p.Data[j] -= o.lr * g
		}
	}
}
