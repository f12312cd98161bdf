package vmath

import "math"

// The portable kernel. Each scalar function below performs the operations of the generated
// assembly in the same order, so all kernels agree to within rare last-bit differences.
// Products that feed a sum are wrapped in float32(...), which rounds them as the assembly does
// and stops the compiler from fusing them into a multiply-add.

var genericKernel = &kernel{
	name:       "generic",
	exp:        mapper(func(x float32) float32 { return expParts(x, 0) }),
	tanh:       mapper(tanh32),
	erf:        mapper(erf32),
	gelu:       mapper(gelu32),
	geluGrad:   geluGradGeneric,
	expSubSum:  expSubSumGeneric,
	adamW:      adamWGeneric,
	sumSquares: sumSquaresGeneric,
	dropout: func(dst, src []float32, weyl uint64, threshold uint32, scale float32) {
		dropoutGeneric(dst, src, weyl, threshold, scale, false)
	},
	dropoutAdd: func(dst, src []float32, weyl uint64, threshold uint32, scale float32) {
		dropoutGeneric(dst, src, weyl, threshold, scale, true)
	},
}

func mapper(f func(float32) float32) func(dst, x []float32) {
	return func(dst, x []float32) {
		for i, v := range x {
			dst[i] = f(v)
		}
	}
}

func geluGradGeneric(dst, dy, x []float32) {
	for i, v := range x {
		dst[i] = geluGrad32(v) * dy[i]
	}
}

func expSubSumGeneric(dst, x []float32, max float32) float32 {
	var lanes [16]float32
	for i, v := range x {
		e := expSub(v, max)
		dst[i] = e
		lanes[i%16] += e
	}
	return fold(&lanes)
}

func sumSquaresGeneric(x []float32) float64 {
	var lanes [16]float64
	for i, v := range x {
		lanes[i%16] += float64(v) * float64(v)
	}
	return fold(&lanes)
}

// fold returns the sum of 16 partial sums in the assembly's order: lane j += lane j+8, then
// j+4, j+2 and j+1.
func fold[T float32 | float64](lanes *[16]T) T {
	for w := 8; w > 0; w /= 2 {
		for j := range w {
			lanes[j] += lanes[j+w]
		}
	}
	return lanes[0]
}

// fma32 returns a·b+c rounded once to float32, like the assembly's fused multiply-add, except
// in rare double-rounding cases: the product of two float32 values is exact in float64, so
// only the sum is rounded, first to float64 and then to float32.
func fma32(a, b, c float32) float32 { return float32(float64(a)*float64(b) + float64(c)) }

func horner(c []float32, x float32) float32 {
	p := c[len(c)-1]
	for k := len(c) - 2; k >= 0; k-- {
		p = fma32(p, x, c[k])
	}
	return p
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// orSign returns r (which must be non-negative) with the sign bit of x.
func orSign(r, x float32) float32 {
	return math.Float32frombits(math.Float32bits(r) | math.Float32bits(x)&(1<<31))
}

func signbit(x float32) bool { return math.Float32bits(x)>>31 != 0 }

// pow2 returns 2^k for -126 ≤ k ≤ 127.
func pow2(k int32) float32 { return math.Float32frombits(uint32(k+expBias) << 23) }

// expParts returns e^(a+lo) where lo is a small correction to a (0 for a plain exponential).
//
// a is clamped to [expMin, expMax], where the result is already 0 or +Inf, keeping NaN. With
// n = round(a·log2 e), r = a - n·ln 2 + lo lies within about ±ln2/2 and e^(a+lo) = 2^n·p(r),
// where p is a degree-6 polynomial. ln 2 is split in two so that a - n·ln2Hi is exact. The
// scaling by 2^n is done in two exact-or-once-rounded halves so that subnormal results round
// correctly; the AVX-512 kernel gets the same result from one VSCALEFPS.
func expParts(a, lo float32) float32 {
	if expMax < a {
		a = expMax
	}
	if expMin > a {
		a = expMin
	}
	t := fma32(a, log2e, roundMagic)
	n := t - roundMagic
	r := fma32(n, -ln2Hi, a)
	r = fma32(n, -ln2Lo, r)
	r += lo
	p := horner(expPoly[:], r)
	k := int32(math.Float32bits(t)) - roundMagicBits
	h := k >> 1
	return p * pow2(h) * pow2(k-h)
}

// expSub returns e^(x-m), carrying the rounding error of x-m (Knuth's two-sum) into the
// exponential. The error is clamped to ±subLoMax, which also turns the NaN it becomes when
// x-m is infinite into a value too small to lift e^expMin above 0 or lower e^expMax below +Inf.
func expSub(x, m float32) float32 {
	d := x - m
	bv := d - x
	lo := (x - (d - bv)) - (bv + m)
	if !(lo < subLoMax) {
		lo = subLoMax
	}
	if !(lo > -subLoMax) {
		lo = -subLoMax
	}
	return expParts(d, lo)
}

// tanh32 uses x + x³·P(x²) below tanhSmall and 1 - 2/(e^{2|x|}+1) above it, then sets the
// sign bit of x (which the polynomial loses for -0).
func tanh32(x float32) float32 {
	s := abs32(x)
	u := x * x
	r := fma32(x*u, horner(tanhPoly[:], u), x)
	if !(s < tanhSmall) {
		e := expParts(s+s, 0)
		r = 1 - 2/(e+1)
	}
	return orSign(r, x)
}

// erfParts evaluates the pieces shared by erf and GELU for z = k·|x| (k = 1 for erf, 1/√2 for
// GELU; halfK = k/2 and negK2 = -k²). It returns s = min(|x|, tailMax), z = k·s,
// small = z + z·P(z²) ≈ erf(z), which is accurate for z < erfSmall, g = e^{-z²} and
// tq = t·Q(t) ≈ erfc(z)·e^{z²} with t = 1/(1+z/2), which is accurate for z ≥ geluSmall.
//
// The exponent -z² = negK2·s² is passed to expParts as an exact sum of two float32 values,
// so the relative error of erfc(z) = g·tq does not grow with z².
func erfParts(x, k, halfK, negK2 float32) (s, z, small, g, tq float32) {
	s = abs32(x)
	if tailMax < s {
		s = tailMax
	}
	z = s * k
	small = fma32(horner(erfPoly[:], z*z), z, z)
	hi := s * s
	lo := fma32(s, s, -hi)
	g = expParts(hi*negK2, lo*negK2)
	t := 1 / fma32(s, halfK, 1)
	tq = horner(erfcPoly[:], t) * t
	return s, z, small, g, tq
}

func erf32(x float32) float32 {
	_, z, small, g, tq := erfParts(x, 1, 0.5, -1)
	r := 1 - float32(g*tq)
	if z < erfSmall {
		r = small
	}
	return orSign(r, x)
}

// phiSmall is Φ(x) = ½ + ½·erf(x/√2) from small = erf(|x|/√2).
func phiSmall(x, small float32) float32 { return fma32(orSign(small, x), 0.5, 0.5) }

// gelu32 is x·Φ(x). Above geluSmall·√2 in magnitude, Φ(x) is 1 - ½erfc(|x|/√2) for positive x
// and ½erfc(|x|/√2) for negative x; x is clamped below at tailMin, where Φ is 0, so that
// GELU(-Inf) is -0 rather than NaN.
func gelu32(x float32) float32 {
	_, z, small, g, tq := erfParts(x, geluK, geluHalfK, -0.5)
	ps := phiSmall(x, small)
	h := float32(g * (tq * 0.5))
	pl := 1 - h
	if signbit(x) {
		pl = h
	}
	if z < geluSmall {
		pl = ps
	}
	xm := x
	if tailMin > x {
		xm = tailMin
	}
	return xm * pl
}

// geluGrad32 is GELU'(x) = Φ(x) + x·φ(x) with φ(x) = e^{-x²/2}/√(2π). In the tails both terms
// share the factor e^{-x²/2}: for negative x the derivative is e^{-x²/2}·(½tq - |x|/√(2π)),
// for positive x one minus that.
func geluGrad32(x float32) float32 {
	s, z, small, g, tq := erfParts(x, geluK, geluHalfK, -0.5)
	gs := fma32(x*invSqrt2Pi, g, phiSmall(x, small))
	w := float32(fma32(s, -invSqrt2Pi, tq*0.5) * g)
	gl := 1 - w
	if signbit(x) {
		gl = w
	}
	if z < geluSmall {
		gl = gs
	}
	return gl
}
