package vmath

import "math"

// AdamWCoef holds the float32 coefficients of one AdamW update of one parameter, computed by
// the optimizer from its hyper-parameters, step count and learning rate.
type AdamWCoef struct {
	Keep     float32 // weight-decay factor 1 - lr·λ; 1 for a parameter without decay
	Beta1    float32 // β₁, the first moment's decay
	Beta1C   float32 // 1 - β₁
	Beta2    float32 // β₂, the second moment's decay
	Beta2C   float32 // 1 - β₂
	BC2Sqrt  float32 // √(1 - β₂ᵗ), the second moment's bias correction
	Eps      float32 // ε, added to the corrected √v
	StepSize float32 // lr / (1 - β₁ᵗ)
}

// AdamW applies one AdamW update to the parameter values p, with first and second moments m
// and v, from the gradient g, in one pass. Each element takes these float32 steps, each rounded
// (no fused multiply-add), which is what torch.optim.AdamW computes:
//
//	p ← p·Keep
//	m ← m·β₁ + (1-β₁)·g
//	v ← v·β₂ + ((1-β₂)·g)·g
//	p ← p - (StepSize·m) / (√v / BC2Sqrt + ε)
//
// Every kernel returns bit-identical results. It panics if p, m or v is shorter than g.
func AdamW(p, m, v, g []float32, c AdamWCoef) {
	if len(p) < len(g) || len(m) < len(g) || len(v) < len(g) {
		panic("vmath: AdamW state is shorter than the gradient")
	}
	active.adamW(p[:len(g)], m[:len(g)], v[:len(g)], g, c)
}

func adamWGeneric(p, m, v, g []float32, c AdamWCoef) {
	for j, gj := range g {
		mj := float32(m[j]*c.Beta1) + float32(c.Beta1C*gj)
		vj := float32(v[j]*c.Beta2) + float32(float32(c.Beta2C*gj)*gj)
		d := float32(math.Sqrt(float64(vj)))/c.BC2Sqrt + c.Eps
		m[j], v[j] = mj, vj
		p[j] = p[j]*c.Keep - float32(c.StepSize*mj)/d
	}
}

// weylStep is the increment of the counter that SplitMix64 hashes.
const weylStep = 0x9e3779b97f4a7c15

// splitMix returns SplitMix64's 64-bit finaliser of the counter value z.
func splitMix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// DropoutMask sets dst[j] = src[j]·f, or adds src[j]·f to dst[j] when add is set, where f is
// the dropout multiplier of element start+j of the stream key: 0 if its 32 random bits are
// below threshold, else scale.
//
// Element i's bits come from SplitMix64: the 64-bit hash of pair i/2 is the finaliser of
// key + (i/2)·0x9e3779b97f4a7c15; even elements take its high 32 bits, odd ones its low 32.
// The product is rounded before the addition, and every kernel returns bit-identical results.
// It panics if dst is shorter than src or start is negative.
func DropoutMask(dst, src []float32, key uint64, start int, threshold uint32, scale float32, add bool) {
	dst = checkLen(dst, src)
	if start < 0 {
		panic("vmath: negative dropout stream start")
	}
	weyl := key + uint64(start>>1)*weylStep
	if start&1 == 1 && len(src) > 0 {
		dropPut(dst, src, 0, uint32(splitMix(weyl)), threshold, scale, add)
		dst, src, weyl = dst[1:], src[1:], weyl+weylStep
	}
	if add {
		active.dropoutAdd(dst, src, weyl, threshold, scale)
	} else {
		active.dropout(dst, src, weyl, threshold, scale)
	}
}

// dropPut stores or adds src[j]·f into dst[j], with f the multiplier for random bits u.
func dropPut(dst, src []float32, j int, u, threshold uint32, scale float32, add bool) {
	f := scale
	if u < threshold {
		f = 0
	}
	if add {
		dst[j] += float32(src[j] * f)
	} else {
		dst[j] = src[j] * f
	}
}

// dropoutGeneric is the portable kernel of DropoutMask for an even start, whose first pair's
// counter value is weyl.
func dropoutGeneric(dst, src []float32, weyl uint64, threshold uint32, scale float32, add bool) {
	for j := 0; j < len(src); j += 2 {
		z := splitMix(weyl)
		weyl += weylStep
		dropPut(dst, src, j, uint32(z>>32), threshold, scale, add)
		if j+1 < len(src) {
			dropPut(dst, src, j+1, uint32(z), threshold, scale, add)
		}
	}
}

// SumSquares returns the sum of x[i]² in float64, for a gradient norm. Each square is exact.
// The sum's order is fixed and the same for every kernel: element i of the first
// 16·⌊len(x)/16⌋ is added into partial sum i mod 16, the 16 partial sums are folded as
// ExpSubSum folds them, and the remaining elements are then added one by one.
func SumSquares(x []float32) float64 {
	n := len(x) &^ 15
	s := active.sumSquares(x[:n])
	for _, v := range x[n:] {
		s += float64(v) * float64(v)
	}
	return s
}
