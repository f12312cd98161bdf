package train

import (
	"errors"
	"fmt"
	"math"

	"github.com/vigil-ml/vigil/eval"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tensor"
)

// Logits runs the classifier m over every batch, without dropout or gradients, and returns its logits
// [text][label] in batch order.
func Logits(m *model.Model, batches []ClassBatch) ([][]float64, error) {
	t := tensor.NewTape()
	t.SetGrad(false)
	var out [][]float64
	for _, b := range batches {
		t.Reset()
		logits, err := m.ClassLogits(t, b.input(), nil)
		if err != nil {
			return nil, err
		}
		labels := logits.Dim(-1)
		for i := range b.Size {
			row := make([]float64, labels)
			for j := range row {
				row[j] = float64(logits.Data[i*labels+j])
			}
			out = append(out, row)
		}
	}
	t.Reset()
	return out, nil
}

// HeadScores holds one label's ranking quality on held-out data.
type HeadScores struct {
	PRAUC, ROCAUC float64
	Loss          float64 // mean binary cross-entropy, unweighted
}

// ScoreHeads measures each label's PR-AUC, ROC-AUC and mean binary cross-entropy of logits
// [text][label] against labels [text][label]. Each label needs positive and negative examples.
func ScoreHeads(logits [][]float64, labels [][]bool) ([]HeadScores, error) {
	if len(logits) == 0 || len(logits) != len(labels) {
		return nil, fmt.Errorf("%d logit rows for %d label rows", len(logits), len(labels))
	}
	out := make([]HeadScores, len(logits[0]))
	scores, ys := make([]float64, len(logits)), make([]bool, len(logits))
	for j := range out {
		for i := range logits {
			scores[i], ys[i] = logits[i][j], labels[i][j]
		}
		var err error
		if out[j].PRAUC, err = eval.PRAUC(scores, ys); err != nil {
			return nil, fmt.Errorf("label %d: %w", j, err)
		}
		if out[j].ROCAUC, err = eval.ROCAUC(scores, ys); err != nil {
			return nil, fmt.Errorf("label %d: %w", j, err)
		}
		out[j].Loss = meanBCE(scores, ys, 1)
	}
	return out, nil
}

// SelectByPRAUC returns a Trainer.Select that scores the classifier m on dev by its mean PR-AUC over
// the labels, the measure that matters when positives are rare and people review the top of the
// ranking. Its metrics are pr_auc, roc_auc and loss (means over the labels) and, per label named in
// names, NAME/pr_auc, NAME/roc_auc and NAME/loss.
func SelectByPRAUC(m *model.Model, dev *ClassSet, batchSize int, names []string) func() (float64, map[string]float64, error) {
	batches := dev.Batches(batchSize)
	labels := make([][]bool, dev.Len())
	for i, row := range dev.targets {
		labels[i] = make([]bool, len(row))
		for j, y := range row {
			labels[i][j] = y == 1
		}
	}
	return func() (float64, map[string]float64, error) {
		logits, err := Logits(m, batches)
		if err != nil {
			return 0, nil, err
		}
		heads, err := ScoreHeads(logits, labels)
		if err != nil {
			return 0, nil, err
		}
		metrics := make(map[string]float64, 3+3*len(heads))
		n := float64(len(heads))
		for j, h := range heads {
			metrics[names[j]+"/pr_auc"], metrics[names[j]+"/roc_auc"], metrics[names[j]+"/loss"] = h.PRAUC, h.ROCAUC, h.Loss
			metrics["pr_auc"] += h.PRAUC / n
			metrics["roc_auc"] += h.ROCAUC / n
			metrics["loss"] += h.Loss / n
		}
		return metrics["pr_auc"], metrics, nil
	}
}

// meanBCE is the mean binary cross-entropy of sigmoid(z/temp) against y, computed stably.
func meanBCE(z []float64, y []bool, temp float64) float64 {
	var sum float64
	for i, x := range z {
		x /= temp
		// -log σ(x) = softplus(-x); -log(1-σ(x)) = softplus(x)
		if y[i] {
			x = -x
		}
		sum += math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
	}
	return sum / float64(len(z))
}

// Temperature bounds: a fitted temperature is clamped to [minTemp, maxTemp], which keeps perfectly
// separated held-out data (whose optimum lies at T → 0) from producing infinite logits.
const (
	minTemp = 0.01
	maxTemp = 100.0
)

// FitTemperature returns the temperature T in [0.01, 100] minimising the mean binary cross-entropy of
// sigmoid(z/T) against y (temperature scaling, Guo et al. 2017). The loss is convex in a = 1/T, so
// the minimum is where its derivative Σ (σ(a·zᵢ) − yᵢ)·zᵢ crosses zero, found by bisection.
func FitTemperature(z []float64, y []bool) (float64, error) {
	if len(z) == 0 || len(z) != len(y) {
		return 0, fmt.Errorf("temperature: %d logits for %d labels", len(z), len(y))
	}
	for _, x := range z {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, errors.New("temperature: a logit is not finite")
		}
	}
	slope := func(a float64) float64 {
		var d float64
		for i, x := range z {
			p := 1 / (1 + math.Exp(-a*x))
			if y[i] {
				p--
			}
			d += p * x
		}
		return d
	}
	lo, hi := 1/maxTemp, 1/minTemp
	if slope(lo) >= 0 {
		return maxTemp, nil
	}
	if slope(hi) <= 0 {
		return minTemp, nil
	}
	// Bisect in log a: the bracket spans four orders of magnitude.
	for range 100 {
		mid := math.Sqrt(lo * hi)
		if slope(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return 1 / math.Sqrt(lo*hi), nil
}

// FoldTemperatures divides row l of m's classifier weight and its bias l by temps[l], so the model's
// logits become logit/T and every runtime that loads the weights computes calibrated probabilities
// sigmoid(logit/T) without knowing about calibration.
func FoldTemperatures(m *model.Model, temps []float64) error {
	if m.Classifier == nil {
		return fmt.Errorf("temperature: %s has no classifier", m.Arch)
	}
	w, b := m.Classifier.Out.Weight, m.Classifier.Out.Bias
	labels, hidden := w.Shape[0], w.Shape[1]
	if len(temps) != labels {
		return fmt.Errorf("temperature: %d temperatures for %d labels", len(temps), labels)
	}
	for l, temp := range temps {
		if !(temp > 0) || math.IsInf(temp, 0) {
			return fmt.Errorf("temperature: label %d has temperature %g", l, temp)
		}
	}
	for l, temp := range temps {
		row := w.Data[l*hidden : (l+1)*hidden]
		for k := range row {
			row[k] = float32(float64(row[k]) / temp)
		}
		b.Data[l] = float32(float64(b.Data[l]) / temp)
	}
	return nil
}

// Calibration is what Calibrate fitted, per label.
type Calibration struct {
	Temperatures []float64
	Thresholds   []float64
	// LossBefore and LossAfter are the mean held-out binary cross-entropy before and after scaling.
	LossBefore, LossAfter []float64
	// F1, Precision and Recall are measured at each threshold on the held-out data.
	F1, Precision, Recall []float64
}

// Calibrate fits a temperature per label on held-out logits [text][label] and labels, folds the
// temperatures into m's classifier (FoldTemperatures), and picks each label's decision threshold on
// the calibrated probabilities: the one with the best F1 or, when targetRecall > 0, the highest that
// reaches that recall. It records both in m.Config (Temperatures, Thresholds) by label name.
func Calibrate(m *model.Model, logits [][]float64, labels [][]bool, targetRecall float64) (Calibration, error) {
	names := m.Config.Labels()
	if len(logits) == 0 || len(logits) != len(labels) {
		return Calibration{}, fmt.Errorf("calibrate: %d logit rows for %d label rows", len(logits), len(labels))
	}
	n := len(names)
	c := Calibration{
		Temperatures: make([]float64, n), Thresholds: make([]float64, n), LossBefore: make([]float64, n),
		LossAfter: make([]float64, n), F1: make([]float64, n), Precision: make([]float64, n), Recall: make([]float64, n),
	}
	z, y, probs := make([]float64, len(logits)), make([]bool, len(logits)), make([]float64, len(logits))
	for j, name := range names {
		for i := range logits {
			z[i], y[i] = logits[i][j], labels[i][j]
		}
		temp, err := FitTemperature(z, y)
		if err != nil {
			return c, fmt.Errorf("calibrate %s: %w", name, err)
		}
		c.Temperatures[j] = temp
		c.LossBefore[j], c.LossAfter[j] = meanBCE(z, y, 1), meanBCE(z, y, temp)
		for i, x := range z {
			// The probability a float32 model computes from the folded weights.
			probs[i] = float64(float32(1 / (1 + math.Exp(-x/temp))))
		}
		if targetRecall > 0 {
			c.Thresholds[j], err = eval.ThresholdForRecall(probs, y, targetRecall)
		} else {
			c.Thresholds[j], _, err = eval.BestF1Threshold(probs, y)
		}
		if err != nil {
			return c, fmt.Errorf("calibrate %s: threshold: %w", name, err)
		}
		conf := eval.At(probs, y, c.Thresholds[j])
		c.F1[j], c.Precision[j], c.Recall[j] = conf.F1(), conf.Precision(), conf.Recall()
	}
	if err := FoldTemperatures(m, c.Temperatures); err != nil {
		return c, err
	}
	m.Config.Temperatures = make(map[string]float64, n)
	m.Config.Thresholds = make(map[string]float64, n)
	for j, name := range names {
		m.Config.Temperatures[name] = c.Temperatures[j]
		m.Config.Thresholds[name] = c.Thresholds[j]
	}
	return c, nil
}
