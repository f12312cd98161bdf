// Command benchgemm measures package gemm on the shapes the transformer uses and prints one
// line per measurement:
//
//	gemm <NN|NT|TN> <M>x<N>x<K> threads=<t> gflops=<x> peak=<y>
//
// where x is the median over -reps timed repetitions and y the median FMA throughput of the
// same instruction set on t goroutines, timed in turns with x so that both see the same load
// on a shared machine.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-ml/vigil/tensor/gemm"
)

var shapes = [][3]int{{1024, 256, 256}, {1024, 1024, 256}, {1024, 256, 1024}, {1024, 1024, 1024}, {4096, 8000, 256}}

var variants = []struct {
	name           string
	transA, transB bool
}{{"NN", false, false}, {"NT", false, true}, {"TN", true, false}}

func main() {
	reps := flag.Int("reps", 7, "timed repetitions per measurement; the median is printed")
	rep := flag.Duration("rep", 100*time.Millisecond, "minimum duration of one repetition")
	threadList := flag.String("threads", "1,2", "comma-separated thread counts to measure")
	only := flag.String("only", "", "comma-separated products to measure, such as NN or TN/1024x1024x1024; empty measures all")
	flag.Parse()
	if *reps < 1 {
		fmt.Fprintln(os.Stderr, "benchgemm: -reps must be at least 1")
		os.Exit(2)
	}
	var threadCounts []int
	for f := range strings.SplitSeq(*threadList, ",") {
		t, err := strconv.Atoi(f)
		if err != nil || t < 1 {
			fmt.Fprintf(os.Stderr, "benchgemm: -threads: %q is not a positive count\n", f)
			os.Exit(2)
		}
		threadCounts = append(threadCounts, t)
	}
	fmt.Fprintf(os.Stderr, "kernel %s\n", gemm.Kernel())
	for _, threads := range threadCounts {
		for _, sh := range shapes {
			for _, v := range variants {
				if !selected(*only, v.name, sh) {
					continue
				}
				s := gemm.Shape{M: sh[0], N: sh[1], K: sh[2], TransA: v.transA, TransB: v.transB, Threads: threads}
				rate := gemmRate(s, *rep)
				gs, ps := make([]float64, *reps), make([]float64, *reps)
				for i := range *reps {
					ps[i] = peak(threads, *rep)
					gs[i] = rate()
				}
				fmt.Printf("gemm %s %dx%dx%d threads=%d gflops=%.1f peak=%.1f\n",
					v.name, sh[0], sh[1], sh[2], threads, median(gs), median(ps))
			}
		}
	}
}

// selected reports whether the filter only, a comma-separated list of operations ("NN"),
// shapes ("1024x256x256") or both ("TN/1024x256x256"), selects operation op on shape sh.
func selected(only, op string, sh [3]int) bool {
	if only == "" {
		return true
	}
	dims := fmt.Sprintf("%dx%dx%d", sh[0], sh[1], sh[2])
	for f := range strings.SplitSeq(only, ",") {
		if f == op || f == dims || f == op+"/"+dims {
			return true
		}
	}
	return false
}

// median returns the median of xs, reordering them.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// gemmRate returns a function that times Gemm on s for at least d and returns GFLOP/s.
func gemmRate(s gemm.Shape, d time.Duration) func() float64 {
	a := make([]float32, s.M*s.K)
	b := make([]float32, s.K*s.N)
	c := make([]float32, s.M*s.N)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	gemm.Gemm(c, a, b, s, 1, 0)
	flops := 2 * float64(s.M) * float64(s.N) * float64(s.K)
	return func() float64 {
		n := 0
		start := time.Now()
		for time.Since(start) < d || n == 0 {
			gemm.Gemm(c, a, b, s, 1, 0)
			n++
		}
		return flops * float64(n) / time.Since(start).Seconds() / 1e9
	}
}

// peak runs the FMA loop on threads goroutines at once for at least d and returns GFLOP/s.
func peak(threads int, d time.Duration) float64 {
	// Long enough that starting the goroutines (up to 0.1 ms) costs little.
	const iters = 1 << 21
	var flops int64
	start := time.Now()
	for time.Since(start) < d {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range threads {
			wg.Go(func() {
				f := gemm.PeakLoop(iters)
				mu.Lock()
				flops += f
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	return float64(flops) / time.Since(start).Seconds() / 1e9
}
