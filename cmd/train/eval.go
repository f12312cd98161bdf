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
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-ml/vigil"
	"github.com/vigil-ml/vigil/configs"
	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/eval"
	"github.com/vigil-ml/vigil/internal/progress"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
	"github.com/vigil-ml/vigil/train"
)

// evalSettings are the settings of `train eval`.
type evalSettings struct {
	Model     string   `yaml:"model"`
	Data      string   `yaml:"data"`
	Format    string   `yaml:"format"`
	Labels    []string `yaml:"labels"`
	TextField string   `yaml:"text_field"`
	IDField   string   `yaml:"id_field"`
	Report    string   `yaml:"report"`
	Lexicon   string   `yaml:"lexicon"`
	Baseline  string   `yaml:"baseline"`
	MaxDrop   float64  `yaml:"max_drop"`
	ShowText  bool     `yaml:"show_text"`
	MaxLen    int      `yaml:"max_len"`
	BatchSize int      `yaml:"batch_size"`
	Seed      uint64   `yaml:"seed"`
	Resamples int      `yaml:"resamples"`
	TopK      int      `yaml:"top_k"`
}

func defaultEvalSettings() evalSettings {
	return evalSettings{
		TextField: "text", Lexicon: "en", MaxDrop: 0.01, BatchSize: 32, Seed: 42,
		Resamples: eval.DefaultResamples, TopK: eval.DefaultTopK,
	}
}

func newEvalCmd() *cobra.Command {
	s := defaultEvalSettings()
	var sf settingsFlags
	c := &cobra.Command{
		Use:   "eval --model DIR --data FILE",
		Short: "Evaluate a fine-tuned classifier on held-out labels and write a report",
		Long: `Score a labelled set with a fine-tuned model and measure every head: ROC-AUC and PR-AUC (average
precision) with bootstrap 95% intervals, precision, recall and F1 at the threshold stored in the model's
config.json (0.5, with a warning, when it stores none), the thresholds that reach 90% and 95% recall with
the number of messages people must read at each, the confusion matrix, the expected calibration error
(10 equal-width bins), score histograms, a table per signal word and, beside the model, a keyword
baseline that ranks messages by their number of signal-word matches.

The labelled set is CSV/TSV (label columns) or JSON Lines (label fields), optionally .gz; label values
are 0/1, true/false or yes/no. --labels picks heads (default: all of the model's).

The report goes to --report DIR (default MODEL/report): report.json (every number, for scripts and the
gate), report.md and report.html (for people; the HTML is one self-contained file) and figures/*.png
(ROC and precision-recall curves beside the keyword baseline, reliability diagram, score histogram), each
written atomically. Message texts appear neither on screen nor in the report unless --show-text; ids
(--id-field, else file:line) do.

Intervals are percentile bootstrap intervals: resamples (default 1000) draws of n messages with
replacement, seeded by --seed; a draw with a single class is skipped.

--lexicon is a built-in lexicon (en, nl, de) or a file: one term per line, '#' comments, multiword terms
such as "pop off", a trailing '*' for a prefix ("umbring*"); matching ignores case and accents and keeps
to word boundaries.

With --baseline REPORT.json the new report is compared with an earlier one: when any head's ROC-AUC or
PR-AUC is more than --max-drop below the baseline's, or a head is missing from either report, a table of
what regressed is printed and the exit status is 1. "train eval gate" compares two existing reports.

Settings without a flag (--config FILE or --set key=value): resamples (bootstrap, default 1000), top_k
(false positives and negatives listed per head, default 20).`,
		Example: `  train eval --model runs/ft --data heldout.csv --labels threat --lexicon nl
  train eval --model runs/ft --data heldout.jsonl.gz --id-field msg_id --baseline ci/report.json --max-drop 0.01`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := sf.resolve(c, &s); err != nil {
				return err
			}
			return runEval(c, s)
		},
	}
	f := c.Flags()
	f.String("model", "", "fine-tuned model directory (config.json, model.safetensors, tokenizer.json)")
	f.String("data", "", "labelled set: CSV/TSV or JSONL, optionally .gz")
	f.String("format", "", "input format: jsonl, csv or tsv (default: from the file name)")
	f.StringSlice("labels", nil, "heads to evaluate, comma-separated (default: all of the model's)")
	f.String("text-field", s.TextField, "JSONL field or CSV/TSV column holding the text")
	f.String("id-field", "", "JSONL field or CSV/TSV column holding a message id (default: file:line)")
	f.String("report", "", "report directory (default: MODEL/report)")
	f.String("lexicon", s.Lexicon, "signal words: en, nl, de or a lexicon file")
	f.String("baseline", "", "earlier report.json to gate against")
	f.Float64("max-drop", s.MaxDrop, "largest allowed drop of ROC-AUC or PR-AUC below the baseline")
	f.Bool("show-text", false, "print and report the texts of misclassified messages")
	f.Int("max-len", 0, "tokens per message, [CLS] and [SEP] included (0: the model's limit)")
	f.Int("batch-size", s.BatchSize, "messages scored per batch")
	f.Uint64("seed", s.Seed, "seed of the bootstrap")
	sf.add(c)
	c.AddCommand(newGateCmd())
	return c
}

func runEval(c *cobra.Command, s evalSettings) error {
	start := time.Now()
	if err := checkEvalSettings(s); err != nil {
		return err
	}
	format, err := data.ParseFormat(s.Format)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	lex, err := loadLexicon(s.Lexicon)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	var base *eval.Report
	if s.Baseline != "" {
		if base, err = eval.ReadReport(s.Baseline); err != nil {
			return fmt.Errorf("eval: baseline: %w", err)
		}
	}
	m, tok, err := loadClassifier("eval", s.Model)
	if err != nil {
		return err
	}
	labels, cols, err := pickLabels(m.Config, s.Labels, s.Model)
	if err != nil {
		return err
	}
	set, err := data.ReadLabelled([]string{s.Data}, data.LabelOptions{
		Options: data.Options{Format: format, TextField: s.TextField}, Labels: labels, IDField: s.IDField,
	})
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	maxLen := s.MaxLen
	if limit := m.Config.MaxPositionEmbeddings; maxLen <= 0 || maxLen > limit {
		maxLen = limit
	}
	scorer := model.NewScorer(m)
	bar := progress.New(c.ErrOrStderr(), "scoring", int64(set.Len()), "msg")
	scorer.Progress = func(done, _ int) { bar.Update(int64(done)) }
	probs, err := scorer.ScoreTexts(tok, set.Texts, maxLen, s.BatchSize)
	if err != nil {
		return fmt.Errorf("eval: scoring: %w", err)
	}
	bar.Finish(int64(set.Len()))

	es := eval.Set{IDs: set.IDs, Texts: set.Texts, Labels: labels, Truth: set.Labels,
		Scores: make([][]float64, set.Len()), Sources: make([]string, set.Len())}
	for i, p := range probs {
		es.Scores[i] = make([]float64, len(cols))
		for j, col := range cols {
			es.Scores[i][j] = float64(p[col])
		}
		es.Sources[i] = set.Sources[i].String()
	}
	r, err := eval.Evaluate(es, eval.Options{
		Thresholds: m.Config.Thresholds, Lexicon: lex, LexiconName: s.Lexicon,
		Resamples: s.Resamples, Seed: s.Seed, ShowText: s.ShowText, TopK: s.TopK,
	})
	if err != nil {
		return fmt.Errorf("eval: %s: %w", s.Data, err)
	}
	if err := describeInputs(r, s, maxLen); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	dir := s.Report
	if dir == "" {
		dir = filepath.Join(s.Model, "report")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	path := filepath.Join(dir, "report.json")
	if err := eval.WriteReport(path, r); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if err := eval.Render(dir, r); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	w := c.OutOrStdout()
	for _, warn := range r.Warnings {
		fmt.Fprintf(c.ErrOrStderr(), "warning: %s\n", warn)
	}
	if err := printSummary(w, r); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s, report.md, report.html and figures/ in %s\n", path, time.Since(start).Round(time.Millisecond))
	if base == nil {
		return nil
	}
	return gate(w, r, base, s.MaxDrop)
}

// checkEvalSettings reports missing inputs and impossible numbers.
func checkEvalSettings(s evalSettings) error {
	switch {
	case s.Model == "":
		return errors.New("eval: no model: give --model DIR")
	case s.Data == "":
		return errors.New("eval: no labelled set: give --data FILE")
	case !(s.MaxDrop >= 0):
		return fmt.Errorf("eval: max_drop %g must be at least 0", s.MaxDrop)
	case s.BatchSize < 1:
		return fmt.Errorf("eval: batch_size %d must be positive", s.BatchSize)
	case s.MaxLen < 0:
		return fmt.Errorf("eval: max_len %d must not be negative", s.MaxLen)
	case s.Resamples < 1:
		return fmt.Errorf("eval: resamples %d must be positive", s.Resamples)
	case s.TopK < 1:
		return fmt.Errorf("eval: top_k %d must be positive", s.TopK)
	}
	return nil
}

// loadLexicon reads a built-in lexicon by name, else a lexicon file.
func loadLexicon(name string) (*data.Lexicon, error) {
	if slices.Contains(configs.Lexicons(), name) {
		b, err := configs.Lexicon(name)
		if err != nil {
			return nil, err
		}
		return data.ParseLexicon(bytes.NewReader(b), name)
	}
	return data.ReadLexicon(name)
}

// loadClassifier loads a fine-tuned model directory and its tokenizer, refusing one whose classifier
// was never trained.
func loadClassifier(command, dir string) (*model.Model, *tokenize.Tokenizer, error) {
	m, info, err := model.Load(dir, model.LoadOptions{Arch: model.SequenceClassification})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", command, err)
	}
	if len(info.Initialized) > 0 {
		return nil, nil, fmt.Errorf("%s: model %s has no trained classifier (missing %s): fine-tune it first", command, dir, strings.Join(info.Initialized, ", "))
	}
	if len(m.Config.Labels()) == 0 {
		return nil, nil, fmt.Errorf("%s: model %s names no labels (id2label)", command, dir)
	}
	tok, err := tokenize.Load(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", command, err)
	}
	if m.Config.VocabSize != tok.VocabSize() {
		return nil, nil, fmt.Errorf("%s: model %s: vocab_size %d does not match its tokenizer's %d tokens", command, dir, m.Config.VocabSize, tok.VocabSize())
	}
	return m, tok, nil
}

// pickLabels returns the labels to evaluate (all of the model's when want is empty) and each one's
// output column.
func pickLabels(c model.Config, want []string, dir string) ([]string, []int, error) {
	all := c.Labels()
	if len(want) == 0 {
		want = all
	}
	cols := make([]int, len(want))
	for i, l := range want {
		cols[i] = slices.Index(all, l)
		if cols[i] < 0 {
			return nil, nil, fmt.Errorf("eval: model %s has no label %q (it has %s)", dir, l, strings.Join(all, ", "))
		}
	}
	return want, cols, nil
}

// describeInputs records what was evaluated: the version, the time, the model's weights and the data.
func describeInputs(r *eval.Report, s evalSettings, maxLen int) error {
	info, err := train.NewRunInfo("eval", s, s.Seed, []string{filepath.Join(s.Model, model.WeightsFile), s.Data})
	if err != nil {
		return err
	}
	weights, set := info.Inputs[0], info.Inputs[1]
	r.Vigil = vigil.VersionString()
	r.Created = info.Started.Format(time.RFC3339)
	r.Model = eval.ModelInfo{ID: weights.SHA256, Dir: s.Model, MaxLen: maxLen}
	r.Data = eval.DataInfo{Path: s.Data, SHA256: set.SHA256, Bytes: set.Bytes, TextField: s.TextField, IDField: s.IDField}
	return nil
}

// printSummary writes one line per head and the triage operating points, never message texts unless
// the report holds them by choice (show-text).
func printSummary(w io.Writer, r *eval.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "head\tn\tpos\tROC-AUC [95% CI]\tPR-AUC [95% CI]\tthreshold\tP\tR\tF1\tECE\tkeywords ROC/PR")
	for _, l := range r.Labels {
		h, b := r.Heads[l], r.KeywordBaseline[l]
		src := ""
		if h.ThresholdSource != "config" {
			src = " (default)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f [%.3f, %.3f]\t%.3f [%.3f, %.3f]\t%.3f%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f / %.3f\n",
			l, h.N, h.Positives, h.ROCAUC, h.ROCAUCCI.Lo, h.ROCAUCCI.Hi, h.PRAUC, h.PRAUCCI.Lo, h.PRAUCCI.Hi,
			h.Threshold, src, h.Precision, h.Recall, h.F1, h.ECE, b.ROCAUC, b.PRAUC)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "head\toperating point\tthreshold\tmessages to read\tP\tR\tF1\tTP\tFP\tFN")
	for _, l := range r.Labels {
		for _, op := range r.Heads[l].Thresholds {
			fmt.Fprintf(tw, "%s\t%s\t%.4f\t%d (%.1f%%)\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\n", l, op.Name, op.Threshold,
				op.ToRead, 100*op.ToReadShare, op.Precision, op.Recall, op.F1, op.Confusion.TP, op.Confusion.FP, op.Confusion.FN)
		}
	}
	for _, l := range r.Labels {
		for _, ex := range r.Heads[l].TopFalsePositives {
			if ex.Text != "" {
				fmt.Fprintf(tw, "%s\tfalse positive\t%.4f\t%s\t%q\n", l, ex.Score, ex.ID, ex.Text)
			}
		}
		for _, ex := range r.Heads[l].TopFalseNegatives {
			if ex.Text != "" {
				fmt.Fprintf(tw, "%s\tfalse negative\t%.4f\t%s\t%q\n", l, ex.Score, ex.ID, ex.Text)
			}
		}
	}
	return tw.Flush()
}

// gate compares r with base, prints the comparison and returns an exit-status-1 error on failure.
func gate(w io.Writer, r, base *eval.Report, maxDrop float64) error {
	g := eval.Gate(r, base, maxDrop)
	fmt.Fprintln(w)
	if err := g.WriteTable(w); err != nil {
		return err
	}
	if err := g.Err(); err != nil {
		return &exitError{code: 1, err: err}
	}
	fmt.Fprintf(w, "regression gate passed (max drop %g)\n", maxDrop)
	return nil
}

// gateSettings are the settings of `train eval gate`.
type gateSettings struct {
	Report   string  `yaml:"report"`
	Baseline string  `yaml:"baseline"`
	MaxDrop  float64 `yaml:"max_drop"`
}

func newGateCmd() *cobra.Command {
	s := gateSettings{MaxDrop: defaultEvalSettings().MaxDrop}
	var sf settingsFlags
	c := &cobra.Command{
		Use:   "gate --report REPORT.json --baseline REPORT.json",
		Short: "Compare two evaluation reports; exit 1 when a head regressed",
		Long: `Compare a report.json written by "train eval" with a baseline report. When any head's ROC-AUC or
PR-AUC is more than --max-drop below the baseline's, or a head is missing from either report, print a
table of what regressed and exit with status 1; otherwise exit 0. Unreadable reports exit 2.`,
		Example: `  train eval gate --report runs/ft/report/report.json --baseline ci/report.json --max-drop 0.01`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := sf.resolve(c, &s); err != nil {
				return err
			}
			switch {
			case s.Report == "" || s.Baseline == "":
				return errors.New("eval gate: give --report and --baseline")
			case !(s.MaxDrop >= 0):
				return fmt.Errorf("eval gate: max_drop %g must be at least 0", s.MaxDrop)
			}
			r, err := eval.ReadReport(s.Report)
			if err != nil {
				return fmt.Errorf("eval gate: %w", err)
			}
			base, err := eval.ReadReport(s.Baseline)
			if err != nil {
				return fmt.Errorf("eval gate: baseline: %w", err)
			}
			return gate(c.OutOrStdout(), r, base, s.MaxDrop)
		},
	}
	f := c.Flags()
	f.String("report", "", "report.json to check")
	f.String("baseline", "", "report.json to compare with")
	f.Float64("max-drop", s.MaxDrop, "largest allowed drop of ROC-AUC or PR-AUC below the baseline")
	sf.add(c)
	return c
}
