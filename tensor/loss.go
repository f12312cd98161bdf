package tensor

import (
	"fmt"
	"math"

	"github.com/vigil-ml/vigil/tensor/vmath"
)

// CrossEntropy returns the mean softmax cross-entropy of logits [n, classes]
// against class indices targets [n], skipping rows whose target is
// ignoreIndex, as torch.nn.functional.cross_entropy with reduction "mean".
// When every row is ignored the loss is 0 with zero gradients (PyTorch
// returns NaN), so an all-padding batch contributes nothing. targets must
// stay unchanged until Backward has run; a target outside [0, classes) that
// is not ignoreIndex panics.
func (t *Tape) CrossEntropy(logits *Tensor, targets []int32, ignoreIndex int32) *Tensor {
	loss, _ := t.crossEntropy(logits, targets, ignoreIndex, true)
	return loss
}

// CrossEntropySum is CrossEntropy without the division: it returns the summed
// loss over the rows that are not ignored, and how many rows that is. Callers
// that accumulate gradients over several batches scale the sum by the total
// count (see Scale) so every counted token weighs the same.
func (t *Tape) CrossEntropySum(logits *Tensor, targets []int32, ignoreIndex int32) (sum *Tensor, count int) {
	return t.crossEntropy(logits, targets, ignoreIndex, false)
}

// ceCost is the rough cost in nanoseconds of one logit in the cross-entropy
// kernels.
const ceCost = 4

func (t *Tape) crossEntropy(logits *Tensor, targets []int32, ignoreIndex int32, mean bool) (*Tensor, int) {
	if logits.Dims() != 2 || logits.Shape[0] != len(targets) {
		panic(fmt.Sprintf("tensor: CrossEntropy: logits %v do not match %d targets", logits.Shape, len(targets)))
	}
	classes := logits.Shape[1]
	count := 0
	for i, c := range targets {
		if c == ignoreIndex {
			continue
		}
		if c < 0 || int(c) >= classes {
			panic(fmt.Sprintf("tensor: CrossEntropy: target %d at %d outside [0, %d)", c, i, classes))
		}
		count++
	}
	stats := t.arena.Floats(3 * len(targets))
	rowLoss := t.arena.Floats(len(targets))
	k := t.kernel()
	k.f[0], k.f[1], k.f[2], k.ids = stats, rowLoss, logits.Data, targets
	k.i[0], k.i[1] = classes, int(ignoreIndex)
	t.parallelScratch(len(targets), classes*ceCost, classes, ceForwardKernel)

	scale := float32(1)
	if mean && count > 0 {
		scale = 1 / float32(count)
	}
	var sum float64
	for _, l := range rowLoss {
		sum += float64(l)
	}
	out := t.output(1)
	out.Data[0] = float32(sum * float64(scale))
	if o := t.record(backCrossEntropy, out, logits); o != nil {
		o.f[0], o.ids = stats, targets
		o.i[0] = int(ignoreIndex)
		o.s[0] = scale
	}
	return out, count
}

// ceForwardKernel computes, for rows [lo, hi) of the logits f2 with targets
// ids and i = (classes, ignoreIndex), the loss f1[r] = m + log S − z[target]
// where m is the row's maximum and S = Σ exp(z − m), accumulated in float64
// (ignored rows stay zero). It saves (m, S as a float32 pair of about 48
// significant bits) in f0[3r:3r+3] for the backward pass, which needs S to
// that precision when one probability is within 1e-6 of 1.
func ceForwardKernel(k *kernelArgs, lo, hi int) {
	classes, ignore := k.i[0], int32(k.i[1])
	e := k.scratch(lo)
	for r := lo; r < hi; r++ {
		c := k.ids[r]
		if c == ignore {
			continue
		}
		z := k.f[2][r*classes : (r+1)*classes]
		m := rowMax(z)
		vmath.ExpSubSum(e, z, m)
		sum := sum64(e)
		hiS := float32(sum)
		k.f[0][3*r], k.f[0][3*r+1], k.f[0][3*r+2] = m, hiS, float32(sum-float64(hiS))
		k.f[1][r] = float32(float64(m) + math.Log(sum) - float64(z[c]))
	}
}

// rowMax returns the largest element of a non-empty x (NaNs aside: they
// reach the loss through the exponentials anyway).
func rowMax(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	return m
}

// sum64 returns Σx in float64, in a fixed order over four partial sums.
func sum64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// addScaled64 sets dst[i] += s·x[i], multiplying in float64.
func addScaled64(dst, x []float32, s float64) {
	for i, v := range x {
		dst[i] += float32(s * float64(v))
	}
}

// backCrossEntropy: in = (logits); f0 = per-row (max, sum pair); ids =
// targets; i = (ignoreIndex); s = (scale: 1/count for the mean, 1 for the sum).
func backCrossEntropy(t *Tape, o *op) {
	logits := o.in[0]
	dz := t.gradOf(logits)
	classes := logits.Shape[1]
	k := t.kernel()
	k.f[0], k.f[1], k.f[2], k.ids = dz, logits.Data, o.f[0], o.ids
	k.i[0], k.i[1] = classes, o.i[0]
	k.s[0] = o.s[0] * o.out.Grad[0]
	t.parallelScratch(len(o.ids), classes*ceCost, classes, ceBackwardKernel)
}

// ceBackwardKernel adds g·(softmax(z) − onehot(target)) to the gradient rows
// [lo, hi) of f0, from logits f1 and the forward statistics f2; s0 = g. It
// recomputes e = exp(z − m) exactly as the forward pass did, so the target's
// term p − 1 = −(S − e[target])/S is free of cancellation even when p ≈ 1.
func ceBackwardKernel(k *kernelArgs, lo, hi int) {
	classes, ignore, g := k.i[0], int32(k.i[1]), float64(k.s[0])
	e := k.scratch(lo)
	for r := lo; r < hi; r++ {
		c := k.ids[r]
		if c == ignore {
			continue
		}
		dz, z := k.f[0][r*classes:(r+1)*classes], k.f[1][r*classes:(r+1)*classes]
		m, sum := k.f[2][3*r], float64(k.f[2][3*r+1])+float64(k.f[2][3*r+2])
		vmath.ExpSubSum(e, z, m)
		gs := g / sum
		addScaled64(dz[:c], e[:c], gs)
		addScaled64(dz[c+1:], e[c+1:], gs)
		dz[c] += float32(-g * (sum - float64(e[c])) / sum)
	}
}

// BCEWithLogits returns the mean binary cross-entropy of sigmoid(logits)
// against targets in [0, 1] (one per logit), as
// torch.nn.functional.binary_cross_entropy_with_logits with reduction
// "mean". posWeight, if not nil, has one weight per label (the last
// dimension of logits) multiplying the positive term, as pos_weight does.
// It uses the stable form (1-y)·x + (1+(w-1)·y)·softplus(-x). targets and
// posWeight must stay unchanged until Backward has run.
func (t *Tape) BCEWithLogits(logits *Tensor, targets, posWeight []float32) *Tensor {
	if len(targets) != logits.Size() || logits.Size() == 0 {
		panic(fmt.Sprintf("tensor: BCEWithLogits: %d targets for logits %v", len(targets), logits.Shape))
	}
	if posWeight != nil && len(posWeight) != logits.Dim(-1) {
		panic(fmt.Sprintf("tensor: BCEWithLogits: %d positive weights for logits %v", len(posWeight), logits.Shape))
	}
	var sum float64
	for i, x := range logits.Data {
		sum += bceTerm(float64(x), float64(targets[i]), posWeightAt(posWeight, i))
	}
	out := t.output(1)
	out.Data[0] = float32(sum / float64(len(targets)))
	if o := t.record(backBCE, out, logits); o != nil {
		o.f[0], o.f[1] = targets, posWeight
	}
	return out
}

// bceTerm is one element of BCEWithLogits before averaging.
func bceTerm(x, y, w float64) float64 {
	softplusNeg := math.Log1p(math.Exp(-math.Abs(x))) + max(-x, 0)
	return (1-y)*x + (1+(w-1)*y)*softplusNeg
}

// posWeightAt returns the positive weight for flat element i, 1 without
// weights.
func posWeightAt(w []float32, i int) float64 {
	if w == nil {
		return 1
	}
	return float64(w[i%len(w)])
}

// backBCE: in = (logits); f = (targets, posWeight or nil).
// d/dx = (1-y) - (1+(w-1)·y)·sigmoid(-x).
func backBCE(t *Tape, o *op) {
	logits := o.in[0]
	dx := t.gradOf(logits)
	targets, posWeight := o.f[0], o.f[1]
	g := float64(o.out.Grad[0]) / float64(len(targets))
	for i, x := range logits.Data {
		y := float64(targets[i])
		w := posWeightAt(posWeight, i)
		dx[i] += float32(g * ((1 - y) - (1+(w-1)*y)*sigmoid(-float64(x))))
	}
}

// sigmoid is the logistic function, evaluated without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
