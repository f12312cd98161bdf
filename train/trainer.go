package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"strings"
	"time"

	"github.com/vigil-ml/vigil/internal/progress"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
	"github.com/vigil-ml/vigil/tensor/vmath"
)

// IgnoreIndex marks a label position the loss skips, as in PyTorch.
const IgnoreIndex = -100

// Batch is what the Trainer needs to know about a batch without knowing the model.
type Batch interface {
	// Count is the number of targets the loss sums over (masked tokens, labelled examples). An update
	// divides the summed loss of all its micro-batches by their total Count.
	Count() int
	// Tokens is the number of input tokens, padding excluded, for throughput.
	Tokens() int
}

// Model is the trainable model as the Trainer sees it.
type Model[B Batch] interface {
	// Params lists the trainable parameters, in a fixed order.
	Params() []*tensor.Tensor
	// Loss runs the model on b and returns the loss summed over its targets and their number, which
	// must equal b.Count(). rng drives dropout; it is nil during evaluation, when the tape records
	// nothing. An error (a batch the model cannot take) stops the run.
	Loss(tape *tensor.Tape, b B, rng *tensor.RNG) (sum *tensor.Tensor, count int, err error)
}

// Stream yields training micro-batches without end (epoch after epoch) and can say where it stands.
type Stream[B Batch] interface {
	// Next returns the next micro-batch.
	Next() (B, error)
	// State encodes, as JSON, the position after the last batch returned.
	State() ([]byte, error)
	// Restore returns the stream to a position State encoded, so that Next continues with the
	// same batches as the stream that encoded it.
	Restore(state []byte) error
}

// Config holds a Trainer's hyper-parameters.
type Config struct {
	MaxSteps    int     `yaml:"max_steps" json:"max_steps"`       // optimizer updates in the whole run
	GradAccum   int     `yaml:"grad_accum" json:"grad_accum"`     // micro-batches per update; 0 means 1
	LR          float64 `yaml:"lr" json:"lr"`                     // peak learning rate
	Warmup      int     `yaml:"warmup" json:"warmup"`             // linear warmup steps
	Decay       Decay   `yaml:"decay" json:"decay"`               // linear (default), cosine or constant
	WeightDecay float64 `yaml:"weight_decay" json:"weight_decay"` // AdamW's decoupled decay
	Beta1       float64 `yaml:"beta1" json:"beta1"`               // 0 means 0.9
	Beta2       float64 `yaml:"beta2" json:"beta2"`               // 0 means 0.999
	Eps         float64 `yaml:"eps" json:"eps"`                   // 0 means 1e-8
	ClipNorm    float64 `yaml:"clip_norm" json:"clip_norm"`       // global gradient-norm limit; 0: no clipping
	EvalEvery   int     `yaml:"eval_every" json:"eval_every"`     // evaluate every N steps and at the end; 0: only at the end
	SaveEvery   int     `yaml:"save_every" json:"save_every"`     // checkpoint every N steps; 0: only at the end
	Patience    int     `yaml:"patience" json:"patience"`         // evaluations without a better Select score before stopping; 0: never stop early
	Seed        uint64  `yaml:"seed" json:"seed"`                 // seeds the dropout generator
}

// Schedule returns the learning-rate schedule c describes.
func (c Config) Schedule() Schedule {
	return Schedule{Peak: c.LR, Warmup: c.Warmup, Total: c.MaxSteps, Decay: c.Decay}
}

// Validate reports settings that cannot run.
func (c Config) Validate() error {
	if err := c.Schedule().Validate(); err != nil {
		return err
	}
	switch {
	case c.GradAccum < 0:
		return fmt.Errorf("grad_accum %d must not be negative", c.GradAccum)
	case c.WeightDecay < 0 || c.ClipNorm < 0 || c.EvalEvery < 0 || c.SaveEvery < 0 || c.Patience < 0:
		return errors.New("weight_decay, clip_norm, eval_every, save_every and patience must not be negative")
	case c.Beta1 < 0 || c.Beta1 >= 1 || c.Beta2 < 0 || c.Beta2 >= 1 || c.Eps < 0:
		return fmt.Errorf("AdamW betas (%g, %g) must lie in [0, 1) and eps %g must not be negative", c.Beta1, c.Beta2, c.Eps)
	}
	return nil
}

func (c Config) accum() int { return max(1, c.GradAccum) }

// NoDecay reports parameters AdamW should not decay, by their Hugging Face names: biases and
// layer-norm weights, as BERT's recipe prescribes.
func NoDecay(p *tensor.Tensor) bool {
	return strings.HasSuffix(p.Name, "bias") || strings.Contains(strings.ToLower(p.Name), "layernorm")
}

// Metrics is one line of metrics.jsonl: the state after an update.
type Metrics struct {
	Step       int      `json:"step"`
	Loss       float64  `json:"loss"`      // mean training loss of the update
	LR         float64  `json:"lr"`        // learning rate the update used
	GradNorm   float64  `json:"grad_norm"` // global gradient norm before clipping
	Tokens     int      `json:"tokens"`    // input tokens of the update
	TokensPerS float64  `json:"tokens_per_s"`
	EvalLoss   *float64 `json:"eval_loss,omitempty"` // mean loss on the held-out batches, when evaluated
	EvalPPL    *float64 `json:"eval_ppl,omitempty"`  // exp(EvalLoss), for language models
	// Eval holds the named metrics Trainer.EvalMetrics and Trainer.Select returned, when they ran.
	Eval map[string]float64 `json:"eval,omitempty"`
	// Best marks an evaluation whose Select score beat every earlier one: these weights are in Dir.
	Best bool `json:"best,omitempty"`
}

// Result summarises a finished (or interrupted) run.
type Result struct {
	Resumed  int     // the checkpoint's step when resuming, else 0
	Step     int     // updates done, counting those before a resume
	Loss     float64 // training loss of the last update
	EvalLoss float64 // last evaluation's loss; NaN when never evaluated
	// Best is the highest Select score and BestStep the step that reached it; NaN and 0 without Select
	// or before the first evaluation.
	Best     float64
	BestStep int
	// Stopped reports that Config.Patience ended the run before MaxSteps.
	Stopped bool
}

// ErrInterrupted is returned (wrapped) when the context ends a run early; a checkpoint was written.
var ErrInterrupted = errors.New("interrupted")

// Trainer runs the training loop for batches of type B.
type Trainer[B Batch] struct {
	Model Model[B]
	Train Stream[B]
	// Eval holds the held-out batches; empty means no evaluation.
	Eval []B
	// Perplexity adds eval_ppl = exp(eval_loss) to the metrics, for language models.
	Perplexity bool
	// EvalMetrics, when set, returns named metrics of the evaluation just made, such as the parts of
	// a composite loss, for metrics.jsonl's "eval".
	EvalMetrics func() map[string]float64
	// Dir is the run directory: metrics.jsonl, trainer_state/ and the weights Save writes.
	Dir string
	// Save writes the model's weights (and whatever else makes a model directory) into a directory;
	// Load reads them back. Checkpoints call Save on trainer_state/ (for resuming) and on Dir (the
	// model users load); Resume calls Load on trainer_state/.
	Save, Load func(dir string) error
	Config     Config
	// Resume continues from the checkpoint in Dir instead of starting afresh.
	Resume bool
	// NoDecay overrides which parameters are exempt from weight decay; nil means NoDecay.
	NoDecay func(p *tensor.Tensor) bool
	// Progress receives a progress bar with tokens/s and ETA; nil draws none.
	Progress io.Writer
	// Log, if set, sees every metrics line as it is written.
	Log func(Metrics)
	// Select, when set, scores the model on held-out data at every evaluation, higher being better,
	// and returns named metrics for metrics.jsonl. It keeps the best: the weights in Dir are those of
	// the best-scoring evaluation (saved when it happens), not the last, and after Config.Patience
	// evaluations without a better score the run stops early. Without Select, Dir holds the last
	// checkpoint's weights.
	Select func() (score float64, metrics map[string]float64, err error)
	// PatienceAfter is the step up to which evaluations do not count toward Config.Patience, such as
	// the steps that train only a head: the run cannot stop before the rest of the model has trained.
	// A better score still counts as the best.
	PatienceAfter int
	// EvalAt, when set, names further steps after which to evaluate, such as the ends of epochs,
	// besides every EvalEvery steps and the last.
	EvalAt func(step int) bool
	// LRScale, when set, returns one learning-rate multiplier per parameter (in Params order) for the
	// update after step updates, as optim.AdamW.SetLRScale takes them: layer-wise decay, or 0 to freeze
	// a parameter. A frozen parameter's gradient is cleared before clipping, so the gradient norm
	// counts only the parameters that train. It must be a function of step alone, for exact resume.
	LRScale func(step int) []float64
	// Adversary, when set, trains against a small worst-case change of one parameter, typically the
	// word embeddings (the fast gradient method of Miyato et al., 2017).
	Adversary *Adversary
	// InputAdversary, when set, trains against a small worst-case change of each sequence's input,
	// which the model makes (model.InputShift): see InputAdversary.
	InputAdversary InputAdversary

	opt     *optim.AdamW
	params  []*tensor.Tensor
	tape    *tensor.Tape
	rng     *tensor.RNG
	step    int
	saved   int       // step of the last checkpoint
	clean   []float32 // the Adversary's parameter before its perturbation
	metrics *metricsLog
	best    selection
}

// Adversary describes adversarial training: each update adds the gradient of the loss at Param +
// Epsilon·g/|g|, g being the gradient of the clean loss with respect to Param (its rows that the batch
// used, for embeddings), so the model learns to resist the change of Param that hurts it most.
type Adversary struct {
	Param   *tensor.Tensor
	Epsilon float64 // length of the change over the whole parameter; 0 turns it off
}

// InputAdversary is a change of the model's inputs that adversarial training aims: after the backward
// pass of each micro-batch, Aim sets the change from the gradients just computed (reporting false when
// there is none), the trainer adds the gradient of the micro-batch's loss under the change, and Rest
// takes the change away.
type InputAdversary interface {
	Aim() bool
	Rest()
}

// selection tracks the best Select score; checkpoints store it so that a resumed run keeps judging
// against the same best.
type selection struct {
	Score   *float64 `json:"score,omitempty"` // nil before the first evaluation
	Step    int      `json:"step"`
	Since   int      `json:"since"`   // evaluations since the best
	Stopped bool     `json:"stopped"` // patience ran out
}

// Run trains until Config.MaxSteps updates are done or ctx ends. It checkpoints every SaveEvery
// steps, at the end and when ctx ends (then returning an error wrapping ErrInterrupted and ctx's
// error). A non-finite loss or gradient stops the run with an error and no checkpoint, so the last
// checkpoint stays usable.
func (t *Trainer[B]) Run(ctx context.Context) (res Result, err error) {
	res.EvalLoss = math.NaN()
	if err := t.start(); err != nil {
		return res, err
	}
	defer func() {
		if cerr := t.metrics.close(); err == nil {
			err = cerr
		}
	}()
	cfg := t.Config
	sched := cfg.Schedule()
	res.Step, res.Resumed = t.step, t.step
	defer func() { t.result(&res) }()
	var bar *progress.Bar
	var tokens, barTotal int64
	micro := make([]B, 0, cfg.accum())
	for t.step < cfg.MaxSteps && !t.best.Stopped {
		// The context is checked between updates only, so a checkpoint always follows a whole update.
		if err := ctx.Err(); err != nil {
			bar.Finish(tokens)
			if err := t.checkpoint(); err != nil {
				return res, err
			}
			return res, fmt.Errorf("%w at step %d (checkpoint saved): %w", ErrInterrupted, t.step, err)
		}
		m, err := t.trainStep(micro[:0], sched)
		if err != nil {
			return res, err
		}
		res.Step, res.Loss = m.Step, m.Loss
		if m.EvalLoss != nil {
			res.EvalLoss = *m.EvalLoss
		}
		if err := t.metrics.write(m); err != nil {
			return res, err
		}
		if t.Log != nil {
			t.Log(m)
		}
		tokens += int64(m.Tokens)
		if bar == nil && t.Progress != nil {
			barTotal = int64(m.Tokens) * int64(cfg.MaxSteps-t.step+1)
			bar = progress.New(t.Progress, "training", barTotal, "tok")
		}
		bar.Update(tokens)
		if (cfg.SaveEvery > 0 && t.step%cfg.SaveEvery == 0) || t.step == cfg.MaxSteps || t.best.Stopped {
			if err := t.checkpoint(); err != nil {
				return res, err
			}
		}
	}
	bar.Finish(max(tokens, barTotal))
	return res, nil
}

// result fills in res's model-selection fields.
func (t *Trainer[B]) result(res *Result) {
	res.Best, res.BestStep, res.Stopped = math.NaN(), t.best.Step, t.best.Stopped
	if t.best.Score != nil {
		res.Best = *t.best.Score
	}
}

// trainStep reads the micro-batches of one update into micro, applies the update and evaluates when
// an evaluation is due, returning the update's metrics.
func (t *Trainer[B]) trainStep(micro []B, sched Schedule) (Metrics, error) {
	began := time.Now()
	for range t.Config.accum() {
		b, err := t.Train.Next()
		if err != nil {
			return Metrics{}, fmt.Errorf("step %d: %w", t.step+1, err)
		}
		micro = append(micro, b)
	}
	lr := sched.LR(t.step)
	loss, norm, n, err := t.update(micro, lr)
	if err != nil {
		return Metrics{}, err
	}
	t.step++
	m := Metrics{Step: t.step, Loss: loss, LR: lr, GradNorm: norm, Tokens: n}
	if d := time.Since(began).Seconds(); d > 0 {
		m.TokensPerS = float64(n) / d
	}
	if t.evalDue() {
		el, ok, err := t.evaluate()
		if err != nil {
			return Metrics{}, fmt.Errorf("evaluation at step %d: %w", t.step, err)
		}
		if ok {
			m.EvalLoss = &el
			if t.Perplexity {
				ppl := math.Exp(el)
				m.EvalPPL = &ppl
			}
			if t.EvalMetrics != nil {
				m.Eval = t.EvalMetrics()
			}
		}
		if err := t.selectBest(&m); err != nil {
			return Metrics{}, fmt.Errorf("evaluation at step %d: %w", t.step, err)
		}
	}
	return m, nil
}

// evalDue reports whether an evaluation follows the update just made.
func (t *Trainer[B]) evalDue() bool {
	every := t.Config.EvalEvery
	return (every > 0 && t.step%every == 0) || t.step == t.Config.MaxSteps || (t.EvalAt != nil && t.EvalAt(t.step))
}

// selectBest runs Select, saves the weights into Dir when they score best so far and stops the run
// when patience runs out.
func (t *Trainer[B]) selectBest(m *Metrics) error {
	if t.Select == nil {
		return nil
	}
	score, metrics, err := t.Select()
	if err != nil {
		return err
	}
	if math.IsNaN(score) || math.IsInf(score, 0) {
		return fmt.Errorf("selection score is %g", score)
	}
	if m.Eval == nil {
		m.Eval = metrics
	} else {
		maps.Copy(m.Eval, metrics)
	}
	if t.best.Score == nil || score > *t.best.Score {
		if err := t.Save(t.Dir); err != nil {
			return fmt.Errorf("save best model: %w", err)
		}
		t.best = selection{Score: &score, Step: t.step}
		m.Best = true
		return nil
	}
	if t.step <= t.PatienceAfter {
		return nil
	}
	t.best.Since++
	if p := t.Config.Patience; p > 0 && t.best.Since >= p {
		t.best.Stopped = true
	}
	return nil
}

// start builds the optimizer and restores a checkpoint when resuming.
func (t *Trainer[B]) start() error {
	cfg := t.Config
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if t.Model == nil || t.Train == nil || t.Save == nil || t.Load == nil || t.Dir == "" {
		return errors.New("train: Trainer needs Model, Train, Save, Load and Dir")
	}
	t.params = t.Model.Params()
	noDecay := t.NoDecay
	if noDecay == nil {
		noDecay = NoDecay
	}
	t.opt = optim.NewAdamW(t.params, optim.AdamWConfig{
		LR: cfg.LR, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps, WeightDecay: cfg.WeightDecay, NoDecay: noDecay,
	})
	t.tape = tensor.NewTape()
	t.rng = tensor.NewRNG(cfg.Seed ^ dropoutSalt)
	t.step, t.saved, t.best = 0, 0, selection{}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if t.Resume {
		if err := t.restore(); err != nil {
			return err
		}
	} else if dir, _ := findState(t.Dir); dir != "" {
		return fmt.Errorf("train: %s already holds a checkpoint; resume it or choose another directory", t.Dir)
	}
	m, err := openMetrics(t.Dir, t.step, t.Resume)
	if err != nil {
		return err
	}
	t.metrics = m
	return nil
}

// dropoutSalt separates the dropout stream from other generators seeded with the same seed.
const dropoutSalt = 0x6a09e667f3bcc909

// update runs forward and backward over the micro-batches of one update and applies it. Each
// micro-batch's summed loss is back-propagated with weight 1/total, total being the target count of
// the whole update, so the gradient equals that of the mean loss over the full batch.
func (t *Trainer[B]) update(micro []B, lr float64) (loss, norm float64, tokens int, err error) {
	total := 0
	for _, b := range micro {
		total += b.Count()
		tokens += b.Tokens()
	}
	t.opt.ZeroGrad()
	seed := []float32{0}
	if total > 0 {
		seed[0] = 1 / float32(total)
	}
	sum, err := t.backward(micro, seed)
	if err != nil {
		return 0, 0, 0, err
	}
	if t.Adversary != nil && t.Adversary.Epsilon > 0 {
		if err := t.adversarial(micro, seed); err != nil {
			return 0, 0, 0, err
		}
	}
	if total > 0 {
		loss = sum / float64(total)
	}
	limit := t.Config.ClipNorm
	if limit == 0 {
		limit = math.Inf(1)
	}
	if t.LRScale != nil {
		scale := t.LRScale(t.step)
		if err := t.opt.SetLRScale(scale); err != nil {
			return 0, 0, 0, fmt.Errorf("step %d: %w", t.step+1, err)
		}
		for i, s := range scale {
			if s == 0 {
				clear(t.params[i].Grad)
			}
		}
	}
	norm = optim.ClipGradNorm(t.params, limit)
	if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return 0, 0, 0, fmt.Errorf("step %d: loss %g, gradient norm %g: training diverged (lower the learning rate)", t.step+1, loss, norm)
	}
	t.opt.SetLR(lr)
	t.opt.Step()
	return loss, norm, tokens, nil
}

// backward runs forward and backward over the micro-batches, adding seed × each summed loss's
// gradient to the parameters' gradients, and returns the losses' sum.
func (t *Trainer[B]) backward(micro []B, seed []float32) (float64, error) {
	var sum float64
	for _, b := range micro {
		t.tape.Reset()
		s, n, err := t.Model.Loss(t.tape, b, t.rng)
		if err != nil {
			return 0, fmt.Errorf("step %d: %w", t.step+1, err)
		}
		if n != b.Count() {
			return 0, fmt.Errorf("step %d: the model counted %d targets in a batch of %d", t.step+1, n, b.Count())
		}
		sum += float64(s.Data[0])
		if n == 0 {
			continue
		}
		t.tape.BackwardWith(s, seed)
		if t.InputAdversary != nil && t.InputAdversary.Aim() {
			err := t.shifted(b, seed)
			t.InputAdversary.Rest()
			if err != nil {
				return 0, err
			}
		}
	}
	t.tape.Reset()
	return sum, nil
}

// shifted adds the gradient of b's loss under the change the InputAdversary aimed.
func (t *Trainer[B]) shifted(b B, seed []float32) error {
	t.tape.Reset()
	s, _, err := t.Model.Loss(t.tape, b, t.rng)
	if err != nil {
		return fmt.Errorf("step %d: adversarial: %w", t.step+1, err)
	}
	t.tape.BackwardWith(s, seed)
	return nil
}

// adversarial moves the Adversary's parameter by Epsilon along the gradient just computed, adds the
// gradient of the loss there, and puts the parameter back as it was.
func (t *Trainer[B]) adversarial(micro []B, seed []float32) error {
	p := t.Adversary.Param
	sq := vmath.SumSquares(p.Grad)
	if sq == 0 || math.IsNaN(sq) || math.IsInf(sq, 0) {
		return nil
	}
	t.clean = append(t.clean[:0], p.Data...)
	scale := float32(t.Adversary.Epsilon / math.Sqrt(sq))
	for i, g := range p.Grad {
		p.Data[i] += scale * g
	}
	_, err := t.backward(micro, seed)
	copy(p.Data, t.clean)
	return err
}

// evaluate returns the mean loss over the held-out batches, computed without recording gradients.
func (t *Trainer[B]) evaluate() (float64, bool, error) {
	if len(t.Eval) == 0 {
		return 0, false, nil
	}
	prev := t.tape.SetGrad(false)
	defer t.tape.SetGrad(prev)
	var sum float64
	count := 0
	for _, b := range t.Eval {
		t.tape.Reset()
		s, n, err := t.Model.Loss(t.tape, b, nil)
		if err != nil {
			return 0, false, err
		}
		sum += float64(s.Data[0])
		count += n
	}
	t.tape.Reset()
	if count == 0 {
		return 0, false, nil
	}
	return sum / float64(count), true, nil
}
