package tensor

import (
	"fmt"

	"github.com/vigil-ml/vigil/tensor/gemm"
)

// Linear returns x·Wᵀ + b, applied to the last dimension of x, as
// torch.nn.functional.linear: x is [..., in], w is [out, in] and b is [out]
// or nil. The result is [..., out].
func (t *Tape) Linear(x, w, b *Tensor) *Tensor {
	if w.Dims() != 2 || x.Dims() < 1 || x.Dim(-1) != w.Shape[1] {
		panic(fmt.Sprintf("tensor: Linear: input %v does not match weight %v", x.Shape, w.Shape))
	}
	if b != nil && (b.Dims() != 1 || b.Shape[0] != w.Shape[0]) {
		panic(fmt.Sprintf("tensor: Linear: bias %v does not match weight %v", b.Shape, w.Shape))
	}
	in, outDim := w.Shape[1], w.Shape[0]
	rows := checkedSize(x.Shape[:x.Dims()-1])
	var buf [maxDims]int
	shape := append(buf[:0], x.Shape...)
	shape[len(shape)-1] = outDim
	out := t.output(shape...)

	beta := float32(0)
	if b != nil { // start every row at the bias; the product adds to it
		k := t.kernel()
		k.f[0], k.f[1] = out.Data, b.Data
		t.parallel(rows, outDim/4, fillRowsKernel)
		beta = 1
	}
	gemm.Gemm(out.Data, x.Data, w.Data, gemm.Shape{M: rows, N: outDim, K: in, TransB: true}, 1, beta)
	if o := t.record(backLinear, out, x, w, b); o != nil {
		o.i = [4]int{rows, outDim, in}
	}
	return out
}

// backLinear: in = (x, w, b); i = (rows, out, in).
func backLinear(t *Tape, o *op) {
	x, w, b := o.in[0], o.in[1], o.in[2]
	rows, outDim, in := o.i[0], o.i[1], o.i[2]
	dy := o.out.Grad
	matmulBackward(t, dy, x, w, rows, outDim, in, false, true)
	t.addRowSums(t.gradOf(b), dy)
}

// MatMul returns op(a)·op(b), where op transposes the last two dimensions
// when the flag is set. Both operands are 2-D ([M,K]·[K,N]) or both 3-D with
// the same leading batch size, multiplied batch by batch.
func (t *Tape) MatMul(a, b *Tensor, transA, transB bool) *Tensor {
	if a.Dims() != b.Dims() || a.Dims() < 2 || a.Dims() > 3 || (a.Dims() == 3 && a.Shape[0] != b.Shape[0]) {
		panic(fmt.Sprintf("tensor: MatMul: operands %v and %v are not both 2-D or both 3-D with one batch size", a.Shape, b.Shape))
	}
	m, ka := a.Dim(-2), a.Dim(-1)
	if transA {
		m, ka = ka, m
	}
	kb, n := b.Dim(-2), b.Dim(-1)
	if transB {
		kb, n = n, kb
	}
	if ka != kb {
		panic(fmt.Sprintf("tensor: MatMul: inner dimensions differ: %v (transA %t) and %v (transB %t)", a.Shape, transA, b.Shape, transB))
	}
	batch := 1
	var out *Tensor
	if a.Dims() == 3 {
		batch = a.Shape[0]
		out = t.output(batch, m, n)
	} else {
		out = t.output(m, n)
	}
	s := gemm.Shape{M: m, N: n, K: ka, TransA: transA, TransB: transB}
	for i := range batch {
		gemm.Gemm(out.Data[i*m*n:(i+1)*m*n], a.Data[i*m*ka:(i+1)*m*ka], b.Data[i*ka*n:(i+1)*ka*n], s, 1, 0)
	}
	if o := t.record(backMatMul, out, a, b); o != nil {
		o.i = [4]int{batch, m, n, ka}
		o.s[0], o.s[1] = boolFloat(transA), boolFloat(transB)
	}
	return out
}

// backMatMul: in = (a, b); i = (batch, M, N, K); s = (transA, transB) as 0/1.
func backMatMul(t *Tape, o *op) {
	a, b := o.in[0], o.in[1]
	batch, m, n, k := o.i[0], o.i[1], o.i[2], o.i[3]
	transA, transB := o.s[0] != 0, o.s[1] != 0
	da, db := t.gradOf(a), t.gradOf(b)
	for i := range batch {
		dc := o.out.Grad[i*m*n : (i+1)*m*n]
		matmulGrads(dc, a.Data[i*m*k:(i+1)*m*k], b.Data[i*k*n:(i+1)*k*n],
			sub(da, i*m*k, m*k), sub(db, i*k*n, k*n), m, n, k, transA, transB)
	}
}

// matmulBackward accumulates the gradients of C = op(A)·op(B) into the
// gradients of the tensors a and b, allocating them as needed.
func matmulBackward(t *Tape, dc []float32, a, b *Tensor, m, n, k int, transA, transB bool) {
	matmulGrads(dc, a.Data, b.Data, t.gradOf(a), t.gradOf(b), m, n, k, transA, transB)
}

// matmulGrads accumulates, for C (M×N) = op(A)·op(B) with inner size K,
// dA += the gradient with respect to A in A's stored layout, and likewise dB.
// A nil dA or dB is skipped.
//
// With op(A) M×K and op(B) K×N: d op(A) = dC·op(B)ᵀ and d op(B) = op(A)ᵀ·dC;
// a transposed operand receives the transpose, written as the swapped product.
func matmulGrads(dc, a, b, da, db []float32, m, n, k int, transA, transB bool) {
	if da != nil {
		if transA { // dA (K×M) = op(B)·dCᵀ
			gemm.Gemm(da, b, dc, gemm.Shape{M: k, N: m, K: n, TransA: transB, TransB: true}, 1, 1)
		} else { // dA (M×K) = dC·op(B)ᵀ
			gemm.Gemm(da, dc, b, gemm.Shape{M: m, N: k, K: n, TransB: !transB}, 1, 1)
		}
	}
	if db != nil {
		if transB { // dB (N×K) = dCᵀ·op(A)
			gemm.Gemm(db, dc, a, gemm.Shape{M: n, N: k, K: m, TransA: true, TransB: transA}, 1, 1)
		} else { // dB (K×N) = op(A)ᵀ·dC
			gemm.Gemm(db, a, dc, gemm.Shape{M: k, N: n, K: m, TransA: !transA}, 1, 1)
		}
	}
}

// sub returns s[off:off+n], or nil when s is nil.
func sub(s []float32, off, n int) []float32 {
	if s == nil {
		return nil
	}
	return s[off : off+n]
}

func boolFloat(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// fillRowsKernel copies the row vector f1 into rows [lo, hi) of f0.
func fillRowsKernel(k *kernelArgs, lo, hi int) {
	dst, v := k.f[0], k.f[1]
	for r := lo; r < hi; r++ {
		copy(dst[r*len(v):(r+1)*len(v)], v)
	}
}

// addRowSums adds the sum of the len(dst)-sized rows of src to dst, each
// column summed in row order whatever the split. A nil dst is skipped.
func (t *Tape) addRowSums(dst, src []float32) {
	if dst == nil {
		return
	}
	k := t.kernel()
	k.f[0], k.f[1] = dst, src
	t.parallel(len(dst), len(src)/len(dst), rowSumsKernel)
}

// rowSumsKernel adds to columns [lo, hi) of f0 the sums of those columns
// over the len(f0)-sized rows of f1.
func rowSumsKernel(k *kernelArgs, lo, hi int) {
	dst, src := k.f[0][lo:hi], k.f[1]
	n := len(k.f[0])
	for r := 0; r+n <= len(src); r += n {
		for j, x := range src[r+lo : r+hi] {
			dst[j] += x
		}
	}
}
