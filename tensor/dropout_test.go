package tensor

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/tensor/internal/golden"
)

// dropoutMask64 returns the multipliers Dropout applies to n elements with
// probability p when its stream key comes from a fresh NewRNG(seed).
func dropoutMask64(n int, p float32, seed uint64) []float64 {
	m := newDropMask(int(NewRNG(seed).Uint64()), p)
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(m.at(i))
	}
	return out
}

func TestDropoutAgainstReference(t *testing.T) {
	const p, seed = 0.4, 3
	shape := []int{3, 17}
	m := dropoutMask64(3*17, p, seed)
	checkAgainstRef(t, refCase{
		name:   "Dropout",
		shapes: [][]int{shape},
		ref: func(in [][]float64) []float64 {
			y := make([]float64, len(m))
			for i, x := range in[0] {
				y[i] = x * m[i]
			}
			return y
		},
		refGrad: func(in [][]float64, dy []float64) [][]float64 {
			dx := make([]float64, len(m))
			for i, g := range dy {
				dx[i] = g * m[i]
			}
			return [][]float64{dx}
		},
		run: func(tp *Tape, in []*Tensor) *Tensor { return tp.Dropout(in[0], p, NewRNG(seed)) },
	})
}

// TestDropoutStatistics checks the kept fraction and the inverted scaling
// on a tensor large enough to be split across goroutines.
func TestDropoutStatistics(t *testing.T) {
	const n = 1 << 16
	for _, p := range []float32{0.1, 0.5, 0.9} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			x := randParam(NewRNG(1), 1, n)
			y := NewTape().Dropout(x, p, NewRNG(2))
			scale := 1 / (1 - p)
			kept := 0
			for i, v := range y.Data {
				switch v {
				case 0:
				case x.Data[i] * scale:
					kept++
				default:
					t.Fatalf("element %d: %g is neither 0 nor %g/(1-p)", i, v, x.Data[i])
				}
			}
			want, sigma := float64(1-p), math.Sqrt(float64(p*(1-p))/n)
			if got := float64(kept) / n; math.Abs(got-want) > 5*sigma {
				t.Errorf("kept fraction %.4f, want %.4f ± %.4f", got, want, 5*sigma)
			}
		})
	}
}

// TestDropoutReproducible checks that the mask depends only on the seed and
// the order of calls: not on the goroutine split, and not repeated between
// calls.
func TestDropoutReproducible(t *testing.T) {
	const n = 1 << 15
	x := randParam(NewRNG(1), 1, n)
	run := func(seed uint64) (first, second []float32) {
		tp, r := NewTape(), NewRNG(seed)
		return slices.Clone(tp.Dropout(x, 0.5, r).Data), slices.Clone(tp.Dropout(x, 0.5, r).Data)
	}
	a1, a2 := run(7)
	prev := runtime.GOMAXPROCS(1)
	b1, b2 := run(7)
	runtime.GOMAXPROCS(prev)
	if !slices.Equal(a1, b1) || !slices.Equal(a2, b2) {
		t.Error("same seed, different masks (one goroutine against several)")
	}
	if slices.Equal(a1, a2) {
		t.Error("two calls with one generator gave the same mask")
	}
	if c1, _ := run(8); slices.Equal(a1, c1) {
		t.Error("different seeds gave the same mask")
	}
}

func TestDropoutIdentity(t *testing.T) {
	x := randParam(NewRNG(1), 1, 10)
	tp := NewTape()
	if y := tp.Dropout(x, 0, nil); y != x {
		t.Error("p = 0 did not return the input")
	}
	tp.SetGrad(false)
	if y := tp.Dropout(x, 0.5, NewRNG(1)); y != x {
		t.Error("dropout with gradients disabled did not return the input")
	}
}

func TestDropoutRejectsProbability(t *testing.T) {
	for _, p := range []float32{-0.1, 1, float32(math.NaN())} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("p = %g did not panic", p)
				}
			}()
			NewTape().Dropout(New(4), p, NewRNG(1))
		})
	}
}

// TestDropoutGolden compares with torch.nn.functional.dropout applied to
// ones with upstream gradient ones, where output and input gradient are both
// the mask times the scale. The masks come from different generators, so the
// test compares the scale, the kept fraction and that the backward pass
// reuses the forward mask.
func TestDropoutGolden(t *testing.T) {
	for _, c := range loadFixture(t, "dropout") {
		t.Run(c.Name, func(t *testing.T) {
			p := float32(c.scalar(t, "p"))
			want, _ := c.want(t, "y")
			x := NewParam("x", len(want))
			x.Fill(1)
			tp := NewTape()
			y := tp.Dropout(x, p, NewRNG(1))
			tp.BackwardWith(y, slices.Repeat([]float32{1}, len(want)))
			if torchDx, _ := c.want(t, "dx"); !slices.Equal(torchDx, want) {
				t.Fatal("fixture: torch's input gradient differs from its output")
			}
			if !slices.Equal(x.Grad, y.Data) {
				t.Error("input gradient differs from the forward mask times the scale")
			}
			torchKept, torchScale := 0, 0.0
			for _, v := range want {
				if v != 0 {
					torchKept++
					torchScale = v
				}
			}
			kept := 0
			for _, v := range y.Data {
				if v != 0 {
					kept++
					if e := math.Abs(float64(v)-torchScale) / torchScale; !(e < golden.Tol) {
						t.Fatalf("kept value %g, torch's %g", v, torchScale)
					}
				}
			}
			n := float64(len(want))
			sigma := math.Sqrt(2 * float64(p*(1-p)) / n) // of the difference of two fractions
			if d := math.Abs(float64(kept-torchKept)) / n; d > 5*sigma {
				t.Errorf("kept %d of %g, torch kept %d", kept, n, torchKept)
			}
		})
	}
}

func ExampleTape_Dropout() {
	x := New(8)
	x.Fill(1)
	tp := NewTape()
	a := tp.Dropout(x, 0.5, NewRNG(42))
	b := tp.Dropout(x, 0.5, NewRNG(42))
	fmt.Println(slices.Equal(a.Data, b.Data), slices.Max(a.Data))
	tp.SetGrad(false)
	fmt.Println(tp.Dropout(x, 0.5, NewRNG(42)) == x)
	// Output:
	// true 2
	// true
}

func BenchmarkDropout(b *testing.B) {
	const n = 1 << 20
	x := randParam(NewRNG(1), 1, n)
	dy := randFloats(NewRNG(2), n)
	r := NewRNG(3)
	tp := NewTape()
	b.SetBytes(4 * n)
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		tp.BackwardWith(tp.Dropout(x, 0.1, r), dy)
	}
}

// The mask element by element, as vmath.DropoutMask computes it in bulk.

// bits returns the 64 random bits of pair j: SplitMix64, a Weyl sequence
// passed through a 64-bit finaliser.
func (m dropMask) bits(j int) uint64 {
	z := m.key + uint64(j)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// factor returns the multiplier for an element whose 32 random bits are u.
func (m dropMask) factor(u uint32) float32 {
	if u < m.threshold {
		return 0
	}
	return m.scale
}

// at returns element i's multiplier: 0 or 1/(1-p).
func (m dropMask) at(i int) float32 {
	return m.factor(uint32(m.bits(i>>1) >> (32 * (1 - i&1))))
}
