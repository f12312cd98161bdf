package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// maxLine bounds one line (or CSV record) so a file without newlines cannot exhaust memory.
const maxLine = 64 << 20

// Open opens one file for streaming. A directory, a missing file or a file that is not the gzip it
// claims to be is an error naming the file; for CSV/TSV a missing text column is an error naming the
// column and the header line.
func Open(path string, o Options) (Reader, error) {
	return OpenAll([]string{path}, o)
}

// OpenAll streams several files one after the other as one corpus. Every file is checked for existence
// up front, so a typo in the last file fails before any work is done.
func OpenAll(paths []string, o Options) (Reader, error) {
	return OpenAt(paths, o, Mark{})
}

// OpenAt is OpenAll resuming at a Mark taken from a Reader over the same paths and options: the first
// record it returns is the one that followed the mark. Plain files are seeked to the mark's byte offset;
// gzip files cannot seek, so their records up to the mark are read again and dropped (Stats counts
// them). A mark that does not fit the files (past the end, or a gzip file whose records no longer end at
// the saved offset) is an error: the files changed since the mark was taken.
func OpenAt(paths []string, o Options, at Mark) (Reader, error) {
	if len(paths) == 0 {
		return nil, errors.New("no input files")
	}
	if at.File < 0 || at.File > len(paths) || at.Offset < 0 || at.Line < 0 || at.Records < 0 {
		return nil, fmt.Errorf("invalid reading position %+v for %d files", at, len(paths))
	}
	m := &multiReader{paths: paths, opts: o, next: at.File}
	for i, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, &Error{File: p, Err: unwrapPathError(err)}
		}
		if fi.IsDir() {
			return nil, &Error{File: p, Err: errors.New("is a directory, not a file")}
		}
		m.total += fi.Size()
		if i < at.File {
			m.doneIn += fi.Size()
		}
	}
	if at.File == len(paths) {
		return m, nil
	}
	if err := m.openNext(at); err != nil {
		return nil, err
	}
	return m, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// multiReader chains file readers.
type multiReader struct {
	paths  []string
	opts   Options
	next   int
	cur    *fileReader
	done   Stats // stats of closed files
	doneIn int64 // disk bytes of closed files
	total  int64
	err    error
}

func (m *multiReader) openNext(at Mark) error {
	f, err := openFile(m.paths[m.next], m.opts, at)
	if err != nil {
		return err
	}
	m.next++
	m.cur = f
	return nil
}

func (m *multiReader) Next() bool {
	if m.err != nil || m.cur == nil {
		return false
	}
	for {
		if m.cur.next() {
			return true
		}
		if err := m.cur.err; err != nil {
			m.err = err
			return false
		}
		m.done.Add(m.cur.stats)
		m.doneIn += m.cur.disk.n
		m.cur.close()
		m.cur = nil
		if m.next == len(m.paths) {
			return false
		}
		if err := m.openNext(Mark{}); err != nil {
			m.err = err
			return false
		}
	}
}

func (m *multiReader) Text() string { return m.cur.text }

func (m *multiReader) Field(name string) (string, bool) { return m.cur.fieldOf(name) }

func (m *multiReader) Pos() Position { return Position{File: m.cur.path, Line: m.cur.line} }

func (m *multiReader) Mark() Mark {
	if m.cur == nil {
		return Mark{File: m.next}
	}
	c := m.cur
	return Mark{File: m.next - 1, Offset: c.offset, Line: c.endLine, Records: c.records}
}

func (m *multiReader) Err() error { return m.err }

func (m *multiReader) Stats() Stats {
	s := m.done
	if m.cur != nil {
		s.Add(m.cur.stats)
	}
	return s
}

func (m *multiReader) Progress() (done, total int64) {
	done = m.doneIn
	if m.cur != nil {
		done += m.cur.disk.n
	}
	return done, m.total
}

func (m *multiReader) Close() error {
	if m.cur == nil {
		return nil
	}
	err := m.cur.close()
	m.cur = nil
	return err
}

// countingReader counts the bytes that pass through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// fileReader reads the records of one file in one format.
type fileReader struct {
	path   string
	format Format
	file   *os.File
	disk   *countingReader // bytes from disk
	plain  *countingReader // uncompressed bytes
	lines  *bufio.Scanner  // text and JSONL
	csv    *csv.Reader
	column int            // CSV text column
	header map[string]int // CSV column index by name
	record []string       // current CSV record
	object map[string]json.RawMessage
	want   string // text field name
	text   string
	line   int64
	stats  Stats
	err    error

	compressed bool
	offset     int64 // uncompressed bytes up to the end of the current record
	csvBase    int64 // offset at which the CSV reader started
	lineBase   int64 // lines before the CSV reader started
	endLine    int64 // last line of the current record
	records    int64 // records of this file returned, counting those before a resumed start
}

func openFile(path string, o Options, at Mark) (*fileReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: unwrapPathError(err)}
	}
	r := &fileReader{path: path, format: o.Format, file: f, want: o.textField()}
	if r.format == FormatAuto {
		r.format = FormatOf(path)
	}
	r.disk = &countingReader{r: f}
	br := bufio.NewReaderSize(r.disk, 1<<16)
	var src io.Reader = br
	if magic, _ := br.Peek(2); strings.HasSuffix(strings.ToLower(path), ".gz") || bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, &Error{File: path, Err: fmt.Errorf("cannot read gzip data: %w", err)}
		}
		src = zr
		r.compressed = true
	}
	r.plain = &countingReader{r: src}
	switch r.format {
	case FormatCSV, FormatTSV:
		if err := r.startCSV(); err != nil {
			f.Close()
			return nil, err
		}
	default:
		r.startLines()
	}
	if at.Offset > 0 || at.Records > 0 {
		if err := r.seek(at); err != nil {
			f.Close()
			return nil, err
		}
	}
	return r, nil
}

// startLines reads text or JSONL lines from r.plain, keeping r.offset at the end of the last line.
func (r *fileReader) startLines() {
	r.lines = bufio.NewScanner(r.plain)
	r.lines.Buffer(make([]byte, 0, 1<<16), maxLine)
	r.lines.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		advance, token, err := bufio.ScanLines(data, atEOF)
		r.offset += int64(advance)
		return advance, token, err
	})
}

func (r *fileReader) fail(line int64, col int, field string, err error) bool {
	r.err = &Error{File: r.path, Line: line, Column: col, Field: field, Err: err}
	return false
}

// readErr converts a stream error into an Error at the current line.
func (r *fileReader) readErr(err error) bool {
	if errors.Is(err, bufio.ErrTooLong) {
		return r.fail(r.line+1, 0, "", fmt.Errorf("line longer than %d bytes", maxLine))
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.fail(r.line+1, 0, "", fmt.Errorf("corrupt or truncated data: %w", err))
	}
	return r.fail(r.line+1, 0, "", fmt.Errorf("read: %w", err))
}

func (r *fileReader) next() bool {
	if r.err != nil {
		return false
	}
	switch r.format {
	case FormatCSV, FormatTSV:
		return r.nextCSV()
	case FormatJSONL:
		return r.nextJSONL()
	}
	return r.nextText()
}

func (r *fileReader) scan() ([]byte, bool) {
	if !r.lines.Scan() {
		if err := r.lines.Err(); err != nil {
			r.readErr(err)
		}
		return nil, false
	}
	r.line++
	r.endLine = r.line
	r.stats.Lines++
	b := r.lines.Bytes()
	r.stats.Bytes += int64(len(b)) + 1
	return bytes.TrimSuffix(b, []byte{'\r'}), true
}

// scanNonBlank returns the next line that holds more than white space, counting blank ones as skipped.
func (r *fileReader) scanNonBlank() ([]byte, bool) {
	for {
		b, ok := r.scan()
		if !ok || len(bytes.TrimSpace(b)) > 0 {
			return b, ok
		}
		r.stats.Skipped++
	}
}

func (r *fileReader) nextText() bool {
	b, ok := r.scanNonBlank()
	if !ok {
		return false
	}
	r.text = r.valid(b)
	r.stats.Records++
	r.records++
	return true
}

func (r *fileReader) nextJSONL() bool {
	for {
		b, ok := r.scanNonBlank()
		if !ok {
			return false
		}
		if !utf8.Valid(b) {
			b = []byte(r.valid(b))
		}
		clear(r.object)
		if err := json.Unmarshal(b, &r.object); err != nil {
			return r.fail(r.line, 0, "", fmt.Errorf("not a JSON object: %w", err))
		}
		raw, ok := r.object[r.want]
		if !ok {
			return r.fail(r.line, 0, r.want, errors.New("missing"))
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return r.fail(r.line, 0, r.want, fmt.Errorf("want a string, got %s", abbreviate(raw)))
		}
		if strings.TrimSpace(s) == "" {
			r.stats.Skipped++
			continue
		}
		r.text = s
		r.stats.Records++
		r.records++
		return true
	}
}

func (r *fileReader) startCSV() error {
	r.newCSV()
	head, err := r.csv.Read()
	if err != nil {
		if err == io.EOF {
			return &Error{File: r.path, Err: errors.New("empty file: want a header row")}
		}
		return r.csvErr(err)
	}
	r.line = 1
	r.stats.Lines = 1
	r.csv.FieldsPerRecord = len(head)
	r.header = make(map[string]int, len(head))
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		r.header[h] = i
		head[i] = h
	}
	col, ok := r.header[r.want]
	if !ok {
		return &Error{File: r.path, Line: 1, Field: r.want,
			Err: fmt.Errorf("no such column in header (columns: %s)", strings.Join(head, ", "))}
	}
	r.column = col
	return nil
}

// newCSV starts a CSV reader on r.plain.
func (r *fileReader) newCSV() {
	r.csv = csv.NewReader(r.plain)
	r.csv.ReuseRecord = true
	if r.format == FormatTSV {
		r.csv.Comma = '\t'
		r.csv.LazyQuotes = true
	}
}

func (r *fileReader) csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: r.path, Line: r.lineBase + int64(pe.Line), Column: pe.Column, Err: pe.Err}
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{File: r.path, Line: r.line + 1, Err: fmt.Errorf("corrupt or truncated data: %w", err)}
	}
	return &Error{File: r.path, Line: r.line + 1, Err: fmt.Errorf("read: %w", err)}
}

func (r *fileReader) nextCSV() bool {
	for {
		before := r.plain.n
		rec, err := r.csv.Read()
		if err == io.EOF {
			return false
		}
		if err != nil {
			r.err = r.csvErr(err)
			return false
		}
		line, _ := r.csv.FieldPos(0)
		r.stats.Lines += r.lineBase + int64(line) - r.line
		r.line = r.lineBase + int64(line)
		r.endLine = r.line
		for _, f := range rec {
			r.endLine += int64(strings.Count(f, "\n"))
		}
		r.offset = r.csvBase + r.csv.InputOffset()
		r.stats.Bytes += r.plain.n - before
		r.record = rec
		text := r.valid([]byte(rec[r.column]))
		if strings.TrimSpace(text) == "" {
			r.stats.Skipped++
			continue
		}
		r.text = text
		r.stats.Records++
		r.records++
		return true
	}
}

func (r *fileReader) fieldOf(name string) (string, bool) {
	switch r.format {
	case FormatCSV, FormatTSV:
		i, ok := r.header[name]
		if !ok || i >= len(r.record) {
			return "", false
		}
		return r.valid([]byte(r.record[i])), true
	case FormatJSONL:
		raw, ok := r.object[name]
		if !ok || string(raw) == "null" {
			return "", false
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s, true
		}
		return string(raw), true
	}
	return "", false
}

// valid returns b as a string with each invalid UTF-8 sequence replaced by U+FFFD, counting them.
func (r *fileReader) valid(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var s strings.Builder
	s.Grow(len(b) + 8)
	for len(b) > 0 {
		c, size := utf8.DecodeRune(b)
		if c == utf8.RuneError && size == 1 {
			r.stats.InvalidUTF8++
			s.WriteRune(utf8.RuneError)
		} else {
			s.Write(b[:size])
		}
		b = b[size:]
	}
	return s.String()
}

func (r *fileReader) close() error { return r.file.Close() }

func abbreviate(raw []byte) string {
	const n = 40
	if len(raw) > n {
		return string(raw[:n]) + "..."
	}
	return string(raw)
}
