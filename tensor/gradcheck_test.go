package tensor

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/tensor/internal/golden"
)

// fdTol is the largest relative error accepted between an analytic float64
// gradient and central finite differences with step fdStep: the truncation
// error is O(h²)·f”' ≈ 1e-10 and the rounding error O(ε/h) ≈ 1e-11 for
// well-scaled test functions, leaving ample room under 1e-6.
const (
	fdTol  = 1e-6
	fdStep = 1e-5
)

// numericGrad returns the central-difference gradient of f at x, perturbing
// x in place and restoring it.
func numericGrad(f func() float64, x []float64) []float64 {
	g := make([]float64, len(x))
	for i := range x {
		orig := x[i]
		x[i] = orig + fdStep
		up := f()
		x[i] = orig - fdStep
		down := f()
		x[i] = orig
		g[i] = (up - down) / (2 * fdStep)
	}
	return g
}

// checkGrad64 asserts that the analytic gradient of f with respect to x
// matches central finite differences within fdTol (relative, see golden.RelErr).
func checkGrad64(t *testing.T, what string, f func() float64, x, analytic []float64) {
	t.Helper()
	if e := golden.RelErr(analytic, numericGrad(f, x)); !(e < fdTol) {
		t.Errorf("%s: analytic vs finite-difference gradient relative error %.3g, want < %g", what, e, fdTol)
	}
}

// dot64 returns Σ a_i·b_i, the scalar whose gradient with respect to a is b:
// reference tests use it to turn an output and a fixed upstream gradient into
// a loss.
func dot64(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// to64 widens a float32 slice.
func to64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// randParam returns a parameter filled from N(0, std²) by a seeded RNG.
func randParam(r *RNG, std float32, shape ...int) *Tensor {
	p := NewParam("p", shape...)
	p.FillNormal(r, 0, std)
	return p
}

// randFloats returns n draws from N(0, 1).
func randFloats(r *RNG, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.Normal())
	}
	return out
}

func TestNumericGradMatchesKnownDerivative(t *testing.T) {
	x := []float64{0.3, -1.2, 2}
	f := func() float64 { return math.Sin(x[0]) * x[1] * x[2] * x[2] }
	want := []float64{
		math.Cos(x[0]) * x[1] * x[2] * x[2],
		math.Sin(x[0]) * x[2] * x[2],
		2 * math.Sin(x[0]) * x[1] * x[2],
	}
	checkGrad64(t, "sin·x·z²", f, x, want)
	wrong := []float64{want[0], want[1], want[2] * 1.001}
	if e := golden.RelErr(wrong, numericGrad(f, x)); e < fdTol {
		t.Errorf("a 0.1%% gradient error went undetected (relative error %.3g)", e)
	}
}

// refTol bounds the normwise relative error (see normErr) between a float32
// operation and its float64 reference on O(1) inputs. Each element is a sum
// of at most K ≈ 50 float32 terms, whose rounding error is about √K·ε₃₂·max|term|
// ≈ 5e-7·max|term| (at worst K·ε₃₂ ≈ 3e-6), so 1e-5 leaves a margin while a
// single wrong term, of order max|term|, shows as 1e-2 or more.
const refTol = 1e-5

// refCase describes an operation for checkAgainstRef: a float64 reference
// forward and hand-derived backward over inputs of the given shapes, and the
// float32 operation under test.
type refCase struct {
	name   string
	shapes [][]int
	// ref returns the output for inputs in.
	ref func(in [][]float64) []float64
	// refGrad returns the gradient of Σ out·dy with respect to each input.
	refGrad func(in [][]float64, dy []float64) [][]float64
	// run applies the float32 operation to parameters holding the inputs.
	run func(t *Tape, in []*Tensor) *Tensor
	// noGrad lists inputs that are not differentiated.
	noGrad []int
}

// checkAgainstRef verifies c's reference gradient by finite differences and
// then the float32 operation's output and input gradients against the
// reference, for seeded random inputs and upstream gradient.
func checkAgainstRef(t *testing.T, c refCase) {
	t.Helper()
	r := NewRNG(7)
	in64 := make([][]float64, len(c.shapes))
	params := make([]*Tensor, len(c.shapes))
	for i, s := range c.shapes {
		params[i] = randParam(r, 1, s...)
		in64[i] = to64(params[i].Data)
	}
	out := c.ref(in64)
	dy := to64(randFloats(r, len(out)))
	for i := range dy {
		dy[i] = float64(float32(dy[i]))
	}
	grads := c.refGrad(in64, dy)
	for i := range in64 {
		if slices.Contains(c.noGrad, i) {
			continue
		}
		checkGrad64(t, fmt.Sprintf("%s reference d/dinput%d", c.name, i),
			func() float64 { return dot64(c.ref(in64), dy) }, in64[i], grads[i])
	}

	tp := NewTape()
	got := c.run(tp, params)
	if e := normErr(got.Data, out); !(e < refTol) {
		t.Errorf("%s: forward relative error %.3g, want < %g", c.name, e, refTol)
	}
	dy32 := make([]float32, len(dy))
	for i, v := range dy {
		dy32[i] = float32(v)
	}
	tp.BackwardWith(got, dy32)
	for i, p := range params {
		if slices.Contains(c.noGrad, i) {
			continue
		}
		if e := normErr(p.Grad, grads[i]); !(e < refTol) {
			t.Errorf("%s: gradient of input %d relative error %.3g, want < %g", c.name, i, e, refTol)
		}
	}
}

// normErr returns max_i |got_i − want_i| / max_i |want_i| (+Inf on a length
// mismatch or NaN, and the absolute error when want is all zero).
func normErr(got []float32, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	scale, worst := 0.0, 0.0
	for i, w := range want {
		scale = max(scale, math.Abs(w))
		d := math.Abs(float64(got[i]) - w)
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = max(worst, d)
	}
	if scale == 0 {
		return worst
	}
	return worst / scale
}

func to32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}
