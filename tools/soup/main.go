// Command soup compares fine-tuned classifiers with their combinations on a labelled set: it prints
// ROC-AUC and PR-AUC per label for each model, for the mean of their probabilities (an ensemble, which
// costs one model per member at inference) and for the model whose weights are the mean of theirs (a
// uniform soup, which costs one; `train soup` builds it as a model directory). A weight average works
// only for runs that start from the same weights: the same finetune --init and, best, the same head
// (finetune --set head_seed). With -scores it also
// writes the ensemble's probabilities, one CSV row per text in the file's order and one column per
// label, for comparisons with other models (tools/experiments/tfidf_ensemble.py).
//
// Usage:
//
//	go run ./tools/soup -data FILE [-text-field text] [-max-len 128] [-scores OUT.csv] MODEL_DIR...
package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/eval"
	"github.com/vigil-ml/vigil/internal/atomicfile"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
	"github.com/vigil-ml/vigil/train"
)

func main() {
	dataPath := flag.String("data", "", "labelled CSV/TSV or JSONL file")
	textField := flag.String("text-field", "text", "JSONL field or CSV/TSV column holding the text")
	maxLen := flag.Int("max-len", 128, "tokens per text")
	scores := flag.String("scores", "", "write the ensemble's probabilities to this CSV file")
	flag.Parse()
	if err := run(os.Stdout, *dataPath, *textField, *maxLen, *scores, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "soup:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, dataPath, textField string, maxLen int, scores string, dirs []string) error {
	if dataPath == "" || len(dirs) < 2 {
		return errors.New("give -data FILE and at least two model directories")
	}
	tok, err := tokenize.Load(filepath.Join(dirs[0], "tokenizer.json"))
	if err != nil {
		return err
	}
	want, err := os.ReadFile(filepath.Join(dirs[0], "tokenizer.json"))
	if err != nil {
		return err
	}
	var models []*model.Model
	for _, d := range dirs {
		if got, err := os.ReadFile(filepath.Join(d, "tokenizer.json")); err != nil || !bytes.Equal(got, want) {
			return fmt.Errorf("%s: its tokenizer.json differs from %s's (or is missing)", d, dirs[0])
		}
		m, _, err := model.Load(d, model.LoadOptions{Arch: model.SequenceClassification})
		if err != nil {
			return err
		}
		models = append(models, m)
	}
	labels := models[0].Config.Labels()
	set, err := data.ReadLabelled([]string{dataPath}, data.LabelOptions{Options: data.Options{TextField: textField}, Labels: labels})
	if err != nil {
		return err
	}
	score := func(m *model.Model) ([][]float32, error) {
		return model.NewScorer(m).ScoreTexts(tok, set.Texts, maxLen, 64)
	}
	rows := []string{}
	results := [][][]float32{}
	mean := make([][]float32, set.Len())
	for i := range mean {
		mean[i] = make([]float32, len(labels))
	}
	for k, m := range models {
		p, err := score(m)
		if err != nil {
			return err
		}
		for i := range p {
			for j, v := range p[i] {
				mean[i][j] += v / float32(len(models))
			}
		}
		rows, results = append(rows, dirs[k]), append(results, p)
	}
	if scores != "" {
		if err := writeScores(scores, labels, mean); err != nil {
			return err
		}
	}
	soup, err := train.Soup(models) // uncalibrates the members, scored above
	if err != nil {
		return err
	}
	p, err := score(soup)
	if err != nil {
		return err
	}
	rows = append(rows, "ensemble (mean probability)", "soup (mean weights)")
	results = append(results, mean, p)
	for j, label := range labels {
		y := make([]bool, set.Len())
		for i := range y {
			y[i] = set.Labels[i][j]
		}
		fmt.Fprintf(w, "%s: %d texts, %d positive\n", label, len(y), set.Positives()[j])
		for r, res := range results {
			s := make([]float64, len(res))
			for i := range res {
				s[i] = float64(res[i][j])
			}
			roc, err := eval.ROCAUC(s, y)
			if err != nil {
				return err
			}
			pr, err := eval.PRAUC(s, y)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  %-40s ROC-AUC %.4f  PR-AUC %.4f\n", rows[r], roc, pr)
		}
	}
	return nil
}

// writeScores writes p, one row per text, under a header of the label names.
func writeScores(path string, labels []string, p [][]float32) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(labels)
		row := make([]string, len(labels))
		for _, ps := range p {
			for j, v := range ps {
				row[j] = strconv.FormatFloat(float64(v), 'g', -1, 32)
			}
			cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	})
}
