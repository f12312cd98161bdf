package data

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type record struct {
	text string
	pos  Position
}

func readRecords(t *testing.T, r Reader) ([]record, []Mark) {
	t.Helper()
	var recs []record
	var marks []Mark
	for r.Next() {
		recs = append(recs, record{r.Text(), r.Pos()})
		marks = append(marks, r.Mark())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return recs, marks
}

// TestOpenAtResumes checks that resuming at the mark taken after every record yields exactly the
// records that followed it, with the same positions, in every format.
func TestOpenAtResumes(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		content []string // file names in order
	}{
		{"text crlf and blanks", map[string]string{"a.txt": "one\r\n\r\ntwo\n  \nthree\r\nfour"}, []string{"a.txt"}},
		{"jsonl", map[string]string{"a.jsonl": `{"text":"a"}` + "\n\n" + `{"text":" "}` + "\n" + `{"text":"b"}` + "\n" + `{"text":"c"}`}, []string{"a.jsonl"}},
		{"csv multiline", map[string]string{"a.csv": "id,text\n1,\"x\ny\"\n2,\n3,z\n\n4,\"p\r\nq\"\n5,w\n"}, []string{"a.csv"}},
		{"tsv", map[string]string{"a.tsv": "text\tn\nx\t1\ny\t2\n"}, []string{"a.tsv"}},
		{"gzip text", map[string]string{"a.txt.gz": "g1\n\ng2\ng3\n"}, []string{"a.txt.gz"}},
		{"gzip csv", map[string]string{"a.csv.gz": "text\nc1\n\"c\n2\"\nc3\n"}, []string{"a.csv.gz"}},
		{"several files", map[string]string{"a.txt": "1\n2\n", "b.csv": "text\n3\n4\n", "c.jsonl.gz": `{"text":"5"}` + "\n" + `{"text":"6"}`},
			[]string{"a.txt", "b.csv", "c.jsonl.gz"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for _, name := range tc.content {
				paths = append(paths, write(t, dir, name, tc.files[name]))
			}
			r, err := OpenAll(paths, Options{})
			if err != nil {
				t.Fatal(err)
			}
			start := r.Mark()
			all, marks := readRecords(t, r)
			end := r.Mark()
			r.Close()
			if start != (Mark{}) {
				t.Errorf("mark before reading = %+v, want zero", start)
			}
			if end.File != len(paths) {
				t.Errorf("mark at the end = %+v, want file %d", end, len(paths))
			}
			for i, m := range append(marks, end) {
				// Marks survive a JSON round trip, as checkpoints store them.
				b, _ := json.Marshal(m)
				var back Mark
				if err := json.Unmarshal(b, &back); err != nil || back != m {
					t.Fatalf("mark %+v does not round-trip: %+v, %v", m, back, err)
				}
				r, err := OpenAt(paths, Options{}, back)
				if err != nil {
					t.Fatalf("OpenAt(%+v): %v", m, err)
				}
				rest, _ := readRecords(t, r)
				r.Close()
				if !slices.Equal(rest, all[min(i+1, len(all)):]) {
					t.Errorf("after record %d (%+v): got %v, want %v", i, m, rest, all[i+1:])
				}
			}
		})
	}
}

func TestOpenAtProgress(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.txt", "1\n2\n")
	b := write(t, dir, "b.txt", "3\n4\n")
	r, err := OpenAt([]string{a, b}, Options{}, Mark{File: 1, Offset: 2, Line: 1, Records: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if done, total := r.Progress(); done != 6 || total != 8 {
		t.Errorf("Progress = %d/%d, want 6/8", done, total)
	}
	if !r.Next() || r.Text() != "4" || r.Pos().Line != 2 {
		t.Errorf("first record after the mark: %q at %v", r.Text(), r.Pos())
	}
}

func TestOpenAtChangedFile(t *testing.T) {
	dir := t.TempDir()
	plain := write(t, dir, "a.txt", "1\n2\n")
	gz := write(t, dir, "b.txt.gz", "1\n2\n")
	tests := []struct {
		name string
		path string
		at   Mark
		want string
	}{
		{"past the end", plain, Mark{Offset: 100, Line: 9, Records: 9}, "shorter"},
		{"gzip too few records", gz, Mark{Offset: 6, Line: 3, Records: 3}, "fewer records"},
		{"gzip records moved", gz, Mark{Offset: 3, Line: 1, Records: 1}, "end elsewhere"},
		{"negative", plain, Mark{Offset: -1}, "invalid"},
		{"file index", plain, Mark{File: 2}, "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := OpenAt([]string{tc.path}, Options{}, tc.at)
			if err == nil {
				r.Close()
				t.Fatal("OpenAt succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestOpenAtCSVErrorLines(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.csv")
	os.WriteFile(p, []byte("id,text\n1,\"a\nb\"\n2,c\n3,d,extra\n"), 0o644)
	r, err := OpenAt([]string{p}, Options{}, Mark{Offset: 16, Line: 3, Records: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Next() || r.Text() != "c" || r.Pos().Line != 4 {
		t.Fatalf("got %q at %v, err %v", r.Text(), r.Pos(), r.Err())
	}
	if r.Next() {
		t.Fatal("ragged record accepted after resuming")
	}
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "a.csv:5:") {
		t.Errorf("error %v, want one at line 5", err)
	}
}
