package tensor

import (
	"fmt"
	"testing"
)

// repeatGrad sums dy over repeats of a block of size n.
func repeatGrad(dy []float64, n int) []float64 {
	g := make([]float64, n)
	for i, v := range dy {
		g[i%n] += v
	}
	return g
}

func TestElementwiseAgainstReference(t *testing.T) {
	add := func(a, b []int) refCase {
		return refCase{
			name:   fmt.Sprintf("Add %v+%v", a, b),
			shapes: [][]int{a, b},
			ref: func(in [][]float64) []float64 {
				out := make([]float64, len(in[0]))
				for i, v := range in[0] {
					out[i] = v + in[1][i%len(in[1])]
				}
				return out
			},
			refGrad: func(in [][]float64, dy []float64) [][]float64 {
				return [][]float64{append([]float64(nil), dy...), repeatGrad(dy, len(in[1]))}
			},
			run: func(tp *Tape, in []*Tensor) *Tensor { return tp.Add(in[0], in[1]) },
		}
	}
	reduce := func(name string, scale func(n int) float64, run func(*Tape, *Tensor) *Tensor) refCase {
		return refCase{
			name:   name,
			shapes: [][]int{{3, 4, 5}},
			ref: func(in [][]float64) []float64 {
				s := 0.0
				for _, v := range in[0] {
					s += v
				}
				return []float64{s * scale(len(in[0]))}
			},
			refGrad: func(in [][]float64, dy []float64) [][]float64 {
				g := make([]float64, len(in[0]))
				for i := range g {
					g[i] = dy[0] * scale(len(in[0]))
				}
				return [][]float64{g}
			},
			run: func(tp *Tape, in []*Tensor) *Tensor { return run(tp, in[0]) },
		}
	}
	cases := []refCase{
		add([]int{4, 6}, []int{4, 6}),
		add([]int{2, 3, 5}, []int{5}),
		add([]int{2, 3, 5}, []int{3, 5}),
		{
			name:   "Scale",
			shapes: [][]int{{3, 7}},
			ref: func(in [][]float64) []float64 {
				out := make([]float64, len(in[0]))
				for i, v := range in[0] {
					out[i] = float64(float32(-0.3)) * v
				}
				return out
			},
			refGrad: func(in [][]float64, dy []float64) [][]float64 {
				g := make([]float64, len(dy))
				for i, v := range dy {
					g[i] = float64(float32(-0.3)) * v
				}
				return [][]float64{g}
			},
			run: func(tp *Tape, in []*Tensor) *Tensor { return tp.Scale(in[0], -0.3) },
		},
		{
			name:   "Reshape",
			shapes: [][]int{{2, 6}},
			ref:    func(in [][]float64) []float64 { return append([]float64(nil), in[0]...) },
			refGrad: func(in [][]float64, dy []float64) [][]float64 {
				return [][]float64{append([]float64(nil), dy...)}
			},
			run: func(tp *Tape, in []*Tensor) *Tensor { return tp.Reshape(in[0], 3, 4) },
		},
		reduce("Sum", func(int) float64 { return 1 }, (*Tape).Sum),
		reduce("Mean", func(n int) float64 { return float64(float32(1 / float32(n))) }, (*Tape).Mean),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkAgainstRef(t, c) })
	}
}

func TestAddRejectsNonSuffixShape(t *testing.T) {
	for _, b := range [][]int{{3}, {2, 4}, {1, 2, 3, 4}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Add of %v to [2 3 4] did not panic", b)
				}
			}()
			NewTape().Add(New(2, 3, 4), New(b...))
		}()
	}
}

func TestReshapeSharesData(t *testing.T) {
	tp := NewTape()
	x := NewParam("x", 2, 3)
	y := tp.Reshape(x, 6)
	x.Data[4] = 9
	if y.Data[4] != 9 || fmt.Sprint(y.Shape) != "[6]" {
		t.Errorf("Reshape: shape %v, data %v; want a [6] view of x", y.Shape, y.Data)
	}
}

// TestAddParallel covers sizes large enough to split across goroutines,
// where chunk boundaries fall inside the repeated row.
func TestAddParallel(t *testing.T) {
	r := NewRNG(3)
	for _, rows := range []int{20000, 30001} {
		n := 7 * rows
		a, b, row := randParam(r, 1, rows, 7), randParam(r, 1, rows, 7), randParam(r, 1, 7)
		tp := NewTape()
		ab, arow := tp.Add(a, b), tp.Add(a, row)
		for i := range n {
			if ab.Data[i] != a.Data[i]+b.Data[i] {
				t.Fatalf("n=%d: Add[%d] = %v, want %v", n, i, ab.Data[i], a.Data[i]+b.Data[i])
			}
			if w := a.Data[i] + row.Data[i%7]; arow.Data[i] != w {
				t.Fatalf("n=%d: broadcast Add[%d] = %v, want %v", n, i, arow.Data[i], w)
			}
		}
		dy := randFloats(r, n)
		tp.BackwardWith(ab, dy)
		for i, g := range a.Grad {
			if g != dy[i] || b.Grad[i] != dy[i] {
				t.Fatalf("n=%d: gradients [%d] = %v, %v, want %v", n, i, g, b.Grad[i], dy[i])
			}
		}
	}
}
