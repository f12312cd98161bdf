//go:build !race

// These block tests are left out of race-detector builds: training to
// convergence runs about twenty times slower there, and the race runtime
// allocates on its own now and then, so allocation counts mean nothing.
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

// TestBlockStepAllocatesNothing counts heap allocations of a training step,
// on one goroutine (testing.AllocsPerRun sets GOMAXPROCS=1) and with the
// work split across two, so the threaded GEMM and op dispatch are covered.
func TestBlockStepAllocatesNothing(t *testing.T) {
	tr := newBlockTrainer(5)
	warmUp(tr)
	if n := testing.AllocsPerRun(20, func() { tr.step() }); n != 0 {
		t.Errorf("a training step on one goroutine allocates %v times after warm-up, want 0", n)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	warmUp(tr)
	// The runtime fills some caches per P lazily, such as the wait-queue entries of a goroutine that
	// blocks: the first time a worker blocks on the second P, the runtime may allocate once, and on a
	// machine busy with other test binaries that can recur for a few rounds. So the steps are measured
	// in up to ten rounds, and one round must allocate nothing; a step that allocates fails every round.
	const steps, rounds = 20, 10
	var least float64
	for r := range rounds {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range steps {
			tr.step()
		}
		runtime.ReadMemStats(&after)
		if n := float64(after.Mallocs-before.Mallocs) / steps; r == 0 || n < least {
			least = n
		}
		if least == 0 {
			return
		}
	}
	t.Errorf("a training step on two goroutines allocates %v times after warm-up in the best of %d rounds, want 0", least, rounds)
}

// warmUp grows the arena, tape and pools to a step's size. It first
// collects the garbage earlier tests left, so that no collection starts
// during the measured steps: one empties the runtime's caches of
// wait-queue entries, which the next steps would allocate again.
func warmUp(tr *blockTrainer) {
	runtime.GC()
	for range 3 {
		tr.step()
	}
}
