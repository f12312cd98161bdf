package tensor

import (
	"fmt"
	"iter"
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
	batch, seq := q.Shape[0], q.Shape[1]
	if mask != nil && mask.Size() != batch*seq {
		panic(fmt.Sprintf("tensor: Attention: mask %v does not match [batch %d, seq %d]", mask.Shape, batch, seq))
	}
	var maskData []float32
	if mask != nil {
		maskData = mask.Data
	}
	return t.attention("Attention", q, k, v, attnLayout{batch: batch, seq: seq, mask: maskData}, heads, p, r)
}

// AttentionPacked is Attention over sequences packed without padding: k and
// v are [keys, hidden] and sequence i's keys are rows kStarts[i] to
// kStarts[i+1]; q is [queries, hidden] and the queries of sequence i, rows
// qStarts[i] to qStarts[i+1], attend to that sequence's keys. Each starts
// slice has one more entry than there are sequences, begins at 0, ends at
// its row count and never decreases. With q = k = v and qStarts = kStarts it
// computes what Attention computes for the same sequences right-padded to a
// common length, without the work for the padding; with queries for some
// positions only (e.g. those a head reads), it computes those rows alone.
func (t *Tape) AttentionPacked(q, k, v *Tensor, qStarts, kStarts []int32, heads int, p float32, r *RNG) *Tensor {
	if q.Dims() != 2 || !SameShape(k, v) || k.Dims() != 2 || q.Shape[1] != k.Shape[1] {
		panic(fmt.Sprintf("tensor: AttentionPacked: q %v, k %v and v %v are not [rows, hidden] with one hidden size and shape of k and v", q.Shape, k.Shape, v.Shape))
	}
	lay := attnLayout{batch: len(kStarts) - 1, qStarts: qStarts, starts: kStarts}
	checkStarts("query", qStarts, q.Shape[0], len(kStarts))
	checkStarts("key", kStarts, k.Shape[0], len(kStarts))
	lay.probStart = t.arena.ints.take(len(kStarts), intChunk)
	lay.probStart[0] = 0
	for i := range lay.batch {
		m, n := int(qStarts[i+1]-qStarts[i]), int(kStarts[i+1]-kStarts[i])
		lay.seq = max(lay.seq, n)
		lay.probStart[i+1] = lay.probStart[i] + heads*m*n
	}
	return t.attention("AttentionPacked", q, k, v, lay, heads, p, r)
}

// checkStarts panics unless starts, for the given rows, has want entries,
// starts at 0, ends at rows and never decreases.
func checkStarts(what string, starts []int32, rows, want int) {
	if len(starts) < 2 || len(starts) != want || starts[0] != 0 || int(starts[len(starts)-1]) != rows {
		panic(fmt.Sprintf("tensor: AttentionPacked: %d %s starts running from %v, want %d entries from 0 to %d rows (at least two)",
			len(starts), what, ends(starts), want, rows))
	}
	for i := 1; i < len(starts); i++ {
		if starts[i] < starts[i-1] {
			panic(fmt.Sprintf("tensor: AttentionPacked: %s starts decrease at %d (%d after %d)", what, i, starts[i], starts[i-1]))
		}
	}
}

// ends returns the first and last entries of s, for messages.
func ends(s []int32) []int32 {
	if len(s) < 2 {
		return s
	}
	return []int32{s[0], s[len(s)-1]}
}

// attnLayout says where the sequences of an attention operation lie: either
// batch padded sequences of seq rows each with an optional key mask, or
// batch packed sequences whose keys start at the rows in starts and queries
// at those in qStarts, with probabilities starting at probStart (per
// sequence, all heads together); seq is then the longest key count.
type attnLayout struct {
	batch, seq      int
	mask            []float32
	starts, qStarts []int32
	probStart       []int
}

// probs returns the number of attention probabilities for heads heads.
func (l attnLayout) probs(heads int) int {
	if l.starts != nil {
		return l.probStart[l.batch]
	}
	return l.batch * heads * l.seq * l.seq
}

// attention computes either form of Attention for the layout lay.
func (t *Tape) attention(name string, q, k, v *Tensor, lay attnLayout, heads int, p float32, r *RNG) *Tensor {
	hidden := q.Dim(-1)
	if heads <= 0 || hidden%heads != 0 {
		panic(fmt.Sprintf("tensor: %s: hidden size %d does not split into %d heads", name, hidden, heads))
	}
	checkDropout(name, p)
	if t.noGrad {
		p = 0
	}
	dim := hidden / heads
	key := 0
	nProbs := lay.probs(heads)
	if p > 0 {
		key = int(r.Uint64())
		nProbs *= 2 // the dropped-out probabilities follow the probabilities
	}
	out := t.output(q.Shape...)
	probs := t.arena.rawFloats(nProbs)
	a := t.kernel()
	a.f[0], a.f[1], a.f[2], a.f[3], a.f[4] = q.Data, k.Data, v.Data, out.Data, probs
	a.attn = lay
	a.i = [4]int{lay.seq, heads, dim, key}
	a.s[0], a.s[1] = float32(1/math.Sqrt(float64(dim))), p
	t.parallel(lay.batch*heads, attentionCost(lay.seq, dim), attentionKernel)
	if o := t.record(backAttention, out, q, k, v); o != nil {
		o.f[0], o.attn = probs, lay
		o.i = a.i
		o.s = a.s
	}
	return out
}

// attentionCost estimates the nanoseconds one (batch, head) pair takes.
func attentionCost(seq, dim int) int { return seq * seq * (dim/8 + 20) }

// attnItem locates one (sequence, head) pair of an attention kernel whose
// arguments are i = (seq, heads, dim, key), and the keys it attends to.
type attnItem struct {
	rows, hidden int // query rows, and the row stride of q, k, v and out
	base, qbase  int // offsets of the head's first element in k and v, and in q and out
	probs        int // offset of the pair's rows×ldp block of probabilities
	ldp          int // row stride of the probabilities
	// When the mask keeps a non-empty prefix of the keys (or there is no
	// mask), only the first n keys take part and keep is nil: every product
	// skips the padding. Otherwise n is rows and keep is the mask row.
	n    int
	keep []float32
}

func newAttnItem(a *kernelArgs, item int) attnItem {
	lay := a.attn
	seq, heads, dim := a.i[0], a.i[1], a.i[2]
	hidden := heads * dim
	b, h := item/heads, item%heads
	if lay.starts != nil {
		k, n := int(lay.starts[b]), int(lay.starts[b+1]-lay.starts[b])
		q, m := int(lay.qStarts[b]), int(lay.qStarts[b+1]-lay.qStarts[b])
		return attnItem{rows: m, hidden: hidden, base: k*hidden + h*dim, qbase: q*hidden + h*dim,
			probs: lay.probStart[b] + h*m*n, ldp: n, n: n}
	}
	base := b*seq*hidden + h*dim
	it := attnItem{rows: seq, hidden: hidden, base: base, qbase: base, probs: item * seq * seq, ldp: seq, n: seq}
	if lay.mask == nil {
		return it
	}
	row := lay.mask[b*seq : (b+1)*seq]
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

// attnItems yields the pairs [lo, hi) of an attention kernel, skipping those
// of a sequence with no queries or no keys, which have nothing to compute.
func (a *kernelArgs) attnItems(lo, hi int) iter.Seq[attnItem] {
	return func(yield func(attnItem) bool) {
		for item := lo; item < hi; item++ {
			if it := newAttnItem(a, item); it.rows > 0 && it.n > 0 && !yield(it) {
				return
			}
		}
	}
}

// gemm multiplies for one pair on the calling goroutine: dst (m×n) =
// alpha·op(a)·op(b) + beta·dst with inner size k and the given row strides.
func (attnItem) gemm(dst, a, b []float32, m, n, k, lda, ldb, ldc int, transA, transB bool, alpha, beta float32) {
	gemm.Gemm(dst, a, b, gemm.Shape{M: m, N: n, K: k, TransA: transA, TransB: transB, LDA: lda, LDB: ldb, LDC: ldc, Threads: 1}, alpha, beta)
}

// attentionKernel computes pairs [lo, hi): f0 = q, f1 = k, f2 = v, f3 = out,
// f4 = probabilities (then dropped-out ones when s1 > 0), attn = layout;
// i = (seq, heads, dim, key); s = (1/√dim, p). Probabilities of skipped
// padding keys are left unwritten; no kernel reads them.
func attentionKernel(a *kernelArgs, lo, hi int) {
	q, k, v, out, probs := a.f[0], a.f[1], a.f[2], a.f[3], a.f[4]
	dim, scale, p := a.i[2], a.s[0], a.s[1]
	for it := range a.attnItems(lo, hi) {
		rows, n, ld, ldp := it.rows, it.n, it.hidden, it.ldp
		prob := probs[it.probs : it.probs+rows*ldp]
		it.gemm(prob, q[it.qbase:], k[it.base:], rows, n, dim, ld, ld, ldp, false, true, scale, 0)
		for i := range rows {
			maskedSoftmax(prob[i*ldp:i*ldp+n], it.keep)
		}
		used := prob
		if p > 0 {
			used = probs[len(probs)/2+it.probs:][:rows*ldp]
			m := newDropMask(a.i[3], p)
			for i := range rows {
				r := i * ldp
				m.apply(used[r:r+n], prob[r:r+n], it.probs+r, false)
			}
		}
		it.gemm(out[it.qbase:], used, v[it.base:], rows, dim, n, ldp, ld, ld, false, false, 1, 0)
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

// backAttention: in = (q, k, v); f0 = probabilities; attn = layout; i
// and s as the forward kernel's.
func backAttention(t *Tape, o *op) {
	q, k, v := o.in[0], o.in[1], o.in[2]
	seq, heads := o.i[0], o.i[1]
	items := o.attn.batch * heads
	dq, dk, dv := t.gradOf(q), t.gradOf(k), t.gradOf(v)
	var ds []float32
	if dq != nil || dk != nil {
		ds = t.arena.rawFloats(o.attn.probs(heads))
	}
	cost := attentionCost(seq, o.i[2])
	a := t.kernel()
	a.f[0], a.f[1], a.f[2], a.f[3], a.f[4] = o.out.Grad, v.Data, dv, o.f[0], ds
	a.attn, a.i, a.s = o.attn, o.i, o.s
	t.parallel(items, cost, attentionGradVKernel)
	if ds == nil {
		return
	}
	a = t.kernel()
	a.f[0], a.f[1], a.f[2], a.f[3], a.f[4] = q.Data, k.Data, dq, dk, ds
	a.attn, a.i, a.s = o.attn, o.i, o.s
	t.parallel(items, cost, attentionGradQKKernel)
}

// attentionGradVKernel runs the first half of the backward pass for pairs
// [lo, hi): f0 = dout, f1 = v, f2 = dv or nil, f3 = probabilities (then
// dropped-out ones), f4 = ds or nil, attn = layout. It accumulates
// dv += Pᵀ·dout and, when ds is present, sets ds to the gradient of the
// scaled scores, P∘(dP - rowsum(dP∘P))/√dim with dP = (dout·vᵀ)∘dropout.
func attentionGradVKernel(a *kernelArgs, lo, hi int) {
	dout, v, dv, probs, ds := a.f[0], a.f[1], a.f[2], a.f[3], a.f[4]
	dim, scale, p := a.i[2], a.s[0], a.s[1]
	for it := range a.attnItems(lo, hi) {
		rows, n, ld, ldp := it.rows, it.n, it.hidden, it.ldp
		prob := probs[it.probs : it.probs+rows*ldp]
		used := prob
		if p > 0 {
			used = probs[len(probs)/2+it.probs:][:rows*ldp]
		}
		if dv != nil {
			it.gemm(dv[it.base:], used, dout[it.qbase:], n, dim, rows, ldp, ld, ld, true, false, 1, 1)
		}
		if ds == nil {
			continue
		}
		g := ds[it.probs : it.probs+rows*ldp]
		it.gemm(g, dout[it.qbase:], v[it.base:], rows, n, dim, ld, ld, ldp, false, true, 1, 0)
		m := newDropMask(a.i[3], p)
		for i := range rows {
			row := g[i*ldp : i*ldp+n]
			if p > 0 {
				m.apply(row, row, it.probs+i*ldp, false)
			}
			softmaxGrad(row, prob[i*ldp:i*ldp+n], scale)
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
// attn = layout. It accumulates dq += ds·k and dk += dsᵀ·q.
func attentionGradQKKernel(a *kernelArgs, lo, hi int) {
	q, k, dq, dk, ds := a.f[0], a.f[1], a.f[2], a.f[3], a.f[4]
	dim := a.i[2]
	for it := range a.attnItems(lo, hi) {
		rows, n, ld, ldp := it.rows, it.n, it.hidden, it.ldp
		g := ds[it.probs : it.probs+rows*ldp]
		if dq != nil {
			it.gemm(dq[it.qbase:], g, k[it.base:], rows, dim, n, ldp, ld, ld, false, false, 1, 1)
		}
		if dk != nil {
			it.gemm(dk[it.base:], g, q[it.qbase:], n, dim, rows, ldp, ld, ld, true, false, 1, 1)
		}
	}
}
