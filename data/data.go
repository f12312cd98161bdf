// Package data streams the text corpora and labelled sets Vigil trains on.
//
// Every format is read through one Reader: plain text (one message or document per line), JSON Lines
// (a configurable string field) and CSV/TSV with a header row (a configurable column), each optionally
// gzip-compressed. Readers never hold a whole file in memory. Errors name the file and line (and, where
// there is one, the field or column); invalid UTF-8 is replaced with U+FFFD and counted, never fatal.
package data

import (
	"errors"
	"fmt"
	"strings"
)

// Format names a corpus file format.
type Format int

// The formats Open understands. FormatAuto picks one from the file name.
const (
	FormatAuto Format = iota
	FormatText
	FormatJSONL
	FormatCSV
	FormatTSV
)

var formatNames = map[Format]string{
	FormatAuto:  "auto",
	FormatText:  "text",
	FormatJSONL: "jsonl",
	FormatCSV:   "csv",
	FormatTSV:   "tsv",
}

// String returns the name ParseFormat accepts.
func (f Format) String() string {
	if s, ok := formatNames[f]; ok {
		return s
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat turns a name such as "jsonl" into a Format; "" means FormatAuto.
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return FormatAuto, nil
	}
	for f, name := range formatNames {
		if strings.EqualFold(s, name) {
			return f, nil
		}
	}
	return FormatAuto, fmt.Errorf("unknown format %q (want auto, text, jsonl, csv or tsv)", s)
}

// FormatOf infers the format from a file name, ignoring a trailing ".gz":
// .jsonl/.ndjson/.json are JSON Lines, .csv is CSV, .tsv is TSV, anything else is plain text.
func FormatOf(path string) Format {
	p := strings.ToLower(strings.TrimSuffix(strings.ToLower(path), ".gz"))
	switch {
	case strings.HasSuffix(p, ".jsonl"), strings.HasSuffix(p, ".ndjson"), strings.HasSuffix(p, ".json"):
		return FormatJSONL
	case strings.HasSuffix(p, ".csv"):
		return FormatCSV
	case strings.HasSuffix(p, ".tsv"):
		return FormatTSV
	}
	return FormatText
}

// Options configures how a file is read.
type Options struct {
	// Format overrides the format inferred from the file name.
	Format Format
	// TextField is the JSON field or CSV/TSV column that holds the text; default "text".
	// Plain text files ignore it.
	TextField string
}

func (o Options) textField() string {
	if o.TextField == "" {
		return "text"
	}
	return o.TextField
}

// Stats summarises what a Reader has read so far.
type Stats struct {
	Records     int64 // records returned by Next
	Lines       int64 // physical lines read, blank ones included
	Bytes       int64 // uncompressed bytes read
	InvalidUTF8 int64 // invalid UTF-8 bytes, each replaced with U+FFFD
	Skipped     int64 // blank lines and records with empty text
}

// Add accumulates o into s.
func (s *Stats) Add(o Stats) {
	s.Records += o.Records
	s.Lines += o.Lines
	s.Bytes += o.Bytes
	s.InvalidUTF8 += o.InvalidUTF8
	s.Skipped += o.Skipped
}

// Reader streams the records of one or more files. It follows the bufio.Scanner pattern:
//
//	for r.Next() { use(r.Text()) }
//	if err := r.Err(); err != nil { ... }
type Reader interface {
	// Next advances to the next record with non-empty text; false at the end or on error.
	Next() bool
	// Text is the current record's text, valid UTF-8.
	Text() string
	// Field returns another field (JSONL key or CSV column) of the current record.
	// Plain text records have no fields.
	Field(name string) (string, bool)
	// Pos is the file and line of the current record.
	Pos() Position
	// Mark is the position just after the current record (before the first one when Next has not
	// been called), for OpenAt to resume from.
	Mark() Mark
	// Err is the first error met, nil at a clean end.
	Err() error
	// Stats reports what has been read so far.
	Stats() Stats
	// Progress reports bytes consumed from disk (compressed bytes for .gz files) and the total size of
	// the inputs, for progress bars.
	Progress() (done, total int64)
	// Close releases the open file.
	Close() error
}

// Position locates a record.
type Position struct {
	File string
	Line int64
}

func (p Position) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Mark is a resumable reading position in a list of files: OpenAt with the same files and options
// continues with the record that followed it. It is plain data, so checkpoints can store it as JSON.
type Mark struct {
	File    int   `json:"file"`    // index into the paths; len(paths) when every file is read
	Offset  int64 `json:"offset"`  // uncompressed bytes of that file up to the end of the last record
	Line    int64 `json:"line"`    // lines of that file up to the end of the last record
	Records int64 `json:"records"` // records of that file returned so far
}

// Error is a problem with an input file. Its message reads "file:line:column: field: problem", with the
// parts that are unknown left out.
type Error struct {
	File   string
	Line   int64  // 0 when the problem is with the whole file
	Column int    // 0 when unknown
	Field  string // JSON field or CSV column, when there is one
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrEmpty reports a corpus in which no record has text.
var ErrEmpty = errors.New("no text found")
