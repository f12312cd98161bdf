package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/train"
)

// soupFixture is finetuneFixture with a dev file of 120 rows and a function that fine-tunes a member
// for steps steps into dir/name.
func soupFixture(t *testing.T, steps string) (dir, base, dev string, member func(name string, extra ...string) string) {
	t.Helper()
	dir, base, labelled, _ := finetuneFixture(t)
	csv, _ := labelledCSV(120, 2)
	dev = filepath.Join(dir, "dev.csv")
	if err := os.WriteFile(dev, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	member = func(name string, extra ...string) string {
		out := filepath.Join(dir, name)
		if _, stderr, code := run(t, append(finetuneArgs(base, labelled, out, steps), extra...)...); code != 0 {
			t.Fatalf("finetune %s: exit %d: %s", name, code, stderr)
		}
		return out
	}
	return dir, base, dev, member
}

// TestSoupCommand averages two runs fine-tuned on the keyword task from one --init and head_seed: the
// soup must be their mean, calibrated on the dev file their run.json records, must rank dev well, and
// must load in train eval.
func TestSoupCommand(t *testing.T) {
	dir, _, dev, member := soupFixture(t, "60")
	a := member("a", "--dev", dev, "--seed", "1", "--set", "head_seed=7")
	b := member("b", "--dev", dev, "--seed", "2", "--set", "head_seed=7")

	out := filepath.Join(dir, "soup")
	stdout, stderr, code := run(t, "soup", "--out", out, a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"souping 2 models", a, b, "member mean", "soup", "dev calibration", "wrote " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stderr, "note") || strings.Contains(stderr, "warning") {
		t.Errorf("unexpected notes:\n%s", stderr)
	}

	soup, _, err := model.Load(out, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if soup.Config.Temperatures["threat"] <= 0 || soup.Config.Thresholds["threat"] <= 0 {
		t.Errorf("the soup is not calibrated: temperatures %v, thresholds %v", soup.Config.Temperatures, soup.Config.Thresholds)
	}
	// The pooler is untouched by calibration: it must be the members' mean.
	var members []*model.Model
	for _, d := range []string{a, b} {
		m, _, err := model.Load(d, model.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, m)
	}
	pooler := func(m *model.Model) []float32 { p, _ := m.Param("bert.pooler.dense.weight"); return p.Data }
	for i, v := range pooler(soup) {
		want := (float64(pooler(members[0])[i]) + float64(pooler(members[1])[i])) / 2
		if math.Abs(float64(v)-want) > 1e-6 {
			t.Fatalf("pooler weight %d = %g, want the members' mean %g", i, v, want)
		}
	}
	// And the classifier, once calibration is undone.
	if err := train.Uncalibrate(soup); err != nil {
		t.Fatal(err)
	}
	want, err := train.Soup(members)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range soup.Classifier.Out.Weight.Data {
		if w := want.Classifier.Out.Weight.Data[i]; math.Abs(float64(v-w)) > 1e-5*max(1, math.Abs(float64(w))) {
			t.Fatalf("classifier weight %d = %g, want %g", i, v, w)
		}
	}

	var info struct {
		Command string       `json:"command"`
		Config  soupSettings `json:"config"`
		Data    soupData     `json:"data"`
	}
	b2, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b2, &info); err != nil {
		t.Fatal(err)
	}
	if info.Command != "soup" || len(info.Data.Members) != 2 || info.Data.Dev != 120 || len(info.Config.Dev) != 1 || info.Config.MaxLen != 32 {
		t.Errorf("run.json: command %q, %d members, dev %d texts from %v, max_len %d", info.Command, len(info.Data.Members), info.Data.Dev, info.Config.Dev, info.Config.MaxLen)
	}
	if pr := info.Data.Soup.PRAUC["threat"]; pr < 0.9 {
		t.Errorf("the soup's dev PR-AUC is %.3f on a keyword task", pr)
	}
	if _, stderr, code := run(t, "eval", "--model", out, "--data", dev, "--report", filepath.Join(dir, "report")); code != 0 {
		t.Errorf("eval of the soup: exit %d: %s", code, stderr)
	}
}

func TestSoupBadInput(t *testing.T) {
	dir, base, dev, member := soupFixture(t, "2")
	a := member("a", "--dev", dev, "--seed", "1", "--set", "head_seed=7")
	split := member("split", "--seed", "3") // dev split off the training file, another head seed

	// A copy of a whose run.json says it started elsewhere.
	other := copyRun(t, a, filepath.Join(dir, "other"), base, base+"-elsewhere")
	// A copy of a whose run.json names its --init through a symbolic link: the same start.
	if err := os.Symlink(base, base+"-link"); err != nil {
		t.Fatal(err)
	}
	linked := copyRun(t, a, filepath.Join(dir, "linked"), base, base+"-link")
	if _, stderr, code := run(t, "soup", "--out", filepath.Join(dir, "s0"), a, linked); code != 0 {
		t.Errorf("--init through a link: exit %d: %s", code, stderr)
	}
	// A run without a trained classifier.
	untrained := filepath.Join(dir, "untrained")

	notEmpty := filepath.Join(dir, "full")
	os.MkdirAll(notEmpty, 0o755)
	os.WriteFile(filepath.Join(notEmpty, "x"), nil, 0o644)

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one model", []string{"soup", "--out", filepath.Join(dir, "s1"), a}, "at least two"},
		{"no out", []string{"soup", a, a}, "give --out"},
		{"other init", []string{"soup", "--out", filepath.Join(dir, "s2"), a, other}, "only runs from one --init"},
		{"no common dev", []string{"soup", "--out", filepath.Join(dir, "s3"), a, split}, "give --dev FILE"},
		{"not a classifier", []string{"soup", "--out", filepath.Join(dir, "s4"), a, base}, "needs at least one label"},
		{"missing", []string{"soup", "--out", filepath.Join(dir, "s5"), a, untrained}, "untrained"},
		{"not empty", []string{"soup", "--out", notEmpty, a, a}, "not empty"},
		{"bad recall", []string{"soup", "--out", filepath.Join(dir, "s6"), "--target-recall", "2", a, a}, "target_recall"},
	}
	for _, tc := range tests {
		_, stderr, code := run(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tc.name, code, stderr, tc.want)
		}
	}

	// Members whose heads started apart can be souped with --dev; a note says what would be better.
	_, stderr, code := run(t, "soup", "--out", filepath.Join(dir, "s7"), "--dev", dev, a, split)
	if code != 0 || !strings.Contains(stderr, "2 different seeds") {
		t.Errorf("different head seeds: exit %d, stderr %q", code, stderr)
	}
	// With --dev, max_len still comes from the members.
	var s7 struct {
		Config soupSettings `json:"config"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "s7", "run.json")); err != nil || json.Unmarshal(b, &s7) != nil || s7.Config.MaxLen != 32 {
		t.Errorf("soup with --dev: max_len %d, want the members' 32 (%v)", s7.Config.MaxLen, err)
	}
}

// copyRun copies the model directory of the fine-tuning run src to dst, its run.json naming init
// instead of was as the --init.
func copyRun(t *testing.T, src, dst, was, init string) string {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"config.json", "model.safetensors", "tokenizer.json", "run.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "run.json" {
			b = []byte(strings.Replace(string(b), `"init": "`+was+`"`, `"init": "`+init+`"`, 1))
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
