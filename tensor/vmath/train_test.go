package vmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// trainLengths are slice lengths around the vector widths and the masked tails.
var trainLengths = []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 1031}

// sameBits reports the first element where got and want differ bit for bit.
func sameBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("%s: element %d is %g (%#x), want %g (%#x)", name, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			return
		}
	}
}

func randSlice(r *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64() * scale)
	}
	return s
}

// adamWRef is the optimizer's update written as PyTorch's float32 steps, with the weight
// decay as its own pass.
func adamWRef(p, m, v, g []float32, c AdamWCoef) {
	for j := range p {
		p[j] *= c.Keep
	}
	for j := range g {
		a := m[j] * c.Beta1
		b := c.Beta1C * g[j]
		m[j] = a + b
		a = v[j] * c.Beta2
		b = c.Beta2C * g[j]
		b *= g[j]
		v[j] = a + b
		d := float32(math.Sqrt(float64(v[j])))
		d /= c.BC2Sqrt
		d += c.Eps
		u := c.StepSize * m[j]
		p[j] -= u / d
	}
}

func TestAdamWKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	coefs := []AdamWCoef{
		{Keep: 1 - 1e-3*0.01, Beta1: 0.9, Beta1C: 0.1, Beta2: 0.999, Beta2C: 1 - 0.999,
			BC2Sqrt: float32(math.Sqrt(1 - 0.999)), Eps: 1e-8, StepSize: 1e-3 / 0.1},
		{Keep: 1, Beta1: 0.8, Beta1C: 0.2, Beta2: 0.95, Beta2C: 0.05, BC2Sqrt: 0.7, Eps: 1e-6, StepSize: 3e-4},
	}
	for ci, c := range coefs {
		for _, n := range trainLengths {
			p0, m0, g := randSlice(r, n, 0.02), randSlice(r, n, 1e-3), randSlice(r, n, 1e-2)
			v0 := randSlice(r, n, 1e-4)
			for i := range v0 {
				v0[i] *= v0[i]
			}
			if n > 2 {
				g[0], m0[0], v0[0] = 0, 0, 0 // a fresh moment with no gradient
				p0[1] = float32(math.Copysign(0, -1))
			}
			want := [3][]float32{clone(p0), clone(m0), clone(v0)}
			adamWRef(want[0], want[1], want[2], g, c)
			for _, k := range supported() {
				got := [3][]float32{clone(p0), clone(m0), clone(v0)}
				k.adamW(got[0], got[1], got[2], g, c)
				for s, name := range []string{"p", "m", "v"} {
					sameBits(t, fmt.Sprintf("%s/coef %d/n=%d/%s", k.name, ci, n, name), got[s], want[s])
				}
			}
		}
	}
}

func clone(s []float32) []float32 { return append([]float32(nil), s...) }

func TestAdamWShortStatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("AdamW with a short moment slice did not panic")
		}
	}()
	AdamW(make([]float32, 4), make([]float32, 3), make([]float32, 4), make([]float32, 4), AdamWCoef{})
}

// dropBits is element i's 32 random bits, from the definition in DropoutMask's documentation.
func dropBits(key uint64, i int) uint32 {
	z := splitMix(key + uint64(i/2)*0x9e3779b97f4a7c15)
	if i%2 == 0 {
		return uint32(z >> 32)
	}
	return uint32(z)
}

func TestDropoutMaskKernelsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const key = 0x1234_5678_9abc_def0
	special := []float32{float32(math.Copysign(0, -1)), float32(math.Inf(-1)), float32(math.NaN()), -1e-40}
	// Elements 4 and 9 of the stream sit exactly at the last two thresholds, which keep them.
	for _, threshold := range []uint32{0, 1 << 31, 0xcccccccc, math.MaxUint32, dropBits(key, 4), dropBits(key, 9)} {
		scale := float32(1 / (1 - float64(threshold)/(1<<32)))
		for _, start := range []int{0, 1, 2, 3, 17, 1<<40 + 1} {
			for _, n := range trainLengths {
				src, dst0 := randSlice(r, n, 1), randSlice(r, n, 1)
				copy(src, special)
				for _, add := range []bool{false, true} {
					want := clone(dst0)
					for j, x := range src {
						f := scale
						if dropBits(key, start+j) < threshold {
							f = 0
						}
						if add {
							want[j] += x * f
						} else {
							want[j] = x * f
						}
					}
					for _, k := range supported() {
						got := clone(dst0)
						kernelDropoutMask(k, got, src, key, start, threshold, scale, add)
						sameBits(t, fmt.Sprintf("%s/threshold %#x/start %d/n=%d/add=%v", k.name, threshold, start, n, add), got, want)
					}
				}
			}
		}
	}
}

// kernelDropoutMask is DropoutMask run with kernel k.
func kernelDropoutMask(k *kernel, dst, src []float32, key uint64, start int, threshold uint32, scale float32, add bool) {
	saved := active
	active = k
	defer func() { active = saved }()
	DropoutMask(dst, src, key, start, threshold, scale, add)
}

func TestDropoutMaskInPlace(t *testing.T) {
	x := randSlice(rand.New(rand.NewPCG(5, 6)), 100, 1)
	want := make([]float32, len(x))
	DropoutMask(want, x, 7, 3, 1<<31, 2, false)
	DropoutMask(x, x, 7, 3, 1<<31, 2, false)
	sameBits(t, "in place", x, want)
}

func TestDropoutMaskPanics(t *testing.T) {
	for _, c := range []struct {
		name     string
		dst, src []float32
		start    int
	}{
		{"short dst", make([]float32, 2), make([]float32, 3), 0},
		{"negative start", make([]float32, 3), make([]float32, 3), -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			DropoutMask(c.dst, c.src, 1, c.start, 1, 1, false)
		})
	}
}

// sumSquaresRef is SumSquares' documented order written out: 16 partial sums of the first
// 16·⌊n/16⌋ squares, folded by halves, then the rest one by one.
func sumSquaresRef(x []float32) float64 {
	n := len(x) / 16 * 16
	var lanes [16]float64
	for i, v := range x[:n] {
		lanes[i%16] += float64(v) * float64(v)
	}
	for w := 8; w > 0; w /= 2 {
		for j := range w {
			lanes[j] += lanes[j+w]
		}
	}
	s := lanes[0]
	for _, v := range x[n:] {
		s += float64(v) * float64(v)
	}
	return s
}

func TestSumSquares(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range trainLengths {
		// Magnitudes spread over many binades, so that a different order would round differently.
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * math.Exp(8*r.NormFloat64()))
		}
		want := sumSquaresRef(x)
		var exact float64
		for _, v := range x {
			exact += float64(v) * float64(v)
		}
		if math.Abs(want-exact) > 1e-12*exact {
			t.Errorf("n=%d: reference sum %g, naive sum %g", n, want, exact)
		}
		for _, k := range supported() {
			saved := active
			active = k
			got := SumSquares(x)
			active = saved
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("%s/n=%d: SumSquares = %v, want %v", k.name, n, got, want)
			}
		}
	}
}

// BenchmarkAdamW reports ns per element of one AdamW update for every kernel the CPU runs.
func BenchmarkAdamW(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	p, m, v, g := randSlice(r, benchN, 0.02), make([]float32, benchN), make([]float32, benchN), randSlice(r, benchN, 1e-2)
	c := AdamWCoef{Keep: 0.99999, Beta1: 0.9, Beta1C: 0.1, Beta2: 0.999, Beta2C: 0.001, BC2Sqrt: 0.03, Eps: 1e-8, StepSize: 1e-3}
	for _, k := range supported() {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				k.adamW(p, m, v, g, c)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchN), "ns/elem")
		})
	}
}

// BenchmarkDropoutMask reports ns per element of a dropout mask, stored and accumulated, for
// every kernel the CPU runs.
func BenchmarkDropoutMask(b *testing.B) {
	x := benchInput()
	dst := make([]float32, len(x))
	for _, k := range supported() {
		for _, add := range []bool{false, true} {
			b.Run(fmt.Sprintf("add=%v/%s", add, k.name), func(b *testing.B) {
				kern := k.dropout
				if add {
					kern = k.dropoutAdd
				}
				for b.Loop() {
					kern(dst, x, 12345, 0x1999999a, 1.25)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/elem")
			})
		}
	}
}

// BenchmarkSumSquares reports ns per element of SumSquares for every kernel the CPU runs.
func BenchmarkSumSquares(b *testing.B) {
	x := benchInput()
	for _, k := range supported() {
		b.Run(k.name, func(b *testing.B) {
			var s float64
			for b.Loop() {
				s += k.sumSquares(x)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/elem")
		})
	}
}
