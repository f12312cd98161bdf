package model_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
	"github.com/vigil-ml/vigil/tokenize"
)

// Example takes one masked-language-model training step, saves the model as a Hugging Face model
// directory, loads it as a classifier for fine-tuning, and scores a batch.
func Example() {
	cfg, err := model.Preset("tiny", 100)
	if err != nil {
		panic(err)
	}
	m, err := model.New(cfg, model.MaskedLM, 1)
	if err != nil {
		panic(err)
	}
	// Two sequences of four tokens, the second padded; position 1 of each is masked (id 4) and labelled.
	batch := &model.Batch{
		Batch: 2, Seq: 4,
		IDs:           []int32{2, 4, 50, 3, 2, 4, 3, 0},
		AttentionMask: []int32{1, 1, 1, 1, 1, 1, 1, 0},
		Labels:        []int32{-100, 17, -100, -100, -100, 23, -100, -100},
	}
	opt := optim.NewAdamW(m.Params(), optim.AdamWConfig{LR: 1e-4, WeightDecay: 0.01})
	tape := tensor.NewTape()
	sum, count, err := m.Loss(tape, batch, tensor.NewRNG(7)) // the RNG drives dropout
	if err != nil {
		panic(err)
	}
	tape.Backward(tape.Scale(sum, 1/float32(count)))
	opt.Step()
	fmt.Println("masked tokens:", count)

	tmp, err := os.MkdirTemp("", "vigil-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "pretrained")
	if err := m.Save(dir); err != nil {
		panic(err)
	}
	clf, info, err := model.Load(dir, model.LoadOptions{Arch: model.SequenceClassification, Labels: []string{"threat", "drugs"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("new parameters:", info.Initialized)

	probs, err := model.NewScorer(clf).Probabilities(nil, batch)
	if err != nil {
		panic(err)
	}
	fmt.Println("probabilities:", len(probs))
	// Output:
	// masked tokens: 2
	// new parameters: [bert.pooler.dense.weight bert.pooler.dense.bias classifier.weight classifier.bias]
	// probabilities: 4
}

// ExampleScorer_ScoreTexts scores raw messages with a classifier, one probability per label each.
func ExampleScorer_ScoreTexts() {
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "you", "will", "disappear", "sleep", "well"}
	tok, err := tokenize.New(vocab, tokenize.DefaultOptions())
	if err != nil {
		panic(err)
	}
	cfg, err := model.Preset("tiny", tok.VocabSize())
	if err != nil {
		panic(err)
	}
	m, err := model.New(cfg.WithLabels([]string{"threat"}), model.SequenceClassification, 1)
	if err != nil {
		panic(err)
	}
	texts := []string{"you will disappear", "sleep well", "you"}
	fmt.Println(model.TextBatch(tok, texts, 0).IDs)
	probs, err := model.NewScorer(m).ScoreTexts(tok, texts, 128, 32)
	if err != nil {
		panic(err)
	}
	for i, p := range probs {
		fmt.Printf("%q: %d label(s), in (0, 1): %v\n", texts[i], len(p), p[0] > 0 && p[0] < 1)
	}
	// Output:
	// [2 5 6 7 3 2 8 9 3 0 2 5 3 0 0]
	// "you will disappear": 1 label(s), in (0, 1): true
	// "sleep well": 1 label(s), in (0, 1): true
	// "you": 1 label(s), in (0, 1): true
}
