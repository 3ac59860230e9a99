package edf

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Format is the sample encoding of a file.
type Format int

// Formats.
const (
	// EDF stores 16-bit little-endian two's-complement samples.
	EDF Format = iota
	// BDF stores 24-bit little-endian two's-complement samples (BioSemi).
	BDF
)

// String returns "EDF" or "BDF".
func (f Format) String() string {
	if f == BDF {
		return "BDF"
	}
	return "EDF"
}

// BytesPerSample returns 2 for EDF and 3 for BDF.
func (f Format) BytesPerSample() int {
	if f == BDF {
		return 3
	}
	return 2
}

// DigitalRange returns the smallest and largest sample value the format can
// store: −32768…32767 for EDF, −8388608…8388607 for BDF.
func (f Format) DigitalRange() (lo, hi int32) {
	if f == BDF {
		return -1 << 23, 1<<23 - 1
	}
	return math.MinInt16, math.MaxInt16
}

// annotationLabel returns the label of the format's annotation signal
// (16 characters, space padded in the file).
func (f Format) annotationLabel() string {
	if f == BDF {
		return "BDF Annotations"
	}
	return "EDF Annotations"
}

// Errors returned by Read, wrapped with details; check them with errors.Is.
var (
	// ErrNotEDF means the file does not start like an EDF or BDF file.
	ErrNotEDF = errors.New("not an EDF/BDF file")
	// ErrMalformed means the file claims to be EDF/BDF but a header field
	// or the data are damaged or violate the standard.
	ErrMalformed = errors.New("damaged or malformed EDF/BDF file")
)

// ChannelName returns the channel's name in signal label label: EDF+
// labels are "<type> <name>" (EDF+ §2.1.3.1, e.g. "EMG FDS"), so a leading
// "EMG " type is dropped ("EMG FDS" → "FDS"), and the label is trimmed. A
// label that is only a type ("EMG"), a type and a number ("EMG 3") or has
// no type ("FDS") is kept as it is.
func ChannelName(label string) string {
	label = strings.TrimSpace(label)
	rest, ok := strings.CutPrefix(label, "EMG ")
	rest = strings.TrimSpace(rest)
	if !ok || rest == "" || strings.Trim(rest, "0123456789") == "" {
		return label // "EMG", or "EMG 3": the number alone would name nothing
	}
	return rest
}

// malformed returns an ErrMalformed error with a formatted explanation.
func malformed(format string, a ...any) error {
	return fmt.Errorf("edf: %w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// Signal describes one signal of a file: an ordinary signal or an
// annotation signal (see IsAnnotation).
type Signal struct {
	// Label names the signal, e.g. "EMG FDS" (16 characters at most).
	Label string
	// Transducer is the sensor, e.g. "AgAgCl electrode" (80 at most).
	Transducer string
	// PhysicalDim is the physical unit, e.g. "uV" (8 at most; blank for an
	// uncalibrated signal).
	PhysicalDim string
	// PhysicalMin and PhysicalMax are the physical values of DigitalMin and
	// DigitalMax, in PhysicalDim. They differ; Max < Min means a negative gain.
	PhysicalMin, PhysicalMax float64
	// DigitalMin < DigitalMax are the extreme sample counts.
	DigitalMin, DigitalMax int32
	// Prefiltering is e.g. "HP:20Hz LP:450Hz N:50Hz" (80 at most).
	Prefiltering string
	// SamplesPerRecord is the number of samples (annotation signals: 2- or
	// 3-byte cells) of this signal in each data record. Writer sets it.
	SamplesPerRecord int
	// Reserved is the signal's reserved field (32 characters, normally blank).
	Reserved string
}

// IsAnnotation reports whether s is an annotation signal ("EDF Annotations"
// or "BDF Annotations").
func (s *Signal) IsAnnotation() bool {
	return s.Label == "EDF Annotations" || s.Label == "BDF Annotations"
}

// Scale returns the physical value of one count, in PhysicalDim:
//
//	Scale = (PhysicalMax − PhysicalMin) / (DigitalMax − DigitalMin)
func (s *Signal) Scale() float64 {
	return (s.PhysicalMax - s.PhysicalMin) / float64(int64(s.DigitalMax)-int64(s.DigitalMin))
}

// Offset returns the physical value of count 0, in PhysicalDim:
//
//	Offset = PhysicalMin − DigitalMin·Scale
func (s *Signal) Offset() float64 {
	return s.PhysicalMin - float64(s.DigitalMin)*s.Scale()
}

// Requantize converts counts of another scale into this signal's digital
// counts: dst[i] = round((src[i]·srcScale − Offset) / Scale), clamped to
// [DigitalMin, DigitalMax]. srcScale is the physical value of one source
// count in PhysicalDim. It returns the number of clamped samples. It panics
// if len(dst) != len(src); a nil dst allocates. It does not allocate
// otherwise.
func (s *Signal) Requantize(dst, src []int32, srcScale float64) (out []int32, clipped int) {
	if dst == nil {
		dst = make([]int32, len(src))
	}
	if len(dst) != len(src) {
		panic("edf: dst length mismatch")
	}
	scale, off := s.Scale(), s.Offset()
	lo, hi := float64(s.DigitalMin), float64(s.DigitalMax)
	for i, v := range src {
		d := math.Round((float64(v)*srcScale - off) / scale)
		switch {
		case d < lo:
			d = lo
			clipped++
		case d > hi:
			d = hi
			clipped++
		}
		dst[i] = int32(d)
	}
	return dst, clipped
}

// Header is the header of an EDF/BDF file.
type Header struct {
	// Format is the sample encoding.
	Format Format
	// Plus is set for EDF+ and BDF+ files (reserved field "EDF+C",
	// "EDF+D", "BDF+C" or "BDF+D"); Discontinuous for the "+D" variants.
	Plus, Discontinuous bool
	// Patient and Recording are the local patient and recording
	// identification fields, trailing spaces removed. For EDF+ see
	// ParsePatientID.
	Patient, Recording string
	// Start is the date and time of the first record (local clock time of
	// the recording, stored with the UTC location and whole seconds).
	// For years after 2084 EDF+ keeps the year in the Recording field,
	// which Read uses when it holds a date.
	Start time.Time
	// Reserved is the header's reserved field, trailing spaces removed.
	Reserved string
	// Records is the number of data records; RecordDuration their
	// duration in seconds (0 only for annotation-only files).
	Records        int
	RecordDuration float64
	// Signals lists every signal, annotation signals included.
	Signals []Signal
}

// HeaderBytes returns the header size: 256·(len(Signals)+1).
func (h *Header) HeaderBytes() int { return 256 * (len(h.Signals) + 1) }

// RecordBytes returns the size of one data record in bytes.
func (h *Header) RecordBytes() int {
	n := 0
	for i := range h.Signals {
		n += h.Signals[i].SamplesPerRecord
	}
	return n * h.Format.BytesPerSample()
}

// SampleRateHz returns signal i's sampling rate, SamplesPerRecord /
// RecordDuration (0 for a zero record duration).
func (h *Header) SampleRateHz(i int) float64 {
	if h.RecordDuration <= 0 {
		return 0
	}
	return float64(h.Signals[i].SamplesPerRecord) / h.RecordDuration
}

// PatientID holds the subfields of the EDF+ patient field
// `code sex dd-MMM-yyyy name`. Empty strings and a zero BirthDate are
// written as X (unknown).
type PatientID struct {
	// Code is the clinic's code of the patient.
	Code string
	// Sex is "F" or "M"; anything else is written as X.
	Sex string
	// BirthDate is the date of birth (only the date is used).
	BirthDate time.Time
	// Name is the patient's name.
	Name string
}

// String returns the EDF+ patient field: the four subfields separated by
// single spaces, spaces inside a subfield replaced by '_', unknown subfields
// as X, e.g. "MCH-0234567 F 02-MAY-1951 Haagse_Harry".
func (p PatientID) String() string {
	sex := "X"
	if p.Sex == "F" || p.Sex == "M" {
		sex = p.Sex
	}
	return subfield(p.Code) + " " + sex + " " + edfDate(p.BirthDate) + " " + subfield(p.Name)
}

// Deidentified returns p with only the code kept: "code X X X".
func (p PatientID) Deidentified() PatientID { return PatientID{Code: p.Code} }

// ParsePatientID parses an EDF+ patient field. It returns ok = false when
// the field does not hold the four EDF+ subfields (plain EDF); the code is
// then the first word. Underscores in the code and name become spaces again;
// X becomes empty; a birth date that does not parse is left zero.
func ParsePatientID(s string) (p PatientID, ok bool) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return p, false
	}
	p.Code = unsubfield(f[0])
	if len(f) < 4 {
		return p, false
	}
	if f[1] == "F" || f[1] == "M" {
		p.Sex = f[1]
	}
	if t, err := parseEDFDate(f[2]); err == nil {
		p.BirthDate = t
	}
	p.Name = unsubfield(strings.Join(f[3:], " "))
	return p, true
}

// RecordingID holds the subfields of the EDF+ recording field
// `Startdate dd-MMM-yyyy admincode technician equipment`; the date comes
// from the writer's start time.
type RecordingID struct {
	AdminCode, Technician, Equipment string
}

// field returns the EDF+ recording field for start date t.
func (r RecordingID) field(t time.Time) string {
	return "Startdate " + edfDate(t) + " " + subfield(r.AdminCode) + " " + subfield(r.Technician) + " " + subfield(r.Equipment)
}

var months = [12]string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

// edfDate formats t as dd-MMM-yyyy with English upper-case months, or X
// for the zero time.
func edfDate(t time.Time) string {
	if t.IsZero() {
		return "X"
	}
	return fmt.Sprintf("%02d-%s-%04d", t.Day(), months[t.Month()-1], t.Year())
}

// parseEDFDate parses dd-MMM-yyyy (month case-insensitive).
func parseEDFDate(s string) (time.Time, error) {
	bad := fmt.Errorf("date %q is not dd-MMM-yyyy", s)
	if len(s) != 11 || s[2] != '-' || s[6] != '-' {
		return time.Time{}, bad
	}
	d, err1 := strconv.Atoi(s[:2])
	y, err2 := strconv.Atoi(s[7:])
	if err1 != nil || err2 != nil {
		return time.Time{}, bad
	}
	for m, name := range months {
		if strings.EqualFold(s[3:6], name) {
			t := time.Date(y, time.Month(m+1), d, 0, 0, 0, 0, time.UTC)
			if t.Day() != d {
				return time.Time{}, bad
			}
			return t, nil
		}
	}
	return time.Time{}, bad
}

// subfield turns s into one EDF+ subfield: header-safe ASCII, spaces as
// '_', X when empty.
func subfield(s string) string {
	s = strings.TrimSpace(ascii(s))
	if s == "" {
		return "X"
	}
	return strings.ReplaceAll(s, " ", "_")
}

// unsubfield undoes subfield: X is empty, '_' is a space.
func unsubfield(s string) string {
	if s == "X" {
		return ""
	}
	return strings.ReplaceAll(s, "_", " ")
}

// ascii maps s to the printable US-ASCII header alphabet: µ/μ become 'u',
// other characters outside 32…126 become '_'.
func ascii(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if s[i] < 32 || s[i] > 126 {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 'µ' || r == 'μ':
			b.WriteByte('u')
		case r < 32 || r > 126:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// formatNumber formats v in at most width characters, with as many
// decimals as fit (rounded), no exponent and no trailing zeros. It fails when
// the integer part alone does not fit or v is not finite.
func formatNumber(v float64, width int) (string, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "", fmt.Errorf("number %v is not finite", v)
	}
	if s := strconv.FormatFloat(v, 'f', -1, 64); len(s) <= width {
		return clean(s), nil
	}
	for prec := width - 2; prec >= 0; prec-- {
		s := strconv.FormatFloat(v, 'f', prec, 64)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		if len(s) <= width {
			return clean(s), nil
		}
	}
	return "", fmt.Errorf("number %v does not fit in %d characters", v, width)
}

// clean turns "-0" into "0".
func clean(s string) string {
	if s == "-0" {
		return "0"
	}
	return s
}
