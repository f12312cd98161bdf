// Package configs embeds Vigil's built-in YAML presets (model sizes) and signal-word lexicons, so the
// binary needs no files beside it and users can copy a preset as the starting point of their own.
package configs

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed model/*.yaml lexicons/*.txt
var files embed.FS

// Model returns the YAML of a built-in model size such as "tiny".
func Model(name string) ([]byte, error) {
	b, err := files.ReadFile("model/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown model size %q (built in: %s)", name, strings.Join(Models(), ", "))
	}
	return b, nil
}

// Models lists the built-in model sizes.
func Models() []string { return list("model/", ".yaml") }

// Lexicon returns the text of a built-in signal-word lexicon by language: "en", "nl" or "de".
func Lexicon(name string) ([]byte, error) {
	b, err := files.ReadFile("lexicons/" + name + ".txt")
	if err != nil {
		return nil, fmt.Errorf("unknown lexicon %q (built in: %s)", name, strings.Join(Lexicons(), ", "))
	}
	return b, nil
}

// Lexicons lists the built-in lexicons.
func Lexicons() []string { return list("lexicons/", ".txt") }

// list returns the sorted names of the embedded files in dir with the given extension.
func list(dir, ext string) []string {
	entries, _ := fs.Glob(files, dir+"*"+ext)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = strings.TrimSuffix(strings.TrimPrefix(e, dir), ext)
	}
	sort.Strings(names)
	return names
}
