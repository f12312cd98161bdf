// Package golden reads the PyTorch reference fixtures that tools/torchref
// writes into tensor/testdata/torch, and measures how far Vigil's results are
// from them. Tests of the tensor packages share it.
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// Tol is the largest relative error (see RelErr) accepted against a fixture.
// Fixtures are computed in float64 from float32 inputs, so it budgets only
// the float32 rounding of Vigil's kernels: sums of a few hundred float32
// terms lose about 1e-6 relative, well under 1e-4, while a wrong term shows
// as 1e-2 or more.
const Tol = 1e-4

// File is one fixture file: the cases for one operation.
type File struct {
	Op    string `json:"op"`
	Cases []Case `json:"cases"`
}

// Case holds a case's named tensors (inputs, outputs, upstream gradient and
// expected gradients), integer arrays and scalar arguments.
type Case struct {
	Name    string             `json:"name"`
	Tensors map[string]Tensor  `json:"tensors"`
	Ints    map[string][]int64 `json:"ints"`
	Scalars map[string]float64 `json:"scalars"`
}

// Tensor is a shape and its row-major values.
type Tensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// Load reads the fixture at path and checks that it describes op, has cases,
// and that every tensor's values fill its shape.
func Load(path, op string) ([]Case, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("golden: %w", err)
	}
	var f File
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("golden: decode %s: %w", path, err)
	}
	if f.Op != op || len(f.Cases) == 0 {
		return nil, fmt.Errorf("golden: %s holds op %q with %d cases, want op %q", path, f.Op, len(f.Cases), op)
	}
	for _, c := range f.Cases {
		for name, t := range c.Tensors {
			n := 1
			for _, d := range t.Shape {
				n *= d
			}
			if n != len(t.Data) {
				return nil, fmt.Errorf("golden: %s case %s: tensor %s has %d values for shape %v", path, c.Name, name, len(t.Data), t.Shape)
			}
		}
	}
	return f.Cases, nil
}

// RelErr returns max_i |got_i − want_i| / max(|want_i|, 1e-3·max_j |want_j|, 1e-30).
// The floor keeps elements near zero from dominating when the tensor as a
// whole is large, while still measuring small tensors against their own
// scale. A length mismatch or a NaN yields +Inf.
func RelErr[F float32 | float64](got []F, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	floor := max(1e-3*scale, 1e-30)
	worst := 0.0
	for i, w := range want {
		d := math.Abs(float64(got[i])-w) / max(math.Abs(w), floor)
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = max(worst, d)
	}
	return worst
}
