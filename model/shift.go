package model

import (
	"fmt"
	"math"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/vmath"
)

// InputShift moves the word embeddings the encoder looks up, so that training can resist a
// worst-case change of each sequence's input: the fast gradient method of Miyato et al. (2017) on
// the embedded sequence. Set it as Model.Shift. A forward pass at rest keeps its lookup; after the
// backward pass of that forward pass, Aim sets each sequence's change to Epsilon·g/|g|, g being the
// gradient of the loss with respect to the embeddings that sequence looked up, and the next forward
// passes of the same batch add it, until Rest.
type InputShift struct {
	Epsilon float64 // length of each sequence's change

	seen   *tensor.Tensor // the lookup of the last forward pass at rest, [rows, hidden]
	starts []int32        // the first row of each of its sequences, then the row count
	delta  []float32      // the change Aim set, laid out as seen's data
	aimed  bool
}

// shift returns the word lookup x the encoder goes on with: x plus the change when aimed, x itself
// (kept for Aim) at rest. starts holds the first row of each sequence of x, then x's row count.
func (s *InputShift) shift(t *tensor.Tape, x *tensor.Tensor, starts []int32) *tensor.Tensor {
	if !s.aimed {
		s.seen, s.starts = x, append(s.starts[:0], starts...)
		return x
	}
	if len(s.delta) != len(x.Data) {
		panic(fmt.Sprintf("model: InputShift aimed for %d values, forward pass looks up %d: Rest between batches", len(s.delta), len(x.Data)))
	}
	d := t.New(x.Shape...)
	copy(d.Data, s.delta)
	return t.Add(x, d)
}

// Aim sets the change from the gradient of the lookup kept by the last forward pass, whose backward
// pass must have run and whose tape must not have been reset. It reports whether any sequence has a
// change: false when Epsilon is 0, when nothing was kept, or when the gradient vanished.
func (s *InputShift) Aim() bool {
	if s.seen == nil || s.seen.Grad == nil || !(s.Epsilon > 0) {
		return false
	}
	g, h := s.seen.Grad, s.seen.Shape[len(s.seen.Shape)-1]
	s.delta = append(s.delta[:0], g...)
	moved := false
	for i := range len(s.starts) - 1 {
		seq := s.delta[int(s.starts[i])*h : int(s.starts[i+1])*h]
		sq := vmath.SumSquares(seq)
		if sq == 0 || math.IsNaN(sq) || math.IsInf(sq, 0) {
			clear(seq)
			continue
		}
		scale := float32(s.Epsilon / math.Sqrt(sq))
		for j := range seq {
			seq[j] *= scale
		}
		moved = true
	}
	s.aimed = moved
	return moved
}

// Rest takes the change away and forgets the kept lookup, so later forward passes see the clean
// inputs.
func (s *InputShift) Rest() {
	s.seen, s.aimed = nil, false
}
