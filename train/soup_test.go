package train

import (
	"errors"
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

// TestGreedySoup builds members whose every weight is one value and scores a soup by how near its
// weights lie to a target: the greedy soup must keep exactly the members that bring its mean nearer
// (or leave it as near), and average those alone.
func TestGreedySoup(t *testing.T) {
	labels := []string{"threat"}
	values := []float32{1, 3, 0, 2, 1.5}
	var members []*model.Model
	for i, v := range values {
		m := soupMember(t, labels, uint64(i+1))
		for _, p := range m.Params() {
			for k := range p.Data {
				p.Data[k] = v
			}
		}
		members = append(members, m)
	}
	calibrateWith(t, members[3], 2) // uncalibrated before averaging: its weights are 2 again
	const target = 1.4
	score := func(m *model.Model) (float64, error) {
		return -math.Abs(float64(m.Params()[0].Data[0]) - target), nil
	}
	soup, steps, err := GreedySoup(members, score)
	if err != nil {
		t.Fatal(err)
	}
	// Means tried: {1}, {1,3}=2, {1,0}=0.5, {1,2}=1.5 (nearer: kept), {1,2,1.5}=1.5 (as near: kept).
	want := []GreedyStep{{0, -0.4, true}, {1, -0.6, false}, {2, -0.9, false}, {3, -0.1, true}, {4, -0.1, true}}
	if len(steps) != len(want) {
		t.Fatalf("%d steps, want %d", len(steps), len(want))
	}
	for i, s := range steps {
		if s.Member != want[i].Member || s.Kept != want[i].Kept || math.Abs(s.Score-want[i].Score) > 1e-6 {
			t.Errorf("step %d = %+v, want %+v", i, s, want[i])
		}
	}
	for _, p := range soup.Params() {
		for k, v := range p.Data {
			if math.Abs(float64(v)-1.5) > 1e-6 {
				t.Fatalf("%s[%d] = %g, want 1.5, the mean of the members kept", p.Name, k, v)
			}
		}
	}

	fail := errors.New("no dev labels")
	if _, _, err := GreedySoup(members[:2], func(*model.Model) (float64, error) { return 0, fail }); !errors.Is(err, fail) || !strings.Contains(err.Error(), "model 1") {
		t.Errorf("a failing score: error %v", err)
	}
	if _, _, err := GreedySoup([]*model.Model{members[0], soupMember(t, []string{"drugs"}, 9)}, score); err == nil || !strings.Contains(err.Error(), "id2label") {
		t.Errorf("other labels: error %v", err)
	}
	if _, _, err := GreedySoup(nil, score); err == nil {
		t.Error("no members: no error")
	}
}
