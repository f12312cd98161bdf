package tokenize

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// words runs the normalizer and pre-tokenizer and returns the words.
func words(o Options, text string) []string {
	ascii := asciiTable(o)
	sp := newSplitter(o, &ascii, true)
	sp.run(text, 0, len(text))
	var out []string
	for _, w := range sp.words {
		out = append(out, string(sp.norm[w.lo:w.hi]))
	}
	return out
}

func TestNormalizeAndSplit(t *testing.T) {
	def := DefaultOptions()
	cased := Options{CleanText: true, HandleChineseChars: true}
	lowerOnly := Options{CleanText: true, HandleChineseChars: true, Lowercase: true}
	raw := Options{}
	tests := []struct {
		name string
		o    Options
		in   string
		want []string
	}{
		{"empty", def, "", nil},
		{"spaces only", def, " \t\n ", nil},
		{"lowercase ascii", def, "Hello WORLD", []string{"hello", "world"}},
		{"cased keeps case", cased, "Hello WORLD", []string{"Hello", "WORLD"}},
		{"ascii punctuation isolated", def, "U.S.A. $5+x", []string{"u", ".", "s", ".", "a", ".", "$", "5", "+", "x"}},
		{"unicode punctuation isolated", def, "«quote» dash—x", []string{"«", "quote", "»", "dash", "—", "x"}},
		{"symbols that are not punctuation stay", def, "a©b €5", []string{"a©b", "€5"}},
		{"control chars removed", def, "a\x00b\x01c\u200bd\ufffde", []string{"abcde"}},
		{"vertical tab and form feed removed", def, "a\vb\fc", []string{"abc"}},
		{"next line removed", def, "a\u0085b", []string{"ab"}},
		{"private use removed", def, "a\ue001b", []string{"ab"}},
		{"unassigned kept", def, "a\u0378b", []string{"a\u0378b"}},
		{"unicode spaces split", def, "a\u00a0b\u3000c\u2003d", []string{"a", "b", "c", "d"}},
		{"no clean keeps controls", raw, "a\x01b\vc", []string{"a\x01b", "c"}},
		{"no clean keeps U+FFFD", raw, "a\ufffdb", []string{"a\ufffdb"}},
		{"invalid utf8 dropped", def, "a\xffb\xe2\x82", []string{"ab"}},
		{"cjk spaced", def, "ab中文cd", []string{"ab", "中", "文", "cd"}},
		{"cjk not spaced", Options{CleanText: true}, "ab中文cd", []string{"ab中文cd"}},
		{"accents stripped", def, "Café naïve Ångström", []string{"cafe", "naive", "angstrom"}},
		{"accents kept", lowerOnly, "Café", []string{"café"}},
		{"decomposed input stripped", def, "cafe\u0301", []string{"cafe"}},
		{"dotted I lowercase only", lowerOnly, "İstanbul", []string{"i\u0307stanbul"}},
		{"dotted I stripped", def, "İstanbul", []string{"istanbul"}},
		{"capital sharp s", def, "ẞtraße", []string{"ßtraße"}},
		{"greek question mark decomposes to punctuation", def, "a\u037eb", []string{"a", ";", "b"}},
		{"greek sigma", lowerOnly, "ΣΑΣ", []string{"σασ"}},
		{"hangul decomposed by NFD", def, "한", []string{"\u1112\u1161\u11ab"}},
		{"emoji kept", def, "hi😀there", []string{"hi😀there"}},
		{"canonical reordering", Options{StripAccents: true}, "a\U0001D16D\U0001D165", []string{"a\U0001D165\U0001D16D"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := words(tc.o, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("words(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAlignment(t *testing.T) {
	inputs := []string{"Café İstanbul ẞtraße", "a中b😀c", "x\u037ey", "a\U0001D16D\U0001D165b", "\xff\xfeab\xe2\x82", "ǅemal ﬁne"}
	for _, o := range []Options{DefaultOptions(), {Lowercase: true}, {StripAccents: true}, {}} {
		for _, in := range inputs {
			ascii := asciiTable(o)
			sp := newSplitter(o, &ascii, true)
			sp.run(in, 0, len(in))
			if len(sp.orig) != len(sp.norm) {
				t.Fatalf("%q: %d alignments for %d bytes", in, len(sp.orig), len(sp.norm))
			}
			prev := span{}
			for i, s := range sp.orig {
				if s.lo < prev.lo || s.hi < prev.hi || s.lo >= s.hi || int(s.hi) > len(in) {
					t.Fatalf("%q %+v: byte %d aligned to %v after %v", in, o, i, s, prev)
				}
				if utf8.ValidString(in) && utf8.RuneStart(sp.norm[i]) && !utf8.RuneStart(in[s.lo]) {
					t.Errorf("%q: byte %d aligned to %v, not a character start", in, i, s)
				}
				prev = s
			}
		}
	}
}
