package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/vigil-ml/vigil/internal/atomicfile"
	"github.com/vigil-ml/vigil/model/safetensors"
	"github.com/vigil-ml/vigil/tensor/optim"
)

// Names inside a run directory. A checkpoint is built in StateDir+".tmp" and renamed into place; the
// previous one is kept as StateDir+".old" until the new one is in place, so a crash at any moment
// leaves one complete checkpoint that Resume finds.
const (
	StateDir      = "trainer_state"
	stateFile     = "state.json"            // written last: a directory without it is incomplete
	optimizerFile = "optimizer.safetensors" // AdamW moments, one pair per parameter
)

// checkpointState is trainer_state/state.json.
type checkpointState struct {
	Step   int             `json:"step"`
	Config Config          `json:"config"`
	RNG    []byte          `json:"rng"`  // dropout generator
	Data   json.RawMessage `json:"data"` // the training Stream's position
	Params []paramInfo     `json:"params"`
	Best   selection       `json:"best"` // model selection, with Trainer.Select
}

type paramInfo struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// checkpoint writes the complete training state atomically, then the model weights into Dir.
func (t *Trainer[B]) checkpoint() error {
	if t.saved == t.step && t.step > 0 {
		return nil
	}
	if err := t.metrics.sync(); err != nil {
		return err
	}
	final := filepath.Join(t.Dir, StateDir)
	tmp, old := final+".tmp", final+".old"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := t.writeState(tmp); err != nil {
		return fmt.Errorf("checkpoint at step %d: %w", t.step, err)
	}
	if _, err := os.Stat(final); err == nil {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if err := os.Rename(final, old); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	syncDir(t.Dir)
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if t.Select == nil { // with Select, Dir holds the best weights, saved when they were found
		if err := t.Save(t.Dir); err != nil {
			return fmt.Errorf("checkpoint at step %d: save model: %w", t.step, err)
		}
	}
	t.saved = t.step
	return nil
}

// writeState fills dir with the weights, the optimizer moments and, last, state.json.
func (t *Trainer[B]) writeState(dir string) error {
	if err := t.Save(dir); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	st := t.opt.State()
	tensors := make([]safetensors.Tensor, 0, 2*len(t.params))
	for i, p := range t.params {
		tensors = append(tensors,
			safetensors.Tensor{Name: "exp_avg." + strconv.Itoa(i), Shape: p.Shape, Data: st.M[i]},
			safetensors.Tensor{Name: "exp_avg_sq." + strconv.Itoa(i), Shape: p.Shape, Data: st.V[i]})
	}
	if err := safetensors.Write(filepath.Join(dir, optimizerFile), tensors,
		map[string]string{"step": strconv.Itoa(st.Step)}); err != nil {
		return err
	}
	rng, err := t.rng.MarshalBinary()
	if err != nil {
		return err
	}
	data, err := t.Train.State()
	if err != nil {
		return fmt.Errorf("data position: %w", err)
	}
	if !json.Valid(data) {
		return errors.New("data position is not JSON")
	}
	cs := checkpointState{Step: t.step, Config: t.Config, RNG: rng, Data: data, Best: t.best}
	for _, p := range t.params {
		cs.Params = append(cs.Params, paramInfo{Name: p.Name, Shape: p.Shape})
	}
	b, err := json.MarshalIndent(cs, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, stateFile), 0o644, append(b, '\n')); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// findState returns the directory of the newest complete checkpoint in run, or "" when there is none.
func findState(run string) (string, error) {
	for _, name := range []string{StateDir, StateDir + ".old"} {
		dir := filepath.Join(run, name)
		_, err := os.Stat(filepath.Join(dir, stateFile))
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", nil
}

// HasCheckpoint reports whether run holds a checkpoint a Trainer can resume.
func HasCheckpoint(run string) bool {
	dir, err := findState(run)
	return err == nil && dir != ""
}

// restore loads the newest checkpoint: weights, optimizer moments, dropout generator and data position.
func (t *Trainer[B]) restore() error {
	dir, err := findState(t.Dir)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	if dir == "" {
		return fmt.Errorf("resume: %s holds no checkpoint (%s/%s)", t.Dir, StateDir, stateFile)
	}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	var cs checkpointState
	if err := json.Unmarshal(b, &cs); err != nil {
		return fmt.Errorf("resume: %s: %w", filepath.Join(dir, stateFile), err)
	}
	if len(cs.Params) != len(t.params) {
		return fmt.Errorf("resume: checkpoint has %d parameters, the model %d", len(cs.Params), len(t.params))
	}
	for i, p := range t.params {
		if cs.Params[i].Name != p.Name || !slices.Equal(cs.Params[i].Shape, p.Shape) {
			return fmt.Errorf("resume: checkpoint parameter %d is %s%v, the model's %s%v",
				i, cs.Params[i].Name, cs.Params[i].Shape, p.Name, p.Shape)
		}
	}
	if cs.Step < 0 || cs.Step > t.Config.MaxSteps {
		return fmt.Errorf("resume: checkpoint is at step %d, beyond max_steps %d", cs.Step, t.Config.MaxSteps)
	}
	if err := t.Load(dir); err != nil {
		return fmt.Errorf("resume: load model: %w", err)
	}
	if err := t.loadOptimizer(filepath.Join(dir, optimizerFile)); err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	if err := t.rng.UnmarshalBinary(cs.RNG); err != nil {
		return fmt.Errorf("resume: dropout generator: %w", err)
	}
	if err := t.Train.Restore(cs.Data); err != nil {
		return fmt.Errorf("resume: data position: %w", err)
	}
	t.step, t.saved, t.best = cs.Step, cs.Step, cs.Best
	return nil
}

func (t *Trainer[B]) loadOptimizer(path string) error {
	f, err := safetensors.Read(path)
	if err != nil {
		return err
	}
	step, err := strconv.Atoi(f.Metadata["step"])
	if err != nil {
		return fmt.Errorf("%s: bad step %q", path, f.Metadata["step"])
	}
	st := optim.AdamWState{Step: step}
	for i := range t.params {
		m, ok1 := f.Get("exp_avg." + strconv.Itoa(i))
		v, ok2 := f.Get("exp_avg_sq." + strconv.Itoa(i))
		if !ok1 || !ok2 {
			return fmt.Errorf("%s: no moments for parameter %d", path, i)
		}
		st.M = append(st.M, m.Data)
		st.V = append(st.V, v.Data)
	}
	return t.opt.LoadState(st)
}

// syncDir makes renames and creations inside dir durable; filesystems that cannot sync a directory
// are not an error.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
