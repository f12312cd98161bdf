package train

import (
	"math"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/model"
)

func soupMember(t *testing.T, labels []string, seed uint64) *model.Model {
	t.Helper()
	cfg, err := model.Preset("tiny", 50)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(cfg.WithLabels(labels), model.SequenceClassification, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// calibrateWith folds temps into m as Calibrate does, recording them by label.
func calibrateWith(t *testing.T, m *model.Model, temps ...float64) {
	t.Helper()
	if err := FoldTemperatures(m, temps); err != nil {
		t.Fatal(err)
	}
	m.Config.Temperatures, m.Config.Thresholds = map[string]float64{}, map[string]float64{}
	for j, name := range m.Config.Labels() {
		m.Config.Temperatures[name], m.Config.Thresholds[name] = temps[j], 0.5
	}
}

func weights(m *model.Model) [][]float32 {
	var w [][]float32
	for _, p := range m.Params() {
		w = append(w, append([]float32(nil), p.Data...))
	}
	return w
}

func TestUncalibrate(t *testing.T) {
	m := soupMember(t, []string{"threat", "drugs"}, 1)
	want := weights(m)
	calibrateWith(t, m, 2.5, 0.4)
	if err := Uncalibrate(m); err != nil {
		t.Fatal(err)
	}
	if m.Config.Temperatures != nil || m.Config.Thresholds != nil {
		t.Errorf("temperatures %v and thresholds %v remain", m.Config.Temperatures, m.Config.Thresholds)
	}
	for k, p := range m.Params() {
		for i, v := range p.Data {
			if math.Abs(float64(v-want[k][i])) > 1e-6*max(1, math.Abs(float64(want[k][i]))) {
				t.Fatalf("%s[%d] = %g after uncalibrating, %g before calibrating", p.Name, i, v, want[k][i])
			}
		}
	}

	m.Config.Temperatures = map[string]float64{"threat": 2}
	if err := Uncalibrate(m); err == nil || !strings.Contains(err.Error(), `"drugs"`) {
		t.Errorf("a temperature missing: error %v", err)
	}
}

func TestSoup(t *testing.T) {
	labels := []string{"threat", "drugs"}
	a, b := soupMember(t, labels, 1), soupMember(t, labels, 2)
	wa, wb := weights(a), weights(b)
	calibrateWith(t, a, 3, 0.5)
	a.Config.HiddenDropoutProb = 0.3 // dropout may differ between members
	soup, err := Soup([]*model.Model{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if soup.Config.Temperatures != nil {
		t.Errorf("the soup records temperatures %v before it is calibrated", soup.Config.Temperatures)
	}
	for k, p := range soup.Params() {
		for i, v := range p.Data {
			want := (float64(wa[k][i]) + float64(wb[k][i])) / 2
			if math.Abs(float64(v)-want) > 1e-6*max(1, math.Abs(want)) {
				t.Fatalf("%s[%d] = %g, want %g, the mean of the uncalibrated members", p.Name, i, v, want)
			}
		}
	}

	mlm, err := model.New(soupMember(t, labels, 3).Config, model.MaskedLM, 3)
	if err != nil {
		t.Fatal(err)
	}
	relu := soupMember(t, labels, 4)
	relu.Config.HiddenAct = "relu"
	tests := []struct {
		name    string
		members []*model.Model
		want    string
	}{
		{"one member", []*model.Model{soupMember(t, labels, 1)}, "at least two"},
		{"other labels", []*model.Model{soupMember(t, labels, 1), soupMember(t, []string{"threat", "weapons"}, 2)}, "id2label"},
		{"other activation", []*model.Model{soupMember(t, labels, 1), relu}, "hidden_act"},
		{"not a classifier", []*model.Model{soupMember(t, labels, 1), mlm}, "model 2 is BertForMaskedLM"},
	}
	for _, tc := range tests {
		if _, err := Soup(tc.members); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
