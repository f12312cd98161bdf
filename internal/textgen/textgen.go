// Package textgen generates deterministic, varied text for tokenizer checks, benchmarks and demos.
//
// Each sentence comes from one Category: plain sentences in several languages, chat slang, emoji,
// URLs, numbers, overlong words, CJK, punctuation runs, odd whitespace and control characters. They
// are built from small word lists and templates, so the output is readable yet covers the inputs
// where tokenizers tend to disagree. The same seed always gives the same text. Generated text never
// contains '\n' or '\r', so one sentence fits one line of a file.
package textgen

import (
	"math/rand/v2"
	"strings"
)

// Category names the kind of text a sentence exercises.
type Category int

// The categories, in the order Categories returns them.
const (
	English     Category = iota // plain English
	Dutch                       // Dutch, with ij and accented vowels
	German                      // German, with umlauts and ß
	Accented                    // French, Spanish, Portuguese and Turkish (İ ı), composed and decomposed
	Greek                       // Greek, including capital sigma at word ends
	Emoji                       // emoji, skin tones, ZWJ sequences and flags
	Chat                        // chat slang, elongations, mentions and hashtags
	Web                         // URLs and e-mail addresses
	Numbers                     // numbers, decimals, currency, dates and times
	LongWords                   // words around and beyond 100 characters
	CJK                         // Chinese, Japanese and Korean, including ideographs outside the BMP
	Punctuation                 // runs of ASCII and Unicode punctuation and symbols
	Whitespace                  // tabs, NBSP, zero-width, control, bidi and unassigned characters
	Markup                      // literal special-token strings such as [MASK] inside text
	Scripts                     // other scripts and case-mapping oddities: Arabic, Devanagari, Thai, ligatures, Kelvin sign
	numCategories
)

var categoryNames = [numCategories]string{
	"english", "dutch", "german", "accented", "greek", "emoji", "chat", "web", "numbers",
	"long-words", "cjk", "punctuation", "whitespace", "markup", "scripts",
}

// String returns the category's lower-case name.
func (c Category) String() string {
	if c < 0 || c >= numCategories {
		return "unknown"
	}
	return categoryNames[c]
}

// Categories returns every category.
func Categories() []Category {
	cs := make([]Category, numCategories)
	for i := range cs {
		cs[i] = Category(i)
	}
	return cs
}

// Generator draws sentences from a seeded source.
type Generator struct {
	rng *rand.Rand
}

// New returns a generator whose output depends only on seed.
func New(seed int64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(uint64(seed), 0x7669676c))}
}

// Next returns a sentence from a category chosen uniformly at random.
func (g *Generator) Next() (Category, string) {
	c := Category(g.rng.IntN(int(numCategories)))
	return c, g.Sentence(c)
}

// Sentence returns a sentence of category c.
func (g *Generator) Sentence(c Category) string {
	if c == LongWords {
		return g.longWordSentence()
	}
	if c < 0 || c >= numCategories {
		c = English
	}
	return g.fill(g.pick(templates[c]))
}

// Sentences returns n sentences of mixed categories.
func Sentences(seed int64, n int) []string {
	g := New(seed)
	out := make([]string, n)
	for i := range out {
		_, out[i] = g.Next()
	}
	return out
}

// Pairs returns n sentence pairs, as a classifier sees a message and its context. Either side may
// come from any category; one pair in fifty has an empty second side.
func Pairs(seed int64, n int) [][2]string {
	g := New(seed)
	out := make([][2]string, n)
	for i := range out {
		_, a := g.Next()
		b := ""
		if g.rng.IntN(50) != 0 {
			_, b = g.Next()
		}
		out[i] = [2]string{a, b}
	}
	return out
}

// Corpus returns n lines of one to four sentences each, for training a tokenizer or a small model.
// Natural-language categories dominate, as in real message data.
func Corpus(seed int64, n int) []string {
	g := New(seed)
	out := make([]string, n)
	var b strings.Builder
	for i := range out {
		b.Reset()
		for k := g.rng.IntN(4); k >= 0; k-- {
			c := Category(g.rng.IntN(int(numCategories)))
			if g.rng.IntN(2) == 0 {
				c = []Category{English, English, Dutch, German, Chat}[g.rng.IntN(5)]
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(g.Sentence(c))
		}
		out[i] = b.String()
	}
	return out
}

func (g *Generator) pick(list []string) string {
	return list[g.rng.IntN(len(list))]
}

// fill replaces each {name} in tmpl with a random entry of words[name].
func (g *Generator) fill(tmpl string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		if list, ok := words[name]; ok {
			b.WriteString(g.pick(list))
		} else {
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
}

// longWordSentence embeds one word whose length in characters straddles the 100-character limit
// beyond which WordPiece gives up and emits the unknown token.
func (g *Generator) longWordSentence() string {
	var w strings.Builder
	switch g.rng.IntN(4) {
	case 0: // random lower-case letters
		n := 90 + g.rng.IntN(40)
		for range n {
			w.WriteByte(byte('a' + g.rng.IntN(26)))
		}
	case 1: // a real word repeated
		part := g.pick(words["noun"])
		for w.Len() < 95+g.rng.IntN(30) {
			w.WriteString(part)
		}
	case 2: // a two-byte letter repeated: the limit counts characters, not bytes
		w.WriteString(strings.Repeat("ä", 60+g.rng.IntN(60)))
	default: // an elongation, exactly at or just past the limit
		w.WriteString("s")
		w.WriteString(strings.Repeat("o", 98+g.rng.IntN(3)))
		w.WriteString("o")
	}
	return g.fill("{opener} " + w.String() + " {closer}")
}
