package ngram

import (
	"errors"
	"math"
)

// lbfgs minimises f from x with limited-memory BFGS (ten correction pairs, backtracking line search
// to the Armijo condition) until the gradient's largest component is below tol or a step lowers f by
// no more than rounding error (scipy's L-BFGS-B criterion). f returns the value
// at x and, when grad is not nil, writes the gradient into it. x is updated in place and returned.
func lbfgs(f func(grad, x []float64) float64, x []float64, tol float64) ([]float64, error) {
	const memory, maxIter = 10, 5000
	n := len(x)
	g, gNew, d, xNew := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	var s, y [][]float64
	var rho []float64
	alpha := make([]float64, memory)
	fx := f(g, x)
	for range maxIter {
		if maxAbs(g) < tol {
			return x, nil
		}
		// d = −H·g by the two-loop recursion
		copy(d, g)
		for k := len(s) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(s[k], d)
			axpy(d, -alpha[k], y[k])
		}
		if k := len(s) - 1; k >= 0 {
			scale(d, dot(s[k], y[k])/dot(y[k], y[k]))
		} else {
			scale(d, 1/math.Max(maxAbs(g), 1))
		}
		for k := range s {
			axpy(d, alpha[k]-rho[k]*dot(y[k], d), s[k])
		}
		scale(d, -1)
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from the gradient
			s, y, rho = s[:0], y[:0], rho[:0]
			copy(d, g)
			scale(d, -1/math.Max(maxAbs(g), 1))
			slope = dot(g, d)
		}
		step, fNew := 1.0, 0.0
		for {
			copy(xNew, x)
			axpy(xNew, step, d)
			if fNew = f(gNew, xNew); fNew <= fx+1e-4*step*slope {
				break
			}
			if step *= 0.5; step < 1e-20 {
				return x, errors.New("line search found no decrease")
			}
		}
		sk, yk := make([]float64, n), make([]float64, n)
		for i := range sk {
			sk[i], yk[i] = xNew[i]-x[i], gNew[i]-g[i]
		}
		if sy := dot(sk, yk); sy > 1e-12*dot(yk, yk) {
			if len(s) == memory {
				s, y, rho = s[1:], y[1:], rho[1:]
			}
			s, y, rho = append(s, sk), append(y, yk), append(rho, 1/sy)
		}
		copy(x, xNew)
		copy(g, gNew)
		if fx-fNew <= 64*epsilon*max(math.Abs(fx), math.Abs(fNew), 1) {
			return x, nil
		}
		fx = fNew
	}
	return x, errors.New("no convergence in 5000 iterations")
}

// epsilon is the spacing of float64 numbers near 1.
const epsilon = 0x1p-52

func dot(a, b []float64) float64 {
	v := 0.0
	for i, x := range a {
		v += x * b[i]
	}
	return v
}

// axpy sets dst += a·x.
func axpy(dst []float64, a float64, x []float64) {
	for i, v := range x {
		dst[i] += a * v
	}
}

func scale(x []float64, a float64) {
	for i := range x {
		x[i] *= a
	}
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
