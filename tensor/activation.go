package tensor

import "github.com/vigil-ml/vigil/tensor/vmath"

// GELU returns 0.5·x·(1+erf(x/√2)) elementwise: the exact Gaussian error
// linear unit used by BERT, as torch.nn.functional.gelu with its default
// approximate='none'.
func (t *Tape) GELU(x *Tensor) *Tensor {
	out := t.output(x.Shape...)
	k := t.kernel()
	k.f[0], k.f[1] = out.Data, x.Data
	t.parallel(len(x.Data), geluCost, geluKernel)
	t.record(backGELU, out, x)
	return out
}

// backGELU: in = (x).
func backGELU(t *Tape, o *op) {
	dx := t.gradOf(o.in[0])
	if dx == nil {
		return
	}
	k := t.kernel()
	k.f[0], k.f[1], k.f[2] = dx, o.out.Grad, o.in[0].Data
	t.parallelScratch(len(dx), geluCost, geluStage, geluGradKernel)
}

// Tanh returns tanh(x) elementwise (the BERT pooler's activation).
func (t *Tape) Tanh(x *Tensor) *Tensor {
	out := t.output(x.Shape...)
	k := t.kernel()
	k.f[0], k.f[1] = out.Data, x.Data
	t.parallel(len(x.Data), tanhCost, tanhKernel)
	t.record(backTanh, out, x)
	return out
}

// backTanh: in = (x). The derivative 1-tanh² comes from the saved output.
func backTanh(t *Tape, o *op) {
	dx := t.gradOf(o.in[0])
	if dx == nil {
		return
	}
	k := t.kernel()
	k.f[0], k.f[1], k.f[2] = dx, o.out.Grad, o.out.Data
	t.parallel(len(dx), 2, tanhGradKernel)
}

// Rough per-element costs in nanoseconds of the vectorised kernels, for
// splitting work across goroutines.
const (
	geluCost = 2
	tanhCost = 2
)

// geluKernel sets f0 = GELU(f1).
func geluKernel(k *kernelArgs, lo, hi int) { vmath.GELU(k.f[0][lo:hi], k.f[1][lo:hi]) }

// geluStage is the number of elements geluGradKernel stages at a time: a
// cache-resident block of its chunk's scratch space.
const geluStage = 1024

// geluGradKernel sets f0 += f1·GELU'(f2). vmath.GELUGrad overwrites its
// destination, so each block of products is staged in the chunk's scratch
// space and then added.
func geluGradKernel(k *kernelArgs, lo, hi int) {
	stage := k.scratch(lo)
	for ; lo < hi; lo += len(stage) {
		end := min(lo+len(stage), hi)
		g := stage[:end-lo]
		vmath.GELUGrad(g, k.f[1][lo:end], k.f[2][lo:end])
		for i, v := range g {
			k.f[0][lo+i] += v
		}
	}
}

// tanhKernel sets f0 = tanh(f1).
func tanhKernel(k *kernelArgs, lo, hi int) { vmath.Tanh(k.f[0][lo:hi], k.f[1][lo:hi]) }

// tanhGradKernel sets f0 += f1·(1-f2²), where f2 = tanh(x).
func tanhGradKernel(k *kernelArgs, lo, hi int) {
	dx, dy, y := k.f[0][lo:hi], k.f[1][lo:hi], k.f[2][lo:hi]
	for i, g := range dy {
		dx[i] += g * (1 - y[i]*y[i])
	}
}
