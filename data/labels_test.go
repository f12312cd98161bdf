package data

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestReadLabelled(t *testing.T) {
	tests := []struct {
		name, file, content string
		opts                LabelOptions
		texts, ids          []string
		labels              [][]bool
		targets             [][]float64 // nil: none
	}{
		{"csv", "a.csv", "id,text,threat,drugs\n7,hi,1,no\n8,,1,1\n9,\"you, dead\",TRUE,Yes\n",
			LabelOptions{Labels: []string{"threat", "drugs"}, IDField: "id"},
			[]string{"hi", "you, dead"}, []string{"7", "9"}, [][]bool{{true, false}, {true, true}}, nil},
		{"tsv without ids", "a.tsv", "msg\tthreat\nhello\t0\nbye\t 1 \n",
			LabelOptions{Options: Options{TextField: "msg"}, Labels: []string{"threat"}},
			[]string{"hello", "bye"}, nil, [][]bool{{false}, {true}}, nil},
		{"jsonl numbers bools strings", "a.jsonl.gz", `{"text":"a","threat":1,"id":3}` + "\n" + `{"text":"b","threat":false,"id":"x"}` + "\n" + `{"text":"c","threat":"no","id":4.5}`,
			LabelOptions{Labels: []string{"threat"}, IDField: "id"},
			[]string{"a", "b", "c"}, []string{"3", "x", "4.5"}, [][]bool{{true}, {false}, {false}}, nil},
		{"float labels", "a.csv", "text,threat\na,1.0\nb,0.0\n",
			LabelOptions{Labels: []string{"threat"}},
			[]string{"a", "b"}, nil, [][]bool{{true}, {false}}, nil},
		{"soft", "a.csv", "text,threat,drugs\na,0.25,yes\nb,0.5,0\nc,1,0.999\n",
			LabelOptions{Labels: []string{"threat", "drugs"}, Soft: true},
			[]string{"a", "b", "c"}, nil, [][]bool{{false, true}, {true, false}, {true, true}},
			[][]float64{{0.25, 1}, {0.5, 0}, {1, 0.999}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, t.TempDir(), tc.file, tc.content)
			l, err := ReadLabelled([]string{p}, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Texts, tc.texts) {
				t.Errorf("texts = %q, want %q", l.Texts, tc.texts)
			}
			ids := tc.ids
			if ids == nil {
				for _, s := range l.Sources {
					ids = append(ids, s.String())
				}
			}
			if !slices.Equal(l.IDs, ids) {
				t.Errorf("ids = %q, want %q", l.IDs, ids)
			}
			if fmt.Sprint(l.Labels) != fmt.Sprint(tc.labels) {
				t.Errorf("labels = %v, want %v", l.Labels, tc.labels)
			}
			if fmt.Sprint(l.Targets) != fmt.Sprint(tc.targets) {
				t.Errorf("targets = %v, want %v", l.Targets, tc.targets)
			}
			if sub := l.Subset([]int{l.Len() - 1}); tc.targets != nil && fmt.Sprint(sub.Targets) != fmt.Sprint(tc.targets[len(tc.targets)-1:]) {
				t.Errorf("subset targets = %v", sub.Targets)
			}
			if !slices.Equal(l.LabelNames, tc.opts.Labels) {
				t.Errorf("label names = %q", l.LabelNames)
			}
			if len(l.Sources) != l.Len() || l.Sources[0].File != p {
				t.Errorf("sources = %v", l.Sources)
			}
		})
	}
}

func TestReadLabelledErrors(t *testing.T) {
	tests := []struct {
		name, file, content string
		opts                LabelOptions
		want                string // substring of the error, after the file name
	}{
		{"bad value", "a.csv", "text,threat\nok,1\nbad,maybe\n", LabelOptions{Labels: []string{"threat"}},
			`:3: field "threat": label value "maybe" is not`},
		{"empty value", "a.csv", "text,threat\nbad,\n", LabelOptions{Labels: []string{"threat"}},
			`:2: field "threat": label value ""`},
		{"missing column", "a.csv", "text,other\nx,1\n", LabelOptions{Labels: []string{"threat"}},
			`:2: field "threat": label missing`},
		{"jsonl missing field", "a.jsonl", `{"text":"a","threat":1}` + "\n" + `{"text":"b"}`, LabelOptions{Labels: []string{"threat"}},
			`:2: field "threat": label missing`},
		{"jsonl null", "a.jsonl", `{"text":"a","threat":null}`, LabelOptions{Labels: []string{"threat"}},
			`:1: field "threat": label missing`},
		{"jsonl number 2", "a.jsonl", `{"text":"a","threat":2}`, LabelOptions{Labels: []string{"threat"}},
			`:1: field "threat": label value "2"`},
		{"missing id", "a.csv", "text,threat,id\na,1,\n", LabelOptions{Labels: []string{"threat"}, IDField: "id"},
			`:2: field "id": id missing`},
		{"empty set", "a.csv", "text,threat\n,1\n", LabelOptions{Labels: []string{"threat"}}, "no text found"},
		{"plain text", "a.txt", "hello\n", LabelOptions{Labels: []string{"threat"}}, "plain text has no label columns"},
		{"no labels", "a.csv", "text\nx\n", LabelOptions{}, "no labels named"},
		{"soft above one", "a.csv", "text,threat\na,1.5\n", LabelOptions{Labels: []string{"threat"}, Soft: true},
			`:2: field "threat": label value "1.5" is not a number from 0 to 1`},
		{"soft in a hard set", "a.csv", "text,threat\na,0.3\n", LabelOptions{Labels: []string{"threat"}},
			`:2: field "threat": label value "0.3" is not 0/1`},
		{"duplicate label", "a.csv", "text,a\nx,1\n", LabelOptions{Labels: []string{"a", "a"}}, `label "a" is named twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, t.TempDir(), tc.file, tc.content)
			_, err := ReadLabelled([]string{p}, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.HasPrefix(tc.want, ":") && !strings.Contains(err.Error(), p+tc.want) {
				t.Errorf("error %q does not name %s", err, p+tc.want)
			}
		})
	}
}

func TestParseLabel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
		ok   bool
	}{
		{"1", true, true}, {"0", false, true}, {"True", true, true}, {"FALSE", false, true}, {" yes ", true, true},
		{"No", false, true}, {"1.0", true, true}, {"0e0", false, true}, {"0.5", false, false}, {"y", false, false},
		{"", false, false}, {"-1", false, false},
	} {
		got, err := ParseLabel(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseLabel(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true}, {"no", 0, true}, {"TRUE", 1, true}, {"0.5", 0.5, true}, {" 0.125 ", 0.125, true}, {"1e-3", 0.001, true},
		{"1.01", 0, false}, {"-0.1", 0, false}, {"NaN", 0, false}, {"inf", 0, false}, {"", 0, false}, {"y", 0, false},
	} {
		got, err := ParseTarget(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseTarget(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// labelledSet builds a set of n records whose label j is set on every k[j]'th record.
func labelledSet(n int, every ...int) *Labelled {
	l := &Labelled{}
	for j := range every {
		l.LabelNames = append(l.LabelNames, fmt.Sprintf("l%d", j))
	}
	for i := range n {
		row := make([]bool, len(every))
		for j, k := range every {
			row[j] = i%k == 0
		}
		l.Texts = append(l.Texts, fmt.Sprintf("text %d", i))
		l.IDs = append(l.IDs, fmt.Sprint(i))
		l.Labels = append(l.Labels, row)
		l.Sources = append(l.Sources, Position{File: "f", Line: int64(i + 1)})
	}
	return l
}

func TestStratifiedSplit(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		every []int
		frac  float64
	}{
		{"one label 10%", 1000, []int{10}, 0.1},
		{"one rare label 20%", 500, []int{50}, 0.2},
		{"two labels 25%", 800, []int{4, 5}, 0.25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := labelledSet(tc.n, tc.every...)
			tr, dev := StratifiedSplit(l, tc.frac, 1)
			if tr.Len()+dev.Len() != l.Len() {
				t.Fatalf("split %d + %d of %d", tr.Len(), dev.Len(), l.Len())
			}
			if got := float64(dev.Len()) / float64(l.Len()); math.Abs(got-tc.frac) > 0.01 {
				t.Errorf("dev share %.3f, want %.3f", got, tc.frac)
			}
			all, pt, pd := l.Positives(), tr.Positives(), dev.Positives()
			for j := range all {
				want := math.Round(tc.frac * float64(all[j]))
				if math.Abs(float64(pd[j])-want) > 2 || pt[j]+pd[j] != all[j] {
					t.Errorf("label %d: %d positives in dev, %d in train, of %d (want about %g in dev)", j, pd[j], pt[j], all[j], want)
				}
			}
			seen := map[string]bool{}
			for _, part := range []*Labelled{tr, dev} {
				for i, id := range part.IDs {
					if seen[id] {
						t.Fatalf("record %s in both parts", id)
					}
					seen[id] = true
					if i > 0 && part.Sources[i].Line <= part.Sources[i-1].Line {
						t.Fatalf("file order lost at %d", i)
					}
				}
			}
			tr2, dev2 := StratifiedSplit(l, tc.frac, 1)
			if !slices.Equal(tr.IDs, tr2.IDs) || !slices.Equal(dev.IDs, dev2.IDs) {
				t.Error("same seed, different split")
			}
			_, dev3 := StratifiedSplit(l, tc.frac, 2)
			if slices.Equal(dev.IDs, dev3.IDs) {
				t.Error("another seed gave the same split")
			}
		})
	}
	l := labelledSet(10, 2)
	if tr, dev := StratifiedSplit(l, 0, 1); tr.Len() != 10 || dev.Len() != 0 {
		t.Errorf("fraction 0: %d/%d", tr.Len(), dev.Len())
	}
}

func TestStratifiedFolds(t *testing.T) {
	l := labelledSet(503, 10, 7)
	fold := StratifiedFolds(l, 5, 1)
	size := make([]int, 5)
	pos := make([][]int, 2)
	for j := range pos {
		pos[j] = make([]int, 5)
	}
	for i, f := range fold {
		size[f]++
		for j, v := range l.Labels[i] {
			if v {
				pos[j][f]++
			}
		}
	}
	for j, counts := range append([][]int{size}, pos...) {
		if slices.Max(counts)-slices.Min(counts) > 4 { // at most one per label combination: 4 of them
			t.Errorf("counts %d: %v per fold are uneven", j, counts)
		}
	}
	if !slices.Equal(fold, StratifiedFolds(l, 5, 1)) {
		t.Error("same seed, different folds")
	}
	if slices.Equal(fold, StratifiedFolds(l, 5, 2)) {
		t.Error("another seed gave the same folds")
	}
}

func TestOverlap(t *testing.T) {
	a := []string{"You  are DEAD", "hello", "hello"}
	b := []string{"you are dead", " Hello ", "HELLO", "new"}
	records, distinct := Overlap(a, b)
	if records != 3 || distinct != 2 {
		t.Errorf("Overlap = %d records, %d distinct; want 3, 2", records, distinct)
	}
	if got := NormalizeForMatch(" A\t b\n\nC "); got != "a b c" {
		t.Errorf("NormalizeForMatch = %q", got)
	}
}
