package model

import "fmt"

// IgnoreLabel marks an MLM position that takes no part in the loss, as Hugging Face's -100.
const IgnoreLabel = -100

// Batch is a padded batch of token sequences, each slice flattened row-major over [Batch, Seq].
type Batch struct {
	Batch, Seq int
	// IDs are token ids.
	IDs []int32
	// TypeIDs are segment ids; nil means all zero.
	TypeIDs []int32
	// AttentionMask is 1 for real tokens and 0 for padding; nil attends to every position.
	AttentionMask []int32
	// Labels are the MLM targets, IgnoreLabel where a position is not predicted.
	Labels []int32
	// Targets are the classification targets in [0, 1], [Batch, number of labels] row-major.
	Targets []float32
}

// Validate reports the first way b does not fit a model of configuration c: slice lengths, the
// sequence length against max_position_embeddings, and ids, type ids and labels against their
// vocabularies. Targets are checked by the classification loss, which knows the label count.
func (b *Batch) Validate(c Config) error {
	n := b.Batch * b.Seq
	if b.Batch <= 0 || b.Seq <= 0 {
		return fmt.Errorf("model: batch of %d sequences of length %d is empty", b.Batch, b.Seq)
	}
	if b.Seq > c.MaxPositionEmbeddings {
		return fmt.Errorf("model: sequence length %d exceeds max_position_embeddings %d", b.Seq, c.MaxPositionEmbeddings)
	}
	for _, s := range []struct {
		name     string
		v        []int32
		optional bool
		lo, hi   int32
	}{
		{"ids", b.IDs, false, 0, int32(c.VocabSize)},
		{"type ids", b.TypeIDs, true, 0, int32(c.TypeVocabSize)},
		{"attention mask", b.AttentionMask, true, 0, 2},
		{"labels", b.Labels, true, 0, int32(c.VocabSize)},
	} {
		if s.v == nil && s.optional {
			continue
		}
		if len(s.v) != n {
			return fmt.Errorf("model: batch has %d %s, want %d×%d = %d", len(s.v), s.name, b.Batch, b.Seq, n)
		}
		for i, x := range s.v {
			if (x < s.lo || x >= s.hi) && !(s.name == "labels" && x == IgnoreLabel) {
				return fmt.Errorf("model: batch %s[%d] = %d outside [%d, %d)", s.name, i, x, s.lo, s.hi)
			}
		}
	}
	return nil
}

// sequences returns sequences [lo, hi) of b, sharing b's per-token slices; Targets are left out.
func (b *Batch) sequences(lo, hi int) Batch {
	part := func(s []int32) []int32 {
		if s == nil {
			return nil
		}
		return s[lo*b.Seq : hi*b.Seq]
	}
	return Batch{Batch: hi - lo, Seq: b.Seq, IDs: part(b.IDs), TypeIDs: part(b.TypeIDs),
		AttentionMask: part(b.AttentionMask), Labels: part(b.Labels)}
}
