package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-ml/vigil/tensor"
)

// testConfig exercises every part of an update: warmup, cosine decay, weight decay, clipping,
// accumulation, evaluation and periodic checkpoints.
func testConfig() Config {
	return Config{
		MaxSteps: 14, GradAccum: 2, LR: 0.05, Warmup: 3, Decay: DecayCosine, WeightDecay: 0.01,
		ClipNorm: 1, EvalEvery: 4, SaveEvery: 3, Seed: 5,
	}
}

// newTestTrainer builds a trainer over the toy model and an MLM corpus of path.
func newTestTrainer(t testing.TB, dir, path string, cfg Config, resume bool) (*Trainer[MLMBatch], *toyModel) {
	t.Helper()
	tok := testTokenizer(t)
	c, err := NewCorpus(tok, CorpusConfig{
		Files: []string{path}, SeqLen: 16, BatchSize: 4, Seed: cfg.Seed,
		HoldoutEvery: 5, EvalSequences: 4, ShuffleBlock: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	m := newToyModel(tok.VocabSize(), 8, 0.1, cfg.Seed)
	return &Trainer[MLMBatch]{
		Model: m, Train: c, Eval: c.Eval(), Perplexity: true, Dir: dir,
		Save: m.save, Load: m.load, Config: cfg, Resume: resume,
	}, m
}

func weightBits(m *toyModel) []uint32 {
	var bits []uint32
	for _, p := range m.Params() {
		for _, v := range p.Data {
			bits = append(bits, math.Float32bits(v))
		}
	}
	return bits
}

// readMetrics returns metrics.jsonl without the timing field, which differs between runs.
func readMetrics(t *testing.T, dir string) []Metrics {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var ms []Metrics
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var m Metrics
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		m.TokensPerS = 0
		ms = append(ms, m)
	}
	return ms
}

// reference runs testConfig without interruption once per test binary.
var referenceRun struct {
	bits    []uint32
	metrics []Metrics
	weights []byte
}

func reference(t *testing.T, path string) ([]uint32, []Metrics, []byte) {
	t.Helper()
	if referenceRun.bits == nil {
		dir := t.TempDir()
		tr, m := newTestTrainer(t, dir, path, testConfig(), false)
		res, err := tr.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Step != 14 || math.IsNaN(res.EvalLoss) {
			t.Fatalf("reference run: %+v", res)
		}
		w, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		referenceRun.bits, referenceRun.metrics, referenceRun.weights = weightBits(m), readMetrics(t, dir), w
	}
	return referenceRun.bits, referenceRun.metrics, referenceRun.weights
}

// sharedCorpus is the corpus every resume test trains on: about two epochs in 14 steps.
func sharedCorpus(t *testing.T) string {
	t.Helper()
	p := filepath.Join(os.TempDir(), fmt.Sprintf("vigil-train-test-%d.txt", os.Getpid()))
	if _, err := os.Stat(p); err != nil {
		writeCorpus(t, os.TempDir(), filepath.Base(p), testLines(150))
	}
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	os.Remove(filepath.Join(os.TempDir(), fmt.Sprintf("vigil-train-test-%d.txt", os.Getpid())))
	os.Exit(code)
}

// checkSameRun asserts that a resumed run in dir ended exactly as the reference did.
func checkSameRun(t *testing.T, dir string, m *toyModel, path string) {
	t.Helper()
	bits, metrics, weights := reference(t, path)
	if got := weightBits(m); !slices.Equal(got, bits) {
		diff := 0
		for i := range got {
			if got[i] != bits[i] {
				diff++
			}
		}
		t.Errorf("resumed weights differ from the uninterrupted run in %d of %d values", diff, len(bits))
	}
	got := readMetrics(t, dir)
	for i := range max(len(got), len(metrics)) {
		if i >= len(got) || i >= len(metrics) {
			t.Errorf("%d metrics lines, want %d", len(got), len(metrics))
			break
		}
		if !metricsEqual(got[i], metrics[i]) {
			t.Errorf("metrics line %d: %s, want %s", i, jsonString(got[i]), jsonString(metrics[i]))
			break
		}
	}
	if w, err := os.ReadFile(filepath.Join(dir, "model.safetensors")); err != nil || !bytes.Equal(w, weights) {
		t.Errorf("model.safetensors differs from the uninterrupted run's (%v)", err)
	}
}

func metricsEqual(x, y Metrics) bool {
	return x.Step == y.Step && x.Loss == y.Loss && x.LR == y.LR && x.GradNorm == y.GradNorm && x.Tokens == y.Tokens &&
		samePtr(x.EvalLoss, y.EvalLoss) && samePtr(x.EvalPPL, y.EvalPPL)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func samePtr(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func TestRunMetrics(t *testing.T) {
	_, metrics, _ := reference(t, sharedCorpus(t))
	if len(metrics) != 14 {
		t.Fatalf("%d metrics lines, want 14", len(metrics))
	}
	sched := testConfig().Schedule()
	for i, m := range metrics {
		if m.Step != i+1 || m.LR != sched.LR(i) || m.Tokens <= 0 || !(m.Loss > 0) || !(m.GradNorm > 0) {
			t.Errorf("line %d: %+v", i, m)
		}
		evaluated := m.Step%4 == 0 || m.Step == 14
		if (m.EvalLoss != nil) != evaluated || (evaluated && math.Abs(*m.EvalPPL-math.Exp(*m.EvalLoss)) > 1e-9) {
			t.Errorf("step %d: eval_loss %v eval_ppl %v", m.Step, m.EvalLoss, m.EvalPPL)
		}
	}
	if first, last := metrics[0].Loss, metrics[13].Loss; !(last < first) {
		t.Errorf("loss did not fall: %g → %g", first, last)
	}
}

func TestResumeAfterCancel(t *testing.T) {
	path := sharedCorpus(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr, _ := newTestTrainer(t, dir, path, testConfig(), false)
	tr.Log = func(m Metrics) {
		if m.Step == 7 { // between periodic checkpoints (3, 6, 9)
			cancel()
		}
	}
	res, err := tr.Run(ctx)
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) || res.Step != 7 {
		t.Fatalf("interrupted run: %+v, %v", res, err)
	}
	if st := readState(t, dir); st.Step != 7 {
		t.Fatalf("checkpoint at step %d, want 7", st.Step)
	}
	tr, m := newTestTrainer(t, dir, path, testConfig(), true)
	if res, err := tr.Run(context.Background()); err != nil || res.Step != 14 {
		t.Fatalf("resumed run: %+v, %v", res, err)
	}
	checkSameRun(t, dir, m, path)
}

func readState(t *testing.T, dir string) checkpointState {
	t.Helper()
	var st checkpointState
	b, err := os.ReadFile(filepath.Join(dir, StateDir, stateFile))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

const helperEnv = "VIGIL_TRAIN_HELPER"

// TestHelperTrain is not a test: TestResumeAfterKill runs the test binary with helperEnv set to
// "dir:corpus" and this function then trains slowly until it is killed.
func TestHelperTrain(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		return
	}
	dir, path, _ := strings.Cut(spec, ":")
	tr, m := newTestTrainer(t, dir, path, testConfig(), false)
	tr.Config.SaveEvery = 2
	m.delay = 40 * time.Millisecond
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestResumeAfterKill(t *testing.T) {
	path := sharedCorpus(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperTrain$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir+":"+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st checkpointState
		if b, err := os.ReadFile(filepath.Join(dir, StateDir, stateFile)); err == nil && json.Unmarshal(b, &st) == nil && st.Step >= 4 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper wrote no checkpoint at step 4 in 30 s:\n%s", out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// The helper saves every other step; killing it mid-run leaves a checkpoint short of the end.
	killedAt := readState(t, dir).Step
	if killedAt >= 14 {
		t.Fatalf("helper finished before it was killed (step %d)", killedAt)
	}
	tr, m := newTestTrainer(t, dir, path, testConfig(), true)
	if res, err := tr.Run(context.Background()); err != nil || res.Step != 14 {
		t.Fatalf("resumed run after kill at step %d: %+v, %v", killedAt, res, err)
	}
	checkSameRun(t, dir, m, path)
}

// TestCheckpointCrash checks that an interrupted checkpoint never leaves a state that resumes wrongly.
func TestCheckpointCrash(t *testing.T) {
	path := sharedCorpus(t)
	t.Run("save fails", func(t *testing.T) {
		dir := t.TempDir()
		tr, m := newTestTrainer(t, dir, path, testConfig(), false)
		calls := 0
		tr.Save = func(d string) error {
			if filepath.Base(d) == StateDir+".tmp" {
				calls++
				if calls == 3 { // the checkpoint at step 9, after a partial write
					m.save(d)
					return errors.New("disk full")
				}
			}
			return m.save(d)
		}
		if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("Run: %v, want the save error", err)
		}
		if st := readState(t, dir); st.Step != 6 {
			t.Fatalf("checkpoint at step %d, want 6", st.Step)
		}
		tr, m = newTestTrainer(t, dir, path, testConfig(), true)
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkSameRun(t, dir, m, path)
	})
	t.Run("crash while swapping", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		tr, _ := newTestTrainer(t, dir, path, testConfig(), false)
		tr.Log = func(m Metrics) {
			if m.Step == 8 {
				cancel()
			}
		}
		if _, err := tr.Run(ctx); !errors.Is(err, ErrInterrupted) {
			t.Fatal(err)
		}
		// As if the next checkpoint had moved the current one aside and died before renaming its own
		// half-written directory into place.
		state := filepath.Join(dir, StateDir)
		if err := os.Rename(state, state+".old"); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(state+".tmp", 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(state+".tmp", optimizerFile), []byte("partial"), 0o644)
		if !HasCheckpoint(dir) {
			t.Fatal("HasCheckpoint = false with a complete trainer_state.old")
		}
		tr, m := newTestTrainer(t, dir, path, testConfig(), true)
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkSameRun(t, dir, m, path)
		for _, stale := range []string{".old", ".tmp"} {
			if _, err := os.Stat(state + stale); err == nil {
				t.Errorf("%s%s left behind", StateDir, stale)
			}
		}
	})
}

func TestTruncateMetrics(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, MetricsFile)
	content := `{"step":1,"loss":3}` + "\n" + `{"step":2,"loss":2}` + "\n" + `{"step":3,"loss":1}` + "\n" + `{"step":4,"lo`
	tests := []struct {
		step int
		want string
	}{
		{4, content[:strings.LastIndex(content, "\n")+1]},
		{2, `{"step":1,"loss":3}` + "\n" + `{"step":2,"loss":2}` + "\n"},
		{0, ""},
	}
	for _, tc := range tests {
		os.WriteFile(path, []byte(content), 0o644)
		if err := truncateMetrics(path, tc.step); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != tc.want {
			t.Errorf("truncate to %d: %q, want %q", tc.step, b, tc.want)
		}
	}
	if err := truncateMetrics(filepath.Join(dir, "none.jsonl"), 3); err != nil {
		t.Errorf("missing metrics file: %v", err)
	}
}

// TestAccumulation checks that 4 micro-batches of 8 sequences make the same update as one batch of 32.
func TestAccumulation(t *testing.T) {
	path := writeCorpus(t, t.TempDir(), "c.txt", testLines(200))
	tok := testTokenizer(t)
	step := func(batch, accum int) ([]float32, []float32, float64, float64, []int) {
		c, err := NewCorpus(tok, CorpusConfig{Files: []string{path}, SeqLen: 16, BatchSize: batch, Seed: 1, ShuffleBlock: 1000})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		m := newToyModel(tok.VocabSize(), 8, 0, 3)
		tr := &Trainer[MLMBatch]{Model: m, Train: c, Dir: t.TempDir(), Save: m.save, Load: m.load,
			Config: Config{MaxSteps: 1, GradAccum: accum, LR: 0.01, WeightDecay: 0.1}}
		if err := tr.start(); err != nil {
			t.Fatal(err)
		}
		defer tr.metrics.close()
		var micro []MLMBatch
		var counts []int
		for range accum {
			b, err := c.Next()
			if err != nil {
				t.Fatal(err)
			}
			micro, counts = append(micro, b), append(counts, b.Count())
		}
		loss, norm, _, err := tr.update(micro, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		var grads, weights []float32
		for _, p := range m.Params() {
			grads, weights = append(grads, p.Grad...), append(weights, p.Data...)
		}
		return grads, weights, loss, norm, counts
	}
	g1, w1, l1, n1, _ := step(32, 1)
	g4, w4, l4, n4, counts := step(8, 4)
	if slices.Min(counts) == slices.Max(counts) {
		t.Fatalf("micro-batches all count %d targets: per-batch normalisation would pass too", counts[0])
	}
	if math.Abs(l1-l4) > 1e-6 || math.Abs(n1-n4) > 1e-6 {
		t.Errorf("loss %g vs %g, grad norm %g vs %g", l1, l4, n1, n4)
	}
	for name, pair := range map[string][2][]float32{"gradient": {g1, g4}, "weight": {w1, w4}} {
		worst := 0.0
		for i := range pair[0] {
			worst = max(worst, math.Abs(float64(pair[0][i]-pair[1][i])))
		}
		if worst > 1e-6 {
			t.Errorf("%s differs by up to %g", name, worst)
		}
	}
}

func TestRunErrors(t *testing.T) {
	path := sharedCorpus(t)
	t.Run("resume without checkpoint", func(t *testing.T) {
		tr, _ := newTestTrainer(t, t.TempDir(), path, testConfig(), true)
		if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
			t.Errorf("Run: %v", err)
		}
	})
	t.Run("fresh run over a checkpoint", func(t *testing.T) {
		dir := t.TempDir()
		cfg := testConfig()
		cfg.MaxSteps, cfg.Warmup = 2, 0
		tr, _ := newTestTrainer(t, dir, path, cfg, false)
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		tr, _ = newTestTrainer(t, dir, path, cfg, false)
		if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "already holds a checkpoint") {
			t.Errorf("Run: %v", err)
		}
	})
	t.Run("divergence", func(t *testing.T) {
		dir := t.TempDir()
		cfg := testConfig()
		cfg.LR, cfg.ClipNorm, cfg.Warmup = 1e38, 0, 0
		tr, _ := newTestTrainer(t, dir, path, cfg, false)
		res, err := tr.Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "diverged") {
			t.Fatalf("Run: %+v, %v", res, err)
		}
		if HasCheckpoint(dir) {
			t.Error("a diverged run wrote a checkpoint")
		}
	})
	t.Run("bad config", func(t *testing.T) {
		cfg := testConfig()
		cfg.Beta1 = 1
		tr, _ := newTestTrainer(t, t.TempDir(), path, cfg, false)
		if _, err := tr.Run(context.Background()); err == nil {
			t.Error("beta1 = 1 accepted")
		}
	})
}

func TestNoDecay(t *testing.T) {
	for name, want := range map[string]bool{
		"bert.encoder.layer.0.attention.self.query.weight": false,
		"bert.encoder.layer.0.attention.self.query.bias":   true,
		"bert.embeddings.LayerNorm.weight":                 true,
		"bert.encoder.layer.0.output.LayerNorm.bias":       true,
		"cls.predictions.bias":                             true,
		"bert.embeddings.word_embeddings.weight":           false,
		"cls.predictions.transform.LayerNorm.weight":       true,
		"classifier.weight":                                false,
	} {
		if got := NoDecay(tensor.NewParam(name, 1)); got != want {
			t.Errorf("NoDecay(%s) = %v", name, got)
		}
	}
}

// failingModel fails on its n-th call to Loss.
type failingModel struct {
	*toyModel
	calls, failAt int
}

func (f *failingModel) Loss(t *tensor.Tape, b MLMBatch, rng *tensor.RNG) (*tensor.Tensor, int, error) {
	f.calls++
	if f.calls == f.failAt {
		return nil, 0, errors.New("batch too long")
	}
	return f.toyModel.Loss(t, b, rng)
}

func TestRunProgressAndModelError(t *testing.T) {
	path := sharedCorpus(t)
	cfg := testConfig()
	cfg.MaxSteps, cfg.Warmup = 3, 0
	tr, _ := newTestTrainer(t, t.TempDir(), path, cfg, false)
	var bar bytes.Buffer
	tr.Progress = &bar
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := bar.String(); !strings.Contains(s, "training") || !strings.Contains(s, "100.0%") || !strings.Contains(s, "tok/s") {
		t.Errorf("progress bar %q", s)
	}

	tr, m := newTestTrainer(t, t.TempDir(), path, cfg, false)
	tr.Model = &failingModel{toyModel: m, failAt: 5} // the first micro-batch of step 3
	if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "step 3: batch too long") {
		t.Errorf("Run: %v", err)
	}
}

// oneUpdate makes one update of m over two micro-batches at learning rate 0, with the trainer set
// up by set, and returns the gradients and the weights after it.
func oneUpdate(t *testing.T, m *toyModel, set func(*Trainer[MLMBatch])) (grads, weights []float32) {
	t.Helper()
	tok := testTokenizer(t)
	path := writeCorpus(t, t.TempDir(), "c.txt", testLines(50))
	c, err := NewCorpus(tok, CorpusConfig{Files: []string{path}, SeqLen: 16, BatchSize: 8, Seed: 1, ShuffleBlock: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tr := &Trainer[MLMBatch]{Model: m, Train: c, Dir: t.TempDir(), Save: m.save, Load: m.load,
		Config: Config{MaxSteps: 1, GradAccum: 2, LR: 0.01, WeightDecay: 0.1}}
	set(tr)
	if err := tr.start(); err != nil {
		t.Fatal(err)
	}
	defer tr.metrics.close()
	var micro []MLMBatch
	for range 2 {
		b, err := c.Next()
		if err != nil {
			t.Fatal(err)
		}
		micro = append(micro, b)
	}
	if _, _, _, err := tr.update(micro, 0); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		grads, weights = append(grads, p.Grad...), append(weights, p.Data...)
	}
	return grads, weights
}

// checkSum reports whether got is clean + there, and whether there differs from clean enough for
// the comparison to tell.
func checkSum(t *testing.T, got, clean, there []float32) {
	t.Helper()
	worst, diff := 0.0, 0.0
	for i := range got {
		worst = max(worst, math.Abs(float64(got[i]-clean[i]-there[i])))
		diff = max(diff, math.Abs(float64(there[i]-clean[i])))
	}
	if diff < 1e-4 {
		t.Fatalf("the move changes the gradient by %g only: the test cannot tell", diff)
	}
	if worst > 1e-6 {
		t.Errorf("gradient differs from clean + moved by up to %g", worst)
	}
}

// TestAdversary checks an adversarial update: its gradient is the clean gradient plus the gradient at
// the word embeddings moved by Epsilon along the clean one, and the embeddings are left as they were.
func TestAdversary(t *testing.T) {
	const eps = 0.5
	tok := testTokenizer(t)
	newModel := func() *toyModel { return newToyModel(tok.VocabSize(), 8, 0, 3) }
	plain := func(*Trainer[MLMBatch]) {}

	clean, start := oneUpdate(t, newModel(), plain)
	moved := newModel()
	var sq float64
	for _, g := range clean[:len(moved.emb.Data)] {
		sq += float64(g) * float64(g)
	}
	for i := range moved.emb.Data {
		moved.emb.Data[i] += float32(eps/math.Sqrt(sq)) * clean[i]
	}
	there, _ := oneUpdate(t, moved, plain)
	m := newModel()
	got, weights := oneUpdate(t, m, func(tr *Trainer[MLMBatch]) { tr.Adversary = &Adversary{Param: m.emb, Epsilon: eps} })

	if !slices.Equal(weights, start) {
		t.Error("the adversarial update left the embeddings moved")
	}
	checkSum(t, got, clean, there)
	off, _ := oneUpdate(t, newModel(), func(tr *Trainer[MLMBatch]) { tr.Adversary = &Adversary{Param: m.emb, Epsilon: 0} })
	if !slices.Equal(off, clean) {
		t.Error("Epsilon 0 changed the gradient")
	}
}

// fixedShift is an InputAdversary that moves the toy model's embeddings by a fixed change, or by
// none when it aims at nothing; it counts its calls.
type fixedShift struct {
	m           *toyModel
	by          float32
	clean       []float32
	aims, rests int
}

func (s *fixedShift) Aim() bool {
	s.aims++
	if s.by == 0 {
		return false
	}
	s.clean = append(s.clean[:0], s.m.emb.Data...)
	for i := range s.m.emb.Data {
		s.m.emb.Data[i] += s.by
	}
	return true
}

func (s *fixedShift) Rest() {
	s.rests++
	copy(s.m.emb.Data, s.clean)
}

// TestInputAdversary checks the trainer's side of adversarial inputs: after each micro-batch's
// backward pass it aims, adds the gradient of the loss under the change and rests; a change aimed at
// nothing adds nothing.
func TestInputAdversary(t *testing.T) {
	const by = 0.3
	tok := testTokenizer(t)
	newModel := func() *toyModel { return newToyModel(tok.VocabSize(), 8, 0, 3) }
	clean, start := oneUpdate(t, newModel(), func(*Trainer[MLMBatch]) {})
	moved := newModel()
	for i := range moved.emb.Data {
		moved.emb.Data[i] += by
	}
	there, _ := oneUpdate(t, moved, func(*Trainer[MLMBatch]) {})

	for _, step := range []float32{by, 0} {
		m := newModel()
		s := &fixedShift{m: m, by: step}
		got, weights := oneUpdate(t, m, func(tr *Trainer[MLMBatch]) { tr.InputAdversary = s })
		wantRests := 0
		if step != 0 {
			wantRests = 2
		}
		if s.aims != 2 || s.rests != wantRests {
			t.Errorf("change %g: %d aims and %d rests over two micro-batches, want 2 and %d", step, s.aims, s.rests, wantRests)
		}
		if !slices.Equal(weights, start) {
			t.Errorf("change %g: the update left the inputs moved", step)
		}
		if step == 0 {
			if !slices.Equal(got, clean) {
				t.Error("a change aimed at nothing changed the gradient")
			}
			continue
		}
		checkSum(t, got, clean, there)
	}
}
