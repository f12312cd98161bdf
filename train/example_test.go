package train_test

import (
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/vigil-ml/vigil/model"
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

// ExampleFoldTemperatures calibrates a classifier whose logits are twice too confident: the fitted
// temperature, folded into the classifier's weights, halves them.
func ExampleFoldTemperatures() {
	// Held-out logits and labels: the model says ±4 where ±2 would be honest.
	var logits []float64
	var labels []bool
	for i := range 2000 {
		z := float64(i%9 - 4)
		p := 1 / (1 + math.Exp(-z/2))
		logits = append(logits, z)
		labels = append(labels, float64(i%97)/97 < p)
	}
	temp, err := train.FitTemperature(logits, labels)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("temperature %.1f\n", temp)

	cfg, _ := model.Preset("tiny", 10)
	m, _ := model.New(cfg.WithLabels([]string{"threat"}), model.SequenceClassification, 1)
	m.Classifier.Out.Bias.Data[0] = 3
	if err := train.FoldTemperatures(m, []float64{temp}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bias after folding %.1f\n", m.Classifier.Out.Bias.Data[0])
	// Output:
	// temperature 2.0
	// bias after folding 1.5
}
