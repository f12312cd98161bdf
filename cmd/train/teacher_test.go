package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestTeacherCommand scores the keyword task of labelledCSV: the out-of-fold model must find the
// keyword, and the targets must mix labels and scores by --alpha.
func TestTeacherCommand(t *testing.T) {
	dir := t.TempDir()
	data, _ := labelledCSV(400, 1)
	train := filepath.Join(dir, "train.csv")
	dev := filepath.Join(dir, "dev.csv")
	devData, _ := labelledCSV(100, 2)
	for p, content := range map[string]string{train: data, dev: devData} {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(p string) [][]string {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	in := read(train)
	for _, tc := range []struct {
		alpha    string
		min, max [2]float64 // target ranges of negatives and positives
	}{
		{"1", [2]float64{0, 0}, [2]float64{1, 1}},
		{"0.2", [2]float64{0, 0.4}, [2]float64{0.6, 1}},
	} {
		out := filepath.Join(dir, "targets"+tc.alpha+".csv")
		stdout, stderr, code := run(t, "teacher", "--train", train, "--dev", dev, "--labels", "threat", "--id-field", "id",
			"--out", out, "--alpha", tc.alpha, "--folds", "4")
		if code != 0 {
			t.Fatalf("alpha %s: exit %d: %s", tc.alpha, code, stderr)
		}
		m := regexp.MustCompile(`threat\s+([0-9.]+)\s+[0-9.]+\s+([0-9.]+)`).FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("no scores for threat in:\n%s", stdout)
		}
		for _, v := range m[1:] {
			if roc, _ := strconv.ParseFloat(v, 64); roc < 0.95 {
				t.Errorf("ROC-AUC %s on a keyword task:\n%s", v, stdout)
			}
		}
		recs := read(out)
		if strings.Join(recs[0], ",") != "id,text,threat" || len(recs) != len(in) {
			t.Fatalf("header %q, %d rows; want id,text,threat and %d", recs[0], len(recs), len(in))
		}
		for i, r := range recs[1:] {
			if r[0] != in[i+1][0] || r[1] != in[i+1][1] {
				t.Fatalf("row %d: %q, input %q", i+1, r[:2], in[i+1][:2])
			}
			v, err := strconv.ParseFloat(r[2], 64)
			k := 0
			if in[i+1][2] == "true" {
				k = 1
			}
			if err != nil || v < tc.min[k] || v > tc.max[k] {
				t.Errorf("alpha %s: row %d (label %s) target %s outside [%g, %g]", tc.alpha, i+1, in[i+1][2], r[2], tc.min[k], tc.max[k])
			}
		}
	}
}

func TestTeacherBadInput(t *testing.T) {
	dir := t.TempDir()
	data, _ := labelledCSV(40, 1)
	train := filepath.Join(dir, "train.csv")
	few := filepath.Join(dir, "few.csv")
	os.WriteFile(train, []byte(data), 0o644)
	os.WriteFile(few, []byte("text,threat\na,1\nb,0\nc,0\nd,0\ne,1\n"), 0o644)
	out := filepath.Join(dir, "t.csv")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no train", []string{"--labels", "threat", "--out", out}, "give --train"},
		{"no out", []string{"--train", train, "--labels", "threat"}, "give --out"},
		{"not csv", []string{"--train", train, "--labels", "threat", "--out", filepath.Join(dir, "t.jsonl")}, "name a .csv file"},
		{"alpha", []string{"--train", train, "--labels", "threat", "--out", out, "--alpha", "1.5"}, "alpha 1.5 must lie in [0, 1]"},
		{"folds", []string{"--train", train, "--labels", "threat", "--out", out, "--folds", "1"}, "folds 1 must be at least 2"},
		{"few positives", []string{"--train", few, "--labels", "threat", "--out", out}, `label "threat" has 2 positive and 3 negative`},
		{"bad label", []string{"--train", train, "--labels", "drugs", "--out", out}, `train.csv:2: field "drugs": label missing`},
		{"columns clash", []string{"--train", train, "--labels", "threat", "--id-field", "threat", "--out", out}, `two "threat" columns`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := run(t, append([]string{"teacher"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
		})
	}
}
