package ngram

import (
	"context"
	"fmt"
	"math"

	"github.com/vigil-ml/vigil/data"
)

// Classifier is a fitted multi-label n-gram classifier: one logistic regression per label on shared
// TF-IDF features.
type Classifier struct {
	Features Features
	Heads    []*Logistic
}

// Fit fits the reference features on texts and one logistic regression with penalty c per label
// (labels[i][j]: text i has label j). Every label needs positive and negative texts.
func Fit(ctx context.Context, texts []string, labels [][]bool, c float64) (*Classifier, error) {
	if len(texts) == 0 || len(labels) != len(texts) {
		return nil, fmt.Errorf("ngram: %d texts and %d label rows", len(texts), len(labels))
	}
	f := Features(ReferenceBlocks())
	f.Fit(texts)
	rows := f.Transform(texts)
	m := &Classifier{Features: f}
	y := make([]bool, len(texts))
	for j := range labels[0] {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i, row := range labels {
			y[i] = row[j]
		}
		h, err := FitLogistic(rows, y, f.Len(), c)
		if err != nil {
			return nil, fmt.Errorf("ngram: label %d: %w", j+1, err)
		}
		m.Heads = append(m.Heads, h)
	}
	return m, nil
}

// Scores returns each text's probability per label, [text][label].
func (m *Classifier) Scores(texts []string) [][]float64 {
	out := make([][]float64, len(texts))
	for i, r := range m.Features.Transform(texts) {
		out[i] = make([]float64, len(m.Heads))
		for j, h := range m.Heads {
			out[i][j] = h.Prob(r)
		}
	}
	return out
}

// OutOfFold scores every record of l with a Classifier (penalty c) fitted without the record's fold
// of k stratified folds (data.StratifiedFolds with seed), as a held-out text would be scored, and
// then recalibrates each label's scores to probabilities against l's labels (Platt scaling: the
// balanced class weights of FitLogistic inflate the positives' probabilities). The result, [record]
// [label], is a teacher's view of its own training set, fit for distillation into another model.
// done, when not nil, is called after each fold's model has scored its fold.
func OutOfFold(ctx context.Context, l *data.Labelled, k int, seed uint64, c float64, done func(fold int)) ([][]float64, error) {
	if k < 2 || k > l.Len() {
		return nil, fmt.Errorf("ngram: %d folds of %d records", k, l.Len())
	}
	fold := data.StratifiedFolds(l, k, seed)
	scores := make([][]float64, l.Len())
	for f := range k {
		var fit, held []int
		for i, g := range fold {
			if g == f {
				held = append(held, i)
			} else {
				fit = append(fit, i)
			}
		}
		part, rest := l.Subset(fit), l.Subset(held)
		m, err := Fit(ctx, part.Texts, part.Labels, c)
		if err != nil {
			return nil, fmt.Errorf("fold %d of %d: %w", f+1, k, err)
		}
		for n, s := range m.Scores(rest.Texts) {
			scores[held[n]] = s
		}
		if done != nil {
			done(f)
		}
	}
	y := make([]bool, l.Len())
	z := make([]float64, l.Len())
	for j := range l.LabelNames {
		for i := range scores {
			y[i], z[i] = l.Labels[i][j], logit(scores[i][j])
		}
		a, b, err := platt(z, y)
		if err != nil {
			return nil, fmt.Errorf("ngram: calibrating label %q: %w", l.LabelNames[j], err)
		}
		for i := range scores {
			scores[i][j] = sigmoid(a*z[i] + b)
		}
	}
	return scores, nil
}

// platt fits p = σ(a·z + b) to the labels y by maximum likelihood.
func platt(z []float64, y []bool) (a, b float64, err error) {
	x, err := lbfgs(func(grad, x []float64) float64 {
		f := 0.0
		if grad != nil {
			grad[0], grad[1] = 0, 0
		}
		for i, v := range z {
			u := x[0]*v + x[1]
			t := 0.0
			if y[i] {
				t = 1
			}
			f += math.Max(u, 0) + math.Log1p(math.Exp(-math.Abs(u))) - t*u
			if grad != nil {
				d := sigmoid(u) - t
				grad[0] += d * v
				grad[1] += d
			}
		}
		return f
	}, []float64{1, 0}, 1e-8*float64(len(z)))
	return x[0], x[1], err
}

func logit(p float64) float64 {
	p = min(max(p, 1e-15), 1-1e-15)
	return math.Log(p / (1 - p))
}
