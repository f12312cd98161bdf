package vmath

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// ulp32 is the spacing of float32 values at |v|, never below the smallest subnormal.
func ulp32(v float64) float64 {
	a := float32(math.Min(math.Abs(v), math.MaxFloat32))
	return math.Max(float64(math.Nextafter32(a, float32(math.Inf(1)))-a), math.SmallestNonzeroFloat32)
}

// phi64 is Φ(x), computed from erfc so that it keeps its relative accuracy for negative x.
func phi64(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// density64 is x·φ(x), the second term of GELU'(x); it tends to 0 at ±Inf.
func density64(x float64) float64 {
	if math.IsInf(x, 0) {
		return 0
	}
	return x * math.Exp(-x*x/2) / math.Sqrt(2*math.Pi)
}

// gelu64 is x·Φ(x), which tends to -0 at -Inf.
func gelu64(x float64) float64 {
	if math.IsInf(x, -1) {
		return math.Copysign(0, -1)
	}
	return x * phi64(x)
}

// op is one function under test, with its float64 reference and error bound.
type op struct {
	name string
	run  func(k *kernel, dst, x []float32)
	ref  func(x float64) float64
	// scale is the magnitude the error is measured against in float32 ulps: |ref| unless the
	// result is a difference of larger terms (GELU' near its zero at x ≈ -0.75).
	scale func(x float64) float64
	// floor is the smallest scale used: below it results are checked in absolute terms.
	floor  float64
	maxULP float64
	lo, hi float64 // dense sweep range
}

var ops = []op{
	{name: "Exp", run: func(k *kernel, d, x []float32) { k.exp(d, x) }, ref: math.Exp,
		maxULP: 1, lo: -105, hi: 90},
	{name: "Tanh", run: func(k *kernel, d, x []float32) { k.tanh(d, x) }, ref: math.Tanh,
		maxULP: 1, lo: -20, hi: 20},
	{name: "Erf", run: func(k *kernel, d, x []float32) { k.erf(d, x) }, ref: math.Erf,
		maxULP: 1.5, lo: -20, hi: 20},
	// GELU and GELU' multiply by e^{-x²/2}, which becomes subnormal below x ≈ -13, so tiny
	// results are checked against an absolute floor.
	{name: "GELU", run: func(k *kernel, d, x []float32) { k.gelu(d, x) },
		ref: gelu64, floor: 1e-37,
		maxULP: 6, lo: -20, hi: 20},
	{name: "GELUGrad", run: func(k *kernel, d, x []float32) { k.geluGrad(d, ones(len(x)), x) },
		ref:   func(x float64) float64 { return phi64(x) + density64(x) },
		scale: func(x float64) float64 { return phi64(x) + math.Abs(density64(x)) },
		floor: 1e-37, maxULP: 3, lo: -20, hi: 20},
}

func ones(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// errULP is |got - want| in float32 ulps of o's scale at x.
func (o op) errULP(x float64, got float32) float64 {
	want := o.ref(x)
	if math.IsNaN(want) || math.IsNaN(float64(got)) {
		if math.IsNaN(want) && math.IsNaN(float64(got)) {
			return 0
		}
		return math.Inf(1)
	}
	if math.IsInf(float64(got), 0) {
		// Overflow is right when the exact value is within maxULP of rounding to Inf.
		if math.Signbit(float64(got)) == math.Signbit(want) && math.Abs(want) >= math.MaxFloat32*(1-o.maxULP/(1<<24)) {
			return 0
		}
		return math.Inf(1)
	}
	s := math.Abs(want)
	if o.scale != nil {
		s = o.scale(x)
	}
	return math.Abs(float64(got)-want) / ulp32(math.Max(s, o.floor))
}

// testInputs is a dense sweep of [lo, hi] in steps of 1e-3, every 8191st float32 bit pattern,
// signed values spread log-uniformly over the whole float32 range, and special values.
func testInputs(lo, hi float64) []float32 {
	var x []float32
	for b := uint64(0); b < 1<<32; b += 8191 {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	for i := 0; lo+float64(i)*1e-3 <= hi; i++ {
		x = append(x, float32(lo+float64(i)*1e-3))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		m := math.Pow(10, r.Float64()*76.5-38)
		x = append(x, float32(math.Copysign(m, r.Float64()-0.5)))
	}
	for _, v := range []float64{0, math.SmallestNonzeroFloat32, 1e-40, 1e-20, math.MaxFloat32, math.Inf(1), math.NaN()} {
		x = append(x, float32(v), float32(-v))
	}
	return x
}

func TestAccuracy(t *testing.T) {
	for _, o := range ops {
		x := testInputs(o.lo, o.hi)
		got := make([]float32, len(x))
		for _, k := range supported() {
			t.Run(o.name+"/"+k.name, func(t *testing.T) {
				o.run(k, got, x)
				var worst float64
				var at float32
				for i, v := range x {
					if e := o.errULP(float64(v), got[i]); e > worst || math.IsNaN(e) {
						worst, at = e, v
					}
				}
				t.Logf("max error %.2f ulp at x = %g", worst, at)
				if !(worst <= o.maxULP) {
					t.Errorf("max error %.3g ulp at x = %g (got %g, want %g), bound %g ulp",
						worst, at, o.eval(k, at), o.ref(float64(at)), o.maxULP)
				}
			})
		}
	}
}

// eval runs o on the single value x.
func (o op) eval(k *kernel, x float32) float32 {
	d := []float32{0}
	o.run(k, d, []float32{x})
	return d[0]
}

func TestExpSubSumAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, 5000)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 30)
	}
	x[7] = float32(math.Inf(-1)) // a masked position
	m := slices.Max(x)
	for _, k := range supported() {
		t.Run(k.name, func(t *testing.T) {
			dst := make([]float32, len(x))
			sum := k.expSubSum(dst, x, m)
			var exact float64
			for i, v := range x {
				want := math.Exp(float64(v) - float64(m))
				exact += want
				if e := math.Abs(float64(dst[i])-want) / ulp32(want); !(e <= 1) {
					t.Fatalf("dst[%d] = %g for x = %g, want %g (%.3g ulp)", i, dst[i], v, want, e)
				}
			}
			if want := laneSum(dst); math.Float32bits(sum) != math.Float32bits(want) {
				t.Errorf("sum = %g, want %g in the documented order", sum, want)
			}
			if rel := math.Abs(float64(sum)-exact) / exact; rel > 1e-5 {
				t.Errorf("sum = %g, exact %g: relative error %.3g", sum, exact, rel)
			}
		})
	}
}

// laneSum adds s in ExpSubSum's documented order.
func laneSum(s []float32) float32 {
	var part [16]float32
	for i, v := range s {
		part[i%16] += v
	}
	for _, w := range []int{8, 4, 2, 1} {
		for j := range w {
			part[j] += part[j+w]
		}
	}
	return part[0]
}

// TestKernelsAgree checks that the vector kernels reproduce the portable one: they perform
// the same float32 operations, so they may differ only where the portable kernel's emulated
// fused multiply-add rounds twice.
func TestKernelsAgree(t *testing.T) {
	for _, o := range ops {
		x := testInputs(o.lo, o.hi)
		want := make([]float32, len(x))
		o.run(genericKernel, want, x)
		got := make([]float32, len(x))
		for _, k := range supported() {
			o.run(k, got, x)
			if n := ulpDiffs(t, o.name+"/"+k.name, got, want); n > 0 {
				t.Logf("%s/%s: %d of %d results differ from generic by 1 ulp", o.name, k.name, n, len(x))
			}
		}
	}
}

// ulpDiffs reports results further apart than 1 ulp and returns how many differ at all.
func ulpDiffs(t *testing.T, name string, got, want []float32) int {
	t.Helper()
	n := 0
	for i := range got {
		g, w := got[i], want[i]
		if math.Float32bits(g) == math.Float32bits(w) || g != g && w != w {
			continue
		}
		n++
		if math.Nextafter32(w, g) != g {
			t.Errorf("%s: element %d is %g, generic gives %g", name, i, g, w)
		}
	}
	return n
}

func TestSpecialValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		op   string
		x    float64
		want float64 // compared bit for bit, so the sign of zero counts; any NaN matches NaN
	}{
		{"Exp", 0, 1}, {"Exp", math.Copysign(0, -1), 1}, {"Exp", inf, inf}, {"Exp", -inf, 0},
		{"Exp", nan, nan}, {"Exp", 89, inf}, {"Exp", 1e30, inf}, {"Exp", -104, 0}, {"Exp", -1e30, 0},
		{"Exp", -103.9, math.SmallestNonzeroFloat32}, {"Exp", 1e-30, 1},
		{"Tanh", 0, 0}, {"Tanh", math.Copysign(0, -1), math.Copysign(0, -1)}, {"Tanh", inf, 1},
		{"Tanh", -inf, -1}, {"Tanh", nan, nan}, {"Tanh", 1e-30, float64(float32(1e-30))}, {"Tanh", -20, -1},
		{"Erf", 0, 0}, {"Erf", math.Copysign(0, -1), math.Copysign(0, -1)}, {"Erf", inf, 1},
		{"Erf", -inf, -1}, {"Erf", nan, nan}, {"Erf", 6, 1}, {"Erf", -1e30, -1},
		{"GELU", 0, 0}, {"GELU", math.Copysign(0, -1), math.Copysign(0, -1)}, {"GELU", inf, inf},
		{"GELU", -inf, math.Copysign(0, -1)}, {"GELU", nan, nan}, {"GELU", 30, 30},
		{"GELU", -30, math.Copysign(0, -1)},
		// GELU' is negative for x < -0.75, so its underflowed tail is -0.
		{"GELUGrad", 0, 0.5}, {"GELUGrad", inf, 1}, {"GELUGrad", -inf, math.Copysign(0, -1)},
		{"GELUGrad", nan, nan}, {"GELUGrad", 30, 1}, {"GELUGrad", -30, math.Copysign(0, -1)},
	}
	for _, k := range supported() {
		for _, c := range cases {
			i := slices.IndexFunc(ops, func(o op) bool { return o.name == c.op })
			got := ops[i].eval(k, float32(c.x))
			want := float32(c.want)
			if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
				t.Errorf("%s/%s(%g) = %g, want %g", c.op, k.name, c.x, got, want)
			}
		}
	}
}

func TestExpSubSumSpecial(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct {
		x   []float32
		max float32
		dst []float32
		sum float32
	}{
		{x: []float32{-inf, 0, -inf}, max: 0, dst: []float32{0, 1, 0}, sum: 1},
		{x: []float32{3, 3}, max: 3, dst: []float32{1, 1}, sum: 2},
		{x: []float32{1e30, -1e30}, max: 1e30, dst: []float32{1, 0}, sum: 1},
		{x: []float32{2}, max: inf, dst: []float32{0}, sum: 0},
		{x: nil, max: 0, dst: []float32{}, sum: 0},
	}
	for _, k := range supported() {
		for _, c := range cases {
			dst := make([]float32, len(c.x))
			if sum := k.expSubSum(dst, c.x, c.max); sum != c.sum || !slices.Equal(dst, c.dst) {
				t.Errorf("%s: ExpSubSum(%v, %g) = %v, %g; want %v, %g", k.name, c.x, c.max, dst, sum, c.dst, c.sum)
			}
		}
	}
	nan := float32(math.NaN())
	for _, k := range supported() {
		dst := make([]float32, 2)
		if sum := k.expSubSum(dst, []float32{nan, 0}, 0); sum == sum || dst[0] == dst[0] || dst[1] != 1 {
			t.Errorf("%s: ExpSubSum([NaN 0], 0) = %v, %g; want [NaN 1], NaN", k.name, dst, sum)
		}
	}
}

// TestLengths checks every length 0..70: the vector tails give the same values as the main
// loop, nothing past len(x) is written and the sum follows the documented order.
func TestLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	src := make([]float32, 70)
	dy := make([]float32, 70)
	for i := range src {
		src[i] = float32(r.NormFloat64() * 4)
		dy[i] = float32(r.NormFloat64())
	}
	const guard = 12345
	for _, k := range supported() {
		fns := map[string]func(dst, x []float32){
			"Exp": k.exp, "Tanh": k.tanh, "Erf": k.erf, "GELU": k.gelu,
			"GELUGrad":  func(dst, x []float32) { k.geluGrad(dst, dy[len(dy)-len(x):], x) },
			"ExpSubSum": func(dst, x []float32) { k.expSubSum(dst, x, 1) },
		}
		for name, f := range fns {
			full := make([]float32, len(src))
			f(full, src)
			for n := 0; n <= len(src); n++ {
				dst := make([]float32, n+20)
				for i := range dst {
					dst[i] = guard
				}
				// Shift the window so that tails start at every alignment.
				x := src[len(src)-n:]
				f(dst[:n], x)
				want := full[len(src)-n:]
				if !slices.Equal(dst[:n], want) {
					t.Fatalf("%s/%s n=%d: got %v, want %v", name, k.name, n, dst[:n], want)
				}
				for i := n; i < len(dst); i++ {
					if dst[i] != guard {
						t.Fatalf("%s/%s n=%d: wrote dst[%d]", name, k.name, n, i)
					}
				}
			}
		}
		for n := 0; n <= len(src); n++ {
			dst := make([]float32, n)
			if sum, want := k.expSubSum(dst, src[:n], 2), laneSum(dst); sum != want {
				t.Errorf("%s n=%d: ExpSubSum sum %g, want %g", k.name, n, sum, want)
			}
		}
	}
}

func TestAliasing(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := make([]float32, 67)
	dy := make([]float32, len(x))
	for i := range x {
		x[i] = float32(r.NormFloat64() * 5)
		dy[i] = float32(r.NormFloat64())
	}
	for _, k := range supported() {
		for _, o := range ops {
			want := make([]float32, len(x))
			o.run(k, want, x)
			got := slices.Clone(x)
			o.run(k, got, got)
			if !slices.Equal(got, want) {
				t.Errorf("%s/%s: dst aliasing x changes the result", o.name, k.name)
			}
		}
		want := make([]float32, len(x))
		k.geluGrad(want, dy, x)
		got := slices.Clone(dy)
		k.geluGrad(got, got, x)
		if !slices.Equal(got, want) {
			t.Errorf("GELUGrad/%s: dst aliasing dy changes the result", k.name)
		}
		wantSum := k.expSubSum(want, x, 3)
		got = slices.Clone(x)
		if sum := k.expSubSum(got, got, 3); sum != wantSum || !slices.Equal(got, want) {
			t.Errorf("ExpSubSum/%s: dst aliasing x changes the result", k.name)
		}
	}
}

// TestGELUGradScales checks that dy multiplies the derivative as one final rounding.
func TestGELUGradScales(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x := make([]float32, 300)
	dy := make([]float32, len(x))
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
		dy[i] = float32(r.NormFloat64() * 100)
	}
	for _, k := range supported() {
		g := make([]float32, len(x))
		k.geluGrad(g, ones(len(x)), x)
		got := make([]float32, len(x))
		k.geluGrad(got, dy, x)
		for i := range got {
			if want := g[i] * dy[i]; got[i] != want {
				t.Fatalf("%s: GELUGrad(dy=%g, x=%g) = %g, want %g", k.name, dy[i], x[i], got[i], want)
			}
		}
	}
}

func TestShortDestinationPanics(t *testing.T) {
	x := make([]float32, 4)
	short := make([]float32, 3)
	for name, f := range map[string]func(){
		"Exp":          func() { Exp(short, x) },
		"Tanh":         func() { Tanh(short, x) },
		"Erf":          func() { Erf(short, x) },
		"GELU":         func() { GELU(short, x) },
		"GELUGrad/dst": func() { GELUGrad(short, x, x) },
		"GELUGrad/dy":  func() { GELUGrad(x, short, x) },
		"ExpSubSum":    func() { ExpSubSum(short, x, 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a short slice did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestLongerDestination(t *testing.T) {
	dst := []float32{7, 7, 7}
	Exp(dst, []float32{0, 1})
	if dst[0] != 1 || math.Abs(float64(dst[1])-math.E) > ulp32(math.E) || dst[2] != 7 {
		t.Errorf("Exp([0 1]) into 3 elements = %v, want [1 e 7]", dst)
	}
}

func TestChoose(t *testing.T) {
	ks := supported()
	if ks[len(ks)-1] != genericKernel {
		t.Fatalf("generic kernel missing from %v", ks)
	}
	for _, k := range ks {
		if got := choose(ks, k.name); got != k {
			t.Errorf("choose(%q) = %q", k.name, got.name)
		}
	}
	if got := choose(ks, "sse9"); got != ks[0] {
		t.Errorf("choose of an unknown name = %q, want the fastest %q", got.name, ks[0].name)
	}
	if name := Kernel(); !slices.ContainsFunc(ks, func(k *kernel) bool { return k.name == name }) {
		t.Errorf("Kernel() = %q, not a supported kernel", name)
	}
}

func FuzzKernels(f *testing.F) {
	f.Add(float32(0), float32(1), float32(-1), float32(0.5))
	f.Add(float32(-0.7518), float32(88.72), float32(-103.97), float32(1e-39))
	f.Add(float32(math.Inf(1)), float32(math.NaN()), float32(-13.2), float32(3.9))
	f.Fuzz(func(t *testing.T, a, b, c, d float32) {
		x := []float32{a, b, c, d, -a, -b, -c, -d, a * 0.5, b * 2, c + 1, d - 1, a * b, c * d, a + d, b - c, a}
		for _, o := range ops {
			want := make([]float32, len(x))
			o.run(genericKernel, want, x)
			for i, v := range x {
				if e := o.errULP(float64(v), want[i]); !(e <= o.maxULP) {
					t.Errorf("%s(%g) = %g, want %g (%.3g ulp)", o.name, v, want[i], o.ref(float64(v)), e)
				}
			}
			got := make([]float32, len(x))
			for _, k := range supported() {
				o.run(k, got, x)
				ulpDiffs(t, o.name+"/"+k.name, got, want)
			}
		}
	})
}
