package tokenize

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Encoding is the result of encoding one text or one pair of texts. All
// slices have the same length.
type Encoding struct {
	IDs           []int32
	TypeIDs       []int32 // 0 for the first text, 1 for the second
	AttentionMask []int32 // 1 for tokens, 0 for padding
	Tokens        []string
	// Offsets are byte spans into the original input of the text the
	// token came from; (0,0) for tokens added by the template and padding.
	Offsets [][2]int
	// SpecialTokensMask is 1 for tokens added by the template and padding.
	SpecialTokensMask []int32
}

// EncodeOptions selects post-processing, truncation and padding.
type EncodeOptions struct {
	// AddSpecialTokens applies the template: [CLS] A [SEP] for one text,
	// [CLS] A [SEP] B [SEP] for a pair, with type ids 0 for the A part and
	// 1 for the B part.
	AddSpecialTokens bool
	// MaxLength truncates to at most MaxLength tokens, special tokens
	// included, removing tokens from the longer text first (Hugging Face's
	// longest_first). 0 means no truncation. When MaxLength is smaller
	// than the number of special tokens, the texts are emptied and the
	// result holds the special tokens only.
	MaxLength int
	// PadToMaxLength pads on the right with [PAD] up to MaxLength.
	PadToMaxLength bool
	// PieceDropout, when positive, samples a segmentation in place of
	// WordPiece's greedy one, for training: each longest vocabulary match
	// of more than one character is passed over with this probability and
	// a shorter one taken (the BPE-dropout of Provilkov et al. 2020 applied
	// to WordPiece), so a model sees its words split in several ways. A word
	// the draws leave without a segmentation keeps the greedy one. It must
	// lie in [0, 1).
	PieceDropout float64
	// DropoutSeed fixes PieceDropout's draws: the same seed and text give
	// the same tokens, different texts draw independently.
	DropoutSeed uint64
}

// seq is the model output for one text before post-processing.
type seq struct {
	ids  []int32
	offs [][2]int
}

// scratch holds the reusable buffers of one encoding goroutine.
type scratch struct {
	sp   *splitter
	a, b seq
	ids  []int32
	ends []int32
	next []int
	drop pieceDrop
	word []byte // SampleSplit's word text
}

func (t *Tokenizer) getScratch() *scratch {
	if sc, ok := t.pool.Get().(*scratch); ok {
		return sc
	}
	return &scratch{sp: newSplitter(t.opts, &t.ascii, true)}
}

// Encode encodes one text. Offsets are held as int32 internally, so texts
// must be shorter than 2 GiB.
func (t *Tokenizer) Encode(text string, o EncodeOptions) Encoding {
	sc := t.getScratch()
	defer t.pool.Put(sc)
	return t.encode(sc, text, "", false, o)
}

// EncodePair encodes a pair of texts, such as a question and a passage.
func (t *Tokenizer) EncodePair(a, b string, o EncodeOptions) Encoding {
	sc := t.getScratch()
	defer t.pool.Put(sc)
	return t.encode(sc, a, b, true, o)
}

// EncodeBatch encodes texts on GOMAXPROCS goroutines; result i is the
// encoding of texts[i].
func (t *Tokenizer) EncodeBatch(texts []string, o EncodeOptions) []Encoding {
	out := make([]Encoding, len(texts))
	const block = 16
	workers := min(runtime.GOMAXPROCS(0), (len(texts)+block-1)/block)
	if workers <= 1 {
		sc := t.getScratch()
		for i, text := range texts {
			out[i] = t.encode(sc, text, "", false, o)
		}
		t.pool.Put(sc)
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			sc := t.getScratch()
			defer t.pool.Put(sc)
			for {
				lo := int(next.Add(block)) - block
				if lo >= len(texts) {
					return
				}
				for i := lo; i < min(lo+block, len(texts)); i++ {
					out[i] = t.encode(sc, texts[i], "", false, o)
				}
			}
		})
	}
	wg.Wait()
	return out
}

func (t *Tokenizer) encode(sc *scratch, a, b string, pair bool, o EncodeOptions) Encoding {
	sc.drop = newPieceDrop(o.PieceDropout, o.DropoutSeed, a)
	t.model(sc, a, &sc.a)
	sc.b.ids, sc.b.offs = sc.b.ids[:0], sc.b.offs[:0]
	if pair {
		sc.drop = newPieceDrop(o.PieceDropout, o.DropoutSeed^pairSalt, b)
		t.model(sc, b, &sc.b)
	}
	if o.MaxLength > 0 {
		limit := o.MaxLength
		if o.AddSpecialTokens {
			limit = max(0, limit-t.tmpl.added(pair))
		}
		truncate(&sc.a, &sc.b, pair, limit)
	}
	parts := implicitSingle
	if pair {
		parts = implicitPair
	}
	if o.AddSpecialTokens {
		parts = t.tmpl.single
		if pair {
			parts = t.tmpl.pair
		}
	}
	n := 0
	for _, p := range parts {
		n += p.len(sc)
	}
	size := n
	if o.PadToMaxLength && o.MaxLength > n {
		size = o.MaxLength
	}
	ints := make([]int32, 4*size)
	e := Encoding{
		IDs:               ints[0*size : 1*size : 1*size],
		TypeIDs:           ints[1*size : 2*size : 2*size],
		AttentionMask:     ints[2*size : 3*size : 3*size],
		SpecialTokensMask: ints[3*size : 4*size : 4*size],
		Tokens:            make([]string, size),
		Offsets:           make([][2]int, size),
	}
	k := 0
	for _, p := range parts {
		if p.seq < 0 {
			for j, id := range p.ids {
				e.IDs[k], e.TypeIDs[k], e.AttentionMask[k], e.SpecialTokensMask[k] = id, p.typeID, 1, 1
				e.Tokens[k] = p.tokens[j]
				k++
			}
			continue
		}
		s := &sc.a
		if p.seq == 1 {
			s = &sc.b
		}
		for j, id := range s.ids {
			e.IDs[k], e.TypeIDs[k], e.AttentionMask[k] = id, p.typeID, 1
			e.Tokens[k] = t.vocab[id]
			e.Offsets[k] = s.offs[j]
			k++
		}
	}
	for ; k < size; k++ {
		e.IDs[k], e.SpecialTokensMask[k] = t.Special.Pad, 1
		e.Tokens[k] = t.vocab[t.Special.Pad]
	}
	return e
}

// truncate applies Hugging Face's longest_first strategy so that the
// texts together hold at most limit tokens.
func truncate(a, b *seq, pair bool, limit int) {
	n1, n2 := len(a.ids), len(b.ids)
	if n1+n2 <= limit {
		return
	}
	if !pair {
		a.cut(limit)
		return
	}
	swap := n1 > n2
	if swap {
		n1, n2 = n2, n1
	}
	if n1 > limit {
		n2 = n1
	} else {
		n2 = max(n1, limit-n1)
	}
	if n1+n2 > limit {
		n1 = limit / 2
		n2 = n1 + limit%2
	}
	if swap {
		n1, n2 = n2, n1
	}
	a.cut(n1)
	b.cut(n2)
}

func (s *seq) cut(n int) {
	if n < len(s.ids) {
		s.ids, s.offs = s.ids[:n], s.offs[:n]
	}
}

// model runs added-token matching, normalization, pre-tokenization and
// WordPiece over text, writing tokens into dst.
func (t *Tokenizer) model(sc *scratch, text string, dst *seq) {
	dst.ids, dst.offs = dst.ids[:0], dst.offs[:0]
	if !t.mayHoldAdded(text) {
		t.segment(sc, text, 0, len(text), dst)
		return
	}
	next := sc.next[:0]
	for range t.added {
		next = append(next, -1)
	}
	sc.next = next
	pos := 0
	for pos < len(text) {
		best, at := -1, len(text)
		for k, a := range t.added {
			if next[k] >= 0 && next[k] < pos {
				next[k] = -1
			}
			if next[k] < 0 {
				next[k] = len(text)
				if i := strings.Index(text[pos:], a.content); i >= 0 {
					next[k] = pos + i
				}
			}
			if next[k] < at || (next[k] == at && best >= 0 && len(a.content) > len(t.added[best].content)) {
				best, at = k, next[k]
			}
		}
		if best < 0 {
			break
		}
		t.segment(sc, text, pos, at, dst)
		end := at + len(t.added[best].content)
		dst.ids = append(dst.ids, t.added[best].id)
		dst.offs = append(dst.offs, [2]int{at, end})
		pos = end
	}
	t.segment(sc, text, pos, len(text), dst)
}

// mayHoldAdded reports whether text contains the first byte of some added
// token, a cheap test that skips matching for most inputs.
func (t *Tokenizer) mayHoldAdded(text string) bool {
	for _, c := range t.addedFirst {
		if strings.IndexByte(text, c) >= 0 {
			return true
		}
	}
	return false
}

// segment encodes text[lo:hi], which holds no added token.
func (t *Tokenizer) segment(sc *scratch, text string, lo, hi int, dst *seq) {
	if lo >= hi {
		return
	}
	sp := sc.sp
	sp.run(text, lo, hi)
	for _, w := range sp.words {
		word := sp.norm[w.lo:w.hi]
		orig := sp.orig[w.lo:w.hi]
		var drop *pieceDrop
		if sc.drop.threshold > 0 {
			sc.drop.at = uint64(orig[0].lo)
			drop = &sc.drop
		}
		var ok bool
		sc.ids, sc.ends, ok = t.pieces(word, sc.ids[:0], sc.ends[:0], drop)
		if !ok {
			dst.ids = append(dst.ids, t.Special.Unk)
			dst.offs = append(dst.offs, [2]int{int(orig[0].lo), int(orig[len(orig)-1].hi)})
			continue
		}
		start := int32(0)
		for j, id := range sc.ids {
			end := sc.ends[j]
			dst.ids = append(dst.ids, id)
			dst.offs = append(dst.offs, [2]int{int(orig[start].lo), int(orig[end-1].hi)})
			start = end
		}
	}
}
