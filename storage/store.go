package storage

import (
	"context"
	"errors"
	"time"
)

// Store is MyoRehab's database of patients, therapists, sessions, raw
// recordings, annotations, per-second metrics, models and the audit log. Every method takes a context first and runs in one
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

	// DeleteSession deletes a session with its recording, annotations and
	// metrics (ErrNotFound; ErrConflict while it is recording).
	DeleteSession(ctx context.Context, id int64) error

	// CreateTherapist inserts t and fills t.ID and t.CreatedAt; t.Name must
	// not be blank (ErrInvalid), a non-empty t.Login must be unique
	// (ErrConflict).
	CreateTherapist(ctx context.Context, t *Therapist) error
	// UpdateTherapist overwrites therapist t.ID except CreatedAt.
	UpdateTherapist(ctx context.Context, t *Therapist) error
	// Therapist returns one therapist or ErrNotFound.
	Therapist(ctx context.Context, id int64) (*Therapist, error)
	// ListTherapists returns the therapists ordered by name, only the
	// active ones unless all is set.
	ListTherapists(ctx context.Context, all bool) ([]*Therapist, error)

	// SaveChannelSetup stores c as the patient's next set-up version and
	// fills c.ID, c.Version and c.CreatedAt.
	SaveChannelSetup(ctx context.Context, c *ChannelSetup) error
	// LatestChannelSetup returns the patient's newest set-up or ErrNotFound.
	LatestChannelSetup(ctx context.Context, patientID int64) (*ChannelSetup, error)
	// SaveGloveLimits stores g as the patient's next glove-limits version
	// and fills g.ID, g.Version and g.CreatedAt.
	SaveGloveLimits(ctx context.Context, g *GloveLimits) error
	// LatestGloveLimits returns the patient's newest glove limits or
	// ErrNotFound.
	LatestGloveLimits(ctx context.Context, patientID int64) (*GloveLimits, error)

	// SaveModel stores m as the patient's next model version and fills
	// m.ID, m.Version and m.CreatedAt.
	SaveModel(ctx context.Context, m *Model) error
	// Model returns one model with its data, or ErrNotFound.
	Model(ctx context.Context, id int64) (*Model, error)
	// LatestModel returns the patient's newest model with its data, or
	// ErrNotFound.
	LatestModel(ctx context.Context, patientID int64) (*Model, error)
	// ListModels returns the patient's models, newest first, without data.
	ListModels(ctx context.Context, patientID int64) ([]*Model, error)

	// AddMetrics stores one second of per-channel metrics of a session
	// (len(m.RMS) = len(m.MDF) = the session's channels; ErrConflict when
	// that second is stored already).
	AddMetrics(ctx context.Context, sessionID int64, m *SecondMetrics) error
	// SessionMetrics returns a session's per-second metrics in order.
	SessionMetrics(ctx context.Context, sessionID int64) ([]SecondMetrics, error)
	// SessionSummaries is ListSessions with the mean metrics of each
	// session, for history lists and trend charts.
	SessionSummaries(ctx context.Context, f SessionFilter) ([]*SessionSummary, error)

	// Audit appends e to the audit log and fills e.ID and e.At. An empty
	// e.Actor is taken from ctx (see WithActor).
	Audit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns the audit entries matching f, newest first.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)

	// Close releases the database. It is idempotent.
	Close() error
}

// SessionCounts are the sample counters of a session (see Session).
type SessionCounts struct {
	Samples, Lost, Dropped int64
}

// SessionFilter selects sessions for ListSessions and SessionSummaries. Zero fields do not
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
	// ErrReadOnly means the database cannot be written (read-only file,
	// medium or open mode); ErrFull that the disk or file is full. Writes
	// fail with them at once; nothing was stored.
	ErrReadOnly = errors.New("storage: database is read-only")
	ErrFull     = errors.New("storage: disk full")
	// ErrDamaged means the database file is corrupt or not a database;
	// restore a backup.
	ErrDamaged = errors.New("storage: database is damaged")
)
