package tensor_test

import (
	"math"
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
)

// The toy task: each sequence holds tokens 0..toyMaxToken followed by padding,
// and every real position must predict the largest real token, which needs
// attention across the whole sequence. The padding token is larger than
// every real one, so padding that leaked through the mask would pull the
// answers up.
const (
	toyMaxToken = 5
	toyPad      = toyMaxToken + 1
	toyIgnore   = -100
	blockSeq    = 8
	blockBatch  = 32
)

// toyLinear is a fully connected layer with Hugging Face's [out, in] weight.
type toyLinear struct{ w, b *tensor.Tensor }

func newToyLinear(r *tensor.RNG, name string, in, out int) toyLinear {
	l := toyLinear{tensor.NewParam(name+".weight", out, in), tensor.NewParam(name+".bias", out)}
	l.w.FillNormal(r, 0, float32(1/math.Sqrt(float64(in))))
	return l
}

func (l toyLinear) of(t *tensor.Tape, x *tensor.Tensor) *tensor.Tensor { return t.Linear(x, l.w, l.b) }

// toyNorm holds a LayerNorm's scale and shift.
type toyNorm struct{ gamma, beta *tensor.Tensor }

func newToyNorm(name string, n int) toyNorm {
	l := toyNorm{tensor.NewParam(name+".weight", n), tensor.NewParam(name+".bias", n)}
	l.gamma.Fill(1)
	return l
}

func (l toyNorm) of(t *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return t.LayerNorm(x, l.gamma, l.beta, 1e-12)
}

// block is one post-LN BERT encoder layer.
type block struct {
	query, key, value, attnOut toyLinear
	attnNorm                   toyNorm
	intermediate, output       toyLinear
	outNorm                    toyNorm
	heads                      int
	dropout                    float32
}

func newBlock(r *tensor.RNG, hidden, heads, ffn int, dropout float32) *block {
	return &block{
		query:        newToyLinear(r, "attention.self.query", hidden, hidden),
		key:          newToyLinear(r, "attention.self.key", hidden, hidden),
		value:        newToyLinear(r, "attention.self.value", hidden, hidden),
		attnOut:      newToyLinear(r, "attention.output.dense", hidden, hidden),
		attnNorm:     newToyNorm("attention.output.LayerNorm", hidden),
		intermediate: newToyLinear(r, "intermediate.dense", hidden, ffn),
		output:       newToyLinear(r, "output.dense", ffn, hidden),
		outNorm:      newToyNorm("output.LayerNorm", hidden),
		heads:        heads,
		dropout:      dropout,
	}
}

// forward runs the layer over x [batch, seq, hidden]; r drives dropout.
func (l *block) forward(t *tensor.Tape, x, mask *tensor.Tensor, r *tensor.RNG) *tensor.Tensor {
	a := t.Attention(l.query.of(t, x), l.key.of(t, x), l.value.of(t, x), mask, l.heads, l.dropout, r)
	x = l.attnNorm.of(t, t.Add(x, t.Dropout(l.attnOut.of(t, a), l.dropout, r)))
	h := t.GELU(l.intermediate.of(t, x))
	return l.outNorm.of(t, t.Add(x, t.Dropout(l.output.of(t, h), l.dropout, r)))
}

// toyModel embeds tokens, runs one block and classifies every position.
type toyModel struct {
	embed  *tensor.Tensor
	layer  *block
	head   toyLinear
	hidden int
}

func newToyModel(seed uint64) *toyModel {
	const hidden = 32
	r := tensor.NewRNG(seed)
	m := &toyModel{embed: tensor.NewParam("embeddings.word_embeddings.weight", toyPad+1, hidden), hidden: hidden}
	m.embed.FillNormal(r, 0, 1)
	m.layer = newBlock(r, hidden, 4, 4*hidden, 0.1)
	m.head = newToyLinear(r, "classifier", hidden, toyMaxToken+1)
	return m
}

func (m *toyModel) params() []*tensor.Tensor {
	l := m.layer
	ps := []*tensor.Tensor{m.embed, m.head.w, m.head.b}
	for _, lin := range []toyLinear{l.query, l.key, l.value, l.attnOut, l.intermediate, l.output} {
		ps = append(ps, lin.w, lin.b)
	}
	return append(ps, l.attnNorm.gamma, l.attnNorm.beta, l.outNorm.gamma, l.outNorm.beta)
}

// toyBatch is one batch of the toy task.
type toyBatch struct {
	ids, targets []int32
	mask         *tensor.Tensor // [batch, seq], 1 for real tokens
}

func newToyBatch() *toyBatch {
	return &toyBatch{
		ids:     make([]int32, blockBatch*blockSeq),
		targets: make([]int32, blockBatch*blockSeq),
		mask:    tensor.New(blockBatch, blockSeq),
	}
}

// fill draws a fresh batch from r without allocating.
func (b *toyBatch) fill(r *tensor.RNG) {
	for s := range blockBatch {
		n := 2 + r.IntN(blockSeq-1)
		top := int32(0)
		for i := range blockSeq {
			id, keep := int32(toyPad), float32(0)
			if i < n {
				id, keep = int32(r.IntN(toyMaxToken+1)), 1
				top = max(top, id)
			}
			b.ids[s*blockSeq+i], b.mask.Data[s*blockSeq+i] = id, keep
		}
		for i := range blockSeq {
			b.targets[s*blockSeq+i] = toyIgnore
			if i < n {
				b.targets[s*blockSeq+i] = top
			}
		}
	}
}

// loss returns the mean cross-entropy over the batch's real positions.
func (m *toyModel) loss(t *tensor.Tape, b *toyBatch, r *tensor.RNG) *tensor.Tensor {
	x := t.Reshape(t.Embedding(m.embed, b.ids), blockBatch, blockSeq, m.hidden)
	h := m.layer.forward(t, x, b.mask, r)
	logits := t.Reshape(m.head.of(t, h), blockBatch*blockSeq, toyMaxToken+1)
	return t.CrossEntropy(logits, b.targets, toyIgnore)
}

// blockTrainer holds everything one training step touches.
type blockTrainer struct {
	model      *toyModel
	opt        *optim.AdamW
	tape       *tensor.Tape
	data, drop *tensor.RNG
	batch      *toyBatch
}

func newBlockTrainer(seed uint64) *blockTrainer {
	m := newToyModel(seed)
	return &blockTrainer{
		model: m,
		opt:   optim.NewAdamW(m.params(), optim.AdamWConfig{LR: 3e-3, WeightDecay: 0.01}),
		tape:  tensor.NewTape(),
		data:  tensor.NewRNG(seed + 1),
		drop:  tensor.NewRNG(seed + 2),
		batch: newToyBatch(),
	}
}

// step trains on one fresh batch and returns its loss.
func (tr *blockTrainer) step() float32 {
	tr.batch.fill(tr.data)
	tr.tape.Reset()
	tr.opt.ZeroGrad()
	loss := tr.model.loss(tr.tape, tr.batch, tr.drop)
	tr.tape.Backward(loss)
	tr.opt.Step()
	return loss.Data[0]
}

// evalLoss returns the loss on a fresh batch with dropout off.
func (tr *blockTrainer) evalLoss() float32 {
	tr.batch.fill(tr.data)
	tr.tape.Reset()
	prev := tr.tape.SetGrad(false)
	defer tr.tape.SetGrad(prev)
	return tr.model.loss(tr.tape, tr.batch, nil).Data[0]
}

func TestBlockTrainingIsReproducible(t *testing.T) {
	run := func() [][]float32 {
		tr := newBlockTrainer(3)
		for range 5 {
			tr.step()
		}
		var ws [][]float32
		for _, p := range tr.model.params() {
			ws = append(ws, p.Data)
		}
		return ws
	}
	a, b := run(), run()
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("parameter %d differs between two runs from one seed", i)
		}
	}
}

func BenchmarkBlockStep(b *testing.B) {
	tr := newBlockTrainer(1)
	for range 3 {
		tr.step() // grow the arena, tape and pools to the step's size, as the allocation test does
	}
	b.ReportAllocs()
	for b.Loop() {
		tr.step()
	}
}

// BenchmarkBlockForwardBackward times one encoder layer of the size of
// Vigil's small model (hidden 256, 4 heads, feed-forward 1024) on a batch of
// 16 sequences of 64 tokens, forward and backward, without the optimizer.
func BenchmarkBlockForwardBackward(b *testing.B) {
	const batch, seq, hidden = 16, 64, 256
	r := tensor.NewRNG(1)
	l := newBlock(r, hidden, 4, 4*hidden, 0.1)
	x := tensor.NewParam("x", batch, seq, hidden)
	x.FillNormal(r, 0, 1)
	mask := tensor.New(batch, seq)
	mask.Fill(1)
	dy := tensor.New(batch, seq, hidden)
	dy.FillNormal(r, 0, 1)
	tp := tensor.NewTape()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		tp.BackwardWith(l.forward(tp, x, mask, r), dy.Data)
	}
}
