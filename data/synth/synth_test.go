package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/configs"
	"github.com/vigil-ml/vigil/data"
)

func TestDeterministic(t *testing.T) {
	for _, tc := range []struct {
		name string
		gen  func(seed uint64) []string
	}{
		{"web", func(seed uint64) []string { return Web(seed, 500) }},
		{"chats", func(seed uint64) []string { return Chats(seed, 500) }},
		{"mined", func(seed uint64) []string { return texts(Mined(seed, 500)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b, c := tc.gen(3), tc.gen(3), tc.gen(4)
			if !slices.Equal(a, b) {
				t.Error("the same seed gave different texts")
			}
			if slices.Equal(a, c) {
				t.Error("seeds 3 and 4 gave the same texts")
			}
			for i, s := range a {
				if s == "" || strings.ContainsAny(s, "\r\n") {
					t.Fatalf("text %d is %q: want one non-empty line", i, s)
				}
			}
		})
	}
	if a, b := Mined(3, 300), Mined(3, 300); !slices.Equal(a, b) {
		t.Error("the same seed gave different labels")
	}
}

func TestMinedLabels(t *testing.T) {
	const n = 5000
	msgs := Mined(1, n)
	var threats, drugs int
	seen := make(map[string]bool, n)
	if msgs[0].ID != "msg-000001" || msgs[n-1].ID != "msg-005000" {
		t.Errorf("ids %q ... %q, want msg-000001 ... msg-005000", msgs[0].ID, msgs[n-1].ID)
	}
	for _, m := range msgs {
		k := data.NormalizeForMatch(m.Text)
		if seen[k] {
			t.Errorf("text %q repeats", m.Text)
		}
		seen[k] = true
		if m.Threat {
			threats++
		}
		if m.Drugs {
			drugs++
		}
	}
	for _, r := range []struct {
		label string
		n     int
	}{{"threat", threats}, {"drugs", drugs}} {
		if rate := float64(r.n) / n; rate < 0.07 || rate > 0.15 {
			t.Errorf("%s: %.1f%% positives, want 7-15%%", r.label, 100*rate)
		}
	}
}

// TestSignalWordsInBothClasses checks that a signal word alone does not give the label away: each
// occurs in threats and in harmless messages, and many threats have no English signal word.
func TestSignalWordsInBothClasses(t *testing.T) {
	msgs := Mined(1, 5000)
	var terms []string
	var lexicons []*data.Lexicon
	for _, lang := range []string{"en", "nl"} {
		text, err := configs.Lexicon(lang)
		if err != nil {
			t.Fatal(err)
		}
		lex, err := data.ParseLexicon(bytes.NewReader(text), lang)
		if err != nil {
			t.Fatal(err)
		}
		lexicons = append(lexicons, lex)
	}
	type counts struct{ threat, other int }
	byTerm := make(map[string]*counts)
	var threatsWithoutEnglish int
	for _, m := range msgs {
		for li, lex := range lexicons {
			matches := lex.AppendMatches(nil, m.Text)
			if li == 0 && m.Threat && len(matches) == 0 {
				threatsWithoutEnglish++
			}
			for _, mt := range matches {
				term := lex.Terms()[mt.Term]
				c := byTerm[term]
				if c == nil {
					c = &counts{}
					byTerm[term] = c
					terms = append(terms, term)
				}
				if m.Threat {
					c.threat++
				} else {
					c.other++
				}
			}
		}
	}
	for _, term := range []string{"dead", "sleep", "dolls", "pop off", "disappear*", "kill*", "shoot*",
		"dood", "slapen", "poppen", "afknal*", "verdwijn*"} {
		c := byTerm[term]
		if c == nil || c.threat < 3 || c.other < 3 {
			t.Errorf("%q: %+v messages by class, want at least 3 threats and 3 others", term, c)
		}
	}
	if threatsWithoutEnglish < 50 {
		t.Errorf("%d threats without an English signal word, want some (Dutch or plain words)", threatsWithoutEnglish)
	}
	t.Logf("signal words found: %q", terms)
}

func TestSplit(t *testing.T) {
	msgs := Mined(2, 10)
	for _, tc := range []struct {
		n             int
		dev, test     float64
		nTrain, nDev  int
		nTestExpected int
	}{
		{10, 0.1, 0.2, 7, 1, 2},
		{10, 0, 0, 10, 0, 0},
		{10, 0.5, 0.8, 0, 2, 8},
		{10, -1, 2, 0, 0, 10},
		{0, 0.1, 0.2, 0, 0, 0},
	} {
		train, dev, test := Split(msgs[:tc.n], tc.dev, tc.test)
		if len(train) != tc.nTrain || len(dev) != tc.nDev || len(test) != tc.nTestExpected {
			t.Errorf("Split(%d, %g, %g) = %d/%d/%d, want %d/%d/%d", tc.n, tc.dev, tc.test,
				len(train), len(dev), len(test), tc.nTrain, tc.nDev, tc.nTestExpected)
		}
		if got := slices.Concat(train, dev, test); !slices.Equal(got, msgs[:tc.n]) {
			t.Errorf("Split(%d, %g, %g) does not partition the messages in order", tc.n, tc.dev, tc.test)
		}
		if len(train) > 0 && cap(train) != len(train) {
			t.Errorf("appending to train would overwrite dev")
		}
	}
}

// TestWrittenFilesRead writes every format and reads it back with package data's readers.
func TestWrittenFilesRead(t *testing.T) {
	dir := t.TempDir()
	msgs := append(Mined(5, 200), Message{ID: "odd", Text: `a "quoted", comma'd text`, Threat: true})
	chats := Chats(5, 100)
	web := Web(5, 100)
	files := map[string]func(*bytes.Buffer) error{
		"set.csv":     func(b *bytes.Buffer) error { return WriteCSV(b, msgs) },
		"chats.jsonl": func(b *bytes.Buffer) error { return WriteChats(b, chats) },
		"web.txt":     func(b *bytes.Buffer) error { return WriteLines(b, web) },
	}
	for name, write := range files {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := data.ReadLabelled([]string{filepath.Join(dir, "set.csv")}, data.LabelOptions{Labels: []string{"threat", "drugs"}, IDField: "id"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != len(msgs) {
		t.Fatalf("read %d labelled messages, wrote %d", l.Len(), len(msgs))
	}
	for i, m := range msgs {
		if l.IDs[i] != m.ID || l.Texts[i] != m.Text || l.Labels[i][0] != m.Threat || l.Labels[i][1] != m.Drugs {
			t.Fatalf("record %d read as %s %q %v, wrote %+v", i, l.IDs[i], l.Texts[i], l.Labels[i], m)
		}
	}
	for name, want := range map[string][]string{"chats.jsonl": chats, "web.txt": web} {
		got := readAll(t, filepath.Join(dir, name))
		var nonBlank []string
		for _, s := range want {
			if strings.TrimSpace(s) != "" {
				nonBlank = append(nonBlank, s)
			}
		}
		if len(got) != len(nonBlank) || (name == "chats.jsonl" && !slices.Equal(got, want)) {
			t.Errorf("%s: read %d texts, wrote %d non-blank", name, len(got), len(nonBlank))
		}
	}
}

func readAll(t *testing.T, path string) []string {
	t.Helper()
	r, err := data.Open(path, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		out = append(out, r.Text())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func texts(msgs []Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text
	}
	return out
}

func BenchmarkMined(b *testing.B) {
	for b.Loop() {
		Mined(1, 1000)
	}
}

func BenchmarkChats(b *testing.B) {
	for b.Loop() {
		Chats(1, 1000)
	}
}
