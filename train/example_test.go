package train_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/vigil-ml/vigil/tokenize"
	"github.com/vigil-ml/vigil/train"
)

func ExampleSchedule() {
	s := train.Schedule{Peak: 1e-3, Warmup: 2, Total: 6, Decay: train.DecayLinear}
	for step := range 7 {
		fmt.Printf("%.2g ", s.LR(step))
	}
	fmt.Println()
	// Output:
	// 0 0.0005 0.001 0.00075 0.0005 0.00025 0
}

func ExampleCorpus() {
	dir, err := os.MkdirTemp("", "corpus")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "chats.txt")
	os.WriteFile(path, []byte("we meet at the harbour\nbring the dolls\nsleep tonight\n"), 0o644)
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "we", "meet", "at", "the", "harbour", "bring", "dolls", "sleep", "tonight"}
	tok, err := tokenize.New(vocab, tokenize.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}

	c, err := train.NewCorpus(tok, train.CorpusConfig{
		Files: []string{path}, SeqLen: 8, BatchSize: 2, Seed: 1, ShuffleBlock: 1,
		Mask: train.MaskConfig{Prob: 0.3},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	b, err := c.Next()
	if err != nil {
		log.Fatal(err)
	}
	for i := range b.Size {
		row := b.IDs[i*b.Len : (i+1)*b.Len]
		labels := b.Labels[i*b.Len : (i+1)*b.Len]
		fmt.Println(tok.Decode(row, false), labels)
	}
	fmt.Println("targets", b.Count(), "tokens", b.Tokens())
	// Output:
	// [CLS] we meet at the harbour [SEP] bring [-100 -100 -100 -100 -100 -100 -100 -100]
	// [CLS] [MASK] [MASK] [SEP] sleep [MASK] [SEP] [PAD] [-100 8 11 -100 -100 13 -100 -100]
	// targets 3 tokens 15
}
