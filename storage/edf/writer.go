package edf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRecordBytes is the largest data record the EDF specification allows.
const MaxRecordBytes = 61440

// DefaultAnnotationBytes is the annotation space per data record when
// WriterConfig.AnnotationBytes is 0 (EDFlib uses about as much).
const DefaultAnnotationBytes = 120

// talReserve is the annotation space kept for the time-keeping TAL.
const talReserve = 24

// ErrAnnotationSpace is returned by Close when queued annotations found no
// room in any data record; raise WriterConfig.AnnotationBytes.
var ErrAnnotationSpace = errors.New("edf: annotations do not fit in the annotation signal")

// WriterConfig describes a file to write.
type WriterConfig struct {
	// Format is EDF (EDF+C, 16-bit) or BDF (BDF+C, 24-bit).
	Format Format
	// Patient fills the patient field (use PatientID.Deidentified for a
	// de-identified file); Recording the recording field.
	Patient   PatientID
	Recording RecordingID
	// Start is the local date and time of the first sample. It is written
	// as is (no time-zone conversion) and truncated to whole seconds; the
	// zero time writes 01.01.85 00.00.00 and an unknown (X) start date.
	Start time.Time
	// RateHz is the sampling rate of every signal.
	RateHz float64
	// Signals describes the ordinary signals (the annotation signal is
	// added last); SamplesPerRecord is ignored. Text fields are mapped to
	// printable ASCII (µ becomes u) and cut to their field widths.
	Signals []Signal
	// RecordDuration is the data record duration in seconds; 0 picks the
	// longest of 1, 0.5, 0.25, 0.2, 0.125, 0.1, … s (then 2, 4, 5, 10 s)
	// that holds a whole number of samples and keeps a record within
	// MaxRecordBytes.
	RecordDuration float64
	// AnnotationBytes is the annotation space per data record in bytes
	// (rounded up to whole 2- or 3-byte cells); 0 means
	// DefaultAnnotationBytes. It must hold the time-keeping TAL (24 bytes
	// are kept for it) plus the longest annotation.
	AnnotationBytes int
}

// Writer streams an EDF+C or BDF+C file: NewWriter writes the header (with
// −1 records), Write appends samples, Annotate queues annotations, Close
// completes the last record, places the annotations that are left and
// patches the number of records. A Writer is not safe for concurrent use.
//
// Each data record's annotation signal starts with the time-keeping TAL
// "+<record start>" 0x14 0x14 0x00. An annotation goes into the record that
// contains its onset, or, when that record is full or already written, into
// the next record with room (the onset stays absolute). Annotations left
// at Close (onset after the last sample, or no room) are written into the
// free space of earlier records, latest first.
type Writer struct {
	ws      io.WriteSeeker
	h       Header
	ns      int // ordinary signals
	bps     int
	spr     int   // samples per record per signal
	durNum  int64 // record duration = durNum / durDen seconds
	durDen  int64
	annOff  int // offset of the annotation signal in a record
	annLen  int // its size in bytes
	rec     []byte
	fill    int // samples per signal in rec
	last    []int32
	used    []int32 // annotation bytes used in each written record
	queue   []queuedTAL
	clipped int64
	err     error
	closed  bool
}

type queuedTAL struct {
	onset float64
	tal   []byte
}

// NewWriter validates cfg and writes the header of a new file to ws, which
// must be positioned at its start (ws is not closed by the Writer). Physical
// minimum and maximum are written in 8 characters, as many decimals as fit:
// Header reports the values as written.
func NewWriter(ws io.WriteSeeker, cfg WriterConfig) (*Writer, error) {
	if len(cfg.Signals) == 0 {
		return nil, fmt.Errorf("edf: no signals to write")
	}
	if !(cfg.RateHz > 0) || math.IsInf(cfg.RateHz, 0) {
		return nil, fmt.Errorf("edf: sampling rate %v Hz is not positive", cfg.RateHz)
	}
	w := &Writer{ws: ws, ns: len(cfg.Signals), bps: cfg.Format.BytesPerSample()}
	annBytes := cfg.AnnotationBytes
	if annBytes == 0 {
		annBytes = DefaultAnnotationBytes
	}
	if annBytes < 2*talReserve {
		return nil, fmt.Errorf("edf: annotation space of %d bytes is too small (at least %d)", annBytes, 2*talReserve)
	}
	annCells := (annBytes + w.bps - 1) / w.bps
	w.annLen = annCells * w.bps
	durText, err := w.recordDuration(cfg)
	if err != nil {
		return nil, err
	}
	w.annOff = w.ns * w.spr * w.bps
	w.rec = make([]byte, w.annOff+w.annLen)
	w.last = make([]int32, w.ns)

	h := &w.h
	h.Format, h.Plus = cfg.Format, true
	h.Reserved = cfg.Format.String() + "+C"
	h.Patient = fit(cfg.Patient.String(), 80)
	start := cfg.Start.Truncate(time.Second)
	h.Recording = fit(cfg.Recording.field(start), 80)
	h.Start = time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC)
	if !start.IsZero() {
		h.Start = time.Date(start.Year(), start.Month(), start.Day(), start.Hour(), start.Minute(), start.Second(), 0, time.UTC)
	}
	h.RecordDuration, _ = strconv.ParseFloat(durText, 64)
	dlo, dhi := cfg.Format.DigitalRange()
	for i, s := range cfg.Signals {
		name := fmt.Sprintf("signal %d (%s)", i+1, s.Label)
		if s.DigitalMin < dlo || s.DigitalMax > dhi || s.DigitalMax <= s.DigitalMin {
			return nil, fmt.Errorf("edf: %s: digital range %d…%d is not an increasing range within %d…%d", name, s.DigitalMin, s.DigitalMax, dlo, dhi)
		}
		s.Label = fit(s.Label, 16)
		if s.IsAnnotation() {
			return nil, fmt.Errorf("edf: %s: the label is reserved for the annotation signal", name)
		}
		s.Transducer, s.PhysicalDim, s.Prefiltering = fit(s.Transducer, 80), fit(s.PhysicalDim, 8), fit(s.Prefiltering, 80)
		s.Reserved = ""
		if s.PhysicalMin, err = fitNumber(s.PhysicalMin); err != nil {
			return nil, fmt.Errorf("edf: %s physical minimum: %v", name, err)
		}
		if s.PhysicalMax, err = fitNumber(s.PhysicalMax); err != nil {
			return nil, fmt.Errorf("edf: %s physical maximum: %v", name, err)
		}
		if s.PhysicalMin == s.PhysicalMax {
			return nil, fmt.Errorf("edf: %s: physical minimum and maximum are equal in 8 characters (%v)", name, s.PhysicalMin)
		}
		s.SamplesPerRecord = w.spr
		h.Signals = append(h.Signals, s)
	}
	h.Signals = append(h.Signals, Signal{
		Label: cfg.Format.annotationLabel(), PhysicalMin: -1, PhysicalMax: 1,
		DigitalMin: dlo, DigitalMax: dhi, SamplesPerRecord: annCells,
	})
	if _, err := ws.Write(w.encodeHeader(durText, -1)); err != nil {
		return nil, fmt.Errorf("edf: write header: %w", err)
	}
	return w, nil
}

// recordDuration picks the record duration, sets w.spr, w.durNum and
// w.durDen and returns the duration's header text.
func (w *Writer) recordDuration(cfg WriterConfig) (string, error) {
	try := func(text string) error {
		d, _ := strconv.ParseFloat(text, 64)
		spr := cfg.RateHz * d
		n := math.Round(spr)
		if n < 1 || math.Abs(spr-n) > 1e-6*n {
			return fmt.Errorf("edf: %v Hz × %s s is not a whole number of samples per data record", cfg.RateHz, text)
		}
		if bytes := float64(w.ns*w.bps)*n + float64(w.annLen); bytes > MaxRecordBytes {
			return fmt.Errorf("edf: a data record of %s s would hold %.0f bytes, more than %d", text, bytes, MaxRecordBytes)
		}
		w.spr = int(n)
		w.durNum, w.durDen = decimal(text)
		return nil
	}
	if cfg.RecordDuration != 0 {
		if !(cfg.RecordDuration > 0) {
			return "", fmt.Errorf("edf: record duration %v s is not positive", cfg.RecordDuration)
		}
		text, err := formatNumber(cfg.RecordDuration, 8)
		if err != nil {
			return "", fmt.Errorf("edf: record duration: %v", err)
		}
		if text == "0" {
			return "", fmt.Errorf("edf: record duration %v s rounds to 0", cfg.RecordDuration)
		}
		return text, try(text)
	}
	for _, text := range []string{"1", "0.5", "0.25", "0.2", "0.125", "0.1", "0.05", "0.04", "0.025", "0.02", "0.01",
		"0.005", "0.004", "0.002", "0.001", "2", "4", "5", "10"} {
		if try(text) == nil {
			return text, nil
		}
	}
	return "", fmt.Errorf("edf: no data record duration fits %v Hz with %d signals (whole samples, at most %d bytes); set RecordDuration", cfg.RateHz, w.ns, MaxRecordBytes)
}

// decimal splits a decimal text into num/den.
func decimal(text string) (num, den int64) {
	ip, fp, _ := strings.Cut(text, ".")
	den = 1
	for range fp {
		den *= 10
	}
	n, _ := strconv.ParseInt(ip+fp, 10, 64)
	return n, den
}

// encodeHeader returns the header bytes with records data records.
func (w *Writer) encodeHeader(durText string, records int) []byte {
	h := &w.h
	ns := len(h.Signals)
	b := make([]byte, 0, 256*(ns+1))
	pad := func(s string, n int) { b = append(b, s...); b = append(b, strings.Repeat(" ", n-len(s))...) }
	if h.Format == BDF {
		b = append(b, 0xFF)
		b = append(b, "BIOSEMI"...)
	} else {
		pad("0", 8)
	}
	pad(h.Patient, 80)
	pad(h.Recording, 80)
	// Years outside 1985…2084 keep yy; the recording field's date wins.
	pad(fmt.Sprintf("%02d.%02d.%02d", h.Start.Day(), int(h.Start.Month()), h.Start.Year()%100), 8)
	pad(fmt.Sprintf("%02d.%02d.%02d", h.Start.Hour(), h.Start.Minute(), h.Start.Second()), 8)
	pad(strconv.Itoa(256*(ns+1)), 8)
	pad(h.Reserved, 44)
	pad(strconv.Itoa(records), 8)
	pad(durText, 8)
	pad(strconv.Itoa(ns), 4)
	num := func(v float64) string { s, _ := formatNumber(v, 8); return s }
	for _, f := range []func(s *Signal){
		func(s *Signal) { pad(s.Label, 16) },
		func(s *Signal) { pad(s.Transducer, 80) },
		func(s *Signal) { pad(s.PhysicalDim, 8) },
		func(s *Signal) { pad(num(s.PhysicalMin), 8) },
		func(s *Signal) { pad(num(s.PhysicalMax), 8) },
		func(s *Signal) { pad(strconv.Itoa(int(s.DigitalMin)), 8) },
		func(s *Signal) { pad(strconv.Itoa(int(s.DigitalMax)), 8) },
		func(s *Signal) { pad(s.Prefiltering, 80) },
		func(s *Signal) { pad(strconv.Itoa(s.SamplesPerRecord), 8) },
		func(s *Signal) { pad(s.Reserved, 32) },
	} {
		for i := range h.Signals {
			f(&h.Signals[i])
		}
	}
	return b
}

// Header returns the header as written so far (Records counts the data
// records written; the file says −1 until Close).
func (w *Writer) Header() Header {
	h := w.h
	h.Signals = slices.Clone(w.h.Signals)
	return h
}

// Clipped returns the number of samples Write clamped to their signal's
// digital range.
func (w *Writer) Clipped() int64 { return w.clipped }

// Write appends samples: chans[c] holds the next digital counts of signal c
// (all of the same length). Counts outside a signal's digital range are
// clamped to it and counted (see Clipped). It panics if len(chans) differs
// from the number of signals or the lengths differ. It does not allocate.
func (w *Writer) Write(chans [][]int32) error {
	if len(chans) != w.ns {
		panic("edf: channel count mismatch")
	}
	n := len(chans[0])
	for _, ch := range chans {
		if len(ch) != n {
			panic("edf: channel lengths differ")
		}
	}
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("edf: write after Close")
	}
	for done := 0; done < n; {
		k := min(n-done, w.spr-w.fill)
		for c, ch := range chans {
			w.encode(c, ch[done:done+k])
		}
		w.fill += k
		done += k
		if w.fill == w.spr {
			if err := w.flushRecord(); err != nil {
				return err
			}
		}
	}
	return nil
}

// encode stores src as the next samples of signal c in the record buffer.
func (w *Writer) encode(c int, src []int32) {
	if len(src) == 0 {
		return
	}
	s := &w.h.Signals[c]
	lo, hi := s.DigitalMin, s.DigitalMax
	p := w.rec[(c*w.spr+w.fill)*w.bps:]
	for j, v := range src {
		if v < lo {
			v = lo
			w.clipped++
		} else if v > hi {
			v = hi
			w.clipped++
		}
		if w.bps == 2 {
			p[2*j], p[2*j+1] = byte(v), byte(v>>8)
		} else {
			p[3*j], p[3*j+1], p[3*j+2] = byte(v), byte(v>>8), byte(v>>16)
		}
	}
	w.last[c] = src[len(src)-1]
	if w.last[c] < lo {
		w.last[c] = lo
	} else if w.last[c] > hi {
		w.last[c] = hi
	}
}

// flushRecord completes the annotation signal of the full record buffer
// and writes it.
func (w *Writer) flushRecord() error {
	r := int64(len(w.used))
	ann := w.rec[w.annOff:]
	clear(ann)
	n := copy(ann, "+")
	n += copy(ann[n:], decimalText(r*w.durNum, w.durDen))
	n += copy(ann[n:], "\x14\x14\x00")
	end := float64((r+1)*w.durNum) / float64(w.durDen)
	for len(w.queue) > 0 && w.queue[0].onset < end && n+len(w.queue[0].tal) <= len(ann) {
		n += copy(ann[n:], w.queue[0].tal)
		w.queue = w.queue[1:]
	}
	if _, err := w.ws.Write(w.rec); err != nil {
		w.err = fmt.Errorf("edf: write data record %d: %w", r+1, err)
		return w.err
	}
	w.used = append(w.used, int32(n))
	w.h.Records++
	w.fill = 0
	return nil
}

// decimalText formats num/den (den a power of ten) exactly.
func decimalText(num, den int64) string {
	s := strconv.FormatInt(num/den, 10)
	if f := num % den; f != 0 {
		fs := strconv.FormatInt(f+den, 10)[1:] // zero-padded fraction
		s += "." + strings.TrimRight(fs, "0")
	}
	return s
}

// Annotate queues an annotation. Onset (seconds from the first sample, may
// be negative) and Duration (seconds, ≥ 0; 0 writes no duration) are
// written as the shortest decimal that reads back as the same float64.
// Bytes 0x00, 0x14 and 0x15 in Text become spaces and invalid UTF-8
// becomes U+FFFD. It fails for an empty text, a non-finite onset or
// duration, a negative duration, or an annotation too long for the
// annotation space.
func (w *Writer) Annotate(a Annotation) error {
	if w.closed {
		return fmt.Errorf("edf: annotate after Close")
	}
	if math.IsNaN(a.Onset) || math.IsInf(a.Onset, 0) || math.IsNaN(a.Duration) || math.IsInf(a.Duration, 0) || a.Duration < 0 {
		return fmt.Errorf("edf: annotation %q: onset %v s or duration %v s is not valid", a.Text, a.Onset, a.Duration)
	}
	text := strings.Map(func(r rune) rune {
		if r == 0 || r == 0x14 || r == 0x15 {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(a.Text, "\uFFFD"))
	if text == "" {
		return fmt.Errorf("edf: annotation at %v s has no text", a.Onset)
	}
	tal := make([]byte, 0, len(text)+32)
	if a.Onset >= 0 {
		tal = append(tal, '+')
	}
	tal = strconv.AppendFloat(tal, a.Onset, 'f', -1, 64)
	if a.Duration > 0 {
		tal = append(tal, 0x15)
		tal = strconv.AppendFloat(tal, a.Duration, 'f', -1, 64)
	}
	tal = append(tal, 0x14)
	tal = append(tal, text...)
	tal = append(tal, 0x14, 0x00)
	if len(tal) > w.annLen-talReserve {
		return fmt.Errorf("edf: annotation %q needs %d bytes but a data record has room for %d; raise AnnotationBytes",
			truncate(text, 40), len(tal), w.annLen-talReserve)
	}
	i, _ := slices.BinarySearchFunc(w.queue, a.Onset, func(q queuedTAL, t float64) int {
		if q.onset <= t {
			return -1 // after equal onsets: keep insertion order
		}
		return 1
	})
	w.queue = slices.Insert(w.queue, i, queuedTAL{onset: a.Onset, tal: tal})
	return nil
}

// Close completes the last data record by repeating each signal's last
// sample, writes the annotations still queued into the free space of the
// written records (latest first), and patches the number of records in the
// header. It does not close the underlying writer. It returns
// ErrAnnotationSpace (wrapped) when annotations found no room; the file is
// still complete and valid without them. Close is idempotent.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if w.fill > 0 {
		for c := range w.ns {
			p := w.rec[c*w.spr*w.bps:]
			v := w.last[c]
			for j := w.fill; j < w.spr; j++ {
				if w.bps == 2 {
					p[2*j], p[2*j+1] = byte(v), byte(v>>8)
				} else {
					p[3*j], p[3*j+1], p[3*j+2] = byte(v), byte(v>>8), byte(v>>16)
				}
			}
		}
		w.fill = w.spr
		if err := w.flushRecord(); err != nil {
			return err
		}
	}
	hb := int64(w.h.HeaderBytes())
	recBytes := int64(len(w.rec))
	left := 0
	r := len(w.used) - 1
	for _, q := range w.queue {
		for r >= 0 && int(w.used[r])+len(q.tal) > w.annLen {
			r--
		}
		if r < 0 {
			left++
			continue
		}
		off := hb + int64(r)*recBytes + int64(w.annOff) + int64(w.used[r])
		if err := w.writeAt(q.tal, off); err != nil {
			w.err = fmt.Errorf("edf: write annotation: %w", err)
			return w.err
		}
		w.used[r] += int32(len(q.tal))
	}
	w.queue = nil
	if err := w.writeAt(fmt.Appendf(nil, "%-8d", w.h.Records), 236); err != nil {
		w.err = fmt.Errorf("edf: patch the number of records: %w", err)
		return w.err
	}
	if _, err := w.ws.Seek(0, io.SeekEnd); err != nil {
		w.err = fmt.Errorf("edf: %w", err)
		return w.err
	}
	if left > 0 {
		w.err = fmt.Errorf("%w: %d left out; raise AnnotationBytes", ErrAnnotationSpace, left)
	}
	return w.err
}

func (w *Writer) writeAt(p []byte, off int64) error {
	if _, err := w.ws.Seek(off, io.SeekStart); err != nil {
		return err
	}
	_, err := w.ws.Write(p)
	return err
}

// fit maps s to header ASCII and cuts it to n bytes.
func fit(s string, n int) string {
	s = ascii(s)
	if len(s) > n {
		s = s[:n]
	}
	return strings.TrimRight(s, " ")
}

// fitNumber rounds v to what its 8-character header text says.
func fitNumber(v float64) (float64, error) {
	s, err := formatNumber(v, 8)
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(s, 64)
}

// truncate cuts s to at most n runes for messages.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
