package tensor_test

import (
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
)

// mlp is a two-layer classifier over embedded token pairs: the input is the
// sum of the first token's embedding, the second token's (from the second
// half of the table) and a learned offset row, followed by two linear layers
// and softmax cross-entropy. It exercises every core operation's forward and
// backward pass.
type mlp struct {
	emb, offset, w1, b1, w2, b2 *tensor.Tensor
}

func newMLP(seed uint64, vocab, in, hidden, classes int) *mlp {
	r := tensor.NewRNG(seed)
	m := &mlp{
		emb:    tensor.NewParam("emb", 2*vocab, in),
		offset: tensor.NewParam("offset", in),
		w1:     tensor.NewParam("w1", hidden, in),
		b1:     tensor.NewParam("b1", hidden),
		w2:     tensor.NewParam("w2", classes, hidden),
		b2:     tensor.NewParam("b2", classes),
	}
	for _, p := range []*tensor.Tensor{m.emb, m.w1, m.w2} {
		p.FillNormal(r, 0, 0.2)
	}
	return m
}

func (m *mlp) params() []*tensor.Tensor {
	return []*tensor.Tensor{m.emb, m.offset, m.w1, m.b1, m.w2, m.b2}
}

// loss embeds the pairs (first[i], second[i]) and scores them against
// targets; second holds ids already shifted into the table's second half.
func (m *mlp) loss(t *tensor.Tape, first, second, targets []int32) *tensor.Tensor {
	x := t.Add(t.Embedding(m.emb, first), t.Embedding(m.emb, second))
	x = t.Add(x, m.offset)
	h := t.Linear(x, m.w1, m.b1)
	return t.CrossEntropy(t.Linear(h, m.w2, m.b2), targets, -1)
}

// pairTask is a teacher-student toy task over every pair (a, b): the class
// is the argmax over c of u[c][a] + v[c][b] for random teacher tables u and
// v, a rule the student model can represent exactly. Row 0 of the batch is
// padding with an ignored target.
type pairTask struct {
	first, second, targets []int32
}

func newPairTask(seed uint64, vocab, classes int) pairTask {
	r := tensor.NewRNG(seed)
	u, v := make([]float64, classes*vocab), make([]float64, classes*vocab)
	for i := range u {
		u[i], v[i] = r.Normal(), r.Normal()
	}
	p := pairTask{first: []int32{0}, second: []int32{int32(vocab)}, targets: []int32{-1}}
	for a := range vocab {
		for b := range vocab {
			best := 0
			for c := range classes {
				if u[c*vocab+a]+v[c*vocab+b] > u[best*vocab+a]+v[best*vocab+b] {
					best = c
				}
			}
			p.first = append(p.first, int32(a))
			p.second = append(p.second, int32(vocab+b))
			p.targets = append(p.targets, int32(best))
		}
	}
	return p
}

// trainer holds everything a step needs, so a step allocates nothing.
type trainer struct {
	model *mlp
	task  pairTask
	tape  *tensor.Tape
	opt   optim.Optimizer
}

func newTrainer(seed uint64) *trainer {
	const vocab, classes = 6, 3
	m := newMLP(seed, vocab, 16, 32, classes)
	return &trainer{
		model: m,
		task:  newPairTask(seed+1, vocab, classes),
		tape:  tensor.NewTape(),
		opt: optim.NewAdamW(m.params(), optim.AdamWConfig{
			LR: 0.02, WeightDecay: 0.01,
			NoDecay: func(p *tensor.Tensor) bool { return p.Dims() == 1 },
		}),
	}
}

func (tr *trainer) step() float32 {
	tr.tape.Reset()
	loss := tr.model.loss(tr.tape, tr.task.first, tr.task.second, tr.task.targets)
	tr.tape.Backward(loss)
	optim.ClipGradNorm(tr.model.params(), 5)
	tr.opt.Step()
	tr.opt.ZeroGrad()
	return loss.Data[0]
}

func TestMLPTrainsDeterministically(t *testing.T) {
	counts := map[int32]int{}
	for _, c := range newTrainer(42).task.targets[1:] {
		counts[c]++
	}
	if len(counts) != 3 {
		t.Fatalf("toy task uses classes %v, want all 3", counts)
	}
	run := func() ([]float32, [][]float32) {
		tr := newTrainer(42)
		var losses []float32
		for range 300 {
			losses = append(losses, tr.step())
		}
		var weights [][]float32
		for _, p := range tr.model.params() {
			weights = append(weights, slices.Clone(p.Data))
		}
		return losses, weights
	}
	losses, w1 := run()
	if first, last := losses[0], losses[len(losses)-1]; !(first > 0.9 && last < 0.01) {
		t.Errorf("loss went from %v to %v, want from about ln 3 to below 0.01", first, last)
	}
	_, w2 := run()
	for i := range w1 {
		if !slices.Equal(w1[i], w2[i]) {
			t.Errorf("parameter %d differs between two runs with the same seed", i)
		}
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	tr := newTrainer(1)
	for range 3 {
		tr.step()
	}
	if n := testing.AllocsPerRun(20, func() { tr.step() }); n != 0 {
		t.Errorf("training step allocates %v times after warm-up, want 0", n)
	}
}

func TestNoGradRecordsNothing(t *testing.T) {
	tr := newTrainer(1)
	tr.tape.SetGrad(false)
	loss := tr.model.loss(tr.tape, tr.task.first, tr.task.second, tr.task.targets)
	if tr.tape.Len() != 0 || loss.RequiresGrad() {
		t.Errorf("no-grad forward recorded %d operations (loss requires grad: %t)", tr.tape.Len(), loss.RequiresGrad())
	}
	tr.tape.SetGrad(true)
	tr.tape.Reset()
	loss2 := tr.model.loss(tr.tape, tr.task.first, tr.task.second, tr.task.targets)
	if loss2.Data[0] != loss.Data[0] || tr.tape.Len() == 0 {
		t.Errorf("recorded forward gave %v over %d operations, no-grad forward %v", loss2.Data[0], tr.tape.Len(), loss.Data[0])
	}
}

// BenchmarkStepAllocs measures a training step of a wider MLP (batch 256,
// 128 → 512 → 64) and reports its allocations, which should be zero.
func BenchmarkStepAllocs(b *testing.B) {
	const batch, vocab, in, hidden, classes = 256, 1000, 128, 512, 64
	m := newMLP(1, vocab, in, hidden, classes)
	r := tensor.NewRNG(2)
	var task pairTask
	for range batch {
		task.first = append(task.first, int32(r.IntN(vocab)))
		task.second = append(task.second, int32(vocab+r.IntN(vocab)))
		task.targets = append(task.targets, int32(r.IntN(classes)))
	}
	tr := &trainer{model: m, task: task, tape: tensor.NewTape(),
		opt: optim.NewAdamW(m.params(), optim.AdamWConfig{LR: 1e-3})}
	tr.step()
	b.ReportAllocs()
	for b.Loop() {
		tr.step()
	}
}
