package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/model"
)

func TestSyntheticBatch(t *testing.T) {
	const batch, seq = 64, 64
	b := syntheticBatch(vocabSize, batch, seq, seq/2, maskedShare, 7)
	if again := syntheticBatch(vocabSize, batch, seq, seq/2, maskedShare, 7); !slices.Equal(b.IDs, again.IDs) || !slices.Equal(b.Labels, again.Labels) {
		t.Error("the same seed gave different batches")
	}
	c, _, err := configs()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(c); err != nil {
		t.Fatal(err)
	}
	real, labelled := 0, 0
	for s := range batch {
		ids, mask, labels := b.IDs[s*seq:(s+1)*seq], b.AttentionMask[s*seq:(s+1)*seq], b.Labels[s*seq:(s+1)*seq]
		n := slices.Index(mask, 0)
		if n < 0 {
			n = seq
		}
		if n < seq/2 || slices.Contains(mask[n:], 1) {
			t.Fatalf("sequence %d: mask %v is not %d..%d ones then zeros", s, mask, seq/2, seq)
		}
		if ids[0] != clsID || ids[n-1] != sepID || slices.ContainsFunc(ids[n:], func(id int32) bool { return id != padID }) {
			t.Fatalf("sequence %d: ids %v are not [CLS] ... [SEP] [PAD]...", s, ids)
		}
		for p := range seq {
			switch masked := ids[p] == maskID; {
			case masked != (labels[p] != model.IgnoreLabel):
				t.Fatalf("sequence %d position %d: id %d with label %d", s, p, ids[p], labels[p])
			case masked && labels[p] <= maskID:
				t.Fatalf("sequence %d position %d: label %d is a special token", s, p, labels[p])
			case masked:
				labelled++
			}
		}
		real += n - 2
	}
	if share := float64(labelled) / float64(real); math.Abs(share-maskedShare) > 0.03 {
		t.Errorf("%d of %d tokens labelled (%.3f), want about %g", labelled, real, share, maskedShare)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.xs)
		if got := median(in); got != tt.want || !slices.Equal(in, tt.xs) {
			t.Errorf("median(%v) = %g (input now %v), want %g and the input unchanged", tt.xs, got, in, tt.want)
		}
	}
}

func TestTorchEnv(t *testing.T) {
	env := []string{"PATH=/bin", "OPENBLAS_CORETYPE=Haswell", "OMP_NUM_THREADS=4", "GOMP_SPINCOUNT=1", "HOME=/root"}
	tests := []struct {
		tuned bool
		want  []string
	}{
		{false, []string{"PATH=/bin", "HOME=/root"}},
		{true, []string{"PATH=/bin", "HOME=/root", "OPENBLAS_CORETYPE=SkylakeX", "OMP_WAIT_POLICY=PASSIVE"}},
	}
	for _, tt := range tests {
		if got := torchEnv(env, tt.tuned); !slices.Equal(got, tt.want) {
			t.Errorf("torchEnv(tuned %v) = %v, want %v", tt.tuned, got, tt.want)
		}
	}
}

func TestRunSide(t *testing.T) {
	tests := []struct {
		name, script string
		wantMS       float64
		wantErr      bool
	}{
		{"last line", `echo warming up; echo '{"ms": 12.5, "steps_ms": [12.5], "vm_hwm": 1024}'`, 12.5, false},
		{"not JSON", `echo done`, 0, true},
		{"no timings", `echo '{"ms": 1, "vm_hwm": 1024}'`, 0, true},
		{"failure", `echo '{"ms": 1, "steps_ms": [1], "vm_hwm": 1}'; exit 3`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := runSide(exec.Command("sh", "-c", tt.script))
			if (err != nil) != tt.wantErr || (err == nil && r.MS != tt.wantMS) {
				t.Errorf("runSide = %+v, %v; want ms %g, error %v", r, err, tt.wantMS, tt.wantErr)
			}
		})
	}
}

func TestReport(t *testing.T) {
	run := func(ms, mib float64) []result {
		return []result{{MS: ms, VmHWM: uint64(mib) << 20}, {MS: 1000, VmHWM: 1 << 30}, {MS: ms, VmHWM: uint64(mib) << 20}}
	}
	tests := []struct {
		name              string
		vigilTrain, vigil float64 // train and inference milliseconds
		vigilMiB          float64
		want              bool
		wantLines         []string
	}{
		{"all met", 70, 60, 100, true, []string{"train step time     0.70  target <= 0.80  PASS  (fastest runs: 0.70)", "inference time      0.60  target <= 0.70  PASS"}},
		{"slow step", 90, 60, 100, false, []string{"train step time     0.90  target <= 0.80  FAIL", "inference peak RSS  0.50  target <= 1.00  PASS"}},
		{"too much memory", 70, 60, 300, false, []string{"train peak RSS      1.50  target <= 1.00  FAIL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &summary{o: options{reps: 3, steps: 20, warmup: 3, threads: 2}, load: []float64{1, 3, 2}, runs: map[string]map[string][]result{
				sideVigil: {"train": run(tt.vigilTrain, tt.vigilMiB), "infer": run(tt.vigil, tt.vigilMiB)},
				sideTorch: {"train": run(400, 200), "infer": run(400, 200)},
				sideTuned: {"train": run(100, 200), "infer": run(100, 200)},
			}}
			var out bytes.Buffer
			if got := s.report(&out); got != tt.want {
				t.Errorf("report = %v, want %v", got, tt.want)
			}
			for _, l := range append(tt.wantLines, "median 2.00, range 1.00..3.00") {
				if !strings.Contains(out.String(), l) {
					t.Errorf("report lacks %q:\n%s", l, out.String())
				}
			}
		})
	}
}

func TestWorker(t *testing.T) {
	tests := []struct {
		task     string
		min, max float64 // range of the sanity value
	}{
		{"train", math.Log(vocabSize) - 0.5, math.Log(vocabSize) + 0.5}, // the loss of a fresh model
		{"infer", 0.3, 0.7}, // probabilities of a fresh classifier
	}
	for _, tt := range tests {
		t.Run(tt.task, func(t *testing.T) {
			var out bytes.Buffer
			profile := filepath.Join(t.TempDir(), "cpu.prof")
			if err := run(options{worker: tt.task, steps: 1, reps: 1, threads: 1, minLen: seqLen / 2, cpuProfile: profile}, &out); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(profile); err != nil || fi.Size() == 0 {
				t.Errorf("no CPU profile written: %v", err)
			}
			var r result
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if len(r.StepsMS) != 1 || r.MS <= 0 || r.VmHWM == 0 || r.Value < tt.min || r.Value > tt.max {
				t.Errorf("result %+v: want one positive timing, a peak RSS and a value in [%g, %g]", r, tt.min, tt.max)
			}
		})
	}
}

func TestRunRejects(t *testing.T) {
	tests := []struct {
		name string
		o    options
	}{
		{"no steps", options{steps: 0, reps: 1, threads: 1}},
		{"unknown task", options{worker: "sing", steps: 1, reps: 1, threads: 1}},
		{"profile without worker", options{cpuProfile: "cpu.prof", steps: 1, reps: 1, threads: 1}},
	}
	for _, tt := range tests {
		if err := run(tt.o, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
