package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vigil-ml/vigil/model"
)

// Side names, in the order they run.
const (
	sideVigil = "vigil"
	sideTorch = "torch"
	sideTuned = "torch-tuned"
)

var (
	sides = []string{sideVigil, sideTorch, sideTuned}
	tasks = []string{"train", "infer"}
)

// tunedEnv is the environment that makes Debian's OpenBLAS use its AVX-512 kernels and keeps idle
// OpenMP threads from spinning.
var tunedEnv = []string{"OPENBLAS_CORETYPE=SkylakeX", "OMP_WAIT_POLICY=PASSIVE"}

// request is what tools/bench/train_step.py reads on its standard input.
type request struct {
	Task        string       `json:"task"`
	Config      model.Config `json:"config"`
	Steps       int          `json:"steps"`
	Warmup      int          `json:"warmup"`
	Threads     int          `json:"threads"`
	LR          float64      `json:"lr"`
	WeightDecay float64      `json:"weight_decay"`
	Batch       batchJSON    `json:"batch"`
}

type batchJSON struct {
	Batch         int     `json:"batch"`
	Seq           int     `json:"seq"`
	IDs           []int32 `json:"input_ids"`
	AttentionMask []int32 `json:"attention_mask"`
	Labels        []int32 `json:"labels"`
}

// summary holds every run's result, by side and task, and the 1-minute load average before each.
type summary struct {
	o        options
	runs     map[string]map[string][]result
	load     []float64
	labelled int // labelled positions of the training batch
	tokens   int // real (unpadded) tokens of the training batch
}

// measure runs every side's tasks in turns, o.reps times, each in its own process.
func measure(o options) (*summary, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	trainCfg, inferCfg, err := configs()
	if err != nil {
		return nil, err
	}
	trainBatchData := syntheticBatch(vocabSize, trainBatch, seqLen, o.minLen, maskedShare, batchSeed)
	inputs := map[string][]byte{}
	for _, r := range []request{
		{Task: "train", Config: trainCfg, Batch: toJSON(trainBatchData)},
		{Task: "infer", Config: inferCfg, Batch: toJSON(syntheticBatch(vocabSize, inferBatch, seqLen, o.minLen, maskedShare, batchSeed))},
	} {
		r.Steps, r.Warmup, r.Threads, r.LR, r.WeightDecay = o.steps, o.warmup, o.threads, learningRate, weightDecay
		if inputs[r.Task], err = json.Marshal(r); err != nil {
			return nil, err
		}
	}
	s := &summary{o: o, runs: map[string]map[string][]result{}}
	for i, l := range trainBatchData.Labels {
		if l != model.IgnoreLabel {
			s.labelled++
		}
		s.tokens += int(trainBatchData.AttentionMask[i])
	}
	for rep := range o.reps {
		for _, task := range tasks {
			for _, side := range sides {
				var cmd *exec.Cmd
				if side == sideVigil {
					cmd = exec.Command(exe, "-worker", task, "-steps", strconv.Itoa(o.steps), "-warmup", strconv.Itoa(o.warmup), "-min-len", strconv.Itoa(o.minLen))
					cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(o.threads))
				} else {
					cmd = exec.Command(o.python, o.script)
					cmd.Env = torchEnv(os.Environ(), side == sideTuned)
					cmd.Stdin = bytes.NewReader(inputs[task])
				}
				s.load = append(s.load, loadAverage())
				r, err := runSide(cmd)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", side, task, err)
				}
				if s.runs[side] == nil {
					s.runs[side] = map[string][]result{}
				}
				s.runs[side][task] = append(s.runs[side][task], r)
				fmt.Fprintf(os.Stderr, "rep %d/%d %-5s %-11s %8.1f ms  peak RSS %4d MiB  load %.2f\n",
					rep+1, o.reps, task, side, r.MS, r.VmHWM>>20, s.load[len(s.load)-1])
			}
		}
	}
	return s, nil
}

func toJSON(b *model.Batch) batchJSON {
	return batchJSON{Batch: b.Batch, Seq: b.Seq, IDs: b.IDs, AttentionMask: b.AttentionMask, Labels: b.Labels}
}

// torchEnv returns env without the variables that tune OpenBLAS and OpenMP, so PyTorch runs as
// installed, plus tunedEnv when tuned is set.
func torchEnv(env []string, tuned bool) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "OPENBLAS_") && !strings.HasPrefix(kv, "OMP_") && !strings.HasPrefix(kv, "GOMP_") {
			out = append(out, kv)
		}
	}
	if tuned {
		out = append(out, tunedEnv...)
	}
	return out
}

// runSide runs cmd, passing its standard error through, and decodes the last line it prints.
func runSide(cmd *exec.Cmd) (result, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return result{}, err
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var r result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return r, fmt.Errorf("result %q: %w", lines[len(lines)-1], err)
	}
	if len(r.StepsMS) == 0 || r.VmHWM == 0 {
		return r, fmt.Errorf("result %q has no timings or no peak RSS", lines[len(lines)-1])
	}
	return r, nil
}

// loadAverage returns the 1-minute load average, or -1 when /proc/loadavg cannot be read.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// cell is one side's task over the repetitions: median and fastest time, and median peak RSS.
type cell struct {
	ms, best float64
	rss      float64 // bytes
	value    float64
	blas     string
}

func (s *summary) cell(side, task string) cell {
	runs := s.runs[side][task]
	ms, rss := make([]float64, len(runs)), make([]float64, len(runs))
	for i, r := range runs {
		ms[i], rss[i] = r.MS, float64(r.VmHWM)
	}
	best, _ := minMax(ms)
	return cell{ms: median(ms), best: best, rss: median(rss), value: runs[0].Value, blas: runs[0].BLAS}
}

// verdict is one target's ratio and whether it is met. best is the ratio of the fastest runs of
// each side (0 for memory), shown because load from other processes only ever adds time.
type verdict struct {
	name                string
	ratio, best, target float64
}

func (v verdict) pass() bool { return v.ratio <= v.target }

// verdicts compares Vigil with the side against: step time, inference time, and the peak RSS of
// each task.
func (s *summary) verdicts(against string) []verdict {
	v, t := func(task string) cell { return s.cell(sideVigil, task) }, func(task string) cell { return s.cell(against, task) }
	return []verdict{
		{"train step time", v("train").ms / t("train").ms, v("train").best / t("train").best, targetTrain},
		{"inference time", v("infer").ms / t("infer").ms, v("infer").best / t("infer").best, targetInfer},
		{"train peak RSS", v("train").rss / t("train").rss, 0, targetRSS},
		{"inference peak RSS", v("infer").rss / t("infer").rss, 0, targetRSS},
	}
}

// report prints the table and the verdicts against tuned PyTorch, and reports whether every
// target is met.
func (s *summary) report(w io.Writer) bool {
	o := s.o
	fmt.Fprintf(w, "small encoder (4 layers, hidden 256, 4 heads, FFN 1024), vocabulary %d, sequences padded to %d (lengths %d..%d)\n",
		vocabSize, seqLen, o.minLen, seqLen)
	fmt.Fprintf(w, "train: batch %d, %d real tokens, %d of them masked and labelled, dropout, loss on the labelled positions only, AdamW\n",
		trainBatch, s.tokens, s.labelled)
	fmt.Fprintf(w, "infer: batch %d, classifier with 2 sigmoid labels, no gradients\n", inferBatch)
	fmt.Fprintf(w, "%d threads per side; %d interleaved repetitions of %d warm-up + %d timed steps; medians of per-run medians\n",
		o.threads, o.reps, o.warmup, o.steps)
	lo, hi := minMax(s.load)
	fmt.Fprintf(w, "1-minute load average before the runs: median %.2f, range %.2f..%.2f\n\n", median(s.load), lo, hi)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "side\ttrain ms\tinfer ms\ttrain peak RSS MiB\tinfer peak RSS MiB\tfirst train loss\tkernel\t")
	for _, side := range sides {
		tr, in := s.cell(side, "train"), s.cell(side, "infer")
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.0f\t%.0f\t%.3f\t%s\t\n", side, tr.ms, in.ms, tr.rss/(1<<20), in.rss/(1<<20), tr.value, tr.blas)
	}
	tw.Flush()

	ok := true
	for _, against := range []string{sideTuned, sideTorch} {
		fmt.Fprintf(w, "\nvigil / %s:\n", against)
		for _, v := range s.verdicts(against) {
			mark := "PASS"
			if !v.pass() {
				mark = "FAIL"
			}
			if against != sideTuned {
				mark = "(for reference)"
			} else {
				ok = ok && v.pass()
			}
			best := ""
			if v.best > 0 {
				best = fmt.Sprintf("  (fastest runs: %.2f)", v.best)
			}
			fmt.Fprintf(w, "  %-19s %.2f  target <= %.2f  %s%s\n", v.name, v.ratio, v.target, mark, best)
		}
	}
	return ok
}

func minMax(xs []float64) (lo, hi float64) {
	for i, x := range xs {
		if i == 0 || x < lo {
			lo = x
		}
		if i == 0 || x > hi {
			hi = x
		}
	}
	return lo, hi
}
