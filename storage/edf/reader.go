package edf

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Annotation is one event of an EDF+ annotation signal.
type Annotation struct {
	// Onset is the event's time in seconds from the file's start time
	// (Header.Start); it may be negative.
	Onset float64
	// Duration is the event's length in seconds, 0 when the file gives
	// none.
	Duration float64
	// Text is the annotation text (UTF-8; never empty).
	Text string
}

// File is a whole EDF/BDF file in memory.
type File struct {
	Header
	// Samples[i] holds signal i's raw counts, Records·SamplesPerRecord of
	// them; nil for annotation signals. The last record is often padded
	// (see ../shared/data/README.md): the file does not say how many
	// samples are valid, so callers that know trim the slices.
	Samples [][]int32
	// Annotations lists every annotation of every annotation signal in
	// file order (time-keeping TALs excluded).
	Annotations []Annotation
	// RecordStarts[r] is the start of data record r in seconds from
	// Header.Start: from the time-keeping TAL in EDF+/BDF+ files,
	// r·RecordDuration otherwise.
	RecordStarts []float64
}

// ReadFile reads the EDF/BDF file at path (see Read).
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("edf: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("edf: %w", err)
	}
	file, err := Read(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file, nil
}

// Read reads a whole EDF, EDF+, BDF or BDF+ file of size bytes from r.
//
// It validates every header field and returns an error wrapping ErrNotEDF
// when the file does not start like EDF/BDF, or ErrMalformed with an
// explanation when a field or the data are damaged. Tolerated real-world
// quirks: numbers with surrounding spaces, a record count of −1 (a writer
// that was interrupted; the count is taken from the file size, whole records
// only), bytes after the last record (ignored), a missing time-keeping TAL
// in an EDF+C record (the start is then computed from the duration), and
// either annotation label in either format.
//
// No buffer is sized from a header count before that count has been checked
// against size, so a hostile header cannot make Read allocate more than a
// small multiple of size (samples take 2× the bytes of EDF data, 4/3× of
// BDF data; annotations at most about 12× their bytes).
func Read(r io.ReaderAt, size int64) (*File, error) {
	h, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	f := &File{Header: *h}
	if err := f.readData(r); err != nil {
		return nil, err
	}
	return f, nil
}

// readHeader reads and validates the header.
func readHeader(r io.ReaderAt, size int64) (*Header, error) {
	if size < 256 {
		return nil, fmt.Errorf("edf: %w (the file is %d bytes, shorter than the 256-byte header)", ErrNotEDF, size)
	}
	var fixed [256]byte
	if _, err := r.ReadAt(fixed[:], 0); err != nil {
		return nil, fmt.Errorf("edf: read header: %w", err)
	}
	h := &Header{}
	switch {
	case fixed[0] == '0' && allSpaces(fixed[1:8]):
		h.Format = EDF
	case fixed[0] == 0xFF && string(fixed[1:8]) == "BIOSEMI":
		h.Format = BDF
	default:
		return nil, fmt.Errorf("edf: %w (the version field is %q, want \"0\" for EDF or 0xFF BIOSEMI for BDF)", ErrNotEDF, fixed[:8])
	}
	h.Patient = text(fixed[8:88])
	h.Recording = text(fixed[88:168])
	h.Reserved = text(fixed[192:236])
	ns, err := headerInt(fixed[252:256], "number of signals")
	if err != nil {
		return nil, err
	}
	if ns < 1 {
		return nil, malformed("the header says the file has %d signals", ns)
	}
	hb := 256 * (int64(ns) + 1)
	if hb > size {
		return nil, malformed("header says %d signals but the file is too short (%d bytes, the header alone needs %d)", ns, size, hb)
	}
	hbField, err := headerInt(fixed[184:192], "number of header bytes")
	if err != nil {
		return nil, err
	}
	if int64(hbField) != hb {
		return nil, malformed("the header size field says %d bytes but %d signals need %d", hbField, ns, hb)
	}
	switch h.Reserved {
	case "EDF+C", "EDF+D", "BDF+C", "BDF+D":
		if (h.Reserved[0] == 'B') != (h.Format == BDF) {
			return nil, malformed("the reserved field says %s but the version field says %s", h.Reserved, h.Format)
		}
		h.Plus, h.Discontinuous = true, h.Reserved[4] == 'D'
	default:
		if strings.HasPrefix(h.Reserved, "EDF+") || strings.HasPrefix(h.Reserved, "BDF+") {
			return nil, malformed("unknown file type %q in the reserved field (want %s+C or %s+D)", h.Reserved, h.Format, h.Format)
		}
	}
	if h.Start, err = startTime(fixed[168:176], fixed[176:184], h.Recording); err != nil {
		return nil, err
	}
	recs, err := headerInt(fixed[236:244], "number of data records")
	if err != nil {
		return nil, err
	}
	if recs < -1 {
		return nil, malformed("the header says the file has %d data records", recs)
	}
	if h.RecordDuration, err = headerFloat(fixed[244:252], "data record duration"); err != nil {
		return nil, err
	}
	if h.RecordDuration < 0 || math.IsInf(h.RecordDuration, 0) || math.IsNaN(h.RecordDuration) {
		return nil, malformed("the data record duration is %v s", h.RecordDuration)
	}

	sh := make([]byte, 256*ns) // bounded: hb ≤ size was checked
	if _, err := r.ReadAt(sh, 256); err != nil {
		return nil, fmt.Errorf("edf: read signal headers: %w", err)
	}
	field := func(off, width, i int) []byte {
		start := off*ns + width*i
		return sh[start : start+width]
	}
	h.Signals = make([]Signal, ns)
	dlo, dhi := h.Format.DigitalRange()
	var recordCells int64
	hasAnn := false
	for i := range h.Signals {
		s := &h.Signals[i]
		s.Label = text(field(0, 16, i))
		name := fmt.Sprintf("signal %d (%s)", i+1, s.Label)
		s.Transducer = text(field(16, 80, i))
		s.PhysicalDim = text(field(96, 8, i))
		if s.PhysicalMin, err = headerFloat(field(104, 8, i), name+" physical minimum"); err != nil {
			return nil, err
		}
		if s.PhysicalMax, err = headerFloat(field(112, 8, i), name+" physical maximum"); err != nil {
			return nil, err
		}
		dmin, err := headerInt(field(120, 8, i), name+" digital minimum")
		if err != nil {
			return nil, err
		}
		dmax, err := headerInt(field(128, 8, i), name+" digital maximum")
		if err != nil {
			return nil, err
		}
		s.Prefiltering = text(field(136, 80, i))
		spr, err := headerInt(field(216, 8, i), name+" samples per record")
		if err != nil {
			return nil, err
		}
		s.Reserved = text(field(224, 32, i))
		if int64(dmin) < int64(dlo) || int64(dmax) > int64(dhi) {
			return nil, malformed("%s: digital range %d…%d exceeds the %s range %d…%d", name, dmin, dmax, h.Format, dlo, dhi)
		}
		s.DigitalMin, s.DigitalMax = int32(dmin), int32(dmax)
		if s.DigitalMax <= s.DigitalMin {
			return nil, malformed("%s: digital maximum %d is not above digital minimum %d", name, dmax, dmin)
		}
		if s.PhysicalMax == s.PhysicalMin {
			return nil, malformed("%s: physical minimum equals physical maximum (%v)", name, s.PhysicalMin)
		}
		if spr < 1 {
			return nil, malformed("%s: %d samples per data record", name, spr)
		}
		if int64(spr)*int64(h.Format.BytesPerSample()) > size-hb {
			return nil, malformed("%s: header says %d samples per data record but the file is too short (%d bytes)", name, spr, size)
		}
		s.SamplesPerRecord = spr
		recordCells += int64(spr)
		if s.IsAnnotation() {
			hasAnn = true
		} else if h.RecordDuration == 0 {
			return nil, malformed("%s: the data record duration is 0, allowed only for files holding annotations alone", name)
		}
	}
	if h.Plus && !hasAnn {
		return nil, malformed("%s+ file without an %q signal", h.Format, h.Format.annotationLabel())
	}
	recordBytes := recordCells * int64(h.Format.BytesPerSample())
	if recordBytes > size-hb {
		return nil, malformed("header says a data record holds %d bytes but the file is too short (%d bytes)", recordBytes, size)
	}
	avail := (size - hb) / recordBytes
	switch {
	case recs == -1:
		recs = int(avail)
	case int64(recs) > avail:
		return nil, malformed("header says %d data records of %d bytes but the file is too short (%d bytes, room for %d records)", recs, recordBytes, size, avail)
	}
	h.Records = recs
	return h, nil
}

// readData reads the data records into f.
func (f *File) readData(r io.ReaderAt) error {
	h := &f.Header
	bps := h.Format.BytesPerSample()
	recBytes := h.RecordBytes()
	f.Samples = make([][]int32, len(h.Signals))
	for i := range h.Signals {
		if !h.Signals[i].IsAnnotation() {
			f.Samples[i] = make([]int32, h.Records*h.Signals[i].SamplesPerRecord)
		}
	}
	f.RecordStarts = make([]float64, h.Records)
	// Read a batch of whole records at a time (about 1 MiB).
	batch := max(1, (1<<20)/recBytes)
	buf := make([]byte, min(batch, max(h.Records, 1))*recBytes)
	off := int64(h.HeaderBytes())
	for r0 := 0; r0 < h.Records; r0 += batch {
		n := min(batch, h.Records-r0)
		p := buf[:n*recBytes]
		if _, err := r.ReadAt(p, off); err != nil {
			return fmt.Errorf("edf: read data records %d…%d: %w", r0+1, r0+n, err)
		}
		off += int64(len(p))
		for k := 0; k < n; k++ {
			rec := p[k*recBytes : (k+1)*recBytes]
			if err := f.decodeRecord(r0+k, rec, bps); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeRecord decodes data record r.
func (f *File) decodeRecord(r int, rec []byte, bps int) error {
	h := &f.Header
	pos := 0
	keeping := false // the record's time-keeping TAL was seen
	f.RecordStarts[r] = float64(r) * h.RecordDuration
	for i := range h.Signals {
		s := &h.Signals[i]
		cells := rec[pos : pos+s.SamplesPerRecord*bps]
		pos += len(cells)
		if s.IsAnnotation() {
			first := h.Plus && !keeping
			start, ok, err := f.parseTALs(cells, first, r, i)
			if err != nil {
				return err
			}
			if first {
				keeping = true
				if ok {
					f.RecordStarts[r] = start
				} else if h.Discontinuous {
					return malformed("data record %d: the first annotation of an %s+D record must be the time-keeping TAL", r+1, h.Format)
				}
			}
			continue
		}
		dst := f.Samples[i][r*s.SamplesPerRecord : (r+1)*s.SamplesPerRecord]
		if bps == 2 {
			for j := range dst {
				dst[j] = int32(int16(uint16(cells[2*j]) | uint16(cells[2*j+1])<<8))
			}
		} else {
			for j := range dst {
				v := uint32(cells[3*j]) | uint32(cells[3*j+1])<<8 | uint32(cells[3*j+2])<<16
				dst[j] = int32(v<<8) >> 8
			}
		}
	}
	if h.Plus && !h.Discontinuous && r > 0 {
		want := f.RecordStarts[0] + float64(r)*h.RecordDuration
		if d := math.Abs(f.RecordStarts[r] - want); d > 1e-6*max(1, want) {
			return malformed("data record %d starts at %v s but an %s+C file is continuous (expected %v s)", r+1, f.RecordStarts[r], h.Format, want)
		}
	}
	return nil
}

// parseTALs parses the TALs of one annotation signal of data record r and
// appends their annotations. With keeping set, the first TAL is the
// record's time-keeping TAL: its onset is returned with ok = true.
func (f *File) parseTALs(p []byte, keeping bool, r, sig int) (start float64, ok bool, err error) {
	for first := true; ; first = false {
		for len(p) > 0 && p[0] == 0 {
			p = p[1:] // padding (or, tolerated, an empty TAL)
		}
		if len(p) == 0 {
			return start, ok, nil
		}
		end := bytes.IndexByte(p, 0)
		if end < 0 {
			return 0, false, malformed("data record %d, signal %d: an annotation (TAL) runs past the end of the record", r+1, sig+1)
		}
		tal := p[:end]
		p = p[end+1:]
		onset, dur, texts, err := parseTAL(tal)
		if err != nil {
			return 0, false, malformed("data record %d, signal %d: annotation %q: %v", r+1, sig+1, tal, err)
		}
		if first && keeping {
			start, ok = onset, true
		}
		for _, t := range texts {
			if t != "" {
				f.Annotations = append(f.Annotations, Annotation{Onset: onset, Duration: dur, Text: t})
			}
		}
	}
}

// parseTAL parses one TAL without its final 0x00:
//
//	+Onset[0x15 Duration]0x14 Text 0x14 [Text 0x14 ...]
func parseTAL(tal []byte) (onset, dur float64, texts []string, err error) {
	head, rest, found := bytes.Cut(tal, []byte{0x14})
	if !found {
		return 0, 0, nil, fmt.Errorf("no 0x14 after the onset")
	}
	on, du, hasDur := bytes.Cut(head, []byte{0x15})
	if len(on) < 2 || (on[0] != '+' && on[0] != '-') {
		return 0, 0, nil, fmt.Errorf("the onset must start with + or -")
	}
	if onset, err = talNumber(on[1:]); err != nil {
		return 0, 0, nil, fmt.Errorf("onset: %v", err)
	}
	if on[0] == '-' {
		onset = -onset
	}
	if hasDur {
		if dur, err = talNumber(du); err != nil {
			return 0, 0, nil, fmt.Errorf("duration: %v", err)
		}
	}
	if len(rest) == 0 {
		return onset, dur, nil, nil // "+0 0x14 0x00": tolerated, no texts
	}
	if rest[len(rest)-1] != 0x14 {
		return 0, 0, nil, fmt.Errorf("the last annotation text does not end with 0x14")
	}
	for _, t := range bytes.Split(rest[:len(rest)-1], []byte{0x14}) {
		s := string(t)
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		texts = append(texts, s)
	}
	return onset, dur, texts, nil
}

// talNumber parses an unsigned TAL number: digits with at most one '.'.
func talNumber(b []byte) (float64, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("empty number")
	}
	dots := 0
	for _, c := range b {
		switch {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return 0, fmt.Errorf("%q is not a number of seconds", b)
		}
	}
	if dots > 1 || len(b) == dots {
		return 0, fmt.Errorf("%q is not a number of seconds", b)
	}
	return strconv.ParseFloat(string(b), 64)
}

// SampleIndex returns the index into Samples[sig] of the sample at t
// seconds from Header.Start, rounded to the nearest sample: for continuous
// files (t − RecordStarts[0])·rate, for EDF+D/BDF+D files relative to the
// start of the last record that starts at or before t. The result may lie
// outside the slice.
func (f *File) SampleIndex(sig int, t float64) int64 {
	rate := f.SampleRateHz(sig)
	if len(f.RecordStarts) == 0 || rate == 0 {
		return 0
	}
	if !f.Discontinuous {
		return int64(math.Round((t - f.RecordStarts[0]) * rate))
	}
	r := 0
	for k, s := range f.RecordStarts {
		if s <= t {
			r = k
		}
	}
	return int64(r*f.Signals[sig].SamplesPerRecord) + int64(math.Round((t-f.RecordStarts[r])*rate))
}

// startTime parses the dd.mm.yy and hh.mm.ss fields; a year in an EDF+
// recording field's "Startdate dd-MMM-yyyy" wins (years after 2084).
func startTime(date, clock []byte, recording string) (time.Time, error) {
	d, err := triple(date)
	if err != nil {
		return time.Time{}, malformed("start date %q is not dd.mm.yy", date)
	}
	c, err := triple(clock)
	if err != nil {
		return time.Time{}, malformed("start time %q is not hh.mm.ss", clock)
	}
	year := 1900 + d[2]
	if d[2] < 85 {
		year = 2000 + d[2]
	}
	if f := strings.Fields(recording); len(f) >= 2 && f[0] == "Startdate" {
		if t, err := parseEDFDate(f[1]); err == nil {
			year = t.Year()
		}
	}
	if d[1] < 1 || d[1] > 12 || d[0] < 1 || d[0] > 31 || c[0] > 23 || c[1] > 59 || c[2] > 60 {
		return time.Time{}, malformed("start date/time %q %q is out of range", date, clock)
	}
	return time.Date(year, time.Month(d[1]), d[0], c[0], c[1], c[2], 0, time.UTC), nil
}

// triple parses "aa.bb.cc" (any non-digit separator, as some writers use ':').
func triple(b []byte) ([3]int, error) {
	var v [3]int
	s := strings.TrimSpace(string(b))
	if len(s) != 8 || s[2] >= '0' && s[2] <= '9' || s[5] >= '0' && s[5] <= '9' {
		return v, fmt.Errorf("bad")
	}
	for k := range 3 {
		n, err := strconv.Atoi(s[3*k : 3*k+2])
		if err != nil || n < 0 {
			return v, fmt.Errorf("bad")
		}
		v[k] = n
	}
	return v, nil
}

// text returns a header text field without trailing spaces (and NULs,
// which some writers use for padding).
func text(b []byte) string { return strings.TrimRight(string(b), " \x00") }

func allSpaces(b []byte) bool {
	for _, c := range b {
		if c != ' ' {
			return false
		}
	}
	return true
}

// headerInt parses an integer header field (surrounding spaces allowed).
func headerInt(b []byte, what string) (int, error) {
	s := strings.Trim(string(b), " \x00")
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, malformed("the %s field %q is not a whole number", what, b)
	}
	return v, nil
}

// headerFloat parses a decimal header field (surrounding spaces allowed).
func headerFloat(b []byte, what string) (float64, error) {
	s := strings.Trim(string(b), " \x00")
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, malformed("the %s field %q is not a number", what, b)
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, malformed("the %s field %q is not a number", what, b)
	}
	return v, nil
}
