package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
	"github.com/vigil-ml/vigil/train"
)

// finetuneSettings are the settings of `train finetune`; run.json records them.
type finetuneSettings struct {
	Init         string   `yaml:"init" json:"init"`
	Train        []string `yaml:"train" json:"train"`
	Dev          []string `yaml:"dev" json:"dev"`
	Test         []string `yaml:"test" json:"test"`
	Labels       []string `yaml:"labels" json:"labels"`
	Format       string   `yaml:"format" json:"format"`
	TextField    string   `yaml:"text_field" json:"text_field"`
	IDField      string   `yaml:"id_field" json:"id_field"`
	SoftLabels   bool     `yaml:"soft_labels" json:"soft_labels"`
	Out          string   `yaml:"out" json:"out"`
	Epochs       float64  `yaml:"epochs" json:"epochs"`
	MaxSteps     int      `yaml:"max_steps" json:"max_steps"`
	BatchSize    int      `yaml:"batch_size" json:"batch_size"`
	MaxLen       int      `yaml:"max_len" json:"max_len"`
	LR           float64  `yaml:"lr" json:"lr"`
	Warmup       int      `yaml:"warmup" json:"warmup"`
	Decay        string   `yaml:"decay" json:"decay"`
	WeightDecay  float64  `yaml:"weight_decay" json:"weight_decay"`
	ClipNorm     float64  `yaml:"clip_norm" json:"clip_norm"`
	Seed         uint64   `yaml:"seed" json:"seed"`
	DevFraction  float64  `yaml:"dev_fraction" json:"dev_fraction"`
	PosWeight    string   `yaml:"pos_weight" json:"pos_weight"`
	LayerDecay   float64  `yaml:"layer_decay" json:"layer_decay"`
	FreezeSteps  int      `yaml:"freeze_steps" json:"freeze_steps"`
	Patience     int      `yaml:"patience" json:"patience"`
	TargetRecall float64  `yaml:"target_recall" json:"target_recall"`
	EvalEvery    int      `yaml:"eval_every" json:"eval_every"`
	SaveEvery    int      `yaml:"save_every" json:"save_every"`
	Dropout      *float64 `yaml:"dropout" json:"dropout,omitempty"`     // nil: the --init model's
	HeadSeed     *uint64  `yaml:"head_seed" json:"head_seed,omitempty"` // nil: Seed
	Adversarial  float64  `yaml:"adversarial" json:"adversarial,omitempty"`
	// AdversarialScope is what the adversarial length measures: the whole word-embedding table
	// ("table"; empty, the default, means it too) or each sequence's looked-up embeddings ("sequence").
	AdversarialScope string `yaml:"adversarial_scope" json:"adversarial_scope,omitempty"`
	RedrawLayers     int    `yaml:"redraw_layers" json:"redraw_layers,omitempty"`
	// PieceDropout samples each epoch's segmentation of the training texts (tokenize.EncodeOptions).
	PieceDropout float64 `yaml:"piece_dropout" json:"piece_dropout,omitempty"`
	// PatienceAfter is the step up to which evaluations do not count toward Patience
	// (train.Trainer.PatienceAfter), so a run slow to leave its start is not stopped there.
	PatienceAfter int `yaml:"patience_after" json:"patience_after,omitempty"`
}

// headSeed is the seed of the new classifier head: head_seed when set, else seed.
func (s finetuneSettings) headSeed() uint64 {
	if s.HeadSeed != nil {
		return *s.HeadSeed
	}
	return s.Seed
}

func defaultFinetuneSettings() finetuneSettings {
	return finetuneSettings{
		TextField: "text", Epochs: 3, BatchSize: 32, MaxLen: 128, LR: 5e-5, Decay: string(train.DecayLinear),
		WeightDecay: 0.01, ClipNorm: 1, Seed: 42, DevFraction: 0.1, PosWeight: "none", LayerDecay: 1, Patience: 3,
		SaveEvery: 500,
	}
}

func newFinetuneCmd() *cobra.Command {
	s := defaultFinetuneSettings()
	var sf settingsFlags
	var resume, overwrite bool
	c := &cobra.Command{
		Use:   "finetune --init DIR --train FILE... --labels a,b --out DIR",
		Short: "Fine-tune classification heads (one sigmoid per label) on labelled texts",
		Long: `Fine-tune a pretrained BERT encoder with a multi-label classifier on labelled texts: one sigmoid
output per label (BertForSequenceClassification with problem_type multi_label_classification).

--init DIR is a run directory of train pretrain or a Hugging Face BERT directory (BertForMaskedLM or plain
BertModel weights in model.safetensors, tokenizer.json or vocab.txt); the pooler and classifier it lacks
start afresh. The labelled files are CSV/TSV with a column per label, or JSON Lines with a field per
label; a label is 0/1, true/false or yes/no. Texts are cut to --max-len tokens.

--soft-labels also accepts any number from 0 to 1 as a training label: the target of that output's
cross-entropy, such as the share of annotators who chose the label, or people's labels mixed with a
teacher model's scores on the training texts (ALPHA × label + (1 − ALPHA) × score, the scores out of
fold, as train teacher writes them), which distils the teacher into the classifier. Dev labels stay
0/1, so --soft-labels needs --dev; a soft target of 0.5 or more counts as a positive in the counts
and in --pos-weight auto.

Held-out data: --dev FILE, or else a --dev-fraction of the training file split off, stratified by label
combination. Every label needs positive and negative examples in both. The model is evaluated on dev every
--eval-every steps, at the end of each epoch and at the end: PR-AUC and ROC-AUC per label go to
metrics.jsonl. The weights with the best mean PR-AUC are kept in --out; after --patience evaluations
without improvement (0: never) training stops early.

Then a temperature per label is fitted on dev (minimising dev cross-entropy) and folded into the
classifier weights, so the probabilities every runtime computes from the saved weights are calibrated;
and a decision threshold per label is chosen on dev, by best F1 or, with --target-recall R, the highest
threshold that still finds R of the positives. config.json records both under "temperatures" and
"thresholds" (Hugging Face ignores the keys).

Class imbalance: --pos-weight auto weighs each label's positives by negatives/positives on the training
set (or give one weight per label, comma-separated; none: 1). Weighted training ranks rare positives
better but shifts the logits by about log(weight), which temperature scaling does not undo: the
thresholds, chosen on dev, account for it.
--layer-decay X multiplies the learning rate of each layer below the head by X (the embeddings get
X^(layers+1)); --freeze-steps N trains only the pooler and classifier for the first N steps
(evaluations before the encoder trains do not count toward --patience).

Texts that appear (lowercased, spaces collapsed) in both train and dev, or in --test files, are counted,
reported on stderr and recorded in run.json: a leaked held-out set overstates quality.

The run directory follows pretrain's rules: a new or empty --out starts a run, one with a checkpoint
needs --resume (which continues exactly, with the settings in run.json), any other non-empty one
--overwrite.

Settings without a flag (--config FILE or --set key=value): decay, weight_decay, clip_norm, warmup,
save_every, dropout (the encoder's hidden and attention dropout, recorded in config.json; default: the
--init model's, e.g. 0 after pretraining with --set dropout=0), head_seed (seed of the new head's
initialisation, default --seed: runs with one head_seed and different seeds start from the same weights
and differ in data order and dropout only, so their weights can be averaged), adversarial (EPSILON:
each update also trains on the batch with the word embeddings moved EPSILON, in all, along the
gradient of the loss, the change that hurts most, as in Miyato et al. 2017; twice the compute per
step; default 0, off), adversarial_scope (what EPSILON measures: table, the default, moves the
word-embedding table by EPSILON in all; sequence moves the embeddings each text looks up by EPSILON
apart, as Miyato et al. do), redraw_layers (N: the top N transformer layers of --init start from a fresh
initialisation drawn from head_seed, as Zhang et al. 2021 found helps with few labels; default 0),
piece_dropout (P: every epoch splits the training texts into pieces afresh, each longest vocabulary
match of a word passed over with probability P for a shorter one, the BPE-dropout of Provilkov et al.
2020, so the model learns words from several splits; dev, eval and the exported tokenizer keep the
usual split; default 0), patience_after (N: evaluations up to step N do not count toward --patience,
so that a run still on the plateau of its first epochs, which some seeds leave later than others, is
not stopped there; a better dev score still counts as the best; default 0).`,
		Example: `  train finetune --init runs/adapt --train labelled.csv --labels threat --out runs/threat
  train finetune --init runs/adapt --train train.jsonl --dev dev.jsonl --labels threat,drugs \
      --epochs 5 --lr 3e-5 --pos-weight auto --target-recall 0.9 --out runs/clf
  train finetune --out runs/clf --resume`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := sf.resolve(c, &s, "resume", "overwrite"); err != nil {
				return err
			}
			if err := finetuneAbsPaths(&s); err != nil {
				return err
			}
			f := finetuneRun{s: s, resume: resume, overwrite: overwrite, out: c.OutOrStdout(), errOut: c.ErrOrStderr()}
			f.onlyOut = sf.file == "" && len(sf.sets) == 0 && onlyFlags(c.Flags(), "out", "resume", "overwrite")
			return f.run(c.Context())
		},
	}
	f := c.Flags()
	f.String("init", "", "pretrained model directory (train pretrain run or Hugging Face BERT)")
	f.StringSlice("train", nil, "labelled training file: CSV/TSV or JSONL, optionally .gz (repeatable)")
	f.StringSlice("dev", nil, "labelled development file (repeatable; default: split off --dev-fraction of --train)")
	f.StringSlice("test", nil, "labelled test file, only checked for texts shared with train and dev (repeatable)")
	f.StringSlice("labels", nil, "label columns/fields, comma-separated, in output order")
	f.String("format", "", "input format: jsonl, csv or tsv (default: from the file name)")
	f.String("text-field", s.TextField, "JSONL field or CSV/TSV column holding the text")
	f.String("id-field", "", "JSONL field or CSV/TSV column holding a record id")
	f.Bool("soft-labels", false, "training labels may be any number from 0 to 1 (targets, e.g. for distillation; needs --dev)")
	f.String("out", "", "run directory")
	f.Float64("epochs", s.Epochs, "passes over the training set when --max-steps is 0")
	f.Int("max-steps", 0, "optimizer updates (0: run --epochs passes)")
	f.Int("batch-size", s.BatchSize, "texts per update")
	f.Int("max-len", s.MaxLen, "tokens per text, [CLS] and [SEP] included")
	f.Float64("lr", s.LR, "peak learning rate")
	f.Uint64("seed", s.Seed, "seed for the head's initialisation, the dev split, shuffling and dropout")
	f.Float64("dev-fraction", s.DevFraction, "share of --train held out as dev when --dev is not given")
	f.String("pos-weight", s.PosWeight, "weight of positive examples per label: none, auto (negatives/positives) or v1,v2,...")
	f.Float64("layer-decay", s.LayerDecay, "layer-wise learning-rate decay factor (1: off)")
	f.Int("freeze-steps", 0, "train only the head for the first N steps")
	f.Int("patience", s.Patience, "stop after N evaluations without a better dev PR-AUC (0: never)")
	f.Float64("target-recall", 0, "choose each threshold for this dev recall instead of the best F1")
	f.Int("eval-every", 0, "evaluate on dev every N steps, besides each epoch's end (0: epochs only)")
	f.BoolVar(&resume, "resume", false, "continue the run in --out from its checkpoint")
	f.BoolVar(&overwrite, "overwrite", false, "start afresh in a non-empty --out that holds no checkpoint")
	sf.add(c)
	return c
}

// wordEmbeddings is the parameter adversarial training perturbs.
const wordEmbeddings = "bert.embeddings.word_embeddings.weight"

// The values of adversarial_scope: what the adversarial length measures.
const (
	scopeTable    = "table"    // the word-embedding table, moved as a whole
	scopeSequence = "sequence" // each sequence's looked-up embeddings, moved apart
)

// finetuneAbsPaths makes the input paths absolute, so run.json names them wherever --resume is run from.
func finetuneAbsPaths(s *finetuneSettings) error {
	paths := []*string{&s.Init}
	for _, files := range [][]string{s.Train, s.Dev, s.Test} {
		for i := range files {
			paths = append(paths, &files[i])
		}
	}
	return absolute("finetune", paths...)
}

// finetuneRun is one invocation of `train finetune`.
type finetuneRun struct {
	s                 finetuneSettings
	resume, overwrite bool
	onlyOut           bool
	out, errOut       io.Writer
}

// finetuneData is what run.json records about the labelled sets.
type finetuneData struct {
	Train     int            `json:"train"`
	Dev       int            `json:"dev"`
	Test      int            `json:"test,omitempty"`
	DevSplit  bool           `json:"dev_split"` // dev was split off the training files
	Positives map[string]int `json:"train_positives"`
	PosWeight []float32      `json:"pos_weight,omitempty"`
	Overlap   []overlap      `json:"overlap"`
}

// overlap counts the texts of one set that also occur in another, after NormalizeForMatch.
type overlap struct {
	Sets     string `json:"sets"` // e.g. "train/dev"
	Records  int    `json:"records"`
	Distinct int    `json:"distinct"`
}

// finetuneSets holds the labelled sets of a run.
type finetuneSets struct {
	train, dev *data.Labelled
	found      finetuneData
	posWeight  []float32
}

func (f *finetuneRun) run(ctx context.Context) error {
	start := time.Now()
	if f.s.Out == "" {
		return errors.New("finetune: no run directory: give --out DIR")
	}
	if f.resume && f.overwrite {
		return errors.New("finetune: --resume and --overwrite exclude each other")
	}
	tok, m, err := f.prepare()
	if err != nil {
		return err
	}
	s := f.s
	if err := checkFinetuneSettings(s, m.Config); err != nil {
		return err
	}
	sets, err := f.readSets()
	if err != nil {
		return err
	}
	trainSet, devSet := train.NewClassSet(tok, sets.train, s.MaxLen), train.NewClassSet(tok, sets.dev, s.MaxLen)
	stream, err := train.NewClassStream(trainSet, s.BatchSize, s.Seed)
	if err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	stream.PieceDropout = s.PieceDropout
	perEpoch := stream.StepsPerEpoch()
	tcfg := train.Config{
		MaxSteps: s.MaxSteps, LR: s.LR, Warmup: s.Warmup, Decay: train.Decay(s.Decay), WeightDecay: s.WeightDecay,
		ClipNorm: s.ClipNorm, EvalEvery: s.EvalEvery, SaveEvery: s.SaveEvery, Patience: s.Patience, Seed: s.Seed,
	}
	if tcfg.MaxSteps == 0 {
		tcfg.MaxSteps = max(1, int(math.Ceil(s.Epochs*float64(perEpoch))))
	}
	if err := tcfg.Validate(); err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	if !f.resume {
		inputs := append(append(append([]string(nil), s.Train...), s.Dev...), s.Test...)
		if err := startRunDir("finetune", s.Out, f.overwrite, tok, m, f.s, s.Seed, inputs, sets.found); err != nil {
			return err
		}
	}
	params := m.Params()
	layerScale := train.LayerDecay(params, m.Config.NumHiddenLayers, s.LayerDecay)
	frozenScale := train.Frozen(params, layerScale)
	names := m.Config.Labels()
	clf := train.Classifier{M: m, PosWeight: sets.posWeight}
	steps := tcfg.MaxSteps
	tr := &train.Trainer[train.ClassBatch]{
		Model: clf, Train: stream, Dir: s.Out, Save: m.Save, Load: clf.Load, Config: tcfg, Resume: f.resume,
		Progress:      f.errOut,
		Select:        train.SelectByPRAUC(m, devSet, s.BatchSize, names),
		PatienceAfter: max(s.FreezeSteps, s.PatienceAfter),
		EvalAt:        func(step int) bool { return step%perEpoch == 0 },
		LRScale: func(step int) []float64 {
			if step < s.FreezeSteps {
				return frozenScale
			}
			return layerScale
		},
		Log: func(mt train.Metrics) {
			if mt.Eval == nil {
				return
			}
			best := ""
			if mt.Best {
				best = "  (best)"
			}
			fmt.Fprintf(f.out, "step %d/%d  loss %.4f  dev PR-AUC %.4f  ROC-AUC %.4f%s\n",
				mt.Step, steps, mt.Loss, mt.Eval["pr_auc"], mt.Eval["roc_auc"], best)
		},
	}
	switch {
	case s.Adversarial > 0 && s.AdversarialScope == scopeSequence:
		m.Shift = &model.InputShift{Epsilon: s.Adversarial}
		tr.InputAdversary = m.Shift
	case s.Adversarial > 0:
		p, ok := m.Param(wordEmbeddings)
		if !ok {
			return fmt.Errorf("finetune: the model has no %s to perturb", wordEmbeddings)
		}
		tr.Adversary = &train.Adversary{Param: p, Epsilon: s.Adversarial}
	}
	fmt.Fprintf(f.out, "fine-tuning %d layers × %d hidden for %s on %d texts (dev %d), %d steps of %d texts (%d per epoch)\n",
		m.Config.NumHiddenLayers, m.Config.HiddenSize, strings.Join(names, ", "), sets.train.Len(), sets.dev.Len(), steps, s.BatchSize, perEpoch)
	res, err := tr.Run(ctx)
	if errors.Is(err, train.ErrInterrupted) {
		return interrupted("finetune", s.Out, err)
	}
	if err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	switch {
	case res.Step == res.Resumed:
		fmt.Fprintf(f.out, "%s is trained (step %d)\n", s.Out, res.Step)
	case res.Stopped:
		fmt.Fprintf(f.out, "stopped early at step %d: no better dev PR-AUC in %d evaluations\n", res.Step, s.Patience)
	}
	if !math.IsNaN(res.Best) {
		fmt.Fprintf(f.out, "best dev PR-AUC %.4f at step %d\n", res.Best, res.BestStep)
	}
	if err := f.calibrate(s.Out, devSet, sets.dev.Labels); err != nil {
		return err
	}
	fmt.Fprintf(f.out, "wrote %s in %s\n", s.Out, time.Since(start).Round(time.Second))
	return nil
}

// prepare checks the run directory and loads the tokenizer and the model to train. It writes nothing.
func (f *finetuneRun) prepare() (*tokenize.Tokenizer, *model.Model, error) {
	out := f.s.Out
	if f.resume {
		saved, err := resumeSettings("finetune", out, f.s, f.onlyOut)
		if err != nil {
			return nil, nil, err
		}
		f.s = saved
		tok, err := tokenize.Load(filepath.Join(out, "tokenizer.json"))
		if err != nil {
			return nil, nil, fmt.Errorf("finetune: --resume: %w", err)
		}
		m, _, err := model.Load(out, model.LoadOptions{Arch: model.SequenceClassification})
		if err != nil {
			return nil, nil, fmt.Errorf("finetune: --resume: %w", err)
		}
		return tok, m, nil
	}
	if err := checkOut("finetune", out, f.overwrite); err != nil {
		return nil, nil, err
	}
	s := f.s
	if s.Init == "" {
		return nil, nil, errors.New("finetune: no pretrained model: give --init DIR")
	}
	if len(s.Labels) == 0 {
		return nil, nil, errors.New("finetune: no labels: give --labels a,b")
	}
	tok, err := tokenize.Load(s.Init)
	if err != nil {
		return nil, nil, fmt.Errorf("finetune: --init: %w", err)
	}
	m, info, err := model.Load(s.Init, model.LoadOptions{Arch: model.SequenceClassification, Labels: s.Labels, Seed: s.headSeed()})
	if err != nil {
		return nil, nil, fmt.Errorf("finetune: --init: %w", err)
	}
	if err := checkVocab("finetune", tok, m.Config, s.Init); err != nil {
		return nil, nil, err
	}
	if len(info.Initialized) > 0 {
		fmt.Fprintf(f.out, "new head parameters: %s\n", strings.Join(info.Initialized, ", "))
	}
	var unused []string
	for _, name := range info.Unused {
		if !model.PretrainingHead(name) { // expected to go unused
			unused = append(unused, name)
		}
	}
	if len(unused) > 0 {
		fmt.Fprintf(f.errOut, "train: warning: --init %s: unused tensors: %s\n", s.Init, strings.Join(unused, ", "))
	}
	for _, note := range info.Notes {
		fmt.Fprintf(f.errOut, "train: warning: --init %s: %s\n", s.Init, note)
	}
	if err := m.RedrawTopLayers(s.RedrawLayers, s.headSeed()); err != nil {
		return nil, nil, fmt.Errorf("finetune: redraw_layers: %w", err)
	}
	if s.RedrawLayers > 0 {
		fmt.Fprintf(f.out, "top %d of %d encoder layers drawn afresh (head_seed %d)\n", s.RedrawLayers, m.Config.NumHiddenLayers, s.headSeed())
	}
	setDropout(m, s.Dropout)
	return tok, m, nil
}

// checkFinetuneSettings reports settings that cannot work, before anything is read or written.
func checkFinetuneSettings(s finetuneSettings, cfg model.Config) error {
	switch {
	case len(s.Train) == 0:
		return errors.New("finetune: no training data: give --train FILE")
	case s.BatchSize < 1:
		return fmt.Errorf("finetune: batch_size %d must be positive", s.BatchSize)
	case s.MaxLen < 3 || s.MaxLen > cfg.MaxPositionEmbeddings:
		return fmt.Errorf("finetune: max_len %d must lie between 3 and the model's max_position_embeddings %d", s.MaxLen, cfg.MaxPositionEmbeddings)
	case s.MaxSteps < 0 || (s.MaxSteps == 0 && !(s.Epochs > 0)):
		return fmt.Errorf("finetune: give a positive max_steps or epochs (got %d and %g)", s.MaxSteps, s.Epochs)
	case len(s.Dev) == 0 && !(s.DevFraction > 0 && s.DevFraction < 1):
		return fmt.Errorf("finetune: dev_fraction %g must lie strictly between 0 and 1 (or give --dev FILE)", s.DevFraction)
	case !(s.LayerDecay > 0 && s.LayerDecay <= 1):
		return fmt.Errorf("finetune: layer_decay %g must lie in (0, 1]", s.LayerDecay)
	case s.FreezeSteps < 0:
		return fmt.Errorf("finetune: freeze_steps %d must not be negative", s.FreezeSteps)
	case s.PatienceAfter < 0:
		return fmt.Errorf("finetune: patience_after %d must not be negative", s.PatienceAfter)
	case s.TargetRecall < 0 || s.TargetRecall > 1:
		return fmt.Errorf("finetune: target_recall %g must lie in (0, 1], or 0 for the best F1", s.TargetRecall)
	case !(s.Adversarial >= 0) || math.IsInf(s.Adversarial, 0):
		return fmt.Errorf("finetune: adversarial %g must be a length of 0 (off) or more", s.Adversarial)
	case s.AdversarialScope != "" && s.AdversarialScope != scopeTable && s.AdversarialScope != scopeSequence:
		return fmt.Errorf("finetune: adversarial_scope %q must be %s or %s", s.AdversarialScope, scopeTable, scopeSequence)
	case !(s.PieceDropout >= 0 && s.PieceDropout < 1):
		return fmt.Errorf("finetune: piece_dropout %g must lie in [0, 1)", s.PieceDropout)
	}
	if _, err := parsePosWeight(s.PosWeight, len(cfg.ID2Label)); err != nil {
		return err
	}
	return checkDropout("finetune", s.Dropout)
}

// parsePosWeight reads an explicit --pos-weight, one positive weight per label; "none" (and "auto",
// which readSets computes from the training set) give nil.
func parsePosWeight(v string, labels int) ([]float32, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "none", "", "auto":
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != labels {
		return nil, fmt.Errorf("finetune: pos_weight %q has %d values for %d labels (or use auto or none)", v, len(parts), labels)
	}
	w := make([]float32, labels)
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(x > 0) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("finetune: pos_weight value %q is not a positive number", p)
		}
		w[i] = float32(x)
	}
	return w, nil
}

// readSets reads the labelled sets, splits dev off train when no --dev is given, checks that every
// label has both classes, and counts texts shared between the sets.
func (f *finetuneRun) readSets() (*finetuneSets, error) {
	s := f.s
	format, err := data.ParseFormat(s.Format)
	if err != nil {
		return nil, fmt.Errorf("finetune: %w", err)
	}
	if s.SoftLabels && len(s.Dev) == 0 {
		return nil, errors.New("finetune: soft_labels needs --dev: held-out labels must be 0/1, not split off soft training targets")
	}
	opts := data.LabelOptions{Options: data.Options{Format: format, TextField: s.TextField}, Labels: s.Labels, IDField: s.IDField}
	read := func(files []string, soft bool) (*data.Labelled, error) {
		o := opts
		o.Soft = soft
		l, err := data.ReadLabelled(files, o)
		if err != nil {
			return nil, fmt.Errorf("finetune: %w", err)
		}
		return l, nil
	}
	sets := &finetuneSets{}
	if sets.train, err = read(s.Train, s.SoftLabels); err != nil {
		return nil, err
	}
	if len(s.Dev) > 0 {
		if sets.dev, err = read(s.Dev, false); err != nil {
			return nil, err
		}
	} else {
		sets.train, sets.dev = data.StratifiedSplit(sets.train, s.DevFraction, s.Seed)
		sets.found.DevSplit = true
	}
	for _, set := range []struct {
		name string
		l    *data.Labelled
	}{{"training", sets.train}, {"dev", sets.dev}} {
		for j, p := range set.l.Positives() {
			if p == 0 || p == set.l.Len() {
				return nil, fmt.Errorf("finetune: label %q has %d positive and %d negative %s examples; it needs both",
					s.Labels[j], p, set.l.Len()-p, set.name)
			}
		}
	}
	var test *data.Labelled
	if len(s.Test) > 0 {
		if test, err = read(s.Test, false); err != nil {
			return nil, err
		}
	}
	found := &sets.found
	found.Train, found.Dev = sets.train.Len(), sets.dev.Len()
	found.Positives = make(map[string]int, len(s.Labels))
	for j, p := range sets.train.Positives() {
		found.Positives[s.Labels[j]] = p
	}
	type pair struct {
		first, second string
		a, b          *data.Labelled
	}
	pairs := []pair{{"train", "dev", sets.train, sets.dev}}
	if test != nil {
		found.Test = test.Len()
		pairs = append(pairs, pair{"train", "test", sets.train, test}, pair{"dev", "test", sets.dev, test})
	}
	for _, p := range pairs {
		records, distinct := data.Overlap(p.a.Texts, p.b.Texts)
		found.Overlap = append(found.Overlap, overlap{Sets: p.first + "/" + p.second, Records: records, Distinct: distinct})
		if records > 0 {
			fmt.Fprintf(f.errOut, "train: warning: %d %s texts (%d distinct) also occur in %s: held-out scores will look better than they are\n",
				records, p.second, distinct, p.first)
		}
	}
	if strings.EqualFold(strings.TrimSpace(s.PosWeight), "auto") {
		if sets.posWeight, err = train.PosWeights(sets.train); err != nil {
			return nil, fmt.Errorf("finetune: pos_weight auto: %w", err)
		}
	} else if sets.posWeight, err = parsePosWeight(s.PosWeight, len(s.Labels)); err != nil {
		return nil, err
	}
	found.PosWeight = sets.posWeight
	return sets, nil
}

// calibrate folds dev-fitted temperatures into the best model in dir and stores the thresholds in its
// config.json. A model already calibrated (by an earlier invocation of the same run) is left alone.
func (f *finetuneRun) calibrate(dir string, dev *train.ClassSet, labels [][]bool) error {
	m, _, err := model.Load(dir, model.LoadOptions{Arch: model.SequenceClassification})
	if err != nil {
		return fmt.Errorf("finetune: calibrate: %w", err)
	}
	if len(m.Config.Temperatures) > 0 {
		fmt.Fprintf(f.out, "%s is calibrated already\n", dir)
		return nil
	}
	logits, err := train.Logits(m, dev.Batches(f.s.BatchSize))
	if err != nil {
		return fmt.Errorf("finetune: calibrate: %w", err)
	}
	if err := calibrateOn(f.out, m, logits, labels, f.s.TargetRecall); err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	if err := m.Save(dir); err != nil {
		return fmt.Errorf("finetune: calibrate: %w", err)
	}
	return nil
}

// calibrateOn fits m's temperatures and thresholds on its dev logits [text][label] (train.Calibrate)
// and prints what it fitted with the dev scores.
func calibrateOn(w io.Writer, m *model.Model, logits [][]float64, labels [][]bool, targetRecall float64) error {
	heads, err := train.ScoreHeads(logits, labels)
	if err != nil {
		return fmt.Errorf("calibrate: %w", err)
	}
	cal, err := train.Calibrate(m, logits, labels, targetRecall)
	if err != nil {
		return err
	}
	rule := "best F1"
	if targetRecall > 0 {
		rule = fmt.Sprintf("recall >= %g", targetRecall)
	}
	fmt.Fprintf(w, "dev calibration (threshold by %s):\n", rule)
	for j, name := range m.Config.Labels() {
		fmt.Fprintf(w, "  %-12s PR-AUC %.4f  ROC-AUC %.4f  T %.3f  dev loss %.4f → %.4f  threshold %.4f  P %.3f  R %.3f  F1 %.3f\n",
			name, heads[j].PRAUC, heads[j].ROCAUC, cal.Temperatures[j], cal.LossBefore[j], cal.LossAfter[j],
			cal.Thresholds[j], cal.Precision[j], cal.Recall[j], cal.F1[j])
	}
	return nil
}
