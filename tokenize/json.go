package tokenize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vigil-ml/vigil/internal/atomicfile"
)

// Load reads a tokenizer from path: a tokenizer.json, a vocab.txt (one
// token per line, id = line number, loaded with DefaultOptions), or a
// directory holding tokenizer.json or, failing that, vocab.txt. Errors
// name the file and, for tokenizer.json, the field that is wrong.
func Load(path string) (*Tokenizer, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: load: %w", err)
	}
	if info.IsDir() {
		dir := path
		path = filepath.Join(dir, "tokenizer.json")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			path = filepath.Join(dir, "vocab.txt")
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("tokenize: load %s: directory has neither tokenizer.json nor vocab.txt", dir)
			}
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: load: %w", err)
	}
	var t *Tokenizer
	if strings.EqualFold(filepath.Ext(path), ".txt") {
		t, err = parseVocabTxt(data)
	} else {
		t, err = parseJSON(data)
	}
	if err != nil {
		return nil, fmt.Errorf("tokenize: load %s: %w", path, err)
	}
	return t, nil
}

func parseVocabTxt(data []byte) (*Tokenizer, error) {
	var vocab []string
	seen := make(map[string]int)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		tok := strings.TrimRight(sc.Text(), " \t\r\v\f")
		if j, dup := seen[tok]; dup {
			return nil, fmt.Errorf("line %d: token %q repeats line %d", len(vocab)+1, tok, j+1)
		}
		seen[tok] = len(vocab)
		vocab = append(vocab, tok)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", len(vocab)+1, err)
	}
	return New(vocab, DefaultOptions())
}

// JSON shapes of tokenizer.json.
type (
	fileJSON struct {
		Version       string           `json:"version"`
		Truncation    json.RawMessage  `json:"truncation"`
		Padding       json.RawMessage  `json:"padding"`
		AddedTokens   []addedTokenJSON `json:"added_tokens"`
		Normalizer    json.RawMessage  `json:"normalizer"`
		PreTokenizer  json.RawMessage  `json:"pre_tokenizer"`
		PostProcessor json.RawMessage  `json:"post_processor"`
		Decoder       json.RawMessage  `json:"decoder"`
		Model         json.RawMessage  `json:"model"`
	}
	addedTokenJSON struct {
		ID         int32  `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		Lstrip     bool   `json:"lstrip"`
		Rstrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	}
	normalizerJSON struct {
		Type               string `json:"type"`
		CleanText          bool   `json:"clean_text"`
		HandleChineseChars bool   `json:"handle_chinese_chars"`
		StripAccents       *bool  `json:"strip_accents"`
		Lowercase          bool   `json:"lowercase"`
	}
	typeJSON struct {
		Type string `json:"type"`
	}
	templateJSON struct {
		Type          string                       `json:"type"`
		Single        []pieceJSON                  `json:"single"`
		Pair          []pieceJSON                  `json:"pair"`
		SpecialTokens map[string]specialTokensJSON `json:"special_tokens"`
	}
	pieceJSON struct {
		SpecialToken *pieceIDJSON `json:"SpecialToken,omitempty"`
		Sequence     *pieceIDJSON `json:"Sequence,omitempty"`
	}
	pieceIDJSON struct {
		ID     string `json:"id"`
		TypeID int32  `json:"type_id"`
	}
	specialTokensJSON struct {
		ID     string   `json:"id"`
		IDs    []int32  `json:"ids"`
		Tokens []string `json:"tokens"`
	}
	bertProcessingJSON struct {
		Type string          `json:"type"`
		Sep  json.RawMessage `json:"sep"`
		Cls  json.RawMessage `json:"cls"`
	}
	decoderJSON struct {
		Type    string `json:"type"`
		Prefix  string `json:"prefix"`
		Cleanup bool   `json:"cleanup"`
	}
	modelJSON struct {
		Type                    string           `json:"type"`
		UnkToken                string           `json:"unk_token"`
		ContinuingSubwordPrefix string           `json:"continuing_subword_prefix"`
		MaxInputCharsPerWord    int              `json:"max_input_chars_per_word"`
		Vocab                   map[string]int64 `json:"vocab"`
	}
)

// isNull reports an absent or null JSON value.
func isNull(m json.RawMessage) bool {
	return len(m) == 0 || string(bytes.TrimSpace(m)) == "null"
}

// unmarshal decodes m into v, naming field in errors and giving line and
// column for syntax errors.
func unmarshal(data []byte, m json.RawMessage, field string, v any) error {
	err := json.Unmarshal(m, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if len(m) > 0 && len(data) > 0 {
			if base := bytes.Index(data, m); base >= 0 {
				off += base
			}
		}
		line := 1 + bytes.Count(data[:min(off, len(data))], []byte("\n"))
		col := off - bytes.LastIndexByte(data[:min(off, len(data))], '\n')
		return fmt.Errorf("%s: invalid JSON at line %d, column %d: %w", field, line, col, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		if field == "" {
			return fmt.Errorf("%s: %w", te.Field, err)
		}
		return fmt.Errorf("%s.%s: %w", field, te.Field, err)
	}
	if field == "" {
		return err
	}
	return fmt.Errorf("%s: %w", field, err)
}

func parseJSON(data []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := unmarshal(data, data, "", &f); err != nil {
		return nil, err
	}
	if isNull(f.Model) {
		return nil, errors.New("model: missing")
	}
	var m modelJSON
	if err := unmarshal(data, f.Model, "model", &m); err != nil {
		return nil, err
	}
	if m.Type != "WordPiece" {
		return nil, fmt.Errorf("model.type: %q is not supported (only WordPiece)", m.Type)
	}
	vocab, err := denseVocab(m.Vocab)
	if err != nil {
		return nil, err
	}
	if m.MaxInputCharsPerWord < 0 {
		return nil, fmt.Errorf("model.max_input_chars_per_word: %d is negative", m.MaxInputCharsPerWord)
	}
	cfg := config{prefix: m.ContinuingSubwordPrefix, unk: m.UnkToken}
	if cfg.unk == "" {
		return nil, errors.New("model.unk_token: missing")
	}
	if cfg.prefix == "" {
		return nil, errors.New("model.continuing_subword_prefix: missing")
	}
	opts, err := parseNormalizer(data, f.Normalizer)
	if err != nil {
		return nil, err
	}
	opts.MaxInputCharsPerWord = m.MaxInputCharsPerWord
	if err := checkPreTokenizer(data, f.PreTokenizer); err != nil {
		return nil, err
	}
	index := make(map[string]int32, len(vocab))
	for i, tok := range vocab {
		index[tok] = int32(i)
	}
	if cfg.added, err = parseAdded(f.AddedTokens, vocab); err != nil {
		return nil, err
	}
	if cfg.tmpl, err = parsePostProcessor(data, f.PostProcessor, index); err != nil {
		return nil, err
	}
	if cfg.dec, err = parseDecoder(data, f.Decoder); err != nil {
		return nil, err
	}
	for _, name := range []string{PadToken, cfg.unk, ClsToken, SepToken, MaskToken} {
		if _, ok := index[name]; !ok {
			return nil, fmt.Errorf("model.vocab: missing the special token %s", name)
		}
	}
	return build(vocab, opts, cfg)
}

// denseVocab turns {token: id} into a slice; ids must be 0..n-1.
func denseVocab(m map[string]int64) ([]string, error) {
	if len(m) == 0 {
		return nil, errors.New("model.vocab: missing or empty")
	}
	vocab := make([]string, len(m))
	set := make([]bool, len(m))
	for tok, id := range m {
		if id < 0 || id >= int64(len(m)) {
			return nil, fmt.Errorf("model.vocab: token %q has id %d outside 0..%d", tok, id, len(m)-1)
		}
		if set[id] {
			a, b := min(vocab[id], tok), max(vocab[id], tok)
			return nil, fmt.Errorf("model.vocab: tokens %q and %q share id %d", a, b, id)
		}
		vocab[id], set[id] = tok, true
	}
	return vocab, nil
}

func parseNormalizer(data []byte, raw json.RawMessage) (Options, error) {
	if isNull(raw) {
		return Options{}, nil
	}
	var n normalizerJSON
	if err := unmarshal(data, raw, "normalizer", &n); err != nil {
		return Options{}, err
	}
	if n.Type != "BertNormalizer" {
		return Options{}, fmt.Errorf("normalizer.type: %q is not supported (only BertNormalizer)", n.Type)
	}
	strip := n.Lowercase
	if n.StripAccents != nil {
		strip = *n.StripAccents
	}
	return Options{Lowercase: n.Lowercase, StripAccents: strip, CleanText: n.CleanText, HandleChineseChars: n.HandleChineseChars}, nil
}

func checkPreTokenizer(data []byte, raw json.RawMessage) error {
	if isNull(raw) {
		return errors.New("pre_tokenizer: null is not supported (only BertPreTokenizer)")
	}
	var p typeJSON
	if err := unmarshal(data, raw, "pre_tokenizer", &p); err != nil {
		return err
	}
	if p.Type != "BertPreTokenizer" {
		return fmt.Errorf("pre_tokenizer.type: %q is not supported (only BertPreTokenizer)", p.Type)
	}
	return nil
}

func parseAdded(list []addedTokenJSON, vocab []string) ([]addedToken, error) {
	var out []addedToken
	for i, a := range list {
		field := fmt.Sprintf("added_tokens[%d]", i)
		switch {
		case a.Content == "":
			return nil, fmt.Errorf("%s.content: empty", field)
		case a.ID < 0 || int(a.ID) >= len(vocab):
			return nil, fmt.Errorf("%s.id: %d is outside model.vocab (0..%d)", field, a.ID, len(vocab)-1)
		case vocab[a.ID] != a.Content:
			return nil, fmt.Errorf("%s: id %d is %q in model.vocab, not %q", field, a.ID, vocab[a.ID], a.Content)
		case a.Normalized:
			return nil, fmt.Errorf("%s.normalized: true is not supported (%q)", field, a.Content)
		case a.SingleWord || a.Lstrip || a.Rstrip:
			return nil, fmt.Errorf("%s: single_word, lstrip and rstrip are not supported (%q)", field, a.Content)
		}
		out = append(out, addedToken{id: a.ID, content: a.Content, special: a.Special})
	}
	if out == nil {
		out = []addedToken{}
	}
	return out, nil
}

func parsePostProcessor(data []byte, raw json.RawMessage, index map[string]int32) (*template, error) {
	if isNull(raw) {
		return &template{single: implicitSingle, pair: implicitPair}, nil
	}
	var p typeJSON
	if err := unmarshal(data, raw, "post_processor", &p); err != nil {
		return nil, err
	}
	switch p.Type {
	case "TemplateProcessing":
		var tj templateJSON
		if err := unmarshal(data, raw, "post_processor", &tj); err != nil {
			return nil, err
		}
		single, err := parseTemplate(tj.Single, tj.SpecialTokens, index, "post_processor.single", false)
		if err != nil {
			return nil, err
		}
		pair, err := parseTemplate(tj.Pair, tj.SpecialTokens, index, "post_processor.pair", true)
		if err != nil {
			return nil, err
		}
		return &template{single: single, pair: pair}, nil
	case "BertProcessing":
		var bj bertProcessingJSON
		if err := unmarshal(data, raw, "post_processor", &bj); err != nil {
			return nil, err
		}
		cls, clsID, err := parseTokenID(data, bj.Cls, "post_processor.cls", index)
		if err != nil {
			return nil, err
		}
		sep, sepID, err := parseTokenID(data, bj.Sep, "post_processor.sep", index)
		if err != nil {
			return nil, err
		}
		t := bertTemplate(cls, clsID, sep, sepID)
		return &t, nil
	}
	return nil, fmt.Errorf("post_processor.type: %q is not supported (only TemplateProcessing and BertProcessing)", p.Type)
}

// parseTokenID reads BertProcessing's ["[CLS]", 101].
func parseTokenID(data []byte, raw json.RawMessage, field string, index map[string]int32) (string, int32, error) {
	var pair [2]json.RawMessage
	if err := unmarshal(data, raw, field, &pair); err != nil {
		return "", 0, err
	}
	var tok string
	var id int32
	if err := unmarshal(data, pair[0], field+"[0]", &tok); err != nil {
		return "", 0, err
	}
	if err := unmarshal(data, pair[1], field+"[1]", &id); err != nil {
		return "", 0, err
	}
	if got, ok := index[tok]; !ok || got != id {
		return "", 0, fmt.Errorf("%s: %q with id %d is not in model.vocab", field, tok, id)
	}
	return tok, id, nil
}

func parseTemplate(pieces []pieceJSON, specials map[string]specialTokensJSON, index map[string]int32, field string, pair bool) ([]part, error) {
	var out []part
	for i, pc := range pieces {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case pc.Sequence != nil && pc.SpecialToken == nil:
			s := pc.Sequence
			switch {
			case s.ID == "A":
				out = append(out, part{seq: 0, typeID: s.TypeID})
			case s.ID == "B" && pair:
				out = append(out, part{seq: 1, typeID: s.TypeID})
			default:
				return nil, fmt.Errorf("%s.Sequence.id: %q is not a sequence of this template", f, s.ID)
			}
		case pc.SpecialToken != nil && pc.Sequence == nil:
			name := pc.SpecialToken.ID
			sp, ok := specials[name]
			if !ok {
				return nil, fmt.Errorf("%s.SpecialToken.id: %q is not in post_processor.special_tokens", f, name)
			}
			if len(sp.IDs) != len(sp.Tokens) || len(sp.IDs) == 0 {
				return nil, fmt.Errorf("post_processor.special_tokens[%q]: %d ids for %d tokens", name, len(sp.IDs), len(sp.Tokens))
			}
			for j, tok := range sp.Tokens {
				if id, ok := index[tok]; !ok || id != sp.IDs[j] {
					return nil, fmt.Errorf("post_processor.special_tokens[%q]: %q with id %d is not in model.vocab", name, tok, sp.IDs[j])
				}
			}
			out = append(out, part{seq: -1, typeID: pc.SpecialToken.TypeID, name: name, ids: sp.IDs, tokens: sp.Tokens})
		default:
			return nil, fmt.Errorf("%s: want exactly one of SpecialToken and Sequence", f)
		}
	}
	return out, nil
}

func parseDecoder(data []byte, raw json.RawMessage) (*decoder, error) {
	if isNull(raw) {
		return &decoder{}, nil
	}
	var d decoderJSON
	if err := unmarshal(data, raw, "decoder", &d); err != nil {
		return nil, err
	}
	if d.Type != "WordPiece" {
		return nil, fmt.Errorf("decoder.type: %q is not supported (only WordPiece)", d.Type)
	}
	return &decoder{wordPiece: true, prefix: d.Prefix, cleanup: d.Cleanup}, nil
}

// Save writes the tokenizer as a Hugging Face tokenizer.json to path, or
// to path/tokenizer.json when path is a directory. The file is written to
// a temporary file in the same directory, synced and renamed, so path
// holds either the old or the complete new file.
func (t *Tokenizer) Save(path string) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, "tokenizer.json")
	}
	data, err := t.MarshalJSON()
	if err != nil {
		return fmt.Errorf("tokenize: save %s: %w", path, err)
	}
	if err := atomicfile.WriteBytes(path, 0o644, data); err != nil {
		return fmt.Errorf("tokenize: save: %w", err)
	}
	return nil
}

// MarshalJSON returns the tokenizer.json document, with the vocabulary in
// id order.
func (t *Tokenizer) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	put := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // Encode ends with a newline
		return nil
	}
	added := make([]addedTokenJSON, len(t.added))
	for i, a := range t.added {
		added[i] = addedTokenJSON{ID: a.id, Content: a.content, Special: a.special}
	}
	b.WriteString(`{"version":"1.0","truncation":null,"padding":null,"added_tokens":`)
	if err := put(added); err != nil {
		return nil, err
	}
	o := t.opts
	strip := o.StripAccents
	b.WriteString(`,"normalizer":`)
	if err := put(normalizerJSON{Type: "BertNormalizer", CleanText: o.CleanText, HandleChineseChars: o.HandleChineseChars, StripAccents: &strip, Lowercase: o.Lowercase}); err != nil {
		return nil, err
	}
	b.WriteString(`,"pre_tokenizer":{"type":"BertPreTokenizer"},"post_processor":`)
	if err := put(t.tmpl.toJSON()); err != nil {
		return nil, err
	}
	b.WriteString(`,"decoder":`)
	if t.dec.wordPiece {
		if err := put(decoderJSON{Type: "WordPiece", Prefix: t.dec.prefix, Cleanup: t.dec.cleanup}); err != nil {
			return nil, err
		}
	} else {
		b.WriteString("null")
	}
	b.WriteString(`,"model":{"type":"WordPiece","unk_token":`)
	if err := put(t.vocab[t.Special.Unk]); err != nil {
		return nil, err
	}
	b.WriteString(`,"continuing_subword_prefix":`)
	if err := put(t.prefix); err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, `,"max_input_chars_per_word":%d,"vocab":{`, t.opts.MaxInputCharsPerWord)
	for i, tok := range t.vocab {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n")
		if err := put(tok); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, ":%d", i)
	}
	b.WriteString("}}}\n")
	return b.Bytes(), nil
}

// toJSON returns the TemplateProcessing form of t, or nil (JSON null) for
// a template that adds nothing, as read from a tokenizer.json without
// post-processor.
func (t *template) toJSON() *templateJSON {
	if slices.EqualFunc(t.pair, implicitPair, samePart) && slices.EqualFunc(t.single, implicitSingle, samePart) {
		return nil
	}
	tj := &templateJSON{Type: "TemplateProcessing", SpecialTokens: map[string]specialTokensJSON{}}
	conv := func(parts []part) []pieceJSON {
		out := make([]pieceJSON, len(parts))
		for i, p := range parts {
			switch p.seq {
			case -1:
				out[i].SpecialToken = &pieceIDJSON{ID: p.name, TypeID: p.typeID}
				tj.SpecialTokens[p.name] = specialTokensJSON{ID: p.name, IDs: p.ids, Tokens: p.tokens}
			case 0:
				out[i].Sequence = &pieceIDJSON{ID: "A", TypeID: p.typeID}
			default:
				out[i].Sequence = &pieceIDJSON{ID: "B", TypeID: p.typeID}
			}
		}
		return out
	}
	tj.Single, tj.Pair = conv(t.single), conv(t.pair)
	return tj
}

func samePart(a, b part) bool {
	return a.seq == b.seq && a.typeID == b.typeID && len(a.ids) == 0 && len(b.ids) == 0
}
