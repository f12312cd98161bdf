package train

import (
	"fmt"
	"math"
)

// Decay names the shape of the learning rate after warmup.
type Decay string

// The decays a Schedule supports.
const (
	DecayLinear   Decay = "linear"   // straight down to 0 at the last step
	DecayCosine   Decay = "cosine"   // half a cosine down to 0 at the last step
	DecayConstant Decay = "constant" // stay at the peak
)

// Schedule is a learning-rate schedule: a linear warmup from 0 to Peak over Warmup steps, then a decay
// to 0 at Total steps. Its values are those of Hugging Face transformers'
// get_linear_schedule_with_warmup, get_cosine_schedule_with_warmup and
// get_constant_schedule_with_warmup, so hyper-parameters carry over.
type Schedule struct {
	Peak   float64
	Warmup int
	Total  int
	Decay  Decay // "" means DecayLinear
}

// Validate reports a schedule that cannot run.
func (s Schedule) Validate() error {
	switch {
	case !(s.Peak > 0) || math.IsInf(s.Peak, 0):
		return fmt.Errorf("learning rate %g must be positive", s.Peak)
	case s.Total <= 0:
		return fmt.Errorf("total steps %d must be positive", s.Total)
	case s.Warmup < 0 || s.Warmup > s.Total:
		return fmt.Errorf("warmup %d must be between 0 and the %d total steps", s.Warmup, s.Total)
	}
	switch s.Decay {
	case "", DecayLinear, DecayCosine, DecayConstant:
		return nil
	}
	return fmt.Errorf("unknown decay %q (want linear, cosine or constant)", s.Decay)
}

// LR returns the learning rate of the update made after step updates (step counts from 0); from
// Total on it is 0 (the peak for DecayConstant).
func (s Schedule) LR(step int) float64 {
	if step < s.Warmup {
		return s.Peak * float64(step) / float64(max(1, s.Warmup))
	}
	if s.Decay == DecayConstant {
		return s.Peak
	}
	progress := min(1, float64(step-s.Warmup)/float64(max(1, s.Total-s.Warmup)))
	if s.Decay == DecayCosine {
		return s.Peak * 0.5 * (1 + math.Cos(math.Pi*progress))
	}
	return s.Peak * (1 - progress)
}
