package eval

import (
	"bytes"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/vigil-ml/vigil/internal/atomicfile"
)

//go:embed templates/report.html.tmpl templates/report.md.tmpl
var templateFS embed.FS

var (
	htmlTemplate = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/report.html.tmpl"))
	mdTemplate   = texttemplate.Must(texttemplate.New("report.md.tmpl").
			Funcs(texttemplate.FuncMap{"md": markdownEscape}).
			ParseFS(templateFS, "templates/report.md.tmpl"))
)

// Render writes the human-readable forms of r into dir: report.md (Markdown, figures linked from
// figures/), report.html (one self-contained file, figures inlined, that can be mailed or archived on
// its own) and figures/*.png (per head: ROC and precision-recall curves beside the keyword baseline,
// the reliability diagram and the score histogram). Every file is written atomically. Message texts
// appear only when r.ShowText is set.
func Render(dir string, r *Report) error {
	if r == nil {
		return errors.New("render: no report")
	}
	if err := r.validate(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	figDir := filepath.Join(dir, "figures")
	if err := os.MkdirAll(figDir, 0o755); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	v, err := newReportView(r)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	for _, h := range v.Heads {
		for _, f := range h.Figures {
			if err := atomicfile.WriteBytes(filepath.Join(figDir, f.Name), 0o644, f.PNG); err != nil {
				return fmt.Errorf("render: %w", err)
			}
		}
	}
	for _, out := range []struct {
		name string
		exec func(io.Writer) error
	}{
		{"report.md", func(w io.Writer) error { return mdTemplate.Execute(w, v) }},
		{"report.html", func(w io.Writer) error { return htmlTemplate.Execute(w, v) }},
	} {
		if err := atomicfile.Write(filepath.Join(dir, out.name), 0o644, out.exec); err != nil {
			return fmt.Errorf("render: %w", err)
		}
	}
	return nil
}

// reportView is a Report prepared for the templates: numbers formatted, operating points named for
// people, figures drawn. Both templates read the same view, so the Markdown and HTML reports agree.
type reportView struct {
	Model     ModelInfo
	Data      DataInfo
	Vigil     string
	Created   string
	N         int
	Labels    []string
	Bootstrap string
	Lexicon   LexiconInfo
	ShowText  bool
	Warnings  []string
	Heads     []headView
}

// headView is one head's section of the report.
type headView struct {
	Label     string
	Anchor    string // HTML id, unique in the report
	N         int
	Positives int
	BaseRate  string
	Threshold string
	// ThresholdNote says where the stored threshold comes from.
	ThresholdNote string
	Summary       []summaryRow
	HasBaseline   bool
	Points        []pointRow
	Confusion     Confusion
	ECE           string
	Figures       []figure
	// Words has a row per signal word found in the messages; Absent lists the others.
	Words  []wordView
	Absent string
	// Mistakes lists the top false positives, then the top false negatives, at the stored threshold.
	Mistakes []mistakesView
}

// summaryRow is one ranking metric of the model beside the keyword baseline's.
type summaryRow struct {
	Metric, Model, Baseline string
}

// pointRow is one operating point: what flagging at a threshold finds and costs.
type pointRow struct {
	Who, Name, Threshold, Precision, Recall, F1, ToRead string
}

// DataURI is the figure as an inline data: URL, so that report.html needs no other file.
func (f figure) DataURI() htmltemplate.URL {
	return htmltemplate.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG))
}

// wordView is one signal word's row; the Worse flags mark precision or recall below the head's own
// at the stored threshold: the word draws false alarms or hides positives.
type wordView struct {
	Term, Count, Positives, MeanPos, MeanNeg, Precision, Recall, ROCAUC string
	PrecisionWorse, RecallWorse                                         bool
}

// mistakesView is a table of misclassified messages.
type mistakesView struct {
	Title    string
	About    string
	ShowText bool
	Rows     []exampleView
}

// exampleView is one misclassified message.
type exampleView struct {
	Rank                    int
	ID, Score, Source, Hits string
	// Text is empty unless the report was made with show-text.
	Text string
}

func newReportView(r *Report) (*reportView, error) {
	v := &reportView{
		Model: r.Model, Data: r.Data, Vigil: r.Vigil, Created: r.Created, N: r.N,
		Labels: r.Labels, ShowText: r.ShowText, Warnings: r.Warnings,
		Lexicon: r.Lexicon,
	}
	if b := r.Bootstrap; b.Resamples > 0 {
		v.Bootstrap = fmt.Sprintf("%g%% %s bootstrap intervals, %d resamples, seed %d", 100*b.Level, b.Method, b.Resamples, b.Seed)
	}
	slugs := make(map[string]bool)
	for _, label := range r.Labels {
		slug := uniqueSlug(label, slugs)
		h, err := newHeadView(r, r.Heads[label], r.KeywordBaseline[label], slug)
		if err != nil {
			return nil, err
		}
		v.Heads = append(v.Heads, h)
	}
	return v, nil
}

func newHeadView(r *Report, h *Head, b *Baseline, slug string) (headView, error) {
	v := headView{
		Label: h.Label, Anchor: "head-" + slug, N: h.N, Positives: h.Positives,
		BaseRate:  percent(ratio(h.Positives, h.N)),
		Threshold: decimal3(h.Threshold), Confusion: h.Confusion, ECE: decimal3(h.ECE),
		ThresholdNote: "stored in the model's config",
	}
	if h.ThresholdSource != "config" {
		v.ThresholdNote = "the model stores none; default"
	}
	v.Summary = []summaryRow{
		{"ROC-AUC (95% CI)", withInterval(h.ROCAUC, h.ROCAUCCI), "–"},
		{"PR-AUC (95% CI)", withInterval(h.PRAUC, h.PRAUCCI), "–"},
	}
	for _, p := range h.Thresholds {
		v.Points = append(v.Points, newPointRow("model", p, h.N))
	}
	if b != nil {
		v.HasBaseline = true
		v.Summary[0].Baseline = withInterval(b.ROCAUC, b.ROCAUCCI)
		v.Summary[1].Baseline = withInterval(b.PRAUC, b.PRAUCCI)
		v.Points = append(v.Points, newPointRow("keyword baseline", b.AnyHit, h.N))
	}
	figs, err := headFigures(slug, h, b)
	if err != nil {
		return headView{}, err
	}
	v.Figures = figs
	var absent []string
	for _, w := range h.SignalWords {
		if w.Count == 0 {
			absent = append(absent, w.Term)
			continue
		}
		v.Words = append(v.Words, wordView{
			Term: w.Term, Count: strconv.Itoa(w.Count), Positives: strconv.Itoa(w.Positives),
			MeanPos: optional(w.MeanScorePos, decimal3), MeanNeg: optional(w.MeanScoreNeg, decimal3),
			Precision: optional(w.Precision, percent), Recall: optional(w.Recall, percent),
			ROCAUC:         optional(w.ROCAUC, decimal3),
			PrecisionWorse: w.Precision != nil && *w.Precision < h.Precision,
			RecallWorse:    w.Recall != nil && *w.Recall < h.Recall,
		})
	}
	v.Absent = strings.Join(absent, ", ")
	v.Mistakes = []mistakesView{
		{"Top false positives", "The highest-scoring messages not labelled " + h.Label + " that the stored threshold flags", r.ShowText, examples(h.TopFalsePositives, r.ShowText)},
		{"Top false negatives", "The lowest-scoring messages labelled " + h.Label + " that the stored threshold misses", r.ShowText, examples(h.TopFalseNegatives, r.ShowText)},
	}
	return v, nil
}

// operatingPointNames names Head.Thresholds and Baseline.AnyHit for people.
var operatingPointNames = map[string]string{
	"stored":      "stored threshold",
	"recall_0.90": "recall ≥ 90%",
	"recall_0.95": "recall ≥ 95%",
	"best_f1":     "best F1",
	"any_hit":     "any signal word",
}

func newPointRow(who string, p OperatingPoint, n int) pointRow {
	name, ok := operatingPointNames[p.Name]
	if !ok {
		name = p.Name
	}
	threshold := decimal3(p.Threshold)
	if p.Name == "any_hit" {
		threshold = "≥ 1 match"
	}
	return pointRow{
		Who: who, Name: name, Threshold: threshold,
		Precision: percent(p.Precision), Recall: percent(p.Recall), F1: decimal3(p.F1),
		ToRead: fmt.Sprintf("%d of %d (%s)", p.ToRead, n, percent(p.ToReadShare)),
	}
}

// examples formats misclassified messages; their texts only when showText is set, whatever the
// report holds.
func examples(ex []Example, showText bool) []exampleView {
	out := make([]exampleView, len(ex))
	for i, e := range ex {
		out[i] = exampleView{
			Rank: i + 1, ID: e.ID, Score: decimal3(e.Score), Source: e.Source,
			Hits: strings.Join(e.Hits, ", "),
		}
		if showText {
			out[i].Text = e.Text
		}
	}
	return out
}

// decimal3 formats metrics, scores and thresholds, all in [0, 1], to three decimals.
func decimal3(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }

// percent formats a share as a percentage with one decimal.
func percent(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }

// withInterval formats a metric with its bootstrap interval, or says there is none.
func withInterval(x float64, ci Interval) string {
	if ci.Resamples == 0 {
		return decimal3(x) + " (no interval)"
	}
	return fmt.Sprintf("%s (%s–%s)", decimal3(x), decimal3(ci.Lo), decimal3(ci.Hi))
}

// optional formats an undefined metric as a dash.
func optional(x *float64, format func(float64) string) string {
	if x == nil {
		return "–"
	}
	return format(*x)
}

// uniqueSlug turns a label into a file-name-safe slug not yet in used, and records it.
func uniqueSlug(label string, used map[string]bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(label) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "head"
	}
	slug := base
	for i := 2; used[slug]; i++ {
		slug = base + "-" + strconv.Itoa(i)
	}
	used[slug] = true
	return slug
}

// markdownEscape makes s safe inside a Markdown table cell or heading: characters that emphasise,
// link, quote code or split cells are backslash-escaped (with '[' escaped, '(' and '!' cannot start a
// link or image), HTML is entity-escaped (Markdown passes raw HTML through), and line breaks become
// spaces.
func markdownEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '#', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
