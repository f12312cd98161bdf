package eval

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The fixtures in testdata/sklearn are written by tools/sklearnref/metrics.py with scikit-learn; a
// metric that is undefined for a case holds the string "error".

type sklearnCase struct {
	Name             string          `json:"name"`
	Scores           []float64       `json:"scores"`
	Labels           []bool          `json:"labels"`
	ROCAUC           json.RawMessage `json:"roc_auc"`
	PRAUC            json.RawMessage `json:"pr_auc"`
	BestF1           json.RawMessage `json:"best_f1"`
	RecallThresholds json.RawMessage `json:"recall_thresholds"`
	Confusions       []struct {
		Threshold             float64 `json:"threshold"`
		TP, FP, TN, FN        int
		Precision, Recall, F1 float64
	} `json:"confusions"`
	Calibration *struct {
		Counts       []int     `json:"counts"`
		MeanScore    []float64 `json:"mean_score"`
		PositiveRate []float64 `json:"positive_rate"`
		ECE          float64   `json:"ece"`
	} `json:"calibration"`
}

func loadSklearn(t *testing.T) []sklearnCase {
	t.Helper()
	files, err := filepath.Glob("testdata/sklearn/*.json")
	if err != nil || len(files) != 3 {
		t.Fatalf("fixtures: %v %v (regenerate with tools/sklearnref/metrics.py)", files, err)
	}
	var all []sklearnCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var fx struct{ Cases []sklearnCase }
		if err := json.Unmarshal(b, &fx); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, fx.Cases...)
	}
	return all
}

// expect decodes a fixture value into v and reports false when the fixture expects an error.
func expect(t *testing.T, raw json.RawMessage, v any) bool {
	t.Helper()
	if string(raw) == `"error"` {
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("fixture value %s: %v", raw, err)
	}
	return true
}

func TestAUCMatchSklearn(t *testing.T) {
	for _, c := range loadSklearn(t) {
		t.Run(c.Name, func(t *testing.T) {
			for _, m := range []struct {
				name string
				f    func([]float64, []bool) (float64, error)
				want json.RawMessage
			}{{"ROCAUC", ROCAUC, c.ROCAUC}, {"PRAUC", PRAUC, c.PRAUC}} {
				got, err := m.f(c.Scores, c.Labels)
				var want float64
				if !expect(t, m.want, &want) {
					if err == nil {
						t.Errorf("%s = %v, want an error", m.name, got)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", m.name, err)
				} else if math.Abs(got-want) >= 1e-12 {
					t.Errorf("%s = %.17g, sklearn %.17g (diff %g)", m.name, got, want, got-want)
				}
			}
		})
	}
}

func TestThresholdsMatchSklearn(t *testing.T) {
	for _, c := range loadSklearn(t) {
		t.Run(c.Name, func(t *testing.T) {
			thr, f1, err := BestF1Threshold(c.Scores, c.Labels)
			var best struct{ Threshold, F1 float64 }
			if !expect(t, c.BestF1, &best) {
				if err == nil {
					t.Errorf("BestF1Threshold = %v, %v, want an error", thr, f1)
				}
			} else if err != nil {
				t.Errorf("BestF1Threshold: %v", err)
			} else if thr != best.Threshold || math.Abs(f1-best.F1) > 1e-12 {
				t.Errorf("BestF1Threshold = %v, %v; sklearn %v, %v", thr, f1, best.Threshold, best.F1)
			}

			var recalls []struct{ Recall, Threshold float64 }
			if !expect(t, c.RecallThresholds, &recalls) {
				if got, err := ThresholdForRecall(c.Scores, c.Labels, 0.9); err == nil {
					t.Errorf("ThresholdForRecall = %v, want an error", got)
				}
				return
			}
			for _, r := range recalls {
				got, err := ThresholdForRecall(c.Scores, c.Labels, r.Recall)
				if err != nil || got != r.Threshold {
					t.Errorf("ThresholdForRecall(%v) = %v, %v; sklearn %v", r.Recall, got, err, r.Threshold)
				}
			}
		})
	}
}

func TestConfusionMatchesSklearn(t *testing.T) {
	for _, c := range loadSklearn(t) {
		for _, w := range c.Confusions {
			got := At(c.Scores, c.Labels, w.Threshold)
			if got != (Confusion{TP: w.TP, FP: w.FP, TN: w.TN, FN: w.FN}) {
				t.Errorf("%s: At(%v) = %+v, sklearn %+v", c.Name, w.Threshold, got, w)
			}
			for _, m := range []struct {
				name      string
				got, want float64
			}{{"precision", got.Precision(), w.Precision}, {"recall", got.Recall(), w.Recall}, {"F1", got.F1(), w.F1}} {
				if math.Abs(m.got-m.want) > 1e-12 {
					t.Errorf("%s: %s at %v = %v, sklearn %v", c.Name, m.name, w.Threshold, m.got, m.want)
				}
			}
		}
	}
}

func TestReliabilityMatchesSklearn(t *testing.T) {
	checked := 0
	for _, c := range loadSklearn(t) {
		if c.Calibration == nil {
			continue
		}
		checked++
		bins, ece := reliability(c.Scores, c.Labels)
		var k int
		for b, bin := range bins {
			if bin.Count != c.Calibration.Counts[b] {
				t.Errorf("%s: bin %d holds %d, sklearn %d", c.Name, b, bin.Count, c.Calibration.Counts[b])
				continue
			}
			if bin.Count == 0 {
				if bin.MeanScore != nil || bin.PositiveRate != nil {
					t.Errorf("%s: empty bin %d has values", c.Name, b)
				}
				continue
			}
			if math.Abs(*bin.MeanScore-c.Calibration.MeanScore[k]) > 1e-12 || math.Abs(*bin.PositiveRate-c.Calibration.PositiveRate[k]) > 1e-12 {
				t.Errorf("%s: bin %d = %v, %v; sklearn %v, %v", c.Name, b, *bin.MeanScore, *bin.PositiveRate, c.Calibration.MeanScore[k], c.Calibration.PositiveRate[k])
			}
			k++
		}
		if math.Abs(ece-c.Calibration.ECE) > 1e-12 {
			t.Errorf("%s: ECE = %v, sklearn-derived %v", c.Name, ece, c.Calibration.ECE)
		}
	}
	if checked < 5 {
		t.Fatalf("only %d cases have calibration values", checked)
	}
}

func TestMetricErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		scores []float64
		labels []bool
		want   error
	}{
		{"empty", nil, nil, ErrEmpty},
		{"length mismatch", []float64{0.1, 0.2}, []bool{true}, nil},
		{"NaN score", []float64{0.1, nan}, []bool{true, false}, ErrNaN},
	}
	for _, tt := range tests {
		calls := map[string]error{}
		_, calls["ROCAUC"] = ROCAUC(tt.scores, tt.labels)
		_, calls["PRAUC"] = PRAUC(tt.scores, tt.labels)
		_, _, calls["BestF1Threshold"] = BestF1Threshold(tt.scores, tt.labels)
		_, calls["ThresholdForRecall"] = ThresholdForRecall(tt.scores, tt.labels, 0.9)
		for name, err := range calls {
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("%s: %s error = %v, want %v", tt.name, name, err, tt.want)
			}
		}
	}
	if _, err := ROCAUC([]float64{0.1, 0.2}, []bool{true, true}); !errors.Is(err, ErrOneClass) {
		t.Errorf("ROCAUC one class: %v", err)
	}
	if _, err := PRAUC([]float64{0.1, 0.2}, []bool{false, false}); !errors.Is(err, ErrNoPositive) {
		t.Errorf("PRAUC no positive: %v", err)
	}
	for _, r := range []float64{0, -0.1, 1.01, nan} {
		if _, err := ThresholdForRecall([]float64{0.1, 0.2}, []bool{true, false}, r); err == nil {
			t.Errorf("ThresholdForRecall(recall %v) succeeded", r)
		}
	}
}

func TestConfusionRatiosWithoutDenominator(t *testing.T) {
	c := At([]float64{0.1, 0.2}, []bool{false, false}, 0.5)
	if c != (Confusion{TN: 2}) || c.Precision() != 0 || c.Recall() != 0 || c.F1() != 0 || c.Flagged() != 0 || c.N() != 2 {
		t.Errorf("At = %+v, precision %v recall %v F1 %v", c, c.Precision(), c.Recall(), c.F1())
	}
	if c := At([]float64{math.NaN()}, []bool{true}, 0); c != (Confusion{FN: 1}) {
		t.Errorf("NaN score: %+v, want a miss", c)
	}
}
