package model

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/vigil-ml/vigil/tokenize"
)

// TextBatch tokenizes texts as [CLS] text [SEP], each cut to at most maxLen tokens (0: no limit), and
// pads them with [PAD] to the longest of the batch, with an attention mask that is 0 on the padding.
func TextBatch(tok *tokenize.Tokenizer, texts []string, maxLen int) *Batch {
	encs := tok.EncodeBatch(texts, tokenize.EncodeOptions{AddSpecialTokens: true, MaxLength: max(0, maxLen)})
	ids := make([][]int32, len(encs))
	for i, e := range encs {
		ids[i] = e.IDs
	}
	b := &Batch{}
	PadBatch(b, ids, tok.PadID())
	return b
}

// PadBatch lays out token sequences in b, padded with pad to the longest of them, with an attention
// mask that is 0 on the padding. It reuses b's IDs and AttentionMask and clears its other fields.
func PadBatch(b *Batch, seqs [][]int32, pad int32) {
	seq := 0
	for _, s := range seqs {
		seq = max(seq, len(s))
	}
	n := len(seqs) * seq
	*b = Batch{Batch: len(seqs), Seq: seq, IDs: grow(b.IDs, n), AttentionMask: grow(b.AttentionMask, n)}
	for i, s := range seqs {
		row := b.IDs[i*seq : (i+1)*seq]
		copy(row, s)
		for j := len(s); j < seq; j++ {
			row[j] = pad
		}
		mask := b.AttentionMask[i*seq : (i+1)*seq]
		for j := range s {
			mask[j] = 1
		}
		clear(mask[len(s):])
	}
}

// grow returns s resliced to n elements, reallocated only when too small.
func grow(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// ScoreTexts returns, for each text in input order, the probability of every label. Texts are
// tokenized as TextBatch does, cut to maxLen tokens (0 or more than max_position_embeddings: the
// model's limit), and scored in batches of batchSize texts of similar length, which wastes little
// work on padding. s.Progress, when set, hears after each batch how many texts are done.
func (s *Scorer) ScoreTexts(tok *tokenize.Tokenizer, texts []string, maxLen, batchSize int) ([][]float32, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("model: batch size %d must be positive", batchSize)
	}
	if s.m.Arch != SequenceClassification {
		return nil, fmt.Errorf("model: %s has no %s head", s.m.Arch, SequenceClassification)
	}
	if limit := s.m.Config.MaxPositionEmbeddings; maxLen <= 0 || maxLen > limit {
		maxLen = limit
	}
	encs := tok.EncodeBatch(texts, tokenize.EncodeOptions{AddSpecialTokens: true, MaxLength: maxLen})
	order := make([]int, len(texts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(encs[a].IDs), len(encs[b].IDs)) })
	labels := len(s.m.Config.ID2Label)
	out := make([][]float32, len(texts))
	flat := make([]float32, 0, len(texts)*labels)
	seqs := make([][]int32, 0, batchSize)
	var probs []float32
	var batch Batch
	for lo := 0; lo < len(order); lo += batchSize {
		chunk := order[lo:min(lo+batchSize, len(order))]
		seqs = seqs[:0]
		for _, i := range chunk {
			seqs = append(seqs, encs[i].IDs)
		}
		var err error
		PadBatch(&batch, seqs, tok.PadID())
		if probs, err = s.Probabilities(probs[:0], &batch); err != nil {
			return nil, err
		}
		for k, i := range chunk {
			start := len(flat)
			flat = append(flat, probs[k*labels:(k+1)*labels]...)
			out[i] = flat[start:len(flat):len(flat)]
		}
		if s.Progress != nil {
			s.Progress(lo+len(chunk), len(texts))
		}
	}
	return out, nil
}
