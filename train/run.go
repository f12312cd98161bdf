package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vigil-ml/vigil"
	"github.com/vigil-ml/vigil/internal/atomicfile"
)

// RunFile is the name of the run record in a run directory.
const RunFile = "run.json"

// RunInfo is run.json: what produced a run directory, so a result can be traced to its code, data and
// settings.
type RunInfo struct {
	Command string    `json:"command"` // e.g. "pretrain"
	Version string    `json:"version"` // vigil.VersionString()
	Started time.Time `json:"started"`
	Seed    uint64    `json:"seed"`
	Config  any       `json:"config"` // the resolved settings
	Inputs  []Input   `json:"inputs"`
	// Data, when set, describes what the command found in its inputs, such as set sizes and texts
	// shared between the training and held-out sets.
	Data any `json:"data,omitempty"`
}

// Input identifies one input file by content.
type Input struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// NewRunInfo describes a run of command with the resolved settings cfg, hashing every input file.
func NewRunInfo(command string, cfg any, seed uint64, inputs []string) (RunInfo, error) {
	info := RunInfo{Command: command, Version: vigil.VersionString(), Started: time.Now().UTC(), Seed: seed, Config: cfg}
	for _, p := range inputs {
		in, err := hashFile(p)
		if err != nil {
			return info, err
		}
		info.Inputs = append(info.Inputs, in)
	}
	return info, nil
}

func hashFile(path string) (Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return Input{}, fmt.Errorf("hash input: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Input{}, fmt.Errorf("hash input %s: %w", path, err)
	}
	return Input{Path: path, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// WriteRunInfo writes dir/run.json atomically.
func WriteRunInfo(dir string, info RunInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("run record: %w", err)
	}
	return atomicfile.WriteBytes(filepath.Join(dir, RunFile), 0o644, append(b, '\n'))
}

// ReadRunInfo reads dir/run.json; Config is decoded into cfg when cfg is not nil.
func ReadRunInfo(dir string, cfg any) (RunInfo, error) {
	var info RunInfo
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if err != nil {
		return info, fmt.Errorf("run record: %w", err)
	}
	var raw struct {
		RunInfo
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return info, fmt.Errorf("run record %s: %w", filepath.Join(dir, RunFile), err)
	}
	info = raw.RunInfo
	info.Config = cfg
	if cfg != nil {
		if err := json.Unmarshal(raw.Config, cfg); err != nil {
			return info, fmt.Errorf("run record %s: config: %w", filepath.Join(dir, RunFile), err)
		}
	}
	return info, nil
}

// CheckInputs hashes the input files info names again and reports the first that changed, since a
// resumed run must read the same data to continue exactly.
func CheckInputs(info RunInfo) error {
	for _, in := range info.Inputs {
		now, err := hashFile(in.Path)
		if err != nil {
			return err
		}
		if now.SHA256 != in.SHA256 {
			return fmt.Errorf("input %s changed since the run started (sha256 %.12s…, recorded %.12s…)", in.Path, now.SHA256, in.SHA256)
		}
	}
	return nil
}
