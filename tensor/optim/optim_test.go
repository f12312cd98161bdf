package optim

import (
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/internal/golden"
)

// optimTol bounds the relative error (see golden.RelErr) against PyTorch's
// float32 optimizers. Both compute in float32 with the same formula; they may
// round differently (fused multiply-adds, reciprocal division), by a few ulp
// per step, so five steps stay far below 1e-5.
const optimTol = 1e-5

func load(t *testing.T, op string) []golden.Case {
	t.Helper()
	cases, err := golden.Load(filepath.Join("..", "testdata", "torch", op+".json"), op)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// param returns a parameter holding the fixture tensor name.
func param(t *testing.T, c golden.Case, name string) *tensor.Tensor {
	t.Helper()
	ft, ok := c.Tensors[name]
	if !ok {
		t.Fatalf("case %s: no tensor %q", c.Name, name)
	}
	p := tensor.NewParam(name, ft.Shape...)
	for i, v := range ft.Data {
		p.Data[i] = float32(v)
	}
	return p
}

func check(t *testing.T, c golden.Case, name string, got []float32) {
	t.Helper()
	if e := golden.RelErr(got, c.Tensors[name].Data); !(e < optimTol) {
		t.Errorf("case %s: %s relative error %.3g, want < %g", c.Name, name, e, optimTol)
	}
}

func TestAdamWMatchesTorch(t *testing.T) {
	for _, c := range load(t, "adamw") {
		p, q := param(t, c, "p0"), param(t, c, "q0")
		gp, gq := param(t, c, "grads_p"), param(t, c, "grads_q")
		opt := NewAdamW([]*tensor.Tensor{p, q}, AdamWConfig{
			LR:          c.Scalars["lr"],
			WeightDecay: c.Scalars["weight_decay"],
			NoDecay:     func(x *tensor.Tensor) bool { return x == q },
		})
		steps := int(c.Scalars["steps"])
		for s := range steps {
			copy(p.Grad, gp.Data[s*p.Size():])
			copy(q.Grad, gq.Data[s*q.Size():])
			opt.Step()
		}
		check(t, c, "p", p.Data)
		check(t, c, "q", q.Data)
		st := opt.State()
		if st.Step != steps {
			t.Errorf("state step %d, want %d", st.Step, steps)
		}
		check(t, c, "m_p", st.M[0])
		check(t, c, "v_p", st.V[0])
		check(t, c, "m_q", st.M[1])
		check(t, c, "v_q", st.V[1])
	}
}

func TestClipGradNormMatchesTorch(t *testing.T) {
	for _, c := range load(t, "clip_grad_norm") {
		a, b := param(t, c, "grad_a"), param(t, c, "grad_b")
		copy(a.Grad, a.Data)
		copy(b.Grad, b.Data)
		norm := ClipGradNorm([]*tensor.Tensor{a, b}, c.Scalars["max_norm"])
		want := c.Tensors["norm"].Data[0]
		if math.Abs(norm-want) > optimTol*want {
			t.Errorf("case %s: norm %v, want %v", c.Name, norm, want)
		}
		check(t, c, "clipped_a", a.Grad)
		check(t, c, "clipped_b", b.Grad)
	}
}

// TestAdamWResumesExactly checks that restoring a saved state into a fresh
// optimizer continues the same trajectory bit for bit.
func TestAdamWResumesExactly(t *testing.T) {
	newRun := func() (*tensor.Tensor, *AdamW) {
		p := tensor.NewParam("p", 8)
		p.FillNormal(tensor.NewRNG(1), 0, 1)
		return p, NewAdamW([]*tensor.Tensor{p}, AdamWConfig{LR: 0.05, WeightDecay: 0.01})
	}
	grad := func(p *tensor.Tensor, step int) {
		for i := range p.Grad {
			p.Grad[i] = p.Data[i] * float32(1+(i+step)%3)
		}
	}
	p, opt := newRun()
	var saved AdamWState
	var savedData []float32
	for s := range 10 {
		if s == 4 {
			st := opt.State()
			saved = AdamWState{Step: st.Step, M: [][]float32{slices.Clone(st.M[0])}, V: [][]float32{slices.Clone(st.V[0])}}
			savedData = slices.Clone(p.Data)
		}
		grad(p, s)
		opt.Step()
	}
	q, opt2 := newRun()
	copy(q.Data, savedData)
	if err := opt2.LoadState(saved); err != nil {
		t.Fatal(err)
	}
	for s := 4; s < 10; s++ {
		grad(q, s)
		opt2.Step()
	}
	if !slices.Equal(p.Data, q.Data) {
		t.Errorf("resumed parameters %v differ from uninterrupted %v", q.Data, p.Data)
	}
}

func TestAdamWLoadStateRejectsMismatch(t *testing.T) {
	opt := NewAdamW([]*tensor.Tensor{tensor.NewParam("p", 3)}, AdamWConfig{LR: 1})
	for _, s := range []AdamWState{
		{Step: -1, M: [][]float32{make([]float32, 3)}, V: [][]float32{make([]float32, 3)}},
		{Step: 1},
		{Step: 1, M: [][]float32{make([]float32, 2)}, V: [][]float32{make([]float32, 3)}},
	} {
		if err := opt.LoadState(s); err == nil {
			t.Errorf("LoadState(%+v) succeeded, want an error", s)
		}
	}
}

func TestSGDAndZeroGrad(t *testing.T) {
	p := tensor.NewParam("p", 2)
	copy(p.Data, []float32{1, -2})
	copy(p.Grad, []float32{0.5, 4})
	var opt Optimizer = NewSGD([]*tensor.Tensor{p}, 0.1)
	opt.Step()
	if want := []float32{0.95, -2.4}; math.Abs(float64(p.Data[0]-want[0])) > 1e-7 || math.Abs(float64(p.Data[1]-want[1])) > 1e-7 {
		t.Errorf("after SGD step: %v, want %v", p.Data, want)
	}
	opt.SetLR(1)
	opt.ZeroGrad()
	opt.Step()
	if p.Grad[0] != 0 || p.Grad[1] != 0 || math.Abs(float64(p.Data[0]-0.95)) > 1e-7 {
		t.Errorf("after ZeroGrad and a step: data %v grad %v, want data unchanged and zero grads", p.Data, p.Grad)
	}
}

func TestClipGradNormLeavesSmallGradients(t *testing.T) {
	p := tensor.NewParam("p", 2)
	copy(p.Grad, []float32{3, 4})
	if n := ClipGradNorm([]*tensor.Tensor{p}, 10); n != 5 || p.Grad[0] != 3 || p.Grad[1] != 4 {
		t.Errorf("ClipGradNorm = %v with grads %v, want 5 and unchanged", n, p.Grad)
	}
	if n := ClipGradNorm([]*tensor.Tensor{p}, 1); n != 5 || math.Abs(float64(p.Grad[0])-0.6) > 1e-6 {
		t.Errorf("ClipGradNorm = %v with grads %v, want 5 and [0.6 0.8]", n, p.Grad)
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	p := tensor.NewParam("p", 100)
	opt := NewAdamW([]*tensor.Tensor{p}, AdamWConfig{LR: 1e-3, WeightDecay: 0.1})
	if n := testing.AllocsPerRun(10, func() {
		ClipGradNorm([]*tensor.Tensor{p}, 1)
		opt.Step()
		opt.ZeroGrad()
	}); n != 0 {
		t.Errorf("optimizer step allocates %v times, want 0", n)
	}
}

// TestAdamWLRScale checks that a multiplier gives a parameter exactly the trajectory of an optimizer
// run at the scaled learning rate, and that 0 freezes it, moments included.
func TestAdamWLRScale(t *testing.T) {
	newParam := func(seed uint64) *tensor.Tensor {
		p := tensor.NewParam("p", 6)
		p.FillNormal(tensor.NewRNG(seed), 0, 1)
		return p
	}
	grad := func(p *tensor.Tensor, step int) {
		for i := range p.Grad {
			p.Grad[i] = p.Data[i]*float32(1+(i+step)%3) - 0.1
		}
	}
	cfg := AdamWConfig{LR: 0.05, WeightDecay: 0.1}
	tests := []struct {
		name  string
		scale []float64
	}{
		{"nil", nil},
		{"mixed", []float64{0.25, 1, 0}},
		{"above one", []float64{2, 0.5, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := []*tensor.Tensor{newParam(1), newParam(2), newParam(3)}
			start := make([][]float32, len(ps))
			for i, p := range ps {
				start[i] = slices.Clone(p.Data)
			}
			opt := NewAdamW(ps, cfg)
			if err := opt.SetLRScale(tc.scale); err != nil {
				t.Fatal(err)
			}
			for s := range 5 {
				for _, p := range ps {
					grad(p, s)
				}
				opt.Step()
			}
			for i, p := range ps {
				scale := 1.0
				if tc.scale != nil {
					scale = tc.scale[i]
				}
				if scale == 0 {
					if !slices.Equal(p.Data, start[i]) || slices.ContainsFunc(opt.State().M[i], func(x float32) bool { return x != 0 }) {
						t.Errorf("parameter %d with multiplier 0 changed", i)
					}
					continue
				}
				q := newParam(uint64(i + 1))
				ref := NewAdamW([]*tensor.Tensor{q}, AdamWConfig{LR: cfg.LR * scale, WeightDecay: cfg.WeightDecay})
				for s := range 5 {
					grad(q, s)
					ref.Step()
				}
				if !slices.Equal(p.Data, q.Data) {
					t.Errorf("parameter %d with multiplier %g: %v, want %v", i, scale, p.Data, q.Data)
				}
			}
		})
	}
	opt := NewAdamW([]*tensor.Tensor{newParam(1)}, cfg)
	for _, bad := range [][]float64{{1, 1}, {-1}, {math.NaN()}, {math.Inf(1)}} {
		if err := opt.SetLRScale(bad); err == nil {
			t.Errorf("SetLRScale(%v): no error", bad)
		}
	}
}

// scalarAdamW is AdamW's update as separate float32 passes, one element at a time: weight decay,
// then the moments and the step. Step must reproduce it bit for bit.
type scalarAdamW struct {
	cfg   AdamWConfig
	decay []bool
	scale []float64
	m, v  [][]float32
	step  int
}

func (o *scalarAdamW) Step(params []*tensor.Tensor) {
	o.step++
	c := o.cfg
	bc1 := 1 - math.Pow(c.Beta1, float64(o.step))
	bc2Sqrt := float32(math.Sqrt(1 - math.Pow(c.Beta2, float64(o.step))))
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	a1, a2 := float32(1-c.Beta1), float32(1-c.Beta2)
	eps := float32(c.Eps)
	for i, p := range params {
		lr := c.LR * o.scale[i]
		if lr == 0 {
			continue
		}
		stepSize := float32(lr / bc1)
		if o.decay[i] {
			keep := float32(1 - lr*c.WeightDecay)
			for j := range p.Data {
				p.Data[j] *= keep
			}
		}
		m, v := o.m[i], o.v[i]
		for j, g := range p.Grad {
			m[j] = m[j]*b1 + a1*g
			v[j] = v[j]*b2 + a2*g*g
			denom := float32(math.Sqrt(float64(v[j])))/bc2Sqrt + eps
			p.Data[j] -= stepSize * m[j] / denom
		}
	}
}

// TestAdamWMatchesScalarForAnyGOMAXPROCS checks that Step equals the scalar update bit for bit,
// whichever way GOMAXPROCS splits it, over parameters with odd sizes that chunks straddle, one
// without decay and one frozen.
func TestAdamWMatchesScalarForAnyGOMAXPROCS(t *testing.T) {
	sizes := []int{50001, 7, 49999, 33}
	scale := []float64{1, 0.5, 0, 2}
	noDecay := 1
	cfg := AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
	newParams := func() []*tensor.Tensor {
		r := tensor.NewRNG(5)
		ps := make([]*tensor.Tensor, len(sizes))
		for i, n := range sizes {
			ps[i] = tensor.NewParam("p", n)
			ps[i].FillNormal(r, 0, 0.02)
		}
		return ps
	}
	grad := func(ps []*tensor.Tensor, step int) {
		for _, p := range ps {
			for j := range p.Grad {
				p.Grad[j] = p.Data[j]*float32(1+(j+step)%5) - 1e-3
			}
		}
	}
	want := newParams()
	ref := &scalarAdamW{cfg: cfg, scale: scale}
	for i, p := range want {
		ref.decay = append(ref.decay, i != noDecay)
		ref.m = append(ref.m, make([]float32, p.Size()))
		ref.v = append(ref.v, make([]float32, p.Size()))
	}
	const steps = 3
	for s := range steps {
		grad(want, s)
		ref.Step(want)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		ps := newParams()
		cfg.NoDecay = func(p *tensor.Tensor) bool { return p == ps[noDecay] }
		opt := NewAdamW(ps, cfg)
		if err := opt.SetLRScale(scale); err != nil {
			t.Fatal(err)
		}
		for s := range steps {
			grad(ps, s)
			opt.Step()
		}
		for i, p := range ps {
			for j := range p.Data {
				if math.Float32bits(p.Data[j]) != math.Float32bits(want[i].Data[j]) ||
					math.Float32bits(opt.m[i][j]) != math.Float32bits(ref.m[i][j]) ||
					math.Float32bits(opt.v[i][j]) != math.Float32bits(ref.v[i][j]) {
					t.Fatalf("GOMAXPROCS %d: parameter %d element %d is %g (m %g, v %g), scalar update gives %g (m %g, v %g)",
						procs, i, j, p.Data[j], opt.m[i][j], opt.v[i][j], want[i].Data[j], ref.m[i][j], ref.v[i][j])
				}
			}
		}
	}
}

// TestClipGradNormForAnyGOMAXPROCS checks that the norm and the clipped gradients do not depend
// on GOMAXPROCS, over gradients whose summation blocks straddle parameters, and that the norm
// is the L2 norm to float64 rounding.
func TestClipGradNormForAnyGOMAXPROCS(t *testing.T) {
	sizes := []int{40000, 3, 30001, 1 << 16}
	newParams := func() []*tensor.Tensor {
		r := tensor.NewRNG(9)
		ps := make([]*tensor.Tensor, len(sizes))
		for i, n := range sizes {
			ps[i] = tensor.NewParam("p", n)
			ps[i].FillNormal(r, 0, float32(i+1))
			copy(ps[i].Grad, ps[i].Data)
		}
		return ps
	}
	var exact float64
	for _, p := range newParams() {
		for _, g := range p.Grad {
			exact += float64(g) * float64(g)
		}
	}
	exact = math.Sqrt(exact)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var firstNorm float64
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		ps := newParams()
		norm := ClipGradNorm(ps, 1)
		if math.Abs(norm-exact) > 1e-12*exact {
			t.Errorf("GOMAXPROCS %d: norm %v, want %v", procs, norm, exact)
		}
		coef := float32(1 / (norm + 1e-6))
		for i, p := range ps {
			for j, g := range p.Grad {
				if g != p.Data[j]*coef {
					t.Fatalf("GOMAXPROCS %d: gradient %d[%d] is %g, want %g", procs, i, j, g, p.Data[j]*coef)
				}
			}
		}
		if procs == 1 {
			firstNorm = norm
			continue
		}
		if math.Float64bits(norm) != math.Float64bits(firstNorm) {
			t.Errorf("GOMAXPROCS %d: norm %v, GOMAXPROCS 1 gives %v", procs, norm, firstNorm)
		}
	}
}
