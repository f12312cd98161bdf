package tensor

import (
	"fmt"
	"slices"
)

// Tensor is a dense row-major float32 array with a shape.
//
// Grad is non-nil only for tensors that take part in differentiation:
// parameters (allocated on creation) and intermediate results whose gradient
// Backward actually needed (allocated lazily from the arena).
type Tensor struct {
	Data  []float32
	Shape []int
	Grad  []float32
	// Name identifies parameters, e.g. by their Hugging Face name.
	Name string

	requiresGrad bool
}

// New returns a zeroed heap tensor that does not require a gradient,
// suitable for constant inputs that outlive a step.
func New(shape ...int) *Tensor {
	return &Tensor{Data: make([]float32, checkedSize(shape)), Shape: slices.Clone(shape)}
}

// FromData wraps data (not copied) as a tensor of the given shape. It returns
// an error when the sizes disagree.
func FromData(data []float32, shape ...int) (*Tensor, error) {
	if n := checkedSize(shape); n != len(data) {
		return nil, fmt.Errorf("tensor: %d values do not fill shape %v (%d)", len(data), shape, n)
	}
	return &Tensor{Data: data, Shape: slices.Clone(shape)}, nil
}

// NewParam returns a zeroed trainable parameter with a gradient buffer.
func NewParam(name string, shape ...int) *Tensor {
	n := checkedSize(shape)
	return &Tensor{
		Data:         make([]float32, n),
		Shape:        slices.Clone(shape),
		Grad:         make([]float32, n),
		Name:         name,
		requiresGrad: true,
	}
}

// RequiresGrad reports whether gradients flow into t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// Size returns the number of elements.
func (t *Tensor) Size() int { return len(t.Data) }

// Dims returns the number of dimensions.
func (t *Tensor) Dims() int { return len(t.Shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.Shape)
	}
	return t.Shape[i]
}

// ZeroGrad clears the gradient, if any.
func (t *Tensor) ZeroGrad() { clear(t.Grad) }

// String describes the tensor briefly, without its values.
func (t *Tensor) String() string {
	if t.Name != "" {
		return fmt.Sprintf("%s%v", t.Name, t.Shape)
	}
	return fmt.Sprintf("tensor%v", t.Shape)
}

// FillNormal sets every element to a draw from N(mean, std²), like
// torch.Tensor.normal_.
func (t *Tensor) FillNormal(r *RNG, mean, std float32) {
	for i := range t.Data {
		t.Data[i] = mean + std*float32(r.Normal())
	}
}

// FillUniform sets every element to a draw from U[lo, hi), like
// torch.Tensor.uniform_.
func (t *Tensor) FillUniform(r *RNG, lo, hi float32) {
	for i := range t.Data {
		t.Data[i] = lo + (hi-lo)*r.Float32()
	}
}

// Fill sets every element to v.
func (t *Tensor) Fill(v float32) {
	for i := range t.Data {
		t.Data[i] = v
	}
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b *Tensor) bool { return slices.Equal(a.Shape, b.Shape) }

// maxDims is the rank up to which operations build shapes without
// allocating.
const maxDims = 8

// checkedSize returns the element count of shape, panicking on negative dims.
func checkedSize(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension %d in a shape", d))
		}
		n *= d
	}
	return n
}
