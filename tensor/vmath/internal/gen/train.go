package main

import (
	"bytes"
	"fmt"
	"log"
)

// The kernels of training's updates, AdamW, DropoutMask and SumSquares, are not maps of one
// vector to another: AdamW writes three slices, DropoutMask carries a 64-bit counter from one
// vector to the next and SumSquares works in float64. Each has a fixed register plan, written
// out below for both instruction sets, and returns the same bits as its Go kernel: AdamW and
// DropoutMask use only exactly rounded operations (no fused multiply-add).

// SplitMix64's constants: the counter's increment and the finaliser's two multipliers.
const (
	weylStep = 0x9e3779b97f4a7c15
	mix1     = 0xbf58476d1ce4e5b9
	mix2     = 0x94d049bb133111eb
)

// Offsets into vmdrop<>, the 64-bit constants of the dropout kernels.
const (
	dropLanes   = 0   // eight counter offsets k·weylStep, k = 0..7
	dropStep512 = 64  // 8·weylStep, the counter's advance per AVX-512 vector
	dropStep2   = 72  // 4·weylStep, the advance per AVX2 vector
	dropMix1    = 80  // mix1 and its high half
	dropMix2    = 96  // mix2 and its high half
	dropSign    = 112 // 0x80000000, which turns an unsigned compare into a signed one
	dropSize    = 120
)

// asm writes instructions for one kernel with a fixed register plan.
type asm struct {
	isa
	w *bytes.Buffer
}

func (a asm) i(format string, args ...any) { fmt.Fprintf(a.w, "\t"+format+"\n", args...) }

// begin writes the header of kernel name with signature sig, whose arguments and results
// take frame bytes, and its Go declaration into d.
func (a asm) begin(d *bytes.Buffer, name, sig string, frame int) {
	fmt.Fprintf(d, "\n//go:noescape\nfunc %s%s\n", name, sig)
	fmt.Fprintf(a.w, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, frame)
}

// loop writes the loop over CX elements: body(false) on whole vectors, advancing the
// pointers ptrs, then body(true) once on the remaining elements under the tail mask (K1
// for AVX-512, Y15 for AVX2), which it sets up. It clobbers AX and BX.
func (a asm) loop(ptrs []string, body func(masked bool)) {
	fmt.Fprintln(a.w, "loop:")
	a.i("CMPQ CX, $%d", a.width)
	a.i("JLT tail")
	body(false)
	for _, p := range ptrs {
		a.i("ADDQ $%d, %s", 4*a.width, p)
	}
	a.i("SUBQ $%d, CX", a.width)
	a.i("JMP loop")
	fmt.Fprintln(a.w, "tail:")
	a.i("TESTQ CX, CX")
	a.i("JZ done")
	if a.avx512 {
		a.i("MOVL $1, AX")
		a.i("SHLL CX, AX")
		a.i("DECL AX")
		a.i("KMOVW AX, K1")
	} else {
		a.i("LEAQ vmtail<>(SB), AX")
		a.i("MOVQ $8, BX")
		a.i("SUBQ CX, BX")
		a.i("VMOVUPS (AX)(BX*4), Y15")
	}
	body(true)
	fmt.Fprintln(a.w, "done:")
	a.i("VZEROUPPER")
	a.i("RET")
}

// load writes vector register r from (ptr), masked to the tail if masked.
func (a asm) load(ptr, r string, masked bool) {
	switch {
	case !masked:
		a.i("VMOVUPS (%s), %s", ptr, r)
	case a.avx512:
		a.i("VMOVUPS.Z (%s), K1, %s", ptr, r)
	default:
		a.i("VMASKMOVPS (%s), Y15, %s", ptr, r)
	}
}

// store writes vector register r to (ptr), masked to the tail if masked.
func (a asm) store(r, ptr string, masked bool) {
	switch {
	case !masked:
		a.i("VMOVUPS %s, (%s)", r, ptr)
	case a.avx512:
		a.i("VMOVUPS %s, K1, (%s)", r, ptr)
	default:
		a.i("VMASKMOVPS %s, Y15, (%s)", r, ptr)
	}
}

// emitAdamW writes adamW<ISA>(p, m, v, g []float32, c AdamWCoef), the register form of
// adamWGeneric in the Go code.
func (x isa) emitAdamW(s, d *bytes.Buffer) {
	a := asm{isa: x, w: s}
	a.begin(d, "adamW"+x.name, "(p, m, v, g []float32, c AdamWCoef)", 128)
	ptrs := []string{"DI", "SI", "DX", "R8"}
	for k, n := range []string{"p", "m", "v", "g"} {
		a.i("MOVQ %s_base+%d(FP), %s", n, 24*k, ptrs[k])
	}
	a.i("MOVQ g_len+80(FP), CX")
	// The coefficients stay in registers from c0 on: Z16-Z23, or Y7-Y14 below the tail mask.
	c0 := 16
	if !x.avx512 {
		c0 = 7
	}
	coef := map[string]string{}
	for k, f := range []string{"Keep", "Beta1", "Beta1C", "Beta2", "Beta2C", "BC2Sqrt", "Eps", "StepSize"} {
		coef[f] = x.v(c0 + k)
		a.i("VBROADCASTSS c_%s+%d(FP), %s", f, 96+4*k, coef[f])
	}
	g, m, v, p, t, dn := x.v(0), x.v(1), x.v(2), x.v(3), x.v(4), x.v(5)
	a.loop(ptrs, func(masked bool) {
		a.load("R8", g, masked)
		a.load("SI", m, masked)
		a.i("VMULPS %s, %s, %s", coef["Beta1"], m, m)
		a.i("VMULPS %s, %s, %s", coef["Beta1C"], g, t)
		a.i("VADDPS %s, %s, %s", t, m, m)
		a.store(m, "SI", masked)
		a.load("DX", v, masked)
		a.i("VMULPS %s, %s, %s", coef["Beta2"], v, v)
		a.i("VMULPS %s, %s, %s", coef["Beta2C"], g, t)
		a.i("VMULPS %s, %s, %s", g, t, t)
		a.i("VADDPS %s, %s, %s", t, v, v)
		a.store(v, "DX", masked)
		a.i("VSQRTPS %s, %s", v, dn)
		a.i("VDIVPS %s, %s, %s", coef["BC2Sqrt"], dn, dn)
		a.i("VADDPS %s, %s, %s", coef["Eps"], dn, dn)
		a.i("VMULPS %s, %s, %s", coef["StepSize"], m, t)
		a.i("VDIVPS %s, %s, %s", dn, t, t)
		a.load("DI", p, masked)
		a.i("VMULPS %s, %s, %s", coef["Keep"], p, p)
		a.i("VSUBPS %s, %s, %s", t, p, p)
		a.store(p, "DI", masked)
	})
}

// emitDropout writes dropout<ISA> (dropoutAdd<ISA> if add) of the Go code's kernel table:
// DropoutMask for an even start whose first pair's counter value is weyl.
//
// One 64-bit lane of a vector holds the counter, then the hash, of the pair of elements that
// its two 32-bit lanes will hold; swapping the halves of each lane puts the high 32 bits of
// the hash in the even element's lane. AVX-512 multiplies 64-bit lanes with VPMULLQ; AVX2
// builds the low 64 bits of each product from three 32×32-bit VPMULUDQ products.
func (x isa) emitDropout(s, d *bytes.Buffer, add bool) {
	a := asm{isa: x, w: s}
	name := "dropout"
	if add {
		name += "Add"
	}
	a.begin(d, name+x.name, "(dst, src []float32, weyl uint64, threshold uint32, scale float32)", 64)
	a.i("MOVQ dst_base+0(FP), DI")
	a.i("MOVQ src_base+24(FP), SI")
	a.i("MOVQ src_len+32(FP), CX")
	xor := "VPXOR"
	if x.avx512 {
		xor = "VPXORQ"
	}
	// Registers: the counters w and their advance per vector, threshold, scale and the
	// SplitMix64 multipliers (with their high halves for AVX2), then scratch from 0.
	w, step, thr, scale := "Z16", "Z17", "Z20", "Z21"
	advance, mix, mixAt := dropStep512, []string{"Z18", "Z19"}, []int{dropMix1, dropMix2}
	if !x.avx512 {
		w, step, thr, scale = "Y8", "Y9", "Y14", "Y7"
		advance, mix = dropStep2, []string{"Y10", "Y11", "Y12", "Y13"}
		mixAt = []int{dropMix1, dropMix1 + 8, dropMix2, dropMix2 + 8}
	}
	a.i("VPBROADCASTQ weyl+48(FP), %s", w)
	a.i("VPADDQ vmdrop<>+%d(SB), %s, %s", dropLanes, w, w)
	a.i("VPBROADCASTQ vmdrop<>+%d(SB), %s", advance, step)
	for k, r := range mix {
		a.i("VPBROADCASTQ vmdrop<>+%d(SB), %s", mixAt[k], r)
	}
	a.i("VBROADCASTSS threshold+56(FP), %s", thr)
	a.i("VBROADCASTSS scale+60(FP), %s", scale)
	sign := "Y6"
	if !x.avx512 {
		a.i("VPBROADCASTD vmdrop<>+%d(SB), %s", dropSign, sign)
		a.i("VPXOR %s, %s, %s", sign, thr, thr)
	}
	// mul sets z = z·mix[k] mod 2⁶⁴, using t and u as scratch. Without VPMULLQ the product is
	// lo·mixLo + (hi·mixLo + lo·mixHi)·2³², with lo and hi the halves of z.
	mul := func(z, t, u string, k int) {
		if x.avx512 {
			a.i("VPMULLQ %s, %s, %s", mix[k], z, z)
			return
		}
		lo, hi := mix[2*k], mix[2*k+1]
		a.i("VPSRLQ $32, %s, %s", z, t)
		a.i("VPMULUDQ %s, %s, %s", lo, t, t)
		a.i("VPMULUDQ %s, %s, %s", hi, z, u)
		a.i("VPADDQ %s, %s, %s", u, t, t)
		a.i("VPSLLQ $32, %s, %s", t, t)
		a.i("VPMULUDQ %s, %s, %s", lo, z, z)
		a.i("VPADDQ %s, %s, %s", t, z, z)
	}
	z, t, u, f := x.v(0), x.v(1), x.v(2), x.v(3)
	a.loop([]string{"DI", "SI"}, func(masked bool) {
		a.i("VPSRLQ $30, %s, %s", w, z)
		a.i("%s %s, %s, %s", xor, w, z, z)
		mul(z, t, u, 0)
		a.i("VPSRLQ $27, %s, %s", z, t)
		a.i("%s %s, %s, %s", xor, t, z, z)
		mul(z, t, u, 1)
		a.i("VPSRLQ $31, %s, %s", z, t)
		a.i("%s %s, %s, %s", xor, t, z, z)
		a.i("VPADDQ %s, %s, %s", step, w, w)
		a.i("VPSHUFD $0xb1, %s, %s", z, z)
		if x.avx512 {
			a.i("VPCMPUD $5, %s, %s, K2", thr, z)
			a.i("VMOVAPS.Z %s, K2, %s", scale, f)
		} else {
			a.i("VPXOR %s, %s, %s", sign, z, z)
			a.i("VPCMPGTD %s, %s, %s", z, thr, t)
			a.i("VPANDN %s, %s, %s", scale, t, f)
		}
		a.load("SI", t, masked)
		a.i("VMULPS %s, %s, %s", f, t, t)
		if add {
			a.load("DI", u, masked)
			a.i("VADDPS %s, %s, %s", t, u, t)
		}
		a.store(t, "DI", masked)
	})
}

// dropData writes vmdrop<>, the constant table at the offsets above.
func dropData(w *bytes.Buffer) {
	var q []uint64
	step := uint64(weylStep)
	for k := range uint64(8) {
		q = append(q, k*step)
	}
	q = append(q, 8*step, 4*step, mix1, mix1>>32, mix2, mix2>>32, 1<<31)
	if 8*len(q) != dropSize {
		log.Fatal("gen: vmdrop<> does not match its offsets")
	}
	fmt.Fprintln(w)
	for k, v := range q {
		fmt.Fprintf(w, "DATA vmdrop<>+%d(SB)/8, $%#016x\n", 8*k, v)
	}
	fmt.Fprintf(w, "GLOBL vmdrop<>(SB), RODATA|NOPTR, $%d\n", dropSize)
}

// emitSumSquares writes sumSquares<ISA>(x []float32) float64, the register form of
// sumSquaresGeneric in the Go code for len(x) a multiple of 16: the float64 squares go into
// 16 partial sums (two 8-lane or four 4-lane accumulators), folded pairwise at the end. The
// squares of float32 values are exact in float64, so fusing them into the sums changes nothing.
func (x isa) emitSumSquares(s, d *bytes.Buffer) {
	a := asm{isa: x, w: s}
	a.begin(d, "sumSquares"+x.name, "(x []float32) float64", 32)
	a.i("MOVQ x_base+0(FP), SI")
	a.i("MOVQ x_len+8(FP), CX")
	n := 16 / (x.width / 2) // accumulators of width/2 float64 lanes
	for k := range n {
		a.i("VXORPD %s, %s, %s", x.v(k), x.v(k), x.v(k))
	}
	fmt.Fprintln(s, "loop:")
	a.i("CMPQ CX, $16")
	a.i("JLT done")
	for k := range n {
		a.i("VCVTPS2PD %d(SI), %s", 2*x.width*k, x.v(n+k))
	}
	for k := range n {
		a.i("VFMADD231PD %s, %s, %s", x.v(n+k), x.v(n+k), x.v(k))
	}
	a.i("ADDQ $64, SI")
	a.i("SUBQ $16, CX")
	a.i("JMP loop")
	fmt.Fprintln(s, "done:")
	if x.avx512 {
		a.i("VADDPD Z1, Z0, Z0")
		a.i("VEXTRACTF64X4 $1, Z0, Y1")
	} else {
		a.i("VADDPD Y2, Y0, Y0")
		a.i("VADDPD Y3, Y1, Y1")
	}
	a.i("VADDPD Y1, Y0, Y0")
	a.i("VEXTRACTF128 $1, Y0, X1")
	a.i("VADDPD X1, X0, X0")
	a.i("VUNPCKHPD X0, X0, X1")
	a.i("VADDSD X1, X0, X0")
	a.i("VMOVSD X0, ret+24(FP)")
	a.i("VZEROUPPER")
	a.i("RET")
}
