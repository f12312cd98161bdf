package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-ml/vigil/internal/textgen"
	"github.com/vigil-ml/vigil/tokenize"
)

func TestAppendLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(path, []byte("one\n\n  \ntwo \xff\r\n three\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := appendLines([]string{"zero"}, path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"zero", "one", "two \uFFFD", "three"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLoadSentencesFallsBackToGenerated(t *testing.T) {
	got, source, err := loadSentences(options{shared: t.TempDir(), fallback: 50})
	if err != nil || len(got) != 50 || source != "internal/textgen" {
		t.Errorf("got %d sentences from %q, %v; want 50 generated", len(got), source, err)
	}
}

func TestSummarize(t *testing.T) {
	good := &training{elapsed: 2 * time.Second, peakHeap: 100 << 20, heapSys: 200 << 20, vmHWM: 300 << 20}
	fast := [2]throughput{{procs: 1, tokens: 1000, perSecond: 2e6}, {procs: 2, tokens: 1000, perSecond: 4e6}}
	slow := [2]throughput{{procs: 1, tokens: 1000, perSecond: 0.5e6}, {procs: 2, tokens: 1000, perSecond: 1e6}}
	js := &jsResult{JS: jsMeasured{PerSecond: 0.5e6}}
	tests := []struct {
		name  string
		tr    *training
		enc   [2]throughput
		js    *jsResult
		want  bool
		fails int
	}{
		{"all met", good, fast, js, true, 0},
		{"no JavaScript run", good, fast, nil, true, 0},
		{"slow encode", good, slow, js, false, 2},
		{"slow training, big heap", &training{elapsed: time.Minute, peakHeap: 2 << 30, vmHWM: 300 << 20}, fast, js, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			got := summarize(&b, 10, tt.tr, tt.enc, tt.js)
			if got != tt.want || strings.Count(b.String(), "FAIL") != tt.fails {
				t.Errorf("summarize = %v with %d FAIL; want %v with %d\n%s", got, strings.Count(b.String(), "FAIL"), tt.want, tt.fails, b.String())
			}
		})
	}
}

func TestReportCounts(t *testing.T) {
	rust := func(n int) *jsMeasured { return &jsMeasured{Tokens: n} }
	tests := []struct {
		name       string
		js         *jsResult
		want, skip []string
	}{
		{"all agree", &jsResult{JS: jsMeasured{Tokens: 10}, Rust: rust(10)}, nil, []string{"WARNING", "note"}},
		{"JS departs", &jsResult{JS: jsMeasured{Tokens: 11}, Rust: rust(10)}, []string{"note"}, []string{"WARNING"}},
		{"Rust differs", &jsResult{JS: jsMeasured{Tokens: 10}, Rust: rust(9)}, []string{"WARNING"}, []string{"note"}},
		{"no Rust run", &jsResult{JS: jsMeasured{Tokens: 10}}, nil, []string{"WARNING", "note"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			reportCounts(&b, 10, tt.js)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output %q lacks %q", b.String(), w)
				}
			}
			for _, w := range tt.skip {
				if strings.Contains(b.String(), w) {
					t.Errorf("output %q has %q", b.String(), w)
				}
			}
		})
	}
}

func TestTrainAndEncodeMeasured(t *testing.T) {
	corpus := textgen.Corpus(1, 2000)
	tr, err := trainMeasured(corpus, 500)
	if err != nil {
		t.Fatal(err)
	}
	if tr.elapsed <= 0 || tr.peakHeap == 0 || tr.heapSys == 0 {
		t.Errorf("training measurements missing: %+v", tr)
	}
	sentences := corpus[:100]
	got := encodeMeasured(tr.tok, sentences, 1, 3)
	want := 0
	for _, e := range tr.tok.EncodeBatch(sentences, tokenize.EncodeOptions{AddSpecialTokens: true}) {
		want += len(e.IDs)
	}
	if got.tokens != want || got.perSecond <= 0 {
		t.Errorf("got %+v, want %d tokens at a positive rate", got, want)
	}
}
