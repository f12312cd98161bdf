package model

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/vmath"
)

// DefaultRTDWeight is the weight of the discriminator's loss against the generator's, ELECTRA's λ.
const DefaultRTDWeight = 50

// evalSampleSeed seeds the generator samples of evaluations (no random stream), so that every
// evaluation of the same weights corrupts the held-out batches alike.
const evalSampleSeed = 0x5851f42d4c957f2d

// Electra pretrains an encoder with replaced-token detection (Clark et al., 2020, "ELECTRA"): a small
// masked-LM Generator fills the masked positions with tokens it samples, and the Discriminator learns to
// tell, at every position, whether the token is the original. The discriminator learns from every
// token, not only the 15% masked, so it gets more from each step than masked-LM pretraining does; it
// is the encoder to fine-tune. Unlike the original, the two models do not share embeddings (the
// generator is narrower), which costs little (Clark et al., Table 5).
type Electra struct {
	Generator     *Model // MaskedLM
	Discriminator *Model // ReplacedTokenDetection
	// RTDWeight scales the discriminator's mean loss before it is added to the generator's.
	RTDWeight float64

	stats RTDStats
}

// RTDStats sums the parts of ELECTRA's loss over the batches Loss evaluated, for reports: the
// combined loss says little about either model.
type RTDStats struct {
	GeneratorLoss     float64 // cross-entropy summed over the masked positions
	Masked            int
	DiscriminatorLoss float64 // cross-entropy summed over the attended tokens
	Tokens            int
	Replaced          int // tokens the generator's samples changed
	Correct           int // tokens the discriminator judged right (positive logit if and only if replaced)
}

// Metrics returns the mean losses, the discriminator's accuracy and the share of replaced tokens, named
// for metrics.jsonl; nil before any token was evaluated.
func (s RTDStats) Metrics() map[string]float64 {
	if s.Tokens == 0 || s.Masked == 0 {
		return nil
	}
	n := float64(s.Tokens)
	return map[string]float64{
		"generator_loss":         s.GeneratorLoss / float64(s.Masked),
		"discriminator_loss":     s.DiscriminatorLoss / n,
		"discriminator_accuracy": float64(s.Correct) / n,
		"replaced":               float64(s.Replaced) / n,
	}
}

// TakeStats returns the loss parts summed since the last call and starts a new sum.
func (e *Electra) TakeStats() RTDStats {
	s := e.stats
	e.stats = RTDStats{}
	return s
}

// NewElectra pairs a masked-LM generator with a replaced-token-detection discriminator of the same
// vocabulary, with the default loss weight.
func NewElectra(gen, disc *Model) (*Electra, error) {
	switch {
	case gen.Arch != MaskedLM:
		return nil, fmt.Errorf("model: an ELECTRA generator needs the %s head, not %s", MaskedLM, gen.Arch)
	case disc.Arch != ReplacedTokenDetection:
		return nil, fmt.Errorf("model: an ELECTRA discriminator needs the %s head, not %s", ReplacedTokenDetection, disc.Arch)
	case gen.Config.VocabSize != disc.Config.VocabSize || gen.Config.PadTokenID != disc.Config.PadTokenID:
		return nil, fmt.Errorf("model: ELECTRA generator and discriminator differ in vocabulary (%d and %d entries, padding %d and %d)",
			gen.Config.VocabSize, disc.Config.VocabSize, gen.Config.PadTokenID, disc.Config.PadTokenID)
	case gen.Config.MaxPositionEmbeddings < disc.Config.MaxPositionEmbeddings:
		return nil, fmt.Errorf("model: ELECTRA generator has %d positions, fewer than the discriminator's %d",
			gen.Config.MaxPositionEmbeddings, disc.Config.MaxPositionEmbeddings)
	}
	return &Electra{Generator: gen, Discriminator: disc, RTDWeight: DefaultRTDWeight}, nil
}

// GeneratorConfig returns the configuration of an ELECTRA generator for discriminator configuration c:
// the same depth, vocabulary and positions, with hidden size, attention heads and feed-forward size
// scaled by size (ELECTRA's generators work best at 1/4 to 1/2 of the discriminator). Heads keep their
// width where they can; the hidden size is rounded to a multiple of the head count.
func GeneratorConfig(c Config, size float64) (Config, error) {
	if !(size > 0 && size <= 1) {
		return Config{}, fmt.Errorf("model: generator size %g must lie in (0, 1]", size)
	}
	g := c
	g.ID2Label, g.Label2ID, g.Thresholds, g.Temperatures, g.ProblemType = nil, nil, nil, nil, ""
	g.NumAttentionHeads = max(1, int(math.Round(float64(c.NumAttentionHeads)*size)))
	g.HiddenSize = max(1, int(math.Round(float64(c.HiddenSize)*size/float64(g.NumAttentionHeads)))) * g.NumAttentionHeads
	g.IntermediateSize = max(1, int(math.Round(float64(c.IntermediateSize)*size)))
	if err := g.Validate(); err != nil {
		return Config{}, fmt.Errorf("model: generator: %w", flatten(err))
	}
	return g, nil
}

// Params returns the discriminator's parameters, then the generator's.
func (e *Electra) Params() []*tensor.Tensor {
	return slices.Concat(e.Discriminator.Params(), e.Generator.Params())
}

// Loss returns ELECTRA's loss on the masked batch b as a sum over its count labelled positions, as
// Model.Loss does for masked-LM: the generator's summed cross-entropy plus RTDWeight × count × the
// discriminator's mean cross-entropy over every attended token, so that dividing by the count gives
// ELECTRA's loss, generator mean + λ × discriminator mean. The generator's samples come from rng,
// which also drives dropout; with rng nil (evaluation) they come from a fixed seed, and the loss's
// parts are added to the sums TakeStats returns. Unlike a Model's forward passes, Loss is not safe
// for concurrent use.
func (e *Electra) Loss(t *tensor.Tape, b *Batch, rng *tensor.RNG) (sum *tensor.Tensor, count int, err error) {
	gen, disc, sampler := e.Generator, e.Discriminator, rng
	if err := gen.check(b, MaskedLM); err != nil {
		return nil, 0, err
	}
	if err := disc.check(b, ReplacedTokenDetection); err != nil {
		return nil, 0, err
	}
	if b.Labels == nil {
		return nil, 0, errors.New("model: ELECTRA loss needs masked-LM labels")
	}
	if sampler == nil {
		sampler = tensor.NewRNG(evalSampleSeed)
	}
	a := t.Arena()
	for _, l := range b.Labels {
		if l != IgnoreLabel {
			count++
		}
	}
	ids, replaced := a.Int32s(len(b.IDs)), a.Floats(len(b.IDs))
	copy(ids, b.IDs)
	if count > 0 {
		rows, targets := a.Int32s(count), a.Int32s(count)
		j := 0
		for i, l := range b.Labels {
			if l != IgnoreLabel {
				rows[j], targets[j] = int32(i), l
				j++
			}
		}
		logits := gen.MLM.Forward(t, gen.encode(t, b, rng, rows))
		sum, _ = t.CrossEntropySum(logits, targets, IgnoreLabel)
		vocab := gen.Config.VocabSize
		p := a.Floats(vocab)
		for j, i := range rows {
			s := sample(p, logits.Data[j*vocab:(j+1)*vocab], gen.Embeddings.Pad, sampler)
			ids[i] = s
			if s != targets[j] {
				replaced[i] = 1
			}
		}
	}
	corrupted := Batch{Batch: b.Batch, Seq: b.Seq, IDs: ids, TypeIDs: b.TypeIDs, AttentionMask: b.AttentionMask}
	if count == 0 {
		disc.encode(t, &corrupted, rng, nil) // the dropout streams advance as for any batch
		return t.New(1), 0, nil
	}
	rtd, logits, targets := disc.rtdLoss(t, &corrupted, replaced, rng)
	if rng == nil {
		e.record(sum, rtd, logits, targets, count)
	}
	return t.Add(sum, t.Scale(rtd, float32(e.RTDWeight*float64(count)))), count, nil
}

// sample draws a token from the softmax of logits, never pad, using p (as long as logits) for the
// probabilities.
func sample(p, logits []float32, pad int32, rng *tensor.RNG) int32 {
	total := vmath.ExpSubSum(p, logits, slices.Max(logits)) - p[pad]
	p[pad] = 0
	u := rng.Float32() * total
	last := int32(0)
	for i, x := range p {
		if x == 0 {
			continue
		}
		last = int32(i)
		if u -= x; u < 0 {
			break
		}
	}
	return last
}

// GeneratorDir is the subdirectory of an ELECTRA model directory that holds the generator.
const GeneratorDir = "generator"

// Save writes the discriminator to dir as Model.Save does, the encoder any BERT loader reads, and the
// generator, a BertForMaskedLM, to dir/generator.
func (e *Electra) Save(dir string) error {
	if err := e.Discriminator.Save(dir); err != nil {
		return err
	}
	return e.Generator.Save(filepath.Join(dir, GeneratorDir))
}

// record adds an evaluated batch's loss parts to the sums TakeStats returns.
func (e *Electra) record(genSum, rtdMean, logits *tensor.Tensor, targets []float32, masked int) {
	s := &e.stats
	s.GeneratorLoss += float64(genSum.Data[0])
	s.Masked += masked
	s.DiscriminatorLoss += float64(rtdMean.Data[0]) * float64(len(targets))
	s.Tokens += len(targets)
	for i, y := range targets {
		if y == 1 {
			s.Replaced++
		}
		if (logits.Data[i] > 0) == (y == 1) {
			s.Correct++
		}
	}
}
