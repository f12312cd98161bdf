package ngram

import (
	"fmt"
	"math"
)

// Logistic is a binary logistic regression over sparse feature rows: p = σ(w·x + b).
type Logistic struct {
	W []float64
	B float64
}

// FitLogistic fits a logistic regression on rows of dim features, minimising
// ½‖w‖² + c · Σ weight(yᵢ) · log-loss(i) with the classes weighed as balanced (n / (2 · class size)),
// so a rare class counts as much as a common one, and the bias unpenalised: scikit-learn's
// LogisticRegression(C=c, class_weight="balanced"). The objective is strictly convex; L-BFGS runs
// until the gradient's largest component is below 1e-9 of c · n, the scale of the loss term, or a
// step changes the objective by rounding error only.
func FitLogistic(rows []Row, y []bool, dim int, c float64) (*Logistic, error) {
	if len(rows) != len(y) {
		return nil, fmt.Errorf("logistic regression: %d rows and %d labels", len(rows), len(y))
	}
	if !(c > 0) {
		return nil, fmt.Errorf("logistic regression: C %g must be positive", c)
	}
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	if pos == 0 || pos == len(y) {
		return nil, fmt.Errorf("logistic regression: %d positive and %d negative examples; it needs both", pos, len(y)-pos)
	}
	n := float64(len(y))
	weight := [2]float64{c * n / (2 * (n - float64(pos))), c * n / (2 * float64(pos))}
	margin := make([]float64, len(rows))
	objective := func(grad, x []float64) float64 {
		w, b := x[:dim], x[dim]
		f := 0.0
		for _, v := range w {
			f += v * v
		}
		f /= 2
		if grad != nil {
			copy(grad[:dim], w)
			grad[dim] = 0
		}
		for i, r := range rows {
			z := b
			for k, j := range r.Index {
				z += w[j] * r.Value[k]
			}
			s, t := weight[0], 0.0
			if y[i] {
				s, t = weight[1], 1
			}
			// log(1 + e^z) − t·z, computed without overflow
			f += s * (math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) - t*z)
			margin[i] = s * (sigmoid(z) - t)
		}
		if grad != nil {
			for i, r := range rows {
				for k, j := range r.Index {
					grad[j] += margin[i] * r.Value[k]
				}
				grad[dim] += margin[i]
			}
		}
		return f
	}
	x, err := lbfgs(objective, make([]float64, dim+1), 1e-9*c*n)
	if err != nil {
		return nil, fmt.Errorf("logistic regression: %w", err)
	}
	return &Logistic{W: x[:dim], B: x[dim]}, nil
}

// Prob is the model's probability for one row.
func (m *Logistic) Prob(r Row) float64 {
	z := m.B
	for k, j := range r.Index {
		z += m.W[j] * r.Value[k]
	}
	return sigmoid(z)
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
