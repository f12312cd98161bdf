package tokenize

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Options configures the BertNormalizer and the WordPiece model of a
// Tokenizer. The field names follow Hugging Face's BertNormalizer.
type Options struct {
	// Lowercase maps every character to its full lowercase form
	// (for example 'İ' becomes "i̇").
	Lowercase bool
	// StripAccents decomposes characters (NFD) and drops nonspacing marks.
	// A tokenizer.json with strip_accents null follows Lowercase, as in
	// Hugging Face; Options always holds the resolved value.
	StripAccents bool
	// CleanText removes NUL, U+FFFD, invalid UTF-8 and characters of
	// categories Cc, Cf and Co except tab, newline and carriage return
	// (unassigned code points are kept, as in Hugging Face), and maps every
	// white-space character to a space.
	CleanText bool
	// HandleChineseChars puts spaces around CJK ideographs so that each
	// becomes its own word.
	HandleChineseChars bool
	// MaxInputCharsPerWord is the longest word, in characters after
	// normalization, that WordPiece splits; longer words become [UNK].
	// New treats 0 as 100.
	MaxInputCharsPerWord int
}

// DefaultOptions returns the settings of bert-base-uncased: clean text,
// spaced CJK ideographs, lowercase, accents stripped and words of at most
// 100 characters. vocab.txt files are loaded with these options.
func DefaultOptions() Options {
	return Options{
		Lowercase:            true,
		StripAccents:         true,
		CleanText:            true,
		HandleChineseChars:   true,
		MaxInputCharsPerWord: defaultMaxChars,
	}
}

const defaultMaxChars = 100

// ASCII byte actions of the splitter, precomputed per Options.
const (
	actWord  uint8 = iota // append as is
	actUpper              // append lowercased
	actDrop               // removed by clean text
	actSpace              // ends the current word
	actPunct              // a word of its own
)

// asciiTable returns the action for each ASCII byte under o.
func asciiTable(o Options) [utf8.RuneSelf]uint8 {
	var t [utf8.RuneSelf]uint8
	for c := range rune(utf8.RuneSelf) {
		switch {
		case c == '\t' || c == '\n' || c == '\r' || c == ' ':
			t[c] = actSpace
		case c < 0x20 || c == 0x7f:
			switch {
			case o.CleanText:
				t[c] = actDrop
			case c == '\v' || c == '\f':
				t[c] = actSpace
			}
		case isASCIIPunct(c):
			t[c] = actPunct
		case c >= 'A' && c <= 'Z' && o.Lowercase:
			t[c] = actUpper
		}
	}
	return t
}

// span is a half-open byte range.
type span struct{ lo, hi int32 }

// pending is a non-starter awaiting canonical reordering.
type pending struct {
	r      rune
	ccc    uint8
	lo, hi int32
}

// splitter runs the BertNormalizer and BertPreTokenizer over a text in one
// pass. Word bytes are stored back to back in norm; when align is set,
// orig[i] is the span of original bytes that normalized byte i came from.
type splitter struct {
	opts  Options
	ascii *[utf8.RuneSelf]uint8
	align bool

	norm  []byte
	orig  []span
	words []span
	open  int32 // start of the current word in norm, or -1
	pend  []pending
	nfd   []byte
}

func newSplitter(o Options, ascii *[utf8.RuneSelf]uint8, align bool) *splitter {
	return &splitter{opts: o, ascii: ascii, align: align, open: -1}
}

// run normalizes and splits text[lo:hi]; offsets in orig are into text.
func (s *splitter) run(text string, lo, hi int) {
	s.norm = s.norm[:0]
	s.orig = s.orig[:0]
	s.words = s.words[:0]
	s.open = -1
	s.pend = s.pend[:0]
	for i := lo; i < hi; {
		c := text[i]
		if c < utf8.RuneSelf {
			if len(s.pend) > 0 {
				s.flush()
			}
			switch s.ascii[c] {
			case actWord:
				s.appendByte(c, int32(i))
			case actUpper:
				s.appendByte(c+'a'-'A', int32(i))
			case actSpace:
				s.closeWord()
			case actPunct:
				s.closeWord()
				s.appendByte(c, int32(i))
				s.closeWord()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:hi])
		s.rune(r, int32(i), int32(i+size))
		i += size
	}
	s.flush()
	s.closeWord()
}

func (s *splitter) appendByte(c byte, at int32) {
	if s.open < 0 {
		s.open = int32(len(s.norm))
	}
	s.norm = append(s.norm, c)
	if s.align {
		s.orig = append(s.orig, span{at, at + 1})
	}
}

func (s *splitter) closeWord() {
	if s.open >= 0 {
		s.words = append(s.words, span{s.open, int32(len(s.norm))})
		s.open = -1
	}
}

// rune applies the normalizer to one non-ASCII input character that came
// from original bytes [lo, hi).
func (s *splitter) rune(r rune, lo, hi int32) {
	cls := runeClass(r)
	if s.opts.CleanText {
		if r == 0 || r == utf8.RuneError || cls&clsOther != 0 {
			return
		}
		if cls&clsWhite != 0 {
			s.flush()
			s.closeWord()
			return
		}
	}
	if s.opts.HandleChineseChars && cls&clsChinese != 0 {
		s.flush()
		s.closeWord()
		s.decompose(r, cls, lo, hi)
		s.flush()
		s.closeWord()
		return
	}
	s.decompose(r, cls, lo, hi)
}

// decompose applies strip accents: NFD, canonical reordering of
// non-starters, and removal of nonspacing marks.
func (s *splitter) decompose(r rune, cls uint8, lo, hi int32) {
	if !s.opts.StripAccents {
		s.lower(r, lo, hi)
		return
	}
	if cls&clsDecomp == 0 {
		s.flush()
		if cls&clsMn == 0 {
			s.lower(r, lo, hi)
		}
		return
	}
	var buf [utf8.UTFMax]byte
	s.nfd = norm.NFD.Append(s.nfd[:0], utf8.AppendRune(buf[:0], r)...)
	for k := 0; k < len(s.nfd); {
		p := norm.NFD.Properties(s.nfd[k:])
		d, _ := utf8.DecodeRune(s.nfd[k:])
		k += p.Size()
		mn := runeClass(d)&clsMn != 0
		if p.CCC() == 0 {
			s.flush()
			if !mn {
				s.lower(d, lo, hi)
			}
			continue
		}
		if !mn {
			s.pend = append(s.pend, pending{d, p.CCC(), lo, hi})
		}
	}
}

// flush emits buffered non-starters in canonical order. When reordering
// moved characters, they all take the span of the whole run so that
// alignments stay non-decreasing.
func (s *splitter) flush() {
	if len(s.pend) == 0 {
		return
	}
	moved := false
	for i := 1; i < len(s.pend); i++ {
		for j := i; j > 0 && s.pend[j-1].ccc > s.pend[j].ccc; j-- {
			s.pend[j-1], s.pend[j] = s.pend[j], s.pend[j-1]
			moved = true
		}
	}
	if moved {
		lo, hi := s.pend[0].lo, s.pend[0].hi
		for _, p := range s.pend {
			lo, hi = min(lo, p.lo), max(hi, p.hi)
		}
		for i := range s.pend {
			s.pend[i].lo, s.pend[i].hi = lo, hi
		}
	}
	for _, p := range s.pend {
		s.lower(p.r, p.lo, p.hi)
	}
	s.pend = s.pend[:0]
}

// lower applies the lowercase step: full per-character mapping, where
// U+0130 is the one character whose mapping has two characters.
func (s *splitter) lower(r rune, lo, hi int32) {
	if s.opts.Lowercase {
		if r == 'İ' {
			s.emit('i', lo, hi)
			s.emit('\u0307', lo, hi)
			return
		}
		r = unicode.ToLower(r)
	}
	s.emit(r, lo, hi)
}

// emit applies the pre-tokenizer to one normalized character.
func (s *splitter) emit(r rune, lo, hi int32) {
	cls := runeClass(r)
	if cls&clsWhite != 0 {
		s.closeWord()
		return
	}
	punct := cls&clsPunct != 0
	if punct {
		s.closeWord()
	}
	if s.open < 0 {
		s.open = int32(len(s.norm))
	}
	n := len(s.norm)
	s.norm = utf8.AppendRune(s.norm, r)
	if s.align {
		for range len(s.norm) - n {
			s.orig = append(s.orig, span{lo, hi})
		}
	}
	if punct {
		s.closeWord()
	}
}
