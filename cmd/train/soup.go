package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
	"github.com/vigil-ml/vigil/train"
)

// soupSettings are the settings of `train soup`; run.json records them.
type soupSettings struct {
	Models       []string `yaml:"models" json:"models"`
	Dev          []string `yaml:"dev" json:"dev"`
	Format       string   `yaml:"format" json:"format"`
	TextField    string   `yaml:"text_field" json:"text_field"`
	Out          string   `yaml:"out" json:"out"`
	MaxLen       int      `yaml:"max_len" json:"max_len"`
	BatchSize    int      `yaml:"batch_size" json:"batch_size"`
	TargetRecall float64  `yaml:"target_recall" json:"target_recall"`
}

func newSoupCmd() *cobra.Command {
	s := soupSettings{TextField: "text", BatchSize: 32}
	var sf settingsFlags
	var overwrite bool
	c := &cobra.Command{
		Use:   "soup --out DIR MODEL_DIR...",
		Short: "Average fine-tuned classifiers into one model and calibrate it on dev",
		Long: `Average the weights of classifiers fine-tuned from the same --init (a uniform "model soup"): the
result is one model, as fast as each of them, that usually ranks better than the runs it averages, since
their seeds' noise cancels. Fine-tune the members with different --seed and one head_seed
(--set head_seed=N), so that they differ only in data order and dropout.

Each member's calibration is undone before averaging; the soup is then calibrated on dev like a
fine-tuned model: a temperature per label folded into the classifier, and a threshold per label by best
F1 or, with --target-recall R, the highest that finds R of the positives.

Dev is --dev FILE, or the --dev files every member was fine-tuned with (their run.json); the members are
scored on it beside the soup, and a soup below its weakest member is reported: members too far apart
to average. Members must share the tokenizer, the configuration and the labels, and, when their
run.json records it, the --init they were fine-tuned from.

--out receives the soup as a model directory (config.json, model.safetensors, tokenizer.json) with
run.json naming the members and their dev scores; a non-empty --out needs --overwrite.`,
		Example: `  for seed in 1 2 3 4 5; do
    train finetune --init runs/pre --train train.csv --dev dev.csv --labels threat --seed $seed \
        --set head_seed=1 --out runs/threat-s$seed
  done
  train soup --out runs/threat runs/threat-s1 runs/threat-s2 runs/threat-s3 runs/threat-s4 runs/threat-s5`,
		RunE: func(c *cobra.Command, args []string) error {
			if err := sf.resolve(c, &s, "overwrite"); err != nil {
				return err
			}
			if len(args) > 0 {
				s.Models = args
			}
			return runSoup(c.OutOrStdout(), c.ErrOrStderr(), s, overwrite)
		},
	}
	f := c.Flags()
	f.StringSlice("dev", nil, "labelled development file (repeatable; default: the members' --dev)")
	f.String("format", "", "input format: jsonl, csv or tsv (default: from the file name)")
	f.String("text-field", s.TextField, "JSONL field or CSV/TSV column holding the text")
	f.String("out", "", "directory for the soup")
	f.Int("max-len", 0, "tokens per text (0: the members' --max-len, else the model's limit)")
	f.Int("batch-size", s.BatchSize, "texts scored per batch")
	f.Float64("target-recall", 0, "choose each threshold for this dev recall instead of the best F1")
	f.BoolVar(&overwrite, "overwrite", false, "write into a non-empty --out")
	sf.add(c)
	return c
}

// soupMember is what run.json records about one member of a soup.
type soupMember struct {
	Dir    string             `json:"dir"`
	PRAUC  map[string]float64 `json:"dev_pr_auc"`
	ROCAUC map[string]float64 `json:"dev_roc_auc"`
}

// soupData is what run.json records about the members and the soup.
type soupData struct {
	Dev     int          `json:"dev"`
	Members []soupMember `json:"members"`
	Soup    soupMember   `json:"soup"` // before calibration, which changes no ranking
}

func runSoup(w, errOut io.Writer, s soupSettings, overwrite bool) error {
	start := time.Now()
	switch {
	case s.Out == "":
		return errors.New("soup: no output directory: give --out DIR")
	case len(s.Models) < 2:
		return fmt.Errorf("soup: %d model directories given; a soup takes at least two", len(s.Models))
	case s.BatchSize < 1:
		return fmt.Errorf("soup: batch_size %d must be positive", s.BatchSize)
	case s.TargetRecall < 0 || s.TargetRecall > 1:
		return fmt.Errorf("soup: target_recall %g must lie in (0, 1], or 0 for the best F1", s.TargetRecall)
	}
	if err := checkOut("soup", s.Out, overwrite); err != nil {
		return err
	}
	members, tok, err := loadMembers(s.Models)
	if err != nil {
		return err
	}
	if err := soupProvenance(errOut, &s); err != nil {
		return err
	}
	names := slices.Clone(s.Models) // as given, for the table
	paths := []*string{&s.Out}
	for i := range s.Models {
		paths = append(paths, &s.Models[i])
	}
	for i := range s.Dev {
		paths = append(paths, &s.Dev[i])
	}
	if err := absolute("soup", paths...); err != nil {
		return err
	}
	format, err := data.ParseFormat(s.Format)
	if err != nil {
		return fmt.Errorf("soup: %w", err)
	}
	labels := members[0].Config.Labels()
	dev, err := data.ReadLabelled(s.Dev, data.LabelOptions{Options: data.Options{Format: format, TextField: s.TextField}, Labels: labels})
	if err != nil {
		return fmt.Errorf("soup: %w", err)
	}
	if limit := members[0].Config.MaxPositionEmbeddings; s.MaxLen <= 0 || s.MaxLen > limit {
		s.MaxLen = limit
	}
	batches := train.NewClassSet(tok, dev, s.MaxLen).Batches(s.BatchSize)

	fmt.Fprintf(w, "souping %d models (%d layers × %d hidden; %s) on dev: %d texts\n",
		len(members), members[0].Config.NumHiddenLayers, members[0].Config.HiddenSize, strings.Join(labels, ", "), dev.Len())
	fmt.Fprintf(w, "dev PR-AUC / ROC-AUC per label (%s):\n", strings.Join(labels, ", "))
	found := soupData{Dev: dev.Len()}
	worst := make([]float64, len(labels))
	mean := soupMember{Dir: "member mean", PRAUC: map[string]float64{}, ROCAUC: map[string]float64{}}
	for i, m := range members {
		logits, err := train.Logits(m, batches)
		if err != nil {
			return fmt.Errorf("soup: %s: %w", names[i], err)
		}
		r, err := scoreLogits(names[i], labels, logits, dev.Labels)
		if err != nil {
			return err
		}
		for j, l := range labels {
			if i == 0 || r.PRAUC[l] < worst[j] {
				worst[j] = r.PRAUC[l]
			}
			mean.PRAUC[l] += r.PRAUC[l] / float64(len(members))
			mean.ROCAUC[l] += r.ROCAUC[l] / float64(len(members))
		}
		found.Members = append(found.Members, r)
		printScores(w, r, labels)
	}
	printScores(w, mean, labels)
	soup, err := train.Soup(members)
	if err != nil {
		return err
	}
	logits, err := train.Logits(soup, batches)
	if err != nil {
		return fmt.Errorf("soup: %w", err)
	}
	if found.Soup, err = scoreLogits("soup", labels, logits, dev.Labels); err != nil {
		return err
	}
	printScores(w, found.Soup, labels)
	for j, l := range labels {
		if found.Soup.PRAUC[l] < worst[j] {
			fmt.Fprintf(errOut, "train: warning: the soup's dev PR-AUC for %s, %.4f, is below every member's (lowest %.4f): the members are too far apart to average (fine-tune them from one --init and one head_seed)\n",
				l, found.Soup.PRAUC[l], worst[j])
		}
	}
	if err := calibrateOn(w, soup, logits, dev.Labels, s.TargetRecall); err != nil {
		return fmt.Errorf("soup: %w", err)
	}
	inputs := make([]string, 0, len(s.Models)+len(s.Dev))
	for _, d := range s.Models {
		inputs = append(inputs, filepath.Join(d, model.WeightsFile))
	}
	inputs = append(inputs, s.Dev...)
	if err := startRunDir("soup", s.Out, overwrite, tok, soup, s, 0, inputs, found); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s in %s\n", s.Out, time.Since(start).Round(time.Second))
	return nil
}

// loadMembers loads the classifiers to average and the tokenizer they share.
func loadMembers(dirs []string) ([]*model.Model, *tokenize.Tokenizer, error) {
	var (
		members []*model.Model
		tok     *tokenize.Tokenizer
		first   []byte
	)
	for i, dir := range dirs {
		m, t, err := loadClassifier("soup", dir)
		if err != nil {
			return nil, nil, err
		}
		b, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
		if err != nil {
			return nil, nil, fmt.Errorf("soup: %w", err)
		}
		if i == 0 {
			tok, first = t, b
		} else if !bytes.Equal(b, first) {
			return nil, nil, fmt.Errorf("soup: %s has another tokenizer.json than %s: members must share their tokenizer", dir, dirs[0])
		}
		members = append(members, m)
	}
	return members, tok, nil
}

// soupProvenance checks what the members' run.json files record: one --init for all, and fills in
// the dev files, their format and text field, and max_len from them where s leaves them unset. A head
// seed that differs between members is worth a note only: such soups still work, if less well.
func soupProvenance(errOut io.Writer, s *soupSettings) error {
	var runs []finetuneSettings
	var dirs []string
	for _, dir := range s.Models {
		var fs finetuneSettings
		info, err := train.ReadRunInfo(dir, &fs)
		if errors.Is(err, os.ErrNotExist) {
			continue // a model directory from elsewhere
		}
		if err != nil {
			return fmt.Errorf("soup: %w", err)
		}
		if info.Command != "finetune" {
			continue
		}
		runs, dirs = append(runs, fs), append(dirs, dir)
	}
	heads := map[uint64]bool{}
	for i, r := range runs {
		if !samePath(r.Init, runs[0].Init) {
			return fmt.Errorf("soup: %s was fine-tuned from %s, %s from %s: only runs from one --init can be averaged",
				dirs[i], r.Init, dirs[0], runs[0].Init)
		}
		heads[r.headSeed()] = true
	}
	if len(heads) > 1 {
		fmt.Fprintf(errOut, "train: note: the members' classifier heads start from %d different seeds; with one head_seed (--set head_seed=N) their average is closer to each of them\n", len(heads))
	}
	all := len(runs) == len(s.Models)
	if s.MaxLen == 0 && all && !slices.ContainsFunc(runs, func(r finetuneSettings) bool { return r.MaxLen != runs[0].MaxLen }) {
		s.MaxLen = runs[0].MaxLen
	}
	if len(s.Dev) > 0 {
		return nil
	}
	if !all || len(runs[0].Dev) == 0 {
		return errors.New("soup: no dev set: give --dev FILE (the members' run.json records no --dev file for all of them)")
	}
	for i, r := range runs {
		if !slices.Equal(r.Dev, runs[0].Dev) || r.TextField != runs[0].TextField || r.Format != runs[0].Format {
			return fmt.Errorf("soup: %s and %s were fine-tuned with different dev files or fields: give --dev FILE", dirs[0], dirs[i])
		}
	}
	s.Dev, s.TextField, s.Format = runs[0].Dev, runs[0].TextField, runs[0].Format
	return nil
}

// samePath reports whether a and b name one file or directory, through symbolic links when both
// exist.
func samePath(a, b string) bool {
	ra, errA := filepath.EvalSymlinks(a)
	rb, errB := filepath.EvalSymlinks(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ra == rb
}

// scoreLogits measures a model's dev logits [text][label] against the dev labels, per label.
func scoreLogits(name string, labels []string, logits [][]float64, truth [][]bool) (soupMember, error) {
	heads, err := train.ScoreHeads(logits, truth)
	if err != nil {
		return soupMember{}, fmt.Errorf("soup: dev: %w", err)
	}
	r := soupMember{Dir: name, PRAUC: map[string]float64{}, ROCAUC: map[string]float64{}}
	for j, l := range labels {
		r.PRAUC[l], r.ROCAUC[l] = heads[j].PRAUC, heads[j].ROCAUC
	}
	return r, nil
}

func printScores(w io.Writer, r soupMember, labels []string) {
	fmt.Fprintf(w, "  %-40s", r.Dir)
	for _, l := range labels {
		fmt.Fprintf(w, "  %.4f / %.4f", r.PRAUC[l], r.ROCAUC[l])
	}
	fmt.Fprintln(w)
}
