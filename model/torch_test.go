package model

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/model/safetensors"
	"github.com/vigil-ml/vigil/tensor"
)

// torchTol is the largest relative error (see relErr) accepted against the PyTorch fixtures, which
// are computed in float64: it budgets float32 rounding through two layers.
const torchTol = 1e-4

// relErr returns max_i |got_i − want_i| / max_i |want_i|: the error relative to the tensor's scale.
// An element-wise measure does not fit a whole model's gradients: sums that cancel leave elements
// thousands of times smaller than their terms, and PyTorch's own float32 gradients of the fixture
// model are 2e-4 to 6e-4 off its float64 ones element-wise even with a floor of 1e-3 of the scale.
// A length mismatch, a NaN or a zero reference yields +Inf.
func relErr(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	scale, worst := 0.0, 0.0
	for i, w := range want {
		scale = max(scale, math.Abs(float64(w)))
		d := math.Abs(float64(got[i]) - float64(w))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = max(worst, d)
	}
	if scale == 0 {
		return math.Inf(1)
	}
	return worst / scale
}

// torchCase loads a model directory written by tools/torchref/bert_mlm.py and its expected values.
func torchCase(t *testing.T, name string) (*Model, *safetensors.File, *Batch) {
	t.Helper()
	dir := filepath.Join("testdata", "torch", name)
	m, info, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := info.Warnings(); len(w) > 0 {
		t.Fatalf("loading the reference model warned: %v", w)
	}
	// The reference is the tiny preset's shape, with a small vocabulary to keep the fixtures small.
	tiny, err := Preset("tiny", m.Config.VocabSize)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.HiddenSize != tiny.HiddenSize || c.NumHiddenLayers != tiny.NumHiddenLayers ||
		c.NumAttentionHeads != tiny.NumAttentionHeads || c.IntermediateSize != tiny.IntermediateSize ||
		c.MaxPositionEmbeddings != tiny.MaxPositionEmbeddings {
		t.Fatalf("reference model %+v is not the tiny preset's shape", c)
	}
	want, err := safetensors.Read(dir + ".expected.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	ids := expected(t, want, "input_ids")
	b := &Batch{
		Batch: ids.Shape[0], Seq: ids.Shape[1],
		IDs:           ints(ids.Data),
		TypeIDs:       ints(expected(t, want, "token_type_ids").Data),
		AttentionMask: ints(expected(t, want, "attention_mask").Data),
	}
	if l, ok := want.Get("labels"); ok {
		b.Labels = ints(l.Data)
	}
	if y, ok := want.Get("targets"); ok {
		b.Targets = y.Data
	}
	return m, want, b
}

func expected(t *testing.T, f *safetensors.File, name string) *safetensors.Tensor {
	t.Helper()
	x, ok := f.Get(name)
	if !ok {
		t.Fatalf("fixture lacks %s", name)
	}
	return x
}

func ints(v []float32) []int32 {
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

// TestTorchReference checks logits, loss and every parameter gradient of the three heads against the
// PyTorch reimplementation of BertForMaskedLM (with a tied and with an untied decoder),
// BertForSequenceClassification and ELECTRA's discriminator.
func TestTorchReference(t *testing.T) {
	type want = *safetensors.File
	tests := []struct {
		name   string
		logits func(*Model, *tensor.Tape, *Batch) (*tensor.Tensor, error)
		loss   func(*Model, *tensor.Tape, *Batch, want) (*tensor.Tensor, error)
	}{
		{"bert_mlm",
			func(m *Model, t *tensor.Tape, b *Batch) (*tensor.Tensor, error) { return m.MLMLogits(t, b, nil) },
			func(m *Model, t *tensor.Tape, b *Batch, _ want) (*tensor.Tensor, error) { return m.MLMLoss(t, b, nil) }},
		{"bert_mlm_untied", // tie_word_embeddings false: the decoder has a weight of its own
			func(m *Model, t *tensor.Tape, b *Batch) (*tensor.Tensor, error) { return m.MLMLogits(t, b, nil) },
			func(m *Model, t *tensor.Tape, b *Batch, _ want) (*tensor.Tensor, error) { return m.MLMLoss(t, b, nil) }},
		{"bert_cls",
			func(m *Model, t *tensor.Tape, b *Batch) (*tensor.Tensor, error) { return m.ClassLogits(t, b, nil) },
			func(m *Model, t *tensor.Tape, b *Batch, _ want) (*tensor.Tensor, error) {
				return m.ClassLoss(t, b, nil)
			}},
		{"bert_rtd",
			func(m *Model, t *tensor.Tape, b *Batch) (*tensor.Tensor, error) { return m.RTDLogits(t, b, nil) },
			func(m *Model, tape *tensor.Tape, b *Batch, w want) (*tensor.Tensor, error) {
				loss, _, _ := m.rtdLoss(tape, b, expected(t, w, "replaced").Data, nil)
				return loss, nil
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, want, b := torchCase(t, tc.name)
			tape := tensor.NewTape()
			logits, err := tc.logits(m, tape, b)
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(logits.Data, expected(t, want, "logits").Data); e > torchTol {
				t.Errorf("logits: relative error %.3g", e)
			}
			tape.Reset()
			loss, err := tc.loss(m, tape, b, want)
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(loss.Data, expected(t, want, "loss").Data); e > torchTol {
				t.Errorf("loss %g: relative error %.3g", loss.Data[0], e)
			}
			tape.Backward(loss)
			scale := 0.0
			for _, p := range m.Params() {
				for _, g := range expected(t, want, "grad."+p.Name).Data {
					scale = max(scale, math.Abs(float64(g)))
				}
			}
			for _, p := range m.Params() {
				g := expected(t, want, "grad."+p.Name).Data
				if strings.HasSuffix(p.Name, "attention.self.key.bias") {
					// Softmax ignores a shift shared by a query's scores, so this gradient is zero
					// in exact arithmetic and both sides hold only rounding noise.
					for i, x := range p.Grad {
						if math.Abs(float64(x)) > 1e-6*scale {
							t.Errorf("gradient of %s[%d] = %g, want 0 (PyTorch %g)", p.Name, i, x, g[i])
						}
					}
					continue
				}
				if e := relErr(p.Grad, g); e > torchTol {
					t.Errorf("gradient of %s: relative error %.3g", p.Name, e)
				}
			}
		})
	}
}
