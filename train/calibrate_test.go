package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/eval"
	"github.com/vigil-ml/vigil/model"
)

// calibrationSample draws n logits whose labels follow sigmoid(z/temp): a model overconfident by a
// factor temp.
func calibrationSample(n int, temp float64, seed uint64) ([]float64, []bool) {
	r := rand.New(rand.NewPCG(seed, 1))
	z, y := make([]float64, n), make([]bool, n)
	for i := range z {
		z[i] = r.NormFloat64() * 4
		y[i] = r.Float64() < sigmoid(z[i]/temp)
	}
	return z, y
}

func TestFitTemperature(t *testing.T) {
	tests := []struct {
		name string
		temp float64
	}{
		{"overconfident", 2.5},
		{"calibrated", 1},
		{"underconfident", 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, y := calibrationSample(20000, tc.temp, 3)
			got, err := FitTemperature(z, y)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.temp)/tc.temp > 0.1 {
				t.Errorf("fitted T = %.3f, want about %g", got, tc.temp)
			}
			// The fit is a minimum of the held-out loss.
			best := meanBCE(z, y, got)
			for _, f := range []float64{0.9, 1.1} {
				if l := meanBCE(z, y, got*f); l < best {
					t.Errorf("T = %.3f has loss %.6f below the fitted T's %.6f", got*f, l, best)
				}
			}
		})
	}
	// Perfectly separated data would drive T to 0; it stops at the bound.
	if got, _ := FitTemperature([]float64{-1, -2, 3, 1}, []bool{false, false, true, true}); got != minTemp {
		t.Errorf("separable data: T = %g, want %g", got, minTemp)
	}
	if _, err := FitTemperature([]float64{math.NaN()}, []bool{true}); err == nil {
		t.Error("NaN logit: no error")
	}
	if _, err := FitTemperature(nil, nil); err == nil {
		t.Error("no logits: no error")
	}
}

// TestCalibrateFolds checks that the folded model computes sigmoid(logit/T) and that the thresholds
// are those the eval package chooses on the calibrated probabilities.
func TestCalibrateFolds(t *testing.T) {
	tok := testTokenizer(t)
	cfg, _ := model.Preset("tiny", tok.VocabSize())
	m, err := model.New(cfg.WithLabels([]string{"threat", "drugs"}), model.SequenceClassification, 7)
	if err != nil {
		t.Fatal(err)
	}
	// Make the head's logits large enough for the temperatures to matter.
	for i := range m.Classifier.Out.Weight.Data {
		m.Classifier.Out.Weight.Data[i] *= 40
	}
	m.Classifier.Out.Bias.Data[0], m.Classifier.Out.Bias.Data[1] = 0.3, -0.2
	l := testLabelled(200)
	set := NewClassSet(tok, l, 16)
	batches := set.Batches(32)
	before, err := Logits(m, batches)
	if err != nil {
		t.Fatal(err)
	}
	weight, bias := slices.Clone(m.Classifier.Out.Weight.Data), slices.Clone(m.Classifier.Out.Bias.Data)
	for _, recall := range []float64{0, 0.8} {
		copy(m.Classifier.Out.Weight.Data, weight)
		copy(m.Classifier.Out.Bias.Data, bias)
		c := m
		cal, err := Calibrate(c, before, l.Labels, recall)
		if err != nil {
			t.Fatal(err)
		}
		after, err := Logits(c, batches)
		if err != nil {
			t.Fatal(err)
		}
		for j, name := range []string{"threat", "drugs"} {
			temp := cal.Temperatures[j]
			if temp == 1 || c.Config.Temperatures[name] != temp || c.Config.Thresholds[name] != cal.Thresholds[j] {
				t.Errorf("%s: temperature %g, config %v %v", name, temp, c.Config.Temperatures, c.Config.Thresholds)
			}
			if !(cal.LossAfter[j] <= cal.LossBefore[j]) {
				t.Errorf("%s: calibration raised the loss %g → %g", name, cal.LossBefore[j], cal.LossAfter[j])
			}
			probs, ys := make([]float64, len(after)), make([]bool, len(after))
			for i := range after {
				want := sigmoid(before[i][j] / temp)
				if got := sigmoid(after[i][j]); math.Abs(got-want) > 1e-5 {
					t.Fatalf("%s text %d: folded model gives %g, sigmoid(logit/T) is %g", name, i, got, want)
				}
				probs[i], ys[i] = float64(float32(sigmoid(before[i][j]/temp))), l.Labels[i][j]
			}
			var want float64
			if recall > 0 {
				want, err = eval.ThresholdForRecall(probs, ys, recall)
				if got := eval.At(probs, ys, cal.Thresholds[j]).Recall(); got < recall || cal.Recall[j] != got {
					t.Errorf("%s: recall %g at the threshold, want >= %g (reported %g)", name, got, recall, cal.Recall[j])
				}
			} else {
				var f1 float64
				want, f1, err = eval.BestF1Threshold(probs, ys)
				if math.Abs(cal.F1[j]-f1) > 1e-12 {
					t.Errorf("%s: F1 %g, want %g", name, cal.F1[j], f1)
				}
			}
			if err != nil || cal.Thresholds[j] != want {
				t.Errorf("%s (recall %g): threshold %g, want %g (%v)", name, recall, cal.Thresholds[j], want, err)
			}
		}
	}
	if err := FoldTemperatures(m, []float64{1, 0}); err == nil {
		t.Error("temperature 0: no error")
	}
	if err := FoldTemperatures(m, []float64{1}); err == nil {
		t.Error("one temperature for two labels: no error")
	}
}

func TestScoreHeads(t *testing.T) {
	logits := [][]float64{{2, -1}, {1, 0.5}, {-1, 0}, {-2, 1}}
	labels := [][]bool{{true, false}, {true, true}, {false, false}, {false, true}}
	heads, err := ScoreHeads(logits, labels)
	if err != nil {
		t.Fatal(err)
	}
	if heads[0].PRAUC != 1 || heads[0].ROCAUC != 1 {
		t.Errorf("separated label: %+v", heads[0])
	}
	if heads[1].ROCAUC != 1 || heads[1].Loss <= 0 {
		t.Errorf("second label: %+v", heads[1])
	}
	labels[0][0], labels[1][0] = false, false
	if _, err := ScoreHeads(logits, labels); err == nil {
		t.Error("a label without positives: no error")
	}
}
