package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/spf13/pflag"
	"github.com/vigil-ml/vigil/configs"
	"github.com/vigil-ml/vigil/internal/config"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tokenize"
	"github.com/vigil-ml/vigil/train"
)

// The run-directory rules every training subcommand (pretrain, finetune) follows:
//
//	a new or empty --out        starts a run
//	--out holding a checkpoint  needs --resume, which continues with the settings in run.json
//	any other non-empty --out   needs --overwrite, which replaces the files a run writes

// checkOut refuses a fresh run in out when it holds a run or other files, unless overwrite.
func checkOut(command, out string, overwrite bool) error {
	if train.HasCheckpoint(out) {
		if overwrite {
			return fmt.Errorf("%s: %s holds a run with a checkpoint; --overwrite never discards one: continue it with --resume or remove it", command, out)
		}
		return fmt.Errorf("%s: %s holds a run; continue it with --resume or choose another --out", command, out)
	}
	entries, err := os.ReadDir(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: --out: %w", command, err)
	}
	if len(entries) > 0 && !overwrite {
		return fmt.Errorf("%s: %s is not empty; pass --overwrite to start a run there anyway", command, out)
	}
	return nil
}

// resumeSettings returns the settings recorded in out/run.json for --resume, after checking that out
// holds a checkpoint, that the inputs are unchanged and, unless only --out was given, that given
// repeats the recorded settings. S is the subcommand's settings struct; its Out field is set to out.
func resumeSettings[S any](command, out string, given S, onlyOut bool) (S, error) {
	var saved S
	if !train.HasCheckpoint(out) {
		return saved, fmt.Errorf("%s: --resume: %s holds no checkpoint (%s/)", command, out, train.StateDir)
	}
	info, err := train.ReadRunInfo(out, &saved)
	if err != nil {
		return saved, fmt.Errorf("%s: --resume: %w", command, err)
	}
	reflect.ValueOf(&saved).Elem().FieldByName("Out").SetString(out)
	if !onlyOut {
		if key := config.FirstDifference(given, saved, "yaml"); key != "" {
			return saved, fmt.Errorf("%s: --resume: setting %s differs from the run's (see %s); repeat the original settings or give only --out and --resume",
				command, key, filepath.Join(out, train.RunFile))
		}
	}
	if err := train.CheckInputs(info); err != nil {
		return saved, fmt.Errorf("%s: --resume: %w", command, err)
	}
	return saved, nil
}

// startRunDir writes the files a new run begins with: the tokenizer, the initial model and run.json
// (settings, seed, the hashes of inputs and, when not nil, what was found in the data). With overwrite
// it first removes what an earlier run left.
func startRunDir(command, out string, overwrite bool, tok *tokenize.Tokenizer, m interface{ Save(string) error }, settings any, seed uint64, inputs []string, found any) error {
	if overwrite {
		for _, name := range []string{train.StateDir + ".tmp", train.StateDir + ".old", train.MetricsFile} {
			if err := os.RemoveAll(filepath.Join(out, name)); err != nil {
				return fmt.Errorf("%s: --overwrite: %w", command, err)
			}
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	info, err := train.NewRunInfo(command, settings, seed, inputs)
	if err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	info.Data = found
	if err := tok.Save(filepath.Join(out, "tokenizer.json")); err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	if err := m.Save(out); err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	if err := train.WriteRunInfo(out, info); err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	return nil
}

// absolute makes the non-empty paths absolute, so run.json names them wherever --resume is run from.
func absolute(command string, paths ...*string) error {
	for _, p := range paths {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return fmt.Errorf("%s: %w", command, err)
		}
		*p = abs
	}
	return nil
}

// interrupted turns a run stopped by a signal into exit status 130 with the command that resumes it.
func interrupted(command, out string, err error) error {
	return &exitError{code: 130, err: fmt.Errorf("%s: %w; continue with: train %s --out %s --resume", command, err, command, out)}
}

// onlyFlags reports whether no flag outside names was given.
func onlyFlags(fs *pflag.FlagSet, names ...string) bool {
	only := true
	fs.Visit(func(f *pflag.Flag) {
		if !slices.Contains(names, f.Name) {
			only = false
		}
	})
	return only
}

// checkVocab reports a model whose vocabulary does not match the tokenizer.
func checkVocab(command string, tok *tokenize.Tokenizer, cfg model.Config, from string) error {
	if cfg.VocabSize != tok.VocabSize() {
		return fmt.Errorf("%s: %s: the model's vocab_size %d does not match the tokenizer's %d tokens",
			command, from, cfg.VocabSize, tok.VocabSize())
	}
	return nil
}

// isPreset reports whether name is a built-in model size rather than a config file.
func isPreset(name string) bool { return slices.Contains(configs.Models(), name) }

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

// setDropout sets the model's hidden and attention dropout to p, when p is not nil. Saved models
// record it in config.json.
func setDropout(m *model.Model, p *float64) {
	if p != nil {
		m.Config.HiddenDropoutProb, m.Config.AttentionProbsDropoutProb = *p, *p
	}
}

// checkDropout reports a dropout setting outside [0, 1).
func checkDropout(command string, p *float64) error {
	if p != nil && !(*p >= 0 && *p < 1) {
		return fmt.Errorf("%s: dropout %g must be in [0, 1)", command, *p)
	}
	return nil
}
