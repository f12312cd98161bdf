package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
)

// classifier returns a tiny classifier over vocab entries, its weights drawn from seed.
func classifier(t *testing.T, vocab int, labels []string, seed uint64) *model.Model {
	t.Helper()
	c, err := model.Preset("tiny", vocab)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(c.WithLabels(labels), model.SequenceClassification, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRun scores a labelled file with two saved classifiers: one row per model, the ensemble and the
// soup, for each label.
func TestRun(t *testing.T) {
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "we", "meet", "at", "the", "harbour", "dolls"}
	tok, err := tokenize.New(vocab, tokenize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var dirs []string
	for seed := range uint64(2) {
		d := filepath.Join(dir, "m"+string(rune('a'+seed)))
		if err := classifier(t, len(vocab), []string{"threat"}, seed+1).Save(d); err != nil {
			t.Fatal(err)
		}
		if err := tok.Save(filepath.Join(d, "tokenizer.json")); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	csv := filepath.Join(dir, "set.csv")
	os.WriteFile(csv, []byte("text,threat\nwe meet at the harbour,0\nthe dolls,1\nmeet the dolls,1\nat the harbour,0\nwe meet,0\n"), 0o644)
	var out bytes.Buffer
	scores := filepath.Join(dir, "scores.csv")
	if err := run(&out, csv, "text", 16, scores, dirs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"threat: 5 texts, 2 positive", dirs[0], dirs[1], "ensemble (mean probability)", "soup (mean weights)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "ROC-AUC"); n != 4 {
		t.Errorf("%d result rows, want 4:\n%s", n, out.String())
	}
	checkScores(t, scores, tok, csv, dirs)
	if err := run(&out, csv, "text", 16, "", dirs[:1]); err == nil {
		t.Error("one model was accepted")
	}
}

// checkScores compares the -scores file with the mean of each model's probabilities.
func checkScores(t *testing.T, path string, tok *tokenize.Tokenizer, set string, dirs []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	l, err := data.ReadLabelled([]string{set}, data.LabelOptions{Options: data.Options{TextField: "text"}, Labels: []string{"threat"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != l.Len()+1 || !slices.Equal(rows[0], []string{"threat"}) {
		t.Fatalf("scores file has rows %q, want a header and %d texts", rows, l.Len())
	}
	want := make([]float64, l.Len())
	for _, d := range dirs {
		m, _, err := model.Load(d, model.LoadOptions{Arch: model.SequenceClassification})
		if err != nil {
			t.Fatal(err)
		}
		p, err := model.NewScorer(m).ScoreTexts(tok, l.Texts, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		for i := range p {
			want[i] += float64(p[i][0]) / float64(len(dirs))
		}
	}
	for i, r := range rows[1:] {
		got, err := strconv.ParseFloat(r[0], 64)
		if err != nil || math.Abs(got-want[i]) > 1e-6 {
			t.Errorf("text %d: score %q, want %g", i, r[0], want[i])
		}
	}
}
