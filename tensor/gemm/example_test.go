package gemm_test

import (
	"fmt"

	"github.com/vigil-ml/vigil/tensor/gemm"
)

func ExampleGemm() {
	a := []float32{ // 2×3
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // 3×2
		7, 8,
		9, 10,
		11, 12,
	}
	c := make([]float32, 2*2)
	gemm.Gemm(c, a, b, gemm.Shape{M: 2, N: 2, K: 3}, 1, 0)
	fmt.Println(c)
	// Output: [58 64 139 154]
}

// A linear layer's weight is usually stored out×in, so y = x·Wᵀ multiplies by B transposed;
// beta = 1 adds the result onto what dst already holds.
func ExampleGemm_transposed() {
	x := []float32{1, 2} // 1×2
	w := []float32{      // 3×2: out×in
		1, 0,
		0, 1,
		1, 1,
	}
	y := []float32{10, 20, 30}
	gemm.Gemm(y, x, w, gemm.Shape{M: 1, N: 3, K: 2, TransB: true}, 1, 1)
	fmt.Println(y)
	// Output: [11 22 33]
}
