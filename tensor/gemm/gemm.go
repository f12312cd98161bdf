// Package gemm multiplies float32 matrices stored row-major: dst = alpha·op(A)·op(B) + beta·dst.
//
// The driver blocks the product for the caches, packs B into panels as wide as the
// micro-kernel's tile, reads row-major A in place (transposed A is packed), and splits dst
// into a fixed set of disjoint blocks, one per goroutine; when A is transposed, the
// goroutines pack it once between them. K is never split across goroutines and block boundaries
// depend only on the shape, so results are bit-identical from run to run and for any thread
// count.
//
// The micro-kernels are amd64 assembly for AVX-512 and AVX2 with FMA, written by the
// generator in internal/gen (go generate), and a portable Go one. The fastest the CPU
// supports is chosen at start-up; the environment variable VIGIL_GEMM=avx512|avx2|generic
// overrides the choice.
package gemm

import (
	"fmt"
	"runtime"
)

// Shape describes dst (M×N) = alpha·op(A)·op(B) + beta·dst, op(A) M×K, op(B) K×N, row-major.
type Shape struct {
	M, N, K        int
	TransA, TransB bool // A stored K×M when TransA; B stored N×K when TransB
	LDA, LDB, LDC  int  // leading dimensions (row strides); 0 means dense
	Threads        int  // 0: GOMAXPROCS goroutines; 1: run on the calling goroutine (for callers that parallelise outside)
}

// Gemm computes dst = alpha·op(A)·op(B) + beta·dst for the matrices described by s.
// When beta is 0, dst is overwritten without being read, so it may hold NaN or Inf.
// It panics if a slice is too short for its shape or the shape itself is invalid.
func Gemm(dst, a, b []float32, s Shape, alpha, beta float32) {
	s = s.resolved()
	s.check(len(dst), len(a), len(b))
	if s.M == 0 || s.N == 0 {
		return
	}
	if s.K == 0 || alpha == 0 {
		scale(dst, s, beta)
		return
	}
	run(active.Load(), dst, a, b, s, alpha, beta)
}

// resolved returns s with dense leading dimensions filled in and Threads made concrete.
func (s Shape) resolved() Shape {
	if s.LDA == 0 {
		s.LDA = s.aCols()
	}
	if s.LDB == 0 {
		s.LDB = s.bCols()
	}
	if s.LDC == 0 {
		s.LDC = s.N
	}
	if s.Threads == 0 {
		s.Threads = runtime.GOMAXPROCS(0)
	}
	return s
}

// aCols is the number of columns of A as stored.
func (s Shape) aCols() int {
	if s.TransA {
		return s.M
	}
	return s.K
}

// aRows is the number of rows of A as stored.
func (s Shape) aRows() int {
	if s.TransA {
		return s.K
	}
	return s.M
}

// bCols is the number of columns of B as stored.
func (s Shape) bCols() int {
	if s.TransB {
		return s.K
	}
	return s.N
}

// bRows is the number of rows of B as stored.
func (s Shape) bRows() int {
	if s.TransB {
		return s.N
	}
	return s.K
}

// check panics with a descriptive message when s or the slice lengths are inconsistent.
func (s Shape) check(lenDst, lenA, lenB int) {
	if s.M < 0 || s.N < 0 || s.K < 0 {
		panic(fmt.Sprintf("gemm: negative dimension in M=%d N=%d K=%d", s.M, s.N, s.K))
	}
	if s.Threads < 0 {
		panic(fmt.Sprintf("gemm: negative Threads %d", s.Threads))
	}
	checkOperand("dst", lenDst, s.M, s.N, s.LDC)
	if s.M == 0 || s.N == 0 {
		return
	}
	checkOperand("a", lenA, s.aRows(), s.aCols(), s.LDA)
	checkOperand("b", lenB, s.bRows(), s.bCols(), s.LDB)
}

// checkOperand panics unless a rows×cols matrix with row stride ld fits in n elements.
func checkOperand(name string, n, rows, cols, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("gemm: %s leading dimension %d is less than its %d columns", name, ld, cols))
	}
	if need := (rows-1)*ld + cols; n < need {
		panic(fmt.Sprintf("gemm: %s has %d elements, a %dx%d matrix with stride %d needs %d", name, n, rows, cols, ld, need))
	}
}

// scale sets dst = beta·dst, writing zeros without reading dst when beta is 0.
func scale(dst []float32, s Shape, beta float32) {
	for i := range s.M {
		row := dst[i*s.LDC : i*s.LDC+s.N]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// region is a rectangle of dst, [m0,m1)×[n0,n1), computed by one goroutine.
type region struct{ m0, m1, n0, n1 int }

// split is a partition of dst into n regions of whole tiles along M or N. Boundaries fall on
// tile multiples counted from zero, so every output element sees the same tile position and
// arithmetic whatever the split.
type split struct {
	n      int  // number of regions
	alongN bool // whether N is divided (else M)
	tiles  int  // tiles along the divided dimension
	tile   int  // tile length along it
	size   int  // the divided dimension, M or N
}

// partition chooses how to split dst among at most threads goroutines. It divides N, so
// that each goroutine packs only its own columns of B and reads row-major A in place or
// shares the packing of transposed A with the others (see team), unless N has too few tiles
// to go round and M more.
func partition(k *kernel, s Shape, threads int) split {
	tm := (s.M + k.mr - 1) / k.mr
	tn := (s.N + k.nr - 1) / k.nr
	// Below about a megaflop per goroutine the start-up costs more than the split saves.
	if work := 2 * s.M * s.N * s.K; work < threads<<20 {
		threads = max(1, work>>20)
	}
	alongN := tn >= 2*threads || tm <= tn
	if alongN {
		return split{n: min(threads, tn), alongN: true, tiles: tn, tile: k.nr, size: s.N}
	}
	return split{n: min(threads, tm), tiles: tm, tile: k.mr, size: s.M}
}

// region returns the part of an M×N dst that goroutine t computes.
func (p split) region(t, m, n int) region {
	lo := p.tiles * t / p.n * p.tile
	hi := min(p.tiles*(t+1)/p.n*p.tile, p.size)
	if p.alongN {
		return region{0, m, lo, hi}
	}
	return region{lo, hi, 0, n}
}

// run computes the product with kernel k, one goroutine per region.
func run(k *kernel, dst, a, b []float32, s Shape, alpha, beta float32) {
	p := partition(k, s, s.Threads)
	if p.n == 1 {
		compute(k, dst, a, b, s, alpha, beta, region{0, s.M, 0, s.N}, nil, 0)
		return
	}
	runParallel(k, dst, a, b, s, alpha, beta, p)
}
