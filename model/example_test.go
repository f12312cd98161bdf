package model_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
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
