package optim_test

import (
	"fmt"
	"strings"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
)

// ExampleAdamW shows a step with clipping, biases exempt from weight decay,
// and the state a checkpoint saves.
func ExampleAdamW() {
	w := tensor.NewParam("dense.weight", 2, 2)
	b := tensor.NewParam("dense.bias", 2)
	w.Fill(1)
	opt := optim.NewAdamW([]*tensor.Tensor{w, b}, optim.AdamWConfig{
		LR:          0.1,
		WeightDecay: 0.01,
		NoDecay:     func(p *tensor.Tensor) bool { return strings.HasSuffix(p.Name, ".bias") },
	})

	// Stand-ins for the gradients Tape.Backward accumulates.
	copy(w.Grad, []float32{3, 0, 0, 4})
	copy(b.Grad, []float32{1, -1})
	norm := optim.ClipGradNorm([]*tensor.Tensor{w, b}, 1)
	opt.Step()
	opt.ZeroGrad()

	st := opt.State()
	fmt.Printf("norm before clipping %.3f\n", norm)
	fmt.Printf("weight %.3f, bias %.3f\n", w.Data, b.Data)
	fmt.Println("step", st.Step, "moments for", len(st.M), "parameters")
	// Output:
	// norm before clipping 5.196
	// weight [0.899 0.999 0.999 0.899], bias [-0.100 0.100]
	// step 1 moments for 2 parameters
}
