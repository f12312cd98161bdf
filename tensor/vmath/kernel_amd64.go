package vmath

import "golang.org/x/sys/cpu"

var (
	avx512Kernel = &kernel{
		name: "avx512", exp: expAVX512, tanh: tanhAVX512, erf: erfAVX512, gelu: geluAVX512,
		geluGrad: geluGradAVX512, expSubSum: expSubSumAVX512, adamW: adamWAVX512,
		dropout: dropoutAVX512, dropoutAdd: dropoutAddAVX512, sumSquares: sumSquaresAVX512,
	}
	avx2Kernel = &kernel{
		name: "avx2", exp: expAVX2, tanh: tanhAVX2, erf: erfAVX2, gelu: geluAVX2,
		geluGrad: geluGradAVX2, expSubSum: expSubSumAVX2, adamW: adamWAVX2,
		dropout: dropoutAVX2, dropoutAdd: dropoutAddAVX2, sumSquares: sumSquaresAVX2,
	}
)

// supported lists the kernels this CPU can run, fastest first. The AVX-512 kernel also needs
// AVX512DQ, for the 64-bit multiplies of DropoutMask; every AVX-512 CPU since Skylake has it.
func supported() []*kernel {
	var ks []*kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ {
		ks = append(ks, avx512Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, genericKernel)
}
