package configs

import (
	"reflect"
	"strings"
	"testing"
)

func TestLexicons(t *testing.T) {
	if got := Lexicons(); !reflect.DeepEqual(got, []string{"de", "en", "nl"}) {
		t.Errorf("Lexicons() = %v", got)
	}
	for name, word := range map[string]string{"en": "pop off", "nl": "afknal*", "de": "umbringen"} {
		b, err := Lexicon(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\n"+word+"\n") {
			t.Errorf("lexicon %s lacks %q", name, word)
		}
	}
	if _, err := Lexicon("fr"); err == nil || !strings.Contains(err.Error(), "de, en, nl") {
		t.Errorf("unknown lexicon: %v", err)
	}
	if got := Models(); !reflect.DeepEqual(got, []string{"mini", "small", "tiny"}) {
		t.Errorf("Models() = %v", got)
	}
}
