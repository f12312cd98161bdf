// Package workers runs the chunks of a parallel loop on a fixed set of goroutines shared by the
// tensor packages, so that splitting a kernel across cores starts no goroutine and allocates
// nothing.
package workers

import (
	"runtime"
	"sync"
)

// task is one chunk of a loop.
type task struct {
	fn func(c int)
	c  int
	wg *sync.WaitGroup
}

var (
	start sync.Once
	queue chan task
)

// Run calls fn(c) for every chunk c in [0, n), chunk 0 on the calling goroutine and the others on
// worker goroutines started on first use and kept for the life of the process, like the runtime's
// own background workers, and returns when all are done. wg is the caller's, reused across calls;
// fn should be a func value made once rather than per call, so that a call allocates nothing.
// fn must not call Run itself.
func Run(n int, wg *sync.WaitGroup, fn func(c int)) {
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
					t.wg.Done()
				}
			}()
		}
	})
	wg.Add(n - 1)
	for c := 1; c < n; c++ {
		queue <- task{fn: fn, c: c, wg: wg}
	}
	fn(0)
	wg.Wait()
}
