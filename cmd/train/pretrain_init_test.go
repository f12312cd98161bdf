package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
)

// sameWeights reports the first parameter of want that got lacks or holds with different bits, or "".
func sameWeights(got, want *model.Model) string {
	if len(got.Params()) != len(want.Params()) {
		return "the parameter count"
	}
	for _, w := range want.Params() {
		g, ok := got.Param(w.Name)
		if !ok || len(g.Data) != len(w.Data) {
			return w.Name
		}
		for i := range w.Data {
			if math.Float32bits(g.Data[i]) != math.Float32bits(w.Data[i]) {
				return w.Name
			}
		}
	}
	return ""
}

// tinyConfig returns the configuration pretrain gives a new `tiny` model with the tokenizer in tok.
func tinyConfig(t *testing.T, tok string) model.Config {
	t.Helper()
	tk, err := tokenize.Load(tok)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := model.Preset("tiny", tk.VocabSize())
	if err != nil {
		t.Fatal(err)
	}
	cfg.PadTokenID = int(tk.PadID())
	return cfg
}

// TestPretrainUntrained writes an untrained model with --epochs 0 and checks that it is the seed's
// initialisation, bit for bit, in a complete model directory that follows the run-directory rules.
func TestPretrainUntrained(t *testing.T) {
	dir, _, tok := pretrainFixture(t)
	out := filepath.Join(dir, "untrained")
	args := []string{"pretrain", "--model", "tiny", "--tokenizer", tok, "--out", out, "--epochs", "0", "--seed", "7"}
	stdout, stderr, code := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, "seed 7") || stderr != "" {
		t.Errorf("output:\n%s\nstderr:\n%s", stdout, stderr)
	}
	for _, name := range []string{"config.json", "model.safetensors", "tokenizer.json", "run.json"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s missing: %v", name, err)
		}
	}
	for _, name := range []string{"metrics.jsonl", "trainer_state"} {
		if _, err := os.Stat(filepath.Join(out, name)); !os.IsNotExist(err) {
			t.Errorf("%s written by a run without updates (stat: %v)", name, err)
		}
	}

	cfg := tinyConfig(t, tok)
	got, info, err := model.Load(out, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := info.Warnings(); len(w) > 0 {
		t.Errorf("loading the directory warned: %v", w)
	}
	if got.Arch != model.MaskedLM || got.Config.HiddenSize != cfg.HiddenSize || got.Config.VocabSize != cfg.VocabSize ||
		got.Config.NumHiddenLayers != cfg.NumHiddenLayers || got.Config.PadTokenID != cfg.PadTokenID {
		t.Errorf("saved model: %s, config %+v; want the tiny preset %+v", got.Arch, got.Config, cfg)
	}
	for _, tc := range []struct {
		seed uint64
		same bool
	}{{7, true}, {8, false}} {
		want, err := model.New(cfg, model.MaskedLM, tc.seed)
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameWeights(got, want); (diff == "") != tc.same {
			t.Errorf("seed %d: first differing parameter %q; want the weights equal: %v", tc.seed, diff, tc.same)
		}
	}

	var rec struct {
		Command string
		Seed    uint64
		Config  pretrainSettings
		Inputs  []json.RawMessage
	}
	b, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Command != "pretrain" || rec.Seed != 7 || rec.Config.Seed != 7 || rec.Config.Epochs != 0 || rec.Config.MaxSteps != 0 ||
		rec.Config.Model != "tiny" || rec.Config.Tokenizer != tok || rec.Config.Out != out || len(rec.Inputs) != 0 {
		t.Errorf("run.json: %s", b)
	}

	// The run-directory rules of a training run apply.
	weights, _ := os.ReadFile(filepath.Join(out, "model.safetensors"))
	if _, stderr, code := run(t, args...); code != 2 || !strings.Contains(stderr, "--overwrite") {
		t.Errorf("again into the written directory: exit %d: %s", code, stderr)
	}
	if _, stderr, code := run(t, "pretrain", "--out", out, "--resume"); code != 2 || !strings.Contains(stderr, "no checkpoint") {
		t.Errorf("--resume of a directory without updates: exit %d: %s", code, stderr)
	}
	// A corpus, even one that does not exist, is neither read nor recorded.
	missing := filepath.Join(dir, "no-such-corpus.txt")
	_, stderr, code = run(t, append(args, "--overwrite", "--data", missing)...)
	if code != 0 || !strings.Contains(stderr, "ignoring --data "+missing) {
		t.Fatalf("--overwrite with --data: exit %d: %s", code, stderr)
	}
	if again, _ := os.ReadFile(filepath.Join(out, "model.safetensors")); !bytes.Equal(again, weights) {
		t.Error("a second run with the same seed wrote other weights")
	}
	b, _ = os.ReadFile(filepath.Join(out, "run.json"))
	if strings.Contains(string(b), missing) {
		t.Errorf("run.json records the ignored corpus: %s", b)
	}
}

// TestPretrainStartSettings writes untrained models with position_init and dropout set, and checks
// that they are the seed's initialisation with sinusoidal positions and the dropout in config.json,
// from a new model and from --init.
func TestPretrainStartSettings(t *testing.T) {
	dir, _, tok := pretrainFixture(t)
	want, err := model.New(tinyConfig(t, tok), model.MaskedLM, 3)
	if err != nil {
		t.Fatal(err)
	}
	want.SinusoidalPositions()
	sinusoidal, adapted := filepath.Join(dir, "sinusoidal"), filepath.Join(dir, "adapted")
	// The second run, from --init, keeps the first's weights and takes the new dropout.
	for _, tc := range []struct {
		out     string
		args    []string
		dropout float64
	}{
		{sinusoidal, []string{"--tokenizer", tok, "--seed", "3", "--set", "position_init=sinusoidal", "--set", "dropout=0"}, 0},
		{adapted, []string{"--init", sinusoidal, "--set", "dropout=0.25"}, 0.25},
	} {
		args := append([]string{"pretrain", "--out", tc.out, "--epochs", "0"}, tc.args...)
		if _, stderr, code := run(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		got, _, err := model.Load(tc.out, model.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameWeights(got, want); diff != "" {
			t.Errorf("%s: first parameter that differs from model.New with SinusoidalPositions: %s", tc.out, diff)
		}
		if got.Config.HiddenDropoutProb != tc.dropout || got.Config.AttentionProbsDropoutProb != tc.dropout {
			t.Errorf("%s: dropout %g and %g, want %g", tc.out, got.Config.HiddenDropoutProb, got.Config.AttentionProbsDropoutProb, tc.dropout)
		}
	}
}

// TestPretrainUntiedDecoder pretrains a model whose masked-LM decoder has its own weight, and
// fine-tunes from it: the decoder is left behind without a warning.
func TestPretrainUntiedDecoder(t *testing.T) {
	dir, _, labelled, _ := finetuneFixture(t)
	tok, corpus := filepath.Join(dir, "tok"), filepath.Join(dir, "corpus.txt") // pretrainFixture's
	untied := filepath.Join(dir, "untied")
	if _, stderr, code := run(t, append(pretrainArgs(tok, corpus, untied, "3"), "--set", "tie_word_embeddings=false")...); code != 0 {
		t.Fatalf("pretrain: exit %d: %s", code, stderr)
	}
	m, info, err := model.Load(untied, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dec, ok := m.Param("cls.predictions.decoder.weight")
	if m.Config.TiedDecoder() || !ok || len(info.Warnings()) > 0 {
		t.Fatalf("tie_word_embeddings %v, decoder weight stored: %v, warnings %v", m.Config.TieWordEmbeddings, ok, info.Warnings())
	}
	if slices.Equal(dec.Data, m.Embeddings.Word.Data) {
		t.Error("the decoder weight equals the word embeddings")
	}
	stdout, stderr, code := run(t, finetuneArgs(untied, labelled, filepath.Join(dir, "ft"), "2")...)
	if code != 0 || strings.Contains(stderr, "--init") || !strings.Contains(stdout, "new head parameters") {
		t.Errorf("finetune from the untied model: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestPretrainUntrainedFinetune fine-tunes from an untrained directory, and writes one from --init.
func TestPretrainUntrainedFinetune(t *testing.T) {
	dir, base, labelled, _ := finetuneFixture(t)
	tok := filepath.Join(dir, "tok")
	untrained := filepath.Join(dir, "untrained")
	if _, stderr, code := run(t, "pretrain", "--tokenizer", tok, "--out", untrained, "--epochs", "0"); code != 0 {
		t.Fatalf("untrained: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "ft")
	stdout, stderr, code := run(t, finetuneArgs(untrained, labelled, out, "2")...)
	if code != 0 {
		t.Fatalf("finetune --init untrained: exit %d: %s", code, stderr)
	}
	// Only the classification head is new: the encoder comes from the untrained directory.
	if !strings.Contains(stdout, "new head parameters: bert.pooler") || strings.Contains(stdout, "bert.encoder") {
		t.Errorf("finetune output:\n%s", stdout)
	}
	if _, _, err := model.Load(out, model.LoadOptions{}); err != nil {
		t.Errorf("fine-tuned model: %v", err)
	}

	// --init with --epochs 0 writes the --init model's weights unchanged.
	copied := filepath.Join(dir, "copied")
	if _, stderr, code := run(t, "pretrain", "--init", base, "--out", copied, "--epochs", "0"); code != 0 {
		t.Fatalf("--init --epochs 0: exit %d: %s", code, stderr)
	}
	want, _, err := model.Load(base, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := model.Load(copied, model.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := sameWeights(got, want); diff != "" {
		t.Errorf("--init --epochs 0 changed %s", diff)
	}
}

func TestPretrainUntrainedBadInput(t *testing.T) {
	dir, base, _, _ := finetuneFixture(t)
	tok := filepath.Join(dir, "tok")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative epochs", []string{"--tokenizer", tok, "--epochs", "-1"}, "epochs"},
		{"no corpus for updates", []string{"--tokenizer", tok}, "no corpus"},
		{"no tokenizer", []string{"--epochs", "0"}, "no tokenizer"},
		{"seq_len beyond positions", []string{"--tokenizer", tok, "--epochs", "0", "--seq-len", "4096"}, "max_position_embeddings"},
		{"unknown position_init", []string{"--tokenizer", tok, "--epochs", "0", "--set", "position_init=rotary"}, "unknown position_init"},
		{"position_init with init", []string{"--init", base, "--epochs", "0", "--set", "position_init=sinusoidal"}, "new model"},
		{"tie_word_embeddings with init", []string{"--init", base, "--epochs", "0", "--set", "tie_word_embeddings=false"}, "new model"},
		{"dropout of one", []string{"--tokenizer", tok, "--epochs", "0", "--set", "dropout=1"}, "dropout 1 must be in [0, 1)"},
		{"negative dropout", []string{"--init", base, "--epochs", "0", "--set", "dropout=-0.1"}, "dropout -0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			_, stderr, code := run(t, append(append([]string{"pretrain"}, tc.args...), "--out", out)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created", out)
			}
		})
	}
	t.Run("over a checkpoint", func(t *testing.T) {
		before, _ := os.ReadFile(filepath.Join(base, "model.safetensors"))
		_, stderr, code := run(t, "pretrain", "--tokenizer", tok, "--epochs", "0", "--out", base, "--overwrite")
		if code != 2 || !strings.Contains(stderr, "checkpoint") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if after, _ := os.ReadFile(filepath.Join(base, "model.safetensors")); len(before) == 0 || !bytes.Equal(after, before) {
			t.Error("the refused run changed the checkpointed weights")
		}
	})
}
