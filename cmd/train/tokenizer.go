package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/internal/progress"
	"github.com/vigil-ml/vigil/tokenize"
)

// tokenizerSettings are the settings of `train tokenizer`.
type tokenizerSettings struct {
	Corpus        []string `yaml:"corpus"`
	Format        string   `yaml:"format"`
	TextField     string   `yaml:"text_field"`
	VocabSize     int      `yaml:"vocab_size"`
	MinFrequency  int      `yaml:"min_frequency"`
	LimitAlphabet int      `yaml:"limit_alphabet"`
	Lowercase     bool     `yaml:"lowercase"`
	StripAccents  bool     `yaml:"strip_accents"`
	Out           string   `yaml:"out"`
}

func newTokenizerCmd() *cobra.Command {
	s := tokenizerSettings{TextField: "text", VocabSize: 16000, MinFrequency: 2, LimitAlphabet: 1000}
	var sf settingsFlags
	c := &cobra.Command{
		Use:   "tokenizer --corpus FILE... --vocab-size N --out DIR",
		Short: "Learn a WordPiece vocabulary and write DIR/tokenizer.json",
		Long: `Learn a BERT-style WordPiece vocabulary from one or more corpus files and write it as a
Hugging Face tokenizer.json that Vigil, the Hugging Face libraries and ONNX pipelines load unchanged.

Corpus files are plain text (one message per line), JSON Lines (--text-field names the field) or
CSV/TSV with a header (--text-field names the column), each optionally gzip-compressed.
The special tokens [PAD] [UNK] [CLS] [SEP] [MASK] get ids 0..4.`,
		Example: `  train tokenizer --corpus news.txt --corpus chats.jsonl.gz --vocab-size 16000 --lowercase --out runs/tok`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := sf.resolve(c, &s); err != nil {
				return err
			}
			return runTokenizer(c, s)
		},
	}
	f := c.Flags()
	f.StringSlice("corpus", nil, "corpus file (repeatable, or comma-separated)")
	f.String("format", "", "input format: text, jsonl, csv or tsv (default: from the file name)")
	f.String("text-field", s.TextField, "JSONL field or CSV/TSV column holding the text")
	f.Int("vocab-size", s.VocabSize, "vocabulary size, special tokens included")
	f.Int("min-frequency", s.MinFrequency, "minimum count for a merged piece")
	f.Int("limit-alphabet", s.LimitAlphabet, "keep at most this many initial characters (0: all)")
	f.Bool("lowercase", false, "lowercase text before tokenizing")
	f.Bool("strip-accents", false, "remove accents (NFD, drop combining marks)")
	f.String("out", "", "output directory for tokenizer.json")
	sf.add(c)
	return c
}

func runTokenizer(c *cobra.Command, s tokenizerSettings) error {
	if len(s.Corpus) == 0 {
		return errors.New("tokenizer: no corpus: give --corpus FILE")
	}
	if s.Out == "" {
		return errors.New("tokenizer: no output directory: give --out DIR")
	}
	if s.VocabSize < 6 {
		return fmt.Errorf("tokenizer: vocab_size %d is too small (the 5 special tokens take ids 0..4)", s.VocabSize)
	}
	format, err := data.ParseFormat(s.Format)
	if err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	tr, err := tokenize.NewTrainer(tokenize.TrainerOptions{
		VocabSize: s.VocabSize, MinFrequency: s.MinFrequency, LimitAlphabet: s.LimitAlphabet,
		Lowercase: s.Lowercase, StripAccents: s.StripAccents,
	})
	if err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	r, err := data.OpenAll(s.Corpus, data.Options{Format: format, TextField: s.TextField})
	if err != nil {
		return err
	}
	defer r.Close()
	start := time.Now()
	_, total := r.Progress()
	bar := progress.New(c.ErrOrStderr(), "counting words", total, "B")
	for n := 0; r.Next(); n++ {
		tr.Add(r.Text())
		if n%4096 == 0 {
			done, _ := r.Progress()
			bar.Update(done)
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	done, _ := r.Progress()
	bar.Finish(done)
	stats := r.Stats()
	if stats.Records == 0 {
		return fmt.Errorf("tokenizer: %s: %w (%d lines read)", describe(s.Corpus), data.ErrEmpty, stats.Lines)
	}
	tok, ts, err := tr.Train()
	if err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	if err := os.MkdirAll(s.Out, 0o755); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	path := filepath.Join(s.Out, "tokenizer.json")
	if err := tok.Save(path); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	unk := 0.0
	if ts.Words > 0 {
		unk = float64(ts.UnknownWords) / float64(ts.Words)
	}
	w := c.OutOrStdout()
	fmt.Fprintf(w, "wrote %s (%d tokens) in %s\n", path, tok.VocabSize(), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(w, "  lines %d (%d skipped blank), words %d (%d distinct), bytes %d, invalid UTF-8 bytes %d\n",
		stats.Records, stats.Skipped, ts.Words, ts.DistinctWords, stats.Bytes, stats.InvalidUTF8)
	fmt.Fprintf(w, "  coverage: %.3f%% of words become [UNK]\n", 100*unk)
	if ts.KeptWords > 0 {
		fmt.Fprintf(w, "  %.3f tokens per word; %.1f%% of words are one token\n",
			float64(ts.Tokens)/float64(ts.KeptWords), 100*float64(ts.WholeWords)/float64(ts.KeptWords))
	}
	return nil
}

func describe(files []string) string {
	if len(files) == 1 {
		return files[0]
	}
	return fmt.Sprintf("%s and %d more files", files[0], len(files)-1)
}
