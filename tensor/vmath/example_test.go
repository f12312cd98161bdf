package vmath_test

import (
	"fmt"
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
