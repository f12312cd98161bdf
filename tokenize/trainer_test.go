package tokenize

import (
	"slices"
	"strings"
	"testing"
)

func train(t *testing.T, o TrainerOptions, lines []string) (*Tokenizer, TrainStats) {
	t.Helper()
	tr, err := NewTrainer(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		tr.Add(l)
	}
	tok, st, err := tr.Train()
	if err != nil {
		t.Fatal(err)
	}
	return tok, st
}

func TestTrainerVocabulary(t *testing.T) {
	lines := generatedText(2000)
	tok, st := train(t, TrainerOptions{VocabSize: 300, Lowercase: true, StripAccents: true}, lines)
	v := tok.Vocab()
	if !slices.Equal(v[:5], []string{PadToken, UnkToken, ClsToken, SepToken, MaskToken}) {
		t.Fatalf("first tokens %q", v[:5])
	}
	if len(v) != 300 {
		t.Errorf("vocab size %d, want 300", len(v))
	}
	// The alphabet follows the specials, sorted, then the "##" forms.
	var alphabet, cont []string
	for _, tok := range v[5:] {
		if strings.HasPrefix(tok, "##") && len(tok) == 3 {
			cont = append(cont, tok)
		} else if len(tok) == 1 {
			alphabet = append(alphabet, tok)
		}
	}
	if !slices.IsSorted(alphabet) || !slices.IsSorted(cont) || !slices.Equal(v[5:5+len(alphabet)], alphabet) {
		t.Errorf("alphabet %q, continuation %q", alphabet, cont)
	}
	for _, want := range []string{"a", "##a", ",", "ta", "##ke"} {
		if _, ok := tok.TokenID(want); !ok {
			t.Errorf("vocabulary lacks %q", want)
		}
	}
	var words int64
	for _, l := range lines {
		words += int64(len(strings.Fields(l)) + strings.Count(l, ",") + strings.Count(l, ".") + strings.Count(l, "!") + strings.Count(l, "?") + strings.Count(l, ";"))
	}
	if st.Words != words || st.UnknownWords != 0 || st.DistinctWords == 0 {
		t.Errorf("stats %+v, want %d words and no unknown", st, words)
	}
	if o := tok.Options(); o != DefaultOptions() {
		t.Errorf("options %+v", o)
	}
	// Encoding the training text needs no [UNK].
	for _, e := range tok.EncodeBatch(lines[:100], EncodeOptions{}) {
		if slices.Contains(e.IDs, tok.Special.Unk) {
			t.Fatalf("[UNK] in %q", e.Tokens)
		}
	}
}

func TestTrainerDeterministic(t *testing.T) {
	lines := generatedText(3000)
	o := TrainerOptions{VocabSize: 400, Lowercase: true}
	a, _ := train(t, o, lines)
	b, _ := train(t, o, lines)
	if !slices.Equal(a.Vocab(), b.Vocab()) {
		t.Error("two runs over the same text differ")
	}
}

func TestTrainerMerges(t *testing.T) {
	// "low" is most frequent, so l+##o merges first, then lo+##w.
	lines := []string{"low low low low low lower lower newest newest newest widest"}
	tok, _ := train(t, TrainerOptions{VocabSize: 100}, lines)
	v := tok.Vocab()
	base := slices.Index(v, "##w") + 1
	if got := v[base:min(base+2, len(v))]; !slices.Equal(got, []string{"lo", "low"}) {
		t.Errorf("first merges %q, vocabulary %q", got, v)
	}
	if !slices.Contains(v, "newest") || !slices.Contains(v, "lower") {
		t.Errorf("vocabulary %q lacks whole words", v)
	}
}

func TestTrainerMinFrequency(t *testing.T) {
	lines := []string{"aa aa aa bc bc de"}
	tok, _ := train(t, TrainerOptions{VocabSize: 100, MinFrequency: 2}, lines)
	v := tok.Vocab()
	if !slices.Contains(v, "aa") || !slices.Contains(v, "bc") || slices.Contains(v, "de") {
		t.Errorf("vocabulary %q: want aa and bc merged, de not", v)
	}
}

func TestTrainerLimitAlphabet(t *testing.T) {
	lines := []string{"aaaa bbb cc d", "aaa bb"}
	tok, st := train(t, TrainerOptions{VocabSize: 100, LimitAlphabet: 2}, lines)
	v := tok.Vocab()
	for _, absent := range []string{"c", "d", "##c"} {
		if slices.Contains(v, absent) {
			t.Errorf("vocabulary %q holds %q beyond the alphabet limit", v, absent)
		}
	}
	if !slices.Equal(v[5:7], []string{"a", "b"}) {
		t.Errorf("alphabet %q, want a b", v[5:7])
	}
	if st.UnknownWords != 2 {
		t.Errorf("unknown words %d, want 2 (cc and d)", st.UnknownWords)
	}
}

func TestTrainerSmallVocabKeepsAlphabet(t *testing.T) {
	tok, _ := train(t, TrainerOptions{VocabSize: 6}, []string{"abc"})
	if got := strings.Join(tok.Vocab()[5:], " "); got != "a b c ##b ##c" {
		t.Errorf("vocabulary tail %q", got)
	}
}

func TestTrainerErrors(t *testing.T) {
	for _, o := range []TrainerOptions{{}, {VocabSize: 10, MinFrequency: -1}, {VocabSize: 10, LimitAlphabet: -1}, {VocabSize: 10, MaxWords: -1}} {
		if _, err := NewTrainer(o); err == nil {
			t.Errorf("NewTrainer(%+v) succeeded", o)
		}
	}
	tr, err := NewTrainer(TrainerOptions{VocabSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tr.Train(); err == nil || !strings.Contains(err.Error(), "empty corpus") {
		t.Errorf("Train without text: %v", err)
	}
	tr.Add("  \t\x00 ")
	if _, _, err := tr.Train(); err == nil {
		t.Error("Train on white space succeeded")
	}
	tr.Add("now words")
	if _, st, err := tr.Train(); err != nil || st.Words != 2 {
		t.Errorf("Train after more text: %v, %+v", err, st)
	}
}

func TestTrainerAcrossChunks(t *testing.T) {
	// More than one chunk, so counting runs on several goroutines.
	line := strings.Repeat("alpha beta gamma ", 1000)
	var lines []string
	for range 3 * chunkSize / len(line) {
		lines = append(lines, line)
	}
	tok, st := train(t, TrainerOptions{VocabSize: 50}, lines)
	if want := int64(3000 * len(lines)); st.Words != want || st.DistinctWords != 3 {
		t.Errorf("stats %+v, want %d words, 3 distinct", st, want)
	}
	for _, w := range []string{"alpha", "beta", "gamma"} {
		if _, ok := tok.TokenID(w); !ok {
			t.Errorf("vocabulary lacks %q", w)
		}
	}
}

func TestCounterPrune(t *testing.T) {
	tr, err := NewTrainer(TrainerOptions{VocabSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	c := tr.newCounter(4)
	c.count([]byte("a a a b b c d"))
	c.count([]byte("e"))
	if len(c.words) > 4 {
		t.Fatalf("%d words held, limit 4", len(c.words))
	}
	for _, w := range []string{"a", "b"} {
		if _, ok := c.index[w]; !ok {
			t.Errorf("frequent word %q pruned: %q", w, c.words)
		}
	}
	if c.seen != 8 {
		t.Errorf("seen %d, want 8", c.seen)
	}
	for w, id := range c.index {
		if c.words[id] != w {
			t.Errorf("index %q -> %d holds %q", w, id, c.words[id])
		}
	}
}

// TestTrainerFertility checks the token counts of TrainStats against the trained tokenizer's own
// encoding of the corpus, with and without unknown words.
func TestTrainerFertility(t *testing.T) {
	cases := []struct {
		name  string
		opts  TrainerOptions
		lines []string
	}{
		{"generated", TrainerOptions{VocabSize: 120}, generatedText(300)},
		{"unknown words", TrainerOptions{VocabSize: 11, LimitAlphabet: 2}, []string{"aaaa bbb cc d", "aaa bb"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok, st := train(t, c.opts, c.lines)
			var tokens, whole int64
			for _, e := range tok.EncodeBatch(c.lines, EncodeOptions{}) {
				tokens += int64(len(e.IDs))
				for i, s := range e.Tokens {
					first := !strings.HasPrefix(s, "##")
					last := i+1 == len(e.Tokens) || !strings.HasPrefix(e.Tokens[i+1], "##")
					if first && last && e.IDs[i] != tok.Special.Unk {
						whole++
					}
				}
			}
			if st.KeptWords != st.Words || st.Tokens != tokens || st.WholeWords != whole {
				t.Errorf("stats %+v, want %d kept words, %d tokens, %d whole words", st, st.Words, tokens, whole)
			}
			if st.Tokens <= st.KeptWords || st.WholeWords == 0 || st.WholeWords+st.UnknownWords >= st.KeptWords {
				t.Errorf("stats %+v do not exercise words of several tokens and whole words", st)
			}
		})
	}
}
