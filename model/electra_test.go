package model

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/tensor"
)

func TestGeneratorConfig(t *testing.T) {
	small, _ := Preset("small", 100)
	tiny, _ := Preset("tiny", 100)
	tests := []struct {
		name                 string
		c                    Config
		size                 float64
		hidden, heads, inter int
		wantErr              string
	}{
		{"small quarter", small, 0.25, 64, 1, 256, ""},
		{"small half", small, 0.5, 128, 2, 512, ""},
		{"small whole", small, 1, 256, 4, 1024, ""},
		{"tiny quarter", tiny, 0.25, 32, 1, 128, ""},
		{"zero", small, 0, 0, 0, 0, "generator size"},
		{"above one", small, 1.5, 0, 0, 0, "generator size"},
		{"NaN", small, math.NaN(), 0, 0, 0, "generator size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := GeneratorConfig(tc.c.WithLabels([]string{"threat"}), tc.size)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.HiddenSize != tc.hidden || g.NumAttentionHeads != tc.heads || g.IntermediateSize != tc.inter {
				t.Errorf("hidden %d, heads %d, intermediate %d; want %d, %d, %d",
					g.HiddenSize, g.NumAttentionHeads, g.IntermediateSize, tc.hidden, tc.heads, tc.inter)
			}
			if g.NumHiddenLayers != tc.c.NumHiddenLayers || g.VocabSize != tc.c.VocabSize || g.ID2Label != nil {
				t.Errorf("generator config %+v does not keep depth and vocabulary or keeps labels", g)
			}
		})
	}
}

// electraPair returns a tiny generator and discriminator over a 40-token vocabulary.
func electraPair(t *testing.T) *Electra {
	t.Helper()
	c, err := Preset("tiny", 40)
	if err != nil {
		t.Fatal(err)
	}
	return newElectra(t, c, 0.5)
}

// newElectra pairs a discriminator of configuration c with a generator of the given size.
func newElectra(t testing.TB, c Config, size float64) *Electra {
	t.Helper()
	gc, err := GeneratorConfig(c, size)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewElectra(newModel(t, gc, MaskedLM, 1), newModel(t, c, ReplacedTokenDetection, 2))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// electraBatch is a padded batch of three sequences with masked positions in each.
func electraBatch() *Batch {
	b := &Batch{Batch: 3, Seq: 8}
	for i := range 3 * 8 {
		b.IDs = append(b.IDs, int32(4+i%30))
		b.AttentionMask = append(b.AttentionMask, 1)
		b.Labels = append(b.Labels, IgnoreLabel)
	}
	for _, i := range []int{6, 7, 13, 14, 15} { // padding
		b.IDs[i], b.AttentionMask[i] = 0, 0
	}
	for _, i := range []int{1, 3, 9, 10, 12, 17, 20} {
		b.Labels[i], b.IDs[i] = b.IDs[i], 3 // [MASK]
	}
	return b
}

func TestNewElectraErrors(t *testing.T) {
	e := electraPair(t)
	other, _ := Preset("tiny", 41)
	wrongVocab, _ := New(other, MaskedLM, 1)
	tests := []struct {
		name      string
		gen, disc *Model
		want      string
	}{
		{"generator without MLM head", e.Discriminator, e.Discriminator, "generator needs"},
		{"discriminator without RTD head", e.Generator, e.Generator, "discriminator needs"},
		{"vocabularies differ", wrongVocab, e.Discriminator, "vocabulary"},
	}
	for _, tc := range tests {
		if _, err := NewElectra(tc.gen, tc.disc); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}

// TestElectraLoss recomputes ELECTRA's loss from its parts: the generator's masked-LM loss, samples
// drawn as Loss draws them, and the discriminator's cross-entropy over the attended tokens of the
// corrupted batch. The gradients must be those of the parts: the generator's from its own loss, the
// discriminator's from its loss scaled by λ × count.
func TestElectraLoss(t *testing.T) {
	e, b := electraPair(t), electraBatch()
	tape := tensor.NewTape()
	sum, count, err := e.Loss(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if count != 7 {
		t.Fatalf("count %d, want the 7 masked positions", count)
	}
	got := float64(sum.Data[0])
	stats := e.TakeStats()
	tape.Backward(sum)
	grads := func(m *Model) [][]float32 {
		var g [][]float32
		for _, p := range m.Params() {
			g = append(g, slices.Clone(p.Grad))
			clear(p.Grad)
		}
		return g
	}
	genGrads, discGrads := grads(e.Generator), grads(e.Discriminator)

	// The generator's part, and the samples Loss drew from its logits with the evaluation seed.
	tape.Reset()
	genSum, _, err := e.Generator.MLMLossSum(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	tape.Backward(genSum)
	logits, err := e.Generator.MLMLogits(tensor.NewTape(), b, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng, vocab := tensor.NewRNG(evalSampleSeed), e.Generator.Config.VocabSize
	corrupted := *b
	corrupted.IDs, corrupted.Labels = slices.Clone(b.IDs), nil
	replaced := make([]float32, len(b.IDs))
	p := make([]float32, vocab)
	sampledReal := 0
	for i, l := range b.Labels {
		if l == IgnoreLabel {
			continue
		}
		s := sample(p, logits.Data[i*vocab:(i+1)*vocab], e.Generator.Embeddings.Pad, rng)
		if s == 0 {
			t.Errorf("position %d sampled the padding id", i)
		}
		corrupted.IDs[i] = s
		if s != l {
			replaced[i] = 1
			sampledReal++
		}
	}
	if sampledReal == 0 {
		t.Fatal("the untrained generator reproduced every masked token: the test cannot tell replaced from kept")
	}
	// The discriminator's part, by hand over the attended positions.
	dtape := tensor.NewTape()
	rtd, err := e.Discriminator.RTDLogits(dtape, &corrupted, nil)
	if err != nil {
		t.Fatal(err)
	}
	var bce float64
	n := 0
	for i, x := range rtd.Data {
		if b.AttentionMask[i] == 0 {
			continue
		}
		y, x := float64(replaced[i]), float64(x)
		bce += math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
		n++
	}
	bce /= float64(n)
	correct := 0
	for i, x := range rtd.Data {
		if b.AttentionMask[i] != 0 && (x > 0) == (replaced[i] == 1) {
			correct++
		}
	}
	want := float64(genSum.Data[0]) + DefaultRTDWeight*float64(count)*bce
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Errorf("loss %g, want generator %g + %d × %d × discriminator %g = %g", got, genSum.Data[0], DefaultRTDWeight, count, bce, want)
	}
	for i, p := range e.Generator.Params() {
		if e := relErr(genGrads[i], p.Grad); e > 1e-5 {
			t.Errorf("generator gradient of %s: relative error %.3g against its masked-LM loss alone", p.Name, e)
		}
	}
	dtape.Reset()
	d, _, _ := e.Discriminator.rtdLoss(dtape, &corrupted, replaced, nil)
	dtape.Backward(dtape.Scale(d, float32(DefaultRTDWeight*count)))
	for i, p := range e.Discriminator.Params() {
		if e := relErr(discGrads[i], p.Grad); e > 1e-5 {
			t.Errorf("discriminator gradient of %s: relative error %.3g against its scaled loss alone", p.Name, e)
		}
	}

	// The parts, as evaluation reports them.
	wantStats := RTDStats{Masked: count, Tokens: n, Replaced: sampledReal, Correct: correct}
	if gotStats := stats; gotStats.Masked != wantStats.Masked || gotStats.Tokens != wantStats.Tokens ||
		gotStats.Replaced != wantStats.Replaced || gotStats.Correct != wantStats.Correct ||
		math.Abs(gotStats.GeneratorLoss-float64(genSum.Data[0])) > 1e-6*float64(genSum.Data[0]) ||
		math.Abs(gotStats.DiscriminatorLoss/float64(n)-bce) > 1e-6*bce {
		t.Errorf("stats %+v, want %+v with generator loss %g and discriminator loss %g per token", gotStats, wantStats, genSum.Data[0], bce)
	}
	if m := stats.Metrics(); m["replaced"] != float64(sampledReal)/float64(n) || m["discriminator_accuracy"] != float64(correct)/float64(n) {
		t.Errorf("metrics %v", m)
	}

	// Evaluation draws the same samples every time; training draws from the stream it is given.
	again, _, _ := e.Loss(tensor.NewTape(), b, nil)
	if float64(again.Data[0]) != got {
		t.Errorf("a second evaluation gave %g, the first %g", again.Data[0], got)
	}
	differs := false
	for seed := range uint64(5) {
		s, _, _ := e.Loss(tensor.NewTape(), b, tensor.NewRNG(seed))
		differs = differs || float64(s.Data[0]) != got
	}
	if !differs {
		t.Error("training samples never differ from the evaluation's")
	}
	if s := e.TakeStats(); s.Tokens != n || s.Masked != count {
		t.Errorf("after one more evaluation and five training batches the stats hold %d tokens and %d masked, want the evaluation's %d and %d",
			s.Tokens, s.Masked, n, count)
	}
	if m := e.TakeStats().Metrics(); m != nil {
		t.Errorf("stats after TakeStats: %v, want none", m)
	}
}

func TestElectraLossErrors(t *testing.T) {
	e := electraPair(t)
	noLabels := electraBatch()
	noLabels.Labels = nil
	if _, _, err := e.Loss(tensor.NewTape(), noLabels, nil); err == nil || !strings.Contains(err.Error(), "labels") {
		t.Errorf("batch without labels: %v", err)
	}
	bad := electraBatch()
	bad.IDs[0] = 40
	if _, _, err := e.Loss(tensor.NewTape(), bad, nil); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("id beyond the vocabulary: %v", err)
	}
	if _, _, err := e.Discriminator.Loss(tensor.NewTape(), electraBatch(), nil); err == nil || !strings.Contains(err.Error(), "generator") {
		t.Errorf("discriminator trained alone: %v", err)
	}
	unmasked := electraBatch()
	for i := range unmasked.Labels {
		unmasked.Labels[i] = IgnoreLabel
	}
	if s, n, err := e.Loss(tensor.NewTape(), unmasked, nil); err != nil || n != 0 || s.Data[0] != 0 {
		t.Errorf("batch without masked positions: loss %v, count %d, error %v; want 0, 0, nil", s, n, err)
	}
}

// TestElectraTrainingLowersLoss runs a few updates on one batch: both parts must learn.
func TestElectraTrainingLowersLoss(t *testing.T) {
	e, b := electraPair(t), electraBatch()
	params := e.Params()
	if len(params) != len(e.Generator.Params())+len(e.Discriminator.Params()) {
		t.Fatalf("%d parameters, want the generator's and the discriminator's", len(params))
	}
	tape := tensor.NewTape()
	loss := func() float64 {
		s, n, err := e.Loss(tape, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		return float64(s.Data[0]) / float64(n)
	}
	first := loss()
	for range 30 {
		tape.Reset()
		s, _, _ := e.Loss(tape, b, tensor.NewRNG(7))
		for _, p := range params {
			clear(p.Grad)
		}
		tape.Backward(s)
		for _, p := range params {
			for i, g := range p.Grad {
				p.Data[i] -= 1e-3 * g
			}
		}
	}
	tape.Reset()
	if last := loss(); !(last < 0.8*first) {
		t.Errorf("loss %g after 30 steps, %g before: ELECTRA does not learn", last, first)
	}
}

// TestElectraSaveLoad writes an ELECTRA pair and reads it back: the discriminator as the directory's
// model, the generator from its subdirectory, and the encoder as a classifier's start.
func TestElectraSaveLoad(t *testing.T) {
	e := electraPair(t)
	dir := t.TempDir()
	if err := e.Save(dir); err != nil {
		t.Fatal(err)
	}
	disc, info, err := Load(dir, LoadOptions{})
	if err != nil || disc.Arch != ReplacedTokenDetection || len(info.Warnings()) > 0 {
		t.Fatalf("discriminator: arch %v, warnings %v, error %v", disc.Arch, info.Warnings(), err)
	}
	gen, _, err := Load(filepath.Join(dir, GeneratorDir), LoadOptions{})
	if err != nil || gen.Arch != MaskedLM || gen.Config.HiddenSize != e.Generator.Config.HiddenSize {
		t.Fatalf("generator: %v, %v", gen, err)
	}
	for i, p := range e.Discriminator.Params() {
		if !slices.Equal(p.Data, disc.Params()[i].Data) {
			t.Errorf("%s changed in the round trip", p.Name)
		}
	}
	cls, info, err := Load(dir, LoadOptions{Arch: SequenceClassification, Labels: []string{"threat"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Unused, []string{"discriminator_predictions.dense.bias", "discriminator_predictions.dense.weight",
		"discriminator_predictions.dense_prediction.bias", "discriminator_predictions.dense_prediction.weight"}) {
		t.Errorf("unused tensors %v, want the discriminator head's", info.Unused)
	}
	w, _ := cls.Param("bert.encoder.layer.1.output.dense.weight")
	if want, _ := e.Discriminator.Param(w.Name); !slices.Equal(w.Data, want.Data) {
		t.Error("the classifier does not start from the discriminator's encoder")
	}
	if _, err := os.Stat(filepath.Join(dir, GeneratorDir, WeightsFile)); err != nil {
		t.Error(err)
	}
}
