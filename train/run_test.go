package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil"
)

func TestRunInfo(t *testing.T) {
	dir := t.TempDir()
	in := writeCorpus(t, dir, "c.txt", []string{"hello"})
	type settings struct {
		LR    float64 `json:"lr"`
		Files []string
	}
	info, err := NewRunInfo("pretrain", settings{LR: 0.5, Files: []string{in}}, 7, []string{in})
	if err != nil {
		t.Fatal(err)
	}
	// sha256("hello\n")
	if len(info.Inputs) != 1 || info.Inputs[0].SHA256 != "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" ||
		info.Inputs[0].Bytes != 6 || info.Version != vigil.VersionString() {
		t.Fatalf("RunInfo = %+v", info)
	}
	if err := WriteRunInfo(dir, info); err != nil {
		t.Fatal(err)
	}
	var got settings
	back, err := ReadRunInfo(dir, &got)
	if err != nil {
		t.Fatal(err)
	}
	if got.LR != 0.5 || len(got.Files) != 1 || back.Seed != 7 || back.Command != "pretrain" || !back.Started.Equal(info.Started) {
		t.Errorf("read back %+v, config %+v", back, got)
	}
	if err := CheckInputs(back); err != nil {
		t.Errorf("unchanged input: %v", err)
	}
	os.WriteFile(in, []byte("hellO\n"), 0o644)
	if err := CheckInputs(back); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("changed input: %v", err)
	}
	os.Remove(in)
	if err := CheckInputs(back); err == nil {
		t.Error("missing input accepted")
	}
	if _, err := ReadRunInfo(filepath.Join(dir, "none"), nil); err == nil {
		t.Error("missing run.json accepted")
	}
}
