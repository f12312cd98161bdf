package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/vigil-ml/vigil"
	"github.com/vigil-ml/vigil/internal/config"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "train",
		Short: "Train transformer classifiers that triage messages",
		Long: `train builds the pieces of a message-triage model on a CPU:

  train tokenizer   learn a WordPiece vocabulary (Hugging Face tokenizer.json)
  train pretrain    masked-language-model pretraining, or domain adaptation with --init
  train finetune    train, calibrate and threshold one sigmoid head per label
  train soup        average fine-tuned runs into one model and calibrate it
  train eval        score held-out labels, write a report, gate against a baseline

Settings come from defaults < --config FILE (YAML) < flags < --set key.path=value.
Errors print one line and exit with status 2.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%s: %w (see %s --help)", c.CommandPath(), err, c.CommandPath())
	})
	root.AddCommand(newVersionCmd(), newTokenizerCmd(), newPretrainCmd(), newTeacherCmd(), newFinetuneCmd(), newSoupCmd(), newEvalCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the Vigil version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(c.OutOrStdout(), "vigil %s\n", vigil.VersionString())
			return err
		},
	}
}

// settingsFlags adds the flags every subcommand shares: --config and --set.
type settingsFlags struct {
	file string
	sets []string
}

func (s *settingsFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&s.file, "config", "", "YAML file with settings (flags and --set override it)")
	c.Flags().StringArrayVar(&s.sets, "set", nil, "override one setting, e.g. --set vocab_size=8000 (repeatable)")
}

// resolve fills dst (holding defaults) from the config file, the flags given and the --set overrides.
// Every flag sets the key of its name (dashes as underscores) except --config, --set and notSettings.
func (s *settingsFlags) resolve(c *cobra.Command, dst any, notSettings ...string) error {
	bindings := config.FlagBindings(c.Flags(), append([]string{"config", "set", "help"}, notSettings...)...)
	return config.Resolve(dst, s.file, c.Flags(), bindings, s.sets)
}
