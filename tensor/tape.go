package tensor

import (
	"fmt"

	"github.com/vigil-ml/vigil/tensor/internal/workers"
)

// Tape records operations during a forward pass so that Backward can replay
// their gradients in reverse. Temporaries come from the tape's Arena; call
// Reset between steps to recycle them.
//
// A Tape records nothing while gradients are disabled (see SetGrad) or when no
// input of an operation requires a gradient, so inference costs only the
// forward computation. A Tape is not safe for concurrent use.
//
// Each operation is a method that computes its result into an arena tensor
// (t.output), records itself with t.record (which returns nil when nothing
// needs a gradient, so the forward pass saves no state), and names a
// top-level backward function. A backward function reads o.out.Grad and adds
// (+=, never =) into the buffers t.gradOf returns for its inputs, skipping
// inputs for which gradOf returns nil. Large loops go through t.parallel with
// a top-level kernel and the argument block from t.kernel, which allocates
// nothing; kernels must not start parallel work themselves.
type Tape struct {
	arena  Arena
	ops    []op
	noGrad bool
	done   bool // Backward has run since the last Reset
	kern   kernelArgs
	kernFn kernelFunc    // the kernel being dispatched
	chunk  func(c int)   // t.runChunk, made once
	wg     workers.Group // counts the chunks of a parallel kernel in flight
}

// backwardFunc propagates o.out.Grad into the gradients of o's inputs. Each
// operation supplies one as a top-level function, so recording an operation
// stores a function pointer and allocates nothing.
type backwardFunc func(t *Tape, o *op)

// op is one recorded operation. The slices of op records are reused across
// steps; each operation documents which fields it sets.
type op struct {
	back backwardFunc
	out  *Tensor
	in   [6]*Tensor   // operands, in the operation's own order
	f    [4][]float32 // saved buffers, e.g. softmax probabilities or statistics
	ids  []int32      // index operands such as token ids or class targets
	i    [4]int       // small integer arguments
	s    [4]float32   // small float arguments
	attn attnLayout   // attention's sequences
}

// NewTape returns an empty tape with gradients enabled.
func NewTape() *Tape { return &Tape{} }

// Arena returns the tape's arena, for callers that need step-scoped buffers.
func (t *Tape) Arena() *Arena { return &t.arena }

// New returns a zeroed step-scoped tensor that requires no gradient, e.g. for
// a batch's inputs or attention mask. It is valid until Reset.
func (t *Tape) New(shape ...int) *Tensor { return t.arena.Tensor(shape...) }

// SetGrad enables or disables recording and returns the previous setting.
// With recording disabled operations run forward only, as under
// torch.no_grad.
func (t *Tape) SetGrad(enabled bool) (previous bool) {
	previous = !t.noGrad
	t.noGrad = !enabled
	return previous
}

// GradEnabled reports whether operations are being recorded.
func (t *Tape) GradEnabled() bool { return !t.noGrad }

// Len returns the number of recorded operations.
func (t *Tape) Len() int { return len(t.ops) }

// Reset forgets the recorded operations and recycles the arena. Every tensor
// the tape produced becomes invalid; parameters and their gradients are
// untouched.
func (t *Tape) Reset() {
	clear(t.ops)
	t.ops = t.ops[:0]
	t.done = false
	t.arena.Reset()
}

// Backward computes the gradient of the scalar loss with respect to every
// tensor that requires one, accumulating into parameter gradients (+=).
// It panics if loss has more than one element.
func (t *Tape) Backward(loss *Tensor) {
	if loss.Size() != 1 {
		panic(fmt.Sprintf("tensor: Backward: loss has shape %v, want one element", loss.Shape))
	}
	t.BackwardWith(loss, []float32{1})
}

// BackwardWith is Backward with an explicit upstream gradient for out, which
// must have out's size. It lets a tensor other than a scalar loss seed the
// backward pass, as torch.Tensor.backward(gradient) does.
//
// A tape's operations are replayed once: a second call before Reset panics,
// since it would add the intermediate gradients again. To back-propagate
// several losses, add them (Add) and call Backward on the sum.
func (t *Tape) BackwardWith(out *Tensor, grad []float32) {
	if len(grad) != out.Size() {
		panic(fmt.Sprintf("tensor: BackwardWith: gradient has %d values, tensor %v has %d",
			len(grad), out.Shape, out.Size()))
	}
	if t.done {
		panic("tensor: Backward called twice without Reset")
	}
	t.done = true
	g := t.gradOf(out)
	if g == nil {
		return
	}
	for i, v := range grad {
		g[i] += v
	}
	for i := len(t.ops) - 1; i >= 0; i-- {
		o := &t.ops[i]
		if o.out.Grad != nil {
			o.back(t, o)
		}
	}
}

// record appends an operation producing out from in and marks out as
// requiring a gradient. It returns nil, recording nothing, when gradients are
// disabled or no input requires one; the caller then skips saving state.
func (t *Tape) record(back backwardFunc, out *Tensor, in ...*Tensor) *op {
	if t.noGrad {
		return nil
	}
	need := false
	for _, x := range in {
		if x != nil && x.requiresGrad {
			need = true
			break
		}
	}
	if !need {
		return nil
	}
	out.requiresGrad = true
	t.ops = append(t.ops, op{back: back, out: out})
	o := &t.ops[len(t.ops)-1]
	copy(o.in[:], in)
	return o
}

// gradOf returns x's gradient buffer, allocating a zeroed one from the arena
// on first use, or nil when x requires no gradient (so backward passes can
// skip that input).
func (t *Tape) gradOf(x *Tensor) []float32 {
	if x == nil || !x.requiresGrad {
		return nil
	}
	if x.Grad == nil {
		x.Grad = t.arena.Floats(len(x.Data))
	}
	return x.Grad
}

// output returns an arena tensor for an operation's result, which the
// operation must overwrite in full: its contents are undefined.
func (t *Tape) output(shape ...int) *Tensor { return t.arena.rawTensor(shape...) }
