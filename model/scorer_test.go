package model

import (
	"math"
	"testing"

	"github.com/vigil-ml/vigil/tensor"
)

func TestScorer(t *testing.T) {
	cls := newModel(t, testConfig(30).WithLabels([]string{"threat", "drugs"}), SequenceClassification, 4)
	mlm := newModel(t, testConfig(30), MaskedLM, 4)
	b := toyBatch(tensor.NewRNG(1), 30, 3, 10)
	tape := tensor.NewTape()
	logits, err := cls.ClassLogits(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	full, err := mlm.MLMLogits(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}

	s := NewScorer(cls)
	probs, err := s.Probabilities(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 6 {
		t.Fatalf("%d probabilities, want 3 sequences × 2 labels", len(probs))
	}
	for i, p := range probs {
		if want := 1 / (1 + math.Exp(-float64(logits.Data[i]))); math.Abs(float64(p)-want) > 1e-6 {
			t.Errorf("probability %d = %g, want sigmoid of the recorded logit %g", i, p, want)
		}
	}
	if s.t.Len() != 0 {
		t.Errorf("the scorer's tape holds %d operations", s.t.Len())
	}
	// Appending reuses dst, and a warm scorer allocates almost nothing per batch.
	again, err := s.Probabilities(probs[:0], b)
	if err != nil || &again[0] != &probs[0] {
		t.Errorf("Probabilities did not append to dst: %v", err)
	}
	if allocs := testing.AllocsPerRun(5, func() { s.Probabilities(probs[:0], b) }); allocs > 5 && !raceEnabled {
		t.Errorf("%g allocations per scored batch", allocs)
	}
	if _, err := s.MLMLogits(nil, b); err == nil {
		t.Error("MLM logits from a classifier: no error")
	}

	got, err := NewScorer(mlm).MLMLogits(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(got, full.Data); e > 0 {
		t.Errorf("scorer MLM logits differ from the recorded forward pass by %g", e)
	}
	b.IDs[0] = 30
	if _, err := s.Probabilities(nil, b); err == nil {
		t.Error("out-of-vocabulary id: no error")
	}
}

// TestScorerSlices checks that a batch of more than scoreTokens tokens, scored in slices, gives what
// one forward pass over the whole batch gives, while the scorer's arena holds one slice's worth.
func TestScorerSlices(t *testing.T) {
	const seq = 16
	batch := 2*scoreTokens/seq + 3 // two full slices and a short one
	b := toyBatch(tensor.NewRNG(2), 30, batch, seq)
	tests := []struct {
		name  string
		arch  Architecture
		whole func(m *Model, tape *tensor.Tape) (*tensor.Tensor, error)
		score func(s *Scorer) ([]float32, error)
	}{
		{"probabilities", SequenceClassification,
			func(m *Model, tape *tensor.Tape) (*tensor.Tensor, error) {
				logits, err := m.ClassLogits(tape, b, nil)
				if err == nil {
					for i, x := range logits.Data {
						logits.Data[i] = float32(1 / (1 + math.Exp(-float64(x))))
					}
				}
				return logits, err
			},
			func(s *Scorer) ([]float32, error) { return s.Probabilities(nil, b) }},
		{"MLM logits", MaskedLM,
			func(m *Model, tape *tensor.Tape) (*tensor.Tensor, error) { return m.MLMLogits(tape, b, nil) },
			func(s *Scorer) ([]float32, error) { return s.MLMLogits(nil, b) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModel(t, testConfig(30).WithLabels([]string{"threat", "drugs"}), tt.arch, 5)
			tape := tensor.NewTape()
			tape.SetGrad(false)
			want, err := tt.whole(m, tape)
			if err != nil {
				t.Fatal(err)
			}
			s := NewScorer(m)
			got, err := tt.score(s)
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(got, want.Data); e > 1e-5 {
				t.Errorf("sliced scoring differs from one forward pass by %g", e)
			}
			if whole, sliced := tape.Arena().Bytes(), s.t.Arena().Bytes(); 2*sliced > whole {
				t.Errorf("the scorer's arena holds %d bytes, the whole batch's %d: want less than half", sliced, whole)
			}
		})
	}
}
