package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/eval"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
)

// evalFixture writes an untrained tiny classifier with labels threat and drugs and a labelled CSV of 120
// messages whose texts all contain "msgtext". Only threat has a stored threshold, 0, which flags every
// message, so its false positives are the negatives.
func evalFixture(t *testing.T) (modelDir, set string) {
	t.Helper()
	dir, _, tokDir := pretrainFixture(t)
	tok, err := tokenize.Load(tokDir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig(t, tokDir).WithLabels([]string{"threat", "drugs"})
	cfg.Thresholds = map[string]float64{"threat": 0}
	m, err := model.New(cfg, model.SequenceClassification, 3)
	if err != nil {
		t.Fatal(err)
	}
	modelDir = filepath.Join(dir, "ft")
	if err := m.Save(modelDir); err != nil {
		t.Fatal(err)
	}
	if err := tok.Save(filepath.Join(modelDir, "tokenizer.json")); err != nil {
		t.Fatal(err)
	}
	words := []string{"the", "threat", "was", "made", "yesterday", "sleep", "tonight", "dolls", "we", "will", "meet", "at", "harbour"}
	var b strings.Builder
	b.WriteString("id,text,threat,drugs\n")
	for i := range 120 {
		text := fmt.Sprintf("msgtext%03d", i)
		for j := range 3 + i%5 {
			text += " " + words[(i*5+j*3)%len(words)]
		}
		fmt.Fprintf(&b, "m%d,%s,%d,%d\n", i, text, btoi(strings.Contains(text, "sleep") || i%7 == 0), i%3%2)
	}
	set = filepath.Join(dir, "held.csv")
	if err := os.WriteFile(set, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return modelDir, set
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestEvalCommand(t *testing.T) {
	modelDir, set := evalFixture(t)
	stdout, stderr, code := run(t, "eval", "--model", modelDir, "--data", set, "--id-field", "id", "--set", "resamples=100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	path := filepath.Join(modelDir, "report", "report.json")
	r, err := eval.ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 120 || len(r.Heads) != 2 || r.Bootstrap.Resamples != 100 || r.Lexicon.Name != "en" || r.Model.MaxLen != 512 {
		t.Errorf("report: n %d, heads %d, resamples %d, lexicon %s, max len %d", r.N, len(r.Heads), r.Bootstrap.Resamples, r.Lexicon.Name, r.Model.MaxLen)
	}
	if r.Data.SHA256 != sha256File(t, set) || r.Model.ID != sha256File(t, filepath.Join(modelDir, "model.safetensors")) {
		t.Errorf("data sha256 %s, model id %s do not hash the inputs", r.Data.SHA256, r.Model.ID)
	}
	if h := r.Heads["threat"]; h.ThresholdSource != "config" || h.Positives == 0 || len(h.TopFalsePositives) == 0 || !strings.HasPrefix(h.TopFalsePositives[0].ID, "m") {
		t.Errorf("threat head: source %s, positives %d, false positives %+v", h.ThresholdSource, h.Positives, h.TopFalsePositives)
	}
	if r.Heads["drugs"].ThresholdSource != "default" || !strings.Contains(stderr, "label drugs: the model stores no threshold") {
		t.Errorf("drugs threshold source %s; stderr %q", r.Heads["drugs"].ThresholdSource, stderr)
	}
	for _, want := range []string{"threat", "drugs", "ROC-AUC [95% CI]", "recall_0.90", "messages to read", "wrote " + path + ", report.md"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, name := range []string{"report.json", "report.md", "report.html"} {
		b, err := os.ReadFile(filepath.Join(modelDir, "report", name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "msgtext") {
			t.Errorf("%s shows message text without --show-text", name)
		}
	}
	if figs, _ := filepath.Glob(filepath.Join(modelDir, "report", "figures", "*.png")); len(figs) == 0 {
		t.Error("no figures rendered")
	}
	if strings.Contains(stdout, "msgtext") {
		t.Error("message text printed without --show-text")
	}

	shown := filepath.Join(t.TempDir(), "shown")
	stdout, stderr, code = run(t, "eval", "--model", modelDir, "--data", set, "--labels", "threat", "--report", shown,
		"--show-text", "--lexicon", "nl", "--set", "resamples=20", "--max-len", "16")
	if code != 0 {
		t.Fatalf("--show-text: exit %d: %s", code, stderr)
	}
	r, err = eval.ReadReport(filepath.Join(shown, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Labels) != 1 || !r.ShowText || r.Lexicon.Name != "nl" || r.Model.MaxLen != 16 || !strings.HasPrefix(r.Heads["threat"].TopFalsePositives[0].Text, "msgtext") {
		t.Errorf("--show-text report: labels %v, show %v, lexicon %s, max len %d", r.Labels, r.ShowText, r.Lexicon.Name, r.Model.MaxLen)
	}
	if !strings.Contains(stdout, "msgtext") || strings.Contains(stdout, "drugs") {
		t.Errorf("--show-text --labels threat stdout:\n%s", stdout)
	}
	if html, err := os.ReadFile(filepath.Join(shown, "report.html")); err != nil || !strings.Contains(string(html), "msgtext") {
		t.Errorf("--show-text report.html lacks the texts (%v)", err)
	}
}

func TestEvalGate(t *testing.T) {
	modelDir, set := evalFixture(t)
	dir := t.TempDir()
	first := filepath.Join(dir, "first")
	if _, stderr, code := run(t, "eval", "--model", modelDir, "--data", set, "--report", first, "--set", "resamples=20"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	baseline := filepath.Join(first, "report.json")

	stdout, stderr, code := run(t, "eval", "--model", modelDir, "--data", set, "--report", filepath.Join(dir, "second"),
		"--set", "resamples=20", "--baseline", baseline, "--max-drop", "0.01")
	if code != 0 || !strings.Contains(stdout, "regression gate passed") {
		t.Fatalf("gate against itself: exit %d, stdout:\n%s\nstderr: %s", code, stdout, stderr)
	}

	r, err := eval.ReadReport(baseline)
	if err != nil {
		t.Fatal(err)
	}
	r.Heads["threat"].PRAUC += 0.05
	higher := filepath.Join(dir, "higher.json")
	if err := eval.WriteReport(higher, r); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = run(t, "eval", "--model", modelDir, "--data", set, "--report", filepath.Join(dir, "third"),
		"--set", "resamples=20", "--baseline", higher, "--max-drop", "0.01")
	if code != 1 || !strings.Contains(stderr, "threat pr_auc dropped 0.0500") || !strings.Contains(stdout, "REGRESSED") {
		t.Errorf("gate against a better baseline: exit %d, stdout:\n%s\nstderr: %s", code, stdout, stderr)
	}

	// train eval gate compares existing reports.
	current := filepath.Join(dir, "second", "report.json")
	if stdout, stderr, code := run(t, "eval", "gate", "--report", current, "--baseline", baseline); code != 0 || !strings.Contains(stdout, "passed") {
		t.Errorf("eval gate with itself: exit %d: %s%s", code, stdout, stderr)
	}
	stdout, stderr, code = run(t, "eval", "gate", "--report", current, "--baseline", higher, "--max-drop", "0.01")
	if code != 1 || !strings.Contains(stdout, "threat  pr_auc") || !strings.Contains(stderr, "threat pr_auc dropped") {
		t.Errorf("eval gate regression: exit %d, stdout:\n%s\nstderr: %s", code, stdout, stderr)
	}
	if _, _, code := run(t, "eval", "gate", "--report", current, "--baseline", higher, "--max-drop", "0.06"); code != 0 {
		t.Errorf("a 0.05 drop with --max-drop 0.06: exit %d", code)
	}
	delete(r.Heads, "drugs")
	r.Labels = []string{"threat"}
	r.Heads["threat"].PRAUC -= 0.05
	fewer := filepath.Join(dir, "fewer.json")
	if err := eval.WriteReport(fewer, r); err != nil {
		t.Fatal(err)
	}
	stdout, _, code = run(t, "eval", "gate", "--report", current, "--baseline", fewer)
	if code != 1 || !strings.Contains(stdout, "drugs") || !strings.Contains(stdout, "missing from the baseline") {
		t.Errorf("baseline without drugs: exit %d, stdout:\n%s", code, stdout)
	}
}

func TestEvalBadInput(t *testing.T) {
	modelDir, set := evalFixture(t)
	dir := t.TempDir()
	mlm := filepath.Join(dir, "mlm")
	m, _, err := model.Load(modelDir, model.LoadOptions{Arch: model.MaskedLM})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(mlm); err != nil {
		t.Fatal(err)
	}
	badLex := filepath.Join(dir, "lex.txt")
	if err := os.WriteFile(badLex, []byte("dead\nDEAD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"eval", "--data", set}, "give --model"},
		{"no data", []string{"eval", "--model", modelDir}, "give --data"},
		{"unknown label", []string{"eval", "--model", modelDir, "--data", set, "--labels", "weapons"}, `no label "weapons"`},
		{"label not in data", []string{"eval", "--model", modelDir, "--data", set, "--text-field", "msg"}, "msg"},
		{"untrained classifier", []string{"eval", "--model", mlm, "--data", set}, "no trained classifier"},
		{"bad lexicon", []string{"eval", "--model", modelDir, "--data", set, "--lexicon", badLex}, "lex.txt:2"},
		{"missing lexicon", []string{"eval", "--model", modelDir, "--data", set, "--lexicon", "fr"}, "fr"},
		{"bad baseline", []string{"eval", "--model", modelDir, "--data", set, "--baseline", set}, "baseline"},
		{"negative max drop", []string{"eval", "--model", modelDir, "--data", set, "--max-drop", "-1"}, "max_drop"},
		{"gate without baseline", []string{"eval", "gate", "--report", set}, "--baseline"},
	}
	for _, tt := range tests {
		_, stderr, code := run(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q, want one line with %q", tt.name, code, stderr, tt.want)
		}
	}
}
