package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// benchN is the slice length benchmarked: 64 KiB per slice, which stays in cache.
const benchN = 1 << 14

func benchInput() []float32 {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, benchN)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
	}
	return x
}

// BenchmarkKernels reports ns per element of every function for every kernel the CPU runs.
func BenchmarkKernels(b *testing.B) {
	x := benchInput()
	dst := make([]float32, len(x))
	for _, k := range supported() {
		for _, f := range benchFuncs(k, dst, x) {
			b.Run(f.name+"/"+k.name, func(b *testing.B) {
				for b.Loop() {
					f.run()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/elem")
			})
		}
	}
}

type benchFunc struct {
	name string
	run  func()
}

func benchFuncs(k *kernel, dst, x []float32) []benchFunc {
	return []benchFunc{
		{"Exp", func() { k.exp(dst, x) }},
		{"Tanh", func() { k.tanh(dst, x) }},
		{"Erf", func() { k.erf(dst, x) }},
		{"GELU", func() { k.gelu(dst, x) }},
		{"GELUGrad", func() { k.geluGrad(dst, x, x) }},
		{"ExpSubSum", func() { k.expSubSum(dst, x, 10) }},
	}
}

// BenchmarkGELULarge runs GELU over 4.2 M elements, the size of one forward activation of a
// 4-layer, 256-hidden encoder step, which streams from memory rather than cache.
func BenchmarkGELULarge(b *testing.B) {
	const n = 4_200_000
	x := make([]float32, n)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
	}
	dst := make([]float32, n)
	for _, k := range supported() {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				k.gelu(dst, x)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
		})
	}
}

// BenchmarkScalar64 is the baseline the kernels replace: loops over float64 math.
func BenchmarkScalar64(b *testing.B) {
	x := benchInput()
	dst := make([]float32, len(x))
	fs := []benchFunc{
		{"Exp", func() {
			for i, v := range x {
				dst[i] = float32(math.Exp(float64(v)))
			}
		}},
		{"Tanh", func() {
			for i, v := range x {
				dst[i] = float32(math.Tanh(float64(v)))
			}
		}},
		{"Erf", func() {
			for i, v := range x {
				dst[i] = float32(math.Erf(float64(v)))
			}
		}},
		{"GELU", func() {
			for i, v := range x {
				dst[i] = float32(0.5 * float64(v) * (1 + math.Erf(float64(v)/math.Sqrt2)))
			}
		}},
		{"GELUGrad", func() {
			for i, v := range x {
				t := float64(v)
				dst[i] = float32(float64(v) * (0.5*(1+math.Erf(t/math.Sqrt2)) + t*math.Exp(-t*t/2)/math.Sqrt(2*math.Pi)))
			}
		}},
		{"ExpSubSum", func() {
			var s float32
			for i, v := range x {
				dst[i] = float32(math.Exp(float64(v) - 10))
				s += dst[i]
			}
			sink = s
		}},
	}
	for _, f := range fs {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				f.run()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/elem")
		})
	}
}

var sink float32
