package main

import (
	"log"
	"math"

	"gonum.org/v1/gonum/mat"
)

// poly describes a polynomial approximation p(v) = Σ c[k]·v^k of f on [lo, hi] whose weighted error
// w(v)·(f(v) - p(v)) is to be made as small as possible in the maximum norm.
type poly struct {
	name   string
	doc    string // what the polynomial approximates, for the generated comment
	lo, hi float64
	deg    int
	fixed  map[int]float64 // coefficients held at exact values
	f, w   func(v float64) float64
}

// fitNodes is the number of Chebyshev nodes the error is sampled on.
const fitNodes = 3000

// fit returns float32 coefficients c[0..deg] and the maximum weighted error they reach in float64.
//
// Coefficients are rounded to float32 one at a time from the constant term up; after each
// rounding the remaining ones are refitted, so later terms absorb earlier rounding errors.
// Each fit approaches the minimax polynomial by Lawson's iteratively reweighted least squares.
func (p poly) fit() ([]float32, float64) {
	v := make([]float64, fitNodes)
	for i := range v {
		c := math.Cos(math.Pi * (float64(i) + 0.5) / fitNodes)
		v[i] = p.lo + (p.hi-p.lo)*(c+1)/2
	}
	known := make(map[int]float64, p.deg+1)
	for k, c := range p.fixed {
		known[k] = c
	}
	for k := 0; k <= p.deg; k++ {
		if _, ok := known[k]; ok {
			continue
		}
		c := p.lawson(v, known)
		known[k] = float64(float32(c[k]))
	}
	out := make([]float32, p.deg+1)
	all := make([]float64, p.deg+1)
	for k := range out {
		out[k] = float32(known[k])
		all[k] = known[k]
	}
	var worst float64
	for _, x := range v {
		worst = max(worst, math.Abs(p.w(x)*(p.f(x)-horner(all, x))))
	}
	return out, worst
}

// lawson fits the coefficients not in known and returns all deg+1 of them.
func (p poly) lawson(v []float64, known map[int]float64) []float64 {
	var free []int
	for k := 0; k <= p.deg; k++ {
		if _, ok := known[k]; !ok {
			free = append(free, k)
		}
	}
	u := make([]float64, len(v))
	for i := range u {
		u[i] = 1
	}
	a := mat.NewDense(len(v), len(free), nil)
	b := mat.NewVecDense(len(v), nil)
	c := make([]float64, p.deg+1)
	for iter := 0; iter < 60; iter++ {
		for i, x := range v {
			s := math.Sqrt(u[i]) * p.w(x)
			r := p.f(x)
			for k, ck := range known {
				r -= ck * math.Pow(x, float64(k))
			}
			b.SetVec(i, s*r)
			for j, k := range free {
				a.Set(i, j, s*math.Pow(x, float64(k)))
			}
		}
		var qr mat.QR
		qr.Factorize(a)
		var sol mat.VecDense
		if err := qr.SolveVecTo(&sol, false, b); err != nil {
			log.Fatalf("gen: fitting %s: %v", p.name, err)
		}
		for k, ck := range known {
			c[k] = ck
		}
		for j, k := range free {
			c[k] = sol.AtVec(j)
		}
		var sum float64
		for i, x := range v {
			u[i] *= math.Abs(p.w(x) * (p.f(x) - horner(c, x)))
			sum += u[i]
		}
		if sum == 0 {
			break
		}
		for i := range u {
			u[i] /= sum
		}
	}
	return c
}

func horner(c []float64, x float64) float64 {
	var s float64
	for k := len(c) - 1; k >= 0; k-- {
		s = s*x + c[k]
	}
	return s
}
