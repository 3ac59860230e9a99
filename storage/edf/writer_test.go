package edf

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	buf []byte
	pos int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := m.pos + int64(len(p)); end > int64(len(m.buf)) {
		m.buf = append(m.buf, make([]byte, end-int64(len(m.buf)))...)
	}
	copy(m.buf[m.pos:], p)
	m.pos += int64(len(p))
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		m.pos = off
	case io.SeekCurrent:
		m.pos += off
	case io.SeekEnd:
		m.pos = int64(len(m.buf)) + off
	}
	return m.pos, nil
}

func (m *memFile) read(t testing.TB) *File {
	t.Helper()
	f, err := Read(bytes.NewReader(m.buf), int64(len(m.buf)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// synth returns n samples of ch channels uniformly spread over [lo, hi],
// with the extremes at the start.
func synth(ch, n int, lo, hi int32) [][]int32 {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([][]int32, ch)
	for c := range x {
		x[c] = make([]int32, n)
		for i := range x[c] {
			x[c][i] = lo + int32(rng.Int64N(int64(hi)-int64(lo)+1))
		}
		x[c][0], x[c][1] = lo, hi
	}
	return x
}

func emgSignals(n int, f Format, scale float64) []Signal {
	lo, hi := f.DigitalRange()
	s := make([]Signal, n)
	for i := range s {
		s[i] = Signal{Label: "EMG ch" + string(rune('1'+i)), Transducer: "AgAgCl electrode", PhysicalDim: "uV",
			PhysicalMin: float64(lo) * scale, PhysicalMax: float64(hi) * scale, DigitalMin: lo, DigitalMax: hi,
			Prefiltering: "HP:20Hz LP:450Hz"}
	}
	return s
}

// TestWriteBDF writes synthetic 24-bit data (full range, partial last
// record, annotations before, inside and after the data) as BDF+ and reads
// it back exactly.
func TestWriteBDF(t *testing.T) {
	t.Parallel()
	const rate, n, ch = 250, 2*250 + 37, 8
	x := synth(ch, n, -1<<23, 1<<23-1)
	const scale = 0.02235174445530706 // Cyton µV per count at gain 24
	start := time.Date(2026, 3, 2, 14, 5, 9, 500e6, time.Local)
	m := &memFile{}
	w, err := NewWriter(m, WriterConfig{
		Format: BDF, Patient: PatientID{Code: "P-7", Sex: "F", Name: "Ann Smith"},
		Recording: RecordingID{Equipment: "OpenBCI Cyton"}, Start: start,
		RateHz: rate, Signals: emgSignals(ch, BDF, scale),
	})
	if err != nil {
		t.Fatal(err)
	}
	anns := []Annotation{
		{Onset: 0.5, Duration: 1.25, Text: "grip"},
		{Onset: -0.25, Text: "cue: get ready"},
		{Onset: 1.996, Duration: 0.004, Text: "glove:flex index 60%"},
		{Onset: 2.2, Text: "µ-text ünïcode"},
		{Onset: 9, Text: "after the data"},
	}
	for _, a := range anns {
		if err := w.Annotate(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(x); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Clipped() != 0 {
		t.Errorf("%d clipped samples, want 0", w.Clipped())
	}
	f := m.read(t)
	if f.Format != BDF || !f.Plus || f.Reserved != "BDF+C" || f.Records != 3 || f.RecordDuration != 1 {
		t.Fatalf("header %v plus %v %q, %d records of %v s; want BDF+C, 3 of 1 s", f.Format, f.Plus, f.Reserved, f.Records, f.RecordDuration)
	}
	if want := "P-7 F X Ann_Smith"; f.Patient != want {
		t.Errorf("patient %q, want %q", f.Patient, want)
	}
	if want := "Startdate 02-MAR-2026 X X OpenBCI_Cyton"; f.Recording != want {
		t.Errorf("recording %q, want %q", f.Recording, want)
	}
	if want := time.Date(2026, 3, 2, 14, 5, 9, 0, time.UTC); !f.Start.Equal(want) {
		t.Errorf("start %v, want %v", f.Start, want)
	}
	if got := f.Signals[ch].Label; got != "BDF Annotations" {
		t.Errorf("annotation label %q", got)
	}
	for c := range ch {
		s := f.Signals[c]
		if s.DigitalMin != -8388608 || s.DigitalMax != 8388607 || s.PhysicalDim != "uV" {
			t.Errorf("signal %d: %+v", c, s)
		}
		if math.Abs(s.Scale()-scale) > 1e-6*scale {
			t.Errorf("signal %d: scale %v, want %v", c, s.Scale(), scale)
		}
		got := f.Samples[c]
		if !slices.Equal(got[:n], x[c]) {
			t.Fatalf("signal %d samples differ", c)
		}
		for i := n; i < len(got); i++ {
			if got[i] != x[c][n-1] {
				t.Fatalf("signal %d padding %d = %d, want %d", c, i, got[i], x[c][n-1])
			}
		}
	}
	want := slices.Clone(anns)
	want[3].Text = "µ-text ünïcode" // UTF-8 passes unchanged
	sortAnns(want)
	got := slices.Clone(f.Annotations)
	sortAnns(got)
	if !slices.Equal(got, want) {
		t.Errorf("annotations\n got %+v\nwant %+v", got, want)
	}
}

func sortAnns(a []Annotation) {
	slices.SortStableFunc(a, func(x, y Annotation) int {
		if c := strings.Compare(x.Text, y.Text); c != 0 {
			return c
		}
		switch {
		case x.Onset < y.Onset:
			return -1
		case x.Onset > y.Onset:
			return 1
		}
		return 0
	})
}

// recordTALs splits the annotation signal of each data record of an EDF+
// file written by Writer into its TALs.
func recordTALs(t *testing.T, m *memFile) [][]string {
	t.Helper()
	f := m.read(t)
	ann := f.Signals[len(f.Signals)-1]
	annBytes := ann.SamplesPerRecord * f.Format.BytesPerSample()
	var out [][]string
	for r := range f.Records {
		end := f.HeaderBytes() + (r+1)*f.RecordBytes()
		area := m.buf[end-annBytes : end]
		var tals []string
		for _, tal := range bytes.Split(bytes.TrimRight(area, "\x00"), []byte{0}) {
			tals = append(tals, string(tal))
		}
		out = append(out, tals)
	}
	return out
}

// TestAnnotationPlacement checks the time-keeping TAL of every record,
// that an annotation lands in the record holding its onset, and that
// overflow goes to later records with the onset kept.
func TestAnnotationPlacement(t *testing.T) {
	t.Parallel()
	m := &memFile{}
	w, err := NewWriter(m, WriterConfig{RateHz: 100, RecordDuration: 0.5, AnnotationBytes: 60, Signals: emgSignals(1, EDF, 1)})
	if err != nil {
		t.Fatal(err)
	}
	// 60 bytes (30 cells) per record: "+0\x14\x14\x00" (5) + two 19-byte
	// TALs fit, the third overflows.
	for _, a := range []Annotation{
		{Onset: 0.7, Text: "aaaaaaaaaaaaa"}, // 19 bytes each
		{Onset: 0.6, Text: "bbbbbbbbbbbbb"},
		{Onset: 0.8, Text: "ccccccccccccc"},
		{Onset: 1.5, Text: "d"},
	} {
		if err := w.Annotate(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(synth(1, 200, -100, 100)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := recordTALs(t, m)
	want := [][]string{
		{"+0\x14\x14"},
		{"+0.5\x14\x14", "+0.6\x14bbbbbbbbbbbbb\x14", "+0.7\x14aaaaaaaaaaaaa\x14"},
		{"+1\x14\x14", "+0.8\x14ccccccccccccc\x14"},
		{"+1.5\x14\x14", "+1.5\x14d\x14"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for r := range want {
		if !slices.Equal(got[r], want[r]) {
			t.Errorf("record %d TALs %q, want %q", r, got[r], want[r])
		}
	}
}

// TestAnnotationSpace checks that annotations after the data go into free
// space, and that Close reports those that fit nowhere.
func TestAnnotationSpace(t *testing.T) {
	t.Parallel()
	m := &memFile{}
	w, err := NewWriter(m, WriterConfig{RateHz: 10, AnnotationBytes: 48, Signals: emgSignals(2, EDF, 1)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if err := w.Annotate(Annotation{Onset: 100 + float64(i), Text: "late event"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(synth(2, 25, -5, 5)); err != nil {
		t.Fatal(err)
	}
	err = w.Close()
	if !errors.Is(err, ErrAnnotationSpace) {
		t.Fatalf("Close: %v, want ErrAnnotationSpace", err)
	}
	f := m.read(t)
	// 3 records × 48 bytes − 5 for the time-keeping TAL: 2 TALs of 17 bytes each.
	if f.Records != 3 || len(f.Annotations) != 6 {
		t.Errorf("%d records, %d annotations; want 3, 6", f.Records, len(f.Annotations))
	}
	if !strings.Contains(err.Error(), "2 left out") {
		t.Errorf("error %q does not say 2 left out", err)
	}
}

// TestWriterClip checks clamping to the digital range, with a count.
func TestWriterClip(t *testing.T) {
	t.Parallel()
	m := &memFile{}
	s := emgSignals(1, EDF, 0.5)
	s[0].DigitalMin, s[0].DigitalMax = -1000, 1000
	w, err := NewWriter(m, WriterConfig{RateHz: 4, Signals: s})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([][]int32{{-5000, -1000, 0, 1000, 1001, 70000}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Clipped() != 3 {
		t.Errorf("%d clipped, want 3", w.Clipped())
	}
	got := m.read(t).Samples[0]
	if want := []int32{-1000, -1000, 0, 1000, 1000, 1000, 1000, 1000}; !slices.Equal(got, want) {
		t.Errorf("samples %v, want %v", got, want)
	}
}

func TestRequantize(t *testing.T) {
	// 24-bit counts of 0.0223517 µV narrowed to 16 bits over ±10 mV.
	s := Signal{PhysicalMin: -10000, PhysicalMax: 10000, DigitalMin: -32768, DigitalMax: 32767}
	const src = 0.02235174445530706
	// 447000 counts = 9991 µV (inside), −448000 = −10014 µV (outside).
	in := []int32{0, 1 << 18, -1 << 18, 8388607, -8388608, 447000, -448000, 1, -1}
	got, clipped := s.Requantize(nil, in, src)
	if clipped != 3 {
		t.Errorf("clipped %d, want 3", clipped)
	}
	for i, v := range in {
		phys := float64(v) * src
		back := float64(got[i])*s.Scale() + s.Offset()
		if math.Abs(phys) <= 10000 && math.Abs(back-phys) > s.Scale()/2+1e-9 {
			t.Errorf("%d counts = %v µV → %d = %v µV, more than half a step off", v, phys, got[i], back)
		}
	}
	if got[3] != 32767 || got[4] != -32768 {
		t.Errorf("rails %d %d, want clamped to 32767 -32768", got[3], got[4])
	}
}

func TestRequantizeNoAllocs(t *testing.T) {
	s := Signal{PhysicalMin: -10000, PhysicalMax: 10000, DigitalMin: -32768, DigitalMax: 32767}
	const src = 0.02235174445530706
	in := []int32{0, 1 << 18, -1 << 18, 8388607, -8388608, 447000, -448000, 1, -1}
	dst := make([]int32, len(in))
	if n := testing.AllocsPerRun(100, func() { s.Requantize(dst, in, src) }); n != 0 {
		t.Errorf("Requantize allocates %v times", n)
	}
}

func TestWriteAllocs(t *testing.T) {
	w, err := NewWriter(&memFile{}, WriterConfig{RateHz: 1000, Signals: emgSignals(4, EDF, 1)})
	if err != nil {
		t.Fatal(err)
	}
	x := synth(4, 100, -100, 100)
	w.Write(x) // grow the in-memory file and the used list once
	if n := testing.AllocsPerRun(5, func() { w.Write(x) }); n > 0.5 {
		t.Errorf("Write allocates %v times per call", n)
	}
}

func TestRecordDuration(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name   string
		format Format
		rate   float64
		ns     int
		want   float64
	}{
		{"Cyton 8ch 250 Hz BDF", BDF, 250, 8, 1},
		{"3DC 10ch 1 kHz EDF", EDF, 1000, 10, 1},
		{"16ch 2 kHz BDF (96 kB/s)", BDF, 2000, 16, 0.5},
		{"44.1 kHz EDF", EDF, 44100, 1, 0.5},
		{"32ch 10 kHz BDF", BDF, 10000, 32, 0.05},
		{"fractional 0.5 Hz", EDF, 0.5, 1, 2},
		{"fractional 250.25 Hz", EDF, 250.25, 1, 4},
	} {
		t.Run(test.name, func(t *testing.T) {
			w, err := NewWriter(&memFile{}, WriterConfig{Format: test.format, RateHz: test.rate, Signals: emgSignals(test.ns, test.format, 1)})
			if err != nil {
				t.Fatal(err)
			}
			h := w.Header()
			if h.RecordDuration != test.want {
				t.Errorf("record duration %v s, want %v", h.RecordDuration, test.want)
			}
			if h.RecordBytes() > MaxRecordBytes {
				t.Errorf("record of %d bytes", h.RecordBytes())
			}
			if got := h.SampleRateHz(0); math.Abs(got-test.rate) > 1e-9 {
				t.Errorf("rate %v, want %v", got, test.rate)
			}
		})
	}
}

func TestNewWriterErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		edit func(c *WriterConfig)
		want string
	}{
		{"no signals", func(c *WriterConfig) { c.Signals = nil }, "no signals"},
		{"zero rate", func(c *WriterConfig) { c.RateHz = 0 }, "not positive"},
		{"digital range beyond EDF", func(c *WriterConfig) { c.Signals[0].DigitalMax = 40000 }, "digital range"},
		{"reversed digital range", func(c *WriterConfig) { c.Signals[0].DigitalMin, c.Signals[0].DigitalMax = 40, 40 }, "digital range"},
		{"physical range collapses in 8 chars", func(c *WriterConfig) {
			c.Signals[0].PhysicalMin, c.Signals[0].PhysicalMax = 1.0000000001, 1.0000000002
		}, "equal"},
		{"physical number too wide", func(c *WriterConfig) { c.Signals[0].PhysicalMax = 1e9 }, "does not fit"},
		{"annotation label", func(c *WriterConfig) { c.Signals[0].Label = "EDF Annotations" }, "reserved"},
		{"rate not whole per record", func(c *WriterConfig) { c.RecordDuration = 0.00015 }, "whole number"},
		{"record too large", func(c *WriterConfig) { c.RecordDuration = 4 }, "more than 61440"},
		{"annotation space too small", func(c *WriterConfig) { c.AnnotationBytes = 10 }, "too small"},
	} {
		t.Run(test.name, func(t *testing.T) {
			cfg := WriterConfig{RateHz: 10000, Signals: emgSignals(1, EDF, 1)}
			test.edit(&cfg)
			_, err := NewWriter(&memFile{}, cfg)
			if err == nil || !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %v, want one containing %q", err, test.want)
			}
		})
	}
}

func TestAnnotateErrors(t *testing.T) {
	t.Parallel()
	w, err := NewWriter(&memFile{}, WriterConfig{RateHz: 100, Signals: emgSignals(1, EDF, 1)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []Annotation{
		{Onset: 1, Text: ""},
		{Onset: math.NaN(), Text: "x"},
		{Onset: 1, Duration: -1, Text: "x"},
		{Onset: 1, Duration: math.Inf(1), Text: "x"},
		{Onset: 1, Text: strings.Repeat("long ", 30)},
	} {
		if err := w.Annotate(a); err == nil {
			t.Errorf("Annotate(%+v) succeeded", a)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		v    float64
		want string
	}{
		{-187500, "-187500"},
		{-187.5, "-187.5"},
		{-187500.0197, "-187500"},
		{187499.9974, "187500"},
		{-3.2768, "-3.2768"},
		{0.0000001, "0"},
		{-0.0000001, "0"},
		{1.23456789, "1.234568"},
		{-1.23456789, "-1.23457"},
		{12345678, "12345678"},
		{-8388608, "-8388608"},
		{99999999.4, "99999999"},
	} {
		got, err := formatNumber(test.v, 8)
		if err != nil || got != test.want {
			t.Errorf("formatNumber(%v) = %q, %v; want %q", test.v, got, err, test.want)
		}
	}
	for _, v := range []float64{123456789, -12345678, math.NaN(), math.Inf(-1)} {
		if s, err := formatNumber(v, 8); err == nil {
			t.Errorf("formatNumber(%v) = %q, want an error", v, s)
		}
	}
}

func TestPatientID(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		p    PatientID
		want string
	}{
		{PatientID{}, "X X X X"},
		{PatientID{Code: "MCH-0234567", Sex: "F", BirthDate: time.Date(1951, 5, 2, 0, 0, 0, 0, time.UTC), Name: "Haagse Harry"},
			"MCH-0234567 F 02-MAY-1951 Haagse_Harry"},
		{PatientID{Code: "P 01", Sex: "other", Name: "Zoë  O'Neil"}, "P_01 X X Zo___O'Neil"},
	} {
		if got := test.p.String(); got != test.want {
			t.Errorf("%+v: %q, want %q", test.p, got, test.want)
		}
		d := test.p.Deidentified()
		if got, want := d.String(), strings.Fields(test.want)[0]+" X X X"; got != want {
			t.Errorf("%+v de-identified: %q, want %q", test.p, got, want)
		}
	}
	p, ok := ParsePatientID("MCH-0234567 F 02-MAY-1951 Haagse_Harry")
	if !ok || p.Code != "MCH-0234567" || p.Sex != "F" || p.Name != "Haagse Harry" || p.BirthDate.Year() != 1951 {
		t.Errorf("ParsePatientID = %+v, %v", p, ok)
	}
	if p, ok := ParsePatientID("Jan Janssen"); ok || p.Code != "Jan" {
		t.Errorf("plain EDF patient field: %+v, %v", p, ok)
	}
}
