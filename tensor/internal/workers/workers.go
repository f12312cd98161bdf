// Package workers runs the chunks of a parallel loop on a fixed set of goroutines shared by the
// tensor packages, so that splitting a kernel across cores starts no goroutine and allocates
// nothing.
package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Group counts the chunks of one Run call that are still running. A caller keeps one and reuses
// it across calls.
type Group struct {
	pending atomic.Int64
}

// Bounds returns the items [lo, hi) of chunk c when n items are split into chunks contiguous
// chunks. The bounds depend only on the three numbers, so a split never depends on timing.
func Bounds(c, chunks, n int) (lo, hi int) { return c * n / chunks, (c + 1) * n / chunks }

// task is one chunk of a loop.
type task struct {
	fn func(c int)
	c  int
	g  *Group
}

var (
	start sync.Once
	queue chan task
)

// Run calls fn(c) for every chunk c in [0, n), chunk 0 on the calling goroutine and the others on
// worker goroutines started on first use and kept for the life of the process, like the runtime's
// own background workers, and returns when all are done. fn should be a func value made once
// rather than per call, so that a call allocates nothing. fn must not call Run itself.
//
// The caller waits for the other chunks by polling g and yielding its processor: the chunks are
// of equal size and finish within microseconds of its own, and a blocking wait would allocate
// now and then (the runtime's wait-queue entries).
func Run(n int, g *Group, fn func(c int)) {
	if n <= 1 {
		if n == 1 {
			fn(0)
		}
		return
	}
	start.Do(func() {
		queue = make(chan task, runtime.NumCPU())
		for range runtime.NumCPU() {
			go func() {
				for t := range queue {
					t.fn(t.c)
					t.g.pending.Add(-1)
				}
			}()
		}
	})
	g.pending.Store(int64(n - 1))
	for c := 1; c < n; c++ {
		queue <- task{fn: fn, c: c, g: g}
	}
	fn(0)
	for g.pending.Load() > 0 {
		runtime.Gosched()
	}
}
