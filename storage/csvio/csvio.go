package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrNoData is returned by Read for a file without data rows (empty, blank
// lines only, or a header only).
var ErrNoData = errors.New("csvio: no data rows")

// Error is a problem at a place in the input. Line and Column count from 1;
// Column is 0 when the whole line is at fault.
type Error struct {
	Line, Column int
	Err          error
}

func (e *Error) Error() string {
	if e.Column == 0 {
		return fmt.Sprintf("csvio: line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("csvio: line %d, column %d: %v", e.Line, e.Column, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Read reads a whole CSV table. It returns the header's labels (nil when the
// file has no header) and the columns as planar channels: chans[c][i] is
// row i of column c. Fields may be quoted and surrounded by spaces; blank
// lines are skipped; a leading UTF-8 byte-order mark is ignored. Numbers
// are parsed by strconv.ParseFloat (so "NaN" and "Inf" are numbers).
//
// Errors: ErrNoData for no data rows; an *Error giving the line and column
// of a field that is not a number, or the line of a row whose field count
// differs from the first row's; malformed quoting as reported by
// encoding/csv (with its line and column).
func Read(r io.Reader) (labels []string, chans [][]float64, err error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked here, for a clearer message
	cr.ReuseRecord = true
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("csvio: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			chans = make([][]float64, len(rec))
			if !allNumbers(rec) {
				labels = make([]string, len(rec))
				for i, f := range rec {
					labels[i] = strings.TrimSpace(f)
				}
				continue
			}
		}
		if len(rec) != len(chans) {
			return nil, nil, &Error{Line: line, Err: fmt.Errorf("%d fields, want %d", len(rec), len(chans))}
		}
		for c, f := range rec {
			v, err := parse(f)
			if err != nil {
				return nil, nil, &Error{Line: line, Column: c + 1, Err: err}
			}
			chans[c] = append(chans[c], v)
		}
	}
	if len(chans) == 0 || len(chans[0]) == 0 {
		return nil, nil, ErrNoData
	}
	return labels, chans, nil
}

func allNumbers(rec []string) bool {
	for _, f := range rec {
		if _, err := parse(f); err != nil {
			return false
		}
	}
	return true
}

func parse(f string) (float64, error) {
	s := strings.TrimSpace(f)
	if s == "" {
		return 0, errors.New("empty field, want a number")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("number %q out of range", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// Writer writes a CSV table row by row. Create it with NewWriter, which
// writes the header; call Flush at the end.
type Writer struct {
	w    *bufio.Writer
	cols int
	buf  []byte
	err  error
}

// NewWriter writes the header line (labels, quoted where needed) to w and
// returns a Writer for rows of len(labels) numbers. It panics if labels is
// empty. A header whose labels all parse as numbers would be read back as
// data; callers should use non-numeric labels.
func NewWriter(w io.Writer, labels []string) (*Writer, error) {
	if len(labels) == 0 {
		panic("csvio: no columns")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if len(labels) == 1 && labels[0] == "" {
		// encoding/csv would write a blank line, which readers skip.
		bw.WriteString("\"\"\n")
	} else {
		cw := csv.NewWriter(bw)
		if err := cw.Write(labels); err != nil {
			return nil, err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return nil, err
		}
	}
	return &Writer{w: bw, cols: len(labels), buf: make([]byte, 0, 32*len(labels))}, nil
}

// WriteRow writes one row. It panics if len(row) differs from the number of
// labels. After a write error every call returns that error.
func (w *Writer) WriteRow(row []float64) error {
	if len(row) != w.cols {
		panic("csvio: row length mismatch")
	}
	if w.err != nil {
		return w.err
	}
	b := w.buf[:0]
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	b = append(b, '\n')
	w.buf = b
	_, w.err = w.w.Write(b)
	return w.err
}

// Flush writes any buffered rows to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.w.Flush()
	return w.err
}

// Write writes a header line and the planar channels as columns: row i is
// chans[0][i], chans[1][i], …. It panics if len(labels) != len(chans), if
// there are no channels, or if the channels differ in length.
func Write(w io.Writer, labels []string, chans [][]float64) error {
	if len(labels) != len(chans) {
		panic("csvio: labels and channels differ in number")
	}
	for _, c := range chans {
		if len(c) != len(chans[0]) {
			panic("csvio: channel length mismatch")
		}
	}
	cw, err := NewWriter(w, labels)
	if err != nil {
		return err
	}
	row := make([]float64, len(chans))
	for i := range chans[0] {
		for c := range chans {
			row[c] = chans[c][i]
		}
		if err := cw.WriteRow(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}
