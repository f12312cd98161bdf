package tokenize

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// pairSalt separates the draws of a pair's second text from those of its first.
const pairSalt = 0x9e3779b97f4a7c15

// pieceDrop decides which greedy matches a sampled segmentation passes over. The decision for a
// match is a hash of the seed, the text, and the match's place in it, so that encoding is
// reproducible and safe for concurrent use, and every text and every word draws afresh.
type pieceDrop struct {
	threshold uint64 // a match whose hash falls below it is passed over; 0: none is
	key       uint64 // the seed mixed with the text
	at        uint64 // byte offset of the current word in the text
}

// newPieceDrop returns the draws for text at dropout probability p; the zero pieceDrop when p is 0.
func newPieceDrop(p float64, seed uint64, text string) pieceDrop {
	if !(p > 0) {
		return pieceDrop{}
	}
	h := uint64(14695981039346656037) // FNV-1a
	for i := range len(text) {
		h = (h ^ uint64(text[i])) * 1099511628211
	}
	return pieceDrop{threshold: dropThreshold(p), key: mix64(seed ^ mix64(h))}
}

// dropThreshold is the hash value below which a match is passed over with probability p > 0.
func dropThreshold(p float64) uint64 {
	if p >= 1 {
		return math.MaxUint64
	}
	return uint64(p * 0x1p64)
}

// skip reports whether the match word[start:end] is passed over. A single character is always
// kept, as in BPE-dropout, which never splits below characters.
func (d *pieceDrop) skip(word []byte, start, end int) bool {
	if _, size := utf8.DecodeRune(word[start:end]); size == end-start {
		return false
	}
	return mix64(d.key^(d.at+uint64(start))*0xbf58476d1ce4e5b9^uint64(end)*0x94d049bb133111eb) < d.threshold
}

// mix64 is SplitMix64's finaliser: a bijection of 64-bit values whose output bits each depend on
// every input bit.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// SampleSplit appends to dst the ids of a token sequence with each of its
// words split afresh under piece dropout p (EncodeOptions.PieceDropout): a
// word is a word-initial piece and the continuation pieces after it, and its
// text is re-split with longest matches passed over. Special and added
// tokens and the unknown token stay as they are, so p 0 returns ids
// unchanged. It serves streams that hold token ids, not texts, such as
// packed pretraining sequences; seed fixes the draws as DropoutSeed does.
func (t *Tokenizer) SampleSplit(dst, ids []int32, p float64, seed uint64) []int32 {
	if !(p > 0) {
		return append(dst, ids...)
	}
	sc := t.getScratch()
	defer t.pool.Put(sc)
	drop := pieceDrop{threshold: dropThreshold(p), key: mix64(seed)}
	word := sc.word
	for i := 0; i < len(ids); {
		j := i + 1
		if t.standalone(ids[i]) || t.continues(ids[i]) {
			// A continuation piece here lost its word's start, e.g. to a sequence boundary.
			dst = append(dst, ids[i])
			drop.at++
			i = j
			continue
		}
		for j < len(ids) && t.continues(ids[j]) {
			j++
		}
		word = append(word[:0], t.vocab[ids[i]]...)
		for _, id := range ids[i+1 : j] {
			word = append(word, t.vocab[id][len(t.prefix):]...)
		}
		var ok bool
		sc.ids, sc.ends, ok = t.pieces(word, sc.ids[:0], sc.ends[:0], &drop)
		if ok {
			dst = append(dst, sc.ids...)
		} else {
			dst = append(dst, ids[i:j]...)
		}
		drop.at += uint64(len(word)) + 1
		i = j
	}
	sc.word = word
	return dst
}

// continues reports whether id is a continuation piece.
func (t *Tokenizer) continues(id int32) bool {
	if id < 0 || int(id) >= len(t.vocab) {
		return false
	}
	rest, ok := strings.CutPrefix(t.vocab[id], t.prefix)
	return ok && rest != ""
}

// standalone reports whether id is never part of a word: an added token, the
// unknown token, or an id outside the vocabulary.
func (t *Tokenizer) standalone(id int32) bool {
	if id < 0 || int(id) >= len(t.vocab) || id == t.Special.Unk {
		return true
	}
	_, added := slices.BinarySearchFunc(t.added, id, func(a addedToken, id int32) int { return cmp.Compare(a.id, id) })
	return added
}
