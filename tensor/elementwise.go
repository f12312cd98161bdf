package tensor

import (
	"fmt"
	"slices"
)

// Add returns a + b. b has a's shape or a suffix of it (for example a bias
// row [n] or position table [seq, n] added to every leading index of a), in
// which case it is repeated, as PyTorch broadcasting does for those shapes.
func (t *Tape) Add(a, b *Tensor) *Tensor {
	if b.Dims() > a.Dims() || !slices.Equal(a.Shape[a.Dims()-b.Dims():], b.Shape) {
		panic(fmt.Sprintf("tensor: Add: shape %v does not broadcast to %v", b.Shape, a.Shape))
	}
	out := t.output(a.Shape...)
	k := t.kernel()
	k.f[0], k.f[1], k.f[2] = out.Data, a.Data, b.Data
	t.parallel(len(out.Data), 1, addKernel)
	t.record(backAdd, out, a, b)
	return out
}

// addKernel sets f0 = f1 + f2, with f2 repeated along f1.
func addKernel(k *kernelArgs, lo, hi int) {
	if lo == hi {
		return
	}
	dst, a, b := k.f[0][lo:hi], k.f[1][lo:hi], k.f[2]
	j := lo % len(b)
	for i, x := range a {
		dst[i] = x + b[j]
		if j++; j == len(b) {
			j = 0
		}
	}
}

// backAdd: in = (a, b).
func backAdd(t *Tape, o *op) {
	dy := o.out.Grad
	t.accumulate(t.gradOf(o.in[0]), dy, 1)
	db := t.gradOf(o.in[1])
	if len(db) == len(dy) {
		t.accumulate(db, dy, 1)
		return
	}
	t.addRowSums(db, dy)
}

// Scale returns s·x.
func (t *Tape) Scale(x *Tensor, s float32) *Tensor {
	out := t.arena.Tensor(x.Shape...) // zeroed: accumulate adds into it
	t.accumulate(out.Data, x.Data, s)
	if o := t.record(backScale, out, x); o != nil {
		o.s[0] = s
	}
	return out
}

// backScale: in = (x); s = (scale).
func backScale(t *Tape, o *op) {
	t.accumulate(t.gradOf(o.in[0]), o.out.Grad, o.s[0])
}

// Sum returns the sum of x's elements as a one-element tensor of shape [1].
// It accumulates in float64 in index order, so the result does not depend on
// the number of goroutines.
func (t *Tape) Sum(x *Tensor) *Tensor { return t.reduce(x, 1) }

// Mean returns the mean of x's elements as a one-element tensor of shape [1].
func (t *Tape) Mean(x *Tensor) *Tensor {
	if x.Size() == 0 {
		panic("tensor: Mean of an empty tensor")
	}
	return t.reduce(x, 1/float32(x.Size()))
}

// reduce returns s·Σx.
func (t *Tape) reduce(x *Tensor, s float32) *Tensor {
	out := t.output(1)
	var sum float64
	for _, v := range x.Data {
		sum += float64(v)
	}
	out.Data[0] = float32(sum * float64(s))
	if o := t.record(backReduce, out, x); o != nil {
		o.s[0] = s
	}
	return out
}

// backReduce: in = (x); s = (scale).
func backReduce(t *Tape, o *op) {
	dx := t.gradOf(o.in[0])
	if dx == nil {
		return
	}
	g := o.s[0] * o.out.Grad[0]
	for i := range dx {
		dx[i] += g
	}
}

// Reshape returns x viewed with a new shape of the same size. The result
// shares x's data; its gradient is added to x's in the backward pass.
func (t *Tape) Reshape(x *Tensor, shape ...int) *Tensor {
	if n := checkedSize(shape); n != x.Size() {
		panic(fmt.Sprintf("tensor: Reshape: %v has %d elements, the new shape %d", x.Shape, x.Size(), n))
	}
	out := t.arena.header()
	out.Shape = t.arena.ints.take(len(shape), intChunk)
	copy(out.Shape, shape)
	out.Data = x.Data
	t.record(backReshape, out, x)
	return out
}

// backReshape: in = (x).
func backReshape(t *Tape, o *op) {
	t.accumulate(t.gradOf(o.in[0]), o.out.Grad, 1)
}

// accumulate sets dst += s·src, split across goroutines when large. A nil
// dst is skipped.
func (t *Tape) accumulate(dst, src []float32, s float32) {
	if dst == nil {
		return
	}
	k := t.kernel()
	k.f[0], k.f[1], k.s[0] = dst, src, s
	t.parallel(len(dst), 1, axpyKernel)
}

// axpyKernel sets f0 += s0·f1.
func axpyKernel(k *kernelArgs, lo, hi int) {
	dst, src, s := k.f[0][lo:hi], k.f[1][lo:hi], k.s[0]
	if s == 1 {
		for i, x := range src {
			dst[i] += x
		}
		return
	}
	for i, x := range src {
		dst[i] += s * x
	}
}
