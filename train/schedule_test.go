package train

import (
	"math"
	"testing"
)

func TestScheduleLR(t *testing.T) {
	tests := []struct {
		name string
		s    Schedule
		want map[int]float64 // step → rate
	}{
		{"linear", Schedule{Peak: 1, Warmup: 4, Total: 12, Decay: DecayLinear},
			map[int]float64{0: 0, 1: 0.25, 3: 0.75, 4: 1, 8: 0.5, 11: 0.125, 12: 0, 20: 0}},
		{"default is linear", Schedule{Peak: 2, Warmup: 0, Total: 10},
			map[int]float64{0: 2, 5: 1, 10: 0}},
		{"cosine", Schedule{Peak: 1, Warmup: 2, Total: 10, Decay: DecayCosine},
			map[int]float64{1: 0.5, 2: 1, 4: 0.5 * (1 + math.Cos(math.Pi/4)), 6: 0.5, 10: 0, 11: 0}},
		{"constant", Schedule{Peak: 3, Warmup: 3, Total: 9, Decay: DecayConstant},
			map[int]float64{0: 0, 2: 2, 3: 3, 9: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.Validate(); err != nil {
				t.Fatal(err)
			}
			for step, want := range tc.want {
				if got := tc.s.LR(step); math.Abs(got-want) > 1e-12 {
					t.Errorf("LR(%d) = %g, want %g", step, got, want)
				}
			}
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	for _, s := range []Schedule{
		{Peak: 0, Total: 10},
		{Peak: math.NaN(), Total: 10},
		{Peak: 1, Total: 0},
		{Peak: 1, Total: 10, Warmup: 11},
		{Peak: 1, Total: 10, Warmup: -1},
		{Peak: 1, Total: 10, Decay: "step"},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", s)
		}
	}
}
