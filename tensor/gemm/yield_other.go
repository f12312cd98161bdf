//go:build !linux

package gemm

// osYield does nothing where Vigil has no portable way to yield a thread's core.
func osYield() {}
