package gemm

import (
	"fmt"
	"sync"
	"testing"
)

var benchShapes = []struct{ m, n, k int }{
	{1024, 256, 256}, {1024, 1024, 256}, {1024, 256, 1024}, {1024, 1024, 1024}, {4096, 8000, 256},
}

func BenchmarkGemm(b *testing.B) {
	for _, sh := range benchShapes {
		for _, v := range variants[:3] {
			for _, threads := range []int{1, 2} {
				name := fmt.Sprintf("%s/%dx%dx%d/threads=%d", v.name, sh.m, sh.n, sh.k, threads)
				b.Run(name, func(b *testing.B) {
					s := Shape{M: sh.m, N: sh.n, K: sh.k, TransA: v.transA, TransB: v.transB, Threads: threads}
					x := make([]float32, sh.m*sh.k)
					y := make([]float32, sh.k*sh.n)
					dst := make([]float32, sh.m*sh.n)
					for i := range x {
						x[i] = float32(i%7) - 3
					}
					for i := range y {
						y[i] = float32(i%5) - 2
					}
					for b.Loop() {
						Gemm(dst, x, y, s, 1, 0)
					}
					flops := 2 * float64(sh.m) * float64(sh.n) * float64(sh.k) * float64(b.N)
					b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkPeak measures the FMA ceiling. Each goroutine runs about 5 ms per operation so
// that starting it (up to 0.1 ms) costs little.
func BenchmarkPeak(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			var flops int64
			for b.Loop() {
				var wg sync.WaitGroup
				var mu sync.Mutex
				for range threads {
					wg.Go(func() {
						f := PeakLoop(1 << 21)
						mu.Lock()
						flops += f
						mu.Unlock()
					})
				}
				wg.Wait()
			}
			b.ReportMetric(float64(flops)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
