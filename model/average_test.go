package model

import (
	"math"
	"strings"
	"testing"
)

func TestAverage(t *testing.T) {
	c := testConfig(20).WithLabels([]string{"threat", "drugs"})
	members := []*Model{
		newModel(t, c, SequenceClassification, 1),
		newModel(t, c, SequenceClassification, 2),
		newModel(t, c, SequenceClassification, 3),
	}
	dst := newModel(t, c, SequenceClassification, 4)
	if err := Average(dst, members); err != nil {
		t.Fatal(err)
	}
	for k, p := range dst.Params() {
		for i, got := range p.Data {
			var want float64
			for _, m := range members {
				want += float64(m.Params()[k].Data[i])
			}
			want /= float64(len(members))
			if math.Abs(float64(got)-want) > 1e-7 {
				t.Fatalf("%s[%d] = %g, want the mean %g", p.Name, i, got, want)
			}
		}
	}

	if err := Average(dst, members[:1]); err != nil {
		t.Fatal(err)
	}
	for k, p := range dst.Params() {
		for i, v := range p.Data {
			if v != members[0].Params()[k].Data[i] {
				t.Fatalf("the average of one model differs from it at %s[%d]", p.Name, i)
			}
		}
	}
}

func TestAverageErrors(t *testing.T) {
	c := testConfig(20).WithLabels([]string{"threat"})
	dst := newModel(t, c, SequenceClassification, 1)
	bigger := c
	bigger.VocabSize = 21
	tests := []struct {
		name    string
		members []*Model
		want    string
	}{
		{"none", nil, "no models"},
		{"architecture", []*Model{newModel(t, c, MaskedLM, 1)}, "is BertForMaskedLM"},
		{"labels", []*Model{newModel(t, c.WithLabels([]string{"threat", "drugs"}), SequenceClassification, 1)}, "classifier.weight"},
		{"vocabulary", []*Model{dst, newModel(t, bigger, SequenceClassification, 1)}, "model 2 has bert.embeddings.word_embeddings.weight[21 32]"},
	}
	for _, tc := range tests {
		if err := Average(dst, tc.members); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
