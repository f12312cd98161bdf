package tokenize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// refNormalize is a direct, slow statement of BertNormalizer: each step
// runs over the whole string, as in Hugging Face.
func refNormalize(text string, o Options) string {
	rs := []rune(text)
	if o.CleanText {
		var out []rune
		for _, r := range rs {
			control := r != '\t' && r != '\n' && r != '\r' && unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co)
			switch {
			case r == 0 || r == utf8.RuneError || control:
			case unicode.Is(unicode.White_Space, r):
				out = append(out, ' ')
			default:
				out = append(out, r)
			}
		}
		rs = out
	}
	if o.HandleChineseChars {
		var out []rune
		for _, r := range rs {
			if isChinese(r) {
				out = append(out, ' ', r, ' ')
			} else {
				out = append(out, r)
			}
		}
		rs = out
	}
	if o.StripAccents {
		var out []rune
		for _, r := range norm.NFD.String(string(rs)) {
			if !unicode.Is(unicode.Mn, r) {
				out = append(out, r)
			}
		}
		rs = out
	}
	if o.Lowercase {
		var out []rune
		for _, r := range rs {
			if r == 'İ' {
				out = append(out, 'i', '\u0307')
			} else {
				out = append(out, unicode.ToLower(r))
			}
		}
		rs = out
	}
	return string(rs)
}

// refWords is a direct statement of BertPreTokenizer over refNormalize.
func refWords(text string, o Options) []string {
	var words []string
	var cur []rune
	end := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range refNormalize(text, o) {
		switch {
		case unicode.Is(unicode.White_Space, r):
			end()
		case isASCIIPunct(r) || unicode.IsPunct(r):
			end()
			words = append(words, string(r))
		default:
			cur = append(cur, r)
		}
	}
	end()
	return words
}

// fuzzAlphabet is the character set of the fuzz vocabulary: every word
// made of these characters (after normalization) is in-vocabulary.
const fuzzAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789ßıσς中文\u0307"

// FuzzEncode checks that encoding never panics, that offsets are in
// bounds, ordered and point at the source of each token, and that decoding
// gives back the normalized text, computed independently by refWords, with
// every out-of-vocabulary word replaced by [UNK].
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", "Hello, World!", "Café İstanbul ẞtraße", "中文 😀 x\u037ey", "[CLS] a[MASK]b", "\xff\xfe\x00\t\v", "don't .?!,"} {
		f.Add(s)
	}
	vocab := []string{PadToken, UnkToken, ClsToken, SepToken, MaskToken, "the", "##ing", "ab", "##ab", "abc"}
	for _, r := range fuzzAlphabet {
		vocab = append(vocab, string(r), "##"+string(r))
	}
	for c := '!'; c <= '~'; c++ {
		if isASCIIPunct(c) {
			vocab = append(vocab, string(c))
		}
	}
	tok, err := New(vocab, Options{CleanText: true, HandleChineseChars: true, Lowercase: true, StripAccents: true, MaxInputCharsPerWord: 20})
	if err != nil {
		f.Fatal(err)
	}
	specials := []string{PadToken, UnkToken, ClsToken, SepToken, MaskToken}
	f.Fuzz(func(t *testing.T, text string) {
		e := tok.Encode(text, EncodeOptions{})
		prev := [2]int{}
		for i, o := range e.Offsets {
			if o[0] < 0 || o[0] > o[1] || o[1] > len(text) || o[0] < prev[0] || o[1] < prev[1] {
				t.Fatalf("token %d %q: offsets %v after %v in %d bytes", i, e.Tokens[i], o, prev, len(text))
			}
			prev = o
			piece := strings.TrimPrefix(e.Tokens[i], "##")
			src := text[o[0]:o[1]]
			if e.IDs[i] >= 5 && !strings.Contains(refNormalize(src, tok.opts), piece) {
				t.Fatalf("token %d %q comes from %q", i, e.Tokens[i], src)
			}
		}

		// Expected decoding: special tokens written in the text are
		// matched first, then every word is itself or [UNK].
		var expected []string
		rest := text
		for rest != "" {
			at, name := len(rest), ""
			for _, s := range specials {
				if i := strings.Index(rest, s); i >= 0 && (i < at || (i == at && len(s) > len(name))) {
					at, name = i, s
				}
			}
			for _, w := range refWords(rest[:at], tok.opts) {
				if utf8.RuneCountInString(w) > 20 || strings.ContainsFunc(w, func(r rune) bool {
					return !strings.ContainsRune(fuzzAlphabet, r) && !isASCIIPunct(r)
				}) {
					w = UnkToken
				}
				expected = append(expected, w)
			}
			if name == "" {
				break
			}
			expected = append(expected, name)
			rest = rest[at+len(name):]
		}
		var want strings.Builder
		for i, w := range expected {
			if i > 0 {
				w = cleanup(" " + w)
			}
			want.WriteString(w)
		}
		if got := tok.Decode(e.IDs, false); got != want.String() {
			t.Fatalf("Decode = %q, want %q (tokens %q)", got, want.String(), e.Tokens)
		}

		// Pairs with truncation and padding keep every invariant.
		max := 3 + len(text)%7
		p := tok.EncodePair(text, text, EncodeOptions{AddSpecialTokens: true, MaxLength: max, PadToMaxLength: true})
		if len(p.IDs) != max {
			t.Fatalf("pair length %d, want %d", len(p.IDs), max)
		}
		checkEncoding(t, tok, text, p)
	})
}
