package model

import (
	"fmt"

	"github.com/vigil-ml/vigil/tensor"
)

// MLMLogits returns the masked-language-model logits [batch, seq, vocab] at every position. Training
// uses MLMLoss, which projects only the labelled positions onto the vocabulary.
func (m *Model) MLMLogits(t *tensor.Tape, b *Batch, rng *tensor.RNG) (*tensor.Tensor, error) {
	if err := m.check(b, MaskedLM); err != nil {
		return nil, err
	}
	return m.mlmLogits(t, b, rng), nil
}

// mlmLogits is MLMLogits for a batch already checked.
func (m *Model) mlmLogits(t *tensor.Tape, b *Batch, rng *tensor.RNG) *tensor.Tensor {
	logits := m.MLM.Forward(t, m.encode(t, b, rng, nil))
	return t.Reshape(logits, b.Batch, b.Seq, m.Config.VocabSize)
}

// MLMLoss returns the mean cross-entropy over b's labelled positions, as BertForMaskedLM's loss.
// A batch without labelled positions has loss 0.
func (m *Model) MLMLoss(t *tensor.Tape, b *Batch, rng *tensor.RNG) (*tensor.Tensor, error) {
	sum, n, err := m.MLMLossSum(t, b, rng)
	if err != nil || n <= 1 {
		return sum, err
	}
	return t.Scale(sum, 1/float32(n)), nil
}

// MLMLossSum returns the summed cross-entropy over b's labelled positions and their count, so a
// trainer accumulating gradients over several batches can divide by the total count. Only the
// labelled positions' hidden states are gathered and projected onto the vocabulary.
func (m *Model) MLMLossSum(t *tensor.Tape, b *Batch, rng *tensor.RNG) (sum *tensor.Tensor, count int, err error) {
	if err := m.check(b, MaskedLM); err != nil {
		return nil, 0, err
	}
	if b.Labels == nil {
		return nil, 0, fmt.Errorf("model: MLM loss needs labels")
	}
	for _, l := range b.Labels {
		if l != IgnoreLabel {
			count++
		}
	}
	if count == 0 {
		m.encode(t, b, rng, nil) // the dropout streams advance as for any batch
		return t.New(1), 0, nil
	}
	rows, targets := t.Arena().Int32s(count), t.Arena().Int32s(count)
	j := 0
	for i, l := range b.Labels {
		if l != IgnoreLabel {
			rows[j], targets[j] = int32(i), l
			j++
		}
	}
	sum, count = t.CrossEntropySum(m.MLM.Forward(t, m.encode(t, b, rng, rows)), targets, IgnoreLabel)
	return sum, count, nil
}

// ClassLogits returns one logit per label [batch, labels] from the first token of each sequence.
func (m *Model) ClassLogits(t *tensor.Tape, b *Batch, rng *tensor.RNG) (*tensor.Tensor, error) {
	if err := m.check(b, SequenceClassification); err != nil {
		return nil, err
	}
	return m.classLogits(t, b, rng), nil
}

// classLogits is ClassLogits for a batch already checked.
func (m *Model) classLogits(t *tensor.Tape, b *Batch, rng *tensor.RNG) *tensor.Tensor {
	first := t.Arena().Int32s(b.Batch)
	for i := range first {
		first[i] = int32(i * b.Seq)
	}
	cls := m.encode(t, b, rng, first)
	return m.Classifier.Forward(t, cls, dropout(m.Config.classifierDropout(), rng), rng)
}

// ClassLoss returns the mean binary cross-entropy of the label logits against b.Targets, as
// BertForSequenceClassification computes for multi_label_classification.
func (m *Model) ClassLoss(t *tensor.Tape, b *Batch, rng *tensor.RNG) (*tensor.Tensor, error) {
	if want := b.Batch * len(m.Config.ID2Label); len(b.Targets) != want {
		return nil, fmt.Errorf("model: batch has %d targets, want %d sequences × %d labels", len(b.Targets), b.Batch, len(m.Config.ID2Label))
	}
	for i, y := range b.Targets {
		if !(y >= 0 && y <= 1) {
			return nil, fmt.Errorf("model: target %d is %g, outside [0, 1]", i, y)
		}
	}
	logits, err := m.ClassLogits(t, b, rng)
	if err != nil {
		return nil, err
	}
	return t.BCEWithLogits(logits, b.Targets, nil), nil
}

// Loss returns the model's training loss on b as a sum over count terms: masked tokens for MaskedLM,
// (sequence, label) pairs for SequenceClassification. Dividing by the total count over accumulated
// batches gives the mean loss Hugging Face reports for one batch.
func (m *Model) Loss(t *tensor.Tape, b *Batch, rng *tensor.RNG) (sum *tensor.Tensor, count int, err error) {
	switch m.Arch {
	case MaskedLM:
		return m.MLMLossSum(t, b, rng)
	case ReplacedTokenDetection:
		return nil, 0, fmt.Errorf("model: %s trains with a generator: use Electra's Loss", m.Arch)
	}
	mean, err := m.ClassLoss(t, b, rng)
	if err != nil {
		return nil, 0, err
	}
	count = len(b.Targets)
	return t.Scale(mean, float32(count)), count, nil
}

// RTDLogits returns the discriminator's logits [batch, seq], positive where a token looks replaced, as
// ElectraForPreTraining's logits.
func (m *Model) RTDLogits(t *tensor.Tape, b *Batch, rng *tensor.RNG) (*tensor.Tensor, error) {
	if err := m.check(b, ReplacedTokenDetection); err != nil {
		return nil, err
	}
	return t.Reshape(m.RTD.Forward(t, m.encode(t, b, rng, nil)), b.Batch, b.Seq), nil
}

// rtdLoss returns the mean binary cross-entropy of the discriminator's logits at b's attended positions
// against replaced (one 0/1 target per position of b, read only where attended), as
// ElectraForPreTraining's loss, and those logits and targets. The padding is not computed.
func (m *Model) rtdLoss(t *tensor.Tape, b *Batch, replaced []float32, rng *tensor.RNG) (loss, logits *tensor.Tensor, targets []float32) {
	a := t.Arena()
	n := len(b.IDs)
	if b.AttentionMask != nil {
		n = 0
		for _, v := range b.AttentionMask {
			if v != 0 {
				n++
			}
		}
	}
	rows := a.Int32s(n)
	targets = a.Floats(n)
	j := 0
	for i := range b.IDs {
		if b.AttentionMask == nil || b.AttentionMask[i] != 0 {
			rows[j], targets[j] = int32(i), replaced[i]
			j++
		}
	}
	logits = m.RTD.Forward(t, m.encode(t, b, rng, rows))
	return t.BCEWithLogits(logits, targets, nil), logits, targets
}

// check validates b and that the model has the head arch.
func (m *Model) check(b *Batch, arch Architecture) error {
	if m.Arch != arch {
		return fmt.Errorf("model: %s has no %s head", m.Arch, arch)
	}
	return b.Validate(m.Config)
}
