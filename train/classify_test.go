package train

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/data"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tensor"
)

// testLabelled returns n texts from testLines; label 0 is set when the text holds "threat", label 1
// when it holds "dolls".
func testLabelled(n int) *data.Labelled {
	l := &data.Labelled{LabelNames: []string{"threat", "drugs"}}
	for i, text := range testLines(n) {
		words := map[string]bool{}
		for _, w := range strings.Fields(text) {
			words[w] = true
		}
		l.Texts = append(l.Texts, text)
		l.IDs = append(l.IDs, fmt.Sprint(i))
		l.Labels = append(l.Labels, []bool{words["threat"], words["dolls"]})
		l.Sources = append(l.Sources, data.Position{File: "t", Line: int64(i + 1)})
	}
	return l
}

func TestClassSetBatch(t *testing.T) {
	tok := testTokenizer(t)
	l := testLabelled(30)
	set := NewClassSet(tok, l, 6)
	b := set.Batch([]int{3, 0})
	if b.Size != 2 || b.Len > 6 || len(b.IDs) != 2*b.Len || len(b.AttentionMask) != len(b.IDs) || b.Count() != 4 {
		t.Fatalf("batch %d×%d with %d ids, %d targets", b.Size, b.Len, len(b.IDs), b.Count())
	}
	for k, i := range []int{3, 0} {
		enc := model.TextBatch(tok, []string{l.Texts[i]}, 6)
		row := b.IDs[k*b.Len : k*b.Len+enc.Seq]
		if !slices.Equal(row, enc.IDs) || row[0] != tok.ClsID() {
			t.Errorf("row %d = %v, want %v", k, row, enc.IDs)
		}
		for j := enc.Seq; j < b.Len; j++ {
			if b.IDs[k*b.Len+j] != tok.PadID() || b.AttentionMask[k*b.Len+j] != 0 {
				t.Errorf("row %d position %d is not padding", k, j)
			}
		}
		for j, v := range l.Labels[i] {
			if want := b2f(v); b.Targets[2*k+j] != want {
				t.Errorf("row %d label %d target %g, want %g", k, j, b.Targets[2*k+j], want)
			}
		}
	}
	mask := 0
	for _, v := range b.AttentionMask {
		mask += int(v)
	}
	if b.Tokens() != mask {
		t.Errorf("Tokens %d, mask sums to %d", b.Tokens(), mask)
	}
	batches := set.Batches(8)
	if len(batches) != 4 || batches[3].Size != 6 {
		t.Errorf("Batches(8) of 30: %d batches, last of %d", len(batches), batches[len(batches)-1].Size)
	}
}

func TestClassSetSoftTargets(t *testing.T) {
	l := testLabelled(4)
	l.Targets = [][]float64{{0.25, 0}, {1, 0.5}, {0, 0.75}, {0.125, 1}}
	b := NewClassSet(testTokenizer(t), l, 8).Batch([]int{2, 1})
	if want := []float32{0, 0.75, 1, 0.5}; !slices.Equal(b.Targets, want) {
		t.Errorf("targets %v, want %v", b.Targets, want)
	}
}

func TestClassStream(t *testing.T) {
	tok := testTokenizer(t)
	set := NewClassSet(tok, testLabelled(10), 8)
	s, err := NewClassStream(set, 4, 9)
	if err != nil {
		t.Fatal(err)
	}
	if s.StepsPerEpoch() != 3 {
		t.Fatalf("StepsPerEpoch = %d, want 3", s.StepsPerEpoch())
	}
	// Each epoch holds batches of 4, 4 and 2 covering every text once, in a new order.
	var orders [][]int
	for range 2 {
		var seen []int
		for k := range 3 {
			b, _ := s.Next()
			if want := []int{4, 4, 2}[k]; b.Size != want {
				t.Errorf("batch %d of an epoch has %d texts, want %d", k, b.Size, want)
			}
			seen = append(seen, s.order[s.next-b.Size:s.next]...)
		}
		sorted := slices.Sorted(slices.Values(seen))
		if !slices.Equal(sorted, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("an epoch visited %v", seen)
		}
		orders = append(orders, seen)
	}
	if slices.Equal(orders[0], orders[1]) {
		t.Error("two epochs in the same order")
	}
	// Restoring a saved position continues with the same batches.
	st, _ := s.State()
	want, _ := s.Next()
	r, _ := NewClassStream(set, 4, 9)
	if err := r.Restore(st); err != nil {
		t.Fatal(err)
	}
	got, _ := r.Next()
	if !slices.Equal(got.IDs, want.IDs) || !slices.Equal(got.Targets, want.Targets) {
		t.Error("restored stream gives another batch")
	}
	if err := r.Restore([]byte(`{"epoch":0,"next":11}`)); err == nil {
		t.Error("position past the set: no error")
	}
	if _, err := NewClassStream(set, 0, 1); err == nil {
		t.Error("batch size 0: no error")
	}
}

func TestClassStreamPieceDropout(t *testing.T) {
	tok := letterTokenizer(t)
	l := testLabelled(40)
	greedy := NewClassSet(tok, l, 64)
	newStream := func() *ClassStream {
		s, err := NewClassStream(NewClassSet(tok, l, 64), 20, 3)
		if err != nil {
			t.Fatal(err)
		}
		s.PieceDropout = 0.3
		return s
	}
	s := newStream()
	// seqs[e][i] is text i as epoch e splits it.
	var seqs [2][][]int32
	for e := range seqs {
		seqs[e] = make([][]int32, l.Len())
		for range 2 {
			b, _ := s.Next()
			for k, i := range s.order[s.next-b.Size : s.next] {
				n := 0
				for _, m := range b.AttentionMask[k*b.Len : (k+1)*b.Len] {
					n += int(m)
				}
				seqs[e][i] = b.IDs[k*b.Len : k*b.Len+n]
			}
		}
	}
	changed, same := [2]int{}, 0
	for i := range l.Len() {
		want := tok.Decode(greedy.seqs[i], true)
		for e := range seqs {
			if got := tok.Decode(seqs[e][i], true); got != want {
				t.Fatalf("epoch %d, text %d: pieces decode to %q, want %q", e, i, got, want)
			}
			if !slices.Equal(seqs[e][i], greedy.seqs[i]) {
				changed[e]++
			}
		}
		if slices.Equal(seqs[0][i], seqs[1][i]) {
			same++
		}
	}
	if changed[0] < l.Len()/2 || changed[1] < l.Len()/2 || same > l.Len()/4 {
		t.Errorf("epochs 0 and 1 change the split of %v of %d texts, and split %d alike", changed, l.Len(), same)
	}
	// A restored stream draws the same pieces.
	st, _ := s.State()
	want, _ := s.Next()
	r := newStream()
	if err := r.Restore(st); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Next(); !slices.Equal(got.IDs, want.IDs) {
		t.Error("restored stream splits the texts otherwise")
	}
}

func TestPosWeights(t *testing.T) {
	l := &data.Labelled{LabelNames: []string{"a", "b"}, Labels: [][]bool{{true, false}, {false, true}, {false, true}, {false, false}}}
	l.Texts = make([]string, 4)
	w, err := PosWeights(l)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w, []float32{3, 1}) {
		t.Errorf("PosWeights = %v, want [3 1] (negatives/positives)", w)
	}
	l.Labels[0][0] = false
	if _, err := PosWeights(l); err == nil {
		t.Error("a label without positives: no error")
	}
}

func TestClassifierLossWeighsPositives(t *testing.T) {
	tok := testTokenizer(t)
	cfg, _ := model.Preset("tiny", tok.VocabSize())
	m, err := model.New(cfg.WithLabels([]string{"threat", "drugs"}), model.SequenceClassification, 1)
	if err != nil {
		t.Fatal(err)
	}
	b := NewClassSet(tok, testLabelled(12), 16).Batch([]int{0, 1, 2, 3, 4, 5})
	tape := tensor.NewTape()
	tape.SetGrad(false)
	logits, _ := Logits(m, []ClassBatch{b})
	w := []float32{4, 0.5}
	sum, n, err := Classifier{M: m, PosWeight: w}.Loss(tape, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for i, row := range logits {
		for j, z := range row {
			y := float64(b.Targets[2*i+j])
			want += -float64(w[j])*y*math.Log(sigmoid(z)) - (1-y)*math.Log(1-sigmoid(z))
		}
	}
	if n != 12 || math.Abs(float64(sum.Data[0])-want) > 1e-4*want {
		t.Errorf("loss %g over %d targets, want %g over 12", sum.Data[0], n, want)
	}
	if _, _, err := (Classifier{M: m, PosWeight: []float32{1}}).Loss(tape, b, nil); err == nil {
		t.Error("one positive weight for two labels: no error")
	}
}

func b2f(v bool) float32 {
	if v {
		return 1
	}
	return 0
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func TestLayerDecayAndFrozen(t *testing.T) {
	cfg, _ := model.Preset("tiny", 20)
	m, err := model.New(cfg.WithLabels([]string{"x"}), model.SequenceClassification, 1)
	if err != nil {
		t.Fatal(err)
	}
	params := m.Params()
	scale := LayerDecay(params, 2, 0.5)
	frozen := Frozen(params, scale)
	want := map[string]float64{
		"bert.embeddings.word_embeddings.weight":           0.125,
		"bert.encoder.layer.0.attention.self.query.weight": 0.25,
		"bert.encoder.layer.1.output.LayerNorm.bias":       0.5,
		"bert.pooler.dense.weight":                         1,
		"classifier.bias":                                  1,
	}
	for i, p := range params {
		w, ok := want[p.Name]
		if ok && scale[i] != w {
			t.Errorf("%s: scale %g, want %g", p.Name, scale[i], w)
		}
		if IsEncoder(p.Name) != (frozen[i] == 0) || (!IsEncoder(p.Name) && frozen[i] != scale[i]) {
			t.Errorf("%s: frozen scale %g", p.Name, frozen[i])
		}
	}
	if s := LayerDecay(params, 2, 1); slices.ContainsFunc(s, func(x float64) bool { return x != 1 }) {
		t.Error("decay 1 changes a multiplier")
	}
}

// BenchmarkClassStreamNext measures cutting a padded batch of 32 texts from a tokenized set.
func BenchmarkClassStreamNext(b *testing.B) {
	set := NewClassSet(testTokenizer(b), testLabelled(1000), 64)
	s, err := NewClassStream(set, 32, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Next(); err != nil {
			b.Fatal(err)
		}
	}
}
