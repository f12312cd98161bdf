package eval

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Strings a report may carry that must reach readers as text, never as markup.
const (
	hostileLabel = `drugs <i>"x"</i>`
	hostileID    = `<script>alert("id")</script>`
	hostileText  = `meet at <b>noon</b> | bring *it* & go`
)

// renderedReport evaluates the shared synthetic set, with a label and an example whose id and text
// hold markup, and renders it into a fresh directory.
func renderedReport(t *testing.T, showText bool) (dir string, r *Report, s Set) {
	t.Helper()
	s = synthetic(400, 3)
	s.Labels = []string{"threat", hostileLabel}
	r, err := Evaluate(s, Options{
		Thresholds: map[string]float64{"threat": 0.6}, Lexicon: testLexicon(t), LexiconName: "test",
		Resamples: 50, Seed: 1, ShowText: showText, TopK: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Vigil, r.Created = "test", "2026-11-26T00:00:00Z"
	r.Model = ModelInfo{ID: strings.Repeat("ab", 32), Dir: "runs/m", MaxLen: 64}
	r.Data = DataInfo{Path: "held-out.jsonl", SHA256: strings.Repeat("cd", 32), Bytes: 1234, TextField: "text"}
	fp := &r.Heads["threat"].TopFalsePositives[0]
	fp.ID = hostileID
	if showText {
		fp.Text = hostileText
	}
	dir = t.TempDir()
	if err := Render(dir, r); err != nil {
		t.Fatal(err)
	}
	return dir, r, s
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRenderWritesEveryFile(t *testing.T) {
	dir, r, _ := renderedReport(t, false)
	var want []string
	for _, slug := range []string{"threat", "drugs--i--x---i"} {
		for _, kind := range []string{"roc", "pr", "calibration", "scores"} {
			want = append(want, slug+"-"+kind+".png")
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "figures"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("figures %q, want %q (no temporary files left)", got, want)
	}
	for _, name := range got {
		img, err := png.Decode(bytes.NewReader([]byte(readFile(t, filepath.Join(dir, "figures", name)))))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != FigureWidth || b.Dy() != FigureHeight {
			t.Errorf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), FigureWidth, FigureHeight)
		}
	}
	md := readFile(t, filepath.Join(dir, "report.md"))
	for _, name := range want {
		if !strings.Contains(md, "](figures/"+name+")") {
			t.Errorf("report.md does not show figures/%s", name)
		}
	}
	for _, s := range []string{r.Model.ID, r.Data.SHA256, "A person makes the final decision", "Messages to read",
		"Keyword baseline", "ECE", "Signal words", "Top false positives", "Top false negatives"} {
		if !strings.Contains(md, s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
	top, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 3 {
		t.Errorf("%d entries in the report directory, want figures, report.md and report.html", len(top))
	}
}

// htmlDoc parses report.html, as a browser would, into its text and elements.
type htmlDoc struct {
	text     string
	elements map[string][]*html.Node
}

func parseHTML(t *testing.T, path string) htmlDoc {
	t.Helper()
	root, err := html.Parse(strings.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	d := htmlDoc{elements: make(map[string][]*html.Node)}
	var text strings.Builder
	for n := range root.Descendants() {
		switch n.Type {
		case html.ElementNode:
			d.elements[n.Data] = append(d.elements[n.Data], n)
		case html.TextNode:
			if n.Parent == nil || (n.Parent.Data != "style" && n.Parent.Data != "title") {
				text.WriteString(n.Data)
			}
		}
	}
	d.text = text.String()
	return d
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestRenderHTMLIsSelfContained(t *testing.T) {
	dir, r, _ := renderedReport(t, false)
	d := parseHTML(t, filepath.Join(dir, "report.html"))
	imgs := d.elements["img"]
	if len(imgs) != 4*len(r.Labels) {
		t.Fatalf("%d images, want %d", len(imgs), 4*len(r.Labels))
	}
	for _, img := range imgs {
		src := attr(img, "src")
		b64, ok := strings.CutPrefix(src, "data:image/png;base64,")
		if !ok {
			t.Fatalf("image source %.40q is not an inline PNG", src)
		}
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != FigureWidth || cfg.Height != FigureHeight {
			t.Errorf("inline image: %dx%d, %v", cfg.Width, cfg.Height, err)
		}
		if attr(img, "alt") == "" {
			t.Error("image without alt text")
		}
	}
	for _, tag := range []string{"link", "script", "iframe"} {
		if n := len(d.elements[tag]); n != 0 {
			t.Errorf("%d <%s> elements: the report must need nothing else", n, tag)
		}
	}
	if n := len(d.elements["section"]); n < len(r.Labels) {
		t.Errorf("%d sections, want one per head at least", n)
	}
	// Per head: ranking quality, operating points, confusion matrix, signal words, two mistake tables.
	if n := len(d.elements["table"]); n != 1+6*len(r.Labels) {
		t.Errorf("%d tables, want %d", n, 1+6*len(r.Labels))
	}
	for _, s := range []string{"A person makes the final decision", r.Model.ID, r.Data.SHA256, "ROC-AUC (95% CI)",
		"recall ≥ 90%", "recall ≥ 95%", "Messages to read", "keyword baseline", "any signal word",
		"Expected calibration error", "Where do they fool the model?", "Top false negatives"} {
		if !strings.Contains(strings.ToLower(d.text), strings.ToLower(s)) {
			t.Errorf("report.html lacks %q", s)
		}
	}
	for _, th := range r.Heads["threat"].Thresholds {
		if !strings.Contains(d.text, decimal3(th.Threshold)) {
			t.Errorf("report.html lacks the %s threshold %s", th.Name, decimal3(th.Threshold))
		}
	}
}

func TestRenderEscapesText(t *testing.T) {
	dir, _, _ := renderedReport(t, true)
	page := readFile(t, filepath.Join(dir, "report.html"))
	d := parseHTML(t, filepath.Join(dir, "report.html"))
	for _, s := range []string{hostileLabel, hostileID, hostileText} {
		if !strings.Contains(d.text, s) {
			t.Errorf("report.html does not show %q as text", s)
		}
	}
	for _, tag := range []string{"b", "i", "script"} {
		if n := len(d.elements[tag]); n != 0 {
			t.Errorf("report text became %d <%s> elements", n, tag)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "<b>noon") {
		t.Error("report.html holds unescaped markup from the report")
	}
	md := readFile(t, filepath.Join(dir, "report.md"))
	for _, want := range []string{
		`&lt;script&gt;alert("id")&lt;/script&gt;`,
		`meet at &lt;b&gt;noon&lt;/b&gt; \| bring \*it\* &amp; go`,
		`## Head: drugs &lt;i&gt;"x"&lt;/i&gt;`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks the escaped %q", want)
		}
	}
	if strings.Contains(md, "<script>") || strings.Contains(md, "<b>") {
		t.Error("report.md holds raw HTML from the report")
	}
}

func TestRenderShowText(t *testing.T) {
	for _, show := range []bool{false, true} {
		dir, r, s := renderedReport(t, show)
		if !show {
			// Render must hide texts whatever the examples hold.
			for _, h := range r.Heads {
				for i := range h.TopFalsePositives {
					h.TopFalsePositives[i].Text = s.Texts[0]
				}
			}
			if err := Render(dir, r); err != nil {
				t.Fatal(err)
			}
		}
		var outputs []string
		for _, name := range []string{"report.md", "report.html"} {
			outputs = append(outputs, readFile(t, filepath.Join(dir, name)))
		}
		shown := 0
		for _, text := range s.Texts {
			for _, out := range outputs {
				if strings.Contains(out, text) {
					shown++
				}
			}
		}
		if show && shown == 0 {
			t.Error("show-text on: no message text in the reports")
		}
		if !show && shown != 0 {
			t.Errorf("show-text off: %d message texts in the reports", shown)
		}
		v, err := newReportView(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range v.Heads {
			for _, m := range h.Mistakes {
				for _, e := range m.Rows {
					if (e.Text != "") != show {
						t.Errorf("show-text %v: %s %d has text %q", show, m.Title, e.Rank, e.Text)
					}
				}
			}
		}
		if strings.Contains(outputs[1], "<th>Message</th>") != show {
			t.Errorf("show-text %v: message column present %v", show, !show)
		}
	}
}

func TestRenderWithoutBaseline(t *testing.T) {
	dir, r, _ := renderedReport(t, false)
	r.KeywordBaseline = nil
	if err := Render(dir, r); err != nil {
		t.Fatal(err)
	}
	d := parseHTML(t, filepath.Join(dir, "report.html"))
	if strings.Contains(d.text, "≥ 1 match") || !strings.Contains(d.text, "no keyword baseline") {
		t.Error("report.html shows a baseline operating point, or does not say there is no baseline")
	}
	v, err := newReportView(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range v.Heads {
		for _, row := range h.Summary {
			if row.Baseline != "–" {
				t.Errorf("%s %s: baseline %q without a baseline", h.Label, row.Metric, row.Baseline)
			}
		}
		for _, p := range h.Points {
			if p.Who != "model" {
				t.Errorf("%s: operating point of %q without a baseline", h.Label, p.Who)
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	_, r, _ := renderedReport(t, false)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := *r
	missing.Labels = append(slices.Clone(r.Labels), "absent")
	broken := *r
	broken.Heads = map[string]*Head{"threat": cloneHead(r.Heads["threat"]), hostileLabel: r.Heads[hostileLabel]}
	broken.Heads["threat"].Histogram.Edges = broken.Heads["threat"].Histogram.Edges[:3]
	for _, tc := range []struct {
		name string
		dir  string
		r    *Report
		want string
	}{
		{"nil report", t.TempDir(), nil, "no report"},
		{"label without head", t.TempDir(), &missing, `label "absent" has no head`},
		{"directory is a file", file, r, "not a directory"},
		{"histogram edges", t.TempDir(), &broken, "histogram with 3 edges"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Render(tc.dir, tc.r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(tc.dir, "report.html")); err == nil {
				t.Error("report.html written despite the error")
			}
		})
	}
}

func cloneHead(h *Head) *Head {
	c := *h
	return &c
}

func TestUniqueSlug(t *testing.T) {
	used := make(map[string]bool)
	for _, tc := range []struct{ label, want string }{
		{"threat", "threat"},
		{"Threat", "threat-2"},
		{"drug talk", "drug-talk"},
		{"dood/bedreiging", "dood-bedreiging"},
		{"ærger", "rger"},
		{"<>", "head"},
		{"", "head-2"},
	} {
		if got := uniqueSlug(tc.label, used); got != tc.want {
			t.Errorf("uniqueSlug(%q) = %q, want %q", tc.label, got, tc.want)
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain words", "plain words"},
		{"a|b", `a\|b`},
		{"*bold* _it_ `code`", `\*bold\* \_it\_ \` + "`code\\`"},
		{"[link](http://x)", `\[link\](http://x)`},
		{"~~gone~~ !", `\~\~gone\~\~ !`},
		{"<img src=x>", "&lt;img src=x&gt;"},
		{"fish & chips", "fish &amp; chips"},
		{"two\nlines\r\n", "two lines  "},
		{`back\slash`, `back\\slash`},
		{"# not a heading", `\# not a heading`},
	} {
		if got := markdownEscape(tc.in); got != tc.want {
			t.Errorf("markdownEscape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	s := synthetic(2000, 5)
	r, err := Evaluate(s, Options{Lexicon: testLexicon(b), Resamples: 50})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for b.Loop() {
		if err := Render(dir, r); err != nil {
			b.Fatal(err)
		}
	}
}
