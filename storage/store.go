package storage

import (
	"context"
	"errors"
	"time"
)

// Store is MyoRehab's database of patients, sessions, raw recordings and
// annotations. Every method takes a context first and runs in one
// transaction (reads run as one statement). Methods are safe for concurrent
// use. storage/sqlite implements it.
type Store interface {
	// CreatePatient inserts p and fills p.ID and p.CreatedAt. p.Code must be
	// non-empty and unique (ErrInvalid, ErrConflict).
	CreatePatient(ctx context.Context, p *Patient) error
	// UpdatePatient overwrites the patient with ID p.ID (ErrNotFound,
	// ErrConflict when the new code is taken). CreatedAt is not changed.
	UpdatePatient(ctx context.Context, p *Patient) error
	// PatientByID and PatientByCode return one patient or ErrNotFound.
	PatientByID(ctx context.Context, id int64) (*Patient, error)
	PatientByCode(ctx context.Context, code string) (*Patient, error)
	// ListPatients returns the patients whose code or name contains search
	// (case-insensitive for ASCII letters; the empty string matches all),
	// ordered by name then code. search is matched literally: '%' and '_'
	// are not wildcards.
	ListPatients(ctx context.Context, search string) ([]*Patient, error)

	// CreateSession inserts s and fills s.ID. An empty s.Status becomes
	// StatusRecording, an empty s.Type SessionRecording and a zero
	// s.StartedAt the current time. s.Channels and s.RateHz must be
	// positive; Labels and ScaleUV are empty or of length Channels.
	CreateSession(ctx context.Context, s *Session) error
	// FinishSession sets a session's status, end time and counts
	// (ErrNotFound when there is no such session).
	FinishSession(ctx context.Context, id int64, status SessionStatus, endedAt time.Time, c SessionCounts) error
	// Session returns one session (with PatientCode filled) or ErrNotFound.
	Session(ctx context.Context, id int64) (*Session, error)
	// ListSessions returns the sessions matching f, newest first.
	ListSessions(ctx context.Context, f SessionFilter) ([]*Session, error)

	// AppendChunk stores raw counts of samples start … start+n-1 of a
	// session, where raw is planar (channel c is raw[c*n:(c+1)*n]) and
	// n = len(raw)/channels. channels must equal the session's channel
	// count; the span must not overlap a stored chunk (ErrConflict).
	AppendChunk(ctx context.Context, sessionID int64, start uint64, channels int, raw []int32) error
	// ReadSamples calls fn for each stored chunk of a session in order of
	// sample index. chans[c] holds the raw counts of channel c for samples
	// start … start+len(chans[c])-1; the slices are only valid during the
	// call. A gap between two chunks is a run of samples that was never
	// stored (lost or dropped). An error from fn stops the read and is
	// returned.
	ReadSamples(ctx context.Context, sessionID int64, fn func(start uint64, chans [][]int32) error) error

	// AddAnnotation inserts a and fills a.ID and a.CreatedAt.
	AddAnnotation(ctx context.Context, a *Annotation) error
	// ListAnnotations returns a session's annotations ordered by sample.
	ListAnnotations(ctx context.Context, sessionID int64) ([]*Annotation, error)

	// Close releases the database. It is idempotent.
	Close() error
}

// SessionCounts are the sample counters of a session (see Session).
type SessionCounts struct {
	Samples, Lost, Dropped int64
}

// SessionFilter selects sessions for ListSessions. Zero fields do not
// filter; Limit ≤ 0 means no limit.
type SessionFilter struct {
	PatientID   int64
	PatientCode string
	Status      SessionStatus
	Limit       int
}

// Annotation marks an event in a session at a sample index: a cue shown to
// the patient, a label for training ("fist", "rest"), a note by the
// therapist, a device fault.
type Annotation struct {
	ID        int64
	SessionID int64
	// Sample is the index of the first sample the annotation refers to;
	// Duration its length in samples (0 for an instant).
	Sample, Duration int64
	// Kind is a short machine-readable category ("label", "cue", "note",
	// "fault"); Text the free text (for "label", the class name).
	Kind, Text string
	CreatedAt  time.Time
}

// Errors returned by Store implementations, wrapped with context; check
// them with errors.Is.
var (
	ErrNotFound = errors.New("storage: not found")
	ErrConflict = errors.New("storage: conflict")
	ErrInvalid  = errors.New("storage: invalid")
)
