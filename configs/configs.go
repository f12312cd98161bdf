// Package configs embeds Vigil's built-in YAML presets (model sizes), so the binary needs no files
// beside it and users can copy a preset as the starting point of their own.
package configs

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed model/*.yaml
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
func Models() []string {
	entries, _ := fs.Glob(files, "model/*.yaml")
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = strings.TrimSuffix(strings.TrimPrefix(e, "model/"), ".yaml")
	}
	sort.Strings(names)
	return names
}
