// Package vmath evaluates exp, tanh, erf, GELU and GELU's derivative over float32 slices, and
// runs the element-wise passes of a training step: the AdamW update (AdamW), dropout masks
// (DropoutMask) and the float64 sum of squares of a gradient norm (SumSquares).
//
// Scalar float64 math costs several to tens of nanoseconds per element (math.Exp, math.Erf),
// which would make activations and softmax as expensive as the matrix products of a CPU
// training step. These kernels evaluate float32 polynomial approximations 16 (AVX-512) or 8
// (AVX2+FMA) lanes at a time, at a fraction of a nanosecond per element. A portable Go kernel
// performs the same float32 operations in the same order for other machines, so all kernels
// return the same values (they may differ in the last bit where the Go kernel's emulated
// fused multiply-add rounds twice, which the tests have not observed).
//
// Maximum errors against float64 math, in units in the last place of the float32 result,
// found over every 29th float32 bit pattern and a dense sweep of [-20, 20] (the tests assert
// these bounds on a smaller sample):
//
//	Exp       1 ulp (subnormal results round correctly; overflow gives +Inf, underflow 0)
//	Tanh      1 ulp
//	Erf       1.5 ulp
//	GELU      6 ulp (relative, also far into the negative tail; 1e-44 absolute below 1e-37)
//	GELUGrad  3 ulp of Φ(x) + |x·φ(x)|, the size of its two terms, which cancel near x = -0.75
//
// ±Inf, NaN and -0 follow IEEE rules and the functions' limits: Exp(-Inf) = 0, Tanh(±Inf) = ±1,
// GELU(-Inf) = -0, Tanh, Erf and GELU keep the sign of -0.
//
// AdamW, DropoutMask and SumSquares are exact: every kernel returns the same bits, which a
// trainer's bit-for-bit resumption relies on. AdamW and DropoutMask round each product and sum
// as the scalar float32 code would; SumSquares fixes its order of summation.
//
// The kernel is chosen once, at start-up, from the CPU's features; the environment variable
// VIGIL_VMATH=avx512|avx2|generic forces one (a name the CPU cannot run is ignored).
//
// Every function reads len(x) elements and writes the first len(x) elements of dst, which may
// alias an input; it panics if dst (or dy) is shorter than x. The kernels are single-threaded
// and allocate nothing; callers split large slices across goroutines.
package vmath

import "os"

//go:generate go run ./internal/gen -out .

// kernel is one implementation of every function.
type kernel struct {
	name                 string
	exp, tanh, erf, gelu func(dst, x []float32)
	geluGrad             func(dst, dy, x []float32)
	expSubSum            func(dst, x []float32, max float32) float32
	adamW                func(p, m, v, g []float32, c AdamWCoef)
	sumSquares           func(x []float32) float64 // len(x) is a multiple of 16
	// dropout and dropoutAdd are DropoutMask for an even start whose first pair's
	// counter value is weyl, without and with add.
	dropout, dropoutAdd func(dst, src []float32, weyl uint64, threshold uint32, scale float32)
}

var active = choose(supported(), os.Getenv("VIGIL_VMATH"))

// choose returns the kernel called name if the CPU supports it, else the fastest one.
func choose(ks []*kernel, name string) *kernel {
	for _, k := range ks {
		if k.name == name {
			return k
		}
	}
	return ks[0]
}

// Kernel reports the implementation in use: "avx512", "avx2" or "generic".
func Kernel() string { return active.name }

func checkLen(dst, x []float32) []float32 {
	if len(dst) < len(x) {
		panic("vmath: dst is shorter than x")
	}
	return dst[:len(x)]
}

// Exp sets dst[i] = e^x[i]. Results below about 1.2e-38 are subnormal or 0; above
// math.MaxFloat32 they are +Inf.
func Exp(dst, x []float32) { active.exp(checkLen(dst, x), x) }

// Tanh sets dst[i] = tanh(x[i]).
func Tanh(dst, x []float32) { active.tanh(checkLen(dst, x), x) }

// Erf sets dst[i] = erf(x[i]).
func Erf(dst, x []float32) { active.erf(checkLen(dst, x), x) }

// GELU sets dst[i] = x[i]·Φ(x[i]) = ½·x[i]·(1+erf(x[i]/√2)), the exact-erf form used by BERT.
// For negative x it is computed from erfc, so it keeps its relative accuracy far into the tail.
func GELU(dst, x []float32) { active.gelu(checkLen(dst, x), x) }

// GELUGrad sets dst[i] = dy[i]·GELU'(x[i]) with GELU'(x) = Φ(x) + x·φ(x), the backward pass of GELU.
func GELUGrad(dst, dy, x []float32) {
	if len(dy) < len(x) {
		panic("vmath: dy is shorter than x")
	}
	active.geluGrad(checkLen(dst, x), dy[:len(x)], x)
}

// ExpSubSum sets dst[i] = e^(x[i]-max) and returns the float32 sum of dst, the two passes of a
// softmax or log-sum-exp row. The difference x[i]-max enters the exponential unrounded.
//
// The sum's order is fixed and the same for every kernel: element i is added into partial sum
// i mod 16, and the 16 partial sums are then folded pairwise (lane j += lane j+8, j+4, j+2, j+1).
func ExpSubSum(dst, x []float32, max float32) float32 {
	return active.expSubSum(checkLen(dst, x), x, max)
}
