package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/eval"
)

func TestRunWritesCorpora(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var log bytes.Buffer
	n := sizes{web: 300, chats: 200, messages: 400}
	if err := run(&log, dir, 1, n); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file  string
		texts int
	}{{"chats.jsonl", 200}, {"train.csv", 280}, {"dev.csv", 40}, {"test.csv", 80}} {
		path := filepath.Join(dir, tc.file)
		if !strings.Contains(log.String(), "wrote "+path+": ") {
			t.Errorf("log does not mention %s:\n%s", path, log.String())
		}
		if tc.file == "chats.jsonl" {
			if got := countRecords(t, path); got != tc.texts {
				t.Errorf("%s: %d messages, want %d", tc.file, got, tc.texts)
			}
			continue
		}
		l, err := data.ReadLabelled([]string{path}, data.LabelOptions{Labels: []string{"threat", "drugs"}, IDField: "id"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Len() != tc.texts {
			t.Errorf("%s: %d messages, want %d", tc.file, l.Len(), tc.texts)
		}
		for j, p := range l.Positives() {
			if p == 0 || p == l.Len() {
				t.Errorf("%s: label %s has %d positives of %d, want both classes", tc.file, l.LabelNames[j], p, l.Len())
			}
		}
	}
	if got := countRecords(t, filepath.Join(dir, "web.txt")); got < 290 || got > 300 {
		t.Errorf("web.txt: %d non-blank lines, want about 300", got)
	}

	// The same seed writes the same bytes.
	before, err := os.ReadFile(filepath.Join(dir, "train.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := run(&log, dir, 1, n); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(filepath.Join(dir, "train.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("a second run with the same seed wrote a different train.csv")
	}
}

func TestRunRejects(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		dir string
		n   sizes
	}{
		{"", sizes{10, 10, 200}},
		{dir, sizes{0, 10, 200}},
		{dir, sizes{10, 0, 200}},
		{dir, sizes{10, 10, 99}},
	} {
		if err := run(&bytes.Buffer{}, tc.dir, 1, tc.n); err == nil {
			t.Errorf("run(%q, %+v) succeeded", tc.dir, tc.n)
		}
	}
}

func TestSummarize(t *testing.T) {
	dir := t.TempDir()
	r := &eval.Report{
		Schema:          eval.SchemaVersion,
		N:               1000,
		Labels:          []string{"threat", "drugs"},
		Heads:           map[string]*eval.Head{"threat": {ROCAUC: 0.95, PRAUC: 0.9, F1: 0.85}, "drugs": {ROCAUC: 0.97, PRAUC: 0.88, F1: 0.8}},
		KeywordBaseline: map[string]*eval.Baseline{"threat": {ROCAUC: 0.56}, "drugs": {ROCAUC: 0.4}},
	}
	if err := eval.WriteReport(filepath.Join(dir, "report.json"), r); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := summarize(&out, dir); err != nil {
		t.Fatal(err)
	}
	want := "report: " + filepath.Join(dir, "report.html") + "\n" +
		"1000 test messages: threat ROC-AUC 0.950 (keywords 0.560), PR-AUC 0.900, F1 0.850; " +
		"drugs ROC-AUC 0.970 (keywords 0.400), PR-AUC 0.880, F1 0.800\n"
	if out.String() != want {
		t.Errorf("summary\n%s\nwant\n%s", out.String(), want)
	}

	delete(r.KeywordBaseline, "drugs")
	if err := eval.WriteReport(filepath.Join(dir, "report.json"), r); err != nil {
		t.Fatal(err)
	}
	if err := summarize(&out, dir); err == nil || !strings.Contains(err.Error(), "drugs") {
		t.Errorf("a report without the drugs baseline: error %v, want one naming drugs", err)
	}
	if err := summarize(&out, filepath.Join(dir, "missing")); err == nil {
		t.Error("summarize of a missing report succeeded")
	}
}

func countRecords(t *testing.T, path string) int {
	t.Helper()
	r, err := data.Open(path, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for r.Next() {
		n++
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}
