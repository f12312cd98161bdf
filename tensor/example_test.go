package tensor_test

import (
	"fmt"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
)

// Example trains a linear classifier on four points: parameters live on the
// heap, each step's temporaries in the tape's arena, and Reset recycles them.
func Example() {
	w := tensor.NewParam("classifier.weight", 2, 2) // [classes, features]
	b := tensor.NewParam("classifier.bias", 2)
	w.FillNormal(tensor.NewRNG(1), 0, 0.02)
	opt := optim.NewAdamW([]*tensor.Tensor{w, b}, optim.AdamWConfig{LR: 0.1})

	x, _ := tensor.FromData([]float32{1, 0, 0, 1, 1, 0.2, 0.1, 1}, 4, 2)
	targets := []int32{0, 1, 0, 1}

	t := tensor.NewTape()
	for step := range 50 {
		t.Reset()
		loss := t.CrossEntropy(t.Linear(x, w, b), targets, -100)
		t.Backward(loss)
		opt.Step()
		opt.ZeroGrad()
		if step%49 == 0 {
			fmt.Printf("step %d: loss %.3f\n", step, loss.Data[0])
		}
	}

	// Inference records nothing.
	t.Reset()
	t.SetGrad(false)
	logits := t.Linear(x, w, b)
	fmt.Println("recorded:", t.Len(), "first logits favour class 0:", logits.Data[0] > logits.Data[1])
	// Output:
	// step 0: loss 0.700
	// step 49: loss 0.012
	// recorded: 0 first logits favour class 0: true
}
