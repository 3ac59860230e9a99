package storage

import (
	"fmt"
	"strings"
	"time"
)

// Patient is a person under therapy. Code is the clinic's identifier (unique,
// printed on exports instead of the name when de-identifying).
type Patient struct {
	ID           int64
	Code         string
	Name         string
	BirthDate    string // ISO 8601 date (YYYY-MM-DD), empty when unknown
	Sex          string // "F", "M", "X" or empty
	AffectedSide string // "left", "right", "both" or empty
	Diagnosis    string
	Notes        string
	CreatedAt    time.Time
	// DeletedAt is when the patient was deleted (hidden until an
	// administrator purges the file); zero while active.
	DeletedAt time.Time
}

// SessionType says why a session was recorded.
type SessionType string

// Session types.
const (
	SessionCalibration SessionType = "calibration"
	SessionTherapy     SessionType = "therapy"
	SessionAssessment  SessionType = "assessment"
	SessionImport      SessionType = "import"
	SessionRecording   SessionType = "recording" // a plain recording (headless or from the live view)
)

// SessionStatus is the life-cycle state of a session.
type SessionStatus string

// Session statuses: a session is "recording" while samples are written,
// "completed" when closed normally, "interrupted" when the app stopped
// without closing it (crash, power loss).
const (
	StatusRecording   SessionStatus = "recording"
	StatusCompleted   SessionStatus = "completed"
	StatusInterrupted SessionStatus = "interrupted"
)

// Session is one recording of one patient with one device.
type Session struct {
	ID        int64
	PatientID int64 // 0 when the session belongs to no patient
	// PatientCode is the patient's code, filled by reads (not stored).
	PatientCode string
	Type        SessionType
	Status      SessionStatus
	StartedAt   time.Time
	EndedAt     time.Time // zero while recording
	// Device and Protocol name the source (see acquisition.StreamInfo).
	Device, Protocol, Port string
	RateHz                 float64
	Channels               int
	Labels                 []string
	ScaleUV                []float64 // µV per raw count, per channel (Units per count for a channel with a unit)
	// Units is the unit of each channel's physical values (count ×
	// ScaleUV): "" (or no entry) means µV. An imported signal whose
	// physical dimension is not a voltage ("adu") keeps it here.
	Units          []string
	ResolutionBits int
	Filter         string // filter settings in use, e.g. "bp 20-450 Hz order 4; notch 50 Hz Q30"
	// Samples is the number of samples per channel stored so far; Lost and
	// Dropped count samples missing from the recording (see acquisition.Stats
	// and the writer).
	Samples, Lost, Dropped int64
	// TherapistID is the therapist who ran the session (0: none recorded).
	TherapistID int64
	// Notes is the therapist's free text about the session.
	Notes string
}

// Unit returns the unit of channel c's physical values: "uV" unless
// Units names another.
func (s *Session) Unit(c int) string {
	if c < len(s.Units) && s.Units[c] != "" {
		return s.Units[c]
	}
	return "uV"
}

// Duration returns the recorded duration from the sample count and rate.
func (s *Session) Duration() time.Duration {
	if s.RateHz <= 0 {
		return 0
	}
	return time.Duration(float64(s.Samples) / s.RateHz * float64(time.Second))
}

// ExportFileName proposes a file name for an export of session s with
// extension ext: patient code (or "session"), start date and time (local),
// session ID, e.g. "P-017_2026-05-04_0930_s12.bdf". Characters that are
// unsafe in file names become '_'.
func ExportFileName(s *Session, ext string) string {
	code := s.PatientCode
	if code == "" {
		code = "session"
	}
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, code)
	return fmt.Sprintf("%s_%s_s%d.%s", safe, s.StartedAt.In(time.Local).Format("2006-01-02_1504"), s.ID, ext)
}
