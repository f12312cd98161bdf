// Package model holds Vigil's BERT-style encoder: its configuration, parameters named as Hugging Face
// names them, the masked-language-model and classification heads, and loading and saving of model
// directories (config.json + model.safetensors).
package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"

	"github.com/vigil-ml/vigil/configs"
	"github.com/vigil-ml/vigil/internal/atomicfile"
	"gopkg.in/yaml.v3"
)

// Config describes an encoder with the fields of Hugging Face's BertConfig, so config.json is read by
// other runtimes unchanged.
type Config struct {
	Architectures             []string `json:"architectures,omitempty" yaml:"architectures,omitempty"`
	ModelType                 string   `json:"model_type" yaml:"model_type"`
	VocabSize                 int      `json:"vocab_size" yaml:"vocab_size"`
	HiddenSize                int      `json:"hidden_size" yaml:"hidden_size"`
	NumHiddenLayers           int      `json:"num_hidden_layers" yaml:"num_hidden_layers"`
	NumAttentionHeads         int      `json:"num_attention_heads" yaml:"num_attention_heads"`
	IntermediateSize          int      `json:"intermediate_size" yaml:"intermediate_size"`
	MaxPositionEmbeddings     int      `json:"max_position_embeddings" yaml:"max_position_embeddings"`
	TypeVocabSize             int      `json:"type_vocab_size" yaml:"type_vocab_size"`
	LayerNormEps              float64  `json:"layer_norm_eps" yaml:"layer_norm_eps"`
	HiddenDropoutProb         float64  `json:"hidden_dropout_prob" yaml:"hidden_dropout_prob"`
	AttentionProbsDropoutProb float64  `json:"attention_probs_dropout_prob" yaml:"attention_probs_dropout_prob"`
	HiddenAct                 string   `json:"hidden_act" yaml:"hidden_act"`
	InitializerRange          float64  `json:"initializer_range" yaml:"initializer_range"`
	PadTokenID                int      `json:"pad_token_id" yaml:"pad_token_id"`
	PositionEmbeddingType     string   `json:"position_embedding_type" yaml:"position_embedding_type"`
	// TieWordEmbeddings false gives the masked-LM head a decoder weight of its own
	// (cls.predictions.decoder.weight) instead of the word embeddings; nil or true ties them, as
	// Hugging Face does by default.
	TieWordEmbeddings *bool `json:"tie_word_embeddings,omitempty" yaml:"tie_word_embeddings,omitempty"`

	// The classification fields: one sigmoid output per label, named by id as Hugging Face names them.
	ID2Label          map[int]string `json:"id2label,omitempty" yaml:"id2label,omitempty"`
	Label2ID          map[string]int `json:"label2id,omitempty" yaml:"label2id,omitempty"`
	ProblemType       string         `json:"problem_type,omitempty" yaml:"problem_type,omitempty"`
	ClassifierDropout *float64       `json:"classifier_dropout,omitempty" yaml:"classifier_dropout,omitempty"`

	// Thresholds holds, per label name, the decision threshold on the probability chosen on the
	// development set by fine-tuning (flag a message when probability >= threshold). Other runtimes
	// ignore the key; the probabilities they compute are already calibrated.
	Thresholds map[string]float64 `json:"thresholds,omitempty" yaml:"thresholds,omitempty"`
	// Temperatures records, per label name, the temperature T fitted on the development set. It is
	// already folded into the classifier (its weight row and bias divided by T), so it is a record of
	// the calibration, not something to apply again.
	Temperatures map[string]float64 `json:"temperatures,omitempty" yaml:"temperatures,omitempty"`
}

// Preset returns a built-in model size from configs/model: "tiny" (2 layers, 128 hidden, 2 heads;
// tests and the demo), "small" (4 layers, 256 hidden, 4 heads, 1024 FFN; the reference benchmark
// model) or "mini" (6 layers, 384 hidden, 6 heads, 1536 FFN). The vocabulary size comes from the
// tokenizer.
func Preset(name string, vocabSize int) (Config, error) {
	b, err := configs.Model(name)
	if err != nil {
		return Config{}, err
	}
	c := Config{ModelType: "bert", PositionEmbeddingType: "absolute"}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("model preset %s: %w", name, err)
	}
	c.VocabSize = vocabSize
	return c, c.Validate()
}

// Validate reports the first setting that makes the shape impossible or unsupported.
func (c Config) Validate() error {
	var errs []error
	positive := []struct {
		name string
		v    int
	}{
		{"vocab_size", c.VocabSize}, {"hidden_size", c.HiddenSize}, {"num_hidden_layers", c.NumHiddenLayers},
		{"num_attention_heads", c.NumAttentionHeads}, {"intermediate_size", c.IntermediateSize},
		{"max_position_embeddings", c.MaxPositionEmbeddings}, {"type_vocab_size", c.TypeVocabSize},
	}
	for _, p := range positive {
		if p.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", p.name, p.v))
		}
	}
	if c.NumAttentionHeads > 0 && c.HiddenSize%c.NumAttentionHeads != 0 {
		errs = append(errs, fmt.Errorf("hidden_size %d is not divisible by num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads))
	}
	if c.HiddenAct != "gelu" {
		errs = append(errs, fmt.Errorf("hidden_act %q is not supported (want gelu)", c.HiddenAct))
	}
	if c.PositionEmbeddingType != "" && c.PositionEmbeddingType != "absolute" {
		errs = append(errs, fmt.Errorf("position_embedding_type %q is not supported (want absolute)", c.PositionEmbeddingType))
	}
	if c.LayerNormEps <= 0 {
		errs = append(errs, fmt.Errorf("layer_norm_eps must be positive, got %g", c.LayerNormEps))
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"hidden_dropout_prob", c.HiddenDropoutProb}, {"attention_probs_dropout_prob", c.AttentionProbsDropoutProb}} {
		if p.v < 0 || p.v >= 1 {
			errs = append(errs, fmt.Errorf("%s must be in [0, 1), got %g", p.name, p.v))
		}
	}
	for id := range len(c.ID2Label) {
		if _, ok := c.ID2Label[id]; !ok {
			errs = append(errs, fmt.Errorf("id2label has %d labels but no id %d", len(c.ID2Label), id))
			break
		}
	}
	if c.ClassifierDropout != nil && (*c.ClassifierDropout < 0 || *c.ClassifierDropout >= 1) {
		errs = append(errs, fmt.Errorf("classifier_dropout must be in [0, 1), got %g", *c.ClassifierDropout))
	}
	for _, name := range sortedKeys(c.Thresholds) {
		if _, ok := c.Label2ID[name]; !ok {
			errs = append(errs, fmt.Errorf("thresholds names %q, which is not a label", name))
		} else if t := c.Thresholds[name]; !(t >= 0 && t <= 1) {
			errs = append(errs, fmt.Errorf("threshold of %q is %g, outside [0, 1]", name, t))
		}
	}
	for _, name := range sortedKeys(c.Temperatures) {
		if _, ok := c.Label2ID[name]; !ok {
			errs = append(errs, fmt.Errorf("temperatures names %q, which is not a label", name))
		} else if t := c.Temperatures[name]; !(t > 0) || math.IsInf(t, 0) {
			errs = append(errs, fmt.Errorf("temperature of %q is %g, not a positive number", name, t))
		}
	}
	if c.PadTokenID < 0 || (c.VocabSize > 0 && c.PadTokenID >= c.VocabSize) {
		errs = append(errs, fmt.Errorf("pad_token_id %d outside the vocabulary", c.PadTokenID))
	}
	return errors.Join(errs...)
}

// TiedDecoder reports whether the masked-LM decoder is the word-embedding table (tie_word_embeddings).
func (c Config) TiedDecoder() bool { return c.TieWordEmbeddings == nil || *c.TieWordEmbeddings }

// Labels returns the classification labels in id order, or nil when the config names none.
func (c Config) Labels() []string {
	if len(c.ID2Label) == 0 {
		return nil
	}
	names := make([]string, len(c.ID2Label))
	for i := range names {
		names[i] = c.ID2Label[i]
	}
	return names
}

// WithLabels returns c set up for multi-label classification over labels, one sigmoid output each, with
// id2label, label2id and problem_type filled in as Hugging Face expects.
func (c Config) WithLabels(labels []string) Config {
	c.ID2Label = make(map[int]string, len(labels))
	c.Label2ID = make(map[string]int, len(labels))
	for i, l := range labels {
		c.ID2Label[i] = l
		c.Label2ID[l] = i
	}
	c.ProblemType = "multi_label_classification"
	c.Thresholds, c.Temperatures = nil, nil // they belonged to the old labels
	return c
}

// classifierDropout is the dropout before the classifier: classifier_dropout when set, else
// hidden_dropout_prob, as Hugging Face chooses.
func (c Config) classifierDropout() float64 {
	if c.ClassifierDropout != nil {
		return *c.ClassifierDropout
	}
	return c.HiddenDropoutProb
}

// sortedKeys returns m's keys in order, so errors come out the same every time.
func sortedKeys(m map[string]float64) []string {
	return slices.Sorted(maps.Keys(m))
}

// HeadDim is the width of one attention head.
func (c Config) HeadDim() int { return c.HiddenSize / c.NumAttentionHeads }

// ReadConfig loads and validates a config.json. Fields Vigil does not use are ignored, as Hugging Face
// configs carry many; a missing or impossible shape is an error naming the file.
func ReadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("model config: %w", err)
	}
	c := Config{HiddenAct: "gelu", LayerNormEps: 1e-12, TypeVocabSize: 2, InitializerRange: 0.02, ModelType: "bert"}
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("model config %s: %w", path, err)
	}
	if c.ModelType != "bert" {
		return Config{}, fmt.Errorf("model config %s: model_type %q is not supported (want bert)", path, c.ModelType)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("model config %s: %w", path, flatten(err))
	}
	return c, nil
}

// WriteConfig writes c as an indented config.json, atomically.
func WriteConfig(path string, c Config) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("model config %s: %w", path, err)
	}
	return atomicfile.WriteBytes(path, 0o644, b.Bytes())
}

// flatten joins a multi-error on one line.
func flatten(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var b bytes.Buffer
		for i, e := range j.Unwrap() {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(e.Error())
		}
		return errors.New(b.String())
	}
	return err
}
