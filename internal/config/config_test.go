package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

type optim struct {
	LR     float64 `yaml:"lr"`
	Warmup int     `yaml:"warmup"`
}

type settings struct {
	Corpus []string `yaml:"corpus"`
	Vocab  int      `yaml:"vocab_size"`
	Lower  bool     `yaml:"lowercase"`
	Out    string   `yaml:"out"`
	Optim  optim    `yaml:"optim"`
}

func defaults() settings {
	return settings{Vocab: 100, Optim: optim{LR: 1e-3, Warmup: 10}}
}

func flags() (*pflag.FlagSet, []Binding) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.Int("vocab-size", 0, "")
	fs.Float64("lr", 0, "")
	fs.StringSlice("corpus", nil, "")
	fs.Bool("lowercase", false, "")
	return fs, []Binding{{"vocab-size", "vocab_size"}, {"lr", "optim.lr"}, {"corpus", "corpus"}, {"lowercase", "lowercase"}}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte("vocab_size: 200\noptim:\n  lr: 0.5\n  warmup: 20\nout: fromfile\n"), 0o644)

	tests := []struct {
		name  string
		file  string
		args  []string
		sets  []string
		check func(s settings) bool
	}{
		{"defaults", "", nil, nil, func(s settings) bool { return s.Vocab == 100 && s.Optim.LR == 1e-3 }},
		{"file over defaults", file, nil, nil, func(s settings) bool {
			return s.Vocab == 200 && s.Optim.LR == 0.5 && s.Optim.Warmup == 20 && s.Out == "fromfile"
		}},
		{"flag over file", file, []string{"--vocab-size=300", "--corpus=a.txt,b.txt", "--lowercase"}, nil, func(s settings) bool {
			return s.Vocab == 300 && s.Optim.LR == 0.5 && strings.Join(s.Corpus, ",") == "a.txt,b.txt" && s.Lower
		}},
		{"unset flag keeps file", file, []string{"--lr=0.25"}, nil, func(s settings) bool {
			return s.Vocab == 200 && s.Optim.LR == 0.25
		}},
		{"set over flag", file, []string{"--lr=0.25"}, []string{"optim.lr=0.125", "out=x y"}, func(s settings) bool {
			return s.Optim.LR == 0.125 && s.Out == "x y"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, b := flags()
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			s := defaults()
			if err := Resolve(&s, tc.file, fs, b, tc.sets); err != nil {
				t.Fatal(err)
			}
			if !tc.check(s) {
				t.Errorf("got %+v", s)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("vocab_size: 5\noptim:\n  lrr: 1\n"), 0o644)
	badType := filepath.Join(dir, "type.yaml")
	os.WriteFile(badType, []byte("vocab_size: many\n"), 0o644)
	syntax := filepath.Join(dir, "syntax.yaml")
	os.WriteFile(syntax, []byte("vocab_size: [\n"), 0o644)
	tests := []struct {
		name string
		file string
		sets []string
		want []string
	}{
		{"unknown nested key", bad, nil, []string{bad, `"optim.lrr"`, "optim.lr"}},
		{"wrong type", badType, nil, []string{`"vocab_size"`, "many"}},
		{"syntax", syntax, nil, []string{syntax}},
		{"missing file", filepath.Join(dir, "none.yaml"), nil, []string{"none.yaml"}},
		{"unknown set key", "", []string{"optim.beta=1"}, []string{"--set", `"optim.beta"`}},
		{"set without value", "", []string{"lr"}, []string{"key.path=value"}},
		{"set a group", "", []string{"optim=1"}, []string{"group"}},
		{"set through a leaf", "", []string{"out.x=1"}, []string{"not a group"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, b := flags()
			s := defaults()
			err := Resolve(&s, tc.file, fs, b, tc.sets)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestFlagBindings(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.Int("vocab-size", 0, "")
	fs.Bool("resume", false, "")
	fs.Bool("lowercase", false, "")
	if err := fs.Parse([]string{"--vocab-size=7", "--lowercase"}); err != nil {
		t.Fatal(err)
	}
	s := defaults()
	if err := Resolve(&s, "", fs, FlagBindings(fs, "resume"), nil); err != nil {
		t.Fatal(err)
	}
	if s.Vocab != 7 || !s.Lower {
		t.Errorf("got %+v", s)
	}
	// A flag that is not a setting and not excepted is a programming error, reported even when unset.
	err := Resolve(&s, "", fs, FlagBindings(fs), nil)
	if err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("unbound flag: err = %v", err)
	}
}

func TestFirstDifference(t *testing.T) {
	type settings struct {
		Name  string   `yaml:"name" json:"name,omitempty"`
		Files []string `yaml:"files" json:"files"`
		Rate  *float64 `yaml:"rate,omitempty" json:"rate"`
	}
	half, other := 0.5, 0.5
	base := settings{Name: "a", Files: []string{"x"}, Rate: &half}
	tests := []struct {
		name string
		b    settings
		tag  string
		want string
	}{
		{"equal, pointers compared by value", settings{Name: "a", Files: []string{"x"}, Rate: &other}, "yaml", ""},
		{"slice", settings{Name: "a", Files: []string{"y"}, Rate: &half}, "yaml", "files"},
		{"first of two", settings{Name: "b", Files: nil, Rate: &half}, "json", "name"},
		{"options cut", settings{Name: "a", Files: []string{"x"}}, "yaml", "rate"},
	}
	for _, tc := range tests {
		if got := FirstDifference(base, tc.b, tc.tag); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
