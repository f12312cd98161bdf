package gemm

import "golang.org/x/sys/cpu"

//go:generate go run ./internal/gen -out .

var (
	avx512Kernel = &kernel{name: "avx512", mr: 12, nr: 32, tile: tileAVX512,
		peak: peakLoop(peakAVX512, peakAVX512Flops), transpose8: transpose8AVX2, packA: packSlivers(packAAVX512, 12), packB: packSlivers(packBAVX512, 32)}
	avx2Kernel = &kernel{name: "avx2", mr: 6, nr: 16, tile: tileAVX2,
		peak: peakLoop(peakAVX2, peakAVX2Flops), transpose8: transpose8AVX2, packA: packSlivers(packAAVX2, 6), packB: packSlivers(packBAVX2, 16)}
)

// supported lists the kernels this CPU can run, fastest first.
func supported() []*kernel {
	var ks []*kernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, genericKernel)
}

// tileAVX512 and tileAVX2 adapt the generated kernels to kernel.tile: A in place has
// contiguous k (csa == 1), packed A has contiguous rows (rsa == 1).
func tileAVX512(kc int, a []float32, rsa, csa int, b, c []float32, ldc int, alpha, beta float32, load bool) {
	if csa == 1 {
		tileAVX512RowMajor(kc, &a[0], rsa, &b[0], &c[0], ldc, alpha, beta, load)
		return
	}
	tileAVX512KMajor(kc, &a[0], csa, &b[0], &c[0], ldc, alpha, beta, load)
}

func tileAVX2(kc int, a []float32, rsa, csa int, b, c []float32, ldc int, alpha, beta float32, load bool) {
	if csa == 1 {
		tileAVX2RowMajor(kc, &a[0], rsa, &b[0], &c[0], ldc, alpha, beta, load)
		return
	}
	tileAVX2KMajor(kc, &a[0], csa, &b[0], &c[0], ldc, alpha, beta, load)
}

func transpose8AVX2(dst []float32, ldd int, src []float32, lds, kc int) {
	_, _ = dst[(kc-1)*ldd+7], src[7*lds+kc-1]
	packT8AVX2(&dst[0], ldd, &src[0], lds, kc)
}

// packSlivers adapts a generated copy of width-float slivers to kernel.packA or kernel.packB.
func packSlivers(copySlivers func(dst, src *float32, ld, kc, n int), width int) func(dst, src []float32, ld, kc, n int) {
	return func(dst, src []float32, ld, kc, n int) {
		_, _ = dst[n*kc*width-1], src[(kc-1)*ld+n*width-1]
		copySlivers(&dst[0], &src[0], ld, kc, n)
	}
}

// peakLoop adapts a generated FMA loop doing flops per iteration to kernel.peak.
func peakLoop(loop func(iters int), flops int) func(int) int64 {
	return func(iters int) int64 {
		loop(iters)
		return int64(max(iters, 0)) * int64(flops)
	}
}
