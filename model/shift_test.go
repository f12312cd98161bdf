package model

import (
	"math"
	"testing"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/vmath"
)

// TestInputShift checks the adversarial change of the inputs in both encoder layouts: at rest it
// changes nothing; aimed, each sequence's change has length Epsilon and raises the loss by
// Epsilon·|g_i| summed over sequences to first order, g_i being sequence i's gradient; after Rest
// the loss is the clean one again.
func TestInputShift(t *testing.T) {
	const eps = 1e-3
	for _, tc := range []struct {
		name string
		arch Architecture
		loss func(m *Model, tape *tensor.Tape, b *Batch) *tensor.Tensor
	}{
		{"packed classifier", SequenceClassification, func(m *Model, tape *tensor.Tape, b *Batch) *tensor.Tensor {
			sum, _, err := m.Loss(tape, b, nil)
			if err != nil {
				t.Fatal(err)
			}
			return sum
		}},
		{"padded MLM logits", MaskedLM, func(m *Model, tape *tensor.Tape, b *Batch) *tensor.Tensor {
			logits, err := m.MLMLogits(tape, b, nil)
			if err != nil {
				t.Fatal(err)
			}
			sum, _ := tape.CrossEntropySum(tape.Reshape(logits, b.Batch*b.Seq, m.Config.VocabSize), b.Labels, IgnoreLabel)
			return sum
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(30)
			if tc.arch == SequenceClassification {
				cfg = cfg.WithLabels([]string{"threat", "drugs"})
			}
			m := newModel(t, cfg, tc.arch, 4)
			b := toyBatch(tensor.NewRNG(1), 30, 3, 8)
			if tc.arch == SequenceClassification {
				b.Labels, b.Targets = nil, []float32{1, 0, 0, 1, 1, 1}
			}
			tape := tensor.NewTape()
			value := func() float64 {
				tape.Reset()
				return float64(tc.loss(m, tape, b).Data[0])
			}
			clean := value()

			m.Shift = &InputShift{Epsilon: eps}
			if got := value(); got != clean {
				t.Fatalf("loss at rest %g, without a shift %g", got, clean)
			}
			// lengths returns the length of each sequence's rows of x, laid out as the lookup.
			lengths := func(x []float32) []float64 {
				s, h := m.Shift.starts, m.Config.HiddenSize
				out := make([]float64, len(s)-1)
				for i := range out {
					out[i] = math.Sqrt(vmath.SumSquares(x[int(s[i])*h : int(s[i+1])*h]))
				}
				return out
			}
			tape.Backward(tc.loss(m, tape, b))
			rise := 0.0
			for _, g := range lengths(m.Shift.seen.Grad) {
				rise += eps * g
			}
			if !m.Shift.Aim() {
				t.Fatal("Aim found no change")
			}
			for i, n := range lengths(m.Shift.delta) {
				if math.Abs(n-eps) > 1e-6*eps {
					t.Errorf("sequence %d moved %g, want %g", i, n, eps)
				}
			}
			got := value() - clean
			if math.Abs(got-rise) > 0.05*rise {
				t.Errorf("aimed loss rises %g, want %g to first order", got, rise)
			}
			m.Shift.Rest()
			if got := value(); got != clean {
				t.Errorf("loss after Rest %g, clean %g", got, clean)
			}
		})
	}
}

// TestInputShiftVanished checks that Aim reports no change when there is nothing to aim by.
func TestInputShiftVanished(t *testing.T) {
	m := newModel(t, testConfig(30), MaskedLM, 4)
	for _, s := range []*InputShift{{Epsilon: 1}, {Epsilon: 0}} {
		m.Shift = s
		b := toyBatch(tensor.NewRNG(1), 30, 2, 8)
		tape := tensor.NewTape()
		if s.Aim() {
			t.Errorf("Epsilon %g: aimed before any forward pass", s.Epsilon)
		}
		if _, err := m.MLMLogits(tape, b, nil); err != nil {
			t.Fatal(err)
		}
		if s.Aim() {
			t.Errorf("Epsilon %g: aimed without a backward pass", s.Epsilon)
		}
	}
}
