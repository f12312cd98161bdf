package tensor

import (
	"fmt"
	"math"
)

// LayerNorm normalises x over its last dimension to zero mean and unit
// variance, then scales by gamma and shifts by beta, as torch.nn.LayerNorm:
// y = (x-mean)/√(var+eps)·gamma + beta with the biased variance. gamma and
// beta have shape [n], where n is x's last dimension.
func (t *Tape) LayerNorm(x, gamma, beta *Tensor, eps float32) *Tensor {
	if x.Dims() < 1 {
		panic("tensor: LayerNorm: input is a scalar")
	}
	n := x.Dim(-1)
	if gamma.Dims() != 1 || beta.Dims() != 1 || gamma.Shape[0] != n || beta.Shape[0] != n {
		panic(fmt.Sprintf("tensor: LayerNorm: gamma %v and beta %v do not match input %v", gamma.Shape, beta.Shape, x.Shape))
	}
	rows := len(x.Data) / max(n, 1)
	out := t.output(x.Shape...)
	stats := t.arena.rawFloats(2 * rows) // mean, then 1/√(var+eps)
	k := t.kernel()
	k.f[0], k.f[1], k.f[2], k.f[3], k.f[4] = out.Data, x.Data, gamma.Data, beta.Data, stats
	k.i[0], k.s[0] = n, eps
	t.parallel(rows, 4*n, layerNormKernel)
	if o := t.record(backLayerNorm, out, x, gamma, beta); o != nil {
		o.f[0] = stats
		o.i[0] = n
	}
	return out
}

// layerNormKernel normalises rows [lo, hi): f0 = out, f1 = x, f2 = gamma,
// f3 = beta, f4 = stats (the rows' means, then their 1/√(var+eps));
// i0 = n; s0 = eps.
func layerNormKernel(k *kernelArgs, lo, hi int) {
	y, x, gamma, beta, stats := k.f[0], k.f[1], k.f[2], k.f[3], k.f[4]
	n, eps := k.i[0], float64(k.s[0])
	rows := len(stats) / 2
	for r := lo; r < hi; r++ {
		row := x[r*n : (r+1)*n]
		mean, variance := rowMoments(row)
		rstd := 1 / math.Sqrt(variance+eps)
		stats[r], stats[rows+r] = float32(mean), float32(rstd)
		m, s := float32(mean), float32(rstd)
		out := y[r*n : (r+1)*n]
		for j, v := range row {
			out[j] = (v-m)*s*gamma[j] + beta[j]
		}
	}
}

// backLayerNorm: in = (x, gamma, beta); f0 = stats; i0 = n.
func backLayerNorm(t *Tape, o *op) {
	x, gamma, beta := o.in[0], o.in[1], o.in[2]
	n, stats := o.i[0], o.f[0]
	rows := len(stats) / 2
	dy := o.out.Grad
	if dx := t.gradOf(x); dx != nil {
		k := t.kernel()
		k.f[0], k.f[1], k.f[2], k.f[3], k.f[4] = dx, dy, x.Data, gamma.Data, stats
		k.i[0] = n
		t.parallel(rows, 8*n, layerNormGradKernel)
	}
	dgamma, dbeta := t.gradOf(gamma), t.gradOf(beta)
	if dgamma == nil && dbeta == nil {
		return
	}
	k := t.kernel()
	k.f[0], k.f[1], k.f[2], k.f[3], k.f[4] = dgamma, dbeta, dy, x.Data, stats
	t.parallel(n, 4*rows, layerNormParamGradKernel)
}

// layerNormGradKernel accumulates the input gradient of rows [lo, hi):
// f0 = dx, f1 = dy, f2 = x, f3 = gamma, f4 = stats; i0 = n. With
// x̂ = (x-mean)·rstd and g = dy·gamma,
// dx = rstd·(g - mean(g) - x̂·mean(g·x̂)).
func layerNormGradKernel(k *kernelArgs, lo, hi int) {
	dx, dy, x, gamma, stats := k.f[0], k.f[1], k.f[2], k.f[3], k.f[4]
	n := k.i[0]
	rows := len(stats) / 2
	for r := lo; r < hi; r++ {
		mean, rstd := stats[r], stats[rows+r]
		xr, gr, dr := x[r*n:(r+1)*n], dy[r*n:(r+1)*n], dx[r*n:(r+1)*n]
		sg, sgx := gradSums(gr, gamma, xr, mean)
		sg /= float32(n)
		sgx *= rstd / float32(n)
		for j, v := range xr {
			dr[j] += rstd * (gr[j]*gamma[j] - sg - (v-mean)*rstd*sgx)
		}
	}
}

// layerNormParamGradKernel accumulates the gradients of features [lo, hi),
// summing over rows in order: f0 = dgamma (or nil), f1 = dbeta (or nil),
// f2 = dy, f3 = x, f4 = stats.
func layerNormParamGradKernel(k *kernelArgs, lo, hi int) {
	dgamma, dbeta, dy, x, stats := k.f[0], k.f[1], k.f[2], k.f[3], k.f[4]
	rows := len(stats) / 2
	n := len(dy) / max(rows, 1)
	for r := range rows {
		mean, rstd := stats[r], stats[rows+r]
		gr, xr := dy[r*n+lo:r*n+hi], x[r*n+lo:r*n+hi]
		if dgamma != nil {
			dg := dgamma[lo:hi]
			for j, g := range gr {
				dg[j] += g * (xr[j] - mean) * rstd
			}
		}
		if dbeta != nil {
			db := dbeta[lo:hi]
			for j, g := range gr {
				db[j] += g
			}
		}
	}
}

// rowMoments returns the mean and the biased variance of row, accumulated in
// float64 over two passes. Four partial sums per pass keep the additions
// from waiting on each other.
func rowMoments(row []float32) (mean, variance float64) {
	mean = sum64(row) / float64(len(row))
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(row); j += 4 {
		d0, d1 := float64(row[j])-mean, float64(row[j+1])-mean
		d2, d3 := float64(row[j+2])-mean, float64(row[j+3])-mean
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; j < len(row); j++ {
		d := float64(row[j]) - mean
		s0 += d * d
	}
	return mean, (s0 + s1 + s2 + s3) / float64(len(row))
}

// gradSums returns Σ dy·gamma and Σ dy·gamma·(x-mean) over one row, with
// two partial sums each.
func gradSums(dy, gamma, x []float32, mean float32) (sg, sgx float32) {
	var a0, a1, b0, b1 float32
	j := 0
	for ; j+2 <= len(x); j += 2 {
		g0, g1 := dy[j]*gamma[j], dy[j+1]*gamma[j+1]
		a0 += g0
		a1 += g1
		b0 += g0 * (x[j] - mean)
		b1 += g1 * (x[j+1] - mean)
	}
	if j < len(x) {
		g := dy[j] * gamma[j]
		a0 += g
		b0 += g * (x[j] - mean)
	}
	return a0 + a1, b0 + b1
}
