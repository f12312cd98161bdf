package tokenize

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// testVocab is a small vocabulary: the special tokens, a few words and
// pieces, and every lowercase letter, digit and ASCII punctuation
// character with its "##" form, so that any lowercase ASCII word is
// in-vocabulary.
func testVocab() []string {
	v := []string{PadToken, UnkToken, ClsToken, SepToken, MaskToken,
		"the", "quick", "brown", "fox", "jump", "##ed", "##ing", "un", "##aff", "##able",
		"hello", "world", "cafe", "istanbul", "strasse", "中", "文", "é", "##é", "i̇", "##i̇", "ß", "##ß"}
	for _, c := range "abcdefghijklmnopqrstuvwxyz0123456789" {
		v = append(v, string(c), "##"+string(c))
	}
	for c := '!'; c <= '~'; c++ {
		if isASCIIPunct(c) {
			v = append(v, string(c))
		}
	}
	return v
}

func newTestTokenizer(tb testing.TB, o Options) *Tokenizer {
	tb.Helper()
	tok, err := New(testVocab(), o)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// generatedText returns n lines of pseudo-English built from a fixed
// syllable list, the same on every call.
func generatedText(n int) []string {
	syl := []string{"ta", "ke", "ri", "mon", "sa", "lo", "ven", "tri", "dal", "po", "qu", "er", "ing", "ed", "an", "th", "es", "ou"}
	rng := rand.New(rand.NewPCG(1, 2))
	lines := make([]string, n)
	var b strings.Builder
	for i := range lines {
		b.Reset()
		for w := range 8 + rng.IntN(24) {
			if w > 0 {
				b.WriteByte(' ')
			}
			for range 1 + rng.IntN(4) {
				b.WriteString(syl[rng.IntN(len(syl))])
			}
			if rng.IntN(10) == 0 {
				b.WriteString(",.!?;"[rng.IntN(5):][:1])
			}
		}
		lines[i] = b.String()
	}
	return lines
}
