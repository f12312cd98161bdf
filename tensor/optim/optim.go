// Package optim updates Vigil parameters from their gradients: AdamW as
// torch.optim.AdamW, plain SGD, and global gradient-norm clipping as
// torch.nn.utils.clip_grad_norm_.
//
// Optimizers hold the parameters they update and keep their state in plain
// slices that a trainer can save and restore exactly. Their passes over the
// parameters run vector kernels (package vmath) split across GOMAXPROCS
// goroutines, and return the same bits whatever GOMAXPROCS is.
package optim

import (
	"math"
	"sync"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/internal/workers"
	"github.com/vigil-ml/vigil/tensor/vmath"
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
//
// The squares are summed in float64 in an order fixed by the parameters'
// sizes alone: in blocks of clipBlock elements of the gradients laid end to
// end (vmath.SumSquares within each parameter's piece of a block), the
// blocks' sums then added in order. The blocks are split across GOMAXPROCS
// goroutines, which therefore do not change the result. Concurrent calls
// share working space and run one at a time.
func ClipGradNorm(params []*tensor.Tensor, maxNorm float64) float64 {
	c := &clipper
	c.Lock()
	defer c.Unlock()
	if c.sum == nil {
		c.sum, c.scale = c.sumChunk, c.scaleChunk
	}
	c.params, c.offset = append(c.params[:0], params...), c.offset[:0]
	c.offset = append(c.offset, 0)
	for _, p := range params {
		c.offset = append(c.offset, c.offset[len(c.offset)-1]+len(p.Grad))
	}
	n := c.offset[len(params)]
	blocks := (n + clipBlock - 1) / clipBlock
	if cap(c.partial) < blocks {
		c.partial = make([]float64, blocks)
	}
	c.partial = c.partial[:blocks]
	c.nc = chunks(n)
	workers.Run(c.nc, &c.wg, c.sum)
	var sq float64
	for _, s := range c.partial {
		sq += s
	}
	norm := math.Sqrt(sq)
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		c.coef = float32(coef)
		workers.Run(c.nc, &c.wg, c.scale)
	}
	clear(c.params)
	return norm
}

// clipBlock is the number of elements whose squares ClipGradNorm sums into
// one partial sum.
const clipBlock = 1 << 14

// clipper is ClipGradNorm's working space, kept so that clipping allocates
// nothing once it has seen its largest parameter list.
var clipper clipState

type clipState struct {
	sync.Mutex
	params     []*tensor.Tensor // a copy of the call's parameters, so they do not escape
	offset     layout
	partial    []float64 // one sum of squares per block
	coef       float32
	nc         int
	sum, scale func(c int) // sumChunk and scaleChunk, made once
	wg         workers.Group
}

// sumChunk sets the partial sums of the blocks in chunk c.
func (k *clipState) sumChunk(c int) {
	n := k.offset[len(k.params)]
	lo, hi := workers.Bounds(c, k.nc, len(k.partial))
	for b := lo; b < hi; b++ {
		var s float64
		start, end := b*clipBlock, min((b+1)*clipBlock, n)
		for i := k.offset.first(start); i < len(k.params) && k.offset[i] < end; i++ {
			x, y := k.offset.piece(i, start, end)
			s += vmath.SumSquares(k.params[i].Grad[x:y])
		}
		k.partial[b] = s
	}
}

// scaleChunk multiplies chunk c of the gradients by the clipping coefficient.
func (k *clipState) scaleChunk(c int) {
	lo, hi := workers.Bounds(c, k.nc, k.offset[len(k.params)])
	for i := k.offset.first(lo); i < len(k.params) && k.offset[i] < hi; i++ {
		x, y := k.offset.piece(i, lo, hi)
		g, f := k.params[i].Grad[x:y], k.coef
		for j := range g {
			g[j] *= f
		}
	}
}
