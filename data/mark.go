package data

import (
	"bufio"
	"fmt"
	"io"
)

// seek moves a freshly opened reader to just after the record that at marks. Plain files are seeked;
// gzip streams are read forward record by record, and the offset they reach must equal the mark's.
func (r *fileReader) seek(at Mark) error {
	changed := func(why string) error {
		return &Error{File: r.path, Err: fmt.Errorf("cannot resume at line %d (byte %d): %s; the file changed since the position was saved", at.Line, at.Offset, why)}
	}
	if r.compressed {
		for r.records < at.Records {
			if !r.next() {
				if r.err != nil {
					return r.err
				}
				return changed("it has fewer records")
			}
		}
		if r.offset != at.Offset {
			return changed("records end elsewhere")
		}
		return nil
	}
	size, err := r.file.Seek(0, io.SeekEnd)
	if err != nil {
		return &Error{File: r.path, Err: fmt.Errorf("seek: %w", err)}
	}
	if at.Offset > size {
		return changed("it is shorter")
	}
	if _, err := r.file.Seek(at.Offset, io.SeekStart); err != nil {
		return &Error{File: r.path, Err: fmt.Errorf("seek: %w", err)}
	}
	r.disk = &countingReader{r: r.file, n: at.Offset}
	r.plain = &countingReader{r: bufio.NewReaderSize(r.disk, 1<<16), n: at.Offset}
	r.offset, r.line, r.endLine, r.records = at.Offset, at.Line, at.Line, at.Records
	switch r.format {
	case FormatCSV, FormatTSV:
		fields := r.csv.FieldsPerRecord
		r.newCSV()
		r.csv.FieldsPerRecord = fields
		r.csvBase, r.lineBase = at.Offset, at.Line
	default:
		r.startLines()
	}
	return nil
}
