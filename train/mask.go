package train

import (
	"fmt"
	"strings"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tokenize"
)

// MaskConfig configures masked-language-model masking.
type MaskConfig struct {
	// Prob is the chance that a token (or, with WholeWord, a word) is chosen for prediction; 0 means
	// BERT's 0.15. Of the chosen tokens 80% become [MASK], 10% a random token and 10% stay.
	Prob float64 `yaml:"prob" json:"prob"`
	// WholeWord chooses whole words: a word's "##" continuation pieces are chosen with its first
	// piece.
	WholeWord bool `yaml:"whole_word" json:"whole_word"`
}

// Masker chooses and corrupts the tokens a masked language model learns to predict. Its choices are
// a fixed function of (seed, epoch, sequence index), so every epoch masks differently and a resumed
// run masks exactly as the uninterrupted one would have.
type Masker struct {
	prob      float64
	wholeWord bool
	seed      uint64
	maskID    int32
	special   []bool // by id: never chosen, never drawn as a random replacement
	cont      []bool // by id: a "##" continuation piece
	ordinary  []int32
}

// NewMasker returns a masker for sequences of tok's ids. The special tokens [PAD], [UNK], [CLS],
// [SEP] and [MASK] are never chosen and never used as random replacements.
func NewMasker(tok *tokenize.Tokenizer, cfg MaskConfig, seed uint64) (*Masker, error) {
	if cfg.Prob == 0 {
		cfg.Prob = 0.15
	}
	if !(cfg.Prob > 0 && cfg.Prob <= 1) {
		return nil, fmt.Errorf("mask probability %g must lie in (0, 1]", cfg.Prob)
	}
	vocab := tok.Vocab()
	m := &Masker{
		prob: cfg.Prob, wholeWord: cfg.WholeWord, seed: seed, maskID: tok.MaskID(),
		special: make([]bool, len(vocab)), cont: make([]bool, len(vocab)),
	}
	s := tok.Special
	for _, id := range []int32{s.Pad, s.Unk, s.Cls, s.Sep, s.Mask} {
		m.special[id] = true
	}
	for id, piece := range vocab {
		m.cont[id] = strings.HasPrefix(piece, "##") && len(piece) > 2
		if !m.special[id] {
			m.ordinary = append(m.ordinary, int32(id))
		}
	}
	if len(m.ordinary) == 0 {
		return nil, fmt.Errorf("vocabulary of %d tokens has only special tokens", len(vocab))
	}
	return m, nil
}

// Mask chooses targets in ids (one sequence) and corrupts them in place: labels[i] receives the
// original id of each chosen position and IgnoreIndex elsewhere. It returns the number of targets.
func (m *Masker) Mask(ids, labels []int32, epoch int, index int64) int {
	r := tensor.NewRNG(mix(m.seed, uint64(epoch), uint64(index)))
	n := 0
	chosen, afterSpecial := false, true
	for i, id := range ids {
		labels[i] = IgnoreIndex
		if m.special[id] {
			afterSpecial = true
			continue
		}
		if !m.wholeWord || !m.cont[id] || afterSpecial {
			chosen = r.Float64() < m.prob
		}
		afterSpecial = false
		if !chosen {
			continue
		}
		labels[i] = id
		n++
		switch u := r.Float64(); {
		case u < 0.8:
			ids[i] = m.maskID
		case u < 0.9:
			ids[i] = m.ordinary[r.IntN(len(m.ordinary))]
		}
	}
	return n
}

// mix hashes a seed and two counters into one well-spread 64-bit seed (SplitMix64 finaliser rounds).
func mix(seed, a, b uint64) uint64 {
	h := seed
	for _, v := range []uint64{a, b} {
		h ^= v + 0x9e3779b97f4a7c15 + h<<6 + h>>2
		h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
		h = (h ^ h>>27) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}
