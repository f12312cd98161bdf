// Command benchtrain times one masked-LM training step and forward-only inference of the
// "small" encoder (vocabulary 8000, sequences of 64) in Vigil and in PyTorch, and prints a table
// with Vigil's ratios to PyTorch and each target's PASS or FAIL.
//
// Three sides are measured, each task in its own process so that every peak RSS (VmHWM) is one
// side's alone:
//
//   - vigil: this program again, with -worker, at GOMAXPROCS -threads;
//   - torch: tools/bench/train_step.py under -python as installed (every OPENBLAS_*, OMP_* and
//     GOMP_* variable removed from the environment);
//   - torch-tuned: the same with OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE.
//
// Both sides compute the same thing on the same synthetic batch (see syntheticBatch: lengths
// 32..64 padded to 64, about 15% of the tokens masked): training is a forward pass with dropout,
// the mean cross-entropy over the labelled positions only (their hidden states gathered before
// the MLM head), backward and an AdamW step; inference scores a batch of 64 with the sequence
// classifier (two sigmoid labels) without gradients or dropout. The padding is realistic, so
// Vigil's encoder skips it (it packs the real tokens of the batch, and attention runs per
// sequence), while PyTorch, like Hugging Face's BERT, computes every padded position and masks
// the scores. -min-len 64 gives sequences without padding, which measures the engines alone.
// Each process warms up, then times -steps steps and reports their median; the sides run in
// turns (vigil, torch, torch-tuned, vigil, ...) -reps times, and the table shows the medians
// over the repetitions, since a shared machine's load drifts.
//
// Usage:
//
//	go run ./tools/benchtrain [-reps 3] [-steps 20] [-warmup 3] [-threads 2] [-min-len 32] [-python /usr/bin/python3] [-strict]
//	go run ./tools/benchtrain -worker train|infer [-steps 50] [-cpuprofile cpu.prof]
//
// With -worker it measures Vigil alone and prints the JSON result line the driver reads.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// Targets Vigil is held to, as ratios to tuned PyTorch.
const (
	targetTrain = 0.8 // step time
	targetInfer = 0.7 // inference time
	targetRSS   = 1.0 // peak RSS
)

// Shapes of the benchmark.
const (
	vocabSize   = 8000
	seqLen      = 64
	trainBatch  = 16
	inferBatch  = 64
	maskedShare = 0.15
	batchSeed   = 1
)

// Optimiser settings, shared by both sides.
const (
	learningRate = 1e-4
	weightDecay  = 0.01
)

type options struct {
	reps, steps, warmup, threads int
	minLen                       int // shortest sequence of the synthetic batches
	python, script               string
	strict                       bool
	worker, cpuProfile           string
}

func main() {
	var o options
	flag.IntVar(&o.reps, "reps", 3, "interleaved repetitions of every side; the table shows medians")
	flag.IntVar(&o.steps, "steps", 20, "timed steps per process; each process reports their median")
	flag.IntVar(&o.warmup, "warmup", 3, "untimed steps before timing")
	flag.IntVar(&o.threads, "threads", 2, "threads for every side: GOMAXPROCS for Vigil, torch and BLAS threads for PyTorch")
	flag.IntVar(&o.minLen, "min-len", seqLen/2, "sequence lengths are uniform in [min-len, 64]; 64 means no padding")
	flag.StringVar(&o.python, "python", "/usr/bin/python3", "the Python with PyTorch")
	flag.StringVar(&o.script, "script", "tools/bench/train_step.py", "the PyTorch side of the benchmark")
	flag.BoolVar(&o.strict, "strict", false, "exit with status 1 when a target is missed")
	flag.StringVar(&o.worker, "worker", "", "measure Vigil's `task` (train or infer) in this process and print the JSON result")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "with -worker, write a CPU profile of the timed steps to `file`")
	flag.Parse()
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtrain:", err)
		os.Exit(2)
	}
}

func run(o options, w io.Writer) error {
	if o.steps < 1 || o.warmup < 0 || o.reps < 1 || o.threads < 1 {
		return fmt.Errorf("-steps, -reps and -threads must be at least 1 and -warmup at least 0")
	}
	if o.minLen < 3 || o.minLen > seqLen {
		return fmt.Errorf("-min-len %d outside [3, %d]", o.minLen, seqLen)
	}
	if o.worker != "" {
		return work(o, w)
	}
	if o.cpuProfile != "" {
		return fmt.Errorf("-cpuprofile needs -worker")
	}
	s, err := measure(o)
	if err != nil {
		return err
	}
	if !s.report(w) && o.strict {
		return fmt.Errorf("a target was missed")
	}
	return nil
}
