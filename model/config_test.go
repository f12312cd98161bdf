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
