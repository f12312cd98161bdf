package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/eval"
)

func TestSampleReport(t *testing.T) {
	r, err := sampleReport(3000, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	th := r.Heads["threat"]
	if th == nil || r.Heads["drugs"] == nil {
		t.Fatalf("heads %v, want threat and drugs", r.Labels)
	}
	// The simulated model is good but fooled by "sleep" and "dead" and blind to "dolls": the report
	// should show both.
	if th.ROCAUC < 0.9 || th.ROCAUC > 0.995 {
		t.Errorf("threat ROC-AUC %.3f, want a good, imperfect model", th.ROCAUC)
	}
	words := make(map[string]eval.WordRow)
	for _, w := range th.SignalWords {
		words[w.Term] = w
	}
	if w := words["sleep"]; w.Precision == nil || *w.Precision >= th.Precision {
		t.Errorf("sleep: precision %v, want below the head's %.3f", w.Precision, th.Precision)
	}
	if w := words["dolls"]; w.Recall == nil || *w.Recall >= th.Recall {
		t.Errorf("dolls: recall %v, want below the head's %.3f", w.Recall, th.Recall)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "drugs") {
		t.Errorf("warnings %q, want one about the drugs head's missing threshold", r.Warnings)
	}
	for _, ex := range th.TopFalsePositives {
		if ex.Text != "" {
			t.Fatalf("text %q in a report made without show-text", ex.Text)
		}
	}
}

func TestRunWritesReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	if err := run(dir, 500, 2, true); err != nil {
		t.Fatal(err)
	}
	r, err := eval.ReadReport(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.ShowText || r.N != 500 {
		t.Errorf("report.json: show-text %v, n %d", r.ShowText, r.N)
	}
	for _, name := range []string{"report.md", "report.html", "figures/threat-roc.png", "figures/drugs-scores.png"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, bad := range []struct {
		dir string
		n   int
	}{{"", 500}, {dir, 10}} {
		if err := run(bad.dir, bad.n, 1, false); err == nil {
			t.Errorf("run(%q, %d) succeeded", bad.dir, bad.n)
		}
	}
}

// TestScreenshot renders the sample report in headless Chromium with tools/screenshot/screenshot.sh,
// which checks that the screenshot is a full-size, non-blank PNG. It needs Chromium (Debian:
// apt-get install -y chromium) and says so when it is missing.
func TestScreenshot(t *testing.T) {
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skip("chromium is not installed (apt-get install -y chromium)")
	}
	dir := t.TempDir()
	if err := run(dir, 2000, 1, false); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "screenshot.png")
	out, err := exec.Command("../screenshot/screenshot.sh", dir, shot, "3000").CombinedOutput()
	if err != nil {
		t.Fatalf("screenshot.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "1280x3000") {
		t.Errorf("screenshot.sh said %q", out)
	}
}
