package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/eval"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
)

// labelledCSV returns n rows "id,text,threat" of words from corpusLines' vocabulary; a row is a threat
// exactly when its text holds the keyword "dolls", which about a quarter of them do.
func labelledCSV(n int, seed uint64) (csv string, positives int) {
	words := strings.Fields("the threat was made yesterday sleep tonight we will meet at harbour")
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("id,text,threat\n")
	for i := range n {
		w := make([]string, 3+r.IntN(6))
		for k := range w {
			w[k] = words[r.IntN(len(words))]
		}
		threat := r.IntN(4) == 0
		if threat {
			w[r.IntN(len(w))] = "dolls"
			positives++
		}
		fmt.Fprintf(&b, "%d,%s,%v\n", i, strings.Join(w, " "), threat)
	}
	return b.String(), positives
}

// finetuneFixture pretrains a tiny encoder for two steps and writes a labelled set of 400 rows.
func finetuneFixture(t *testing.T) (dir, base, labelled string, baseRate float64) {
	t.Helper()
	dir, corpus, tok := pretrainFixture(t)
	base = filepath.Join(dir, "base")
	if _, stderr, code := run(t, pretrainArgs(tok, corpus, base, "2")...); code != 0 {
		t.Fatalf("pretrain: exit %d: %s", code, stderr)
	}
	csv, pos := labelledCSV(400, 1)
	labelled = filepath.Join(dir, "labelled.csv")
	if err := os.WriteFile(labelled, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, base, labelled, float64(pos) / 400
}

func finetuneArgs(base, labelled, out, steps string) []string {
	return []string{"finetune", "--init", base, "--train", labelled, "--labels", "threat", "--id-field", "id",
		"--out", out, "--max-steps", steps, "--batch-size", "16", "--lr", "1e-3", "--dev-fraction", "0.2",
		"--max-len", "32", "--eval-every", "10", "--patience", "0", "--set", "save_every=5"}
}

type finetuneMetrics struct {
	Step int                `json:"step"`
	Loss float64            `json:"loss"`
	LR   float64            `json:"lr"`
	Eval map[string]float64 `json:"eval"`
	Best bool               `json:"best"`
}

// TestFinetuneCommand fine-tunes on a keyword task: the dev PR-AUC must rise far above the base rate,
// the run directory must hold the best, calibrated model with its threshold, and shared texts must be
// reported.
func TestFinetuneCommand(t *testing.T) {
	dir, base, labelled, baseRate := finetuneFixture(t)
	// The test file repeats three training texts, changed in case and spacing only.
	rows := strings.Split(strings.TrimSpace(func() string { b, _ := os.ReadFile(labelled); return string(b) }()), "\n")
	var test strings.Builder
	test.WriteString("id,text,threat\n")
	for _, row := range rows[1:4] {
		f := strings.SplitN(row, ",", 3)
		fmt.Fprintf(&test, "t%s,  %s ,%s\n", f[0], strings.ToUpper(strings.ReplaceAll(f[1], " ", "  ")), f[2])
	}
	testFile := filepath.Join(dir, "test.csv")
	os.WriteFile(testFile, []byte(test.String()), 0o644)

	out := filepath.Join(dir, "run")
	stdout, stderr, code := run(t, append(finetuneArgs(base, labelled, out, "60"), "--test", testFile, "--set", "dropout=0.05")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"new head parameters: bert.pooler.dense.weight", "step 10/60", "best dev PR-AUC", "threshold", "wrote " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "3 test texts (3 distinct) also occur in train") {
		t.Errorf("no warning about the shared test texts:\n%s", stderr)
	}

	// Evaluations after every 10 steps and at the ends of epochs (20 steps of 16 of 320 texts).
	ms := readMetrics[finetuneMetrics](t, out)
	if len(ms) != 60 {
		t.Fatalf("%d metrics lines, want 60", len(ms))
	}
	best, bestStep := -1.0, 0
	for _, m := range ms {
		if (m.Eval != nil) != (m.Step%10 == 0) {
			t.Errorf("step %d: eval %v", m.Step, m.Eval)
		}
		if m.Eval == nil {
			continue
		}
		if m.Eval["threat/pr_auc"] != m.Eval["pr_auc"] || !(m.Eval["roc_auc"] > 0) || !(m.Eval["loss"] > 0) {
			t.Errorf("step %d: eval %v", m.Step, m.Eval)
		}
		if m.Best != (m.Eval["pr_auc"] > best) {
			t.Errorf("step %d: best %v with PR-AUC %g after %g", m.Step, m.Best, m.Eval["pr_auc"], best)
		}
		if m.Best {
			best, bestStep = m.Eval["pr_auc"], m.Step
		}
	}
	if baseRate > 0.4 || best < 0.95 {
		t.Errorf("best dev PR-AUC %g for a base rate of %g: the keyword was not learnt", best, baseRate)
	}

	// The run directory holds the best model, calibrated: scoring dev with it gives the best PR-AUC,
	// and its config records the temperature and the best-F1 threshold on those probabilities.
	m, _, err := model.Load(out, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if m.Arch != model.SequenceClassification || c.ProblemType != "multi_label_classification" || c.ID2Label[0] != "threat" ||
		!(c.Temperatures["threat"] > 0) || !(c.Thresholds["threat"] > 0 && c.Thresholds["threat"] <= 1) {
		t.Fatalf("saved model: %s %+v", m.Arch, c)
	}
	if c.HiddenDropoutProb != 0.05 || c.AttentionProbsDropoutProb != 0.05 {
		t.Errorf("dropout %g and %g in config.json, want the 0.05 set", c.HiddenDropoutProb, c.AttentionProbsDropoutProb)
	}
	tok, err := tokenize.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	all, err := data.ReadLabelled([]string{labelled}, data.LabelOptions{Labels: []string{"threat"}, IDField: "id"})
	if err != nil {
		t.Fatal(err)
	}
	_, dev := data.StratifiedSplit(all, 0.2, 42)
	probs, err := model.NewScorer(m).ScoreTexts(tok, dev.Texts, 32, 64)
	if err != nil {
		t.Fatal(err)
	}
	scores, ys := make([]float64, dev.Len()), make([]bool, dev.Len())
	for i := range scores {
		scores[i], ys[i] = float64(probs[i][0]), dev.Labels[i][0]
	}
	if pr, err := eval.PRAUC(scores, ys); err != nil || math.Abs(pr-best) > 1e-6 {
		t.Errorf("the saved model's dev PR-AUC is %g (%v), the best evaluation's (step %d) %g", pr, err, bestStep, best)
	}
	if th, _, err := eval.BestF1Threshold(scores, ys); err != nil || math.Abs(th-c.Thresholds["threat"]) > 1e-6 {
		t.Errorf("best-F1 threshold of the saved model %g (%v), config.json records %g", th, err, c.Thresholds["threat"])
	}

	var info struct {
		Command string
		Data    struct {
			Train, Dev, Test int
			DevSplit         bool `json:"dev_split"`
			Overlap          []struct {
				Sets              string
				Records, Distinct int
			}
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	d := info.Data
	if info.Command != "finetune" || d.Train != 320 || d.Dev != 80 || d.Test != 3 || !d.DevSplit || len(d.Overlap) != 3 ||
		d.Overlap[1].Sets != "train/test" || d.Overlap[1].Records != 3 {
		t.Errorf("run.json: %s", b)
	}

	// A finished run resumes to nothing and is not calibrated twice.
	if stdout, stderr, code := run(t, "finetune", "--out", out, "--resume"); code != 0 || !strings.Contains(stdout, "calibrated already") {
		t.Errorf("resuming a finished run: exit %d: %s%s", code, stdout, stderr)
	}
	again, _, err := model.Load(out, model.LoadOptions{})
	if err != nil || again.Config.Temperatures["threat"] != c.Temperatures["threat"] {
		t.Errorf("resuming changed the calibration: %v", err)
	}
}

// TestFinetuneInterruptResume stops a run with SIGINT and resumes it: the result must equal, byte for
// byte, that of a run that was never interrupted.
func TestFinetuneInterruptResume(t *testing.T) {
	dir, base, labelled, _ := finetuneFixture(t)
	args := func(out string) []string {
		return append(finetuneArgs(base, labelled, out, "40"), "--pos-weight", "auto", "--layer-decay", "0.8", "--freeze-steps", "5")
	}
	ref := filepath.Join(dir, "ref")
	if _, stderr, code := run(t, args(ref)...); code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "run")
	stderr, err := interruptAfterCheckpoint(t, out, args(out))
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || !strings.Contains(stderr, "finetune --out") {
		t.Fatalf("interrupted run: %v: %s", err, stderr)
	}
	if _, stderr, code := run(t, append(args(out), "--lr", "0.1", "--resume")...); code != 2 || !strings.Contains(stderr, "setting lr differs") {
		t.Errorf("resume with another lr: exit %d: %s", code, stderr)
	}
	if _, stderr, code := run(t, "finetune", "--out", out, "--resume"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	for _, name := range []string{"model.safetensors", "config.json"} {
		a, _ := os.ReadFile(filepath.Join(ref, name))
		b, _ := os.ReadFile(filepath.Join(out, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s of the resumed run differs from the uninterrupted run's", name)
		}
	}
	want, got := readMetrics[finetuneMetrics](t, ref), readMetrics[finetuneMetrics](t, out)
	if len(got) != len(want) {
		t.Fatalf("%d metrics lines, want %d", len(got), len(want))
	}
	for i := range want {
		a, b := want[i], got[i]
		if a.Step != b.Step || a.Loss != b.Loss || a.LR != b.LR || a.Best != b.Best || a.Eval["pr_auc"] != b.Eval["pr_auc"] {
			t.Errorf("metrics line %d: %+v, want %+v", i, b, a)
		}
	}
}

func TestFinetuneBadInput(t *testing.T) {
	dir, base, labelled, _ := finetuneFixture(t)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	badValue := write("bad.csv", "id,text,threat\n1,hello,1\n2,bye,maybe\n")
	noPositiveDev := write("dev.csv", "id,text,threat\n1,hello,0\n2,bye,0\n")
	softDev := write("softdev.csv", "id,text,threat\n1,hello,0.5\n2,bye,1\n")
	common := []string{"--init", base, "--max-steps", "2", "--batch-size", "4"}
	with := func(extra ...string) []string { return append(append([]string(nil), common...), extra...) }
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad label value", with("--train", badValue, "--labels", "threat"), `bad.csv:3: field "threat": label value "maybe"`},
		{"missing label column", with("--train", labelled, "--labels", "drugs"), `labelled.csv:2: field "drugs": label missing`},
		{"no labels", with("--train", labelled), "no labels"},
		{"no init", []string{"--train", labelled, "--labels", "threat"}, "give --init"},
		{"dev without positives", with("--train", labelled, "--labels", "threat", "--dev", noPositiveDev), `label "threat" has 0 positive and 2 negative dev examples`},
		{"pos weight count", with("--train", labelled, "--labels", "threat", "--pos-weight", "1,2"), "2 values for 1 labels"},
		{"dev fraction", with("--train", labelled, "--labels", "threat", "--dev-fraction", "1"), "dev_fraction"},
		{"max len", with("--train", labelled, "--labels", "threat", "--max-len", "4096"), "max_position_embeddings"},
		{"layer decay", with("--train", labelled, "--labels", "threat", "--layer-decay", "0"), "layer_decay"},
		{"dropout", with("--train", labelled, "--labels", "threat", "--set", "dropout=1.5"), "dropout 1.5 must be in [0, 1)"},
		{"soft labels without dev", with("--train", labelled, "--labels", "threat", "--soft-labels"), "soft_labels needs --dev"},
		{"soft dev labels", with("--train", labelled, "--labels", "threat", "--soft-labels", "--dev", softDev), `softdev.csv:2: field "threat": label value "0.5" is not 0/1`},
		{"resume without run", with("--train", labelled, "--labels", "threat", "--resume"), "no checkpoint"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("out%d", i))
			_, stderr, code := run(t, append(append([]string{"finetune"}, tc.args...), "--out", out)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created", out)
			}
		})
	}
}

// trainedParam runs train with args and returns the parameter named param of the model written to out.
func trainedParam(t *testing.T, out, param string, args ...string) []float32 {
	t.Helper()
	if _, stderr, code := run(t, args...); code != 0 {
		t.Fatalf("%s: exit %d: %s", filepath.Base(out), code, stderr)
	}
	m, _, err := model.Load(out, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, ok := m.Param(param)
	if !ok {
		t.Fatalf("%s has no %s", out, param)
	}
	return w.Data
}

// TestFinetuneHeadSeed checks that runs sharing head_seed start from the same head whatever their
// seed, and that without it the seed draws the head.
func TestFinetuneHeadSeed(t *testing.T) {
	dir, base, labelled, _ := finetuneFixture(t)
	head := func(name string, extra ...string) []float32 {
		out := filepath.Join(dir, name)
		args := append(finetuneArgs(base, labelled, out, "1"), "--lr", "1e-9")
		return trainedParam(t, out, "bert.pooler.dense.weight", append(args, extra...)...)
	}
	maxDiff := func(a, b []float32) float64 {
		d := 0.0
		for i := range a {
			d = max(d, math.Abs(float64(a[i]-b[i])))
		}
		return d
	}
	a := head("a", "--seed", "1", "--set", "head_seed=7")
	b := head("b", "--seed", "2", "--set", "head_seed=7")
	c := head("c", "--seed", "2")
	// One update at lr 1e-9 moves a weight by about 1e-9; heads drawn apart differ by about 0.02.
	if d := maxDiff(a, b); d > 1e-6 {
		t.Errorf("runs with one head_seed start %g apart", d)
	}
	if d := maxDiff(b, c); d < 1e-3 {
		t.Errorf("runs with different head seeds start only %g apart", d)
	}
}

// TestFinetuneSoftLabels checks that soft targets reach the loss: 0/1 targets read with --soft-labels
// train exactly as hard labels do, and other targets train differently.
func TestFinetuneSoftLabels(t *testing.T) {
	dir, base, _, _ := finetuneFixture(t)
	csv, _ := labelledCSV(400, 1)
	lines := strings.Split(strings.TrimSuffix(csv, "\n"), "\n")
	write := func(name string, rows []string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(lines[0]+"\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var binary, soft []string
	for _, l := range lines[1:321] {
		row, threat := strings.CutSuffix(l, ",true")
		hard, target := "1", "0.75"
		if !threat {
			row, _ = strings.CutSuffix(l, ",false")
			hard, target = "0", "0.25"
		}
		binary, soft = append(binary, row+","+hard), append(soft, row+","+target)
	}
	dev := write("dev.csv", lines[321:])
	classifier := func(name, train string, extra ...string) []float32 {
		out := filepath.Join(dir, name)
		args := []string{"finetune", "--init", base, "--train", train, "--dev", dev, "--labels", "threat", "--out", out,
			"--max-steps", "3", "--batch-size", "16", "--lr", "1e-3", "--max-len", "32"}
		return trainedParam(t, out, "classifier.weight", append(args, extra...)...)
	}
	hard := classifier("hard", write("binary.csv", binary))
	same := classifier("same", write("binary.csv", binary), "--soft-labels")
	other := classifier("soft", write("soft.csv", soft), "--soft-labels")
	if !slices.Equal(hard, same) {
		t.Errorf("0/1 targets with --soft-labels train differently: %v against %v", same[:4], hard[:4])
	}
	if slices.Equal(hard, other) {
		t.Error("targets 0.25 and 0.75 train as 0 and 1 do")
	}
}

// TestFinetuneTrainingSettings checks, for settings that change how a run trains, that the off value
// trains as the default, that the on value changes the parameter it acts on, that the run says what
// the setting did where it should, and that a bad value is refused with a message naming it.
func TestFinetuneTrainingSettings(t *testing.T) {
	dir, base, labelled, _ := finetuneFixture(t)
	for _, tc := range []struct {
		key, param, epochs string
		with               []string // settings every run of the row has
		off, on, bad       string
		said, refused      string
	}{
		{key: "adversarial", param: "classifier.weight", epochs: "3", off: "0", on: "0.5", bad: "-1",
			refused: "adversarial -1"},
		{key: "adversarial_scope", param: "classifier.weight", epochs: "3", with: []string{"--set", "adversarial=0.5"},
			off: "table", on: "sequence", bad: "word", refused: `adversarial_scope "word" must be table or sequence`},
		{key: "redraw_layers", param: "bert.encoder.layer.1.output.dense.weight", epochs: "1", off: "0", on: "1", bad: "9",
			said: "top 1 of 2 encoder layers drawn afresh", refused: "redraw_layers: model: cannot redraw the top 9"},
		{key: "piece_dropout", param: "classifier.weight", epochs: "1", off: "0", on: "0.3", bad: "1",
			refused: "piece_dropout 1 must lie in [0, 1)"},
	} {
		trained := func(name string, extra ...string) []float32 {
			out := filepath.Join(dir, tc.key+"-"+name)
			args := append(append(finetuneArgs(base, labelled, out, tc.epochs), "--set", "dropout=0"), tc.with...)
			return trainedParam(t, out, tc.param, append(args, extra...)...)
		}
		plain := trained("plain")
		if !slices.Equal(plain, trained("off", "--set", tc.key+"="+tc.off)) {
			t.Errorf("%s=%s trains differently from the default", tc.key, tc.off)
		}
		if slices.Equal(plain, trained("on", "--set", tc.key+"="+tc.on)) {
			t.Errorf("%s=%s trains as without it", tc.key, tc.on)
		}
		if tc.said != "" {
			stdout, _, _ := run(t, append(finetuneArgs(base, labelled, filepath.Join(dir, tc.key+"-said"), "1"), "--set", tc.key+"="+tc.on)...)
			if !strings.Contains(stdout, tc.said) {
				t.Errorf("%s=%s does not say %q: %q", tc.key, tc.on, tc.said, stdout)
			}
		}
		_, stderr, code := run(t, append(finetuneArgs(base, labelled, filepath.Join(dir, tc.key+"-bad"), "1"), "--set", tc.key+"="+tc.bad)...)
		if code == 0 || !strings.Contains(stderr, tc.refused) {
			t.Errorf("%s=%s: exit %d, stderr %q", tc.key, tc.bad, code, stderr)
		}
	}
}

// TestFinetunePatienceAfter checks that evaluations up to patience_after do not stop a run that
// --patience 1 stops, and that a negative value is refused.
func TestFinetunePatienceAfter(t *testing.T) {
	dir, base, labelled, _ := finetuneFixture(t)
	args := func(name string, extra ...string) []string {
		a := append(finetuneArgs(base, labelled, filepath.Join(dir, name), "30"), "--eval-every", "1", "--patience", "1")
		return append(a, extra...)
	}
	stdout, stderr, code := run(t, args("stopped")...)
	if code != 0 || !strings.Contains(stdout, "stopped early") {
		t.Fatalf("--patience 1 with an evaluation every step: exit %d, no early stop: %s%s", code, stdout, stderr)
	}
	stdout, stderr, code = run(t, args("patient", "--set", "patience_after=30")...)
	if code != 0 || strings.Contains(stdout, "stopped early") {
		t.Fatalf("patience_after=30: exit %d: %s%s", code, stdout, stderr)
	}
	if ms := readMetrics[finetuneMetrics](t, filepath.Join(dir, "patient")); len(ms) == 0 || ms[len(ms)-1].Step != 30 {
		t.Errorf("patience_after=30 ran to step %v, want 30", ms)
	}
	if _, stderr, code := run(t, args("bad", "--set", "patience_after=-1")...); code == 0 || !strings.Contains(stderr, "patience_after -1") {
		t.Errorf("patience_after=-1: exit %d, stderr %q", code, stderr)
	}
}
