package tensor

import (
	"fmt"
	"math"

	"github.com/vigil-ml/vigil/tensor/gemm"
	"github.com/vigil-ml/vigil/tensor/vmath"
)

// Attention returns multi-head scaled dot-product attention over q, k and v,
// each [batch, seq, hidden] with hidden split into heads equal slices:
// per head softmax(q·kᵀ/√d + mask)·v, with the heads concatenated back into
// [batch, seq, hidden]. The projections are ordinary Linear operations
// before and after.
//
// mask is [batch, seq] (or nil): key positions where it is 0 receive no
// attention, as Hugging Face BERT's additive (1-mask)·min_float does; a query
// whose keys are all masked attends uniformly, as it does there. When p > 0
// and gradients are enabled the attention probabilities go through inverted
// dropout with a stream drawn from r, as Dropout does; r may be nil when p is
// 0. When a sequence's padding is all at its end, the products skip the
// padded keys instead of computing and discarding them.
//
// Work is split by (batch, head) across goroutines; each pair is computed
// whole by one goroutine, so the result does not depend on the split.
func (t *Tape) Attention(q, k, v, mask *Tensor, heads int, p float32, r *RNG) *Tensor {
	if q.Dims() != 3 || !SameShape(q, k) || !SameShape(q, v) {
		panic(fmt.Sprintf("tensor: Attention: q %v, k %v and v %v are not one [batch, seq, hidden] shape", q.Shape, k.Shape, v.Shape))
	}
	batch, seq, hidden := q.Shape[0], q.Shape[1], q.Shape[2]
	if heads <= 0 || hidden%heads != 0 {
		panic(fmt.Sprintf("tensor: Attention: hidden size %d does not split into %d heads", hidden, heads))
	}
	if mask != nil && mask.Size() != batch*seq {
		panic(fmt.Sprintf("tensor: Attention: mask %v does not match [batch %d, seq %d]", mask.Shape, batch, seq))
	}
	checkDropout("Attention", p)
	if t.noGrad {
		p = 0
	}
	dim := hidden / heads
	items, ss := batch*heads, seq*seq
	key := 0
	nProbs := items * ss
	if p > 0 {
		key = int(r.Uint64())
		nProbs *= 2 // the dropped-out probabilities follow the probabilities
	}
	out := t.output(q.Shape...)
	probs := t.arena.Floats(nProbs)
	var maskData []float32
	if mask != nil {
		maskData = mask.Data
	}
	a := t.kernel()
	a.f[0], a.f[1], a.f[2], a.f[3], a.f[4], a.f[5] = q.Data, k.Data, v.Data, out.Data, probs, maskData
	a.i = [4]int{seq, heads, dim, key}
	a.s[0], a.s[1] = float32(1/math.Sqrt(float64(dim))), p
	t.parallel(items, attentionCost(seq, dim), attentionKernel)
	if o := t.record(backAttention, out, q, k, v); o != nil {
		o.f[0], o.f[1] = probs, maskData
		o.i = a.i
		o.s = a.s
	}
	return out
}

// attentionCost estimates the nanoseconds one (batch, head) pair takes.
func attentionCost(seq, dim int) int { return seq * seq * (dim/8 + 20) }

// attnItem locates one (batch, head) pair of an attention kernel whose
// arguments are i = (seq, heads, dim, key), and the keys it attends to.
type attnItem struct {
	seq, hidden int
	base        int // offset of the head's first element in q, k, v and out
	probs       int // offset of the pair's seq×seq block of probabilities
	// When the batch's mask keeps a non-empty prefix of the keys (or there
	// is no mask), only the first n keys take part and keep is nil: every
	// product skips the padding. Otherwise n is seq and keep is the mask row.
	n    int
	keep []float32
}

func newAttnItem(a *kernelArgs, mask []float32, item int) attnItem {
	seq, heads, dim := a.i[0], a.i[1], a.i[2]
	hidden := heads * dim
	b, h := item/heads, item%heads
	it := attnItem{seq: seq, hidden: hidden, base: b*seq*hidden + h*dim, probs: item * seq * seq, n: seq}
	if mask == nil {
		return it
	}
	row := mask[b*seq : (b+1)*seq]
	n := 0
	for n < seq && row[n] != 0 {
		n++
	}
	for _, m := range row[n:] {
		if m != 0 {
			it.keep = row
			return it
		}
	}
	if n == 0 { // every key masked: uniform attention over all of them
		it.keep = row
		return it
	}
	it.n = n
	return it
}

// gemm multiplies for one pair on the calling goroutine: dst (m×n) =
// alpha·op(a)·op(b) + beta·dst with inner size k and the given row strides.
func (attnItem) gemm(dst, a, b []float32, m, n, k, lda, ldb, ldc int, transA, transB bool, alpha, beta float32) {
	gemm.Gemm(dst, a, b, gemm.Shape{M: m, N: n, K: k, TransA: transA, TransB: transB, LDA: lda, LDB: ldb, LDC: ldc, Threads: 1}, alpha, beta)
}

// attentionKernel computes pairs [lo, hi): f0 = q, f1 = k, f2 = v, f3 = out,
// f4 = probabilities (then dropped-out ones when s1 > 0), f5 = mask or nil;
// i = (seq, heads, dim, key); s = (1/√dim, p). Probabilities of skipped
// padding keys stay at the arena's zeros.
func attentionKernel(a *kernelArgs, lo, hi int) {
	q, k, v, out, probs, mask := a.f[0], a.f[1], a.f[2], a.f[3], a.f[4], a.f[5]
	dim, scale, p := a.i[2], a.s[0], a.s[1]
	for item := lo; item < hi; item++ {
		it := newAttnItem(a, mask, item)
		seq, n, ld := it.seq, it.n, it.hidden
		prob := probs[it.probs : it.probs+seq*seq]
		it.gemm(prob, q[it.base:], k[it.base:], seq, n, dim, ld, ld, seq, false, true, scale, 0)
		for i := range seq {
			maskedSoftmax(prob[i*seq:i*seq+n], it.keep)
		}
		used := prob
		if p > 0 {
			used = probs[len(probs)/2+it.probs:][:seq*seq]
			m := newDropMask(a.i[3], p)
			for i := range seq {
				r := i * seq
				m.apply(used[r:r+n], prob[r:r+n], it.probs+r, false)
			}
		}
		it.gemm(out[it.base:], used, v[it.base:], seq, dim, n, seq, ld, ld, false, false, 1, 0)
	}
}

// maskedSoftmax replaces row with its softmax over the positions where keep
// is non-zero (all positions when keep is nil); the others become exactly 0.
// A row with every position masked becomes uniform.
func maskedSoftmax(row, keep []float32) {
	if keep == nil {
		top := row[0]
		for _, v := range row[1:] {
			if v > top {
				top = v
			}
		}
		scaleRow(row, 1/vmath.ExpSubSum(row, row, top))
		return
	}
	top, kept := float32(math.Inf(-1)), false
	for j, v := range row {
		if keep[j] != 0 {
			kept = true
			if v > top {
				top = v
			}
		}
	}
	if !kept {
		for j := range row {
			row[j] = 1 / float32(len(row))
		}
		return
	}
	// Exponentiate each run of kept positions in one call.
	var sum float32
	for j := 0; j < len(row); {
		if keep[j] == 0 {
			row[j] = 0
			j++
			continue
		}
		end := j + 1
		for end < len(row) && keep[end] != 0 {
			end++
		}
		sum += vmath.ExpSubSum(row[j:end], row[j:end], top)
		j = end
	}
	scaleRow(row, 1/sum)
}

// scaleRow multiplies row by s.
func scaleRow(row []float32, s float32) {
	for j := range row {
		row[j] *= s
	}
}

// backAttention: in = (q, k, v); f0 = probabilities; f1 = mask or nil; i
// and s as the forward kernel's.
func backAttention(t *Tape, o *op) {
	q, k, v := o.in[0], o.in[1], o.in[2]
	seq, heads := o.i[0], o.i[1]
	items := q.Shape[0] * heads
	dq, dk, dv := t.gradOf(q), t.gradOf(k), t.gradOf(v)
	var ds []float32
	if dq != nil || dk != nil {
		ds = t.arena.Floats(items * seq * seq)
	}
	cost := attentionCost(seq, o.i[2])
	a := t.kernel()
	a.f[0], a.f[1], a.f[2], a.f[3], a.f[4], a.f[5] = o.out.Grad, v.Data, dv, o.f[0], ds, o.f[1]
	a.i, a.s = o.i, o.s
	t.parallel(items, cost, attentionGradVKernel)
	if ds == nil {
		return
	}
	a = t.kernel()
	a.f[0], a.f[1], a.f[2], a.f[3], a.f[4], a.f[5] = q.Data, k.Data, dq, dk, ds, o.f[1]
	a.i, a.s = o.i, o.s
	t.parallel(items, cost, attentionGradQKKernel)
}

// attentionGradVKernel runs the first half of the backward pass for pairs
// [lo, hi): f0 = dout, f1 = v, f2 = dv or nil, f3 = probabilities (then
// dropped-out ones), f4 = ds or nil, f5 = mask or nil. It accumulates
// dv += Pᵀ·dout and, when ds is present, sets ds to the gradient of the
// scaled scores, P∘(dP - rowsum(dP∘P))/√dim with dP = (dout·vᵀ)∘dropout.
func attentionGradVKernel(a *kernelArgs, lo, hi int) {
	dout, v, dv, probs, ds, mask := a.f[0], a.f[1], a.f[2], a.f[3], a.f[4], a.f[5]
	dim, scale, p := a.i[2], a.s[0], a.s[1]
	for item := lo; item < hi; item++ {
		it := newAttnItem(a, mask, item)
		seq, n, ld := it.seq, it.n, it.hidden
		prob := probs[it.probs : it.probs+seq*seq]
		used := prob
		if p > 0 {
			used = probs[len(probs)/2+it.probs:][:seq*seq]
		}
		if dv != nil {
			it.gemm(dv[it.base:], used, dout[it.base:], n, dim, seq, seq, ld, ld, true, false, 1, 1)
		}
		if ds == nil {
			continue
		}
		g := ds[it.probs : it.probs+seq*seq]
		it.gemm(g, dout[it.base:], v[it.base:], seq, n, dim, ld, ld, seq, false, true, 1, 0)
		m := newDropMask(a.i[3], p)
		for i := range seq {
			row := g[i*seq : i*seq+n]
			if p > 0 {
				m.apply(row, row, it.probs+i*seq, false)
			}
			softmaxGrad(row, prob[i*seq:i*seq+n], scale)
		}
	}
}

// softmaxGrad turns g, the gradient of a softmax row's output y, into
// s times the gradient of its input: s·y∘(g - Σ g∘y).
func softmaxGrad(g, y []float32, s float32) {
	var dot float32
	for j, w := range y {
		dot += g[j] * w
	}
	for j, w := range y {
		g[j] = s * w * (g[j] - dot)
	}
}

// attentionGradQKKernel runs the second half of the backward pass for pairs
// [lo, hi): f0 = q, f1 = k, f2 = dq or nil, f3 = dk or nil, f4 = ds,
// f5 = mask or nil. It accumulates dq += ds·k and dk += dsᵀ·q.
func attentionGradQKKernel(a *kernelArgs, lo, hi int) {
	q, k, dq, dk, ds, mask := a.f[0], a.f[1], a.f[2], a.f[3], a.f[4], a.f[5]
	dim := a.i[2]
	for item := lo; item < hi; item++ {
		it := newAttnItem(a, mask, item)
		seq, n, ld := it.seq, it.n, it.hidden
		g := ds[it.probs : it.probs+seq*seq]
		if dq != nil {
			it.gemm(dq[it.base:], g, k[it.base:], seq, dim, n, seq, ld, ld, false, false, 1, 1)
		}
		if dk != nil {
			it.gemm(dk[it.base:], g, q[it.base:], n, dim, seq, seq, ld, ld, true, false, 1, 1)
		}
	}
}
