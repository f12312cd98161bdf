package vmath_test

import (
	"fmt"
	"math"
	"slices"

	"github.com/vigil-ml/vigil/tensor/vmath"
)

func ExampleGELU() {
	x := []float32{-3, -1, 0, 1, 3}
	y := make([]float32, len(x))
	vmath.GELU(y, x)
	fmt.Printf("%.5f\n", y)

	// The backward pass scales the derivative by the incoming gradient.
	dy := []float32{1, 1, 1, 1, 2}
	vmath.GELUGrad(dy, dy, x)
	fmt.Printf("%.5f\n", dy)
	// Output:
	// [-0.00405 -0.15866 0.00000 0.84134 2.99595]
	// [-0.01195 -0.08332 0.50000 1.08332 2.02389]
}

// ExpSubSum computes a numerically stable softmax row in two passes over the data.
func ExampleExpSubSum() {
	logits := []float32{2, 1, 0.5, -1}
	p := make([]float32, len(logits))
	sum := vmath.ExpSubSum(p, logits, slices.Max(logits))
	for i := range p {
		p[i] /= sum
	}
	fmt.Printf("%.4f\n", p)
	// Output:
	// [0.6095 0.2242 0.1360 0.0303]
}

func ExampleExp() {
	x := []float32{-200, -1, 0, 1, 100}
	vmath.Exp(x, x) // in place
	fmt.Println(x)
	// Output:
	// [0 0.36787945 1 2.7182817 +Inf]
}

// DropoutMask applies inverted dropout with probability 1/4: elements are kept with
// multiplier 4/3 when their 32 random bits reach 2³⁰. Any stretch of the stream can be
// computed on its own, which lets the backward pass and other goroutines recompute it.
func ExampleDropoutMask() {
	x := []float32{3, 3, 3, 3, 3, 3, 3, 3}
	y := make([]float32, len(x))
	vmath.DropoutMask(y, x, 42, 0, 1<<30, 4.0/3, false)
	fmt.Println(y)

	// Elements 3 to 7 of the same stream, added to what is there.
	tail := []float32{1, 1, 1, 1, 1}
	vmath.DropoutMask(tail, x[3:], 42, 3, 1<<30, 4.0/3, true)
	fmt.Println(tail)
	// Output:
	// [4 4 4 0 0 4 4 0]
	// [1 1 5 5 1]
}

func ExampleAdamW() {
	p := []float32{1, -2}
	m, v := make([]float32, 2), make([]float32, 2)
	g := []float32{0.5, -0.25}
	// The first step of lr = 0.1 and weight decay 0.01, with PyTorch's default betas.
	const lr, bc1, bc2 = 0.1, 1 - 0.9, 1 - 0.999
	vmath.AdamW(p, m, v, g, vmath.AdamWCoef{
		Keep: 1 - lr*0.01, Beta1: 0.9, Beta1C: 1 - 0.9, Beta2: 0.999, Beta2C: 1 - 0.999,
		BC2Sqrt: float32(math.Sqrt(bc2)), Eps: 1e-8, StepSize: lr / bc1,
	})
	fmt.Println(p, m, v)
	// Output:
	// [0.89900005 -1.898] [0.05 -0.025] [0.00025 6.25e-05]
}

func ExampleSumSquares() {
	g := []float32{3, 4, 12}
	fmt.Println(math.Sqrt(vmath.SumSquares(g)))
	// Output:
	// 13
}
