package eval

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strconv"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// countColor counts the pixels of img within a small distance of c.
func countColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if absDiff(r>>8, c.R) < 24 && absDiff(g>>8, c.G) < 24 && absDiff(bl>>8, c.B) < 24 {
				n++
			}
		}
	}
	return n
}

func absDiff(a uint32, b uint8) uint32 {
	if a > uint32(b) {
		return a - uint32(b)
	}
	return uint32(b) - a
}

func TestHeadFiguresDrawTheData(t *testing.T) {
	r, err := Evaluate(synthetic(400, 2), Options{Lexicon: testLexicon(t), Resamples: 20})
	if err != nil {
		t.Fatal(err)
	}
	h := r.Heads["threat"]
	for _, tc := range []struct {
		name     string
		baseline *Baseline
		// colours that must cover a visible share of each figure: model, and baseline when present
		want, absent []color.RGBA
	}{
		{"with baseline", r.KeywordBaseline["threat"], []color.RGBA{modelColor, baselineColor}, nil},
		{"without baseline", nil, []color.RGBA{modelColor}, []color.RGBA{baselineColor}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			figs, err := headFigures("threat", h, tc.baseline)
			if err != nil {
				t.Fatal(err)
			}
			if len(figs) != 4 {
				t.Fatalf("%d figures, want 4", len(figs))
			}
			for _, f := range figs[:2] { // the ROC and precision-recall curves
				img, err := png.Decode(bytes.NewReader(f.PNG))
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range tc.want {
					if n := countColor(img, c); n < 500 {
						t.Errorf("%s: %d pixels of %v, want a drawn curve", f.Name, n, c)
					}
				}
				for _, c := range tc.absent {
					if n := countColor(img, c); n > 0 {
						t.Errorf("%s: %d pixels of %v, want none", f.Name, n, c)
					}
				}
			}
		})
	}
}

func TestHeadFiguresDegenerateHead(t *testing.T) {
	// A head whose every score falls in one bin: empty reliability bins, empty histogram bins, and
	// no curves to draw.
	mean, rate := 0.97, 0.5
	h := &Head{Label: "threat", N: 2, Positives: 1, Threshold: 0.5,
		Reliability: []Bin{{Lo: 0, Hi: 0.5}, {Lo: 0.5, Hi: 1, Count: 2, MeanScore: &mean, PositiveRate: &rate}},
		Histogram:   Histogram{Edges: []float64{0, 0.5, 1}, Positive: []int{0, 1}, Negative: []int{0, 1}},
	}
	figs, err := headFigures("threat", h, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		if _, err := png.Decode(bytes.NewReader(f.PNG)); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
}

func TestLegendAvoidsData(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lines     []plotter.XYs
		top, left bool
	}{
		{"empty plot: lower right", nil, false, false},
		{"ROC-like curve: lower right", []plotter.XYs{{{X: 0, Y: 0}, {X: 0.05, Y: 0.9}, {X: 1, Y: 1}}}, false, false},
		{"bottom row taken: upper left", []plotter.XYs{{{X: 0, Y: 0.05}, {X: 1, Y: 0.05}}}, true, true},
		{"all but the middle left taken", []plotter.XYs{
			{{X: 0, Y: 0.05}, {X: 1, Y: 0.05}}, {{X: 0, Y: 0.95}, {X: 1, Y: 0.95}}, {{X: 0.9, Y: 0}, {X: 0.9, Y: 1}},
		}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := newChart("title", "x", "y")
			unitAxes(ch.Plot)
			for i, l := range tc.lines {
				if err := ch.addCurve(l, modelColor, false, "curve "+strconv.Itoa(i)); err != nil {
					t.Fatal(err)
				}
			}
			ch.addEntry("a legend entry of some length")
			c := vgimg.NewWith(vgimg.UseWH(FigureWidth*vg.Inch/figureDPI, FigureHeight*vg.Inch/figureDPI), vgimg.UseDPI(figureDPI))
			d := ch.DataCanvas(draw.New(c))
			ch.placeLegend(d)
			if ch.key.Top != tc.top || ch.key.Left != tc.left {
				t.Errorf("legend top %v left %v, want top %v left %v", ch.key.Top, ch.key.Left, tc.top, tc.left)
			}
			r := ch.legendRect(d)
			if r.Min.X < d.Min.X || r.Max.X > d.Max.X || r.Min.Y < d.Min.Y || r.Max.Y > d.Max.Y {
				t.Errorf("legend %v outside the data area %v", r, d.Rectangle)
			}
		})
	}
}

func TestLogAxis(t *testing.T) {
	for _, tc := range []struct {
		maxCount, maxLabels int
		labels              []string
	}{
		{0, 6, []string{"1", "10"}},
		{1, 6, []string{"1", "10"}},
		{3600, 6, []string{"1", "10", "100", "1000", "10000"}},
		{3600, 3, []string{"1", "100", "10000"}},
		{2_000_000, 3, []string{"1", "1000", "1000000"}},
	} {
		ch := newChart("", "", "")
		logAxis(ch.Plot, []bar{{Lo: 0, Hi: 1, Count: tc.maxCount}}, 0.3, tc.maxLabels)
		var labels []string
		minor := 0
		for _, tk := range ch.Y.Tick.Marker.Ticks(ch.Y.Min, ch.Y.Max) {
			if tk.Value < ch.Y.Min || tk.Value > ch.Y.Max {
				t.Errorf("max %d: tick %v outside [%v, %v]", tc.maxCount, tk.Value, ch.Y.Min, ch.Y.Max)
			}
			if tk.Label == "" {
				minor++
				continue
			}
			labels = append(labels, tk.Label)
			if want := strconv.FormatFloat(math.Pow10(int(tk.Value)), 'f', -1, 64); tk.Label != want {
				t.Errorf("max %d: tick at %v labelled %q, want %q", tc.maxCount, tk.Value, tk.Label, want)
			}
		}
		if !slices.Equal(labels, tc.labels) {
			t.Errorf("max %d, %d labels: %q, want %q", tc.maxCount, tc.maxLabels, labels, tc.labels)
		}
		if everyDecade := len(labels) == int(ch.Y.Max)+1; (minor > 0) != everyDecade {
			t.Errorf("max %d: %d minor ticks, every power of ten labelled: %v", tc.maxCount, minor, everyDecade)
		}
		if ch.Y.Min >= 0 || ch.Y.Max < barHeight(max(tc.maxCount, 1), true) {
			t.Errorf("max %d: axis [%v, %v] does not hold a bar of 1 and the tallest bar", tc.maxCount, ch.Y.Min, ch.Y.Max)
		}
	}
}

func BenchmarkHeadFigures(b *testing.B) {
	r, err := Evaluate(synthetic(2000, 4), Options{Lexicon: testLexicon(b), Resamples: 20})
	if err != nil {
		b.Fatal(err)
	}
	h, base := r.Heads["threat"], r.KeywordBaseline["threat"]
	for b.Loop() {
		if _, err := headFigures("threat", h, base); err != nil {
			b.Fatal(err)
		}
	}
}
