package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/internal/progress"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tokenize"
	"github.com/vigil-ml/vigil/train"
)

// pretrainSettings are the settings of `train pretrain`; run.json records them.
type pretrainSettings struct {
	Model             string   `yaml:"model" json:"model,omitempty"` // "" with --init; defaultModel otherwise
	Tokenizer         string   `yaml:"tokenizer" json:"tokenizer"`
	Init              string   `yaml:"init" json:"init"`
	Data              []string `yaml:"data" json:"data"`
	Format            string   `yaml:"format" json:"format"`
	TextField         string   `yaml:"text_field" json:"text_field"`
	Out               string   `yaml:"out" json:"out"`
	MaxSteps          int      `yaml:"max_steps" json:"max_steps"`
	Epochs            float64  `yaml:"epochs" json:"epochs"`
	BatchSize         int      `yaml:"batch_size" json:"batch_size"`
	GradAccum         int      `yaml:"grad_accum" json:"grad_accum"`
	SeqLen            int      `yaml:"seq_len" json:"seq_len"`
	LineByLine        bool     `yaml:"line_by_line" json:"line_by_line"`
	LR                float64  `yaml:"lr" json:"lr"`
	Warmup            int      `yaml:"warmup" json:"warmup"`
	Decay             string   `yaml:"decay" json:"decay"`
	WeightDecay       float64  `yaml:"weight_decay" json:"weight_decay"`
	ClipNorm          float64  `yaml:"clip_norm" json:"clip_norm"`
	SaveEvery         int      `yaml:"save_every" json:"save_every"`
	EvalEvery         int      `yaml:"eval_every" json:"eval_every"`
	Seed              uint64   `yaml:"seed" json:"seed"`
	MaskProb          float64  `yaml:"mask_prob" json:"mask_prob"`
	WholeWord         bool     `yaml:"whole_word" json:"whole_word"`
	HoldoutEvery      int      `yaml:"holdout_every" json:"holdout_every"`
	EvalSequences     int      `yaml:"eval_sequences" json:"eval_sequences"`
	ShuffleBlock      int      `yaml:"shuffle_block" json:"shuffle_block"`
	PieceDropout      float64  `yaml:"piece_dropout" json:"piece_dropout,omitempty"`             // train.CorpusConfig.PieceDropout
	Dropout           *float64 `yaml:"dropout" json:"dropout,omitempty"`                         // nil: the model's
	PositionInit      string   `yaml:"position_init" json:"position_init,omitempty"`             // "" is positionNormal
	TieWordEmbeddings *bool    `yaml:"tie_word_embeddings" json:"tie_word_embeddings,omitempty"` // nil: the model's
	Objective         string   `yaml:"objective" json:"objective,omitempty"`                     // "" is objectiveMLM
	GeneratorSize     float64  `yaml:"generator_size" json:"generator_size,omitempty"`
	RTDWeight         float64  `yaml:"rtd_weight" json:"rtd_weight,omitempty"`
}

// pretrainData is what run.json records about the corpus.
type pretrainData struct {
	// ContextFreeLoss is train.Corpus.ContextFreeLoss: the held-out loss of the best prediction from
	// word frequencies and the token at the target's position, without context.
	ContextFreeLoss float64 `json:"context_free_loss"`
}

// What pretraining optimises (the objective setting).
const (
	objectiveMLM     = "mlm"     // masked-language modelling, as BERT
	objectiveElectra = "electra" // replaced-token detection with a generator, as ELECTRA (model.Electra)
)

// How a new model's position embeddings start (the position_init setting).
const (
	positionNormal     = "normal"     // N(0, initializer_range²), as Hugging Face initialises BERT
	positionSinusoidal = "sinusoidal" // model.Model.SinusoidalPositions
)

func defaultPretrainSettings() pretrainSettings {
	return pretrainSettings{
		TextField: "text", Epochs: 1, BatchSize: 32, GradAccum: 1, SeqLen: 128,
		LR: 5e-4, Decay: string(train.DecayLinear), WeightDecay: 0.01, ClipNorm: 1, SaveEvery: 500, EvalEvery: 500,
		Seed: 42, MaskProb: 0.15, HoldoutEvery: 100, EvalSequences: 1000, ShuffleBlock: 8192,
		GeneratorSize: 0.25, RTDWeight: model.DefaultRTDWeight,
	}
}

// defaultModel is the preset a run without --model or --init trains.
const defaultModel = "tiny"

// unkWarning is the [UNK] share of a corpus's tokens above which pretrain warns that the tokenizer
// does not fit the text.
const unkWarning = 0.02

func newPretrainCmd() *cobra.Command {
	s := defaultPretrainSettings()
	var sf settingsFlags
	var resume, overwrite bool
	c := &cobra.Command{
		Use:   "pretrain --tokenizer DIR --data FILE... --out DIR",
		Short: "Pretrain (or domain-adapt) a BERT encoder with masked-language modelling or ELECTRA",
		Long: `Pretrain a BERT-style encoder with masked-language modelling (MLM) on unlabelled text, or continue
pretraining an existing one on new text with --init (domain adaptation).

With --set objective=electra the encoder learns replaced-token detection instead (ELECTRA): a small
masked-LM generator (generator_size, default 0.25 of the encoder's width) fills the masked positions with
tokens it samples, and the encoder, the discriminator, learns at every token whether it was replaced.
The loss is the generator's MLM loss plus rtd_weight (default 50) times the discriminator's. DIR then
holds the discriminator (a BERT encoder with a discriminator_predictions head, which finetune --init and
Hugging Face's BertModel read, ignoring the head) and DIR/generator/ the generator (BertForMaskedLM);
--init DIR with objective=electra continues both.

Lines are tokenized and packed into sequences of --seq-len tokens ([CLS] line [SEP] line [SEP] ...; a
line that does not fit continues in the next sequence), or one line per sequence with --line-by-line.
Every holdout_every'th sequence, up to eval_sequences of them, is held out for the eval loss and
perplexity. 15% of tokens are chosen for prediction, anew each epoch (80% [MASK], 10% random, 10% kept).
Training sequences are shuffled within blocks of shuffle_block sequences; only one block is in memory.

--batch-size is the micro-batch; with --grad-accum K an update averages K micro-batches. Without
--max-steps the run lasts --epochs passes over the corpus (counted by reading it once first).

--out DIR becomes a Hugging Face model directory: config.json, model.safetensors, tokenizer.json, plus
run.json (settings, input hashes, version), metrics.jsonl and trainer_state/ (for --resume).
A checkpoint is written every --save-every steps, at the end and on Ctrl-C or SIGTERM.

  a new or empty DIR         starts a run
  DIR holding a checkpoint   needs --resume, which continues exactly where the run stopped, with the
                             settings recorded in DIR/run.json (repeat the original flags or give none)
  any other non-empty DIR    needs --overwrite, which starts afresh, replacing the files a run writes
                             and leaving other files alone

With --init DIR the encoder's configuration, weights and tokenizer come from DIR (a directory written
by pretrain or Hugging Face's save_pretrained with model.safetensors); --model and --tokenizer must
then be left out. A warning is printed when more than 2% of the corpus's tokens are [UNK].

--epochs 0 without --max-steps makes no updates: --out gets the starting model (initialised from
--seed, or the --init weights) with its tokenizer and run.json, and no metrics.jsonl or trainer_state/.
It is the "no pretraining" start for train finetune --init. No corpus is read: --data may be left out, and when
given (as by a shared --config) it is ignored with a warning and not recorded in run.json.

Settings without a flag (--config FILE or --set key=value): decay (linear, cosine or constant),
weight_decay, clip_norm, mask_prob, holdout_every, eval_sequences, shuffle_block, dropout (the hidden
and attention dropout, recorded in config.json; default: the model's), position_init (normal, or
sinusoidal: a new model's position embeddings start as sine waves, which shortens the phase in which
masked-LM loss stalls at word frequencies; not with --init), tie_word_embeddings (false gives a new
model's masked-LM decoder a weight of its own instead of the word embeddings, recorded in config.json;
not with --init), objective (mlm or electra), generator_size and rtd_weight (electra only),
piece_dropout (P in [0, 1), default 0: every epoch splits the words of the training sequences afresh,
each longest vocabulary match passed over with probability P, as finetune's piece_dropout does, so that
a word's shorter pieces learn from its contexts too; a sequence the longer split takes past --seq-len is
cut there, and the held-out sequences keep the greedy split).`,
		Example: `  train pretrain --model tiny --tokenizer runs/tok --data news.txt --out runs/pre --max-steps 2000
  train pretrain --init runs/pre --data chats.jsonl --out runs/adapt --epochs 3 --lr 1e-4
  train pretrain --model small --tokenizer runs/tok --out runs/untrained --epochs 0
  train pretrain --out runs/pre --resume`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := sf.resolve(c, &s, "resume", "overwrite"); err != nil {
				return err
			}
			if err := absPaths(&s); err != nil {
				return err
			}
			p := pretrainRun{s: s, resume: resume, overwrite: overwrite, out: c.OutOrStdout(), errOut: c.ErrOrStderr()}
			p.onlyOut = sf.file == "" && len(sf.sets) == 0 && onlyFlags(c.Flags(), "out", "resume", "overwrite")
			return p.run(c.Context())
		},
	}
	f := c.Flags()
	f.String("model", "", "model size (tiny, small, mini) or a config.json file (default "+defaultModel+"; not with --init)")
	f.String("tokenizer", "", "tokenizer.json, or a directory holding one")
	f.String("init", "", "model directory to continue pretraining from (domain adaptation)")
	f.StringSlice("data", nil, "corpus file: text, JSONL or CSV/TSV, optionally .gz (repeatable)")
	f.String("format", "", "input format: text, jsonl, csv or tsv (default: from the file name)")
	f.String("text-field", s.TextField, "JSONL field or CSV/TSV column holding the text")
	f.String("out", "", "run directory")
	f.Int("max-steps", 0, "optimizer updates (0: run --epochs passes)")
	f.Float64("epochs", s.Epochs, "passes over the corpus when --max-steps is 0 (0: no updates, write the starting model)")
	f.Int("batch-size", s.BatchSize, "sequences per micro-batch")
	f.Int("grad-accum", s.GradAccum, "micro-batches per optimizer update")
	f.Int("seq-len", s.SeqLen, "tokens per sequence, [CLS] and [SEP] included")
	f.Bool("line-by-line", false, "one line per sequence instead of packing lines")
	f.Float64("lr", s.LR, "peak learning rate")
	f.Int("warmup", 0, "linear warmup steps")
	f.Int("save-every", s.SaveEvery, "checkpoint every N steps (0: only at the end)")
	f.Int("eval-every", s.EvalEvery, "evaluate on the held-out sequences every N steps (0: only at the end)")
	f.Uint64("seed", s.Seed, "seed for initialisation, masking, shuffling and dropout")
	f.Bool("whole-word", false, "mask all pieces of a word together")
	f.BoolVar(&resume, "resume", false, "continue the run in --out from its checkpoint")
	f.BoolVar(&overwrite, "overwrite", false, "start afresh in a non-empty --out that holds no checkpoint")
	sf.add(c)
	return c
}

// absPaths makes the input paths absolute, so run.json names them wherever --resume is run from.
func absPaths(s *pretrainSettings) error {
	paths := []*string{&s.Tokenizer, &s.Init}
	if !isPreset(s.Model) && isFile(s.Model) {
		paths = append(paths, &s.Model)
	}
	for i := range s.Data {
		paths = append(paths, &s.Data[i])
	}
	return absolute("pretrain", paths...)
}

// pretrainRun is one invocation of `train pretrain`.
type pretrainRun struct {
	s                 pretrainSettings
	initGen           *model.Model // the ELECTRA generator of --init or of the run being resumed
	resume, overwrite bool
	onlyOut           bool // only --out (and --resume/--overwrite) were given
	out, errOut       io.Writer
}

func (p *pretrainRun) run(ctx context.Context) error {
	start := time.Now()
	if p.s.Out == "" {
		return errors.New("pretrain: no run directory: give --out DIR")
	}
	if p.resume && p.overwrite {
		return errors.New("pretrain: --resume and --overwrite exclude each other")
	}
	tok, cfg, initModel, err := p.prepare()
	if err != nil {
		return err
	}
	s := p.s
	if err := checkPretrainSettings(s, cfg); err != nil {
		return err
	}
	if s.untrained() {
		return p.writeUntrained(tok, cfg, initModel)
	}
	format, err := data.ParseFormat(s.Format)
	if err != nil {
		return fmt.Errorf("pretrain: %w", err)
	}
	tcfg := train.Config{
		MaxSteps: s.MaxSteps, GradAccum: s.GradAccum, LR: s.LR, Warmup: s.Warmup, Decay: train.Decay(s.Decay),
		WeightDecay: s.WeightDecay, ClipNorm: s.ClipNorm, EvalEvery: s.EvalEvery, SaveEvery: s.SaveEvery, Seed: s.Seed,
	}
	if s.MaxSteps > 0 {
		if err := tcfg.Validate(); err != nil {
			return fmt.Errorf("pretrain: %w", err)
		}
	}
	corpus, err := train.NewCorpus(tok, train.CorpusConfig{
		Files: s.Data, Data: data.Options{Format: format, TextField: s.TextField},
		SeqLen: s.SeqLen, LineByLine: s.LineByLine, BatchSize: s.BatchSize,
		Mask: train.MaskConfig{Prob: s.MaskProb, WholeWord: s.WholeWord}, Seed: s.Seed,
		HoldoutEvery: s.HoldoutEvery, EvalSequences: s.EvalSequences, ShuffleBlock: s.ShuffleBlock,
		PieceDropout: s.PieceDropout,
	})
	if err != nil {
		return fmt.Errorf("pretrain: %w", err)
	}
	defer corpus.Close()
	stats, err := p.scan(ctx, corpus)
	if err != nil {
		return err
	}
	if stats.Train == 0 {
		return fmt.Errorf("pretrain: %s: every one of the %d sequences is held out; lower eval_sequences", describe(s.Data), stats.HeldOut)
	}
	if tcfg.MaxSteps == 0 {
		perEpoch := float64((stats.Train + int64(s.BatchSize) - 1) / int64(s.BatchSize))
		tcfg.MaxSteps = max(1, int(math.Ceil(s.Epochs*perEpoch/float64(s.GradAccum))))
		if err := tcfg.Validate(); err != nil {
			return fmt.Errorf("pretrain: %w", err)
		}
	}
	steps := tcfg.MaxSteps
	if rate := float64(stats.Unknown) / float64(max(1, stats.Tokens)); rate > unkWarning {
		fmt.Fprintf(p.errOut, "train: warning: %.1f%% of the corpus's tokens are [UNK]: the tokenizer does not fit this text\n", 100*rate)
	}
	m, err := p.startModel(cfg, initModel)
	if err != nil {
		return err
	}
	var found any // a nil interface: run.json gets no "data" without held-out targets
	freeLoss, freeOK := corpus.ContextFreeLoss(stats)
	if freeOK {
		found = pretrainData{ContextFreeLoss: freeLoss}
	}
	if !p.resume {
		if err := startRunDir("pretrain", s.Out, p.overwrite, tok, m, p.s, s.Seed, s.Data, found); err != nil {
			return err
		}
	}
	electra, isElectra := m.(electraModel)
	tr := &train.Trainer[train.MLMBatch]{
		Model: m, Train: corpus, Eval: corpus.Eval(), Perplexity: !isElectra, Dir: s.Out,
		Save: m.Save, Load: m.Load, Config: tcfg, Resume: p.resume, Progress: p.errOut,
		Log: func(mt train.Metrics) {
			switch {
			case mt.EvalLoss == nil:
			case isElectra:
				e := mt.Eval
				fmt.Fprintf(p.out, "step %d/%d  loss %.4f  eval loss %.4f  generator loss %.4f  discriminator loss %.4f  accuracy %.1f%% (%.1f%% replaced)\n",
					mt.Step, steps, mt.Loss, *mt.EvalLoss, e["generator_loss"], e["discriminator_loss"], 100*e["discriminator_accuracy"], 100*e["replaced"])
			default:
				fmt.Fprintf(p.out, "step %d/%d  loss %.4f  eval loss %.4f  perplexity %.2f\n", mt.Step, steps, mt.Loss, *mt.EvalLoss, *mt.EvalPPL)
			}
		},
	}
	if isElectra {
		tr.EvalMetrics = func() map[string]float64 { return electra.e.TakeStats().Metrics() }
	}
	fmt.Fprintf(p.out, "pretraining %d layers × %d hidden (%s) on %d sequences (%d held out), %d steps of %d×%d sequences\n",
		cfg.NumHiddenLayers, cfg.HiddenSize, m.describe(), stats.Train, stats.HeldOut, steps, s.GradAccum, s.BatchSize)
	if freeOK && !isElectra {
		fmt.Fprintf(p.out, "held-out loss without context %.4f (perplexity %.2f; word frequencies and the visible token): an eval loss below it comes from context\n",
			freeLoss, math.Exp(freeLoss))
	}
	res, err := tr.Run(ctx)
	if errors.Is(err, train.ErrInterrupted) {
		return interrupted("pretrain", s.Out, err)
	}
	if err != nil {
		return fmt.Errorf("pretrain: %w", err)
	}
	if res.Step == res.Resumed {
		fmt.Fprintf(p.out, "%s is complete at step %d; nothing to do\n", s.Out, res.Step)
		return nil
	}
	fmt.Fprintf(p.out, "wrote %s (step %d, loss %.4f", s.Out, res.Step, res.Loss)
	switch {
	case math.IsNaN(res.EvalLoss):
	case isElectra:
		fmt.Fprintf(p.out, ", eval loss %.4f", res.EvalLoss)
	default:
		fmt.Fprintf(p.out, ", eval perplexity %.2f", math.Exp(res.EvalLoss))
	}
	fmt.Fprintf(p.out, ") in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// prepare checks the run directory and loads the tokenizer, the model configuration and, with --init,
// the initial model. It writes nothing.
func (p *pretrainRun) prepare() (*tokenize.Tokenizer, model.Config, *model.Model, error) {
	out := p.s.Out
	if p.s.Model == "" && p.s.Init == "" {
		p.s.Model = defaultModel
	}
	if p.resume {
		saved, err := resumeSettings("pretrain", out, p.s, p.onlyOut)
		if err != nil {
			return nil, model.Config{}, nil, err
		}
		p.s = saved
		tok, err := tokenize.Load(filepath.Join(out, "tokenizer.json"))
		if err != nil {
			return nil, model.Config{}, nil, fmt.Errorf("pretrain: --resume: %w", err)
		}
		cfg, err := model.ReadConfig(filepath.Join(out, model.ConfigFile))
		if err != nil {
			return nil, model.Config{}, nil, fmt.Errorf("pretrain: --resume: %w", err)
		}
		if p.s.Objective == objectiveElectra { // its weights come from the checkpoint, its shape from here
			if p.initGen, _, err = model.Load(filepath.Join(out, model.GeneratorDir), model.LoadOptions{Arch: model.MaskedLM}); err != nil {
				return nil, model.Config{}, nil, fmt.Errorf("pretrain: --resume: %w", err)
			}
		}
		return tok, cfg, nil, nil
	}
	if err := checkOut("pretrain", out, p.overwrite); err != nil {
		return nil, model.Config{}, nil, err
	}
	s := p.s
	if s.Init != "" {
		if s.Tokenizer != "" {
			return nil, model.Config{}, nil, errors.New("pretrain: --init reuses the tokenizer of its directory: leave out --tokenizer")
		}
		if s.Model != "" {
			return nil, model.Config{}, nil, errors.New("pretrain: --init takes the model's configuration from its directory: leave out --model")
		}
		tok, err := tokenize.Load(s.Init)
		if err != nil {
			return nil, model.Config{}, nil, fmt.Errorf("pretrain: --init: %w", err)
		}
		m, info, err := model.Load(s.Init, model.LoadOptions{Arch: s.arch(), Seed: s.Seed})
		if err != nil {
			return nil, model.Config{}, nil, fmt.Errorf("pretrain: --init: %w", err)
		}
		for _, w := range info.Warnings() {
			fmt.Fprintf(p.errOut, "train: warning: --init %s: %s\n", s.Init, w)
		}
		if err := p.loadInitGenerator(); err != nil {
			return nil, model.Config{}, nil, err
		}
		if err := checkVocab("pretrain", tok, m.Config, s.Init); err != nil {
			return nil, model.Config{}, nil, err
		}
		return tok, m.Config, m, nil
	}
	if s.Tokenizer == "" {
		return nil, model.Config{}, nil, errors.New("pretrain: no tokenizer: give --tokenizer DIR (from `train tokenizer`) or --init DIR")
	}
	tok, err := tokenize.Load(s.Tokenizer)
	if err != nil {
		return nil, model.Config{}, nil, fmt.Errorf("pretrain: %w", err)
	}
	var cfg model.Config
	if isPreset(s.Model) || !isFile(s.Model) {
		if cfg, err = model.Preset(s.Model, tok.VocabSize()); err != nil {
			return nil, model.Config{}, nil, fmt.Errorf("pretrain: --model: %w", err)
		}
	} else {
		if cfg, err = model.ReadConfig(s.Model); err != nil {
			return nil, model.Config{}, nil, fmt.Errorf("pretrain: %w", err)
		}
		if err := checkVocab("pretrain", tok, cfg, s.Model); err != nil {
			return nil, model.Config{}, nil, err
		}
	}
	cfg.PadTokenID = int(tok.PadID())
	return tok, cfg, nil, nil
}

// arch is the head pretraining trains on the encoder: the masked-LM head, or ELECTRA's discriminator.
func (s pretrainSettings) arch() model.Architecture {
	if s.Objective == objectiveElectra {
		return model.ReplacedTokenDetection
	}
	return model.MaskedLM
}

// untrained reports whether s asks for no updates (--epochs 0 without --max-steps): the run only
// writes its starting model.
func (s pretrainSettings) untrained() bool { return s.MaxSteps == 0 && s.Epochs == 0 }

// loadInitGenerator loads the generator of an ELECTRA --init directory, when the objective is electra
// and the directory has one; otherwise startModel starts a new generator.
func (p *pretrainRun) loadInitGenerator() error {
	dir := filepath.Join(p.s.Init, model.GeneratorDir)
	if p.s.Objective != objectiveElectra {
		return nil
	}
	if !isFile(filepath.Join(dir, model.ConfigFile)) {
		fmt.Fprintf(p.errOut, "train: warning: --init %s has no ELECTRA generator (%s/): a new one starts\n", p.s.Init, model.GeneratorDir)
		return nil
	}
	gen, info, err := model.Load(dir, model.LoadOptions{Arch: model.MaskedLM, Seed: p.s.Seed})
	if err != nil {
		return fmt.Errorf("pretrain: --init: %w", err)
	}
	for _, w := range info.Warnings() {
		fmt.Fprintf(p.errOut, "train: warning: --init %s: %s\n", dir, w)
	}
	p.initGen = gen
	return nil
}

// startModel returns the model a run starts from: the --init model when there is one, else a new one
// initialised from the seed and position_init; with the dropout of the settings. For the electra
// objective it is the discriminator, paired with the --init generator or a new one of generator_size.
func (p *pretrainRun) startModel(cfg model.Config, initModel *model.Model) (pretrainModel, error) {
	s := p.s
	arch := s.arch()
	m := initModel
	if m == nil {
		if s.TieWordEmbeddings != nil {
			cfg.TieWordEmbeddings = s.TieWordEmbeddings
		}
		var err error
		if m, err = model.New(cfg, arch, s.Seed); err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		if s.PositionInit == positionSinusoidal {
			m.SinusoidalPositions()
		}
	}
	setDropout(m, s.Dropout)
	if arch == model.MaskedLM {
		return mlmModel{m}, nil
	}
	gen := p.initGen
	if gen == nil {
		gcfg, err := model.GeneratorConfig(m.Config, s.GeneratorSize)
		if err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		if gen, err = model.New(gcfg, model.MaskedLM, s.Seed+1); err != nil {
			return nil, fmt.Errorf("pretrain: %w", err)
		}
		if s.PositionInit == positionSinusoidal {
			gen.SinusoidalPositions()
		}
	}
	setDropout(gen, s.Dropout)
	e, err := model.NewElectra(gen, m)
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	e.RTDWeight = s.RTDWeight
	return electraModel{e}, nil
}

// writeUntrained writes the starting model to the run directory without training it. The corpus plays
// no part, so it is neither read nor recorded.
func (p *pretrainRun) writeUntrained(tok *tokenize.Tokenizer, cfg model.Config, initModel *model.Model) error {
	s := p.s
	if len(s.Data) > 0 {
		fmt.Fprintf(p.errOut, "train: warning: --epochs 0 makes no updates and reads no corpus: ignoring --data %s\n", describe(s.Data))
		s.Data = nil
	}
	m, err := p.startModel(cfg, initModel)
	if err != nil {
		return err
	}
	if err := startRunDir("pretrain", s.Out, p.overwrite, tok, m, s, s.Seed, nil, nil); err != nil {
		return err
	}
	from := fmt.Sprintf("initialised from seed %d", s.Seed)
	if initModel != nil {
		from = "the weights of " + s.Init
	}
	fmt.Fprintf(p.out, "wrote %s: %d layers × %d hidden, %s, no updates\n", s.Out, cfg.NumHiddenLayers, cfg.HiddenSize, from)
	return nil
}

// checkPretrainSettings reports settings that cannot work, before anything is read or written.
func checkPretrainSettings(s pretrainSettings, cfg model.Config) error {
	switch {
	case len(s.Data) == 0 && !s.untrained():
		return errors.New("pretrain: no corpus: give --data FILE (or --epochs 0 to write the untrained model)")
	case s.BatchSize < 1 || s.GradAccum < 1:
		return fmt.Errorf("pretrain: batch_size %d and grad_accum %d must be positive", s.BatchSize, s.GradAccum)
	case s.SeqLen < 3 || s.SeqLen > cfg.MaxPositionEmbeddings:
		return fmt.Errorf("pretrain: seq_len %d must lie between 3 and the model's max_position_embeddings %d", s.SeqLen, cfg.MaxPositionEmbeddings)
	case s.MaxSteps < 0 || (s.MaxSteps == 0 && !(s.Epochs >= 0)):
		return fmt.Errorf("pretrain: give a positive max_steps, or epochs of 0 (no updates) or more (got %d and %g)", s.MaxSteps, s.Epochs)
	case s.PositionInit != "" && s.PositionInit != positionNormal && s.PositionInit != positionSinusoidal:
		return fmt.Errorf("pretrain: unknown position_init %q (want %s or %s)", s.PositionInit, positionNormal, positionSinusoidal)
	case s.PositionInit != "" && s.Init != "":
		return errors.New("pretrain: position_init applies to a new model; --init keeps the position embeddings of its directory")
	case s.TieWordEmbeddings != nil && s.Init != "":
		return errors.New("pretrain: tie_word_embeddings applies to a new model; --init keeps the decoder of its directory")
	case s.Objective != "" && s.Objective != objectiveMLM && s.Objective != objectiveElectra:
		return fmt.Errorf("pretrain: unknown objective %q (want %s or %s)", s.Objective, objectiveMLM, objectiveElectra)
	case !(s.GeneratorSize > 0 && s.GeneratorSize <= 1):
		return fmt.Errorf("pretrain: generator_size %g must lie in (0, 1]", s.GeneratorSize)
	case !(s.RTDWeight > 0) || math.IsInf(s.RTDWeight, 0):
		return fmt.Errorf("pretrain: rtd_weight %g must be a positive number", s.RTDWeight)
	}
	return checkDropout("pretrain", s.Dropout)
}

// scan reads the corpus once, counting sequences and [UNK] tokens.
func (p *pretrainRun) scan(ctx context.Context, c *train.Corpus) (train.CorpusStats, error) {
	var bar *progress.Bar
	var size int64
	stats, err := c.Scan(ctx, func(done, total int64) {
		if bar == nil {
			bar, size = progress.New(p.errOut, "reading corpus", total, "B"), total
		}
		bar.Update(done)
	})
	bar.Finish(size)
	if err != nil {
		return stats, fmt.Errorf("pretrain: %w", err)
	}
	return stats, nil
}

// mlmModel lets the Trainer train a model.Model on MLM batches.
// pretrainModel is what pretrain trains and saves: a masked-LM model, or an ELECTRA pair.
type pretrainModel interface {
	train.Model[train.MLMBatch]
	// Save writes a model directory; Load reads the weights of one back.
	Save(dir string) error
	Load(dir string) error
	// describe names the objective for the start-up line.
	describe() string
}

// mlmModel pretrains with masked-language modelling.
type mlmModel struct{ m *model.Model }

func (a mlmModel) Params() []*tensor.Tensor { return a.m.Params() }

func (a mlmModel) Loss(t *tensor.Tape, b train.MLMBatch, rng *tensor.RNG) (*tensor.Tensor, int, error) {
	return a.m.Loss(t, modelBatch(b), rng)
}

func (a mlmModel) Save(dir string) error { return a.m.Save(dir) }
func (a mlmModel) Load(dir string) error { return train.LoadWeights(a.m, dir) }
func (a mlmModel) describe() string      { return "masked-LM" }

// electraModel pretrains with replaced-token detection.
type electraModel struct{ e *model.Electra }

func (a electraModel) Params() []*tensor.Tensor { return a.e.Params() }

func (a electraModel) Loss(t *tensor.Tape, b train.MLMBatch, rng *tensor.RNG) (*tensor.Tensor, int, error) {
	return a.e.Loss(t, modelBatch(b), rng)
}

func (a electraModel) Save(dir string) error { return a.e.Save(dir) }

func (a electraModel) Load(dir string) error {
	if err := train.LoadWeights(a.e.Discriminator, dir); err != nil {
		return err
	}
	return train.LoadWeights(a.e.Generator, filepath.Join(dir, model.GeneratorDir))
}

func (a electraModel) describe() string {
	return fmt.Sprintf("ELECTRA, generator %d hidden", a.e.Generator.Config.HiddenSize)
}

// modelBatch is the model's view of a masked-LM batch.
func modelBatch(b train.MLMBatch) *model.Batch {
	return &model.Batch{Batch: b.Size, Seq: b.Len, IDs: b.IDs, AttentionMask: b.AttentionMask, Labels: b.Labels}
}
