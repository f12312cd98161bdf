package textgen

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestDeterministic(t *testing.T) {
	tests := []struct {
		name string
		gen  func(seed int64) []string
	}{
		{"Sentences", func(s int64) []string { return Sentences(s, 300) }},
		{"Corpus", func(s int64) []string { return Corpus(s, 100) }},
		{"Pairs", func(s int64) []string {
			var out []string
			for _, p := range Pairs(s, 200) {
				out = append(out, p[0], p[1])
			}
			return out
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a, b := tt.gen(7), tt.gen(7); !slices.Equal(a, b) {
				t.Error("same seed gave different text")
			}
			if a, b := tt.gen(7), tt.gen(8); slices.Equal(a, b) {
				t.Error("different seeds gave the same text")
			}
		})
	}
}

func TestEveryCategoryAppears(t *testing.T) {
	g := New(1)
	seen := map[Category]int{}
	for range 1000 {
		c, s := g.Next()
		seen[c]++
		if !utf8.ValidString(s) {
			t.Fatalf("%v: invalid UTF-8 %q", c, s)
		}
	}
	for _, c := range Categories() {
		if seen[c] < 20 {
			t.Errorf("category %v drawn %d times in 1000", c, seen[c])
		}
	}
}

// TestCategoryFeatures checks that each category produces the inputs it exists for, within a few
// hundred draws.
func TestCategoryFeatures(t *testing.T) {
	hasRune := func(f func(rune) bool) func(string) bool {
		return func(s string) bool { return strings.ContainsFunc(s, f) }
	}
	contains := func(sub string) func(string) bool {
		return func(s string) bool { return strings.Contains(s, sub) }
	}
	longWord := func(min int) func(string) bool {
		return func(s string) bool {
			return slices.ContainsFunc(strings.Fields(s), func(w string) bool { return utf8.RuneCountInString(w) > min })
		}
	}
	tests := []struct {
		c    Category
		want string
		ok   func(string) bool
	}{
		{English, "ASCII letters", hasRune(func(r rune) bool { return r >= 'a' && r <= 'z' })},
		{Dutch, "ij", contains("ij")},
		{German, "ß", contains("ß")},
		{German, "umlaut", contains("ü")},
		{Accented, "dotted capital I", contains("İ")},
		{Accented, "dotless i", contains("ı")},
		{Accented, "combining acute", contains("\u0301")},
		{Greek, "capital sigma", contains("Σ")},
		{Emoji, "zero-width joiner", contains("\u200d")},
		{Emoji, "skin tone", hasRune(func(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF })},
		{Emoji, "flag", hasRune(func(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF })},
		{Chat, "mention", contains("@")},
		{Chat, "hashtag", contains("#")},
		{Chat, "elongation", contains("sooo")},
		{Web, "URL", contains("https://")},
		{Web, "e-mail", contains("@example.")},
		{Numbers, "currency", contains("€")},
		{Numbers, "time", contains(":")},
		{LongWords, "word over 100 characters", longWord(100)},
		{CJK, "Han", hasRune(func(r rune) bool { return unicode.Is(unicode.Han, r) })},
		{CJK, "ideograph outside the BMP", hasRune(func(r rune) bool { return r >= 0x20000 })},
		{Punctuation, "punctuation", hasRune(unicode.IsPunct)},
		{Whitespace, "tab", contains("\t")},
		{Whitespace, "NBSP", contains("\u00a0")},
		{Whitespace, "zero-width space", contains("\u200b")},
		{Whitespace, "control character", hasRune(func(r rune) bool { return unicode.IsControl(r) && r != '\t' })},
		{Whitespace, "unassigned code point", hasRune(func(r rune) bool {
			return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z,
				unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
		})},
		{Markup, "special-token literal", contains("[MASK]")},
		{Scripts, "Devanagari", hasRune(func(r rune) bool { return unicode.Is(unicode.Devanagari, r) })},
		{Scripts, "Kelvin sign", contains("\u212a")},
	}
	g := New(3)
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%s", tt.c, tt.want), func(t *testing.T) {
			for range 300 {
				if tt.ok(g.Sentence(tt.c)) {
					return
				}
			}
			t.Errorf("no %s in 300 %v sentences", tt.want, tt.c)
		})
	}
}

func TestLongWordsStraddleLimit(t *testing.T) {
	g := New(5)
	var under, over int
	for range 400 {
		for _, w := range strings.Fields(g.Sentence(LongWords)) {
			switch n := utf8.RuneCountInString(w); {
			case n > 100:
				over++
			case n >= 60:
				under++
			}
		}
	}
	if under == 0 || over == 0 {
		t.Errorf("long words: %d of 60-100 characters, %d over 100; want both", under, over)
	}
}

func TestLineSafe(t *testing.T) {
	texts := append(Sentences(11, 2000), Corpus(11, 500)...)
	for _, p := range Pairs(11, 500) {
		texts = append(texts, p[0], p[1])
	}
	for _, s := range texts {
		if strings.ContainsAny(s, "\n\r") {
			t.Fatalf("line break in %q", s)
		}
		if strings.Contains(s, "{") && !strings.Contains(s, "{{braces}}") {
			t.Fatalf("unfilled template slot in %q", s)
		}
	}
}

func TestPairs(t *testing.T) {
	ps := Pairs(2, 1000)
	var empty int
	for _, p := range ps {
		if p[0] == "" {
			t.Fatalf("empty first side in %q", p)
		}
		if p[1] == "" {
			empty++
		}
	}
	if empty == 0 || empty > 100 {
		t.Errorf("%d of 1000 pairs have an empty second side; want a few", empty)
	}
}

func TestCorpusMixesSentences(t *testing.T) {
	lines := Corpus(4, 200)
	if len(lines) != 200 {
		t.Fatalf("got %d lines, want 200", len(lines))
	}
	var multi int
	for _, l := range lines {
		if l == "" {
			t.Fatal("empty corpus line")
		}
		if strings.Count(l, " ") > 12 {
			multi++
		}
	}
	if multi < 20 {
		t.Errorf("only %d of 200 lines look like several sentences", multi)
	}
}

func TestCategoryString(t *testing.T) {
	names := map[string]bool{}
	for _, c := range Categories() {
		s := c.String()
		if s == "unknown" || names[s] {
			t.Errorf("category %d has name %q", c, s)
		}
		names[s] = true
	}
	if got := Category(-1).String(); got != "unknown" {
		t.Errorf("Category(-1).String() = %q, want unknown", got)
	}
}

func BenchmarkSentences(b *testing.B) {
	for b.Loop() {
		Sentences(1, 1000)
	}
}
