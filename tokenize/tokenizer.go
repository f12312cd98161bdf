package tokenize

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Names of the five special tokens every Tokenizer has.
const (
	PadToken  = "[PAD]"
	UnkToken  = "[UNK]"
	ClsToken  = "[CLS]"
	SepToken  = "[SEP]"
	MaskToken = "[MASK]"
)

// SpecialIDs holds the ids of the five special tokens.
type SpecialIDs struct {
	Pad, Unk, Cls, Sep, Mask int32
}

// Tokenizer is a WordPiece tokenizer. It is safe for concurrent use.
type Tokenizer struct {
	// Special holds the ids of [PAD], [UNK] (the model's unk token),
	// [CLS], [SEP] and [MASK]. It is read only; the same ids are returned
	// by PadID, UnkID, ClsID, SepID and MaskID.
	Special SpecialIDs

	vocab  []string
	opts   Options
	ascii  [utf8.RuneSelf]uint8
	prefix string // continuing-subword prefix of the model

	whole, cont       map[string]int32 // word-initial tokens; continuation tokens without the prefix
	maxWhole, maxCont int              // longest key of each map, in bytes

	added      []addedToken // matched literally in the raw input, in id order
	addedFirst []byte       // distinct first bytes of added tokens
	special    []bool       // per id: an added special token, skipped by Decode
	tmpl       template
	dec        decoder

	pool sync.Pool // *scratch
}

// addedToken is a token matched on the raw input before normalization
// (Hugging Face added tokens with normalized=false).
type addedToken struct {
	id      int32
	content string
	special bool
}

// config carries the parts of a tokenizer.json that New does not take.
type config struct {
	prefix string
	unk    string
	added  []addedToken
	tmpl   *template
	dec    *decoder
}

// New returns a tokenizer over vocab, where vocab[i] has id i. The
// vocabulary must hold [PAD], [UNK], [CLS], [SEP] and [MASK] and no token
// twice. The tokenizer uses the "##" continuation prefix, the BERT
// templates [CLS] A [SEP] and [CLS] A [SEP] B [SEP], and treats the five
// special tokens as added tokens, as Hugging Face does.
func New(vocab []string, opts Options) (*Tokenizer, error) {
	return build(vocab, opts, config{})
}

func build(vocab []string, opts Options, cfg config) (*Tokenizer, error) {
	if len(vocab) == 0 {
		return nil, errors.New("tokenize: empty vocabulary")
	}
	if len(vocab) > 1<<31-1 {
		return nil, fmt.Errorf("tokenize: vocabulary of %d tokens does not fit int32 ids", len(vocab))
	}
	if opts.MaxInputCharsPerWord < 0 {
		return nil, fmt.Errorf("tokenize: MaxInputCharsPerWord %d is negative", opts.MaxInputCharsPerWord)
	}
	if opts.MaxInputCharsPerWord == 0 {
		opts.MaxInputCharsPerWord = defaultMaxChars
	}
	if cfg.prefix == "" {
		cfg.prefix = "##"
	}
	if cfg.unk == "" {
		cfg.unk = UnkToken
	}
	t := &Tokenizer{
		vocab:  append([]string(nil), vocab...),
		opts:   opts,
		ascii:  asciiTable(opts),
		prefix: cfg.prefix,
		whole:  make(map[string]int32, len(vocab)),
		cont:   make(map[string]int32),
		dec:    decoder{wordPiece: true, prefix: cfg.prefix, cleanup: true},
	}
	if cfg.dec != nil {
		t.dec = *cfg.dec
	}
	for i, tok := range t.vocab {
		if j, dup := t.whole[tok]; dup {
			return nil, fmt.Errorf("tokenize: token %q has ids %d and %d", tok, j, i)
		}
		t.whole[tok] = int32(i)
		t.maxWhole = max(t.maxWhole, len(tok))
		if rest, ok := strings.CutPrefix(tok, t.prefix); ok && rest != "" {
			t.cont[rest] = int32(i)
			t.maxCont = max(t.maxCont, len(rest))
		}
	}
	ids := make(map[string]int32, 5)
	for _, name := range []string{PadToken, cfg.unk, ClsToken, SepToken, MaskToken} {
		id, ok := t.whole[name]
		if !ok {
			return nil, fmt.Errorf("tokenize: vocabulary lacks the special token %s", name)
		}
		ids[name] = id
	}
	t.Special = SpecialIDs{Pad: ids[PadToken], Unk: ids[cfg.unk], Cls: ids[ClsToken], Sep: ids[SepToken], Mask: ids[MaskToken]}
	if cfg.added == nil {
		for _, name := range []string{PadToken, cfg.unk, ClsToken, SepToken, MaskToken} {
			cfg.added = append(cfg.added, addedToken{id: ids[name], content: name, special: true})
		}
	}
	t.setAdded(cfg.added)
	if cfg.tmpl != nil {
		t.tmpl = *cfg.tmpl
	} else {
		t.tmpl = bertTemplate(ClsToken, t.Special.Cls, SepToken, t.Special.Sep)
	}
	return t, nil
}

// setAdded stores the added tokens sorted by id.
func (t *Tokenizer) setAdded(added []addedToken) {
	t.added = append([]addedToken(nil), added...)
	for i := 1; i < len(t.added); i++ {
		for j := i; j > 0 && t.added[j-1].id > t.added[j].id; j-- {
			t.added[j-1], t.added[j] = t.added[j], t.added[j-1]
		}
	}
	t.special = make([]bool, len(t.vocab))
	for _, a := range t.added {
		if a.special {
			t.special[a.id] = true
		}
		if !slices.Contains(t.addedFirst, a.content[0]) {
			t.addedFirst = append(t.addedFirst, a.content[0])
		}
	}
}

// VocabSize returns the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// Vocab returns a copy of the vocabulary in id order.
func (t *Tokenizer) Vocab() []string { return append([]string(nil), t.vocab...) }

// TokenID returns the id of tok and whether it is in the vocabulary.
func (t *Tokenizer) TokenID(tok string) (int32, bool) {
	id, ok := t.whole[tok]
	return id, ok
}

// Options returns the normalizer and model options.
func (t *Tokenizer) Options() Options { return t.opts }

// PadID returns the id of [PAD].
func (t *Tokenizer) PadID() int32 { return t.Special.Pad }

// UnkID returns the id of the unknown token.
func (t *Tokenizer) UnkID() int32 { return t.Special.Unk }

// ClsID returns the id of [CLS].
func (t *Tokenizer) ClsID() int32 { return t.Special.Cls }

// SepID returns the id of [SEP].
func (t *Tokenizer) SepID() int32 { return t.Special.Sep }

// MaskID returns the id of [MASK].
func (t *Tokenizer) MaskID() int32 { return t.Special.Mask }

// pieces splits one normalized word greedily, longest match first. It
// appends each piece's id to ids and its end (a byte index into word) to
// ends, and reports false, leaving ids and ends as they were, when the word
// must become the unknown token. A non-nil drop passes over some matches
// (EncodeOptions.PieceDropout), falling back to the greedy split when the
// word is left without one.
func (t *Tokenizer) pieces(word []byte, ids, ends []int32, drop *pieceDrop) ([]int32, []int32, bool) {
	n := len(word)
	if n > t.opts.MaxInputCharsPerWord && utf8.RuneCount(word) > t.opts.MaxInputCharsPerWord {
		return ids, ends, false
	}
	mark := len(ids)
	for start := 0; start < n; {
		m, longest := t.whole, t.maxWhole
		if start > 0 {
			m, longest = t.cont, t.maxCont
		}
		end := min(n, start+longest)
		for end > start && end < n && !utf8.RuneStart(word[end]) {
			end--
		}
		found := false
		for end > start {
			if id, ok := m[string(word[start:end])]; ok && (drop == nil || !drop.skip(word, start, end)) {
				ids = append(ids, id)
				ends = append(ends, int32(end))
				found = true
				break
			}
			end--
			for end > start && !utf8.RuneStart(word[end]) {
				end--
			}
		}
		if !found {
			if drop != nil {
				return t.pieces(word, ids[:mark], ends[:mark], nil)
			}
			return ids[:mark], ends[:mark], false
		}
		start = end
	}
	return ids, ends, true
}
