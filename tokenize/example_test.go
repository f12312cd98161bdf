package tokenize_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/vigil-ml/vigil/tokenize"
)

func ExampleLoad() {
	dir, err := os.MkdirTemp("", "tokenize")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cafe", "open", "##s", "."}
	tok, err := tokenize.New(vocab, tokenize.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	if err := tok.Save(filepath.Join(dir, "tokenizer.json")); err != nil {
		log.Fatal(err)
	}

	tok, err = tokenize.Load(dir)
	if err != nil {
		log.Fatal(err)
	}
	text := "The Café opens."
	enc := tok.Encode(text, tokenize.EncodeOptions{AddSpecialTokens: true, MaxLength: 8, PadToMaxLength: true})
	fmt.Println(enc.Tokens)
	fmt.Println(enc.IDs)
	fmt.Println(enc.AttentionMask)
	o := enc.Offsets[2]
	fmt.Printf("%q\n", text[o[0]:o[1]])
	fmt.Println(tok.Decode(enc.IDs, true))
	// Output:
	// [[CLS] the cafe open ##s . [SEP] [PAD]]
	// [2 5 6 7 8 9 3 0]
	// [1 1 1 1 1 1 1 0]
	// "Café"
	// the cafe opens.
}

func ExampleTrainer() {
	tr, err := tokenize.NewTrainer(tokenize.TrainerOptions{VocabSize: 100, Lowercase: true, StripAccents: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range []string{"Low lower lowest.", "New newer newest!", "low new"} {
		tr.Add(line)
	}
	tok, stats, err := tr.Train()
	if err != nil {
		log.Fatal(err)
	}
	// Training stops before VocabSize once every word is a single token.
	fmt.Println(tok.VocabSize(), stats.Words, stats.DistinctWords, stats.UnknownWords)
	fmt.Println(tok.Encode("newest lows", tokenize.EncodeOptions{}).Tokens)
	// Output:
	// 33 10 8 0
	// [newest low ##s]
}

// SampleSplit re-splits the words of a token sequence, as pretraining does to packed sequences under
// piece dropout; every draw decodes to the same text.
func ExampleTokenizer_SampleSplit() {
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "threat", "threats", "thr", "##eat", "##s",
		"t", "##h", "##r", "##e", "##a", "##t"}
	tok, err := tokenize.New(vocab, tokenize.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.Encode("threats", tokenize.EncodeOptions{AddSpecialTokens: true}).IDs
	for seed := range uint64(4) {
		split := tok.SampleSplit(nil, ids, 0.5, seed)
		var pieces []string
		for _, id := range split {
			pieces = append(pieces, vocab[id])
		}
		fmt.Println(pieces, tok.Decode(split, true))
	}
	// Output:
	// [[CLS] threats [SEP]] threats
	// [[CLS] threats [SEP]] threats
	// [[CLS] t ##h ##r ##eat ##s [SEP]] threats
	// [[CLS] threat ##s [SEP]] threats
}
