package eval

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Every figure is FigureWidth x FigureHeight pixels at figureDPI: sharp when the HTML report shows two
// side by side, with text sizes (in points) that stay readable at that scale.
const (
	FigureWidth  = 960
	FigureHeight = 720
	figureDPI    = 150
)

var (
	sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

	modelColor     = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
	baselineColor  = color.RGBA{R: 0xd9, G: 0x6c, B: 0x06, A: 0xff}
	referenceColor = color.RGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}
	positiveColor  = color.RGBA{R: 0xc0, G: 0x2b, B: 0x2b, A: 0xff}
	negativeColor  = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
	gridColor      = color.RGBA{R: 0xe0, G: 0xe0, B: 0xe0, A: 0xff}
	legendBackdrop = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xe8}
)

// figure is one PNG of a report: its file name under figures/ and what it shows, for alt text.
type figure struct {
	Name string
	Alt  string
	PNG  []byte
}

// headFigures draws the ROC, precision-recall, calibration and score-histogram figures of one head;
// b, the keyword baseline, may be nil. slug prefixes the file names.
func headFigures(slug string, h *Head, b *Baseline) ([]figure, error) {
	var figs []figure
	add := func(kind, alt string, draw func(draw.Canvas), err error) error {
		if err != nil {
			return fmt.Errorf("%s figure of %s: %w", kind, h.Label, err)
		}
		png, err := renderPNG(draw)
		if err != nil {
			return fmt.Errorf("%s figure of %s: %w", kind, h.Label, err)
		}
		figs = append(figs, figure{Name: slug + "-" + kind + ".png", Alt: alt, PNG: png})
		return nil
	}
	roc, err := rocChart(h, b)
	if err := add("roc", h.Label+": ROC curve of the model and the keyword baseline", roc.draw, err); err != nil {
		return nil, err
	}
	pr, err := prChart(h, b)
	if err := add("pr", h.Label+": precision-recall curve of the model and the keyword baseline", pr.draw, err); err != nil {
		return nil, err
	}
	top, bottom, err := reliabilityCharts(h)
	if err := add("calibration", h.Label+": reliability diagram with messages per bin", stacked(top, bottom, 0.7), err); err != nil {
		return nil, err
	}
	hist, err := histogramChart(h, true)
	if err := add("scores", h.Label+": score histogram by true label", hist.draw, err); err != nil {
		return nil, err
	}
	return figs, nil
}

// chart is a plot whose legend is drawn last, on a white backdrop, in the corner of the data area
// that hides the fewest data points.
type chart struct {
	*plot.Plot
	key   plot.Legend
	texts []string      // the legend's entries, to size its backdrop
	drawn []plotter.XYs // polylines of everything drawn, in data coordinates, to place the legend
	marks plotter.XYs   // centres of the operating-point markers, drawn with markRadius
}

// newChart returns a chart styled for the report: sans-serif text and a light grid.
func newChart(title, xLabel, yLabel string) *chart {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansFont, 17)
	p.Title.Padding = vg.Points(10)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, 14)
		a.Tick.Label.Font = font.From(sansFont, 13)
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = gridColor, gridColor
	p.Add(g)
	key := plot.NewLegend()
	key.TextStyle.Font = font.From(sansFont, 13)
	key.ThumbnailWidth = vg.Points(24)
	key.Padding = vg.Points(2)
	return &chart{Plot: p, key: key}
}

// draw draws the plot, then the legend on its backdrop.
func (ch *chart) draw(c draw.Canvas) {
	ch.Plot.Draw(c)
	if len(ch.texts) == 0 {
		return
	}
	d := ch.DataCanvas(c)
	ch.placeLegend(d)
	d.SetColor(legendBackdrop)
	d.Fill(ch.legendRect(d).Path())
	ch.key.Draw(d)
}

// legendSpots are the places the legend may go, in order of preference: the corners, then half way up
// either side, then a quarter and three quarters of the way up.
var legendSpots = [...]struct {
	left     bool
	vertical float64 // 0 bottom, 0.5 middle, 1 top
}{
	{false, 0}, {true, 1}, {false, 1}, {true, 0},
	{true, 0.5}, {false, 0.5},
	{true, 0.75}, {false, 0.25}, {true, 0.25}, {false, 0.75},
}

// placeLegend puts the legend in the spot of d that hides the least of what is drawn.
func (ch *chart) placeLegend(d draw.Canvas) {
	trX, trY := ch.Transforms(&d)
	var pts []vg.Point
	for _, line := range ch.drawn {
		pts = sampleLine(pts, line, trX, trY)
	}
	for _, m := range ch.marks {
		x, y := trX(m.X), trY(m.Y)
		for a := 0.0; a < 2*math.Pi; a += math.Pi / 4 {
			pts = append(pts, vg.Point{X: x + markRadius*vg.Length(math.Cos(a)), Y: y + markRadius*vg.Length(math.Sin(a))})
		}
	}
	best, bestAt := -1, 0
	for i := range legendSpots {
		ch.legendTo(d, i)
		r := ch.legendRect(d)
		n := 0
		for _, p := range pts {
			if p.X >= r.Min.X && p.X <= r.Max.X && p.Y >= r.Min.Y && p.Y <= r.Max.Y {
				n++
			}
		}
		if best < 0 || n < best {
			best, bestAt = n, i
		}
	}
	ch.legendTo(d, bestAt)
}

// sampleLine appends to dst points along the polyline xys on the canvas, about every 2 points (1/72
// inch) of length, so that long straight segments count as much as dense curves.
func sampleLine(dst []vg.Point, xys plotter.XYs, trX, trY func(float64) vg.Length) []vg.Point {
	var prev vg.Point
	for i, xy := range xys {
		p := vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		if i > 0 {
			steps := int(math.Hypot(float64(p.X-prev.X), float64(p.Y-prev.Y)) / 2)
			for s := 1; s < steps; s++ {
				f := vg.Length(s) / vg.Length(steps)
				dst = append(dst, vg.Point{X: prev.X + f*(p.X-prev.X), Y: prev.Y + f*(p.Y-prev.Y)})
			}
		}
		dst = append(dst, p)
		prev = p
	}
	return dst
}

// legendTo moves the legend to legendSpots[i] in d, a small margin inside its edges.
func (ch *chart) legendTo(d draw.Canvas, i int) {
	spot, margin := legendSpots[i], vg.Points(8)
	k := &ch.key
	k.Left, k.Top = spot.left, spot.vertical == 1
	k.XOffs = margin
	if !spot.left {
		k.XOffs = -margin
	}
	switch spot.vertical {
	case 1:
		k.YOffs = -margin
	case 0:
		k.YOffs = margin
	default:
		h := ch.legendRect(d).Size().Y
		k.YOffs = vg.Length(spot.vertical)*(d.Max.Y-d.Min.Y) - h/2
	}
}

// legendRect is the area that plot.Legend.Draw covers in c, with a small margin.
func (ch *chart) legendRect(c draw.Canvas) vg.Rectangle {
	k := &ch.key
	var entryH, textW vg.Length
	for _, t := range ch.texts {
		r := k.TextStyle.Rectangle(t)
		entryH = max(entryH, r.Max.Y)
		textW = max(textW, r.Max.X)
	}
	n := vg.Length(len(ch.texts))
	w := k.ThumbnailWidth + k.TextStyle.Rectangle(" ").Max.X + textW
	h := n*entryH + (n-1)*k.Padding
	var r vg.Rectangle
	if k.Left {
		r.Min.X = c.Min.X + k.XOffs
		r.Max.X = r.Min.X + w
	} else {
		r.Max.X = c.Max.X + k.XOffs
		r.Min.X = r.Max.X - w
	}
	if k.Top {
		r.Max.Y = c.Max.Y - k.TextStyle.FontExtents().Descent + k.YOffs
		r.Min.Y = r.Max.Y - h
	} else {
		r.Min.Y = c.Min.Y + k.YOffs
		r.Max.Y = r.Min.Y + h
	}
	m := vg.Points(4)
	r.Min.X, r.Min.Y, r.Max.X, r.Max.Y = r.Min.X-m, r.Min.Y-m, r.Max.X+m, r.Max.Y+m
	return r
}

// addEntry adds a legend entry.
func (ch *chart) addEntry(name string, thumbs ...plot.Thumbnailer) {
	ch.key.Add(name, thumbs...)
	ch.texts = append(ch.texts, name)
}

// addLine adds a line through xys with a legend entry; an empty xys adds nothing.
func (ch *chart) addLine(xys plotter.XYs, c color.Color, width float64, dashes []float64, legend string) error {
	if len(xys) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("line %q: %w", legend, err)
	}
	l.Color = c
	l.Width = vg.Points(width)
	for _, d := range dashes {
		l.Dashes = append(l.Dashes, vg.Points(d))
	}
	ch.Add(l)
	ch.addEntry(legend, l)
	ch.drawn = append(ch.drawn, xys)
	return nil
}

// addCurve adds a model (solid) or baseline (dashed) curve.
func (ch *chart) addCurve(xys plotter.XYs, c color.Color, dashed bool, legend string) error {
	var dashes []float64
	if dashed {
		dashes = []float64{7, 4}
	}
	return ch.addLine(xys, c, 2.2, dashes, legend)
}

// addReference adds a thin dashed line: chance level, base rate, perfect calibration, threshold.
func (ch *chart) addReference(xys plotter.XYs, c color.Color, legend string) error {
	return ch.addLine(xys, c, 1.3, []float64{4, 3}, legend)
}

// markRadius is the radius of an operating-point marker.
const markRadius = vg.Length(5)

// addPoint marks one operating point.
func (ch *chart) addPoint(p plotter.XY, c color.Color, legend string) error {
	s, err := plotter.NewScatter(plotter.XYs{p})
	if err != nil {
		return fmt.Errorf("point %q: %w", legend, err)
	}
	s.Shape = draw.CircleGlyph{}
	s.Radius = markRadius
	s.Color = c
	ch.Add(s)
	ch.addEntry(legend, s)
	ch.marks = append(ch.marks, p)
	return nil
}

// unitTicks marks [0, 1] every 0.1 and labels every 0.2.
var unitTicks = func() plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, 11)
	for i := range ticks {
		ticks[i].Value = float64(i) / 10
		if i%2 == 0 {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', 1, 64)
		}
	}
	return ticks
}()

// unitAxes fixes both axes to [0, 1], the range of rates, probabilities and scores.
func unitAxes(p *plot.Plot) {
	p.X.Min, p.X.Max = 0, 1
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Tick.Marker, p.Y.Tick.Marker = unitTicks, unitTicks
}

// rocChart plots the true against the false positive rate of the model and the keyword baseline, with
// the chance diagonal and the model at its stored threshold.
func rocChart(h *Head, b *Baseline) (*chart, error) {
	ch := newChart(h.Label+": ROC curve", "false positive rate (negatives flagged)", "true positive rate (positives found)")
	unitAxes(ch.Plot)
	if err := ch.addReference(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}, referenceColor, "chance (AUC 0.500)"); err != nil {
		return nil, err
	}
	if b != nil {
		if err := ch.addCurve(rocXYs(b.ROC), baselineColor, true, fmt.Sprintf("keyword baseline (AUC %.3f)", b.ROCAUC)); err != nil {
			return nil, err
		}
	}
	if err := ch.addCurve(rocXYs(h.ROC), modelColor, false, fmt.Sprintf("model (AUC %.3f)", h.ROCAUC)); err != nil {
		return nil, err
	}
	c := h.Confusion
	at := plotter.XY{X: ratio(c.FP, c.FP+c.TN), Y: ratio(c.TP, c.TP+c.FN)}
	return ch, ch.addPoint(at, modelColor, fmt.Sprintf("model at threshold %.2f", h.Threshold))
}

func rocXYs(c []ROCPoint) plotter.XYs {
	xys := make(plotter.XYs, len(c))
	for i, p := range c {
		xys[i] = plotter.XY{X: p.FPR, Y: p.TPR}
	}
	return xys
}

// prChart plots precision against recall of the model and the keyword baseline, with the base rate
// (the precision of flagging at random) and the model at its stored threshold.
func prChart(h *Head, b *Baseline) (*chart, error) {
	ch := newChart(h.Label+": precision-recall curve", "recall (positives found)", "precision (flagged that are positive)")
	unitAxes(ch.Plot)
	rate := ratio(h.Positives, h.N)
	if err := ch.addReference(plotter.XYs{{X: 0, Y: rate}, {X: 1, Y: rate}}, referenceColor, fmt.Sprintf("base rate %.1f%%", 100*rate)); err != nil {
		return nil, err
	}
	if b != nil {
		if err := ch.addCurve(prXYs(b.PR), baselineColor, true, fmt.Sprintf("keyword baseline (PR-AUC %.3f)", b.PRAUC)); err != nil {
			return nil, err
		}
	}
	if err := ch.addCurve(prXYs(h.PR), modelColor, false, fmt.Sprintf("model (PR-AUC %.3f)", h.PRAUC)); err != nil {
		return nil, err
	}
	return ch, ch.addPoint(plotter.XY{X: h.Recall, Y: h.Precision}, modelColor, fmt.Sprintf("model at threshold %.2f", h.Threshold))
}

func prXYs(c []PRPoint) plotter.XYs {
	xys := make(plotter.XYs, len(c))
	for i, p := range c {
		xys[i] = plotter.XY{X: p.Recall, Y: p.Precision}
	}
	return xys
}

// reliabilityCharts returns the reliability diagram and, to draw below it, the messages per bin.
func reliabilityCharts(h *Head) (top, bottom *chart, err error) {
	top = newChart(fmt.Sprintf("%s: calibration (ECE %.3f)", h.Label, h.ECE), "", "observed share of positives")
	unitAxes(top.Plot)
	if err := top.addReference(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}}, referenceColor, "perfectly calibrated"); err != nil {
		return nil, nil, err
	}
	var xys plotter.XYs
	for _, b := range h.Reliability {
		if b.MeanScore != nil && b.PositiveRate != nil {
			xys = append(xys, plotter.XY{X: *b.MeanScore, Y: *b.PositiveRate})
		}
	}
	if len(xys) > 0 {
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, nil, fmt.Errorf("reliability diagram: %w", err)
		}
		l.Color, l.Width = modelColor, vg.Points(2.2)
		s.Color, s.Shape, s.Radius = modelColor, draw.CircleGlyph{}, vg.Points(4)
		top.Add(l, s)
		top.addEntry("model", l, s)
		top.drawn = append(top.drawn, xys)
	}

	bottom = newChart("", "predicted probability (score)", "messages")
	bottom.X.Min, bottom.X.Max = 0, 1
	bottom.X.Tick.Marker = unitTicks
	counts := make([]bar, len(h.Reliability))
	for i, b := range h.Reliability {
		counts[i] = bar{Lo: b.Lo, Hi: b.Hi, Count: b.Count}
	}
	addBars(bottom, counts, color.RGBA{R: 0xa8, G: 0xc4, B: 0xe4, A: 0xff}, modelColor, true)
	labels, err := plotter.NewLabels(countLabels(counts))
	if err != nil {
		return nil, nil, fmt.Errorf("bin counts: %w", err)
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Font = font.From(sansFont, 11)
		labels.TextStyle[i].XAlign = draw.XCenter
	}
	labels.Offset = vg.Point{Y: vg.Points(2)}
	bottom.Add(labels)
	logAxis(bottom.Plot, counts, 0.25, 3)
	return top, bottom, nil
}

// countLabels puts each non-empty bin's count above its bar.
func countLabels(bars []bar) plotter.XYLabels {
	var l plotter.XYLabels
	for _, b := range bars {
		if b.Count > 0 {
			l.XYs = append(l.XYs, plotter.XY{X: (b.Lo + b.Hi) / 2, Y: barHeight(b.Count, true)})
			l.Labels = append(l.Labels, strconv.Itoa(b.Count))
		}
	}
	return l
}

// histogramChart overlays the score distributions of both classes, with the stored threshold. With
// logY the y axis is logarithmic, which keeps a rare positive class (threats) visible beside the many
// negatives.
func histogramChart(h *Head, logY bool) (*chart, error) {
	yLabel := "messages"
	if logY {
		yLabel = "messages (log scale)"
	}
	ch := newChart(h.Label+": scores by true label", "score", yLabel)
	ch.X.Min, ch.X.Max = 0, 1
	ch.X.Tick.Marker = unitTicks
	hist := h.Histogram
	if len(hist.Edges) != len(hist.Positive)+1 || len(hist.Positive) != len(hist.Negative) {
		return nil, fmt.Errorf("histogram with %d edges, %d and %d counts", len(hist.Edges), len(hist.Positive), len(hist.Negative))
	}
	var all []bar
	for _, c := range []struct {
		counts []int
		name   string
		col    color.RGBA
	}{
		{hist.Negative, "not " + h.Label, negativeColor},
		{hist.Positive, h.Label, positiveColor},
	} {
		bars := make([]bar, len(c.counts))
		total := 0
		for i, n := range c.counts {
			bars[i] = bar{Lo: hist.Edges[i], Hi: hist.Edges[i+1], Count: n}
			total += n
		}
		fill := color.NRGBA{R: c.col.R, G: c.col.G, B: c.col.B, A: 0x50}
		ch.addEntry(fmt.Sprintf("%s (n=%d)", c.name, total), addBars(ch, bars, fill, c.col, logY))
		all = append(all, bars...)
	}
	// Leave headroom above the tallest bar so that a legend at the top hides nothing.
	if logY {
		logAxis(ch.Plot, all, 0.3, 6)
	} else {
		ch.Y.Min, ch.Y.Max = barFloor(false), 1.3*float64(maxCount(all))
	}
	return ch, ch.addReference(plotter.XYs{{X: h.Threshold, Y: ch.Y.Min}, {X: h.Threshold, Y: ch.Y.Max}}, color.Black, fmt.Sprintf("threshold %.2f", h.Threshold))
}

// bar is one histogram bar: Count messages scored in [Lo, Hi).
type bar struct {
	Lo, Hi float64
	Count  int
}

// bars draws histogram bars from the bottom of the data area. Unlike plotter.Histogram it draws a bar
// of height 0 (a count of 1 on a log axis), and it works with the linear axis that holds log10 counts.
type bars struct {
	bars     []bar
	logY     bool
	fill     color.Color
	outline  draw.LineStyle
	min, max float64
}

// barHeight is the y value of a bar of count n: n, or log10(n) on a log axis.
func barHeight(n int, logY bool) float64 {
	if logY {
		return math.Log10(float64(n))
	}
	return float64(n)
}

// barFloor is the y value at the bottom of the axis: 0, or a count of 0.5 on a log axis so that a
// count of 1 gets a visible bar.
func barFloor(logY bool) float64 {
	if logY {
		return math.Log10(0.5)
	}
	return 0
}

// addBars adds bars to ch, recording them for legend placement, and returns them for a legend entry.
func addBars(ch *chart, bs []bar, fill, outline color.Color, logY bool) *bars {
	p := &bars{bars: bs, logY: logY, fill: fill, outline: draw.LineStyle{Color: outline, Width: vg.Points(1.2)}}
	p.min, p.max = math.Inf(1), math.Inf(-1)
	for _, b := range bs {
		p.min, p.max = math.Min(p.min, b.Lo), math.Max(p.max, b.Hi)
		if b.Count == 0 {
			continue
		}
		top, mid := barHeight(b.Count, logY), (b.Lo+b.Hi)/2
		ch.drawn = append(ch.drawn, plotter.XYs{
			{X: b.Lo, Y: barFloor(logY)}, {X: b.Lo, Y: top}, {X: b.Hi, Y: top}, {X: b.Hi, Y: barFloor(logY)},
			{X: mid, Y: barFloor(logY)}, {X: mid, Y: top},
		})
	}
	ch.Add(p)
	return p
}

// Plot implements plot.Plotter.
func (p *bars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for _, b := range p.bars {
		if b.Count == 0 {
			continue
		}
		x0, x1, y1 := trX(b.Lo), trX(b.Hi), trY(barHeight(b.Count, p.logY))
		pts := []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(p.fill, c.ClipPolygonXY(pts))
		c.StrokeLines(p.outline, c.ClipLinesXY(append(pts, pts[0]))...)
	}
}

// DataRange implements plot.DataRanger for the x range; the y range is set by logAxis.
func (p *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	return p.min, p.max, math.Inf(1), math.Inf(-1)
}

// Thumbnail implements plot.Thumbnailer.
func (p *bars) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(p.fill, pts)
	c.StrokeLines(p.outline, append(pts, pts[0]))
}

func maxCount(bs []bar) int {
	n := 0
	for _, b := range bs {
		n = max(n, b.Count)
	}
	return n
}

// logAxis sets the y axis for bars drawn with log10 heights: from just below a count of 1 to headroom
// (a fraction of the range) above the tallest bar. Powers of ten are labelled, at most maxLabels of
// them, with minor ticks between when every power is labelled.
func logAxis(p *plot.Plot, bs []bar, headroom float64, maxLabels int) {
	top := math.Max(1, barHeight(max(maxCount(bs), 1), true))
	p.Y.Min = barFloor(true)
	p.Y.Max = top + headroom*(top-p.Y.Min)
	decades := int(p.Y.Max) + 1
	step := (decades + maxLabels - 1) / maxLabels
	var ticks plot.ConstantTicks
	for e := 0; e < decades; e++ {
		if e%step == 0 {
			ticks = append(ticks, plot.Tick{Value: float64(e), Label: strconv.FormatFloat(math.Pow10(e), 'f', -1, 64)})
		}
		for m := 2; step == 1 && m < 10; m++ {
			if v := float64(e) + math.Log10(float64(m)); v <= p.Y.Max {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	p.Y.Tick.Marker = ticks
}

// stacked draws top above bottom, top taking share of the height, with their data areas aligned so
// that the two x axes line up.
func stacked(top, bottom *chart, share float64) func(draw.Canvas) {
	return func(c draw.Canvas) {
		split := c.Min.Y + vg.Length(1-share)*(c.Max.Y-c.Min.Y)
		tc, bc := c, c
		tc.Min.Y, bc.Max.Y = split, split
		td, bd := top.DataCanvas(tc), bottom.DataCanvas(bc)
		left := max(td.Min.X-tc.Min.X, bd.Min.X-bc.Min.X)
		right := max(tc.Max.X-td.Max.X, bc.Max.X-bd.Max.X)
		tc.Min.X += left - (td.Min.X - tc.Min.X)
		tc.Max.X -= right - (tc.Max.X - td.Max.X)
		bc.Min.X += left - (bd.Min.X - bc.Min.X)
		bc.Max.X -= right - (bc.Max.X - bd.Max.X)
		top.draw(tc)
		bottom.draw(bc)
	}
}

// renderPNG draws a figure on a white canvas of the standard size, inside a small margin, and encodes
// it as PNG.
func renderPNG(drawFn func(draw.Canvas)) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(FigureWidth*vg.Inch/figureDPI, FigureHeight*vg.Inch/figureDPI), vgimg.UseDPI(figureDPI))
	m := vg.Points(8)
	drawFn(draw.Crop(draw.New(c), m, -m, m, -m))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
