package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPresets(t *testing.T) {
	tests := []struct {
		name                         string
		layers, hidden, heads, inter int
	}{
		{"tiny", 2, 128, 2, 512},
		{"small", 4, 256, 4, 1024},
		{"mini", 6, 384, 6, 1536},
	}
	for _, tc := range tests {
		c, err := Preset(tc.name, 8000)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.NumHiddenLayers != tc.layers || c.HiddenSize != tc.hidden || c.NumAttentionHeads != tc.heads ||
			c.IntermediateSize != tc.inter || c.VocabSize != 8000 || c.HiddenAct != "gelu" || c.ModelType != "bert" {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
	if _, err := Preset("huge", 100); err == nil || !strings.Contains(err.Error(), "tiny") {
		t.Errorf("unknown preset: %v", err)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	c, _ := Preset("small", 123)
	p := filepath.Join(t.TempDir(), "config.json")
	if err := WriteConfig(p, c); err != nil {
		t.Fatal(err)
	}
	got, err := ReadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.HiddenSize != c.HiddenSize || got.VocabSize != 123 || got.LayerNormEps != c.LayerNormEps {
		t.Errorf("round trip: %+v", got)
	}
}

func TestReadConfigErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, json, want string
	}{
		{"heads", `{"model_type":"bert","vocab_size":10,"hidden_size":30,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":8,"max_position_embeddings":8}`,
			"hidden_size 30 is not divisible by num_attention_heads 4"},
		{"missing sizes", `{"model_type":"bert"}`, "vocab_size must be positive"},
		{"activation", `{"model_type":"bert","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":8,"max_position_embeddings":8,"hidden_act":"relu"}`,
			`hidden_act "relu"`},
		{"type", `{"model_type":"gpt2"}`, `model_type "gpt2"`},
		{"syntax", `{"vocab_size":`, "config.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name, "config.json")
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(tc.json), 0o644)
			_, err := ReadConfig(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want it to name %s and contain %q", err, p, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
		})
	}
}

func TestConfigCalibration(t *testing.T) {
	base, _ := Preset("tiny", 50)
	base = base.WithLabels([]string{"threat", "drugs"})
	good := base
	good.Thresholds = map[string]float64{"threat": 0.4, "drugs": 0.7}
	good.Temperatures = map[string]float64{"threat": 1.5, "drugs": 0.8}
	p := filepath.Join(t.TempDir(), "config.json")
	if err := WriteConfig(p, good); err != nil {
		t.Fatal(err)
	}
	got, err := ReadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Thresholds["threat"] != 0.4 || got.Temperatures["drugs"] != 0.8 {
		t.Errorf("round trip: thresholds %v, temperatures %v", got.Thresholds, got.Temperatures)
	}
	if relabelled := got.WithLabels([]string{"spam"}); relabelled.Thresholds != nil || relabelled.Temperatures != nil {
		t.Error("new labels kept the old labels' thresholds")
	}
	tests := []struct {
		name         string
		thresholds   map[string]float64
		temperatures map[string]float64
		want         string
	}{
		{"unknown label", map[string]float64{"spam": 0.5}, nil, `thresholds names "spam"`},
		{"threshold above 1", map[string]float64{"threat": 1.5}, nil, `threshold of "threat" is 1.5`},
		{"zero temperature", nil, map[string]float64{"drugs": 0}, `temperature of "drugs" is 0`},
		{"temperature of unknown label", nil, map[string]float64{"x": 1}, `temperatures names "x"`},
	}
	for _, tc := range tests {
		c := base
		c.Thresholds, c.Temperatures = tc.thresholds, tc.temperatures
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
