package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/vigil-ml/vigil/internal/procstat"
	"github.com/vigil-ml/vigil/model"
	"github.com/vigil-ml/vigil/tensor"
	"github.com/vigil-ml/vigil/tensor/gemm"
	"github.com/vigil-ml/vigil/tensor/optim"
)

// result is one process's measurement, the JSON line both sides print.
type result struct {
	MS      float64   `json:"ms"`       // median of the timed steps
	StepsMS []float64 `json:"steps_ms"` // every timed step
	Value   float64   `json:"value"`    // first loss (train) or mean probability (infer), as a sanity check
	VmHWM   uint64    `json:"vm_hwm"`   // peak resident set size in bytes
	Threads int       `json:"threads"`
	BLAS    string    `json:"blas"` // the matrix-multiplication kernel in use
}

// Special token ids, as Vigil's tokenizer assigns them.
const (
	padID  = 0
	clsID  = 2
	sepID  = 3
	maskID = 4
)

// syntheticBatch returns batch sequences padded to seq tokens, reproducibly from seed: each has a
// length drawn uniformly from [minLen, seq], starts with [CLS], ends with [SEP] and is padded with
// [PAD] (attention mask 0). Each other token is a random non-special id; with probability share it
// is replaced by [MASK] and becomes an MLM label holding the original id.
func syntheticBatch(vocab, batch, seq, minLen int, share float32, seed uint64) *model.Batch {
	r := tensor.NewRNG(seed)
	n := batch * seq
	b := &model.Batch{Batch: batch, Seq: seq, IDs: make([]int32, n), AttentionMask: make([]int32, n), Labels: make([]int32, n)}
	for s := range batch {
		length := minLen + r.IntN(seq-minLen+1)
		for p := range seq {
			i := s*seq + p
			b.Labels[i] = model.IgnoreLabel
			switch {
			case p >= length:
				b.IDs[i] = padID
				continue
			case p == 0:
				b.IDs[i] = clsID
			case p == length-1:
				b.IDs[i] = sepID
			default:
				b.IDs[i] = int32(maskID + 1 + r.IntN(vocab-maskID-1))
				if r.Float32() < share {
					b.Labels[i], b.IDs[i] = b.IDs[i], maskID
				}
			}
			b.AttentionMask[i] = 1
		}
	}
	return b
}

// configs returns the small encoder's configuration for training (masked LM) and for inference
// (a classifier with two labels).
func configs() (train, infer model.Config, err error) {
	c, err := model.Preset("small", vocabSize)
	if err != nil {
		return c, c, err
	}
	return c, c.WithLabels([]string{"threat", "drugs"}), nil
}

// work measures Vigil's task o.worker in this process and writes the result as one JSON line.
func work(o options, w io.Writer) error {
	trainCfg, inferCfg, err := configs()
	if err != nil {
		return err
	}
	var step func() (float64, error)
	switch o.worker {
	case "train":
		step, err = trainStep(trainCfg, o.minLen)
	case "infer":
		step, err = inferStep(inferCfg, o.minLen)
	default:
		return fmt.Errorf("-worker %q: want train or infer", o.worker)
	}
	if err != nil {
		return err
	}
	r, err := timeSteps(step, o.warmup, o.steps, o.cpuProfile)
	if err != nil {
		return err
	}
	if r.VmHWM, err = procstat.PeakRSS(); err != nil {
		return err
	}
	r.Threads, r.BLAS = runtime.GOMAXPROCS(0), "gemm "+gemm.Kernel()
	return json.NewEncoder(w).Encode(r)
}

// trainStep returns one MLM training step of a fresh model of configuration c on sequences of
// minLen to 64 tokens: forward with dropout, loss on the labelled positions, backward, AdamW. It
// returns the loss.
func trainStep(c model.Config, minLen int) (func() (float64, error), error) {
	m, err := model.New(c, model.MaskedLM, 1)
	if err != nil {
		return nil, err
	}
	opt := optim.NewAdamW(m.Params(), optim.AdamWConfig{LR: learningRate, WeightDecay: weightDecay})
	b := syntheticBatch(vocabSize, trainBatch, seqLen, minLen, maskedShare, batchSeed)
	rng, t := tensor.NewRNG(2), tensor.NewTape()
	return func() (float64, error) {
		t.Reset()
		loss, err := m.MLMLoss(t, b, rng)
		if err != nil {
			return 0, err
		}
		t.Backward(loss)
		opt.Step()
		opt.ZeroGrad()
		return float64(loss.Data[0]), nil
	}, nil
}

// inferStep returns forward-only scoring of a batch of 64 with a fresh classifier of
// configuration c. It returns the mean probability.
func inferStep(c model.Config, minLen int) (func() (float64, error), error) {
	m, err := model.New(c, model.SequenceClassification, 1)
	if err != nil {
		return nil, err
	}
	s, b := model.NewScorer(m), syntheticBatch(vocabSize, inferBatch, seqLen, minLen, maskedShare, batchSeed)
	var probs []float32
	return func() (float64, error) {
		if probs, err = s.Probabilities(probs[:0], b); err != nil {
			return 0, err
		}
		var sum float64
		for _, p := range probs {
			sum += float64(p)
		}
		return sum / float64(len(probs)), nil
	}, nil
}

// timeSteps runs step warmup times untimed, then steps times timed (profiled into profile when
// it is not empty), and returns the first value step returned and the timings.
func timeSteps(step func() (float64, error), warmup, steps int, profile string) (result, error) {
	var r result
	first := true
	call := func() error {
		v, err := step()
		if first {
			r.Value, first = v, false
		}
		return err
	}
	for range warmup {
		if err := call(); err != nil {
			return r, err
		}
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return r, fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return r, fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	for range steps {
		start := time.Now()
		if err := call(); err != nil {
			return r, err
		}
		r.StepsMS = append(r.StepsMS, float64(time.Since(start).Microseconds())/1e3)
	}
	r.MS = median(r.StepsMS)
	return r, nil
}

// median returns the median of xs (the mean of the middle two for an even count) without
// reordering them, or 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
