package tensor

import "math"

// Arena hands out float32 buffers and tensor headers that stay valid until
// Reset. It keeps its memory across resets: once a step with fixed shapes has
// run, later steps reuse the same memory and allocate nothing.
//
// An Arena is not safe for concurrent use.
type Arena struct {
	floats  slab[float32]
	ints    slab[int]
	int32s  slab[int32]
	headers []*[headerBlock]Tensor
	nHeader int
}

const (
	floatChunk  = 1 << 20 // minimum float chunk: 4 MiB
	intChunk    = 1 << 10
	headerBlock = 256
)

// Floats returns a zeroed slice of n float32s.
func (a *Arena) Floats(n int) []float32 {
	s := a.floats.take(n, floatChunk)
	clear(s)
	return s
}

// poisonRaw makes rawFloats fill its buffers with NaN, so that tests catch an
// operation that reads an output element it never wrote.
var poisonRaw = false

// rawFloats returns a slice of n float32s holding whatever the arena's memory
// held, for outputs the caller overwrites in full: clearing them first would
// cost a pass over memory for nothing.
func (a *Arena) rawFloats(n int) []float32 {
	s := a.floats.take(n, floatChunk)
	if poisonRaw {
		for i := range s {
			s[i] = float32(math.NaN())
		}
	}
	return s
}

// Tensor returns a zeroed tensor of the given shape. The shape slice is
// copied.
func (a *Arena) Tensor(shape ...int) *Tensor {
	t := a.rawTensor(shape...)
	clear(t.Data)
	return t
}

// rawTensor is Tensor with rawFloats' contents instead of zeros.
func (a *Arena) rawTensor(shape ...int) *Tensor {
	t := a.header()
	t.Shape = a.ints.take(len(shape), intChunk)
	copy(t.Shape, shape)
	t.Data = a.rawFloats(checkedSize(shape))
	return t
}

// Int32s returns a zeroed slice of n int32s, e.g. for a step's token ids.
func (a *Arena) Int32s(n int) []int32 {
	s := a.int32s.take(n, intChunk)
	clear(s)
	return s
}

// Bytes reports the float32 capacity the arena holds, in bytes.
func (a *Arena) Bytes() int { return 4 * a.floats.capacity() }

// Reset releases everything handed out since the last Reset. Slices and
// tensors obtained earlier must not be used afterwards.
func (a *Arena) Reset() {
	a.floats.reset()
	a.ints.reset()
	a.int32s.reset()
	for i := range a.nHeader {
		a.headers[i/headerBlock][i%headerBlock] = Tensor{}
	}
	a.nHeader = 0
}

// header returns a cleared tensor header.
func (a *Arena) header() *Tensor {
	b, i := a.nHeader/headerBlock, a.nHeader%headerBlock
	if b == len(a.headers) {
		a.headers = append(a.headers, new([headerBlock]Tensor))
	}
	a.nHeader++
	return &a.headers[b][i]
}

// slab is a bump allocator over a list of chunks. When a step needed more
// than one chunk, reset merges them into one chunk of the combined size, so
// the next identical step is served from a single chunk without allocating.
type slab[T any] struct {
	chunks [][]T
	cur    int // index of the chunk being filled
	off    int // next free element in chunks[cur]
	used   int // elements handed out since reset, including chunk tails skipped
}

func (s *slab[T]) take(n, minChunk int) []T {
	for s.cur < len(s.chunks) {
		c := s.chunks[s.cur]
		if s.off+n <= len(c) {
			out := c[s.off : s.off+n : s.off+n]
			s.off += n
			s.used += n
			return out
		}
		s.used += len(c) - s.off
		s.cur++
		s.off = 0
	}
	c := make([]T, max(n, minChunk))
	s.chunks = append(s.chunks, c)
	s.cur = len(s.chunks) - 1
	s.off = n
	s.used += n
	return c[:n:n]
}

func (s *slab[T]) capacity() int {
	n := 0
	for _, c := range s.chunks {
		n += len(c)
	}
	return n
}

func (s *slab[T]) reset() {
	if len(s.chunks) > 1 {
		s.chunks = [][]T{make([]T, s.used)}
	}
	s.cur, s.off, s.used = 0, 0, 0
}
