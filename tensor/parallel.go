package tensor

import (
	"runtime"

	"github.com/vigil-ml/vigil/tensor/internal/workers"
)

// kernelArgs carries the operands of a kernel split across goroutines. The
// tape owns one and reuses it, so handing work to the pool allocates nothing.
type kernelArgs struct {
	f    [6][]float32
	ids  []int32
	i    [4]int
	s    [4]float32
	attn attnLayout // attention kernels' sequences

	n, nChunks, perChunk int // set by dispatch and parallelScratch
}

// kernelFunc processes items [lo, hi) of a kernel whose operands are in k.
// It must write only to outputs that belong to those items.
type kernelFunc func(k *kernelArgs, lo, hi int)

// minParallelWork is the estimated work (items × cost per item, in rough
// nanoseconds) below which a kernel runs on the calling goroutine: handing
// a chunk to another goroutine costs about a microsecond.
const minParallelWork = 64 << 10

// kernel returns the tape's cleared argument block for the next parallel call.
func (t *Tape) kernel() *kernelArgs {
	t.kern = kernelArgs{}
	return &t.kern
}

// parallel runs fn over items [0, n) with the tape's argument block, split
// into contiguous chunks whose boundaries depend only on n, cost and
// GOMAXPROCS. cost is the rough work per item in nanoseconds.
func (t *Tape) parallel(n, cost int, fn kernelFunc) {
	t.dispatch(n, t.chunks(n, cost), fn)
}

// parallelScratch is parallel for kernels that need working space: it
// places perChunk zeroed floats per chunk in k.f[5] (so the kernel's own
// operands use f[0] to f[4]), which a kernel finds with k.scratch(lo).
func (t *Tape) parallelScratch(n, cost, perChunk int, fn kernelFunc) {
	chunks := t.chunks(n, cost)
	t.kern.f[5], t.kern.perChunk = t.arena.Floats(chunks*perChunk), perChunk
	t.dispatch(n, chunks, fn)
}

// scratch returns the working space of the chunk that starts at item lo.
// Chunk c starts at floor(c·n/chunks) and n ≥ chunks, so c is the one
// integer in [lo·chunks/n, (lo+1)·chunks/n), i.e. ceil(lo·chunks/n).
func (k *kernelArgs) scratch(lo int) []float32 {
	c := (lo*k.nChunks + k.n - 1) / k.n
	return k.f[5][c*k.perChunk : (c+1)*k.perChunk]
}

// chunks returns how many chunks n items of the given cost are split into.
func (t *Tape) chunks(n, cost int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n*max(cost, 1)/minParallelWork, n))
}

// dispatch runs fn over [0, n) in the given number of chunks, the first on
// the calling goroutine, and waits for all of them.
func (t *Tape) dispatch(n, chunks int, fn kernelFunc) {
	t.kern.n, t.kern.nChunks = max(n, 1), chunks
	if chunks == 1 {
		fn(&t.kern, 0, n)
		return
	}
	if t.chunk == nil {
		t.chunk = t.runChunk // made once: a method value allocates
	}
	t.kernFn = fn
	workers.Run(chunks, &t.wg, t.chunk)
	t.kernFn = nil
}

// runChunk runs chunk c of the kernel dispatch is running.
func (t *Tape) runChunk(c int) {
	lo, hi := workers.Bounds(c, t.kern.nChunks, t.kern.n)
	t.kernFn(&t.kern, lo, hi)
}
