package ngram

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/vigil-ml/vigil/data"
)

// sklearnFixture is ngram/testdata/sklearn.json, written by tools/sklearnref/ngram.py.
type sklearnFixture struct {
	Train  []string `json:"train"`
	Labels []int    `json:"labels"`
	Held   []string `json:"held"`
	Blocks []struct {
		Vocabulary []string  `json:"vocabulary"`
		IDF        []float64 `json:"idf"`
	} `json:"blocks"`
	Probabilities []float64 `json:"probabilities"`
}

func readFixture(t testing.TB) sklearnFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/sklearn.json")
	if err != nil {
		t.Fatal(err)
	}
	var f sklearnFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFeaturesSklearn checks each block's vocabulary and idf against scikit-learn's TfidfVectorizer.
func TestFeaturesSklearn(t *testing.T) {
	fx := readFixture(t)
	f := Features(ReferenceBlocks())
	f.Fit(fx.Train)
	for k, b := range f {
		want := fx.Blocks[k]
		got := make([]string, 0, len(b.index))
		for g := range b.index {
			got = append(got, g)
		}
		slices.Sort(got)
		if !slices.Equal(got, want.Vocabulary) {
			t.Errorf("block %d: %d n-grams, scikit-learn %d; first differences: %q", k, len(got), len(want.Vocabulary), diff(got, want.Vocabulary))
			continue
		}
		for i, g := range want.Vocabulary {
			if d := math.Abs(b.idf[b.index[g]] - want.IDF[i]); d > 1e-12 {
				t.Errorf("block %d: idf of %q %g, scikit-learn %g", k, g, b.idf[b.index[g]], want.IDF[i])
			}
		}
	}
	for i, r := range f.Transform(fx.Train[:20]) {
		for b := range 2 {
			norm := 0.0
			for k, j := range r.Index {
				if (int(j) >= f[0].Len()) == (b == 1) {
					norm += r.Value[k] * r.Value[k]
				}
				if k > 0 && r.Index[k-1] >= j {
					t.Fatalf("text %d: indices not increasing", i)
				}
			}
			if norm > 0 && math.Abs(norm-1) > 1e-12 {
				t.Errorf("text %d block %d: squared norm %g", i, b, norm)
			}
		}
	}
}

// diff returns up to five n-grams in one list and not the other.
func diff(a, b []string) []string {
	var out []string
	for _, pair := range [][2][]string{{a, b}, {b, a}} {
		for _, g := range pair[0] {
			if _, found := slices.BinarySearch(pair[1], g); !found && len(out) < 5 {
				out = append(out, g)
			}
		}
	}
	return out
}

// TestClassifierSklearn checks the fitted model's probabilities against scikit-learn's
// LogisticRegression(C=3, class_weight="balanced") on the same features.
func TestClassifierSklearn(t *testing.T) {
	fx := readFixture(t)
	labels := make([][]bool, len(fx.Labels))
	for i, v := range fx.Labels {
		labels[i] = []bool{v == 1}
	}
	m, err := Fit(context.Background(), fx.Train, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	scores := m.Scores(fx.Held)
	for i, s := range scores {
		if d := math.Abs(s[0] - fx.Probabilities[i]); d > 1e-7 {
			t.Errorf("held text %d %q: probability %.7f, scikit-learn %.7f", i, fx.Held[i], s[0], fx.Probabilities[i])
		}
	}
	// Bit for bit reproducible, whatever order Go's maps iterate in.
	again, err := Fit(context.Background(), fx.Train, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range again.Scores(fx.Held) {
		if s[0] != scores[i][0] {
			t.Fatalf("held text %d: %v, then %v", i, scores[i][0], s[0])
		}
	}
}

func TestOutOfFold(t *testing.T) {
	fx := readFixture(t)
	l := &data.Labelled{LabelNames: []string{"threat"}}
	for i, text := range fx.Train {
		l.Texts = append(l.Texts, text)
		l.IDs = append(l.IDs, fx.Train[i])
		l.Labels = append(l.Labels, []bool{fx.Labels[i] == 1})
		l.Sources = append(l.Sources, data.Position{File: "t", Line: int64(i + 1)})
	}
	var folds []int
	scores, err := OutOfFold(context.Background(), l, 5, 1, 3, func(f int) { folds = append(folds, f) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(folds, []int{0, 1, 2, 3, 4}) {
		t.Errorf("folds reported: %v", folds)
	}
	// Calibrated: the mean probability matches the share of positives, which balanced weights alone
	// would push toward one half.
	mean, pos := 0.0, 0.0
	for i, s := range scores {
		mean += s[0] / float64(len(scores))
		if l.Labels[i][0] {
			pos += 1 / float64(len(scores))
		}
	}
	if math.Abs(mean-pos) > 0.01 {
		t.Errorf("mean probability %.3f, share of positives %.3f", mean, pos)
	}
	var posMean, negMean float64
	for i, s := range scores {
		if l.Labels[i][0] {
			posMean += s[0] / (pos * float64(len(scores)))
		} else {
			negMean += s[0] / ((1 - pos) * float64(len(scores)))
		}
	}
	if posMean < negMean+0.3 {
		t.Errorf("out-of-fold mean probability %.3f on positives, %.3f on negatives", posMean, negMean)
	}
	if _, err := OutOfFold(context.Background(), l, 1, 1, 3, nil); err == nil {
		t.Error("one fold: no error")
	}
}

// BenchmarkFit fits features and one logistic regression on the fixture's 300 texts.
func BenchmarkFit(b *testing.B) {
	fx := readFixture(b)
	labels := make([][]bool, len(fx.Labels))
	for i, v := range fx.Labels {
		labels[i] = []bool{v == 1}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Fit(context.Background(), fx.Train, labels, 3); err != nil {
			b.Fatal(err)
		}
	}
}
