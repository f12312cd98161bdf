package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-ml/vigil/data"
)

// synthetic builds n messages for two labels: threats mention signal words more often and score
// higher, with noise, so every metric is defined and far from trivial.
func synthetic(n int, seed uint64) Set {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := Set{Labels: []string{"threat", "drugs"}}
	words := []string{"see you tomorrow", "she will sleep now", "they found the dolls", "pop off at noon", "coffee later"}
	for i := range n {
		threat := rng.Float64() < 0.2
		drugs := rng.Float64() < 0.3
		text := words[rng.IntN(len(words))]
		if threat && rng.Float64() < 0.6 {
			text += ", he is dead"
		}
		score := 1 / (1 + math.Exp(-(rng.NormFloat64() + 2*b2f(threat) - 1)))
		s.IDs = append(s.IDs, fmt.Sprintf("m%d", i))
		s.Texts = append(s.Texts, fmt.Sprintf("%s #%d", text, i))
		s.Truth = append(s.Truth, []bool{threat, drugs})
		s.Scores = append(s.Scores, []float64{score, rng.Float64()})
	}
	return s
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func testLexicon(t testing.TB) *data.Lexicon {
	t.Helper()
	lex, err := data.NewLexicon([]string{"dead", "sleep", "dolls", "pop off", "kill"})
	if err != nil {
		t.Fatal(err)
	}
	return lex
}

func TestEvaluateMatchesMetrics(t *testing.T) {
	s := synthetic(400, 1)
	r, err := Evaluate(s, Options{Thresholds: map[string]float64{"threat": 0.6}, Lexicon: testLexicon(t), Resamples: 200, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 400 || !reflect.DeepEqual(r.Labels, s.Labels) || len(r.Heads) != 2 || len(r.KeywordBaseline) != 2 {
		t.Fatalf("report shape: n %d labels %v heads %d", r.N, r.Labels, len(r.Heads))
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "drugs") {
		t.Errorf("warnings %q, want one about drugs' missing threshold", r.Warnings)
	}
	for j, l := range s.Labels {
		h := r.Heads[l]
		scores, truth := s.column(j)
		roc, _ := ROCAUC(scores, truth)
		pr, _ := PRAUC(scores, truth)
		if h.ROCAUC != roc || h.PRAUC != pr {
			t.Errorf("%s: ROC %v PR %v, metrics say %v %v", l, h.ROCAUC, h.PRAUC, roc, pr)
		}
		for _, ci := range []struct {
			iv Interval
			v  float64
		}{{h.ROCAUCCI, roc}, {h.PRAUCCI, pr}} {
			if ci.iv.Resamples != 200 || !(ci.iv.Lo < ci.v && ci.v < ci.iv.Hi) || ci.iv.Hi-ci.iv.Lo > 0.3 {
				t.Errorf("%s: interval %+v around %v", l, ci.iv, ci.v)
			}
		}
		want := map[string]float64{"threat": 0.6, "drugs": DefaultThreshold}[l]
		src := map[string]string{"threat": "config", "drugs": "default"}[l]
		if h.Threshold != want || h.ThresholdSource != src || h.Confusion != At(scores, truth, want) {
			t.Errorf("%s: threshold %v (%s), confusion %+v", l, h.Threshold, h.ThresholdSource, h.Confusion)
		}
		names := []string{"stored", "recall_0.90", "recall_0.95", "best_f1"}
		for k, op := range h.Thresholds {
			if op.Name != names[k] {
				t.Errorf("%s: operating point %d is %s, want %s", l, k, op.Name, names[k])
			}
			c := At(scores, truth, op.Threshold)
			if op.Confusion != c || op.ToRead != c.TP+c.FP || op.ToReadShare != float64(c.TP+c.FP)/400 {
				t.Errorf("%s %s: %+v, confusion %+v", l, op.Name, op, c)
			}
		}
		if r90, r95 := h.Thresholds[1], h.Thresholds[2]; r90.Recall < 0.9 || r95.Recall < 0.95 || r95.ToRead < r90.ToRead {
			t.Errorf("%s: recall points %+v %+v", l, r90, r95)
		}
		if n := h.Histogram.Positive; sum(n) != h.Positives || sum(h.Histogram.Negative) != h.N-h.Positives {
			t.Errorf("%s: histogram counts %v / %v", l, n, h.Histogram.Negative)
		}
		if len(h.ROC) < 2 || h.ROC[0].FPR != 0 || h.ROC[0].TPR != 0 || h.ROC[len(h.ROC)-1] != (ROCPoint{1, 1, h.ROC[len(h.ROC)-1].Threshold}) {
			t.Errorf("%s: ROC curve ends %+v … %+v", l, h.ROC[0], h.ROC[len(h.ROC)-1])
		}
		if last := h.PR[len(h.PR)-1]; last.Recall != 1 || math.Abs(last.Precision-float64(h.Positives)/400) > 1e-15 {
			t.Errorf("%s: PR curve ends at %+v", l, last)
		}
		b := r.KeywordBaseline[l]
		counts := make([]float64, len(s.Texts))
		for i, text := range s.Texts {
			counts[i] = float64(testLexicon(t).Count(text))
		}
		broc, _ := ROCAUC(counts, truth)
		bpr, _ := PRAUC(counts, truth)
		if b.ROCAUC != broc || b.PRAUC != bpr || b.AnyHit.Confusion != At(counts, truth, 1) {
			t.Errorf("%s: baseline %v %v %+v, want %v %v", l, b.ROCAUC, b.PRAUC, b.AnyHit.Confusion, broc, bpr)
		}
	}
	if th := r.KeywordBaseline["threat"]; th.ROCAUC <= 0.6 {
		t.Errorf("threat keyword baseline ROC-AUC %v: the signal word 'dead' marks threats", th.ROCAUC)
	}
	again, err := Evaluate(s, Options{Thresholds: map[string]float64{"threat": 0.6}, Lexicon: testLexicon(t), Resamples: 200, Seed: 7})
	if err != nil || !reflect.DeepEqual(r, again) {
		t.Errorf("a second run with the same seed differs (err %v)", err)
	}
}

func sum(x []int) int {
	n := 0
	for _, v := range x {
		n += v
	}
	return n
}

func TestSignalWordsAndMistakes(t *testing.T) {
	s := Set{
		Labels: []string{"threat"},
		IDs:    []string{"a", "b", "c", "d", "e", "f"},
		Texts:  []string{"he is DEAD", "sleep well", "dead tired, need sleep", "coffee?", "you will be dead", "nice dolls"},
		Truth:  [][]bool{{true}, {false}, {false}, {false}, {true}, {true}},
		Scores: [][]float64{{0.9}, {0.7}, {0.6}, {0.1}, {0.3}, {0.2}},
	}
	r, err := Evaluate(s, Options{Thresholds: map[string]float64{"threat": 0.5}, Lexicon: testLexicon(t), Resamples: 50, TopK: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := r.Heads["threat"]
	rows := map[string]WordRow{}
	for _, w := range h.SignalWords {
		rows[w.Term] = w
	}
	dead := rows["dead"] // a (pos, 0.9, flagged), c (neg, 0.6, flagged), e (pos, 0.3, missed)
	if dead.Count != 3 || dead.Positives != 2 || math.Abs(*dead.MeanScorePos-0.6) > 1e-15 || *dead.MeanScoreNeg != 0.6 ||
		*dead.Precision != 0.5 || *dead.Recall != 0.5 || *dead.ROCAUC != 0.5 {
		t.Errorf("dead row %+v", dead)
	}
	if kill := rows["kill"]; kill.Count != 0 || kill.MeanScorePos != nil || kill.Precision != nil || kill.Recall != nil || kill.ROCAUC != nil {
		t.Errorf("kill row %+v, want empty", kill)
	}
	if sleep := rows["sleep"]; sleep.Count != 2 || sleep.Positives != 0 || sleep.Recall != nil || sleep.ROCAUC != nil || *sleep.Precision != 0 {
		t.Errorf("sleep row %+v", sleep)
	}
	// false positives at 0.5: b (0.7), c (0.6); false negatives: f (0.2), e (0.3).
	fp, fn := h.TopFalsePositives, h.TopFalseNegatives
	if len(fp) != 1 || fp[0].ID != "b" || fp[0].Text != "" || !reflect.DeepEqual(fp[0].Hits, []string{"sleep"}) {
		t.Errorf("false positives %+v", fp)
	}
	if len(fn) != 1 || fn[0].ID != "f" || fn[0].Score != 0.2 {
		t.Errorf("false negatives %+v", fn)
	}
	r, err = Evaluate(s, Options{Lexicon: testLexicon(t), Resamples: 50, ShowText: true})
	if err != nil {
		t.Fatal(err)
	}
	if fp := r.Heads["threat"].TopFalsePositives; len(fp) != 2 || fp[0].Text != "sleep well" || fp[1].ID != "c" {
		t.Errorf("show-text false positives %+v", fp)
	}
}

func TestEvaluateErrors(t *testing.T) {
	good := synthetic(20, 2)
	oneClass := synthetic(20, 2)
	for _, row := range oneClass.Truth {
		row[1] = false
	}
	short := synthetic(20, 2)
	short.Scores = short.Scores[:19]
	ragged := synthetic(20, 2)
	ragged.Scores[3] = ragged.Scores[3][:1]
	nan := synthetic(20, 2)
	nan.Scores[5][0] = math.NaN()
	tests := []struct {
		name string
		s    Set
		o    Options
		want string
	}{
		{"one class", oneClass, Options{Lexicon: testLexicon(t)}, "label drugs"},
		{"no lexicon", good, Options{}, "no lexicon"},
		{"short scores", short, Options{Lexicon: testLexicon(t)}, "19 scores"},
		{"ragged", ragged, Options{Lexicon: testLexicon(t)}, "example 3"},
		{"NaN", nan, Options{Lexicon: testLexicon(t)}, "NaN"},
		{"empty", Set{Labels: []string{"x"}}, Options{Lexicon: testLexicon(t)}, "no examples"},
	}
	for _, tt := range tests {
		if _, err := Evaluate(tt.s, tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := Evaluate(oneClass, Options{Lexicon: testLexicon(t)}); !errors.Is(err, ErrOneClass) {
		t.Errorf("one class: %v is not ErrOneClass", err)
	}
}

func TestBootstrapSkipsOneClassResamples(t *testing.T) {
	// With one positive among three examples, (2/3)³ ≈ 30% of resamples lack it.
	rk := rank([]float64{0.9, 0.2, 0.1}, []bool{true, false, false})
	roc, ap := bootstrap(rk, 1000, 3)
	if roc.Resamples != ap.Resamples || roc.Resamples < 600 || roc.Resamples > 780 {
		t.Errorf("used %d and %d of 1000 resamples, want about 700", roc.Resamples, ap.Resamples)
	}
	if roc.Lo != 1 || roc.Hi != 1 || ap.Lo != 1 {
		t.Errorf("perfect ranking intervals %+v %+v", roc, ap)
	}
	if iv := percentiles(nil); iv != (Interval{}) {
		t.Errorf("no resamples: %+v", iv)
	}
	if iv := percentiles([]float64{4, 1, 3, 2}); iv.Lo != 1.075 || iv.Hi != 3.925 || iv.Resamples != 4 {
		t.Errorf("percentiles = %+v, want numpy's 1.075, 3.925", iv)
	}
}

func TestDownsample(t *testing.T) {
	c := make([]int, 2001)
	for i := range c {
		c[i] = i
	}
	d := downsample(c)
	if len(d) != MaxCurvePoints || d[0] != 0 || d[len(d)-1] != 2000 {
		t.Fatalf("downsample: %d points from %d to %d", len(d), d[0], d[len(d)-1])
	}
	for i := 1; i < len(d); i++ {
		if d[i] <= d[i-1] {
			t.Fatalf("points not increasing at %d", i)
		}
	}
	if short := downsample(c[:10]); len(short) != 10 {
		t.Errorf("a short curve changed: %d points", len(short))
	}
}

// TestReportJSONSchema checks the keys CI scripts and the renderer rely on, by name and type.
func TestReportJSONSchema(t *testing.T) {
	r, err := Evaluate(synthetic(300, 3), Options{Lexicon: testLexicon(t), Resamples: 20})
	if err != nil {
		t.Fatal(err)
	}
	r.Model = ModelInfo{ID: strings.Repeat("ab", 32), Dir: "runs/ft", MaxLen: 128}
	r.Data = DataInfo{Path: "held.csv", SHA256: strings.Repeat("cd", 32), Bytes: 10, TextField: "text"}
	path := filepath.Join(t.TempDir(), "report.json")
	if err := WriteReport(path, r); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	get := func(path string) any {
		var v any = doc
		for _, k := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	}
	var want []string
	for _, l := range []string{"threat", "drugs"} {
		for _, k := range []string{"roc_auc", "pr_auc", "f1", "precision", "recall", "threshold", "ece", "roc_auc_ci.lo", "pr_auc_ci.hi"} {
			want = append(want, "heads."+l+"."+k)
		}
		want = append(want, "keyword_baseline."+l+".roc_auc", "keyword_baseline."+l+".pr_auc")
	}
	want = append(want, "n", "schema")
	for _, k := range want {
		if _, ok := get(k).(float64); !ok {
			t.Errorf("%s is %T, want a number", k, get(k))
		}
	}
	for _, k := range []string{"data.sha256", "model.id", "heads.threat.threshold_source", "lexicon.name"} {
		if _, ok := get(k).(string); !ok {
			t.Errorf("%s is %T, want a string", k, get(k))
		}
	}
	for _, k := range []string{"heads.threat.roc", "heads.threat.pr", "heads.threat.reliability", "heads.threat.thresholds",
		"heads.threat.signal_words", "heads.threat.top_false_positives", "heads.threat.histogram.positive",
		"keyword_baseline.threat.roc", "labels", "warnings"} {
		if _, ok := get(k).([]any); !ok {
			t.Errorf("%s is %T, want a list", k, get(k))
		}
	}
	for _, k := range []string{"tp", "fp", "tn", "fn"} {
		if _, ok := get("heads.threat.confusion." + k).(float64); !ok {
			t.Errorf("confusion.%s missing", k)
		}
	}
	back, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Error("report.json does not read back to the same Report")
	}
}

func TestReadReportRejects(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, body, want string }{
		{"schema", `{"schema": 2}`, "schema 2"},
		{"unknown key", `{"schema": 1, "auc": 1}`, "unknown field"},
		{"head without label", `{"schema": 1, "labels": [], "heads": {"x": {}}}`, `head "x"`},
		{"label without head", `{"schema": 1, "labels": ["x"], "heads": {}}`, `label "x"`},
		{"not JSON", `roc`, "invalid"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, "r.json")
		if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadReport(path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := ReadReport(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file read")
	}
}

func TestWriteReportHasNoNaN(t *testing.T) {
	r, err := Evaluate(synthetic(50, 4), Options{Lexicon: testLexicon(t), Resamples: 10})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(r); err != nil {
		t.Fatalf("a report with empty bins and words must encode: %v", err)
	}
}
