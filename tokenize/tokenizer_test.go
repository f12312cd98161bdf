package tokenize

import (
	"slices"
	"strings"
	"testing"
)

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		vocab []string
		o     Options
		want  string
	}{
		{"empty", nil, DefaultOptions(), "empty vocabulary"},
		{"missing mask", []string{PadToken, UnkToken, ClsToken, SepToken}, DefaultOptions(), "lacks the special token [MASK]"},
		{"missing pad", []string{UnkToken, ClsToken, SepToken, MaskToken}, DefaultOptions(), "lacks the special token [PAD]"},
		{"duplicate", []string{PadToken, UnkToken, ClsToken, SepToken, MaskToken, "a", "a"}, DefaultOptions(), `token "a" has ids 5 and 6`},
		{"negative max chars", testVocab(), Options{MaxInputCharsPerWord: -1}, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.vocab, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	v := testVocab()
	tok := newTestTokenizer(t, Options{})
	if tok.VocabSize() != len(v) || !slices.Equal(tok.Vocab(), v) {
		t.Fatalf("Vocab() = %d tokens, want %d in the given order", tok.VocabSize(), len(v))
	}
	tok.Vocab()[0] = "changed"
	if tok.Vocab()[0] != PadToken {
		t.Error("Vocab returned the internal slice")
	}
	want := SpecialIDs{Pad: 0, Unk: 1, Cls: 2, Sep: 3, Mask: 4}
	if tok.Special != want {
		t.Errorf("Special = %+v, want %+v", tok.Special, want)
	}
	got := SpecialIDs{tok.PadID(), tok.UnkID(), tok.ClsID(), tok.SepID(), tok.MaskID()}
	if got != want {
		t.Errorf("id methods = %+v, want %+v", got, want)
	}
	if id, ok := tok.TokenID("fox"); !ok || v[id] != "fox" {
		t.Errorf(`TokenID("fox") = %d, %v`, id, ok)
	}
	if _, ok := tok.TokenID("absent"); ok {
		t.Error(`TokenID("absent") found`)
	}
	if tok.Options().MaxInputCharsPerWord != 100 {
		t.Errorf("MaxInputCharsPerWord = %d, want the default 100", tok.Options().MaxInputCharsPerWord)
	}
}

func TestWordPiece(t *testing.T) {
	tok := newTestTokenizer(t, Options{MaxInputCharsPerWord: 12})
	tests := []struct {
		word string
		want []string // nil: unknown
	}{
		{"the", []string{"the"}},
		{"jumps", []string{"jump", "##s"}},
		{"jumping", []string{"jump", "##ing"}},
		{"unaffable", []string{"un", "##aff", "##able"}},
		{"thex", []string{"the", "##x"}},
		{"xyz", []string{"x", "##y", "##z"}},
		{"café", []string{"c", "##a", "##f", "##é"}},
		{"aé", []string{"a", "##é"}},
		{"éa", []string{"é", "##a"}},
		{"aω", nil},
		{"ω", nil},
		{"abcdefghijkl", []string{"a", "##b", "##c", "##d", "##e", "##f", "##g", "##h", "##i", "##j", "##k", "##l"}},
		{"abcdefghijklm", nil},
		{"éééééééééééé", []string{"é", "##é", "##é", "##é", "##é", "##é", "##é", "##é", "##é", "##é", "##é", "##é"}},
		{"ééééééééééééé", nil},
	}
	for _, tc := range tests {
		ids, ends, ok := tok.pieces([]byte(tc.word), nil, nil, nil)
		if (tc.want == nil) != !ok {
			t.Errorf("%q: known = %v, want %v", tc.word, ok, tc.want != nil)
			continue
		}
		var got []string
		for _, id := range ids {
			got = append(got, tok.vocab[id])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: pieces %q, want %q", tc.word, got, tc.want)
		}
		if ok && int(ends[len(ends)-1]) != len(tc.word) {
			t.Errorf("%q: last piece ends at %d, want %d", tc.word, ends[len(ends)-1], len(tc.word))
		}
	}
}
