package model

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/model/safetensors"
)

// testConfig is a small encoder that keeps tests fast.
func testConfig(vocab int) Config {
	return Config{
		ModelType: "bert", VocabSize: vocab, HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 2,
		IntermediateSize: 64, MaxPositionEmbeddings: 32, TypeVocabSize: 2, LayerNormEps: 1e-12,
		HiddenDropoutProb: 0.1, AttentionProbsDropoutProb: 0.1, HiddenAct: "gelu", InitializerRange: 0.02,
		PositionEmbeddingType: "absolute",
	}
}

func newModel(t testing.TB, c Config, arch Architecture, seed uint64) *Model {
	t.Helper()
	m, err := New(c, arch, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameParams reports the first parameter of a whose values differ bit for bit from b's.
func sameParams(a, b *Model) (string, bool) {
	if len(a.Params()) != len(b.Params()) {
		return "parameter count", false
	}
	for i, p := range a.Params() {
		q := b.Params()[i]
		if p.Name != q.Name || !slices.Equal(p.Shape, q.Shape) || !slices.Equal(p.Data, q.Data) {
			return p.Name, false
		}
	}
	return "", true
}

func TestSaveLoadRoundTrip(t *testing.T) {
	untied := false
	tests := []struct {
		name    string
		arch    Architecture
		tie     *bool
		decoder bool // model.safetensors holds decoderWeight
	}{
		{"masked-LM", MaskedLM, nil, false},
		{"masked-LM untied", MaskedLM, &untied, true},
		{"classifier", SequenceClassification, nil, false},
	}
	for _, tc := range tests {
		arch := tc.arch
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(50).WithLabels([]string{"threat", "drugs"})
			c.TieWordEmbeddings = tc.tie
			m := newModel(t, c, arch, 7)
			// Perturb every parameter so ones, zeros and the padding row are tested too.
			for i, p := range m.Params() {
				for j := range p.Data {
					p.Data[j] += float32(i+j%13) * 1e-3
				}
			}
			dir := filepath.Join(t.TempDir(), "run")
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			got, info, err := Load(dir, LoadOptions{Seed: 99})
			if err != nil {
				t.Fatal(err)
			}
			if w := info.Warnings(); len(w) != 0 {
				t.Errorf("warnings %v", w)
			}
			if got.Arch != arch {
				t.Errorf("architecture %s, want %s", got.Arch, arch)
			}
			if name, ok := sameParams(m, got); !ok {
				t.Errorf("%s differs after the round trip", name)
			}
			if !slices.Equal(got.Config.Labels(), []string{"threat", "drugs"}) {
				t.Errorf("labels %v", got.Config.Labels())
			}
			f, err := safetensors.Read(filepath.Join(dir, WeightsFile))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := f.Get(decoderWeight); ok != tc.decoder {
				t.Errorf("%s stored: %v, want %v", decoderWeight, ok, tc.decoder)
			}
			if got.Config.TiedDecoder() != (tc.tie == nil) {
				t.Errorf("config.json reads back with tie_word_embeddings %v", got.Config.TieWordEmbeddings)
			}
			if got.MLM != nil && (got.MLM.Decoder == got.Embeddings.Word) == tc.decoder {
				t.Errorf("decoder tied to the word embeddings: %v, want %v", got.MLM.Decoder == got.Embeddings.Word, !tc.decoder)
			}
			if f.Metadata["format"] != "pt" {
				t.Errorf("metadata %v, want format pt", f.Metadata)
			}
		})
	}
}

// editCheckpoint saves a fresh MLM model, rewrites its weights with edit and returns the directory and
// the saved model.
func editCheckpoint(t *testing.T, edit func([]safetensors.Tensor) []safetensors.Tensor) (string, *Model) {
	t.Helper()
	m := newModel(t, testConfig(40), MaskedLM, 3)
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, WeightsFile)
	f, err := safetensors.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Write(path, edit(f.Tensors), nil); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// rename returns an edit that renames tensors by fn; an empty name drops the tensor.
func rename(fn func(string) string) func([]safetensors.Tensor) []safetensors.Tensor {
	return func(ts []safetensors.Tensor) []safetensors.Tensor {
		var out []safetensors.Tensor
		for _, x := range ts {
			if x.Name = fn(x.Name); x.Name != "" {
				out = append(out, x)
			}
		}
		return out
	}
}

func TestLoadHuggingFaceVariants(t *testing.T) {
	wordEmbeddings := func(ts []safetensors.Tensor) safetensors.Tensor {
		for _, x := range ts {
			if x.Name == "bert.embeddings.word_embeddings.weight" {
				return x
			}
		}
		panic("no word embeddings")
	}
	tests := []struct {
		name        string
		edit        func([]safetensors.Tensor) []safetensors.Tensor
		initialized []string // prefixes of the parameters expected to be freshly initialised
		unused      []string
		note        string
	}{
		{name: "untied decoder equal to the embeddings", edit: func(ts []safetensors.Tensor) []safetensors.Tensor {
			w := wordEmbeddings(ts)
			w.Name = decoderWeight
			return append(ts, w)
		}},
		{name: "untied decoder that differs", edit: func(ts []safetensors.Tensor) []safetensors.Tensor {
			w := wordEmbeddings(ts)
			w.Name, w.Data = decoderWeight, slices.Clone(w.Data)
			w.Data[3]++
			return append(ts, w)
		}, note: decoderWeight},
		{name: "BertModel checkpoint", edit: rename(func(n string) string {
			if strings.HasPrefix(n, "cls.") {
				return ""
			}
			return strings.TrimPrefix(n, "bert.")
		}), initialized: []string{"cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
			"cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias", "cls.predictions.bias"}},
		{name: "gamma and beta", edit: rename(func(n string) string {
			n = strings.Replace(n, "LayerNorm.weight", "LayerNorm.gamma", 1)
			return strings.Replace(n, "LayerNorm.bias", "LayerNorm.beta", 1)
		})},
		{name: "decoder bias", edit: rename(func(n string) string {
			return strings.Replace(n, "cls.predictions.bias", decoderBias, 1)
		})},
		{name: "extra tensors", edit: func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.Tensor{Name: "cls.seq_relationship.weight", Shape: []int{2, 32}, Data: make([]float32, 64)},
				safetensors.Tensor{Name: "bert.pooler.dense.bias", Shape: []int{32}, Data: make([]float32, 32)})
		}, unused: []string{"bert.pooler.dense.bias", "cls.seq_relationship.weight"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, saved := editCheckpoint(t, tc.edit)
			got, info, err := Load(dir, LoadOptions{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(info.Initialized, tc.initialized) {
				t.Errorf("initialised %v, want %v", info.Initialized, tc.initialized)
			}
			if !slices.Equal(info.Unused, tc.unused) {
				t.Errorf("unused %v, want %v", info.Unused, tc.unused)
			}
			if joined := strings.Join(info.Notes, "\n"); (tc.note == "") != (joined == "") || !strings.Contains(joined, tc.note) {
				t.Errorf("notes %q, want one naming %q", info.Notes, tc.note)
			}
			// Fresh parameters come from the same seeded initialisation as the saved model's, so every
			// parameter matches it exactly.
			if name, ok := sameParams(saved, got); !ok {
				t.Errorf("%s differs from the saved model", name)
			}
		})
	}
}

func TestLoadClassifierFromPretrained(t *testing.T) {
	dir, saved := editCheckpoint(t, func(ts []safetensors.Tensor) []safetensors.Tensor { return ts })
	m, info, err := Load(dir, LoadOptions{Arch: SequenceClassification, Labels: []string{"threat"}, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"}
	if !slices.Equal(info.Initialized, want) {
		t.Errorf("initialised %v, want %v", info.Initialized, want)
	}
	if len(info.Unused) != 5 || !strings.HasPrefix(info.Unused[0], "cls.predictions.") {
		t.Errorf("unused %v, want the five MLM head tensors", info.Unused)
	}
	for _, p := range saved.Params() {
		if q, ok := m.Param(p.Name); ok && !slices.Equal(p.Data, q.Data) {
			t.Errorf("%s was not loaded", p.Name)
		}
	}
	if m.Classifier.Out.Weight.Shape[0] != 1 {
		t.Errorf("classifier weight %v, want one label", m.Classifier.Out.Weight.Shape)
	}
}

func TestLoadErrors(t *testing.T) {
	unchanged := rename(func(n string) string { return n })
	tests := []struct {
		name  string
		setup func(t *testing.T) string
		want  []string
	}{
		{"shape mismatch", func(t *testing.T) string {
			dir, _ := editCheckpoint(t, func(ts []safetensors.Tensor) []safetensors.Tensor {
				ts = unchanged(ts)
				for i := range ts {
					if ts[i].Name == "bert.encoder.layer.1.output.dense.weight" {
						ts[i].Shape = []int{64, 32}
					}
				}
				return ts
			})
			return dir
		}, []string{"bert.encoder.layer.1.output.dense.weight", WeightsFile, "[64 32]", "[32 64]"}},
		{"missing encoder tensor", func(t *testing.T) string {
			dir, _ := editCheckpoint(t, rename(func(n string) string {
				if strings.Contains(n, "layer.0.intermediate") {
					return ""
				}
				return n
			}))
			return dir
		}, []string{"lacks encoder tensors", "bert.encoder.layer.0.intermediate.dense.weight"}},
		{"no weights", func(t *testing.T) string {
			dir, _ := editCheckpoint(t, unchanged)
			os.Remove(filepath.Join(dir, WeightsFile))
			return dir
		}, []string{"no weights", WeightsFile}},
		{"pytorch_model.bin only", func(t *testing.T) string {
			dir, _ := editCheckpoint(t, unchanged)
			os.Remove(filepath.Join(dir, WeightsFile))
			os.WriteFile(filepath.Join(dir, "pytorch_model.bin"), []byte("PK"), 0o644)
			return dir
		}, []string{"pytorch_model.bin", "safe_serialization=True"}},
		{"no config", func(t *testing.T) string { return t.TempDir() }, []string{ConfigFile}},
		{"corrupt weights", func(t *testing.T) string {
			dir, _ := editCheckpoint(t, unchanged)
			os.WriteFile(filepath.Join(dir, WeightsFile), []byte("short"), 0o644)
			return dir
		}, []string{WeightsFile, "too short"}},
		{"classifier without labels", func(t *testing.T) string {
			dir, _ := editCheckpoint(t, unchanged)
			c, _ := ReadConfig(filepath.Join(dir, ConfigFile))
			c.Architectures = []string{string(SequenceClassification)}
			WriteConfig(filepath.Join(dir, ConfigFile), c)
			return dir
		}, []string{"needs at least one label"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Load(tc.setup(t), LoadOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestLoadUntied loads a checkpoint with its own decoder weight (tie_word_embeddings false) as a
// classifier, which leaves the decoder unused, and one that lacks the weight, which starts it afresh.
func TestLoadUntied(t *testing.T) {
	untied := false
	c := testConfig(40)
	c.TieWordEmbeddings = &untied
	m := newModel(t, c, MaskedLM, 3)
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	_, info, err := Load(dir, LoadOptions{Arch: SequenceClassification, Labels: []string{"threat"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(info.Unused, decoderWeight) || len(info.Unused) != 6 || len(info.Notes) != 0 {
		t.Errorf("as a classifier: unused %v, notes %v; want the six MLM head tensors", info.Unused, info.Notes)
	}

	path := filepath.Join(dir, WeightsFile)
	f, err := safetensors.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Write(path, rename(func(n string) string {
		if n == decoderWeight {
			return ""
		}
		return n
	})(f.Tensors), nil); err != nil {
		t.Fatal(err)
	}
	got, info, err := Load(dir, LoadOptions{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Initialized, []string{decoderWeight}) {
		t.Errorf("without the decoder weight: initialised %v", info.Initialized)
	}
	if name, ok := sameParams(m, got); !ok { // seed 3 draws the decoder as m drew it
		t.Errorf("%s differs from the saved model", name)
	}
}
