package train

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/vigil-ml/vigil/internal/config"
	"github.com/vigil-ml/vigil/model"
)

// Uncalibrate undoes Calibrate: it multiplies each temperature recorded in m.Config back into the
// classifier and forgets the temperatures and thresholds, leaving the weights training produced.
func Uncalibrate(m *model.Model) error {
	if len(m.Config.Temperatures) == 0 {
		m.Config.Thresholds = nil
		return nil
	}
	names := m.Config.Labels()
	inv := make([]float64, len(names))
	for j, name := range names {
		temp, ok := m.Config.Temperatures[name]
		if !ok {
			return fmt.Errorf("uncalibrate: config.json records temperatures but none for label %q", name)
		}
		inv[j] = 1 / temp
	}
	if err := FoldTemperatures(m, inv); err != nil {
		return fmt.Errorf("uncalibrate: %w", err)
	}
	m.Config.Temperatures, m.Config.Thresholds = nil, nil
	return nil
}

// Soup returns the uniform soup of fine-tuned classifiers: one model whose weights are the mean of
// theirs (model.Average). The members must share their configuration and labels (dropout, temperatures
// and thresholds aside); calibrated members are uncalibrated in place first, so the mean is taken over
// the weights training produced. The soup is uncalibrated: calibrate it on held-out data (Calibrate).
func Soup(members []*model.Model) (*model.Model, error) {
	if len(members) < 2 {
		return nil, errors.New("soup: it takes at least two models")
	}
	if err := prepareMembers(members); err != nil {
		return nil, err
	}
	return average(members)
}

// A GreedyStep is one member tried by GreedySoup: its index, the score of the soup with it, and whether
// it stayed in.
type GreedyStep struct {
	Member int
	Score  float64
	Kept   bool
}

// GreedySoup builds a soup one member at a time, as Wortsman et al. (2022) do: it takes the members
// in the order given (best held-out score first), and keeps each only if the soup with it scores no
// lower under score (higher is better) than the soup without it. Members that would pull the mean
// away from the best ones, such as runs of a weaker recipe, stay out. The members must be as Soup
// requires; the first is always kept. It returns the soup of the members kept, uncalibrated, and one
// step per member.
func GreedySoup(members []*model.Model, score func(*model.Model) (float64, error)) (*model.Model, []GreedyStep, error) {
	if len(members) == 0 {
		return nil, nil, errors.New("soup: no models")
	}
	if err := prepareMembers(members); err != nil {
		return nil, nil, err
	}
	var (
		soup  *model.Model
		kept  []*model.Model
		steps []GreedyStep
		best  float64
	)
	for i, m := range members {
		try, err := average(append(slices.Clip(kept), m))
		if err != nil {
			return nil, nil, err
		}
		s, err := score(try)
		if err != nil {
			return nil, nil, fmt.Errorf("soup: model %d: %w", i+1, err)
		}
		step := GreedyStep{Member: i, Score: s, Kept: i == 0 || s >= best}
		if step.Kept {
			soup, kept, best = try, append(kept, m), s
		}
		steps = append(steps, step)
	}
	return soup, steps, nil
}

// prepareMembers checks that members can be averaged and uncalibrates them in place.
func prepareMembers(members []*model.Model) error {
	base := soupConfig(members[0].Config)
	for i, m := range members {
		if m.Classifier == nil {
			return fmt.Errorf("soup: model %d is %s, not a classifier", i+1, m.Arch)
		}
		if c := soupConfig(m.Config); !reflect.DeepEqual(c, base) {
			return fmt.Errorf("soup: model %d's config.json differs from model 1's in %s", i+1, config.FirstDifference(c, base, "json"))
		}
		if err := Uncalibrate(m); err != nil {
			return fmt.Errorf("soup: model %d: %w", i+1, err)
		}
	}
	return nil
}

// average returns a new model with the mean weights of prepared members.
func average(members []*model.Model) (*model.Model, error) {
	soup, err := model.New(members[0].Config, model.SequenceClassification, 0) // Average overwrites every weight
	if err != nil {
		return nil, fmt.Errorf("soup: %w", err)
	}
	if err := model.Average(soup, members); err != nil {
		return nil, fmt.Errorf("soup: %w", err)
	}
	return soup, nil
}

// soupConfig is c without the fields members of a soup may differ in.
func soupConfig(c model.Config) model.Config {
	c.HiddenDropoutProb, c.AttentionProbsDropoutProb, c.ClassifierDropout = 0, 0, nil
	c.Temperatures, c.Thresholds = nil, nil
	return c
}
