// Package eval measures how well a classifier ranks messages for human review: ROC-AUC, PR-AUC
// (average precision), thresholds for a target recall or the best F1, confusion counts, calibration,
// bootstrap intervals, a keyword baseline, the report people read and the regression gate CI runs.
//
// Every metric matches scikit-learn's definition, so numbers compare with other tools: ROCAUC is
// roc_auc_score (tied scores count half), PRAUC is average_precision_score (the step-wise sum, not the
// trapezoid). A metric that is undefined for its input returns an error, never NaN.
package eval

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Errors the metrics return, wrapped with context; test with errors.Is.
var (
	// ErrEmpty reports no examples.
	ErrEmpty = errors.New("no examples")
	// ErrOneClass reports input in which every example has the same label, where the metric needs both.
	ErrOneClass = errors.New("only one class present")
	// ErrNoPositive reports input without a positive example, where the metric needs one.
	ErrNoPositive = errors.New("no positive example")
	// ErrNaN reports a NaN score.
	ErrNaN = errors.New("score is NaN")
)

// check reports empty input, a length mismatch or a NaN score.
func check(scores []float64, labels []bool) error {
	if len(scores) != len(labels) {
		return fmt.Errorf("eval: %d scores but %d labels", len(scores), len(labels))
	}
	if len(scores) == 0 {
		return fmt.Errorf("eval: %w", ErrEmpty)
	}
	for i, s := range scores {
		if math.IsNaN(s) {
			return fmt.Errorf("eval: example %d: %w", i, ErrNaN)
		}
	}
	return nil
}

// point is one distinct threshold of a ranking with the positives and negatives scoring at or above it.
type point struct {
	threshold float64
	tp, fp    int
}

// ranking is a sample sorted by descending score, so that every threshold's counts are a prefix sum.
type ranking struct {
	scores []float64
	labels []bool
}

// rank sorts a copy of the sample by descending score.
func rank(scores []float64, labels []bool) ranking {
	type example struct {
		score float64
		label bool
	}
	ex := make([]example, len(scores))
	for i, s := range scores {
		ex[i] = example{s, labels[i]}
	}
	slices.SortFunc(ex, func(a, b example) int { return cmp.Compare(b.score, a.score) })
	r := ranking{scores: make([]float64, len(ex)), labels: make([]bool, len(ex))}
	for i, e := range ex {
		r.scores[i], r.labels[i] = e.score, e.label
	}
	return r
}

// points appends to dst one point per distinct score, highest first, and returns it with the totals.
// weight, when not nil, counts example i weight[i] times (a bootstrap resample); nil counts each once.
func (r ranking) points(dst []point, weight []int) (pts []point, pos, neg int) {
	pts = dst[:0]
	for i, s := range r.scores {
		w := 1
		if weight != nil {
			w = weight[i]
		}
		if r.labels[i] {
			pos += w
		} else {
			neg += w
		}
		if i+1 < len(r.scores) && r.scores[i+1] == s {
			continue
		}
		if n := len(pts); n > 0 && pts[n-1].tp == pos && pts[n-1].fp == neg {
			pts[n-1].threshold = s // nothing sampled since the last point
			continue
		}
		pts = append(pts, point{threshold: s, tp: pos, fp: neg})
	}
	return pts, pos, neg
}

// rocArea is the area under the ROC curve through pts: the trapezoid rule, which counts a tied
// positive-negative pair as half, computed exactly in integers as twice the Mann-Whitney U.
func rocArea(pts []point, pos, neg int) float64 {
	var twiceU, tp, fp int64
	for _, p := range pts {
		twiceU += int64(p.fp-int(fp)) * (int64(p.tp) + tp)
		tp, fp = int64(p.tp), int64(p.fp)
	}
	return float64(twiceU) / (2 * float64(pos) * float64(neg))
}

// averagePrecision is Σ (Rₖ − Rₖ₋₁) Pₖ over the thresholds pts, as scikit-learn computes it.
func averagePrecision(pts []point, pos int) float64 {
	ap, tp := 0.0, 0
	for _, p := range pts {
		if p.tp != tp {
			ap += float64(p.tp-tp) / float64(pos) * float64(p.tp) / float64(p.tp+p.fp)
			tp = p.tp
		}
	}
	return ap
}

// ROCAUC is the area under the ROC curve: the probability that a random positive scores above a random
// negative, ties counting half (scikit-learn's roc_auc_score). It needs both classes.
func ROCAUC(scores []float64, labels []bool) (float64, error) {
	if err := check(scores, labels); err != nil {
		return 0, err
	}
	pts, pos, neg := rank(scores, labels).points(nil, nil)
	if pos == 0 || neg == 0 {
		return 0, fmt.Errorf("eval: ROC-AUC: %w", ErrOneClass)
	}
	return rocArea(pts, pos, neg), nil
}

// PRAUC is the area under the precision-recall curve as average precision, Σ (Rₖ − Rₖ₋₁) Pₖ over the
// distinct thresholds (scikit-learn's average_precision_score). It needs a positive example.
func PRAUC(scores []float64, labels []bool) (float64, error) {
	if err := check(scores, labels); err != nil {
		return 0, err
	}
	pts, pos, _ := rank(scores, labels).points(nil, nil)
	if pos == 0 {
		return 0, fmt.Errorf("eval: PR-AUC: %w", ErrNoPositive)
	}
	return averagePrecision(pts, pos), nil
}

// BestF1Threshold returns the threshold, among the scores, at which predicting positive for
// score >= threshold gives the highest F1, and that F1. Of equally good thresholds it returns the
// highest, which flags the fewest messages. It needs a positive example.
func BestF1Threshold(scores []float64, labels []bool) (threshold, f1 float64, err error) {
	if err := check(scores, labels); err != nil {
		return 0, 0, err
	}
	pts, pos, _ := rank(scores, labels).points(nil, nil)
	if pos == 0 {
		return 0, 0, fmt.Errorf("eval: best F1: %w", ErrNoPositive)
	}
	f1 = -1
	for _, p := range pts {
		if f := (Confusion{TP: p.tp, FP: p.fp, FN: pos - p.tp}).F1(); f > f1 {
			threshold, f1 = p.threshold, f
		}
	}
	return threshold, f1, nil
}

// ThresholdForRecall returns the highest threshold at which predicting positive for score >= threshold
// finds at least the share recall of the positives, 0 < recall <= 1. A recall within 1e-9 of a reachable
// value counts as reached, so 0.9 of 10 positives needs 9. It needs a positive example.
func ThresholdForRecall(scores []float64, labels []bool, recall float64) (threshold float64, err error) {
	if !(recall > 0 && recall <= 1) {
		return 0, fmt.Errorf("eval: target recall %g outside (0, 1]", recall)
	}
	if err := check(scores, labels); err != nil {
		return 0, err
	}
	pts, pos, _ := rank(scores, labels).points(nil, nil)
	if pos == 0 {
		return 0, fmt.Errorf("eval: threshold for recall: %w", ErrNoPositive)
	}
	need := int(math.Ceil(recall*float64(pos) - 1e-9))
	i := slices.IndexFunc(pts, func(p point) bool { return p.tp >= need })
	return pts[i].threshold, nil
}

// Confusion counts the outcomes of predicting positive for score >= threshold.
type Confusion struct {
	TP int `json:"tp"`
	FP int `json:"fp"`
	TN int `json:"tn"`
	FN int `json:"fn"`
}

// At counts the outcomes of predicting positive for score >= threshold; a NaN score is predicted
// negative. scores and labels must have the same length.
func At(scores []float64, labels []bool, threshold float64) Confusion {
	var c Confusion
	for i, s := range scores {
		switch flagged := s >= threshold; {
		case flagged && labels[i]:
			c.TP++
		case flagged:
			c.FP++
		case labels[i]:
			c.FN++
		default:
			c.TN++
		}
	}
	return c
}

// Precision is TP / (TP + FP): the share of flagged messages that are positive; 0 when none is flagged.
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP / (TP + FN): the share of positives flagged; 0 when there is no positive.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall, 2TP / (2TP + FP + FN); 0 when TP is 0.
func (c Confusion) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

// Flagged is TP + FP: the messages a reviewer reads at this threshold.
func (c Confusion) Flagged() int { return c.TP + c.FP }

// N is the number of examples counted.
func (c Confusion) N() int { return c.TP + c.FP + c.TN + c.FN }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
