package tensor

import (
	"fmt"
	"math"
	"testing"
)

// layerNormStats64 returns the mean and 1/√(var+eps) of each n-wide row.
func layerNormStats64(x []float64, n int, eps float64) (mean, rstd []float64) {
	rows := len(x) / n
	mean, rstd = make([]float64, rows), make([]float64, rows)
	for r := range rows {
		row := x[r*n : (r+1)*n]
		for _, v := range row {
			mean[r] += v
		}
		mean[r] /= float64(n)
		var ss float64
		for _, v := range row {
			ss += (v - mean[r]) * (v - mean[r])
		}
		rstd[r] = 1 / math.Sqrt(ss/float64(n)+eps)
	}
	return mean, rstd
}

// layerNormRef64 is torch.nn.LayerNorm over the last dimension, in float64.
func layerNormRef64(x, gamma, beta []float64, eps float64) []float64 {
	n := len(gamma)
	mean, rstd := layerNormStats64(x, n, eps)
	y := make([]float64, len(x))
	for i, v := range x {
		r, j := i/n, i%n
		y[i] = (v-mean[r])*rstd[r]*gamma[j] + beta[j]
	}
	return y
}

// layerNormRefGrad64 returns the gradients of Σ dy·layerNormRef64 for x,
// gamma and beta.
func layerNormRefGrad64(x, gamma, dy []float64, eps float64) (dx, dgamma, dbeta []float64) {
	n := len(gamma)
	mean, rstd := layerNormStats64(x, n, eps)
	dx, dgamma, dbeta = make([]float64, len(x)), make([]float64, n), make([]float64, n)
	for r := range mean {
		var sg, sgx float64 // Σ dy·gamma and Σ dy·gamma·x̂ over the row
		for j := range n {
			i := r*n + j
			xhat := (x[i] - mean[r]) * rstd[r]
			dgamma[j] += dy[i] * xhat
			dbeta[j] += dy[i]
			sg += dy[i] * gamma[j]
			sgx += dy[i] * gamma[j] * xhat
		}
		for j := range n {
			i := r*n + j
			xhat := (x[i] - mean[r]) * rstd[r]
			dx[i] = rstd[r] * (dy[i]*gamma[j] - sg/float64(n) - xhat*sgx/float64(n))
		}
	}
	return dx, dgamma, dbeta
}

func TestLayerNormAgainstReference(t *testing.T) {
	for _, tc := range []struct {
		x   []int
		eps float32
	}{
		{[]int{3, 7}, 1e-5},
		{[]int{2, 4, 16}, 1e-12},
		{[]int{1, 1}, 1e-5}, // a single feature normalises to beta
	} {
		n := tc.x[len(tc.x)-1]
		t.Run(fmt.Sprint(tc.x), func(t *testing.T) {
			checkAgainstRef(t, refCase{
				name:   "LayerNorm",
				shapes: [][]int{tc.x, {n}, {n}},
				ref: func(in [][]float64) []float64 {
					return layerNormRef64(in[0], in[1], in[2], float64(tc.eps))
				},
				refGrad: func(in [][]float64, dy []float64) [][]float64 {
					dx, dg, db := layerNormRefGrad64(in[0], in[1], dy, float64(tc.eps))
					return [][]float64{dx, dg, db}
				},
				run: func(tp *Tape, in []*Tensor) *Tensor { return tp.LayerNorm(in[0], in[1], in[2], tc.eps) },
			})
		})
	}
}

// TestLayerNormParallelSplit normalises enough rows to be split across
// goroutines and compares with the float64 reference.
func TestLayerNormParallelSplit(t *testing.T) {
	const rows, n, eps = 512, 96, 1e-5
	r := NewRNG(3)
	x, gamma, beta := randParam(r, 2, rows, n), randParam(r, 1, n), randParam(r, 1, n)
	tp := NewTape()
	y := tp.LayerNorm(x, gamma, beta, eps)
	dy := randFloats(r, y.Size())
	tp.BackwardWith(y, dy)
	x64, g64, dy64 := to64(x.Data), to64(gamma.Data), to64(dy)
	dx, dg, db := layerNormRefGrad64(x64, g64, dy64, eps)
	for _, c := range []struct {
		name string
		got  []float32
		want []float64
	}{
		{"y", y.Data, layerNormRef64(x64, g64, to64(beta.Data), eps)},
		{"dx", x.Grad, dx},
		{"dgamma", gamma.Grad, dg},
		{"dbeta", beta.Grad, db},
	} {
		if e := normErr(c.got, c.want); !(e < refTol) {
			t.Errorf("%s relative error %.3g, want < %g", c.name, e, refTol)
		}
	}
}

func TestLayerNormGolden(t *testing.T) {
	for _, c := range loadFixture(t, "layer_norm") {
		t.Run(c.Name, func(t *testing.T) {
			x, gamma, beta := c.param(t, "x"), c.param(t, "gamma"), c.param(t, "beta")
			tp := NewTape()
			y := tp.LayerNorm(x, gamma, beta, float32(c.scalar(t, "eps")))
			c.check(t, "y", y.Data, y.Shape)
			tp.BackwardWith(y, c.floats(t, "dy"))
			c.check(t, "dx", x.Grad, x.Shape)
			c.check(t, "dgamma", gamma.Grad, gamma.Shape)
			c.check(t, "dbeta", beta.Grad, beta.Shape)
		})
	}
}

func ExampleTape_LayerNorm() {
	tp := NewTape()
	x, _ := FromData([]float32{1, 2, 3, 4, 10, 10, 10, 10}, 2, 4)
	gamma, beta := New(4), New(4)
	gamma.Fill(1)
	y := tp.LayerNorm(x, gamma, beta, 1e-5)
	fmt.Printf("%.3f\n", y.Data)
	// Output: [-1.342 -0.447 0.447 1.342 0.000 0.000 0.000 0.000]
}

func BenchmarkLayerNorm(b *testing.B) {
	const rows, n = 1024, 256
	r := NewRNG(1)
	x, gamma, beta := randParam(r, 1, rows, n), randParam(r, 1, n), randParam(r, 1, n)
	dy := randFloats(r, rows*n)
	tp := NewTape()
	b.SetBytes(4 * rows * n)
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		tp.BackwardWith(tp.LayerNorm(x, gamma, beta, 1e-12), dy)
	}
}
