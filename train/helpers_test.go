package train

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-ml/vigil/model/safetensors"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tokenize"
)

// testWords are whole tokens of the test vocabulary; testStems take "##" endings.
var (
	testWords = []string{"the", "a", "threat", "was", "made", "at", "night", "we", "meet", "harbour", "dolls", "sleep"}
	testStems = []string{"play", "walk", "talk", "jump"}
	testEnds  = []string{"##ing", "##ed", "##s"}
)

// tokenizeNoSpecial encodes text without [CLS] and [SEP], as the corpus does.
var tokenizeNoSpecial = tokenize.EncodeOptions{}

func testTokenizer(tb testing.TB) *tokenize.Tokenizer {
	tb.Helper()
	return newTestTokenizer(tb, testVocab())
}

// letterTokenizer is testTokenizer with every letter and its "##" form added, so that a word can be
// split in several ways.
func letterTokenizer(tb testing.TB) *tokenize.Tokenizer {
	tb.Helper()
	vocab := testVocab()
	for c := 'a'; c <= 'z'; c++ {
		for _, piece := range []string{string(c), "##" + string(c)} {
			if !slices.Contains(vocab, piece) {
				vocab = append(vocab, piece)
			}
		}
	}
	return newTestTokenizer(tb, vocab)
}

func testVocab() []string {
	vocab := []string{tokenize.PadToken, tokenize.UnkToken, tokenize.ClsToken, tokenize.SepToken, tokenize.MaskToken}
	return append(append(append(vocab, testWords...), testStems...), testEnds...)
}

func newTestTokenizer(tb testing.TB, vocab []string) *tokenize.Tokenizer {
	tb.Helper()
	tok, err := tokenize.New(vocab, tokenize.DefaultOptions())
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// testLines returns n deterministic lines of 1 to 12 words, some of them split into pieces.
func testLines(n int) []string {
	r := tensor.NewRNG(42)
	lines := make([]string, n)
	for i := range lines {
		var b strings.Builder
		for w := range 1 + r.IntN(12) {
			if w > 0 {
				b.WriteByte(' ')
			}
			if r.IntN(3) == 0 {
				b.WriteString(testStems[r.IntN(len(testStems))])
				b.WriteString(strings.TrimPrefix(testEnds[r.IntN(len(testEnds))], "##"))
			} else {
				b.WriteString(testWords[r.IntN(len(testWords))])
			}
		}
		lines[i] = b.String()
	}
	return lines
}

func writeGzip(path string, lines []string) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Join(lines, "\n") + "\n"))
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func writeCorpus(tb testing.TB, dir, name string, lines []string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// toyModel is a tiny masked language model built from engine operations: embedding, tanh, dropout and
// a linear output layer, with a cross-entropy summed over the labelled positions.
type toyModel struct {
	emb, w, b *tensor.Tensor
	dropout   float32
	delay     time.Duration // slows each micro-batch, so a helper process can be killed mid-run
}

func newToyModel(vocab, dim int, dropout float32, seed uint64) *toyModel {
	m := &toyModel{
		emb:     tensor.NewParam("embeddings.word_embeddings.weight", vocab, dim),
		w:       tensor.NewParam("cls.predictions.decoder.weight", vocab, dim),
		b:       tensor.NewParam("cls.predictions.bias", vocab),
		dropout: dropout,
	}
	r := tensor.NewRNG(seed)
	m.emb.FillNormal(r, 0, 0.5)
	m.w.FillNormal(r, 0, 0.5)
	return m
}

func (m *toyModel) Params() []*tensor.Tensor { return []*tensor.Tensor{m.emb, m.w, m.b} }

func (m *toyModel) Loss(t *tensor.Tape, b MLMBatch, rng *tensor.RNG) (*tensor.Tensor, int, error) {
	time.Sleep(m.delay)
	h := t.Tanh(t.Embedding(m.emb, b.IDs))
	if rng != nil {
		h = t.Dropout(h, m.dropout, rng)
	}
	sum, n := t.CrossEntropySum(t.Linear(h, m.w, m.b), b.Labels, IgnoreIndex)
	return sum, n, nil
}

func (m *toyModel) save(dir string) error {
	var ts []safetensors.Tensor
	for _, p := range m.Params() {
		ts = append(ts, safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data})
	}
	return safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil)
}

func (m *toyModel) load(dir string) error {
	f, err := safetensors.Read(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	for _, p := range m.Params() {
		t, ok := f.Get(p.Name)
		if !ok || len(t.Data) != len(p.Data) {
			return fmt.Errorf("no tensor %s", p.Name)
		}
		copy(p.Data, t.Data)
	}
	return nil
}
