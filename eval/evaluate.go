package eval

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/vigil-ml/vigil/data"
)

// Set is a labelled set with a model's scores: what Evaluate measures.
type Set struct {
	// IDs name the examples in reports; Sources ("file:line") locate them and may be nil.
	IDs     []string
	Sources []string
	// Texts are the messages, matched against the lexicon and shown only with Options.ShowText.
	Texts []string
	// Labels are the head names, in model order.
	Labels []string
	// Truth and Scores hold one row per example, one value per label.
	Truth  [][]bool
	Scores [][]float64
}

// Options configures Evaluate.
type Options struct {
	// Thresholds are the stored operating thresholds per label; a label without one uses
	// DefaultThreshold and the report warns.
	Thresholds map[string]float64
	// Lexicon supplies the signal words of the per-word table and the keyword baseline.
	Lexicon *data.Lexicon
	// LexiconName names the lexicon in the report.
	LexiconName string
	// Resamples is the number of bootstrap resamples; 0 means DefaultResamples.
	Resamples int
	// Seed seeds the bootstrap.
	Seed uint64
	// ShowText writes the texts of the top false positives and negatives into the report.
	ShowText bool
	// TopK is the number of false positives and negatives listed per head; 0 means DefaultTopK.
	TopK int
}

// Defaults of Options.
const (
	DefaultThreshold = 0.5
	DefaultResamples = 1000
	DefaultTopK      = 20
)

// Evaluate measures every head of s and the keyword baseline beside it. It fills everything in the
// Report except what identifies the model and the data (Vigil, Created, Model, Data), which the caller
// knows. A label whose examples are all of one class is an error: its ROC-AUC is undefined.
func Evaluate(s Set, o Options) (*Report, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if o.Lexicon == nil {
		return nil, errors.New("eval: no lexicon")
	}
	if o.Resamples == 0 {
		o.Resamples = DefaultResamples
	}
	if o.TopK == 0 {
		o.TopK = DefaultTopK
	}
	r := &Report{
		Schema: SchemaVersion, N: len(s.Truth), Labels: slices.Clone(s.Labels), ShowText: o.ShowText,
		Bootstrap:       BootstrapInfo{Resamples: o.Resamples, Method: "percentile", Level: 0.95, Seed: o.Seed},
		Lexicon:         LexiconInfo{Name: o.LexiconName, Terms: slices.Clone(o.Lexicon.Terms())},
		Heads:           make(map[string]*Head, len(s.Labels)),
		KeywordBaseline: make(map[string]*Baseline, len(s.Labels)),
		Warnings:        []string{},
	}
	hits := newHits(o.Lexicon, s.Texts)
	for j, label := range s.Labels {
		scores, truth := s.column(j)
		if err := check(scores, truth); err != nil {
			return nil, fmt.Errorf("label %s: %w", label, err)
		}
		threshold, ok := o.Thresholds[label]
		source := "config"
		if !ok {
			threshold, source = DefaultThreshold, "default"
			r.Warnings = append(r.Warnings, fmt.Sprintf("label %s: the model stores no threshold; using %g", label, DefaultThreshold))
		}
		seed := o.Seed + uint64(j)
		h, err := evalHead(s, scores, truth, threshold, seed, o, hits)
		if err != nil {
			return nil, fmt.Errorf("label %s: %w", label, err)
		}
		h.Label, h.ThresholdSource = label, source
		r.Heads[label] = h
		b, err := evalBaseline(hits.count, truth, o.Resamples, seed)
		if err != nil {
			return nil, fmt.Errorf("label %s: keyword baseline: %w", label, err)
		}
		r.KeywordBaseline[label] = b
	}
	return r, nil
}

// check reports rows and columns whose lengths disagree.
func (s Set) check() error {
	n := len(s.Truth)
	if n == 0 {
		return fmt.Errorf("eval: %w", ErrEmpty)
	}
	if len(s.Labels) == 0 {
		return errors.New("eval: no labels")
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"ids", len(s.IDs)}, {"texts", len(s.Texts)}, {"scores", len(s.Scores)}} {
		if c.n != n {
			return fmt.Errorf("eval: %d examples but %d %s", n, c.n, c.name)
		}
	}
	if s.Sources != nil && len(s.Sources) != n {
		return fmt.Errorf("eval: %d examples but %d sources", n, len(s.Sources))
	}
	for i := range n {
		if len(s.Truth[i]) != len(s.Labels) || len(s.Scores[i]) != len(s.Labels) {
			return fmt.Errorf("eval: example %d has %d labels and %d scores, want %d", i, len(s.Truth[i]), len(s.Scores[i]), len(s.Labels))
		}
	}
	return nil
}

// column returns label j's scores and truth.
func (s Set) column(j int) ([]float64, []bool) {
	scores := make([]float64, len(s.Scores))
	truth := make([]bool, len(s.Truth))
	for i := range scores {
		scores[i], truth[i] = s.Scores[i][j], s.Truth[i][j]
	}
	return scores, truth
}

// hits records which lexicon terms each text contains.
type hits struct {
	// count is each text's number of matches, as a score for the keyword baseline.
	count []float64
	// terms lists each text's distinct terms, in lexicon order.
	terms [][]int
	// texts lists, per term, the texts that contain it.
	texts [][]int
}

func newHits(lex *data.Lexicon, texts []string) hits {
	h := hits{count: make([]float64, len(texts)), terms: make([][]int, len(texts)), texts: make([][]int, lex.Len())}
	var m []data.Match
	for i, t := range texts {
		m = lex.AppendMatches(m[:0], t)
		h.count[i] = float64(len(m))
		for _, x := range m {
			if !slices.Contains(h.terms[i], x.Term) {
				h.terms[i] = append(h.terms[i], x.Term)
			}
		}
		slices.Sort(h.terms[i])
		for _, k := range h.terms[i] {
			h.texts[k] = append(h.texts[k], i)
		}
	}
	return h
}

// evalHead measures one label's scores.
func evalHead(s Set, scores []float64, truth []bool, threshold float64, seed uint64, o Options, hs hits) (*Head, error) {
	rk := rank(scores, truth)
	pts, pos, neg := rk.points(nil, nil)
	if pos == 0 || neg == 0 {
		return nil, fmt.Errorf("eval: %d positives of %d: %w", pos, pos+neg, ErrOneClass)
	}
	h := &Head{N: pos + neg, Positives: pos, ROCAUC: rocArea(pts, pos, neg), PRAUC: averagePrecision(pts, pos)}
	h.ROCAUCCI, h.PRAUCCI = bootstrap(rk, o.Resamples, seed)
	stored := operatingPoint("stored", scores, truth, threshold)
	h.Threshold, h.Confusion = threshold, stored.Confusion
	h.Precision, h.Recall, h.F1 = stored.Precision, stored.Recall, stored.F1
	h.Thresholds = []OperatingPoint{stored}
	for _, rc := range []struct {
		name   string
		recall float64
	}{{"recall_0.90", 0.90}, {"recall_0.95", 0.95}} {
		t, err := ThresholdForRecall(scores, truth, rc.recall)
		if err != nil {
			return nil, err
		}
		h.Thresholds = append(h.Thresholds, operatingPoint(rc.name, scores, truth, t))
	}
	best, _, err := BestF1Threshold(scores, truth)
	if err != nil {
		return nil, err
	}
	h.Thresholds = append(h.Thresholds, operatingPoint("best_f1", scores, truth, best))
	h.Reliability, h.ECE = reliability(scores, truth)
	h.ROC, h.PR = rocCurve(pts, pos, neg), prCurve(pts, pos)
	h.Histogram = histogram(scores, truth)
	h.SignalWords = signalWords(scores, truth, threshold, o.Lexicon.Terms(), hs)
	h.TopFalsePositives, h.TopFalseNegatives = mistakes(s, scores, truth, threshold, o, hs)
	return h, nil
}

// operatingPoint measures flagging the scores at or above threshold.
func operatingPoint(name string, scores []float64, truth []bool, threshold float64) OperatingPoint {
	c := At(scores, truth, threshold)
	return OperatingPoint{
		Name: name, Threshold: threshold, Confusion: c,
		Precision: c.Precision(), Recall: c.Recall(), F1: c.F1(),
		ToRead: c.Flagged(), ToReadShare: ratio(c.Flagged(), c.N()),
	}
}

// signalWords returns one row per lexicon term over the texts that contain it.
func signalWords(scores []float64, truth []bool, threshold float64, terms []string, hs hits) []WordRow {
	rows := make([]WordRow, len(terms))
	for k, term := range terms {
		idx := hs.texts[k]
		sub := make([]float64, len(idx))
		subTruth := make([]bool, len(idx))
		var sumPos, sumNeg float64
		row := WordRow{Term: term, Count: len(idx)}
		for n, i := range idx {
			sub[n], subTruth[n] = scores[i], truth[i]
			if truth[i] {
				row.Positives++
				sumPos += scores[i]
			} else {
				sumNeg += scores[i]
			}
		}
		if row.Positives > 0 {
			row.MeanScorePos = ptr(sumPos / float64(row.Positives))
		}
		if neg := row.Count - row.Positives; neg > 0 {
			row.MeanScoreNeg = ptr(sumNeg / float64(neg))
		}
		c := At(sub, subTruth, threshold)
		if c.Flagged() > 0 {
			row.Precision = ptr(c.Precision())
		}
		if row.Positives > 0 {
			row.Recall = ptr(c.Recall())
		}
		if auc, err := ROCAUC(sub, subTruth); err == nil {
			row.ROCAUC = &auc
		}
		rows[k] = row
	}
	return rows
}

// mistakes returns the TopK highest-scoring negatives flagged at threshold and the TopK lowest-scoring
// positives missed at it.
func mistakes(s Set, scores []float64, truth []bool, threshold float64, o Options, hs hits) (fp, fn []Example) {
	var fpIdx, fnIdx []int
	for i, sc := range scores {
		switch {
		case sc >= threshold && !truth[i]:
			fpIdx = append(fpIdx, i)
		case sc < threshold && truth[i]:
			fnIdx = append(fnIdx, i)
		}
	}
	byScore := func(a, b int) int { return cmp.Or(cmp.Compare(scores[a], scores[b]), cmp.Compare(a, b)) }
	slices.SortFunc(fpIdx, func(a, b int) int { return byScore(b, a) })
	slices.SortFunc(fnIdx, byScore)
	examples := func(idx []int) []Example {
		idx = idx[:min(len(idx), o.TopK)]
		ex := make([]Example, len(idx))
		for n, i := range idx {
			ex[n] = Example{ID: s.IDs[i], Score: scores[i], Hits: make([]string, len(hs.terms[i]))}
			if s.Sources != nil {
				ex[n].Source = s.Sources[i]
			}
			for k, t := range hs.terms[i] {
				ex[n].Hits[k] = o.Lexicon.Terms()[t]
			}
			if o.ShowText {
				ex[n].Text = s.Texts[i]
			}
		}
		return ex
	}
	return examples(fpIdx), examples(fnIdx)
}

// evalBaseline measures ranking by signal-word match counts.
func evalBaseline(count []float64, truth []bool, resamples int, seed uint64) (*Baseline, error) {
	rk := rank(count, truth)
	pts, pos, neg := rk.points(nil, nil)
	if pos == 0 || neg == 0 {
		return nil, fmt.Errorf("eval: %w", ErrOneClass)
	}
	b := &Baseline{ROCAUC: rocArea(pts, pos, neg), PRAUC: averagePrecision(pts, pos)}
	b.ROCAUCCI, b.PRAUCCI = bootstrap(rk, resamples, seed)
	b.AnyHit = operatingPoint("any_hit", count, truth, 1)
	b.ROC, b.PR = rocCurve(pts, pos, neg), prCurve(pts, pos)
	return b, nil
}

func ptr(x float64) *float64 { return &x }
