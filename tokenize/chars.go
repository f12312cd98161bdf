package tokenize

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Character class bits, computed once for the Basic Multilingual Plane and
// on demand above it.
const (
	clsOther   uint8 = 1 << iota // Cc, Cf, Co (Cs cannot occur): removed by clean text
	clsWhite                     // White_Space property
	clsPunct                     // ASCII punctuation or Unicode P*
	clsChinese                   // CJK ideograph spaced by handle_chinese_chars
	clsMn                        // nonspacing mark, dropped by strip accents
	clsDecomp                    // NFD changes the rune or it has a non-zero combining class
)

var (
	bmpOnce  sync.Once
	bmpClass []uint8
)

// runeClass returns the class bits of r.
func runeClass(r rune) uint8 {
	if r < 0x10000 {
		bmpOnce.Do(buildBMP)
		return bmpClass[r]
	}
	return computeClass(r)
}

func buildBMP() {
	bmpClass = make([]uint8, 0x10000)
	for r := range rune(0x10000) {
		bmpClass[r] = computeClass(r)
	}
}

func computeClass(r rune) uint8 {
	var c uint8
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co) {
		c |= clsOther
	}
	if unicode.Is(unicode.White_Space, r) {
		c |= clsWhite
	}
	if isASCIIPunct(r) || unicode.IsPunct(r) {
		c |= clsPunct
	}
	if isChinese(r) {
		c |= clsChinese
	}
	if unicode.Is(unicode.Mn, r) {
		c |= clsMn
	}
	var buf [4]byte
	s := string(utf8.AppendRune(buf[:0], r))
	p := norm.NFD.PropertiesString(s)
	if p.Decomposition() != nil || p.CCC() != 0 || (r >= hangulBase && r < hangulBase+hangulCount) {
		c |= clsDecomp
	}
	return c
}

const (
	hangulBase  = 0xAC00
	hangulCount = 11172
)

// isASCIIPunct reports the ASCII punctuation range that Hugging Face's
// BertPreTokenizer isolates in addition to Unicode category P (it includes
// symbols such as $, + and ^).
func isASCIIPunct(r rune) bool {
	return (r >= '!' && r <= '/') || (r >= ':' && r <= '@') || (r >= '[' && r <= '`') || (r >= '{' && r <= '~')
}

// isChinese reports the CJK ideograph blocks that BertNormalizer spaces.
func isChinese(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF,
		r >= 0x3400 && r <= 0x4DBF,
		r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F,
		r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}
