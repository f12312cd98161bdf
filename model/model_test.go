package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/optim"
)

// Toy vocabulary: 0 is padding, 1 is [MASK], the rest are words.
const (
	toyPad  = 0
	toyMask = 1
	toyWord = 2
)

// toyBatch builds a batch of counting sequences (each token follows its predecessor), padded to seq,
// with every fourth real position (offset by the sequence index) masked and labelled.
func toyBatch(r *tensor.RNG, vocab, batch, seq int) *Batch {
	b := &Batch{Batch: batch, Seq: seq, IDs: make([]int32, batch*seq), AttentionMask: make([]int32, batch*seq),
		Labels: make([]int32, batch*seq)}
	words := vocab - toyWord
	for s := range batch {
		n := seq - r.IntN(seq/3)
		start := r.IntN(words)
		for p := range seq {
			i := s*seq + p
			b.Labels[i] = IgnoreLabel
			if p >= n {
				b.IDs[i] = toyPad
				continue
			}
			b.AttentionMask[i] = 1
			b.IDs[i] = int32(toyWord + (start+p)%words)
			if (p+s)%4 == 0 {
				b.Labels[i], b.IDs[i] = b.IDs[i], toyMask
			}
		}
	}
	return b
}

func TestInitialization(t *testing.T) {
	c := testConfig(64)
	c.PadTokenID = 3
	m := newModel(t, c, MaskedLM, 1)
	h := c.HiddenSize
	for _, v := range m.Embeddings.Word.Data[3*h : 4*h] {
		if v != 0 {
			t.Fatalf("padding row not zero: %v", m.Embeddings.Word.Data[3*h:4*h])
		}
	}
	for _, p := range m.Params() {
		var sum, sq float64
		for _, v := range p.Data {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
		n := float64(len(p.Data))
		mean, std := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
		switch {
		case strings.HasSuffix(p.Name, "LayerNorm.weight"):
			if mean != 1 || std != 0 {
				t.Errorf("%s: mean %g std %g, want ones", p.Name, mean, std)
			}
		case strings.HasSuffix(p.Name, "bias"):
			if sq != 0 {
				t.Errorf("%s is not zero", p.Name)
			}
		case math.Abs(std-0.02) > 0.003 || math.Abs(mean) > 0.003:
			t.Errorf("%s: mean %g std %g, want N(0, 0.02²)", p.Name, mean, std)
		}
	}
	again := newModel(t, c, MaskedLM, 1)
	if name, ok := sameParams(m, again); !ok {
		t.Errorf("same seed, different %s", name)
	}
	other := newModel(t, c, MaskedLM, 2)
	if _, ok := sameParams(m, other); ok {
		t.Error("different seeds gave identical parameters")
	}
}

func TestSinusoidalPositions(t *testing.T) {
	c := testConfig(64)
	m := newModel(t, c, MaskedLM, 1)
	m.SinusoidalPositions()
	p, h := m.Embeddings.Position, c.HiddenSize
	scale := c.InitializerRange * math.Sqrt2
	for _, tc := range []struct {
		pos, i int
		want   float64
	}{
		{0, 0, 0},
		{0, 1, scale},
		{1, 0, scale * math.Sin(1)},
		{1, 1, scale * math.Cos(1)},
		{5, 2, scale * math.Sin(5*math.Pow(10000, -2/float64(h)))},
		{7, h - 1, scale * math.Cos(7*math.Pow(10000, -float64(h-2)/float64(h)))},
	} {
		if got := float64(p.Data[tc.pos*h+tc.i]); math.Abs(got-tc.want) > 1e-7 {
			t.Errorf("position %d, element %d: %g, want %g", tc.pos, tc.i, got, tc.want)
		}
	}
	// The fastest pair of waves runs through many periods: its spread is that of the other embeddings.
	var sq float64
	for pos := range c.MaxPositionEmbeddings {
		for i := range 2 {
			v := float64(p.Data[pos*h+i])
			sq += v * v
		}
	}
	if std := math.Sqrt(sq / float64(2*c.MaxPositionEmbeddings)); math.Abs(std-c.InitializerRange) > 1e-3 {
		t.Errorf("standard deviation of the first two columns %g, want %g", std, c.InitializerRange)
	}
}

// TestRedrawTopLayers checks that redrawing takes the top layers from a fresh model of the seed and
// leaves the embeddings, the lower layers and the head as they were.
func TestRedrawTopLayers(t *testing.T) {
	c := testConfig(30).WithLabels([]string{"threat"})
	layers := c.NumHiddenLayers
	for _, n := range []int{0, 1, layers} {
		m := newModel(t, c, SequenceClassification, 1)
		before := newModel(t, c, SequenceClassification, 1)
		fresh := newModel(t, c, SequenceClassification, 9)
		if err := m.RedrawTopLayers(n, 9); err != nil {
			t.Fatalf("redraw %d: %v", n, err)
		}
		for i, p := range m.Params() {
			l, ok := LayerOf(p.Name)
			redrawn := ok && l >= layers-n
			want := before.Params()[i]
			if redrawn {
				want = fresh.Params()[i]
			}
			if !slices.Equal(p.Data, want.Data) {
				t.Errorf("redraw %d: %s differs from what it should be (redrawn: %v)", n, p.Name, redrawn)
			}
		}
	}
	m := newModel(t, c, SequenceClassification, 1)
	for _, n := range []int{-1, layers + 1} {
		if err := m.RedrawTopLayers(n, 9); err == nil || !strings.Contains(err.Error(), "cannot redraw") {
			t.Errorf("redraw %d of %d layers: error %v", n, layers, err)
		}
	}
}

func TestLayerOf(t *testing.T) {
	for _, tc := range []struct {
		name  string
		layer int
		ok    bool
	}{
		{"bert.encoder.layer.0.attention.self.query.weight", 0, true},
		{"bert.encoder.layer.11.output.LayerNorm.bias", 11, true},
		{"bert.embeddings.word_embeddings.weight", 0, false},
		{"bert.pooler.dense.weight", 0, false},
		{"bert.encoder.layer.x.output.dense.bias", 0, false},
	} {
		if l, ok := LayerOf(tc.name); l != tc.layer || ok != tc.ok {
			t.Errorf("LayerOf(%q) = %d, %v, want %d, %v", tc.name, l, ok, tc.layer, tc.ok)
		}
	}
}

func TestNewErrors(t *testing.T) {
	bad := testConfig(10)
	bad.HiddenSize = 33
	tests := []struct {
		name string
		c    Config
		arch Architecture
		want string
	}{
		{"config", bad, MaskedLM, "not divisible"},
		{"architecture", testConfig(10), "BertForPreTraining", "not supported"},
		{"no labels", testConfig(10), SequenceClassification, "label"},
	}
	for _, tc := range tests {
		if _, err := New(tc.c, tc.arch, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestBatchValidate(t *testing.T) {
	c := testConfig(10)
	ok := func() *Batch {
		return &Batch{Batch: 1, Seq: 3, IDs: []int32{2, 3, 0}, AttentionMask: []int32{1, 1, 0}, Labels: []int32{IgnoreLabel, 4, IgnoreLabel}}
	}
	if err := ok().Validate(c); err != nil {
		t.Fatalf("valid batch: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Batch)
		want string
	}{
		{"empty", func(b *Batch) { b.Batch = 0 }, "empty"},
		{"too long", func(b *Batch) { b.Seq = 40; b.IDs = make([]int32, 40) }, "max_position_embeddings"},
		{"id length", func(b *Batch) { b.IDs = b.IDs[:2] }, "2 ids"},
		{"id range", func(b *Batch) { b.IDs[1] = 10 }, "ids[1] = 10"},
		{"negative id", func(b *Batch) { b.IDs[0] = -1 }, "ids[0] = -1"},
		{"type id", func(b *Batch) { b.TypeIDs = []int32{0, 2, 0} }, "type ids[1] = 2"},
		{"mask", func(b *Batch) { b.AttentionMask[0] = 3 }, "attention mask[0] = 3"},
		{"label", func(b *Batch) { b.Labels[0] = -1 }, "labels[0] = -1"},
	}
	for _, tc := range tests {
		b := ok()
		tc.edit(b)
		if err := b.Validate(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestHeadErrors(t *testing.T) {
	mlm := newModel(t, testConfig(20), MaskedLM, 1)
	cls := newModel(t, testConfig(20).WithLabels([]string{"a", "b"}), SequenceClassification, 1)
	b := &Batch{Batch: 2, Seq: 2, IDs: []int32{2, 3, 4, 5}}
	tape := tensor.NewTape()
	if _, err := mlm.ClassLogits(tape, b, nil); err == nil || !strings.Contains(err.Error(), "no BertForSequenceClassification head") {
		t.Errorf("classifying with an MLM model: %v", err)
	}
	if _, err := cls.MLMLogits(tape, b, nil); err == nil {
		t.Error("MLM logits from a classifier: no error")
	}
	if _, err := mlm.MLMLoss(tape, b, nil); err == nil || !strings.Contains(err.Error(), "labels") {
		t.Errorf("MLM loss without labels: %v", err)
	}
	b.Targets = []float32{0, 1, 1}
	if _, err := cls.ClassLoss(tape, b, nil); err == nil || !strings.Contains(err.Error(), "3 targets") {
		t.Errorf("short targets: %v", err)
	}
	b.Targets = []float32{0, 1, 1, 2}
	if _, err := cls.ClassLoss(tape, b, nil); err == nil || !strings.Contains(err.Error(), "outside [0, 1]") {
		t.Errorf("target 2: %v", err)
	}
}

// TestMLMLossForms checks that the gathered loss equals cross-entropy over the full logits, and that
// the mean is the sum over the count.
func TestMLMLossForms(t *testing.T) {
	m := newModel(t, testConfig(30), MaskedLM, 4)
	b := toyBatch(tensor.NewRNG(1), 30, 3, 10)
	tape := tensor.NewTape()
	logits, err := m.MLMLogits(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	full := tape.CrossEntropy(tape.Reshape(logits, 30, 30), b.Labels, IgnoreLabel).Data[0]
	sum, n, err := m.MLMLossSum(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	mean, err := m.MLMLoss(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantN := 0
	for _, l := range b.Labels {
		if l != IgnoreLabel {
			wantN++
		}
	}
	if n != wantN || math.Abs(float64(mean.Data[0]-full)) > 1e-6*float64(full) ||
		math.Abs(float64(sum.Data[0]/float32(n)-full)) > 1e-6*float64(full) {
		t.Errorf("full-logits loss %g, gathered mean %g, sum %g over %d (want %d)", full, mean.Data[0], sum.Data[0], n, wantN)
	}
	s, ls, err := m.Loss(tape, b, nil)
	if err != nil || ls != n || s.Data[0] != sum.Data[0] {
		t.Errorf("Loss = %v, %d, %v; want the MLM sum %g over %d", s, ls, err, sum.Data[0], n)
	}
	for i := range b.Labels {
		b.Labels[i] = IgnoreLabel
	}
	tape.Reset()
	zero, err := m.MLMLoss(tape, b, nil)
	if err != nil || zero.Data[0] != 0 {
		t.Errorf("no labelled positions: loss %v, %v; want 0", zero, err)
	}
	tape.Backward(zero)
}

// TestDropout checks that a seeded stream makes training forward passes reproducible, and that
// without a stream the model is deterministic and dropout-free.
func TestDropout(t *testing.T) {
	m := newModel(t, testConfig(30), MaskedLM, 4)
	b := toyBatch(tensor.NewRNG(1), 30, 2, 12)
	loss := func(rng *tensor.RNG) float32 {
		tape := tensor.NewTape()
		l, err := m.MLMLoss(tape, b, rng)
		if err != nil {
			t.Fatal(err)
		}
		return l.Data[0]
	}
	a, again, other, eval := loss(tensor.NewRNG(5)), loss(tensor.NewRNG(5)), loss(tensor.NewRNG(6)), loss(nil)
	if a != again {
		t.Errorf("same dropout seed: %g and %g", a, again)
	}
	if a == other || a == eval {
		t.Errorf("dropout has no effect: seeds give %g and %g, evaluation %g", a, other, eval)
	}
	if eval != loss(nil) {
		t.Error("evaluation is not deterministic")
	}
}

// TestTrainingLowersLoss trains the MLM on counting sequences, where a masked token is the
// successor of its left neighbour, and checks that the held-out loss falls to under half its
// starting value (which is about chance).
func TestTrainingLowersLoss(t *testing.T) {
	const vocab = 24
	c := testConfig(vocab)
	m := newModel(t, c, MaskedLM, 11)
	opt := optim.NewAdamW(m.Params(), optim.AdamWConfig{LR: 1e-3, WeightDecay: 0.01})
	data, drop := tensor.NewRNG(2), tensor.NewRNG(3)
	held := toyBatch(tensor.NewRNG(99), vocab, 8, 16)
	eval := func() float32 {
		tape := tensor.NewTape()
		tape.SetGrad(false)
		l, err := m.MLMLoss(tape, held, nil)
		if err != nil {
			t.Fatal(err)
		}
		return l.Data[0]
	}
	before := eval()
	tape := tensor.NewTape()
	for range 1200 {
		tape.Reset()
		sum, n, err := m.Loss(tape, toyBatch(data, vocab, 8, 16), drop)
		if err != nil {
			t.Fatal(err)
		}
		tape.Backward(tape.Scale(sum, 1/float32(n)))
		opt.Step()
		opt.ZeroGrad()
	}
	after := eval()
	t.Logf("held-out loss %.3f before training, %.3f after", before, after)
	chance := float32(math.Log(vocab - toyWord))
	if before < 0.9*chance || after > 0.5*before {
		t.Errorf("held-out loss %.3f before training (chance %.3f), %.3f after: want it halved", before, chance, after)
	}
}

// TestClassifierLoss checks the classifier's loss against BCE computed by hand from its logits.
func TestClassifierLoss(t *testing.T) {
	m := newModel(t, testConfig(30).WithLabels([]string{"threat", "drugs", "other"}), SequenceClassification, 4)
	b := toyBatch(tensor.NewRNG(1), 30, 2, 8)
	b.Labels = nil
	b.Targets = []float32{1, 0, 0.5, 0, 1, 1}
	tape := tensor.NewTape()
	logits, err := m.ClassLogits(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i, x := range logits.Data {
		p, y := 1/(1+math.Exp(-float64(x))), float64(b.Targets[i])
		want -= y*math.Log(p) + (1-y)*math.Log(1-p)
	}
	sum, n, err := m.Loss(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 || math.Abs(float64(sum.Data[0])-want) > 1e-5*want {
		t.Errorf("loss sum %g over %d, want %g over 6", sum.Data[0], n, want)
	}
	tape.Backward(sum)
	if g := m.Classifier.Out.Bias.Grad; g[0] == 0 || g[1] == 0 || g[2] == 0 {
		t.Errorf("classifier bias gradient %v", g)
	}
}

// TestPaddingGuardKeepsValues checks that keeping the padding id's rows out of the lookup's gradient
// changes no value: logits with gradients recorded equal those of a forward-only pass bit for bit.
func TestPaddingGuardKeepsValues(t *testing.T) {
	m := newModel(t, testConfig(30), MaskedLM, 4)
	for i := range m.Embeddings.Word.Data[:32] { // a non-zero padding row
		m.Embeddings.Word.Data[i] = float32(i) * 0.01
	}
	b := toyBatch(tensor.NewRNG(1), 30, 3, 10)
	b.IDs[2] = toyPad // also at an attended position
	train, eval := tensor.NewTape(), tensor.NewTape()
	eval.SetGrad(false)
	a, err := m.MLMLogits(train, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.MLMLogits(eval, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Data {
		if a.Data[i] != e.Data[i] {
			t.Fatalf("logit %d: %g recorded, %g forward-only", i, a.Data[i], e.Data[i])
		}
	}
}

func TestConfigLabels(t *testing.T) {
	c := testConfig(10).WithLabels([]string{"threat", "drugs", "weapons"})
	p := t.TempDir() + "/config.json"
	if err := WriteConfig(p, c); err != nil {
		t.Fatal(err)
	}
	got, err := ReadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if l := got.Labels(); strings.Join(l, ",") != "threat,drugs,weapons" || got.Label2ID["weapons"] != 2 ||
		got.ProblemType != "multi_label_classification" {
		t.Errorf("labels %v, label2id %v, problem type %q", l, got.Label2ID, got.ProblemType)
	}
	if testConfig(10).Labels() != nil {
		t.Error("a config without labels lists some")
	}
	delete(c.ID2Label, 1)
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "no id 1") {
		t.Errorf("gap in id2label: %v", err)
	}
	bad := 1.5
	c = testConfig(10)
	c.ClassifierDropout = &bad
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "classifier_dropout") {
		t.Errorf("classifier_dropout 1.5: %v", err)
	}
}

func TestEncode(t *testing.T) {
	m := newModel(t, testConfig(30), MaskedLM, 4)
	b := toyBatch(tensor.NewRNG(1), 30, 2, 5)
	tape := tensor.NewTape()
	h, err := m.Encode(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Dims() != 3 || h.Dim(0) != 2 || h.Dim(1) != 5 || h.Dim(2) != 32 {
		t.Errorf("hidden states %v, want [2 5 32]", h.Shape)
	}
	b.IDs[3] = 99
	if _, err := m.Encode(tape, b, nil); err == nil || !strings.Contains(err.Error(), "ids[3] = 99") {
		t.Errorf("out-of-vocabulary id: %v", err)
	}
}

func TestPack(t *testing.T) {
	const seq = 4
	for _, tc := range []struct {
		name           string
		mask, labels   []int32
		tokens, starts []int32 // starts nil: the padded layout; tokens nil: every position
	}{
		{"right-padded", []int32{1, 1, 0, 0, 1, 1, 1, 0}, nil, []int32{0, 1, 4, 5, 6}, []int32{0, 2, 5}},
		{"labels on real tokens", []int32{1, 1, 0, 0, 1, 1, 1, 1}, []int32{-100, 7, -100, -100, 7, -100, -100, 7},
			[]int32{0, 1, 4, 5, 6, 7}, []int32{0, 2, 6}},
		{"no padding", []int32{1, 1, 1, 1, 1, 1, 1, 1}, nil, nil, []int32{0, 4, 8}},
		{"no mask", nil, nil, nil, []int32{0, 4, 8}},
		{"mask not a prefix", []int32{1, 0, 1, 0, 1, 1, 1, 0}, nil, nil, nil},
		{"sequence without tokens", []int32{0, 0, 0, 0, 1, 1, 1, 0}, nil, nil, nil},
		{"label on padding", []int32{1, 1, 0, 0, 1, 1, 1, 0}, []int32{-100, -100, 7, -100, -100, -100, -100, -100}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &Batch{Batch: 2, Seq: seq, IDs: make([]int32, 2*seq), AttentionMask: tc.mask, Labels: tc.labels}
			var a tensor.Arena
			p := pack(&a, b)
			if !slices.Equal(p.tokens, tc.tokens) || !slices.Equal(p.starts, tc.starts) {
				t.Fatalf("pack: tokens %v starts %v, want %v and %v", p.tokens, p.starts, tc.tokens, tc.starts)
			}
			for i := range 2 * seq {
				want := i
				if tc.tokens != nil {
					want = slices.Index(tc.tokens, int32(i))
				}
				if got := p.row(i); got != want {
					t.Errorf("row(%d) = %d, want %d", i, got, want)
				}
			}
		})
	}
}

// TestPackedMatchesPadded checks that the heads, which skip padding and compute only the rows they
// read in the last layer, give the losses, logits and gradients of the full padded forward pass.
func TestPackedMatchesPadded(t *testing.T) {
	grads := func(m *Model) [][]float32 {
		var g [][]float32
		for _, p := range m.Params() {
			g = append(g, slices.Clone(p.Grad))
			p.ZeroGrad()
		}
		return g
	}
	compare := func(what string, got, want [][]float32) {
		t.Helper()
		for i := range got {
			if e := relErr(got[i], want[i]); e > 1e-5 {
				t.Errorf("%s: gradient of parameter %d differs by %.3g", what, i, e)
			}
		}
	}

	holed := toyBatch(tensor.NewRNG(2), 30, 4, 12)
	holed.AttentionMask[3], holed.Labels[3] = 0, IgnoreLabel // not a prefix: the padded layout
	for _, b := range []*Batch{toyBatch(tensor.NewRNG(2), 30, 4, 12), holed} {
		if packed := pack(new(tensor.Arena), b).starts != nil; packed != (b != holed) {
			t.Fatalf("batch packed: %t", packed)
		}
		matchesPadded(t, b, grads, compare)
	}
}

// matchesPadded is TestPackedMatchesPadded for one batch.
func matchesPadded(t *testing.T, b *Batch, grads func(*Model) [][]float32, compare func(string, [][]float32, [][]float32)) {
	m := newModel(t, testConfig(30), MaskedLM, 4)
	tape := tensor.NewTape()
	sum, n, err := m.MLMLossSum(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	tape.Backward(sum)
	packedSum, packed := sum.Data[0], grads(m)
	tape.Reset()
	logits, err := m.MLMLogits(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	full, count := tape.CrossEntropySum(tape.Reshape(logits, b.Batch*b.Seq, 30), b.Labels, IgnoreLabel)
	if count != n || math.Abs(float64(full.Data[0]-packedSum)) > 1e-5*math.Abs(float64(full.Data[0])) {
		t.Errorf("MLM loss %g over %d packed, %g over %d padded", packedSum, n, full.Data[0], count)
	}
	tape.Backward(full)
	compare("MLM", packed, grads(m))

	c := newModel(t, testConfig(30).WithLabels([]string{"a", "b"}), SequenceClassification, 5)
	tape.Reset()
	got, err := c.ClassLogits(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	dy := []float32{1, -2, 0.5, 3, -1, 2, 0.25, -0.5}
	tape.BackwardWith(got, dy)
	gotLogits := slices.Clone(got.Data)
	packed = grads(c)
	tape.Reset()
	h := c.encode(tape, b, nil, nil)
	want := c.Classifier.Forward(tape, tape.Embedding(h, []int32{0, 12, 24, 36}), 0, nil)
	if e := relErr(gotLogits, want.Data); e > 1e-5 {
		t.Errorf("class logits differ from the padded pass by %.3g", e)
	}
	tape.BackwardWith(want, dy)
	compare("classifier", packed, grads(c))
}
