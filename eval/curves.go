package eval

import (
	"math"
	"math/rand/v2"
	"slices"
)

// MaxCurvePoints bounds the points of a ROC or PR curve in a report; longer curves keep their ends and
// evenly spaced points between.
const MaxCurvePoints = 500

// rocCurve returns the ROC curve through pts from (0, 0), whose threshold lies 1 above every score, to
// (1, 1), at most MaxCurvePoints points.
func rocCurve(pts []point, pos, neg int) []ROCPoint {
	c := make([]ROCPoint, 0, len(pts)+1)
	c = append(c, ROCPoint{Threshold: pts[0].threshold + 1})
	for _, p := range pts {
		c = append(c, ROCPoint{FPR: ratio(p.fp, neg), TPR: ratio(p.tp, pos), Threshold: p.threshold})
	}
	return downsample(c)
}

// prCurve returns the precision-recall curve through pts, one point per threshold from the highest,
// at most MaxCurvePoints points.
func prCurve(pts []point, pos int) []PRPoint {
	c := make([]PRPoint, len(pts))
	for i, p := range pts {
		c[i] = PRPoint{Recall: ratio(p.tp, pos), Precision: ratio(p.tp, p.tp+p.fp), Threshold: p.threshold}
	}
	return downsample(c)
}

// downsample keeps at most MaxCurvePoints of c: the first, the last and evenly spaced ones between.
func downsample[T any](c []T) []T {
	if len(c) <= MaxCurvePoints {
		return c
	}
	out := make([]T, MaxCurvePoints)
	last := len(c) - 1
	for i := range out {
		out[i] = c[i*last/(MaxCurvePoints-1)]
	}
	return out
}

// ReliabilityBins is the number of equal-width bins of the calibration error and reliability diagram.
const ReliabilityBins = 10

// reliability bins scores in [0, 1] into ReliabilityBins equal-width bins and returns them with the
// expected calibration error Σ (count/n)·|mean score − positive rate|.
func reliability(scores []float64, labels []bool) ([]Bin, float64) {
	edges := binEdges(ReliabilityBins)
	sum := make([]float64, ReliabilityBins)
	count := make([]int, ReliabilityBins)
	pos := make([]int, ReliabilityBins)
	for i, s := range scores {
		b := binOf(edges, s)
		sum[b] += s
		count[b]++
		if labels[i] {
			pos[b]++
		}
	}
	bins := make([]Bin, ReliabilityBins)
	ece := 0.0
	for b := range bins {
		bins[b] = Bin{Lo: edges[b], Hi: edges[b+1], Count: count[b]}
		if count[b] == 0 {
			continue
		}
		mean, rate := sum[b]/float64(count[b]), ratio(pos[b], count[b])
		bins[b].MeanScore, bins[b].PositiveRate = &mean, &rate
		ece += float64(count[b]) / float64(len(scores)) * math.Abs(mean-rate)
	}
	return bins, ece
}

// HistogramBins is the number of equal-width score bins of a head's histogram.
const HistogramBins = 20

// histogram counts scores per class in HistogramBins equal-width bins over [0, 1].
func histogram(scores []float64, labels []bool) Histogram {
	h := Histogram{
		Edges:    binEdges(HistogramBins),
		Positive: make([]int, HistogramBins),
		Negative: make([]int, HistogramBins),
	}
	for i, s := range scores {
		if labels[i] {
			h.Positive[binOf(h.Edges, s)]++
		} else {
			h.Negative[binOf(h.Edges, s)]++
		}
	}
	return h
}

// binEdges returns the n+1 edges of n equal-width bins over [0, 1], computed as numpy.linspace does
// (i × 1/n), so bins agree with scikit-learn's calibration_curve to the last bit.
func binEdges(n int) []float64 {
	step := 1 / float64(n)
	e := make([]float64, n+1)
	for i := range e {
		e[i] = float64(i) * step
	}
	e[n] = 1
	return e
}

// binOf is the bin of s among edges: bin b holds (edges[b], edges[b+1]], the first bin also 0, as
// calibration_curve assigns them; scores outside [0, 1] fall into the end bins.
func binOf(edges []float64, s float64) int {
	interior := edges[1 : len(edges)-1]
	b, _ := slices.BinarySearch(interior, s)
	return b
}

// bootstrapSalt separates the bootstrap's generator from other streams seeded with the same seed.
const bootstrapSalt = 0xb5ad4eceda1ce2a9

// bootstrap draws resamples of r (n examples with replacement, uniformly), skips those with a single
// class, and returns the 95% percentile intervals of ROC-AUC and average precision.
func bootstrap(r ranking, resamples int, seed uint64) (roc, ap Interval) {
	rng := rand.New(rand.NewPCG(seed, bootstrapSalt))
	n := len(r.scores)
	weight := make([]int, n)
	var buf []point
	rocs := make([]float64, 0, resamples)
	aps := make([]float64, 0, resamples)
	for range resamples {
		clear(weight)
		for range n {
			weight[rng.IntN(n)]++
		}
		var pos, neg int
		buf, pos, neg = r.points(buf, weight)
		if pos == 0 || neg == 0 {
			continue
		}
		rocs = append(rocs, rocArea(buf, pos, neg))
		aps = append(aps, averagePrecision(buf, pos))
	}
	return percentiles(rocs), percentiles(aps)
}

// percentiles returns the 2.5th and 97.5th percentiles of x, interpolated linearly between order
// statistics as numpy.percentile does by default; x is sorted in place.
func percentiles(x []float64) Interval {
	if len(x) == 0 {
		return Interval{}
	}
	slices.Sort(x)
	q := func(p float64) float64 {
		h := p * float64(len(x)-1)
		lo := int(h)
		if lo+1 >= len(x) {
			return x[len(x)-1]
		}
		return x[lo] + (h-float64(lo))*(x[lo+1]-x[lo])
	}
	return Interval{Lo: q(0.025), Hi: q(0.975), Resamples: len(x)}
}
