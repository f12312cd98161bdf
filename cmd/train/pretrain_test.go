package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
)

// pretrainFixture writes a corpus and trains a tokenizer on it.
func pretrainFixture(t *testing.T) (dir, corpus, tok string) {
	t.Helper()
	dir = t.TempDir()
	corpus = filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(corpus, []byte(corpusLines()), 0o644); err != nil {
		t.Fatal(err)
	}
	tok = filepath.Join(dir, "tok")
	if _, stderr, code := run(t, "tokenizer", "--corpus", corpus, "--vocab-size", "60", "--out", tok, "--set", "min_frequency=1"); code != 0 {
		t.Fatalf("tokenizer: exit %d: %s", code, stderr)
	}
	return dir, corpus, tok
}

// pretrainArgs is a tiny pretraining run: 400 lines of 8 words make about 150 sequences of 24 tokens.
func pretrainArgs(tok, corpus, out string, steps string) []string {
	return []string{"pretrain", "--tokenizer", tok, "--data", corpus, "--out", out, "--max-steps", steps,
		"--batch-size", "4", "--grad-accum", "2", "--seq-len", "24", "--eval-every", "3", "--save-every", "2",
		"--warmup", "2", "--set", "eval_sequences=8", "--set", "holdout_every=10", "--set", "shuffle_block=16"}
}

type metricsLine struct {
	Step     int      `json:"step"`
	Loss     float64  `json:"loss"`
	LR       float64  `json:"lr"`
	GradNorm float64  `json:"grad_norm"`
	EvalLoss *float64 `json:"eval_loss"`
	EvalPPL  *float64 `json:"eval_ppl"`
}

func TestPretrainCommand(t *testing.T) {
	dir, corpus, tok := pretrainFixture(t)
	out := filepath.Join(dir, "run")
	stdout, stderr, code := run(t, pretrainArgs(tok, corpus, out, "6")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"step 3/6", "step 6/6", "perplexity", "loss without context", "wrote " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	ms := readMetrics[metricsLine](t, out)
	if len(ms) != 6 {
		t.Fatalf("%d metrics lines, want 6", len(ms))
	}
	for i, m := range ms {
		evaluated := m.Step%3 == 0
		if m.Step != i+1 || !(m.Loss > 0) || (m.EvalLoss != nil) != evaluated || (m.EvalPPL != nil) != evaluated {
			t.Errorf("metrics line %d: %+v", i, m)
		}
	}
	m, _, err := model.Load(out, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := tokenize.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Arch != model.MaskedLM || m.Config.VocabSize != tk.VocabSize() || m.Config.HiddenSize != 128 {
		t.Errorf("saved model: %s, vocab %d (tokenizer %d), hidden %d", m.Arch, m.Config.VocabSize, tk.VocabSize(), m.Config.HiddenSize)
	}
	var info struct {
		Version string
		Seed    uint64
		Config  struct {
			Model    string
			MaxSteps int `json:"max_steps"`
		}
		Inputs []struct {
			Path, SHA256 string
		}
		Data struct {
			ContextFreeLoss float64 `json:"context_free_loss"`
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(corpusLines()))
	if !strings.HasPrefix(info.Version, "0.") || info.Seed != 42 || info.Config.Model != "tiny" || info.Config.MaxSteps != 6 ||
		len(info.Inputs) != 1 || info.Inputs[0].SHA256 != hex.EncodeToString(sum[:]) || !(info.Data.ContextFreeLoss > 0) {
		t.Errorf("run.json: %s", b)
	}
	// The finished run holds a checkpoint: a fresh run refuses it, and resuming it has nothing to do.
	if _, stderr, code := run(t, pretrainArgs(tok, corpus, out, "6")...); code != 2 || !strings.Contains(stderr, "--resume") {
		t.Errorf("fresh run over a run: exit %d: %s", code, stderr)
	}
	if stdout, stderr, code := run(t, "pretrain", "--out", out, "--resume"); code != 0 || !strings.Contains(stdout, "nothing to do") {
		t.Errorf("resuming a finished run: exit %d: %s%s", code, stdout, stderr)
	}
	if got := readMetrics[metricsLine](t, out); len(got) != 6 {
		t.Errorf("resuming a finished run left %d metrics lines", len(got))
	}
	os.WriteFile(corpus, []byte(corpusLines()+"one more line\n"), 0o644)
	if _, stderr, code := run(t, "pretrain", "--out", out, "--resume"); code != 2 || !strings.Contains(stderr, "changed since the run started") {
		t.Errorf("resuming over a changed corpus: exit %d: %s", code, stderr)
	}
}

// TestPretrainInterruptResume stops a run with SIGINT and resumes it: the weights must equal, byte for
// byte, those of a run that was never interrupted (with piece_dropout, splitting each sequence alike).
func TestPretrainInterruptResume(t *testing.T) {
	for _, tc := range []struct{ objective, pieceDropout string }{{"mlm", "0"}, {"electra", "0"}, {"mlm", "0.2"}} {
		t.Run(tc.objective+"/piece_dropout="+tc.pieceDropout, func(t *testing.T) {
			testInterruptResume(t, tc.objective, tc.pieceDropout)
		})
	}
}

func testInterruptResume(t *testing.T, objective, pieceDropout string) {
	dir, corpus, tok := pretrainFixture(t)
	args := func(out string) []string {
		return append(pretrainArgs(tok, corpus, out, "40"), "--set", "objective="+objective, "--set", "piece_dropout="+pieceDropout)
	}
	ref := filepath.Join(dir, "ref")
	if _, stderr, code := run(t, args(ref)...); code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "run")
	stderr, err := interruptAfterCheckpoint(t, out, args(out))
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || !strings.Contains(stderr, "--resume") {
		t.Fatalf("interrupted run: %v: %s", err, stderr)
	}
	if _, stderr, code := run(t, append(args(out), "--lr", "0.1", "--resume")...); code != 2 || !strings.Contains(stderr, "setting lr differs") {
		t.Errorf("resume with another lr: exit %d: %s", code, stderr)
	}
	if _, stderr, code := run(t, "pretrain", "--out", out, "--resume"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	files := []string{"model.safetensors", "config.json"}
	if objective == "electra" {
		files = append(files, filepath.Join(model.GeneratorDir, "model.safetensors"))
	}
	for _, name := range files {
		a, _ := os.ReadFile(filepath.Join(ref, name))
		b, _ := os.ReadFile(filepath.Join(out, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s of the resumed run differs from the uninterrupted run's", name)
		}
	}
	want, got := readMetrics[metricsLine](t, ref), readMetrics[metricsLine](t, out)
	if len(got) != len(want) {
		t.Fatalf("%d metrics lines, want %d", len(got), len(want))
	}
	for i := range want {
		a, b := want[i], got[i]
		if a.Step != b.Step || a.Loss != b.Loss || a.LR != b.LR || a.GradNorm != b.GradNorm {
			t.Errorf("metrics line %d: %+v, want %+v", i, b, a)
		}
	}
}

func TestPretrainInit(t *testing.T) {
	dir, corpus, tok := pretrainFixture(t)
	base := filepath.Join(dir, "base")
	if _, stderr, code := run(t, pretrainArgs(tok, corpus, base, "2")...); code != 0 {
		t.Fatalf("base run: exit %d: %s", code, stderr)
	}
	chats := filepath.Join(dir, "chats.txt")
	os.WriteFile(chats, []byte(strings.Repeat("we will meet at the harbour ☂☂☂ ☃☃ ☄\n", 80)), 0o644)
	adapt := filepath.Join(dir, "adapt")
	stdout, stderr, code := run(t, "pretrain", "--init", base, "--data", chats, "--out", adapt, "--max-steps", "2",
		"--batch-size", "4", "--seq-len", "24", "--set", "eval_sequences=2", "--set", "holdout_every=10")
	if code != 0 {
		t.Fatalf("adapt: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "[UNK]") || !strings.Contains(stdout, "wrote") {
		t.Errorf("no [UNK] warning for a corpus of unknown symbols:\n%s\n%s", stdout, stderr)
	}
	// The model's shape comes from --init, so run.json names no preset.
	if info, _ := os.ReadFile(filepath.Join(adapt, "run.json")); bytes.Contains(info, []byte(`"model"`)) {
		t.Errorf("run.json of an --init run names a model preset: %s", info)
	}
	a, _ := os.ReadFile(filepath.Join(base, "tokenizer.json"))
	b, _ := os.ReadFile(filepath.Join(adapt, "tokenizer.json"))
	if !bytes.Equal(a, b) {
		t.Error("the adapted run does not reuse the init tokenizer")
	}
	before, _, err := model.Load(base, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := model.Load(adapt, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w0, _ := before.Param("bert.encoder.layer.0.output.dense.weight")
	w1, _ := after.Param("bert.encoder.layer.0.output.dense.weight")
	var moved, far float64
	for i := range w0.Data {
		d := float64(w1.Data[i] - w0.Data[i])
		moved += d * d
		far = max(far, d*d)
	}
	// Two updates at the default learning rate move the weights a little: they started from the init.
	if moved == 0 || far > 1e-4 {
		t.Errorf("adapted weights moved by %g (largest squared step %g): not continued from --init", moved, far)
	}
}

// TestPretrainElectra pretrains with replaced-token detection, continues from the result and starts a
// classifier from it.
func TestPretrainElectra(t *testing.T) {
	dir, corpus, tok := pretrainFixture(t)
	out := filepath.Join(dir, "electra")
	stdout, stderr, code := run(t, append(pretrainArgs(tok, corpus, out, "6"), "--set", "objective=electra")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"ELECTRA, generator 32 hidden", "step 6/6", "eval loss", "generator loss", "accuracy", "wrote " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "perplexity") || strings.Contains(stdout, "without context") {
		t.Errorf("ELECTRA's loss is reported as a masked-LM loss:\n%s", stdout)
	}
	type electraLine struct {
		metricsLine
		Eval map[string]float64 `json:"eval"`
	}
	for i, m := range readMetrics[electraLine](t, out) {
		evaluated := m.Step%3 == 0
		if m.Step != i+1 || !(m.Loss > 0) || (m.EvalLoss != nil) != evaluated || m.EvalPPL != nil || (len(m.Eval) == 4) != evaluated {
			t.Errorf("metrics line %d: %+v", i, m)
		}
		// The combined loss is about the generator's plus λ times the discriminator's (batches weigh by their
		// masked positions in one, by their tokens in the other).
		if e := m.Eval; evaluated && math.Abs(e["generator_loss"]+model.DefaultRTDWeight*e["discriminator_loss"]-*m.EvalLoss) > 1e-3**m.EvalLoss {
			t.Errorf("step %d: eval loss %g is not generator %g + %d × discriminator %g", m.Step, *m.EvalLoss, e["generator_loss"], model.DefaultRTDWeight, e["discriminator_loss"])
		}
	}
	disc, _, err := model.Load(out, model.LoadOptions{})
	if err != nil || disc.Arch != model.ReplacedTokenDetection {
		t.Fatalf("discriminator: %v, %v", disc, err)
	}
	gen, _, err := model.Load(filepath.Join(out, model.GeneratorDir), model.LoadOptions{})
	if err != nil || gen.Arch != model.MaskedLM || gen.Config.HiddenSize != 32 {
		t.Fatalf("generator: %v, %v", gen, err)
	}

	// Adaptation continues with both models of the ELECTRA run; from a masked-LM run it needs a new
	// generator, and says so.
	mlm := filepath.Join(dir, "mlm")
	if _, stderr, code := run(t, pretrainArgs(tok, corpus, mlm, "2")...); code != 0 {
		t.Fatalf("masked-LM run: exit %d: %s", code, stderr)
	}
	adapt := func(init string) string {
		out := filepath.Join(dir, "adapt-"+filepath.Base(init))
		_, stderr, code := run(t, "pretrain", "--init", init, "--data", corpus, "--out", out, "--max-steps", "2",
			"--batch-size", "4", "--seq-len", "24", "--set", "eval_sequences=2", "--set", "objective=electra")
		if code != 0 {
			t.Fatalf("adapt %s: exit %d: %s", init, code, stderr)
		}
		return stderr
	}
	if stderr := adapt(out); strings.Contains(stderr, "warning") {
		t.Errorf("continuing an ELECTRA run warned: %s", stderr)
	}
	if stderr := adapt(mlm); !strings.Contains(stderr, "no ELECTRA generator") || !strings.Contains(stderr, "discriminator_predictions") {
		t.Errorf("continuing a masked-LM run with ELECTRA: no warnings about the new generator and head: %s", stderr)
	}
	// The discriminator starts a classifier; its head goes unused without a warning, as the masked-LM
	// head's does.
	csv, _ := labelledCSV(64, 1)
	labelled := filepath.Join(dir, "labelled.csv")
	os.WriteFile(labelled, []byte(csv), 0o644)
	_, stderr, code = run(t, finetuneArgs(out, labelled, filepath.Join(dir, "clf"), "2")...)
	if code != 0 || strings.Contains(stderr, "unused") {
		t.Errorf("finetune from the discriminator: exit %d: %s", code, stderr)
	}
}

func TestPretrainBadInput(t *testing.T) {
	dir, corpus, tok := pretrainFixture(t)
	blank := filepath.Join(dir, "blank.txt")
	os.WriteFile(blank, []byte("\n   \n\n"), 0o644)
	vocab := 0
	if tk, err := tokenize.Load(tok); err == nil {
		vocab = tk.VocabSize()
	}
	writeConfig := func(name string, vocabSize, hidden, heads int) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`{"model_type":"bert","vocab_size":`+strconv.Itoa(vocabSize)+`,"hidden_size":`+strconv.Itoa(hidden)+
			`,"num_hidden_layers":1,"num_attention_heads":`+strconv.Itoa(heads)+`,"intermediate_size":64,"max_position_embeddings":64}`), 0o644)
		return p
	}
	badHeads := writeConfig("heads.json", vocab, 30, 4)
	badVocab := writeConfig("vocab.json", vocab+7, 32, 4)
	noWeights := filepath.Join(dir, "noweights")
	os.MkdirAll(noWeights, 0o755)
	os.WriteFile(filepath.Join(noWeights, "config.json"), []byte(`{"model_type":"bert","vocab_size":`+strconv.Itoa(vocab)+
		`,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":64,"max_position_embeddings":64}`), 0o644)
	data, _ := os.ReadFile(filepath.Join(tok, "tokenizer.json"))
	os.WriteFile(filepath.Join(noWeights, "tokenizer.json"), data, 0o644)
	busy := filepath.Join(dir, "busy")
	os.MkdirAll(busy, 0o755)
	os.WriteFile(filepath.Join(busy, "notes.txt"), []byte("mine"), 0o644)

	base := []string{"--tokenizer", tok, "--data", corpus, "--max-steps", "2", "--batch-size", "2", "--seq-len", "16"}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"empty corpus", []string{"--tokenizer", tok, "--data", blank}, "no sequences"},
		{"unknown key", with("--set", "learning_rate=1"), "unknown key"},
		{"hidden not divisible by heads", with("--model", badHeads), "not divisible"},
		{"vocab mismatch", with("--model", badVocab), "does not match"},
		{"unknown preset", with("--model", "huge"), "unknown model size"},
		{"init without weights", []string{"--init", noWeights, "--data", corpus}, "no weights"},
		{"init with tokenizer", []string{"--init", noWeights, "--tokenizer", tok, "--data", corpus}, "leave out --tokenizer"},
		{"init with model", []string{"--init", noWeights, "--model", "tiny", "--data", corpus}, "leave out --model"},
		{"no tokenizer", []string{"--data", corpus}, "no tokenizer"},
		{"missing data", []string{"--tokenizer", tok, "--data", filepath.Join(dir, "nope.txt")}, "no such file"},
		{"seq_len beyond positions", with("--seq-len", "4096"), "max_position_embeddings"},
		{"resume without run", with("--resume"), "no checkpoint"},
		{"warmup beyond steps", with("--warmup", "5"), "warmup"},
		{"unknown objective", with("--set", "objective=clm"), "unknown objective"},
		{"generator size", with("--set", "objective=electra", "--set", "generator_size=0"), "generator_size"},
		{"rtd weight", with("--set", "objective=electra", "--set", "rtd_weight=-1"), "rtd_weight"},
		{"piece dropout", with("--set", "piece_dropout=1"), "piece dropout 1 must lie in [0, 1)"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out"+strconv.Itoa(i))
			_, stderr, code := run(t, append(append([]string{"pretrain"}, tc.args...), "--out", out)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n"); lines > 0 {
				t.Errorf("error spans %d lines: %q", lines+1, stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created", out)
			}
		})
	}
	t.Run("non-empty out", func(t *testing.T) {
		_, stderr, code := run(t, append([]string{"pretrain"}, with("--out", busy)...)...)
		if code != 2 || !strings.Contains(stderr, "--overwrite") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if entries, _ := os.ReadDir(busy); len(entries) != 1 {
			t.Errorf("%d files in the refused directory, want 1", len(entries))
		}
		if _, stderr, code := run(t, append([]string{"pretrain"}, with("--out", busy, "--overwrite")...)...); code != 0 {
			t.Fatalf("--overwrite: exit %d: %s", code, stderr)
		}
		if b, _ := os.ReadFile(filepath.Join(busy, "notes.txt")); string(b) != "mine" {
			t.Error("--overwrite removed a file the run did not write")
		}
	})
}
