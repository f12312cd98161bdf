package tensor

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/tensor/internal/golden"
)

// fixtureCase is one case of a PyTorch fixture, with helpers that fail the
// test on missing entries.
type fixtureCase struct{ golden.Case }

// loadFixture reads testdata/torch/<op>.json.
func loadFixture(t *testing.T, op string) []fixtureCase {
	t.Helper()
	cases, err := golden.Load(filepath.Join("testdata", "torch", op+".json"), op)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]fixtureCase, len(cases))
	for i, c := range cases {
		out[i] = fixtureCase{c}
	}
	return out
}

// want returns the named tensor's values and shape, failing if absent.
func (c fixtureCase) want(t *testing.T, name string) ([]float64, []int) {
	t.Helper()
	ft, ok := c.Tensors[name]
	if !ok {
		t.Fatalf("case %s: no tensor %q", c.Name, name)
	}
	return ft.Data, ft.Shape
}

// param returns the named tensor as a parameter, so its gradient is kept.
func (c fixtureCase) param(t *testing.T, name string) *Tensor {
	t.Helper()
	_, shape := c.want(t, name)
	p := NewParam(name, shape...)
	copy(p.Data, c.floats(t, name))
	return p
}

// floats returns the named tensor's values converted to float32.
func (c fixtureCase) floats(t *testing.T, name string) []float32 {
	t.Helper()
	data, _ := c.want(t, name)
	out := make([]float32, len(data))
	for i, v := range data {
		out[i] = float32(v)
	}
	return out
}

// int32s returns the named integer array.
func (c fixtureCase) int32s(t *testing.T, name string) []int32 {
	t.Helper()
	v, ok := c.Ints[name]
	if !ok {
		t.Fatalf("case %s: no ints %q", c.Name, name)
	}
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

// scalar returns the named scalar argument.
func (c fixtureCase) scalar(t *testing.T, name string) float64 {
	t.Helper()
	v, ok := c.Scalars[name]
	if !ok {
		t.Fatalf("case %s: no scalar %q", c.Name, name)
	}
	return v
}

// check compares got (with shape gotShape) against the fixture tensor name
// within golden.Tol.
func (c fixtureCase) check(t *testing.T, name string, got []float32, gotShape []int) {
	t.Helper()
	want, shape := c.want(t, name)
	if !slices.Equal(gotShape, shape) {
		t.Errorf("case %s: %s shape %v, want %v", c.Name, name, gotShape, shape)
		return
	}
	if e := golden.RelErr(got, want); !(e < golden.Tol) {
		t.Errorf("case %s: %s relative error %.3g, want < %g", c.Name, name, e, golden.Tol)
	}
}
