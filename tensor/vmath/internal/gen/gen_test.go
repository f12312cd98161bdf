package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestOutputUpToDate fails when the committed files differ from what the generator writes,
// for example after an edit to the generator without running go generate.
func TestOutputUpToDate(t *testing.T) {
	for name, want := range generate(io.Discard) {
		got, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate in tensor/vmath", name)
		}
	}
}
