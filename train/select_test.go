package train

import (
	"context"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/model/safetensors"
)

// scripted returns a Trainer.Select that reports scores[step-1] at each step and remembers the
// weights it saw, by step.
func scripted(tr *Trainer[MLMBatch], m *toyModel, scores []float64, seen map[int][]uint32) func() (float64, map[string]float64, error) {
	return func() (float64, map[string]float64, error) {
		s := scores[tr.step-1]
		seen[tr.step] = weightBits(m)
		return s, map[string]float64{"pr_auc": s}, nil
	}
}

func savedBits(t *testing.T, dir string) []uint32 {
	t.Helper()
	f, err := safetensors.Read(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var bits []uint32
	for _, name := range []string{"embeddings.word_embeddings.weight", "cls.predictions.decoder.weight", "cls.predictions.bias"} {
		ts, _ := f.Get(name)
		for _, v := range ts.Data {
			bits = append(bits, math.Float32bits(v))
		}
	}
	return bits
}

// TestSelectKeepsBest stops a run after Patience evaluations without improvement and checks that Dir
// holds the best evaluation's weights, that metrics.jsonl marks it, and that an interrupted run
// resumed from a checkpoint judges against the same best.
func TestSelectKeepsBest(t *testing.T) {
	path := sharedCorpus(t)
	scores := []float64{0.5, 0.7, 0.6, 0.65, 0.7, 0.9, 0.95, 0.99, 1}
	cfg := testConfig()
	cfg.MaxSteps, cfg.EvalEvery, cfg.Patience, cfg.SaveEvery = 9, 0, 3, 0
	evalAt := func(step int) bool { return true }

	dir := t.TempDir()
	tr, m := newTestTrainer(t, dir, path, cfg, false)
	seen := map[int][]uint32{}
	tr.Select, tr.EvalAt = scripted(tr, m, scores, seen), evalAt
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Steps 3, 4 and 5 do not beat step 2's 0.7 (a tie is no improvement): the run stops at step 5.
	if res.Step != 5 || !res.Stopped || res.Best != 0.7 || res.BestStep != 2 {
		t.Fatalf("result %+v, want stopped at step 5 with best 0.7 at step 2", res)
	}
	if got := savedBits(t, dir); !slices.Equal(got, seen[2]) {
		t.Error("Dir does not hold the weights of the best evaluation")
	}
	if slices.Equal(seen[2], seen[5]) {
		t.Fatal("the weights did not change after the best step; the test proves nothing")
	}
	ms := readMetrics(t, dir)
	if len(ms) != 5 {
		t.Fatalf("%d metrics lines, want 5", len(ms))
	}
	for i, mt := range ms {
		if mt.Best != (i == 0 || i == 1) || mt.Eval["pr_auc"] != scores[i] {
			t.Errorf("metrics line %d: best %v, eval %v", i, mt.Best, mt.Eval)
		}
	}
	// A stopped run is complete: resuming it does nothing.
	tr, m = newTestTrainer(t, dir, path, cfg, true)
	tr.Select, tr.EvalAt = scripted(tr, m, scores, map[int][]uint32{}), evalAt
	if res, err := tr.Run(context.Background()); err != nil || res.Step != 5 || res.Resumed != 5 || !res.Stopped || res.BestStep != 2 {
		t.Errorf("resuming a stopped run: %+v, %v", res, err)
	}

	// Interrupted at step 3 and resumed, the run ends the same way.
	dir2 := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr, m = newTestTrainer(t, dir2, path, cfg, false)
	tr.Select, tr.EvalAt = scripted(tr, m, scores, map[int][]uint32{}), evalAt
	tr.Log = func(mt Metrics) {
		if mt.Step == 3 {
			cancel()
		}
	}
	if _, err := tr.Run(ctx); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	tr, m = newTestTrainer(t, dir2, path, cfg, true)
	tr.Select, tr.EvalAt = scripted(tr, m, scores, map[int][]uint32{}), evalAt
	res, err = tr.Run(context.Background())
	if err != nil || res.Step != 5 || !res.Stopped || res.BestStep != 2 {
		t.Fatalf("resumed run: %+v, %v", res, err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	b, _ := os.ReadFile(filepath.Join(dir2, "model.safetensors"))
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Error("the resumed run kept other weights than the uninterrupted one")
	}

	// Evaluations up to PatienceAfter do not count: steps 3 and 4 are not held against step 2, step 5
	// is, and step 6 improves before patience runs out, so the run goes on to MaxSteps.
	tr, m = newTestTrainer(t, t.TempDir(), path, cfg, false)
	tr.Select, tr.EvalAt, tr.PatienceAfter = scripted(tr, m, scores, map[int][]uint32{}), evalAt, 4
	if res, err := tr.Run(context.Background()); err != nil || res.Step != 9 || res.Stopped || res.BestStep != 9 {
		t.Errorf("run with PatienceAfter 4: %+v, %v", res, err)
	}

	// Without patience the run goes on to MaxSteps and keeps the last improvement.
	cfg.Patience = 0
	dir3 := t.TempDir()
	tr, m = newTestTrainer(t, dir3, path, cfg, false)
	seen = map[int][]uint32{}
	tr.Select, tr.EvalAt = scripted(tr, m, scores, seen), evalAt
	if res, err := tr.Run(context.Background()); err != nil || res.Step != 9 || res.Stopped || res.BestStep != 9 {
		t.Errorf("run without patience: %+v, %v", res, err)
	}
	if got := savedBits(t, dir3); !slices.Equal(got, seen[9]) {
		t.Error("Dir does not hold the last best weights")
	}
}

// TestLRScaleFreezes trains with the embeddings frozen for the first steps: they must not move then,
// and must move after.
func TestLRScaleFreezes(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSteps, cfg.WeightDecay = 4, 0.1
	tr, m := newTestTrainer(t, t.TempDir(), sharedCorpus(t), cfg, false)
	frozen, free := []float64{0, 1, 1}, []float64{1, 0.5, 1}
	tr.LRScale = func(step int) []float64 {
		if step < 2 {
			return frozen
		}
		return free
	}
	start := slices.Clone(m.emb.Data)
	var norms []float64
	tr.Log = func(mt Metrics) {
		norms = append(norms, mt.GradNorm)
		if mt.Step == 2 && !slices.Equal(m.emb.Data, start) {
			t.Error("frozen embeddings moved")
		}
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(m.emb.Data, start) {
		t.Error("embeddings did not move once unfrozen")
	}
	if len(norms) != 4 || !(norms[0] > 0) {
		t.Errorf("gradient norms %v", norms)
	}
	tr.LRScale = func(int) []float64 { return []float64{1} }
	tr2, _ := newTestTrainer(t, t.TempDir(), sharedCorpus(t), cfg, false)
	tr2.LRScale = tr.LRScale
	if _, err := tr2.Run(context.Background()); err == nil {
		t.Error("one multiplier for three parameters: no error")
	}
}

// TestEvalMetrics checks that EvalMetrics's values reach metrics.jsonl at every evaluation, and only
// then, beside Select's.
func TestEvalMetrics(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSteps, cfg.EvalEvery = 6, 3
	dir := t.TempDir()
	tr, m := newTestTrainer(t, dir, sharedCorpus(t), cfg, false)
	calls := 0
	tr.EvalMetrics = func() map[string]float64 {
		calls++
		return map[string]float64{"part": float64(calls)}
	}
	tr.Select = scripted(tr, m, []float64{0, 0, 0.5, 0, 0, 0.25}, map[int][]uint32{})
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, dir)
	if len(ms) != 6 || calls != 2 {
		t.Fatalf("%d metrics lines and %d EvalMetrics calls, want 6 and 2", len(ms), calls)
	}
	for i, mt := range ms {
		want := map[string]float64(nil)
		switch mt.Step {
		case 3:
			want = map[string]float64{"part": 1, "pr_auc": 0.5}
		case 6:
			want = map[string]float64{"part": 2, "pr_auc": 0.25}
		}
		if !maps.Equal(mt.Eval, want) {
			t.Errorf("metrics line %d: eval %v, want %v", i, mt.Eval, want)
		}
	}
}
