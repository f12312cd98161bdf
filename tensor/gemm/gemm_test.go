package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// useKernel makes k the active kernel for the rest of the test.
func useKernel(t testing.TB, k *kernel) {
	t.Helper()
	prev := active.Swap(k)
	t.Cleanup(func() { active.Store(prev) })
}

// forEachKernel runs f as a subtest once per kernel this CPU supports.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	for _, k := range supported() {
		t.Run(k.name, func(t *testing.T) {
			useKernel(t, k)
			f(t)
		})
	}
}

// operands holds random inputs for one shape, stored with their leading dimensions.
type operands struct {
	a, b, c []float32
}

func randomOperands(rng *rand.Rand, s Shape) operands {
	r := s.resolved()
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	return operands{
		a: fill(max(0, (r.aRows()-1)*r.LDA+r.aCols())),
		b: fill(max(0, (r.bRows()-1)*r.LDB+r.bCols())),
		c: fill(max(0, (r.M-1)*r.LDC+r.N)),
	}
}

// reference computes alpha·op(A)·op(B) + beta·C in float64, together with the bound
// Σ_p |A(i,p)·B(p,j)| used to scale the tolerance.
func reference(o operands, s Shape, alpha, beta float32) (want, bound []float64) {
	r := s.resolved()
	want = make([]float64, r.M*r.N)
	bound = make([]float64, r.M*r.N)
	at := func(i, p int) float64 {
		if r.TransA {
			return float64(o.a[p*r.LDA+i])
		}
		return float64(o.a[i*r.LDA+p])
	}
	bt := func(p, j int) float64 {
		if r.TransB {
			return float64(o.b[j*r.LDB+p])
		}
		return float64(o.b[p*r.LDB+j])
	}
	for i := range r.M {
		for j := range r.N {
			var sum, abs float64
			for p := range r.K {
				sum += at(i, p) * bt(p, j)
				abs += math.Abs(at(i, p) * bt(p, j))
			}
			v := float64(alpha) * sum
			if beta != 0 {
				v += float64(beta) * float64(o.c[i*r.LDC+j])
			}
			want[i*r.N+j] = v
			bound[i*r.N+j] = math.Abs(float64(alpha))*abs + math.Abs(float64(beta)*float64(o.c[i*r.LDC+j]))
		}
	}
	return want, bound
}

// checkGemm runs Gemm on a copy of o.c and compares every element of dst with the float64
// reference. Each float32 product and addition rounds with relative error at most
// u = 2^-24, so a K-term sum is off by at most about K·u·Σ|a·b| (Higham, ch. 3), plus a few
// u for the alpha and beta scalings; 2u per term leaves room for the epilogue. Elements of
// dst outside the M×N window (padding from LDC) must be untouched.
func checkGemm(t *testing.T, o operands, s Shape, alpha, beta float32) {
	t.Helper()
	r := s.resolved()
	dst := append([]float32(nil), o.c...)
	if beta == 0 {
		for i := range dst {
			dst[i] = float32(math.NaN())
		}
	}
	padding := float32(-7.5)
	for i := range r.M {
		for j := r.N; j < r.LDC && i*r.LDC+j < len(dst); j++ {
			dst[i*r.LDC+j] = padding
		}
	}
	Gemm(dst, o.a, o.b, s, alpha, beta)
	want, bound := reference(o, s, alpha, beta)
	const u = 1.0 / (1 << 24)
	for i := range r.M {
		for j := range r.N {
			got := float64(dst[i*r.LDC+j])
			tol := 2*float64(r.K+4)*u*bound[i*r.N+j] + 1e-30
			if d := math.Abs(got - want[i*r.N+j]); !(d <= tol) {
				t.Fatalf("%+v alpha=%v beta=%v: dst[%d,%d] = %v, want %v (|err| %.3g > tol %.3g)",
					s, alpha, beta, i, j, got, want[i*r.N+j], d, tol)
			}
		}
		for j := r.N; j < r.LDC && i*r.LDC+j < len(dst); j++ {
			if dst[i*r.LDC+j] != padding {
				t.Fatalf("%+v: dst[%d,%d] outside the matrix changed to %v", s, i, j, dst[i*r.LDC+j])
			}
		}
	}
}

var variants = []struct {
	name           string
	transA, transB bool
}{{"NN", false, false}, {"NT", false, true}, {"TN", true, false}, {"TT", true, true}}

func TestGemmShapes(t *testing.T) {
	tests := []struct {
		m, n, k          int
		alpha, beta      float32
		padA, padB, padC int
	}{
		{1, 1, 1, 1, 0, 0, 0, 0},
		{1, 1, 7, 2, 0.5, 3, 1, 2},
		{3, 5, 1, 1, 1, 0, 0, 0},
		{13, 17, 19, 1, 0, 0, 0, 0},
		{12, 32, 16, 1, 1, 0, 0, 0},
		{24, 64, 2, -1.5, 0, 5, 3, 1},
		{25, 33, 385, 1, -2, 0, 0, 0},
		{37, 97, 401, 0.25, 1, 2, 7, 3},
		{61, 29, 769, 1, 0, 0, 0, 0},
		{7, 200, 31, 1, 1, 1, 1, 1},
		{130, 1031, 3, 1, 0.5, 0, 0, 11},
		{101, 3, 257, 3, 0, 4, 0, 0},
		{29, 545, 790, 1, 0.5, 1, 2, 3},
	}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, tc := range tests {
			for _, v := range variants {
				s := Shape{M: tc.m, N: tc.n, K: tc.k, TransA: v.transA, TransB: v.transB}
				r := s.resolved()
				s.LDA, s.LDB, s.LDC = r.LDA+tc.padA, r.LDB+tc.padB, r.LDC+tc.padC
				t.Run(fmt.Sprintf("%s/%dx%dx%d", v.name, tc.m, tc.n, tc.k), func(t *testing.T) {
					checkGemm(t, randomOperands(rng, s), s, tc.alpha, tc.beta)
				})
			}
		}
	})
}

func TestGemmRandomShapes(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for range 40 {
			v := variants[rng.IntN(len(variants))]
			s := Shape{
				M: 1 + rng.IntN(70), N: 1 + rng.IntN(90), K: 1 + rng.IntN(800),
				TransA: v.transA, TransB: v.transB, Threads: 1 + rng.IntN(3),
			}
			r := s.resolved()
			s.LDA, s.LDB, s.LDC = r.LDA+rng.IntN(3), r.LDB+rng.IntN(3), r.LDC+rng.IntN(3)
			alpha := []float32{1, -1, 0.5, 3}[rng.IntN(4)]
			beta := []float32{0, 1, -0.5}[rng.IntN(3)]
			checkGemm(t, randomOperands(rng, s), s, alpha, beta)
		}
	})
}

// TestGemmDeterministic checks that results do not depend on the thread count or the run.
func TestGemmDeterministic(t *testing.T) {
	shapes := []Shape{
		{M: 150, N: 700, K: 900},
		{M: 301, N: 97, K: 500, TransA: true},
		{M: 150, N: 300, K: 2100, TransA: true}, // three K blocks of A packed by a team
		{M: 45, N: 333, K: 777, TransB: true},
		{M: 1000, N: 40, K: 300, TransA: true, TransB: true},
	}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range shapes {
			o := randomOperands(rng, s)
			var first []float32
			for _, threads := range []int{1, 2, 3, 0, 1} {
				s.Threads = threads
				dst := append([]float32(nil), o.c...)
				Gemm(dst, o.a, o.b, s, 1.5, 0.5)
				if first == nil {
					first = dst
					continue
				}
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(first[i]) {
						t.Fatalf("%+v: dst[%d] = %v with Threads=%d, %v with Threads=1", s, i, dst[i], threads, first[i])
					}
				}
			}
		}
	})
}

func TestGemmDegenerate(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name        string
		s           Shape
		a, b, dst   []float32
		alpha, beta float32
		want        []float32
	}{
		{"K=0 beta=0 clears NaN", Shape{M: 1, N: 2, K: 0}, nil, nil, []float32{nan, 1}, 1, 0, []float32{0, 0}},
		{"K=0 scales", Shape{M: 2, N: 1, K: 0}, nil, nil, []float32{2, 3}, 1, 2, []float32{4, 6}},
		{"alpha=0 ignores NaN operands", Shape{M: 1, N: 1, K: 1}, []float32{nan}, []float32{1}, []float32{5}, 0, 1, []float32{5}},
		{"M=0 leaves dst", Shape{M: 0, N: 3, K: 2}, nil, nil, []float32{nan}, 1, 0, []float32{nan}},
		{"LDC padding untouched", Shape{M: 2, N: 1, K: 1, LDC: 2}, []float32{2, 3}, []float32{4}, []float32{nan, 7, nan}, 1, 0, []float32{8, 7, 12}},
	}
	forEachKernel(t, func(t *testing.T) {
		for _, tc := range tests {
			dst := append([]float32(nil), tc.dst...)
			Gemm(dst, tc.a, tc.b, tc.s, tc.alpha, tc.beta)
			for i := range dst {
				if math.Float32bits(dst[i]) != math.Float32bits(tc.want[i]) {
					t.Errorf("%s: dst = %v, want %v", tc.name, dst, tc.want)
					break
				}
			}
		}
	})
}

func TestGemmPanics(t *testing.T) {
	tests := []struct {
		name      string
		s         Shape
		a, b, dst int
		want      string
	}{
		{"short a", Shape{M: 2, N: 2, K: 2}, 3, 4, 4, "gemm: a has 3 elements, a 2x2 matrix with stride 2 needs 4"},
		{"short b transposed", Shape{M: 2, N: 3, K: 2, TransB: true}, 4, 5, 6, "gemm: b has 5 elements, a 3x2 matrix with stride 2 needs 6"},
		{"short dst", Shape{M: 2, N: 2, K: 2, LDC: 3}, 4, 4, 4, "gemm: dst has 4 elements, a 2x2 matrix with stride 3 needs 5"},
		{"small lda", Shape{M: 2, N: 2, K: 3, LDA: 2}, 9, 9, 9, "gemm: a leading dimension 2 is less than its 3 columns"},
		{"negative", Shape{M: -1, N: 2, K: 2}, 0, 0, 0, "gemm: negative dimension in M=-1 N=2 K=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tc.want {
					t.Errorf("panic %q, want %q", got, tc.want)
				}
			}()
			Gemm(make([]float32, tc.dst), make([]float32, tc.a), make([]float32, tc.b), tc.s, 1, 0)
		})
	}
}

func TestKernelName(t *testing.T) {
	ks := supported()
	if ks[len(ks)-1] != genericKernel {
		t.Errorf("last supported kernel is %q, want generic", ks[len(ks)-1].name)
	}
	for _, k := range ks {
		useKernel(t, k)
		if got := Kernel(); got != k.name {
			t.Errorf("Kernel() = %q with %q active", got, k.name)
		}
		if flops := PeakLoop(10); flops <= 0 {
			t.Errorf("%s: PeakLoop(10) reported %d flops", k.name, flops)
		}
	}
}

func FuzzGemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint16(1), uint8(0), uint8(0), int8(1), int8(0), uint64(1))
	f.Add(uint8(13), uint8(33), uint16(385), uint8(3), uint8(7), int8(-2), int8(1), uint64(2))
	f.Fuzz(func(t *testing.T, m, n uint8, k uint16, flags, pad uint8, alpha, beta int8, seed uint64) {
		s := Shape{
			M: int(m%80) + 1, N: int(n%80) + 1, K: int(k%900) + 1,
			TransA: flags&1 != 0, TransB: flags&2 != 0, Threads: int(flags>>2)%3 + 1,
		}
		r := s.resolved()
		s.LDA, s.LDB, s.LDC = r.LDA+int(pad&3), r.LDB+int(pad>>2&3), r.LDC+int(pad>>4&3)
		rng := rand.New(rand.NewPCG(seed, 7))
		o := randomOperands(rng, s)
		for _, kn := range supported() {
			useKernel(t, kn)
			checkGemm(t, o, s, float32(alpha)/4, float32(beta)/4)
		}
	})
}

func TestGemmSingleThreadAllocs(t *testing.T) {
	s := Shape{M: 50, N: 70, K: 90, TransA: true, Threads: 1}
	o := randomOperands(rand.New(rand.NewPCG(7, 8)), s)
	forEachKernel(t, func(t *testing.T) {
		Gemm(o.c, o.a, o.b, s, 1, 0) // grow a workspace
		if n := testing.AllocsPerRun(20, func() { Gemm(o.c, o.a, o.b, s, 1, 0) }); n != 0 {
			t.Errorf("Gemm with Threads=1 allocates %v times per call", n)
		}
	})
}

// TestPartition checks that the regions tile dst exactly, along tile boundaries.
func TestPartition(t *testing.T) {
	shapes := []Shape{
		{M: 1024, N: 256, K: 256}, {M: 1000, N: 40, K: 300, TransA: true},
		{M: 7, N: 5000, K: 64, TransA: true}, {M: 3, N: 3, K: 3}, {M: 4096, N: 8000, K: 256, TransB: true},
	}
	for _, k := range supported() {
		for _, s := range shapes {
			for threads := 1; threads <= 5; threads++ {
				p := partition(k, s, threads)
				if p.n < 1 || p.n > threads {
					t.Fatalf("%s %+v threads=%d: %d regions", k.name, s, threads, p.n)
				}
				covered := 0
				next := 0
				for i := range p.n {
					r := p.region(i, s.M, s.N)
					lo, hi := r.m0, r.m1
					if p.alongN {
						lo, hi = r.n0, r.n1
					}
					if lo != next || lo%p.tile != 0 || hi <= lo {
						t.Fatalf("%s %+v threads=%d: region %d is %+v after %d", k.name, s, threads, i, r, next)
					}
					next = hi
					covered += (r.m1 - r.m0) * (r.n1 - r.n0)
				}
				if covered != s.M*s.N {
					t.Errorf("%s %+v threads=%d: regions cover %d of %d elements", k.name, s, threads, covered, s.M*s.N)
				}
			}
		}
	}
}

func TestChoose(t *testing.T) {
	ks := []*kernel{{name: "avx2"}, genericKernel}
	tests := []struct {
		want, got string
		err       bool
	}{
		{"", "avx2", false},
		{"generic", "generic", false},
		{"avx2", "avx2", false},
		{"avx512", "avx2", true},
		{"sse", "avx2", true},
	}
	for _, tc := range tests {
		k, err := choose(ks, tc.want)
		if k.name != tc.got || (err != nil) != tc.err {
			t.Errorf("choose(%q) = %s, %v; want %s, error %v", tc.want, k.name, err, tc.got, tc.err)
		}
	}
}

// TestGemmConcurrentCallers runs products from several goroutines at once, and again after
// the helpers have had time to park, and checks each against the single-threaded result.
func TestGemmConcurrentCallers(t *testing.T) {
	s := Shape{M: 200, N: 300, K: 150, TransA: true, Threads: 2}
	o := randomOperands(rand.New(rand.NewPCG(9, 10)), s)
	s1 := s
	s1.Threads = 1
	want := append([]float32(nil), o.c...)
	Gemm(want, o.a, o.b, s1, 1, 0.5)
	check := func() error {
		dst := append([]float32(nil), o.c...)
		Gemm(dst, o.a, o.b, s, 1, 0.5)
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				return fmt.Errorf("dst[%d] = %v, want %v", i, dst[i], want[i])
			}
		}
		return nil
	}
	for round := range 2 {
		errs := make(chan error, 4)
		for range cap(errs) {
			go func() {
				var err error
				for range 10 {
					if err = check(); err != nil {
						break
					}
				}
				errs <- err
			}()
		}
		for range cap(errs) {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		time.Sleep(3 * helperSpin) // let the helpers park
	}
}
