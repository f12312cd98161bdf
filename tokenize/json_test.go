package tokenize

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	texts := append(generatedText(50), "Café İstanbul 中文 😀 [MASK] x", "the, fox! don't")
	for _, o := range []Options{DefaultOptions(), {CleanText: true, MaxInputCharsPerWord: 7}} {
		tok := newTestTokenizer(t, o)
		dir := t.TempDir()
		path := filepath.Join(dir, "tokenizer.json")
		if err := tok.Save(path); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Options() != tok.Options() || !slices.Equal(got.Vocab(), tok.Vocab()) || got.Special != tok.Special {
			t.Fatalf("loaded %+v %+v, saved %+v %+v", got.Options(), got.Special, tok.Options(), tok.Special)
		}
		eo := EncodeOptions{AddSpecialTokens: true, MaxLength: 16, PadToMaxLength: true}
		for _, text := range texts {
			a, b := tok.EncodePair(text, "the fox", eo), got.EncodePair(text, "the fox", eo)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%q: encodings differ after round trip:\n%v\n%v", text, a, b)
			}
			if tok.Decode(a.IDs, true) != got.Decode(b.IDs, true) {
				t.Fatalf("%q: decodings differ", text)
			}
		}
		// Saving into the directory writes tokenizer.json there, and the
		// file is the same.
		if err := got.Save(dir); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != "tokenizer.json" {
			t.Errorf("directory holds %v, want only tokenizer.json", entries)
		}
	}
}

func TestSavedFormat(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	data, err := tok.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if f["version"] != "1.0" || f["truncation"] != nil || f["padding"] != nil {
		t.Errorf("header %v %v %v", f["version"], f["truncation"], f["padding"])
	}
	added := f["added_tokens"].([]any)
	if len(added) != 5 {
		t.Fatalf("%d added tokens", len(added))
	}
	for i, a := range added {
		m := a.(map[string]any)
		if m["id"] != float64(i) || m["special"] != true || m["normalized"] != false {
			t.Errorf("added token %d: %v", i, m)
		}
	}
	model := f["model"].(map[string]any)
	if model["type"] != "WordPiece" || model["unk_token"] != "[UNK]" || model["continuing_subword_prefix"] != "##" || model["max_input_chars_per_word"] != float64(100) {
		t.Errorf("model header %v", model)
	}
	norm := f["normalizer"].(map[string]any)
	if norm["type"] != "BertNormalizer" || norm["strip_accents"] != true || norm["lowercase"] != true {
		t.Errorf("normalizer %v", norm)
	}
	post := f["post_processor"].(map[string]any)
	if post["type"] != "TemplateProcessing" || len(post["pair"].([]any)) != 5 {
		t.Errorf("post_processor %v", post)
	}
	// The vocabulary is written in id order.
	s := string(data)
	last := -1
	for _, tok := range []string{`"[PAD]":0`, `"[MASK]":4`, `"the":5`, `"##a":`} {
		i := strings.Index(s, tok)
		if i <= last {
			t.Errorf("%s at %d, after %d", tok, i, last)
		}
		last = i
	}
}

// bertJSON is shaped like bert-base-uncased's tokenizer.json as written
// by Hugging Face: strip_accents null and a BertProcessing variant.
const bertJSON = `{
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 4, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
  ],
  "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": LOWER},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": POST,
  "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
    "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "cafe": 5, "café": 6, "the": 7, "##s": 8}}
}`

const templateJSONText = `{"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
             {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
    "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadHuggingFaceBert(t *testing.T) {
	for _, post := range []string{templateJSONText, `{"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}`} {
		for _, lower := range []string{"true", "false"} {
			text := strings.NewReplacer("POST", post, "LOWER", lower).Replace(bertJSON)
			tok, err := Load(writeFile(t, "tokenizer.json", text))
			if err != nil {
				t.Fatal(err)
			}
			// strip_accents null follows lowercase.
			if o := tok.Options(); o.StripAccents != (lower == "true") || o.Lowercase != (lower == "true") {
				t.Fatalf("lowercase %s: options %+v", lower, o)
			}
			want := "[CLS] cafe [SEP] the ##s [SEP]"
			if lower == "false" {
				want = "[CLS] café [SEP] the ##s [SEP]"
			}
			e := tok.EncodePair("café", "thes", EncodeOptions{AddSpecialTokens: true})
			if got := tokens(e); got != want || !slices.Equal(e.TypeIDs, []int32{0, 0, 0, 1, 1, 1}) {
				t.Errorf("lowercase %s: %q types %v, want %q", lower, got, e.TypeIDs, want)
			}
		}
	}
}

func TestLoadNullComponents(t *testing.T) {
	text := strings.NewReplacer("POST", "null", "LOWER", "true").Replace(bertJSON)
	text = strings.Replace(text, `"normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}`, `"normalizer": null`, 1)
	text = strings.Replace(text, `"decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true}`, `"decoder": null`, 1)
	tok, err := Load(writeFile(t, "tokenizer.json", text))
	if err != nil {
		t.Fatal(err)
	}
	e := tok.EncodePair("The thes", "cafe", EncodeOptions{AddSpecialTokens: true})
	if got := tokens(e); got != "[UNK] the ##s cafe" || !slices.Equal(e.TypeIDs, []int32{0, 0, 0, 1}) {
		t.Errorf("tokens %q types %v", got, e.TypeIDs)
	}
	if got := tok.Decode(e.IDs, false); got != "[UNK] the ##s cafe" {
		t.Errorf("decode without decoder = %q", got)
	}
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := tok.Save(path); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if e2 := again.EncodePair("The thes", "cafe", EncodeOptions{AddSpecialTokens: true}); !reflect.DeepEqual(e, e2) {
		t.Errorf("after round trip %q", tokens(e2))
	}
}

func TestLoadErrors(t *testing.T) {
	good := strings.NewReplacer("POST", templateJSONText, "LOWER", "true").Replace(bertJSON)
	tests := []struct {
		name, content string
		want          []string
	}{
		{"bad JSON", `{"version": "1.0",` + "\n" + `"model": {]}`, []string{"invalid JSON at line 2"}},
		{"unknown model", strings.Replace(good, `"type": "WordPiece", "unk_token"`, `"type": "BPE", "unk_token"`, 1), []string{"model.type", `"BPE"`}},
		{"missing mask", strings.Replace(good, `"[MASK]": 4, `, "", 1), []string{"model.vocab"}},
		{"missing unk", strings.Replace(good, `"[UNK]": 1, `, `"[UNKNOWN]": 1, `, 1), []string{"[UNK]"}},
		{"vocab gap", strings.Replace(good, `"##s": 8`, `"##s": 9`, 1), []string{"model.vocab", `"##s"`}},
		{"vocab type", strings.Replace(good, `"##s": 8`, `"##s": "8"`, 1), []string{"model.vocab"}},
		{"no model", strings.Replace(good, `"model"`, `"other"`, 1), []string{"model: missing"}},
		{"sequence normalizer", strings.Replace(good, `"type": "BertNormalizer"`, `"type": "Sequence"`, 1), []string{"normalizer.type", "Sequence"}},
		{"pre-tokenizer", strings.Replace(good, `"BertPreTokenizer"`, `"Whitespace"`, 1), []string{"pre_tokenizer.type", "Whitespace"}},
		{"post-processor", strings.Replace(good, `"TemplateProcessing"`, `"RobertaProcessing"`, 1), []string{"post_processor.type"}},
		{"decoder", strings.Replace(good, `"type": "WordPiece", "prefix"`, `"type": "BPEDecoder", "prefix"`, 1), []string{"decoder.type"}},
		{"added token mismatch", strings.Replace(good, `"id": 4, "content": "[MASK]"`, `"id": 3, "content": "[MASK]"`, 1), []string{"added_tokens[4]"}},
		{"added token normalized", strings.Replace(good, `"normalized": false, "special": true}
  ]`, `"normalized": true, "special": true}
  ]`, 1), []string{"added_tokens[4].normalized"}},
		{"template special unknown", strings.Replace(good, `"[SEP]": {"id": "[SEP]", "ids": [3]`, `"[SEP]": {"id": "[SEP]", "ids": [7]`, 1), []string{`special_tokens["[SEP]"]`}},
		{"template sequence", strings.Replace(good, `{"Sequence": {"id": "B", "type_id": 1}}`, `{"Sequence": {"id": "C", "type_id": 1}}`, 1), []string{"post_processor.pair[3]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "tokenizer.json", tc.content)
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range append(tc.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := Load(good); err == nil {
		t.Error("Load of a JSON text as a path succeeded")
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither tokenizer.json nor vocab.txt") {
		t.Errorf("empty directory: %v", err)
	}
}

func TestLoadVocabTxt(t *testing.T) {
	vocab := strings.Join(testVocab(), "\n") + "\n"
	path := writeFile(t, "vocab.txt", vocab)
	tok, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Options() != DefaultOptions() || !slices.Equal(tok.Vocab(), testVocab()) {
		t.Errorf("vocab.txt: options %+v, %d tokens", tok.Options(), tok.VocabSize())
	}
	// A directory prefers tokenizer.json over vocab.txt.
	dir := filepath.Dir(path)
	fromDir, err := Load(dir)
	if err != nil || fromDir.VocabSize() != tok.VocabSize() {
		t.Fatalf("directory with vocab.txt: %v", err)
	}
	small := strings.NewReplacer("POST", "null", "LOWER", "true").Replace(bertJSON)
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	fromDir, err = Load(dir)
	if err != nil || fromDir.VocabSize() != 9 {
		t.Fatalf("directory with both files: %v, %d tokens", err, fromDir.VocabSize())
	}
	dup := writeFile(t, "vocab.txt", vocab+"fox\n")
	if _, err := Load(dup); err == nil || !strings.Contains(err.Error(), dup) || !strings.Contains(err.Error(), "line") {
		t.Errorf("duplicate line: %v", err)
	}
	missing := writeFile(t, "vocab.txt", "[PAD]\n[UNK]\nfox\n")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "[CLS]") {
		t.Errorf("missing specials: %v", err)
	}
}

func TestLoadRealBertVocab(t *testing.T) {
	const path = "../../shared/data/vocab/bert-base-uncased-vocab.txt"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("bert-base-uncased vocab.txt not present (%v); the rest of the package tests build their own vocabularies", err)
	}
	tok, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// Ids as produced by bert-base-uncased in Hugging Face.
	e := tok.Encode("Hello, world! Unaffable.", EncodeOptions{AddSpecialTokens: true})
	want := []int32{101, 7592, 1010, 2088, 999, 14477, 20961, 3468, 1012, 102}
	if !slices.Equal(e.IDs, want) {
		t.Errorf("ids %v (%q), want %v", e.IDs, e.Tokens, want)
	}
}

func TestSaveLeavesNoPartialFile(t *testing.T) {
	tok := newTestTokenizer(t, DefaultOptions())
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "tokenizer.json")
	if err := tok.Save(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Save into a missing directory: %v", err)
	}
	// Replacing an existing file leaves only the new file.
	path = filepath.Join(dir, "tokenizer.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tok.Save(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Save, want 1", len(entries))
	}
	if _, err := Load(path); err != nil {
		t.Errorf("saved file does not load: %v", err)
	}
}
