package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/internal/atomicfile"
	"github.com/vigil-ml/vigil/ngram"
	"github.com/vigil-ml/vigil/train"
)

// teacherSettings are the settings of `train teacher`.
type teacherSettings struct {
	Train     []string `yaml:"train" json:"train"`
	Dev       []string `yaml:"dev" json:"dev"`
	Labels    []string `yaml:"labels" json:"labels"`
	Format    string   `yaml:"format" json:"format"`
	TextField string   `yaml:"text_field" json:"text_field"`
	IDField   string   `yaml:"id_field" json:"id_field"`
	Out       string   `yaml:"out" json:"out"`
	Alpha     float64  `yaml:"alpha" json:"alpha"`
	Folds     int      `yaml:"folds" json:"folds"`
	Seed      uint64   `yaml:"seed" json:"seed"`
	C         float64  `yaml:"c" json:"c"`
}

func newTeacherCmd() *cobra.Command {
	s := teacherSettings{TextField: "text", Alpha: 0.5, Folds: 5, Seed: 42, C: 3}
	var sf settingsFlags
	c := &cobra.Command{
		Use:   "teacher --train FILE... --labels a,b --out TARGETS.csv",
		Short: "Score labelled texts with an n-gram model, out of fold, as soft targets for fine-tuning",
		Long: `Fit the classical baseline for short texts, TF-IDF of word 1-2-grams and character 2-5-grams with a
logistic regression per label (scikit-learn's TfidfVectorizer and LogisticRegression(C=3,
class_weight="balanced"), to 1e-7), and use it as a teacher: every training text is scored by a model
fitted on the other --folds folds (stratified), as a held-out text would be, the scores are
recalibrated to probabilities against the labels, and each label's target is

    alpha × label + (1 − alpha) × score

written with the texts to --out (CSV: the id, the text and one column per label, named as in the
input). Fine-tuning on it with train finetune --soft-labels weighs alpha of the loss on people's labels
and the rest on the teacher: it distils what the n-grams know about rare words, which a transformer
learns slowly from few positives, into the classifier.

Prints each label's out-of-fold ROC-AUC and PR-AUC (what the targets carry) and, with --dev, the
scores on dev of the n-gram model fitted on all training texts: the baseline a fine-tuned model should
beat. Fitting takes seconds per fold.`,
		Example: `  train teacher --train train.csv --dev dev.csv --labels threat --out runs/targets.csv --alpha 0.2
  train finetune --init runs/pre --train runs/targets.csv --dev dev.csv --labels threat --soft-labels --out runs/threat`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := sf.resolve(c, &s); err != nil {
				return err
			}
			return runTeacher(c.Context(), c.OutOrStdout(), s)
		},
	}
	f := c.Flags()
	f.StringSlice("train", nil, "labelled training file: CSV/TSV or JSONL, optionally .gz (repeatable)")
	f.StringSlice("dev", nil, "labelled development file to report the n-gram baseline on (repeatable)")
	f.StringSlice("labels", nil, "label columns/fields, comma-separated")
	f.String("format", "", "input format: jsonl, csv or tsv (default: from the file name)")
	f.String("text-field", s.TextField, "JSONL field or CSV/TSV column holding the text")
	f.String("id-field", "", "JSONL field or CSV/TSV column holding a record id (default: file:line)")
	f.String("out", "", "CSV file for the targets")
	f.Float64("alpha", s.Alpha, "weight of people's labels in the targets (1: the labels alone, 0: the teacher alone)")
	f.Int("folds", s.Folds, "folds of the cross-fitting: each text is scored by a model fitted without its fold")
	f.Uint64("seed", s.Seed, "seed of the fold assignment")
	f.Float64("c", s.C, "inverse strength of the logistic regression's L2 penalty")
	sf.add(c)
	return c
}

func runTeacher(ctx context.Context, w io.Writer, s teacherSettings) error {
	start := time.Now()
	switch {
	case len(s.Train) == 0:
		return errors.New("teacher: no training data: give --train FILE")
	case s.Out == "":
		return errors.New("teacher: no output file: give --out FILE.csv")
	case !strings.EqualFold(filepath.Ext(s.Out), ".csv"):
		return fmt.Errorf("teacher: --out %s: the targets are written as CSV; name a .csv file", s.Out)
	case !(s.Alpha >= 0 && s.Alpha <= 1):
		return fmt.Errorf("teacher: alpha %g must lie in [0, 1]", s.Alpha)
	case s.Folds < 2:
		return fmt.Errorf("teacher: folds %d must be at least 2", s.Folds)
	case !(s.C > 0):
		return fmt.Errorf("teacher: c %g must be positive", s.C)
	}
	format, err := data.ParseFormat(s.Format)
	if err != nil {
		return fmt.Errorf("teacher: %w", err)
	}
	opts := data.LabelOptions{Options: data.Options{Format: format, TextField: s.TextField}, Labels: s.Labels, IDField: s.IDField}
	l, err := data.ReadLabelled(s.Train, opts)
	if err != nil {
		return fmt.Errorf("teacher: %w", err)
	}
	for j, p := range l.Positives() {
		if p < s.Folds || l.Len()-p < s.Folds {
			return fmt.Errorf("teacher: label %q has %d positive and %d negative training examples; %d folds need at least %d of each",
				s.Labels[j], p, l.Len()-p, s.Folds, s.Folds)
		}
	}
	fmt.Fprintf(w, "n-gram teacher on %d texts: TF-IDF word 1-2-grams + character 2-5-grams, logistic regression C=%g, %d folds\n",
		l.Len(), s.C, s.Folds)
	foldStart := time.Now()
	scores, err := ngram.OutOfFold(ctx, l, s.Folds, s.Seed, s.C, func(f int) {
		fmt.Fprintf(w, "fold %d/%d scored (%s)\n", f+1, s.Folds, time.Since(foldStart).Round(100*time.Millisecond))
		foldStart = time.Now()
	})
	if err != nil {
		return fmt.Errorf("teacher: %w", err)
	}
	// train.ScoreHeads reads logits; probabilities rank the same, and only the rankings are printed.
	heads, err := train.ScoreHeads(scores, l.Labels)
	if err != nil {
		return fmt.Errorf("teacher: %w", err)
	}
	rows := [][]string{{"label", "out-of-fold ROC-AUC", "PR-AUC"}}
	for j, h := range heads {
		rows = append(rows, []string{s.Labels[j], fmt.Sprintf("%.4f", h.ROCAUC), fmt.Sprintf("%.4f", h.PRAUC)})
	}
	if len(s.Dev) > 0 {
		dev, err := data.ReadLabelled(s.Dev, opts)
		if err != nil {
			return fmt.Errorf("teacher: %w", err)
		}
		m, err := ngram.Fit(ctx, l.Texts, l.Labels, s.C)
		if err != nil {
			return fmt.Errorf("teacher: %w", err)
		}
		devHeads, err := train.ScoreHeads(m.Scores(dev.Texts), dev.Labels)
		if err != nil {
			return fmt.Errorf("teacher: dev: %w", err)
		}
		rows[0] = append(rows[0], fmt.Sprintf("dev ROC-AUC (%d texts)", dev.Len()), "dev PR-AUC")
		for j, h := range devHeads {
			rows[j+1] = append(rows[j+1], fmt.Sprintf("%.4f", h.ROCAUC), fmt.Sprintf("%.4f", h.PRAUC))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeTargets(s, l, scores); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: %d texts, targets %g × label + %g × out-of-fold score, in %s\n",
		s.Out, l.Len(), s.Alpha, 1-s.Alpha, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeTargets writes the id, the text and each label's target alpha·label + (1−alpha)·score to s.Out.
func writeTargets(s teacherSettings, l *data.Labelled, scores [][]float64) error {
	idField := s.IDField
	if idField == "" {
		idField = "id"
	}
	header := append([]string{idField, s.TextField}, s.Labels...)
	for i, name := range header {
		for _, other := range header[:i] {
			if name == other {
				return fmt.Errorf("teacher: the output would have two %q columns: name the text, id and label columns apart", name)
			}
		}
	}
	return atomicfile.Write(s.Out, 0o644, func(f io.Writer) error {
		cw := csv.NewWriter(f)
		if err := cw.Write(header); err != nil {
			return err
		}
		rec := make([]string, len(header))
		for i, text := range l.Texts {
			rec[0], rec[1] = l.IDs[i], text
			for j, y := range l.Labels[i] {
				t := (1 - s.Alpha) * scores[i][j]
				if y {
					t += s.Alpha
				}
				rec[2+j] = strconv.FormatFloat(t, 'g', 6, 64)
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}
