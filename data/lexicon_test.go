package data

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/configs"
)

func TestLexiconMatch(t *testing.T) {
	lex, err := NewLexicon([]string{"dead", "pop off", "pop", "umbring*", "dood", "Straße", "sleep with the fishes", "ik maak je af"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		want       []string // matched text, in order
	}{
		{"case", "He is DEAD. Dead!", []string{"DEAD", "Dead"}},
		{"boundaries", "deadline deadly undead dead-end 2dead dead_", []string{"dead", "dead"}},
		{"multiword", "gonna pop  off tonight, Pop-off", []string{"pop  off", "pop", "Pop-off", "Pop"}},
		{"multiword split by other word", "pop it off", []string{"pop"}},
		{"prefix", "ich werde dich UMBRINGEN, umbringt, umbring", []string{"UMBRINGEN", "umbringt", "umbring"}},
		{"prefix needs a word start", "nicht-umbringen herumbringen", []string{"umbringen"}},
		{"accents", "hij is dóód, DOOD", []string{"dóód", "DOOD"}},
		{"combining accent", "doo\u0301d", []string{"doo\u0301d"}},
		{"sharp s", "STRASSE strasse Straße", []string{"STRASSE", "strasse", "Straße"}},
		{"long phrase", "you will sleep with the fishes", []string{"sleep with the fishes"}},
		{"phrase at end cut short", "you will sleep with the", nil},
		{"dutch phrase", "ik maak je af!!", []string{"ik maak je af"}},
		{"no match", "coffee at noon", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range lex.AppendMatches(nil, tt.text) {
			got = append(got, tt.text[m.Start:m.End])
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q matched %q, want %q", tt.name, tt.text, got, tt.want)
		}
		if n := lex.Count(tt.text); n != len(tt.want) {
			t.Errorf("%s: Count = %d, want %d", tt.name, n, len(tt.want))
		}
	}
	m := lex.AppendMatches(nil, "pop off")
	if len(m) != 2 || lex.Terms()[m[0].Term] != "pop off" || lex.Terms()[m[1].Term] != "pop" {
		t.Errorf("overlapping terms: %+v", m)
	}
}

func TestParseLexicon(t *testing.T) {
	src := "# signal words\n\ndead   # the plain word\n  pop off  \nkill*\n"
	lex, err := ParseLexicon(strings.NewReader(src), "en.txt")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"dead", "pop off", "kill*"}; !reflect.DeepEqual(lex.Terms(), want) || lex.Len() != 3 {
		t.Errorf("terms %q, want %q", lex.Terms(), want)
	}
	path := filepath.Join(t.TempDir(), "nl.txt")
	if err := os.WriteFile(path, []byte("dood\nslapen\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if lex, err := ReadLexicon(path); err != nil || lex.Count("ga slapen, Dood") != 2 {
		t.Errorf("ReadLexicon: %v", err)
	}
	bad := []struct{ name, src, want string }{
		{"duplicate after folding", "dood\nDÓÓD\n", "en.txt:2: term \"DÓÓD\" repeats \"dood\""},
		{"duplicate phrase spacing", "pop off\npop   off\n", "en.txt:2"},
		{"no word", "dead\n!!!\n", "en.txt:2: term \"!!!\" has no letter or digit"},
		{"star after space", "dead\n\nkill *\n", "en.txt:3: term \"kill *\""},
		{"double star", "kill**\n", "en.txt:1"},
		{"only comments", "# nothing\n", "no terms"},
	}
	for _, tt := range bad {
		if _, err := ParseLexicon(strings.NewReader(tt.src), "en.txt"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := ReadLexicon(filepath.Join(t.TempDir(), "missing.txt")); err == nil {
		t.Error("a missing file read")
	}
}

// TestBuiltinLexicons parses every lexicon the binary embeds and finds one signal word of each.
func TestBuiltinLexicons(t *testing.T) {
	samples := map[string]string{
		"en": "I will make him disappear, then pop-off",
		"nl": "we laten de poppen verdwijnen",
		"de": "ich werde dich UMBRINGEN und erschießen",
	}
	for _, name := range configs.Lexicons() {
		b, err := configs.Lexicon(name)
		if err != nil {
			t.Fatal(err)
		}
		lex, err := ParseLexicon(strings.NewReader(string(b)), name)
		if err != nil {
			t.Fatalf("built-in lexicon %s: %v", name, err)
		}
		if lex.Len() < 15 || lex.Count(samples[name]) != 2 {
			t.Errorf("%s: %d terms, %d matches in %q", name, lex.Len(), lex.Count(samples[name]), samples[name])
		}
	}
}

func BenchmarkLexiconMatch(b *testing.B) {
	lex, err := NewLexicon([]string{"dead", "kill*", "sleep", "dolls", "pop off", "disappear*", "shoot*", "stab*", "gun", "knife"})
	if err != nil {
		b.Fatal(err)
	}
	text := "hey are you coming tonight? bring the dolls, we will make them disappear before he can pop off"
	var m []Match
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		m = lex.AppendMatches(m[:0], text)
	}
	if len(m) != 3 {
		b.Fatalf("%d matches", len(m))
	}
}

func ExampleLexicon() {
	lex, err := ParseLexicon(strings.NewReader("# threats\ndood\npop off\nafknal*\n"), "nl.txt")
	if err != nil {
		panic(err)
	}
	text := "Ik ga hem AFKNALLEN, dan is hij dóód. Pop-off!"
	for _, m := range lex.AppendMatches(nil, text) {
		fmt.Printf("%s: %q\n", lex.Terms()[m.Term], text[m.Start:m.End])
	}
	// Output:
	// afknal*: "AFKNALLEN"
	// dood: "dóód"
	// pop off: "Pop-off"
}
