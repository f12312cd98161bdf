package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/vigil-ml/vigil/model/safetensors"
)

// File names inside a model directory, as Hugging Face names them.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
)

// decoderWeight is the name Hugging Face gives the MLM decoder weight when it is stored apart from the
// word embeddings: always when tie_word_embeddings is false, sometimes as a copy when it is tied.
const decoderWeight = "cls.predictions.decoder.weight"

// decoderBias is the MLM bias under the decoder's name, which older checkpoints use.
const decoderBias = "cls.predictions.decoder.bias"

// Save writes m to dir as a Hugging Face model directory: config.json, with "architectures" naming
// m's head, and model.safetensors. A tied decoder weight is stored once, as the word embeddings,
// as Hugging Face stores it. Both files are replaced atomically.
func (m *Model) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("model: save: %w", err)
	}
	ts := make([]safetensors.Tensor, len(m.reg.params))
	for i, p := range m.reg.params {
		ts[i] = safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: p.Data}
	}
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), ts, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("model: save: %w", err)
	}
	if err := WriteConfig(filepath.Join(dir, ConfigFile), m.Config); err != nil {
		return fmt.Errorf("model: save: %w", err)
	}
	return nil
}

// LoadOptions adjusts Load.
type LoadOptions struct {
	// Arch selects the head; empty takes the first supported entry of config.json's "architectures",
	// else MaskedLM.
	Arch Architecture
	// Labels, when set, replace config.json's labels, as when fine-tuning a pretrained encoder.
	Labels []string
	// Seed drives the initialisation of parameters the file lacks.
	Seed uint64
}

// LoadInfo says how a loaded file differed from the model.
type LoadInfo struct {
	// Initialized lists head parameters absent from the file, which start from a fresh
	// initialisation (a BertModel checkpoint has no MLM head; a pretrained encoder has no classifier).
	Initialized []string
	// Unused lists tensors in the file the model does not use.
	Unused []string
	// Notes records anything else worth a warning, such as an untied decoder weight being dropped.
	Notes []string
}

// Warnings returns LoadInfo as human-readable lines, empty when the file matched exactly.
func (li LoadInfo) Warnings() []string {
	var w []string
	if len(li.Initialized) > 0 {
		w = append(w, "newly initialised (not in the checkpoint): "+strings.Join(li.Initialized, ", "))
	}
	if len(li.Unused) > 0 {
		w = append(w, "unused tensors in the checkpoint: "+strings.Join(li.Unused, ", "))
	}
	return append(w, li.Notes...)
}

// Load reads a model directory written by Save or by Hugging Face's save_pretrained (config.json and
// model.safetensors; F16, BF16 and F64 weights are converted). Names are matched as Hugging Face matches
// them: a BertModel checkpoint without the "bert." prefix, LayerNorm gamma/beta, and
// cls.predictions.decoder.bias for the MLM bias are all accepted. Missing head parameters are
// initialised afresh and listed in LoadInfo; a missing encoder parameter or a shape mismatch is an
// error naming the tensor and the file.
func Load(dir string, opt LoadOptions) (*Model, LoadInfo, error) {
	var info LoadInfo
	c, err := ReadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, info, fmt.Errorf("model: load %s: %w", dir, err)
	}
	arch := opt.Arch
	if arch == "" {
		arch = MaskedLM
		for _, a := range c.Architectures {
			if a := Architecture(a); a == MaskedLM || a == SequenceClassification || a == ReplacedTokenDetection {
				arch = a
				break
			}
		}
	}
	if opt.Labels != nil {
		c = c.WithLabels(opt.Labels)
	}
	weights := filepath.Join(dir, WeightsFile)
	if err := checkWeights(dir, weights); err != nil {
		return nil, info, err
	}
	m, err := New(c, arch, opt.Seed)
	if err != nil {
		return nil, info, fmt.Errorf("model: load %s: %w", dir, err)
	}
	f, err := safetensors.Read(weights)
	if err != nil {
		return nil, info, fmt.Errorf("model: load: %w", err)
	}
	byName := canonicalNames(f)
	var missing []string
	for i, p := range m.reg.params {
		src, ok := byName[p.Name]
		if !ok {
			if m.reg.isHead(i) {
				info.Initialized = append(info.Initialized, p.Name)
			} else {
				missing = append(missing, p.Name)
			}
			continue
		}
		delete(byName, p.Name)
		if !slices.Equal(src.Shape, p.Shape) {
			return nil, info, fmt.Errorf("model: load %s: tensor %s has shape %v, the model needs %v", weights, src.Name, src.Shape, p.Shape)
		}
		copy(p.Data, src.Data)
	}
	if len(missing) > 0 {
		return nil, info, fmt.Errorf("model: load %s: the checkpoint lacks encoder tensors %s", weights, strings.Join(missing, ", "))
	}
	if dec, ok := byName[decoderWeight]; ok && m.MLM != nil && c.TiedDecoder() {
		delete(byName, decoderWeight)
		if !slices.Equal(dec.Data, m.MLM.Decoder.Data) {
			info.Notes = append(info.Notes, decoderWeight+" differs from the word embeddings: the decoder is tied to the word embeddings, as config.json's tie_word_embeddings says")
		}
	}
	for _, t := range byName {
		info.Unused = append(info.Unused, t.Name)
	}
	for _, name := range f.Skipped {
		if name != "bert.embeddings.position_ids" { // a buffer older checkpoints store; Vigil derives it
			info.Unused = append(info.Unused, name)
		}
	}
	sort.Strings(info.Unused)
	return m, info, nil
}

// checkWeights explains a directory without model.safetensors.
func checkWeights(dir, weights string) error {
	_, err := os.Stat(weights)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil // a read error surfaces from safetensors.Read with its cause
	}
	for _, alt := range []string{"pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json", "tf_model.h5"} {
		if _, err := os.Stat(filepath.Join(dir, alt)); err == nil {
			return fmt.Errorf("model: load %s: found %s but Vigil reads only a single model.safetensors; convert it with Python: "+
				"transformers.AutoModelForMaskedLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True, max_shard_size=\"100GB\")", dir, alt)
		}
	}
	return fmt.Errorf("model: load %s: no weights: %s is missing", dir, WeightsFile)
}

// canonicalNames maps the file's tensors by the names the model uses, undoing the naming variants
// Hugging Face itself accepts.
func canonicalNames(f *safetensors.File) map[string]*safetensors.Tensor {
	prefixed := false
	for _, t := range f.Tensors {
		if strings.HasPrefix(t.Name, "bert.") {
			prefixed = true
			break
		}
	}
	out := make(map[string]*safetensors.Tensor, len(f.Tensors))
	for i := range f.Tensors {
		t := &f.Tensors[i]
		name := t.Name
		if !prefixed && (strings.HasPrefix(name, "embeddings.") || strings.HasPrefix(name, "encoder.") || strings.HasPrefix(name, "pooler.")) {
			name = "bert." + name
		}
		if base, ok := strings.CutSuffix(name, "LayerNorm.gamma"); ok {
			name = base + "LayerNorm.weight"
		} else if base, ok := strings.CutSuffix(name, "LayerNorm.beta"); ok {
			name = base + "LayerNorm.bias"
		}
		out[name] = t
	}
	// Older checkpoints store the MLM bias twice, as the head's bias and the decoder's.
	if b, ok := out[decoderBias]; ok {
		if a, has := out["cls.predictions.bias"]; !has || slices.Equal(a.Data, b.Data) {
			out["cls.predictions.bias"] = b
			delete(out, decoderBias)
		}
	}
	return out
}

// PretrainingHead reports whether the tensor name belongs to a pretraining head (the masked-LM head or
// ELECTRA's discriminator head), which a classifier started from the checkpoint leaves unused.
func PretrainingHead(name string) bool {
	return strings.HasPrefix(name, "cls.") || strings.HasPrefix(name, "discriminator_predictions.")
}

// isHead reports whether parameter i belongs to a head (MLM transform and bias, pooler, classifier,
// discriminator), which a checkpoint may lack.
func (r *registry) isHead(i int) bool {
	name := r.params[i].Name
	return PretrainingHead(name) || strings.HasPrefix(name, "bert.pooler.") || strings.HasPrefix(name, "classifier.")
}
