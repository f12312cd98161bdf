package eval

import (
	"bytes"
	"strings"
	"testing"
)

// gateReport is a report with the given ROC-AUC and PR-AUC per head.
func gateReport(heads map[string][2]float64, order ...string) *Report {
	r := &Report{Schema: SchemaVersion, Labels: order, Heads: map[string]*Head{}}
	for _, l := range order {
		v := heads[l]
		r.Heads[l] = &Head{Label: l, ROCAUC: v[0], PRAUC: v[1]}
	}
	return r
}

func TestGate(t *testing.T) {
	base := gateReport(map[string][2]float64{"threat": {0.90, 0.60}, "drugs": {0.80, 0.50}}, "threat", "drugs")
	tests := []struct {
		name      string
		current   *Report
		maxDrop   float64
		pass      bool
		regressed []string // "label metric"
		inTable   []string
	}{
		{"itself", base, 0.01, true, nil, []string{"threat", "ok"}},
		{"drop within allowance", gateReport(map[string][2]float64{"threat": {0.895, 0.59}, "drugs": {0.80, 0.50}}, "threat", "drugs"), 0.01, true, nil, nil},
		{"improvement", gateReport(map[string][2]float64{"threat": {0.99, 0.90}, "drugs": {0.85, 0.55}}, "threat", "drugs"), 0, true, nil, []string{"-0.0900"}},
		{"PR-AUC 0.05 lower", gateReport(map[string][2]float64{"threat": {0.90, 0.55}, "drugs": {0.80, 0.50}}, "threat", "drugs"), 0.01, false,
			[]string{"threat pr_auc"}, []string{"REGRESSED", "+0.0500"}},
		{"both metrics of one head", gateReport(map[string][2]float64{"threat": {0.90, 0.60}, "drugs": {0.70, 0.40}}, "threat", "drugs"), 0.05, false,
			[]string{"drugs roc_auc", "drugs pr_auc"}, nil},
		{"head missing from report", gateReport(map[string][2]float64{"threat": {0.90, 0.60}}, "threat"), 0.01, false,
			nil, []string{"drugs", "missing from the report"}},
		{"head missing from baseline", gateReport(map[string][2]float64{"threat": {0.90, 0.60}, "drugs": {0.80, 0.50}, "weapons": {0.7, 0.2}}, "threat", "drugs", "weapons"), 0.01, false,
			nil, []string{"weapons", "missing from the baseline"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Gate(tt.current, base, tt.maxDrop)
			if g.Passed() != tt.pass || (g.Err() == nil) != tt.pass {
				t.Fatalf("Passed() = %v, Err() = %v; want pass %v", g.Passed(), g.Err(), tt.pass)
			}
			var got []string
			for _, r := range g.Rows {
				if r.Regressed {
					got = append(got, r.Label+" "+r.Metric)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.regressed, ",") {
				t.Errorf("regressed %v, want %v", got, tt.regressed)
			}
			for _, name := range tt.regressed {
				if !strings.Contains(g.Err().Error(), name) {
					t.Errorf("error %q does not name %s", g.Err(), name)
				}
			}
			var b bytes.Buffer
			if err := g.WriteTable(&b); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.inTable {
				if !strings.Contains(b.String(), s) {
					t.Errorf("table lacks %q:\n%s", s, b.String())
				}
			}
		})
	}
}

func TestGateDropEqualToAllowancePasses(t *testing.T) {
	base := gateReport(map[string][2]float64{"threat": {0.9, 0.7}}, "threat")
	cur := gateReport(map[string][2]float64{"threat": {0.9 - 0.05, 0.7}}, "threat")
	if g := Gate(cur, base, 0.05); !g.Passed() {
		t.Errorf("a drop equal to max-drop failed: %v", g.Err())
	}
	if g := Gate(cur, base, 0.049); g.Passed() {
		t.Error("a drop above max-drop passed")
	}
}
