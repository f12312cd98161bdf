package main

import (
	"bytes"
	"fmt"
	"log"
	"strings"
)

// isa describes one instruction set's vector registers.
type isa struct {
	name   string // suffix of the generated functions
	reg    string // vector register prefix: "Z" or "Y"
	width  int    // float32 lanes per register
	avx512 bool
	pool   int // registers 0..pool-1 are free for function bodies
}

// Registers outside the pools: AVX2 keeps the tail mask in Y15 and ExpSubSum's
// max and accumulators in Y12-Y14; AVX-512 keeps its tail mask in K1 and
// ExpSubSum's max and accumulator in Z30 and Z31.
var isas = []isa{
	{name: "AVX512", reg: "Z", width: 16, avx512: true, pool: 30},
	{name: "AVX2", reg: "Y", width: 8, pool: 12},
}

// function is one exported operation: its arguments and its per-vector body.
type function struct {
	name string   // prefix of the generated function
	ins  []string // input slices after dst
	sum  bool     // ExpSubSum: also takes max and returns Σ dst
	// body computes the result from one register per input and returns its register.
	body func(b *body, in []string) string
}

var functions = []function{
	{name: "exp", ins: []string{"x"}, body: func(b *body, in []string) string { return b.exp(in[0], "") }},
	{name: "tanh", ins: []string{"x"}, body: (*body).tanh},
	{name: "erf", ins: []string{"x"}, body: (*body).erf},
	{name: "gelu", ins: []string{"x"}, body: (*body).gelu},
	{name: "geluGrad", ins: []string{"dy", "x"}, body: (*body).geluGrad},
	{name: "expSubSum", ins: []string{"x"}, sum: true, body: (*body).expSub},
}

// body writes instructions and hands out registers.
type body struct {
	isa
	cs    *consts
	w     *bytes.Buffer
	used  []bool
	kused [8]bool
	max   string // ExpSubSum's broadcast max
}

// i writes one instruction. On AVX-512 an instruction whose source operand is a constant
// broadcasts it: moves become VBROADCASTSS and other operations take the .BCST form.
func (b *body) i(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	op, rest, _ := strings.Cut(line, " ")
	src := rest
	if strings.HasPrefix(src, "$") {
		_, src, _ = strings.Cut(src, " ")
	}
	if b.avx512 && strings.HasPrefix(src, "vmconst4<>") {
		if op == "VMOVUPS" {
			op = "VBROADCASTSS"
		} else {
			op += ".BCST"
		}
		line = op + " " + rest
	}
	fmt.Fprintf(b.w, "\t%s\n", line)
}

// v names vector register i.
func (x isa) v(i int) string { return fmt.Sprintf("%s%d", x.reg, i) }

func (b *body) alloc() string {
	for i, u := range b.used {
		if !u {
			b.used[i] = true
			return b.v(i)
		}
	}
	log.Fatalf("gen: out of %s registers", b.name)
	return ""
}

func (b *body) release(rs ...string) {
	for _, r := range rs {
		var i int
		fmt.Sscanf(strings.TrimPrefix(r, b.reg), "%d", &i)
		b.used[i] = false
	}
}

// c is the memory operand of a vector constant.
func (b *body) c(name string) string { return b.cs.mem(name, b.avx512) }

// load returns a new register holding constant name.
func (b *body) load(name string) string {
	r := b.alloc()
	b.i("VMOVUPS %s, %s", b.c(name), r)
	return r
}

func (b *body) and(m, x, d string) {
	if b.avx512 {
		b.i("VPANDD %s, %s, %s", m, x, d)
	} else {
		b.i("VPAND %s, %s, %s", m, x, d)
	}
}

func (b *body) or(m, x, d string) {
	if b.avx512 {
		b.i("VPORD %s, %s, %s", m, x, d)
	} else {
		b.i("VPOR %s, %s, %s", m, x, d)
	}
}

// copySign sets the sign of the non-negative r to that of x.
func (b *body) copySign(r, x string) {
	t := b.alloc()
	b.and(b.c("signMask"), x, t)
	b.or(t, r, r)
	b.release(t)
}

// less returns a lane mask of x < constant c (false for NaN).
func (b *body) less(x, c string) string {
	if b.avx512 {
		k := b.kalloc()
		b.i("VCMPPS $1, %s, %s, %s", b.c(c), x, k)
		return k
	}
	m := b.alloc()
	b.i("VCMPPS $1, %s, %s, %s", b.c(c), x, m)
	return m
}

func (b *body) kalloc() string {
	for i := 2; i < len(b.kused); i++ {
		if !b.kused[i] {
			b.kused[i] = true
			return fmt.Sprintf("K%d", i)
		}
	}
	log.Fatal("gen: out of mask registers")
	return ""
}

// blend sets d = m ? t : f and releases the mask m.
func (b *body) blend(m, f, t, d string) {
	if b.avx512 {
		b.i("VBLENDMPS %s, %s, %s, %s", t, f, m, d)
		b.kused[m[1]-'0'] = false
		return
	}
	b.i("VBLENDVPS %s, %s, %s, %s", m, t, f, d)
	b.release(m)
}

// blendSign sets d = signbit(x) ? t : f.
func (b *body) blendSign(x, f, t, d string) {
	if b.avx512 {
		k := b.kalloc()
		b.i("VPTESTMD %s, %s, %s", b.c("signMask"), x, k)
		b.blend(k, f, t, d)
		return
	}
	b.i("VBLENDVPS %s, %s, %s, %s", x, t, f, d)
}

// horner returns a new register with polynomial name evaluated at x.
func (b *body) horner(name string, x string) string {
	n := b.cs.polyLen[name]
	p := b.load(fmt.Sprintf("%s%d", name, n-1))
	for k := n - 2; k >= 0; k-- {
		b.i("VFMADD213PS %s, %s, %s", b.c(fmt.Sprintf("%s%d", name, k)), x, p)
	}
	return p
}

// exp returns a new register with e^(a+lo), where lo is "" or a small correction to a.
// It clobbers a. See expParts in the Go code for the algorithm.
func (b *body) exp(a, lo string) string {
	b.i("// e^x = 2^n·p(r)")
	t := b.load("expMax")
	b.i("VMINPS %s, %s, %s", a, t, a)
	b.i("VMOVUPS %s, %s", b.c("expMin"), t)
	b.i("VMAXPS %s, %s, %s", a, t, a)
	b.i("VMOVUPS %s, %s", b.c("roundMagic"), t)
	b.i("VFMADD231PS %s, %s, %s", b.c("log2e"), a, t)
	n := b.alloc()
	b.i("VSUBPS %s, %s, %s", b.c("roundMagic"), t, n)
	b.i("VFNMADD231PS %s, %s, %s", b.c("ln2Hi"), n, a)
	b.i("VFNMADD231PS %s, %s, %s", b.c("ln2Lo"), n, a)
	if lo != "" {
		b.i("VADDPS %s, %s, %s", lo, a, a)
	}
	p := b.horner("exp", a)
	if b.avx512 {
		b.i("VSCALEFPS %s, %s, %s", n, p, p)
	} else {
		b.i("VPSUBD %s, %s, %s", b.c("roundMagicBits"), t, t)
		b.i("VPSRAD $1, %s, %s", t, n)
		b.i("VPSUBD %s, %s, %s", n, t, t)
		for _, r := range []string{n, t} {
			b.i("VPADDD %s, %s, %s", b.c("expBias"), r, r)
			b.i("VPSLLD $23, %s, %s", r, r)
			b.i("VMULPS %s, %s, %s", r, p, p)
		}
	}
	b.release(t, n)
	return p
}

func (b *body) tanh(in []string) string {
	x := in[0]
	s := b.alloc()
	b.and(b.c("absMask"), x, s)
	u := b.alloc()
	b.i("VMULPS %s, %s, %s", x, x, u)
	small := b.alloc()
	b.i("VMULPS %s, %s, %s", u, x, small)
	p := b.horner("tanh", u)
	b.i("VFMADD213PS %s, %s, %s", x, p, small)
	b.release(u, p)
	a := b.alloc()
	b.i("VADDPS %s, %s, %s", s, s, a)
	e := b.exp(a, "")
	b.release(a)
	b.i("VADDPS %s, %s, %s", b.c("one"), e, e)
	q := b.load("two")
	b.i("VDIVPS %s, %s, %s", e, q, q)
	b.i("VMOVUPS %s, %s", b.c("one"), e)
	b.i("VSUBPS %s, %s, %s", q, e, e)
	b.release(q)
	b.blend(b.less(s, "tanhSmall"), e, small, e)
	b.copySign(e, x)
	b.release(s, small)
	return e
}

// erfParts is the register form of erfParts in the Go code. It returns new registers
// holding s = min(|x|, tailMax), z = k·s, erf(z) for small z, e^{-z²} and erfc(z)·e^{z²}.
func (b *body) erfParts(x string, gelu bool) (s, z, small, g, tq string) {
	b.i("// erf(z) ≈ z + z·P(z²)")
	s = b.alloc()
	b.and(b.c("absMask"), x, s)
	t := b.load("tailMax")
	b.i("VMINPS %s, %s, %s", s, t, s)
	b.release(t)
	z = s
	negK2, halfK := "minusOne", "half"
	if gelu {
		z = b.alloc()
		b.i("VMULPS %s, %s, %s", b.c("geluK"), s, z)
		negK2, halfK = "minusHalf", "geluHalfK"
	}
	u := b.alloc()
	b.i("VMULPS %s, %s, %s", z, z, u)
	small = b.horner("erf", u)
	b.i("VFMADD213PS %s, %s, %s", z, z, small)
	b.release(u)
	b.i("// e^{-z²} with z² split exactly into hi + lo")
	hi := b.alloc()
	b.i("VMULPS %s, %s, %s", s, s, hi)
	lo := b.alloc()
	b.i("VMOVUPS %s, %s", hi, lo)
	b.i("VFMSUB231PS %s, %s, %s", s, s, lo)
	b.i("VMULPS %s, %s, %s", b.c(negK2), hi, hi)
	b.i("VMULPS %s, %s, %s", b.c(negK2), lo, lo)
	g = b.exp(hi, lo)
	b.release(hi, lo)
	b.i("// erfc(z)·e^{z²} ≈ t·Q(t), t = 1/(1+z/2)")
	d := b.load("one")
	b.i("VFMADD231PS %s, %s, %s", b.c(halfK), s, d)
	tt := b.load("one")
	b.i("VDIVPS %s, %s, %s", d, tt, tt)
	b.release(d)
	tq = b.horner("erfc", tt)
	b.i("VMULPS %s, %s, %s", tt, tq, tq)
	b.release(tt)
	return s, z, small, g, tq
}

func (b *body) erf(in []string) string {
	x := in[0]
	s, z, small, g, tq := b.erfParts(x, false)
	b.i("VMULPS %s, %s, %s", tq, g, g)
	r := b.load("one")
	b.i("VSUBPS %s, %s, %s", g, r, r)
	b.blend(b.less(z, "erfSmall"), r, small, r)
	b.copySign(r, x)
	b.release(s, small, g, tq)
	return r
}

// phiSmall returns a new register with Φ(x) = ½ + ½·erf(x/√2) from small = erf(|x|/√2).
func (b *body) phiSmall(x, small string) string {
	b.copySign(small, x)
	ps := b.load("half")
	b.i("VFMADD231PS %s, %s, %s", b.c("half"), small, ps)
	return ps
}

func (b *body) gelu(in []string) string {
	x := in[0]
	s, z, small, g, tq := b.erfParts(x, true)
	ps := b.phiSmall(x, small)
	b.i("VMULPS %s, %s, %s", b.c("half"), tq, tq)
	b.i("VMULPS %s, %s, %s", tq, g, g)
	pl := b.load("one")
	b.i("VSUBPS %s, %s, %s", g, pl, pl)
	b.blendSign(x, pl, g, pl)
	b.blend(b.less(z, "geluSmall"), pl, ps, pl)
	r := b.load("tailMin")
	b.i("VMAXPS %s, %s, %s", x, r, r)
	b.i("VMULPS %s, %s, %s", pl, r, r)
	b.release(s, z, small, g, tq, ps, pl)
	return r
}

func (b *body) geluGrad(in []string) string {
	dy, x := in[0], in[1]
	s, z, small, g, tq := b.erfParts(x, true)
	ps := b.phiSmall(x, small)
	gs := b.alloc()
	b.i("VMULPS %s, %s, %s", b.c("invSqrt2Pi"), x, gs)
	b.i("VFMADD213PS %s, %s, %s", ps, g, gs)
	b.i("VMULPS %s, %s, %s", b.c("half"), tq, tq)
	b.i("VFNMADD231PS %s, %s, %s", b.c("invSqrt2Pi"), s, tq)
	b.i("VMULPS %s, %s, %s", g, tq, tq)
	gl := b.load("one")
	b.i("VSUBPS %s, %s, %s", tq, gl, gl)
	b.blendSign(x, gl, tq, gl)
	b.blend(b.less(z, "geluSmall"), gl, gs, gl)
	b.i("VMULPS %s, %s, %s", dy, gl, gl)
	b.release(s, z, small, g, tq, ps, gs)
	return gl
}

// expSub is the register form of expSub in the Go code: e^(x-max) with x-max split exactly
// into a rounded difference and its rounding error.
func (b *body) expSub(in []string) string {
	x := in[0]
	d := b.alloc()
	b.i("VSUBPS %s, %s, %s", b.max, x, d)
	bv := b.alloc()
	b.i("VSUBPS %s, %s, %s", x, d, bv)
	lo := b.alloc()
	b.i("VSUBPS %s, %s, %s", bv, d, lo)
	b.i("VSUBPS %s, %s, %s", lo, x, lo)
	b.i("VADDPS %s, %s, %s", b.max, bv, bv)
	b.i("VSUBPS %s, %s, %s", bv, lo, lo)
	b.i("VMINPS %s, %s, %s", b.c("subLoMax"), lo, lo)
	b.i("VMAXPS %s, %s, %s", b.c("subLoMin"), lo, lo)
	e := b.exp(d, lo)
	b.release(d, bv, lo)
	return e
}

// emit writes f's assembly for x into s and its Go declaration into d.
func (x isa) emit(s, d *bytes.Buffer, cs *consts, f function) {
	name := f.name + x.name
	params := "dst, " + strings.Join(f.ins, ", ") + " []float32"
	frame := 24 * (1 + len(f.ins))
	if f.sum {
		params += ", max float32) float32"
		frame = 60
	} else {
		params += ")"
	}
	fmt.Fprintf(d, "\n//go:noescape\nfunc %s(%s\n", name, params)
	fmt.Fprintf(s, "\n// func %s(%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, params, name, frame)

	b := &body{isa: x, cs: cs, w: s, used: make([]bool, x.pool)}
	ptr := []string{"SI", "DX"}
	b.i("MOVQ dst_base+0(FP), DI")
	for k, in := range f.ins {
		b.i("MOVQ %s_base+%d(FP), %s", in, 24*(k+1), ptr[k])
	}
	last := f.ins[len(f.ins)-1]
	b.i("MOVQ %s_len+%d(FP), CX", last, 24*len(f.ins)+8)
	var acc []string
	if f.sum {
		b.max = x.v(30)
		acc = []string{x.v(31)}
		if !x.avx512 {
			b.max, acc = x.v(12), []string{x.v(13), x.v(14)}
		}
		b.i("VBROADCASTSS max+48(FP), %s", b.max)
		for _, a := range acc {
			if x.avx512 {
				b.i("VPXORD %s, %s, %s", a, a, a) // VXORPS on zmm would need AVX512DQ
			} else {
				b.i("VXORPS %s, %s, %s", a, a, a)
			}
		}
	}
	// step processes one full vector at byte offset off, adding it into acc when summing.
	step := func(off int, acc string) {
		in := make([]string, len(f.ins))
		for k := range in {
			in[k] = b.alloc()
			b.i("VMOVUPS %d(%s), %s", off, ptr[k], in[k])
		}
		r := f.body(b, in)
		b.i("VMOVUPS %s, %d(DI)", r, off)
		if acc != "" {
			b.i("VADDPS %s, %s, %s", r, acc, acc)
		}
		b.release(append(in, r)...)
	}
	// masked processes the CX < width remaining elements, adding them into acc when summing.
	masked := func(acc string) {
		in := make([]string, len(f.ins))
		if x.avx512 {
			b.i("MOVL $1, AX")
			b.i("SHLL CX, AX")
			b.i("DECL AX")
			b.i("KMOVW AX, K1")
			for k := range in {
				in[k] = b.alloc()
				b.i("VMOVUPS.Z (%s), K1, %s", ptr[k], in[k])
			}
		} else {
			b.i("LEAQ vmtail<>(SB), AX")
			b.i("MOVQ $8, BX")
			b.i("SUBQ CX, BX")
			b.i("VMOVUPS (AX)(BX*4), Y15")
			for k := range in {
				in[k] = b.alloc()
				b.i("VMASKMOVPS (%s), Y15, %s", ptr[k], in[k])
			}
		}
		r := f.body(b, in)
		if x.avx512 {
			b.i("VMOVUPS %s, K1, (DI)", r)
			if acc != "" {
				b.i("VADDPS %s, %s, K1, %s", r, acc, acc)
			}
		} else {
			b.i("VMASKMOVPS %s, Y15, (DI)", r)
			if acc != "" {
				b.i("VANDPS Y15, %s, %s", r, r)
				b.i("VADDPS %s, %s, %s", r, acc, acc)
			}
		}
		b.release(append(in, r)...)
	}
	advance := func(n int) {
		for k := range f.ins {
			b.i("ADDQ $%d, %s", 4*n, ptr[k])
		}
		b.i("ADDQ $%d, DI", 4*n)
		b.i("SUBQ $%d, CX", n)
	}

	// Each loop iteration handles one vector per accumulator: 16 elements when summing, so
	// that element i always lands in partial sum i mod 16.
	accs := acc
	if !f.sum {
		accs = []string{""}
	}
	fmt.Fprintln(s, "loop:")
	b.i("CMPQ CX, $%d", x.width*len(accs))
	b.i("JLT tail")
	for j, a := range accs {
		step(4*x.width*j, a)
	}
	advance(x.width * len(accs))
	b.i("JMP loop")
	fmt.Fprintln(s, "tail:")
	if len(accs) == 2 {
		b.i("CMPQ CX, $%d", x.width)
		b.i("JLT last")
		step(0, accs[0])
		advance(x.width)
		b.i("TESTQ CX, CX")
		b.i("JZ done")
		masked(accs[1])
		b.i("JMP done")
		fmt.Fprintln(s, "last:")
	}
	b.i("TESTQ CX, CX")
	b.i("JZ done")
	masked(accs[0])
	fmt.Fprintln(s, "done:")
	if f.sum {
		b.reduce(acc)
	}
	b.i("VZEROUPPER")
	b.i("RET")
	for i, u := range b.used {
		if u {
			log.Fatalf("gen: %s leaks register %d", name, i)
		}
	}
}

// reduce adds the accumulators' lanes in the fixed order of expSubSumGeneric in the Go code:
// lane i += lane i+8, then i+4, i+2, i+1; the total goes to ret.
func (b *body) reduce(acc []string) {
	if b.avx512 {
		b.i("VEXTRACTF64X4 $1, %s, Y1", acc[0])
		b.i("VEXTRACTF64X4 $0, %s, Y0", acc[0])
		b.i("VADDPS Y1, Y0, Y0")
	} else {
		b.i("VADDPS %s, %s, Y0", acc[1], acc[0])
	}
	b.i("VEXTRACTF128 $1, Y0, X1")
	b.i("VADDPS X1, X0, X0")
	b.i("VMOVHLPS X0, X0, X1")
	b.i("VADDPS X1, X0, X0")
	b.i("VMOVSHDUP X0, X1")
	b.i("VADDSS X1, X0, X0")
	b.i("VMOVSS X0, ret+56(FP)")
}
