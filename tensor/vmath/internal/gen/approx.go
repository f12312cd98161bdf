package main

import "math"

// Thresholds that split the input range between two approximations. They are emitted as
// constants so that the Go fallback and the assembly kernels branch at the same points.
const (
	// tanhSmall: below it tanh(x) = x + x³·P(x²); above it 1 - 2/(e^{2x}+1) loses no accuracy.
	tanhSmall = 1.0
	// erfSmall: below it erf(z) = z + z·P(z²); above it erf(z) = 1 - erfc(z) with
	// erfc(z) = e^{-z²}·t·Q(t), t = 1/(1+z/2).
	erfSmall = 1.0
	// geluSmall: GELU and its derivative switch from erf to erfc at z = |x|/√2 = geluSmall,
	// lower than erfSmall because for negative x, Φ(x) = ½ - ½erf(|z|) cancels.
	geluSmall = 0.5
	// tailMax: |x| is clamped to it, where e^{-x²/2} has underflowed to 0.
	tailMax = 15
)

// approximations lists the polynomials the kernels evaluate.
func approximations() []poly {
	ln2h := math.Ln2 / 2 * 1.02 // the rounding of n may push r slightly past ln2/2
	return []poly{
		{
			name: "exp", doc: "e^r on |r| ≤ ln2/2", lo: -ln2h, hi: ln2h, deg: 6, fixed: map[int]float64{0: 1},
			f: math.Exp,
			w: func(r float64) float64 { return math.Exp(-r) },
		},
		{
			name: "tanh", doc: "(tanh(x) - x)/x³ in u = x² for |x| < tanhSmall", lo: 0, hi: tanhSmall * tanhSmall, deg: 6,
			f: tanhOdd,
			w: func(u float64) float64 { return u / tanhRatio(u) },
		},
		{
			name: "erf", doc: "erf(z)/z - 1 in u = z² for z < erfSmall", lo: 0, hi: erfSmall * erfSmall, deg: 6,
			f: func(u float64) float64 { return erfOdd(u) - 1 },
			w: func(u float64) float64 { return 1 / erfOdd(u) },
		},
		{
			name: "erfc", doc: "erfc(z)·e^{z²}/t in t = 1/(1+z/2) for geluSmall ≤ z ≤ tailMax", lo: 1 / (1 + tailMax/2), hi: 1 / (1 + geluSmall/2), deg: 10,
			f: erfcScaled,
			w: func(t float64) float64 { return 1 / erfcScaled(t) },
		},
	}
}

// tanhRatio is tanh(x)/x as a function of u = x².
func tanhRatio(u float64) float64 { return 1 + u*tanhOdd(u) }

// tanhOdd is (tanh(x) - x)/x³ as a function of u = x².
func tanhOdd(u float64) float64 {
	if u < 1e-5 {
		return -1.0/3 + u*(2.0/15-u*17.0/315)
	}
	x := math.Sqrt(u)
	return (math.Tanh(x) - x) / (u * x)
}

// erfOdd is erf(z)/z as a function of u = z².
func erfOdd(u float64) float64 {
	if u < 1e-10 {
		return 2 / math.SqrtPi * (1 - u/3)
	}
	z := math.Sqrt(u)
	return math.Erf(z) / z
}

// erfcScaled is erfc(z)·e^{z²}/t as a function of t = 1/(1+z/2).
func erfcScaled(t float64) float64 {
	if t == 0 {
		return 1 / (2 * math.SqrtPi)
	}
	z := 2 * (1/t - 1)
	if z < 26 {
		return math.Erfc(z) * math.Exp(z*z) / t
	}
	w := 1 / (z * z)
	r := 1 / (z * math.SqrtPi) * (1 - w/2*(1-w*3/2*(1-w*5/2*(1-w*7/2))))
	return r / t
}
