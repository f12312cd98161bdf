package tensor

import (
	"fmt"
	"math"
	"testing"
)

// geluRef64 is the exact GELU, 0.5·x·(1+erf(x/√2)).
func geluRef64(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

// geluGradRef64 is GELU'(x) = Φ(x) + x·φ(x).
func geluGradRef64(x float64) float64 {
	return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
}

// tanhGradRef64 is tanh'(x) = 1 - tanh²(x).
func tanhGradRef64(x float64) float64 { y := math.Tanh(x); return 1 - y*y }

// activations lists the elementwise operations with their float64
// references, derivatives and fixture names.
var activations = []struct {
	name, fixture string
	f, df         func(float64) float64
	run           func(t *Tape, x *Tensor) *Tensor
}{
	{"GELU", "gelu", geluRef64, geluGradRef64, (*Tape).GELU},
	{"Tanh", "tanh", math.Tanh, tanhGradRef64, (*Tape).Tanh},
}

func TestActivationsAgainstReference(t *testing.T) {
	for _, a := range activations {
		for _, shape := range [][]int{{7}, {3, 5, 11}} {
			t.Run(fmt.Sprintf("%s%v", a.name, shape), func(t *testing.T) {
				checkAgainstRef(t, refCase{
					name:   a.name,
					shapes: [][]int{shape},
					ref: func(in [][]float64) []float64 {
						y := make([]float64, len(in[0]))
						for i, x := range in[0] {
							y[i] = a.f(x)
						}
						return y
					},
					refGrad: func(in [][]float64, dy []float64) [][]float64 {
						dx := make([]float64, len(in[0]))
						for i, x := range in[0] {
							dx[i] = dy[i] * a.df(x)
						}
						return [][]float64{dx}
					},
					run: func(tp *Tape, in []*Tensor) *Tensor { return a.run(tp, in[0]) },
				})
			})
		}
	}
}

// TestActivationsParallelSplit checks that a tensor large enough to be split
// across goroutines gets the same values as element-by-element evaluation.
func TestActivationsParallelSplit(t *testing.T) {
	r := NewRNG(11)
	for _, a := range activations {
		t.Run(a.name, func(t *testing.T) {
			x := randParam(r, 3, 64, 1024)
			tp := NewTape()
			y := a.run(tp, x)
			dy := randFloats(r, y.Size())
			tp.BackwardWith(y, dy)
			want, wantGrad := make([]float64, y.Size()), make([]float64, y.Size())
			for i, v := range x.Data {
				want[i] = a.f(float64(v))
				wantGrad[i] = float64(dy[i]) * a.df(float64(v))
			}
			if e := normErr(y.Data, want); !(e < refTol) {
				t.Errorf("forward relative error %.3g", e)
			}
			if e := normErr(x.Grad, wantGrad); !(e < refTol) {
				t.Errorf("gradient relative error %.3g", e)
			}
		})
	}
}

func TestActivationsGolden(t *testing.T) {
	for _, a := range activations {
		for _, c := range loadFixture(t, a.fixture) {
			t.Run(a.name+"/"+c.Name, func(t *testing.T) {
				x := c.param(t, "x")
				tp := NewTape()
				y := a.run(tp, x)
				c.check(t, "y", y.Data, y.Shape)
				tp.BackwardWith(y, c.floats(t, "dy"))
				c.check(t, "dx", x.Grad, x.Shape)
			})
		}
	}
}

func ExampleTape_GELU() {
	tp := NewTape()
	x, _ := FromData([]float32{-1, 0, 1, 3}, 4)
	fmt.Printf("%.4f\n", tp.GELU(x).Data)
	// Output: [-0.1587 0.0000 0.8413 2.9960]
}

func BenchmarkGELU(b *testing.B) {
	for _, n := range []int{1 << 12, 1 << 20} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := randParam(NewRNG(1), 2, n)
			dy := randFloats(NewRNG(2), n)
			tp := NewTape()
			b.SetBytes(int64(4 * n))
			b.ReportAllocs()
			for b.Loop() {
				tp.Reset()
				x.ZeroGrad()
				tp.BackwardWith(tp.GELU(x), dy)
			}
		})
	}
}
