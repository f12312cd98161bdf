// Command tokinterop writes the fixtures that check Vigil's tokenizer against an independent
// implementation of Hugging Face tokenizer.json.
//
// It generates test sentences and sentence pairs (internal/textgen, plus lines sampled from a
// development data folder when one exists), trains WordPiece tokenizers with three normaliser
// settings, and writes for each one DIR/<name>/tokenizer.json and DIR/<name>/expected.jsonl: one
// JSON object per case with Vigil's ids, type ids and attention mask. interop/tokenizers/check.mjs
// then encodes the same cases with the JavaScript library and compares.
//
// Usage:
//
//	go run ./tools/tokinterop -out DIR [-n 10000] [-pairs 1000] [-shared ../shared/data] [-vocab vocab.txt] [-sweep]
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/vigil-ml/vigil/internal/textgen"
	"github.com/vigil-ml/vigil/tokenize"
)

// config is one tokenizer to train: a name for its folder and its normaliser settings.
type config struct {
	name                    string
	lowercase, stripAccents bool
}

var configs = []config{
	{"uncased", true, true},
	{"cased", false, false},
	{"uncased-accents", true, false},
}

// testCase is one line of expected.jsonl. Offsets are [start, end) in code points of the text the
// token came from, as Hugging Face's bindings report them; MaxLength and Pad describe the
// truncation and padding the case was encoded with.
type testCase struct {
	Source        string   `json:"source"`
	Text          string   `json:"text"`
	Pair          *string  `json:"pair,omitempty"`
	MaxLength     int      `json:"max_length,omitempty"`
	Pad           bool     `json:"pad,omitempty"`
	IDs           []int32  `json:"ids"`
	TypeIDs       []int32  `json:"type_ids"`
	AttentionMask []int32  `json:"attention_mask"`
	Tokens        []string `json:"tokens"`
	Offsets       [][2]int `json:"offsets"`
}

// truncatedEvery selects which cases are also written truncated (and every other one padded) to
// one of truncatedLengths.
const truncatedEvery = 10

var truncatedLengths = []int{8, 16, 32, 64}

type options struct {
	out, shared, vocab string
	n, pairs, corpus   int
	perFile            int
	vocabSize          int
	seed               int64
	sweep              bool
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "", "output folder (required)")
	flag.IntVar(&o.n, "n", 10000, "generated test sentences")
	flag.IntVar(&o.pairs, "pairs", 1000, "generated test sentence pairs")
	flag.IntVar(&o.corpus, "corpus", 20000, "generated training lines")
	flag.IntVar(&o.perFile, "per-file", 400, "test lines sampled from each shared text file")
	flag.IntVar(&o.vocabSize, "vocab-size", 8000, "vocabulary size of the trained tokenizers")
	flag.StringVar(&o.shared, "shared", "../shared/data", "development data folder; skipped when absent")
	flag.StringVar(&o.vocab, "vocab", "", "optional vocab.txt to load as a fourth tokenizer")
	flag.Int64Var(&o.seed, "seed", 1, "random seed")
	flag.BoolVar(&o.sweep, "sweep", false, `also write one case "a<c>b" per code point c of planes 0-3 and 14`)
	flag.Parse()
	if o.out == "" {
		fmt.Fprintln(os.Stderr, "tokinterop: -out is required")
		flag.Usage()
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "tokinterop:", err)
		os.Exit(1)
	}
}

// input holds the cases to encode and the training corpus.
type input struct {
	texts  []sourced
	pairs  []sourcedPair
	corpus []string
}

type sourced struct{ source, text string }

type sourcedPair struct {
	source string
	a, b   string
}

func run(o options) error {
	in, err := gather(o)
	if err != nil {
		return err
	}
	fmt.Printf("cases: %d sentences, %d pairs; training corpus: %d lines\n", len(in.texts), len(in.pairs), len(in.corpus))

	for _, c := range configs {
		start := time.Now()
		tok, err := train(c, o.vocabSize, in.corpus)
		if err != nil {
			return fmt.Errorf("train %s: %w", c.name, err)
		}
		fmt.Printf("trained %s in %v\n", c.name, time.Since(start).Round(time.Millisecond))
		if err := write(filepath.Join(o.out, c.name), tok, in); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	if o.vocab != "" {
		tok, err := tokenize.Load(o.vocab)
		if err != nil {
			return err
		}
		if err := write(filepath.Join(o.out, "vocab"), tok, in); err != nil {
			return fmt.Errorf("vocab: %w", err)
		}
	}
	return nil
}

// gather builds the test cases and the training corpus from textgen and, when present, shared text.
func gather(o options) (*input, error) {
	in := &input{}
	for i, s := range textgen.Sentences(o.seed, o.n) {
		in.texts = append(in.texts, sourced{fmt.Sprintf("textgen:%d", i), s})
	}
	for i, p := range textgen.Pairs(o.seed+1, o.pairs) {
		in.pairs = append(in.pairs, sourcedPair{fmt.Sprintf("textgen-pair:%d", i), p[0], p[1]})
	}
	in.corpus = textgen.Corpus(o.seed+2, o.corpus)
	if o.sweep {
		in.texts = append(in.texts, sweep()...)
	}

	files, err := sharedTextFiles(o.shared)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		fmt.Printf("no shared text under %q: using generated text only\n", o.shared)
		return in, nil
	}
	for i, f := range files {
		name, _ := filepath.Rel(o.shared, f)
		// One sample feeds the test cases, a larger independent one the training corpus.
		lines, err := sampleLines(f, o.perFile, uint64(o.seed)+uint64(i))
		if err != nil {
			return nil, err
		}
		training, err := sampleLines(f, 10*o.perFile, uint64(o.seed)+uint64(i)+1000)
		if err != nil {
			return nil, err
		}
		fmt.Printf("shared: %s: %d test lines, %d training lines\n", name, len(lines), len(training))
		for j, l := range lines {
			in.texts = append(in.texts, sourced{fmt.Sprintf("%s:%d", name, j), l})
			if j%4 == 1 {
				in.pairs = append(in.pairs, sourcedPair{fmt.Sprintf("%s-pair:%d", name, j), lines[j-1], l})
			}
		}
		in.corpus = append(in.corpus, training...)
	}
	return in, nil
}

// sweepRanges are the code points -sweep covers: every assigned plane but the private-use ones.
var sweepRanges = [][2]rune{{0, 0x323FF}, {0xE0000, 0xE01EF}}

// sweep returns one case per code point c of sweepRanges, as "a" + c + "b", so that how c is
// cleaned, split, lowercased and stripped shows in the tokens around it.
func sweep() []sourced {
	var out []sourced
	for _, r := range sweepRanges {
		for c := r[0]; c <= r[1]; c++ {
			if utf8.ValidRune(c) {
				out = append(out, sourced{fmt.Sprintf("U+%04X", c), "a" + string(c) + "b"})
			}
		}
	}
	return out
}

func train(c config, vocabSize int, corpus []string) (*tokenize.Tokenizer, error) {
	tr, err := tokenize.NewTrainer(tokenize.TrainerOptions{
		VocabSize:     vocabSize,
		MinFrequency:  2,
		LimitAlphabet: 1000,
		Lowercase:     c.lowercase,
		StripAccents:  c.stripAccents,
	})
	if err != nil {
		return nil, err
	}
	for _, line := range corpus {
		tr.Add(line)
	}
	tok, _, err := tr.Train()
	return tok, err
}

// write saves tok to dir, loads it back, and writes the reloaded tokenizer's encodings of every case.
// It fails when the reloaded tokenizer, Encode and EncodeBatch disagree with each other, so the
// fixtures describe one behaviour.
func write(dir string, tok *tokenize.Tokenizer, in *input) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "tokenizer.json")
	if err := tok.Save(path); err != nil {
		return err
	}
	loaded, err := tokenize.Load(path)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	opts := tokenize.EncodeOptions{AddSpecialTokens: true}

	texts := make([]string, len(in.texts))
	for i, t := range in.texts {
		texts[i] = t.text
	}
	batch := loaded.EncodeBatch(texts, opts)
	var cases []testCase
	var disagree []error
	check := func(where string, a, b tokenize.Encoding, what string) {
		if err := same(a, b, what); err != nil {
			disagree = append(disagree, fmt.Errorf("%s: %w", where, err))
		}
	}
	for i, t := range in.texts {
		where := fmt.Sprintf("%s %q", t.source, t.text)
		e := loaded.Encode(t.text, opts)
		check(where, e, batch[i], "EncodeBatch")
		check(where, e, tok.Encode(t.text, opts), "before Save")
		cases = append(cases, newCase(t.source, t.text, nil, opts, e))
		if i%truncatedEvery == 0 {
			o := limited(i)
			cases = append(cases, newCase(t.source, t.text, nil, o, loaded.Encode(t.text, o)))
		}
	}
	for i, p := range in.pairs {
		where := fmt.Sprintf("%s %q / %q", p.source, p.a, p.b)
		e := loaded.EncodePair(p.a, p.b, opts)
		check(where, e, tok.EncodePair(p.a, p.b, opts), "before Save")
		cases = append(cases, newCase(p.source, p.a, &p.b, opts, e))
		if i%truncatedEvery == 0 {
			o := limited(i)
			cases = append(cases, newCase(p.source, p.a, &p.b, o, loaded.EncodePair(p.a, p.b, o)))
		}
	}
	if len(disagree) > 0 {
		return fmt.Errorf("%d inconsistent encodings, first: %w", len(disagree), errors.Join(disagree[:min(5, len(disagree))]...))
	}
	if err := writeJSONL(filepath.Join(dir, "expected.jsonl"), cases); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d cases\n", dir, len(cases))
	return nil
}

// limited returns the truncation and padding options of the i-th truncated case.
func limited(i int) tokenize.EncodeOptions {
	return tokenize.EncodeOptions{
		AddSpecialTokens: true,
		MaxLength:        truncatedLengths[(i/truncatedEvery)%len(truncatedLengths)],
		PadToMaxLength:   (i/truncatedEvery/len(truncatedLengths))%2 == 1,
	}
}

func newCase(source, text string, pair *string, o tokenize.EncodeOptions, e tokenize.Encoding) testCase {
	c := testCase{
		Source: source, Text: text, Pair: pair, MaxLength: o.MaxLength, Pad: o.PadToMaxLength,
		IDs: e.IDs, TypeIDs: e.TypeIDs, AttentionMask: e.AttentionMask, Tokens: e.Tokens,
		Offsets: make([][2]int, len(e.Offsets)),
	}
	for i, off := range e.Offsets {
		s := text
		if pair != nil && e.TypeIDs[i] == 1 {
			s = *pair
		}
		c.Offsets[i] = [2]int{runeOffset(s, off[0]), runeOffset(s, off[1])}
	}
	return c
}

// runeOffset converts byte offset b of s to a code-point offset; offsets past the end (which no
// correct encoding produces) are clamped so the mismatch shows in the comparison.
func runeOffset(s string, b int) int {
	return utf8.RuneCountInString(s[:min(max(b, 0), len(s))])
}

// same reports how b differs from a, which is the reference encoding.
func same(a, b tokenize.Encoding, what string) error {
	switch {
	case !slices.Equal(a.IDs, b.IDs):
		return fmt.Errorf("ids %v, %s %v", a.IDs, what, b.IDs)
	case !slices.Equal(a.TypeIDs, b.TypeIDs):
		return fmt.Errorf("type ids %v, %s %v", a.TypeIDs, what, b.TypeIDs)
	case !slices.Equal(a.AttentionMask, b.AttentionMask):
		return fmt.Errorf("attention mask %v, %s %v", a.AttentionMask, what, b.AttentionMask)
	case !slices.Equal(a.Offsets, b.Offsets):
		return fmt.Errorf("offsets %v, %s %v", a.Offsets, what, b.Offsets)
	}
	return nil
}

func writeJSONL(path string, cases []testCase) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, c := range cases {
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return w.Flush()
}
