package train

import (
	"errors"
	"fmt"
	"reflect"

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
	base := soupConfig(members[0].Config)
	for i, m := range members {
		if m.Classifier == nil {
			return nil, fmt.Errorf("soup: model %d is %s, not a classifier", i+1, m.Arch)
		}
		if c := soupConfig(m.Config); !reflect.DeepEqual(c, base) {
			return nil, fmt.Errorf("soup: model %d's config.json differs from model 1's in %s", i+1, config.FirstDifference(c, base, "json"))
		}
		if err := Uncalibrate(m); err != nil {
			return nil, fmt.Errorf("soup: model %d: %w", i+1, err)
		}
	}
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
