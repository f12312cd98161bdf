//go:build !race

// These block tests are left out of race-detector builds: training to
// convergence runs about twenty times slower there, and the race runtime
// deliberately drops sync.Pool entries, so allocation counts mean nothing.
// TestBlockTrainingIsReproducible runs the same code under the detector.

package tensor_test

import (
	"runtime"
	"testing"
)

func TestBlockLearnsToyTask(t *testing.T) {
	tr := newBlockTrainer(1)
	first := tr.evalLoss()
	for range 200 {
		tr.step()
	}
	var worst float32
	for range 4 {
		worst = max(worst, tr.evalLoss())
	}
	if !(worst < 0.01) {
		t.Errorf("held-out loss %.4f after training (%.4f before), want < 0.01", worst, first)
	}
}

func TestBlockStepAllocatesNothing(t *testing.T) {
	tr := newBlockTrainer(5)
	for range 3 {
		tr.step() // grow the arena, tape and pools to the step's size
	}
	if n := allocsPerStep(20, func() { tr.step() }); n != 0 {
		t.Errorf("a training step allocates %v times after warm-up, want 0", n)
	}
}

// allocsPerStep returns the mean number of heap allocations of f over runs
// calls. Unlike testing.AllocsPerRun it keeps GOMAXPROCS as it is, so work
// split across goroutines is counted too.
func allocsPerStep(runs int, f func()) float64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(runs)
}
