package tensor

import (
	"fmt"

	"github.com/vigil-ml/vigil/tensor/vmath"
)

// Dropout zeroes each element of x with probability p and scales the rest by
// 1/(1-p) (inverted dropout, as torch.nn.functional.dropout in training). It
// returns x itself when p is 0 or gradients are disabled, which is how Vigil
// runs evaluation and inference.
//
// Each call draws one 64-bit key from r; element i's fate is a fixed function
// of that key and i. The mask therefore depends only on r's seed and the
// sequence of calls, never on how the work is split across goroutines, and
// the backward pass recomputes it instead of storing it. r may be nil when p
// is 0. It panics unless 0 <= p < 1.
func (t *Tape) Dropout(x *Tensor, p float32, r *RNG) *Tensor {
	checkDropout("Dropout", p)
	if p == 0 || t.noGrad {
		return x
	}
	key := int(r.Uint64())
	out := t.output(x.Shape...)
	k := t.kernel()
	k.f[0], k.f[1] = out.Data, x.Data
	k.i[0], k.s[0] = key, p
	t.parallel(len(x.Data), 2, dropoutKernel)
	if o := t.record(backDropout, out, x); o != nil {
		o.i[0], o.s[0] = key, p
	}
	return out
}

// backDropout: in = (x); i = (key); s = (p).
func backDropout(t *Tape, o *op) {
	dx := t.gradOf(o.in[0])
	if dx == nil {
		return
	}
	k := t.kernel()
	k.f[0], k.f[1] = dx, o.out.Grad
	k.i[0], k.s[0] = o.i[0], o.s[0]
	t.parallel(len(dx), 2, dropoutGradKernel)
}

// dropoutKernel sets f0 = f1·mask for stream key i0 and probability s0.
func dropoutKernel(k *kernelArgs, lo, hi int) {
	newDropMask(k.i[0], k.s[0]).apply(k.f[0][lo:hi], k.f[1][lo:hi], lo, false)
}

// dropoutGradKernel sets f0 += f1·mask for stream key i0 and probability s0.
func dropoutGradKernel(k *kernelArgs, lo, hi int) {
	newDropMask(k.i[0], k.s[0]).apply(k.f[0][lo:hi], k.f[1][lo:hi], lo, true)
}

// checkDropout panics unless p is a valid dropout probability.
func checkDropout(op string, p float32) {
	if !(p >= 0 && p < 1) {
		panic(fmt.Sprintf("tensor: %s: probability %g outside [0, 1)", op, p))
	}
}

// dropMask is the counter-based dropout mask of one stream: element i is
// kept, with value 1/(1-p), when 32 bits derived from (key, i) reach p·2³².
// One 64-bit SplitMix64 hash serves the pair of elements 2j and 2j+1 (see
// vmath.DropoutMask; the tests spell the mapping out as dropMask.at).
type dropMask struct {
	key       uint64
	threshold uint32
	scale     float32
}

func newDropMask(key int, p float32) dropMask {
	return dropMask{key: uint64(key), threshold: uint32(float64(p) * (1 << 32)), scale: 1 / (1 - p)}
}

// apply sets dst = src·mask, or dst += src·mask when add is set, where
// element j of src is element start+j of the stream.
func (m dropMask) apply(dst, src []float32, start int, add bool) {
	vmath.DropoutMask(dst, src, m.key, start, m.threshold, m.scale, add)
}
