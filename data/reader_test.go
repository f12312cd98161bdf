package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	b := []byte(content)
	if strings.HasSuffix(name, ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		b = buf.Bytes()
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readAll(t *testing.T, r Reader) (texts []string, lines []int64) {
	t.Helper()
	for r.Next() {
		texts = append(texts, r.Text())
		lines = append(lines, r.Pos().Line)
	}
	return texts, lines
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		opts    Options
		want    []string
		lines   []int64
	}{
		{"text", "a.txt", "hello\n\n  \nworld\r\n", Options{}, []string{"hello", "world"}, []int64{1, 4}},
		{"text no trailing newline", "a.txt", "one\ntwo", Options{}, []string{"one", "two"}, []int64{1, 2}},
		{"text gz", "a.txt.gz", "x y\nz\n", Options{}, []string{"x y", "z"}, []int64{1, 2}},
		{"jsonl", "a.jsonl", `{"text":"hi","id":7}` + "\n\n" + `{"text":"  "}` + "\n" + `{"text":"yo"}`, Options{},
			[]string{"hi", "yo"}, []int64{1, 4}},
		{"jsonl custom field", "a.ndjson", `{"body":"b1"}` + "\n" + `{"body":"b2"}`, Options{TextField: "body"},
			[]string{"b1", "b2"}, []int64{1, 2}},
		{"csv quoted multiline", "a.csv", "id,text\n1,\"a, \"\"quoted\"\"\nline\"\n2,plain\n", Options{},
			[]string{"a, \"quoted\"\nline", "plain"}, []int64{2, 4}},
		{"csv bom and column", "a.csv", "\ufeffmsg,label\nhey,1\n", Options{TextField: "msg"}, []string{"hey"}, []int64{2}},
		{"tsv", "a.tsv", "text\tlabel\nx \"y\tno\n", Options{}, []string{"x \"y"}, []int64{2}},
		{"csv gz", "a.csv.gz", "text\nq\n", Options{}, []string{"q"}, []int64{2}},
		{"format override", "a.dat", "text\nq\n", Options{Format: FormatCSV}, []string{"q"}, []int64{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, t.TempDir(), tc.file, tc.content)
			r, err := Open(p, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, lines := readAll(t, r)
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("texts = %q, want %q", got, tc.want)
			}
			for i := range lines {
				if i < len(tc.lines) && lines[i] != tc.lines[i] {
					t.Errorf("line of record %d = %d, want %d", i, lines[i], tc.lines[i])
				}
			}
			if s := r.Stats(); s.Records != int64(len(tc.want)) {
				t.Errorf("Stats.Records = %d, want %d", s.Records, len(tc.want))
			}
		})
	}
}

func TestFields(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(write(t, dir, "a.jsonl", `{"text":"hi","id":7,"s":"x","n":null}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Next() {
		t.Fatal(r.Err())
	}
	for _, c := range []struct {
		name, want string
		ok         bool
	}{{"id", "7", true}, {"s", "x", true}, {"n", "", false}, {"zz", "", false}} {
		if got, ok := r.Field(c.name); got != c.want || ok != c.ok {
			t.Errorf("Field(%q) = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	r.Close()
	r, err = Open(write(t, dir, "b.csv", "id,text,threat\n9,hello,1\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Next() {
		t.Fatal(r.Err())
	}
	if got, ok := r.Field("threat"); got != "1" || !ok {
		t.Errorf("Field(threat) = %q, %v", got, ok)
	}
}

func TestInvalidUTF8(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.txt", "a.jsonl", "a.csv"} {
		content := "ok \xff\xfe end\n"
		switch name {
		case "a.jsonl":
			content = "{\"text\":\"ok \xff\xfe end\"}\n"
		case "a.csv":
			content = "text\nok \xff\xfe end\n"
		}
		r, err := Open(write(t, dir, name, content), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := readAll(t, r)
		if r.Err() != nil {
			t.Fatalf("%s: %v", name, r.Err())
		}
		if len(got) != 1 || got[0] != "ok \ufffd\ufffd end" {
			t.Errorf("%s: got %q", name, got)
		}
		if n := r.Stats().InvalidUTF8; n != 2 {
			t.Errorf("%s: InvalidUTF8 = %d, want 2", name, n)
		}
		r.Close()
	}
}

func TestMultipleFiles(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.txt", "1\n2\n")
	b := write(t, dir, "b.jsonl", `{"text":"3"}`+"\n")
	r, err := OpenAll([]string{a, b}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var files []string
	var texts []string
	for r.Next() {
		texts = append(texts, r.Text())
		files = append(files, filepath.Base(r.Pos().File))
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if strings.Join(texts, ",") != "1,2,3" || strings.Join(files, ",") != "a.txt,a.txt,b.jsonl" {
		t.Errorf("texts %v files %v", texts, files)
	}
	done, total := r.Progress()
	if done != total || total == 0 {
		t.Errorf("Progress = %d/%d, want all of it", done, total)
	}
	if s := r.Stats(); s.Lines != 3 || s.Records != 3 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.txt")
	corruptGz := filepath.Join(dir, "bad.txt.gz")
	os.WriteFile(corruptGz, []byte("this is not gzip"), 0o644)
	var full bytes.Buffer
	zw := gzip.NewWriter(&full)
	zw.Write(bytes.Repeat([]byte("some line of text\n"), 5000))
	zw.Close()
	truncGz := filepath.Join(dir, "trunc.txt.gz")
	os.WriteFile(truncGz, full.Bytes()[:full.Len()/2], 0o644)

	tests := []struct {
		name    string
		path    string
		opts    Options
		atOpen  bool
		wantMsg []string
	}{
		{"missing", missing, Options{}, true, []string{missing, "no such file"}},
		{"directory", dir, Options{}, true, []string{dir, "is a directory"}},
		{"not gzip", corruptGz, Options{}, true, []string{corruptGz, "gzip"}},
		{"truncated gzip", truncGz, Options{}, false, []string{truncGz + ":", "truncated"}},
		{"csv no column", write(t, dir, "c.csv", "id,body\n1,x\n"), Options{}, true,
			[]string{"c.csv:1: field \"text\"", "columns: id, body"}},
		{"csv empty", write(t, dir, "e.csv", ""), Options{}, true, []string{"e.csv", "header"}},
		{"csv bad quote", write(t, dir, "q.csv", "text\nok\n\"broken\"x\n"), Options{}, false, []string{"q.csv:3:"}},
		{"csv ragged", write(t, dir, "r.csv", "id,text\n1,a\n2,b,c\n"), Options{}, false, []string{"r.csv:3:", "fields"}},
		{"jsonl bad json", write(t, dir, "j.jsonl", "{\"text\":\"a\"}\n{oops\n"), Options{}, false,
			[]string{"j.jsonl:2:", "not a JSON object"}},
		{"jsonl missing field", write(t, dir, "m.jsonl", "{\"body\":\"a\"}\n"), Options{}, false,
			[]string{"m.jsonl:1: field \"text\": missing"}},
		{"jsonl non-string", write(t, dir, "n.jsonl", "{\"text\":5}\n"), Options{}, false,
			[]string{"n.jsonl:1: field \"text\": want a string"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.path, tc.opts)
			if tc.atOpen {
				if err == nil {
					r.Close()
					t.Fatal("Open succeeded, want error")
				}
			} else {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				for r.Next() {
				}
				err = r.Err()
				r.Close()
				if err == nil {
					t.Fatal("no error after reading")
				}
			}
			var de *Error
			if !errors.As(err, &de) {
				t.Errorf("error %T is not *data.Error", err)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{FormatAuto, FormatText, FormatJSONL, FormatCSV, FormatTSV} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}
