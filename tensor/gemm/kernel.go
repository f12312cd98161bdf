package gemm

import (
	"fmt"
	"os"
	"sync/atomic"
)

// kernel is a micro-kernel: it computes one mr×nr tile of dst from a sliver of A and a
// packed panel of B.
type kernel struct {
	name   string
	mr, nr int
	// tile sets c = alpha·Σ_p A(r,p)·B(p,col) + beta·c over the mr×nr tile when load is set,
	// and c = alpha·Σ without reading c otherwise. A(r,p) is a[r*rsa+p*csa]; B(p,col) is
	// b[p*nr+col]; c's rows are ldc apart.
	tile func(kc int, a []float32, rsa, csa int, b, c []float32, ldc int, alpha, beta float32, load bool)
	// peak runs iters iterations of a register-only FMA loop and returns the flops done.
	peak func(iters int) int64
	// transpose8, when not nil, sets dst[p*ldd+c] = src[c*lds+p] for c < 8 and p < kc, a
	// multiple of 8: the bulk of packing B stored transposed.
	transpose8 func(dst []float32, ldd int, src []float32, lds, kc int)
	// packA, when not nil, packs n whole slivers of transposed A: it sets
	// dst[s*kc*mr+p*mr+r] = src[p*lda+s*mr+r] for s < n, p < kc, r < mr.
	packA func(dst, src []float32, lda, kc, n int)
	// packB, when not nil, packs n whole panels of row-major B: it sets
	// dst[s*kc*nr+p*nr+c] = src[p*ldb+s*nr+c] for s < n, p < kc, c < nr.
	packB func(dst, src []float32, ldb, kc, n int)
}

// active is the kernel Gemm uses.
var active atomic.Pointer[kernel]

func init() {
	k, err := choose(supported(), os.Getenv("VIGIL_GEMM"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "gemm: %v; using %s\n", err, k.name)
	}
	active.Store(k)
}

// choose returns the kernel named want from ks, the kernels the CPU supports fastest first,
// or ks[0] when want is empty. It also returns ks[0], with an error saying why, when want
// names a kernel the CPU lacks or none at all.
func choose(ks []*kernel, want string) (*kernel, error) {
	if want == "" {
		return ks[0], nil
	}
	for _, k := range ks {
		if k.name == want {
			return k, nil
		}
	}
	if want == "avx512" || want == "avx2" {
		return ks[0], fmt.Errorf("VIGIL_GEMM=%s: this CPU lacks %[1]s", want)
	}
	return ks[0], fmt.Errorf("VIGIL_GEMM=%s: unknown kernel (want avx512, avx2 or generic)", want)
}

// Kernel returns the name of the micro-kernel in use: "avx512", "avx2" or "generic".
// The environment variable VIGIL_GEMM selects one the CPU supports.
func Kernel() string { return active.Load().name }

// PeakLoop runs iters iterations of a loop of independent fused multiply-adds held in
// registers, using the instruction set of the kernel in use, and returns the number of
// floating-point operations done. Timing it gives the core's arithmetic ceiling.
func PeakLoop(iters int) int64 { return active.Load().peak(iters) }
