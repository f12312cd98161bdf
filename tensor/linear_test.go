package tensor

import (
	"fmt"
	"testing"
)

// linearRef is x·Wᵀ + b over rows of x, in float64; b may be nil.
func linearRef(x, w, b []float64, in, out int) []float64 {
	rows := len(x) / in
	y := make([]float64, rows*out)
	for r := range rows {
		for o := range out {
			s := 0.0
			if b != nil {
				s = b[o]
			}
			for i := range in {
				s += x[r*in+i] * w[o*in+i]
			}
			y[r*out+o] = s
		}
	}
	return y
}

// linearRefGrad returns dx, dw and db (nil without bias) for linearRef.
func linearRefGrad(x, w []float64, bias bool, dy []float64, in, out int) (dx, dw, db []float64) {
	rows := len(x) / in
	dx, dw = make([]float64, len(x)), make([]float64, len(w))
	if bias {
		db = make([]float64, out)
	}
	for r := range rows {
		for o := range out {
			g := dy[r*out+o]
			if bias {
				db[o] += g
			}
			for i := range in {
				dx[r*in+i] += g * w[o*in+i]
				dw[o*in+i] += g * x[r*in+i]
			}
		}
	}
	return dx, dw, db
}

// matmulIndex returns the stored index of element (i, j) of op(M), an r×c
// matrix that is stored c×r when trans.
func matmulIndex(i, j, r, c int, trans bool) int {
	if trans {
		return j*r + i
	}
	return i*c + j
}

// matmulRef computes op(A)·op(B) for batch products of M×K by K×N.
func matmulRef(a, b []float64, batch, m, n, k int, ta, tb bool) []float64 {
	c := make([]float64, batch*m*n)
	for z := range batch {
		az, bz := a[z*m*k:], b[z*k*n:]
		for i := range m {
			for j := range n {
				s := 0.0
				for p := range k {
					s += az[matmulIndex(i, p, m, k, ta)] * bz[matmulIndex(p, j, k, n, tb)]
				}
				c[z*m*n+i*n+j] = s
			}
		}
	}
	return c
}

// matmulRefGrad returns the gradients of Σ dy·(op(A)·op(B)) in A's and B's
// stored layouts.
func matmulRefGrad(a, b, dy []float64, batch, m, n, k int, ta, tb bool) (da, db []float64) {
	da, db = make([]float64, len(a)), make([]float64, len(b))
	for z := range batch {
		az, bz, daz, dbz := a[z*m*k:], b[z*k*n:], da[z*m*k:], db[z*k*n:]
		for i := range m {
			for j := range n {
				g := dy[z*m*n+i*n+j]
				for p := range k {
					ai, bi := matmulIndex(i, p, m, k, ta), matmulIndex(p, j, k, n, tb)
					daz[ai] += g * bz[bi]
					dbz[bi] += g * az[ai]
				}
			}
		}
	}
	return da, db
}

func TestLinearAgainstReference(t *testing.T) {
	for _, tc := range []struct {
		name    string
		x       []int
		in, out int
		bias    bool
	}{
		{"2d", []int{5, 7}, 7, 4, true},
		{"3d", []int{2, 3, 7}, 7, 5, true},
		{"no-bias", []int{6, 3}, 3, 9, false},
		{"wide", []int{3, 40}, 40, 33, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shapes := [][]int{tc.x, {tc.out, tc.in}}
			if tc.bias {
				shapes = append(shapes, []int{tc.out})
			}
			bias := func(in [][]float64) []float64 {
				if tc.bias {
					return in[2]
				}
				return nil
			}
			checkAgainstRef(t, refCase{
				name:   "Linear " + tc.name,
				shapes: shapes,
				ref:    func(in [][]float64) []float64 { return linearRef(in[0], in[1], bias(in), tc.in, tc.out) },
				refGrad: func(in [][]float64, dy []float64) [][]float64 {
					dx, dw, db := linearRefGrad(in[0], in[1], tc.bias, dy, tc.in, tc.out)
					return [][]float64{dx, dw, db}
				},
				run: func(tp *Tape, in []*Tensor) *Tensor {
					var b *Tensor
					if tc.bias {
						b = in[2]
					}
					return tp.Linear(in[0], in[1], b)
				},
			})
		})
	}
}

func TestMatMulAgainstReference(t *testing.T) {
	for _, batched := range []bool{false, true} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				batch, m, n, k := 1, 4, 5, 6
				if batched {
					batch = 3
				}
				sa, sb := []int{m, k}, []int{k, n}
				if ta {
					sa = []int{k, m}
				}
				if tb {
					sb = []int{n, k}
				}
				if batched {
					sa, sb = append([]int{batch}, sa...), append([]int{batch}, sb...)
				}
				name := fmt.Sprintf("MatMul batched=%t transA=%t transB=%t", batched, ta, tb)
				t.Run(name, func(t *testing.T) {
					checkAgainstRef(t, refCase{
						name:   name,
						shapes: [][]int{sa, sb},
						ref:    func(in [][]float64) []float64 { return matmulRef(in[0], in[1], batch, m, n, k, ta, tb) },
						refGrad: func(in [][]float64, dy []float64) [][]float64 {
							da, db := matmulRefGrad(in[0], in[1], dy, batch, m, n, k, ta, tb)
							return [][]float64{da, db}
						},
						run: func(tp *Tape, in []*Tensor) *Tensor { return tp.MatMul(in[0], in[1], ta, tb) },
					})
				})
			}
		}
	}
}

func TestLinearShape(t *testing.T) {
	tp := NewTape()
	y := tp.Linear(New(2, 3, 4), NewParam("w", 5, 4), nil)
	if fmt.Sprint(y.Shape) != "[2 3 5]" {
		t.Errorf("Linear output shape %v, want [2 3 5]", y.Shape)
	}
}

func TestLinearPanicsOnMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Linear with mismatched inner dimension did not panic")
		}
	}()
	NewTape().Linear(New(2, 3), NewParam("w", 4, 5), nil)
}
