package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/tokenize"
)

// testTokenizer is a word-level tokenizer over the five special tokens and a few words.
func testTokenizer(t testing.TB) *tokenize.Tokenizer {
	t.Helper()
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
	vocab = append(vocab, strings.Fields("you will disappear tonight sleep well dolls the harbour see at")...)
	tok, err := tokenize.New(vocab, tokenize.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTextBatch(t *testing.T) {
	tok := testTokenizer(t)
	tests := []struct {
		name   string
		texts  []string
		maxLen int
		seq    int
		ids    []int32
		mask   []int32
	}{
		{"padded to longest", []string{"you will", "sleep"}, 0, 4,
			[]int32{2, 5, 6, 3, 2, 9, 3, 0}, []int32{1, 1, 1, 1, 1, 1, 1, 0}},
		{"truncated", []string{"you will disappear tonight", "sleep"}, 4, 4,
			[]int32{2, 5, 6, 3, 2, 9, 3, 0}, []int32{1, 1, 1, 1, 1, 1, 1, 0}},
		{"empty text and unknown word", []string{"", "zebra"}, 8, 3,
			[]int32{2, 3, 0, 2, 1, 3}, []int32{1, 1, 0, 1, 1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := TextBatch(tok, tc.texts, tc.maxLen)
			if b.Batch != len(tc.texts) || b.Seq != tc.seq {
				t.Fatalf("batch %d×%d, want %d×%d", b.Batch, b.Seq, len(tc.texts), tc.seq)
			}
			if !slices.Equal(b.IDs, tc.ids) || !slices.Equal(b.AttentionMask, tc.mask) {
				t.Errorf("ids %v mask %v, want %v %v", b.IDs, b.AttentionMask, tc.ids, tc.mask)
			}
			if b.TypeIDs != nil || b.Labels != nil || b.Targets != nil {
				t.Error("a text batch carries type ids, labels or targets")
			}
		})
	}
}

func TestScoreTexts(t *testing.T) {
	tok := testTokenizer(t)
	m := newModel(t, testConfig(tok.VocabSize()).WithLabels([]string{"threat", "drugs"}), SequenceClassification, 3)
	texts := []string{
		"you will disappear tonight", "sleep", "see the dolls at the harbour", "", "well well well well well well well well",
		"you", "the dolls",
	}
	s := NewScorer(m)
	var calls []int
	s.Progress = func(done, total int) {
		if total != len(texts) {
			t.Errorf("progress total %d", total)
		}
		calls = append(calls, done)
	}
	got, err := s.ScoreTexts(tok, texts, 6, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int{3, 6, 7}) {
		t.Errorf("progress calls %v, want [3 6 7]", calls)
	}
	if len(got) != len(texts) {
		t.Fatalf("%d results for %d texts", len(got), len(texts))
	}
	// Each text scored alone must give the same probabilities: padding and order change nothing.
	s.Progress = nil
	for i, text := range texts {
		want, err := s.Probabilities(nil, TextBatch(tok, []string{text}, 6))
		if err != nil {
			t.Fatal(err)
		}
		if len(got[i]) != 2 {
			t.Fatalf("text %d: %d probabilities, want 2", i, len(got[i]))
		}
		for j := range want {
			if math.Abs(float64(got[i][j]-want[j])) > 1e-5 {
				t.Errorf("text %d label %d: %g in a batch, %g alone", i, j, got[i][j], want[j])
			}
		}
	}
	if _, err := s.ScoreTexts(tok, texts, 0, 0); err == nil {
		t.Error("batch size 0: no error")
	}
	// A maxLen beyond the model's positions is capped at max_position_embeddings.
	long := []string{strings.Repeat("sleep ", 100)}
	if _, err := s.ScoreTexts(tok, long, 1000, 2); err != nil {
		t.Errorf("long text: %v", err)
	}
	if _, err := NewScorer(newModel(t, testConfig(tok.VocabSize()), MaskedLM, 1)).ScoreTexts(tok, texts, 6, 2); err == nil {
		t.Error("scoring with an MLM model: no error")
	}
	if empty, err := s.ScoreTexts(tok, nil, 6, 2); err != nil || len(empty) != 0 {
		t.Errorf("no texts: %v, %v", empty, err)
	}
}

// BenchmarkScoreTexts measures scoring 256 messages of 2 to 40 words with the tiny model, tokenizing
// and length-sorted batching included.
func BenchmarkScoreTexts(b *testing.B) {
	tok := testTokenizer(b)
	c, err := Preset("tiny", tok.VocabSize())
	if err != nil {
		b.Fatal(err)
	}
	m := newModel(b, c.WithLabels([]string{"threat"}), SequenceClassification, 1)
	words := strings.Fields("you will disappear tonight sleep well dolls the harbour see at")
	texts := make([]string, 256)
	for i := range texts {
		n := 2 + (i*7)%39
		w := make([]string, n)
		for k := range w {
			w[k] = words[(i+k*3)%len(words)]
		}
		texts[i] = strings.Join(w, " ")
	}
	s := NewScorer(m)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ScoreTexts(tok, texts, 64, 32); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(texts))*float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}
