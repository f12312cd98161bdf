package tokenize

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func tokens(e Encoding) string { return strings.Join(e.Tokens, " ") }

func TestEncode(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	tests := []struct {
		name string
		in   string
		o    EncodeOptions
		want string
	}{
		{"plain", "The quick brown fox jumps", EncodeOptions{}, "the quick brown fox jump ##s"},
		{"specials", "The fox", EncodeOptions{AddSpecialTokens: true}, "[CLS] the fox [SEP]"},
		{"empty with specials", "", EncodeOptions{AddSpecialTokens: true}, "[CLS] [SEP]"},
		{"unknown word", "the fox ω!", EncodeOptions{}, "the fox [UNK] !"},
		{"inline special tokens", "the [MASK] jumps[SEP]x [mask]", EncodeOptions{}, "the [MASK] jump ##s [SEP] x [ m ##a ##s ##k ]"},
		{"truncate", "the quick brown fox", EncodeOptions{AddSpecialTokens: true, MaxLength: 4}, "[CLS] the quick [SEP]"},
		{"truncate no specials", "the quick brown fox", EncodeOptions{MaxLength: 3}, "the quick brown"},
		{"max length below specials", "the quick", EncodeOptions{AddSpecialTokens: true, MaxLength: 1}, "[CLS] [SEP]"},
		{"pad", "the fox", EncodeOptions{AddSpecialTokens: true, MaxLength: 6, PadToMaxLength: true}, "[CLS] the fox [SEP] [PAD] [PAD]"},
		{"pad without max length", "the fox", EncodeOptions{PadToMaxLength: true}, "the fox"},
		{"cjk", "中文abc", EncodeOptions{}, "中 文 a ##b ##c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := tok.Encode(tc.in, tc.o)
			if got := tokens(e); got != tc.want {
				t.Fatalf("tokens %q, want %q", got, tc.want)
			}
			checkEncoding(t, tok, tc.in, e)
		})
	}
}

// checkEncoding verifies the invariants every encoding must satisfy.
func checkEncoding(t *testing.T, tok *Tokenizer, text string, e Encoding) {
	t.Helper()
	n := len(e.IDs)
	if len(e.TypeIDs) != n || len(e.AttentionMask) != n || len(e.Tokens) != n || len(e.Offsets) != n || len(e.SpecialTokensMask) != n {
		t.Fatalf("slice lengths differ: %d ids", n)
	}
	for i, id := range e.IDs {
		if tok.vocab[id] != e.Tokens[i] {
			t.Errorf("token %d: id %d is %q, token says %q", i, id, tok.vocab[id], e.Tokens[i])
		}
		pad := e.AttentionMask[i] == 0
		if pad != (id == tok.Special.Pad && e.SpecialTokensMask[i] == 1) {
			t.Errorf("token %d: attention %d for id %d", i, e.AttentionMask[i], id)
		}
		o := e.Offsets[i]
		if e.SpecialTokensMask[i] == 1 && o != [2]int{} {
			t.Errorf("token %d: special token with offsets %v", i, o)
		}
		if o[0] < 0 || o[0] > o[1] || o[1] > len(text) {
			t.Errorf("token %d %q: offsets %v outside [0,%d]", i, e.Tokens[i], o, len(text))
		}
	}
}

func TestEncodePair(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	e := tok.EncodePair("the fox", "quick brown", EncodeOptions{AddSpecialTokens: true, MaxLength: 10, PadToMaxLength: true})
	if got, want := tokens(e), "[CLS] the fox [SEP] quick brown [SEP] [PAD] [PAD] [PAD]"; got != want {
		t.Fatalf("tokens %q, want %q", got, want)
	}
	wantTypes := []int32{0, 0, 0, 0, 1, 1, 1, 0, 0, 0}
	wantMask := []int32{1, 1, 1, 1, 1, 1, 1, 0, 0, 0}
	wantSpecial := []int32{1, 0, 0, 1, 0, 0, 1, 1, 1, 1}
	if !slices.Equal(e.TypeIDs, wantTypes) || !slices.Equal(e.AttentionMask, wantMask) || !slices.Equal(e.SpecialTokensMask, wantSpecial) {
		t.Errorf("type ids %v mask %v special %v", e.TypeIDs, e.AttentionMask, e.SpecialTokensMask)
	}
	// Offsets of the B part point into b.
	if e.Offsets[4] != [2]int{0, 5} || e.Offsets[5] != [2]int{6, 11} {
		t.Errorf("B offsets %v %v", e.Offsets[4], e.Offsets[5])
	}
	plain := tok.EncodePair("the", "fox", EncodeOptions{})
	if tokens(plain) != "the fox" || !slices.Equal(plain.TypeIDs, []int32{0, 1}) {
		t.Errorf("pair without specials: %q types %v", tokens(plain), plain.TypeIDs)
	}
}

func TestTruncateLongestFirst(t *testing.T) {
	tests := []struct {
		n1, n2, limit int
		w1, w2        int
	}{
		{3, 4, 10, 3, 4},
		{3, 9, 10, 3, 7},
		{9, 3, 10, 7, 3},
		{8, 8, 10, 5, 5},
		{8, 8, 9, 4, 5},
		{9, 8, 9, 5, 4},
		{12, 2, 5, 3, 2},
		{5, 5, 0, 0, 0},
		{0, 7, 4, 0, 4},
	}
	for _, tc := range tests {
		a := seq{ids: make([]int32, tc.n1), offs: make([][2]int, tc.n1)}
		b := seq{ids: make([]int32, tc.n2), offs: make([][2]int, tc.n2)}
		truncate(&a, &b, true, tc.limit)
		if len(a.ids) != tc.w1 || len(b.ids) != tc.w2 || len(a.offs) != tc.w1 || len(b.offs) != tc.w2 {
			t.Errorf("truncate(%d, %d, %d) = %d, %d; want %d, %d", tc.n1, tc.n2, tc.limit, len(a.ids), len(b.ids), tc.w1, tc.w2)
		}
	}
}

func TestOffsets(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	tests := []struct {
		in   string
		want []string // text[start:end] of each token
	}{
		{"Café İstanbul", []string{"Café", "İstanbul"}},
		{"Caféx", []string{"Café", "x"}},
		{"ẞtraße", []string{"ẞ", "t", "r", "a", "ß", "e"}},
		{"cafe\u0301s", []string{"cafe", "s"}},
		{"xe\u0301y", []string{"x", "e", "y"}},
		{"😀 the", []string{"😀", "the"}},
		{"中文 fox", []string{"中", "文", "fox"}},
		{"a\x00b \xffc", []string{"a", "b", "c"}},
		{"x[MASK]y", []string{"x", "[MASK]", "y"}},
	}
	for _, tc := range tests {
		e := tok.Encode(tc.in, EncodeOptions{AddSpecialTokens: true})
		checkEncoding(t, tok, tc.in, e)
		var got []string
		for i, o := range e.Offsets {
			if e.SpecialTokensMask[i] == 0 {
				got = append(got, tc.in[o[0]:o[1]])
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: token sources %q, want %q (tokens %q)", tc.in, got, tc.want, e.Tokens)
		}
	}
}

func TestEncodeBatch(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	texts := append(generatedText(300), "", "Café 中文 😀", "[CLS] the")
	o := EncodeOptions{AddSpecialTokens: true, MaxLength: 24, PadToMaxLength: true}
	got := tok.EncodeBatch(texts, o)
	if len(got) != len(texts) {
		t.Fatalf("%d encodings for %d texts", len(got), len(texts))
	}
	for i, text := range texts {
		want := tok.Encode(text, o)
		if !slices.Equal(got[i].IDs, want.IDs) || !slices.Equal(got[i].Offsets, want.Offsets) || len(got[i].IDs) != 24 {
			t.Fatalf("text %d: batch %v, single %v", i, got[i].IDs, want.IDs)
		}
	}
	if len(tok.EncodeBatch(nil, o)) != 0 {
		t.Error("EncodeBatch(nil) not empty")
	}
}

func TestDecode(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	ids := func(toks ...string) []int32 {
		var out []int32
		for _, s := range toks {
			id, ok := tok.TokenID(s)
			if !ok {
				t.Fatalf("%q not in vocabulary", s)
			}
			out = append(out, id)
		}
		return out
	}
	tests := []struct {
		ids         []int32
		skipSpecial bool
		want        string
	}{
		{ids("[CLS]", "the", "fox", "jump", "##s", ".", "[SEP]"), true, "the fox jumps."},
		{ids("[CLS]", "the", "fox", "[SEP]"), false, "[CLS] the fox [SEP]"},
		{ids("##s", "the"), false, "##s the"},
		{ids("the", ",", "fox", "!", "?"), false, "the, fox!?"},
		{ids("the", "'", "s"), false, "the ' s"},
		{append(ids("the"), -1, 999999), false, "the"},
		{ids("[UNK]", "fox"), true, "fox"},
		{nil, false, ""},
	}
	for _, tc := range tests {
		if got := tok.Decode(tc.ids, tc.skipSpecial); got != tc.want {
			t.Errorf("Decode(%v, %v) = %q, want %q", tc.ids, tc.skipSpecial, got, tc.want)
		}
	}
}

func TestCleanup(t *testing.T) {
	tests := []struct{ in, want string }{
		{" .", "."}, {" n't", "n't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}, {" 'm", "'m"},
		{" do not", " don't"}, {" ' x", "'x"}, {"a", "a"}, {" a", " a"},
	}
	for _, tc := range tests {
		if got := cleanup(tc.in); got != tc.want {
			t.Errorf("cleanup(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEncodeNeverPanicsOnInvalidUTF8(t *testing.T) {
	for _, in := range []string{"\xff", "\xe2\x82", "a\xc0\xafb", string([]byte{0xed, 0xa0, 0x80})} {
		for _, o := range []Options{DefaultOptions(), {}} {
			tk, err := New(testVocab(), o)
			if err != nil {
				t.Fatal(err)
			}
			e := tk.Encode(in, EncodeOptions{AddSpecialTokens: true})
			checkEncoding(t, tk, in, e)
		}
		if utf8.ValidString(in) {
			t.Fatalf("%q is valid UTF-8", in)
		}
	}
}
