package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Therapist is a user of MyoRehab who runs sessions. Login is the user name
// the therapist signs in with (or the OS user name); it is unique when not
// empty.
type Therapist struct {
	ID    int64
	Name  string
	Login string
	// Active is false for a disabled account (it cannot log in).
	Active bool
	// Role is RoleAdmin or RoleTherapist ("" is stored as RoleTherapist).
	Role      string
	CreatedAt time.Time
}

// Account roles: administrators manage accounts, purge patients and read
// the audit log; therapists work with patients.
const (
	RoleAdmin     = "admin"
	RoleTherapist = "therapist"
)

// ChannelConfig is the set-up of one amplifier channel.
type ChannelConfig struct {
	// Label names the electrode site, usually the muscle ("FDS", "EDC").
	Label string `json:"label"`
	// Enabled is false for a channel that is connected but not used.
	Enabled bool `json:"enabled"`
	// Gain is the amplifier's programmable gain (e.g. 24 on an ADS1299);
	// 0 means the device default.
	Gain float64 `json:"gain"`
}

// ChannelSetup is a version of a patient's electrode and amplifier set-up.
// Saving a set-up stores a new version; the latest one is in use.
type ChannelSetup struct {
	ID        int64
	PatientID int64
	Version   int // 1, 2, … per patient
	Device    string
	Channels  []ChannelConfig
	CreatedAt time.Time
}

// GloveFingerLimit is one finger's limits for a patient, in the glove
// link's units.
type GloveFingerLimit struct {
	// MinPosition and MaxPosition bound the range of motion, in per mille
	// of the glove's range (0 extended, 1000 flexed).
	MinPosition float64 `json:"min_position"`
	MaxPosition float64 `json:"max_position"`
	// MaxForce is the force limit in centinewtons; MaxSpeed the speed
	// limit in per mille per second.
	MaxForce float64 `json:"max_force"`
	MaxSpeed float64 `json:"max_speed"`
}

// Validate reports whether l is usable: 0 ≤ min < max ≤ 1000 ‰, force and
// speed positive and finite (ErrInvalid).
func (l GloveFingerLimit) Validate() error {
	ok := func(v float64) bool { return v == v && v < 1e9 }
	switch {
	case !ok(l.MinPosition) || !ok(l.MaxPosition) || l.MinPosition < 0 || l.MaxPosition > 1000 || l.MinPosition >= l.MaxPosition:
		return fmt.Errorf("%w: range of motion %g–%g ‰ (need 0 ≤ min < max ≤ 1000)", ErrInvalid, l.MinPosition, l.MaxPosition)
	case !ok(l.MaxForce) || l.MaxForce <= 0:
		return fmt.Errorf("%w: force limit %g cN", ErrInvalid, l.MaxForce)
	case !ok(l.MaxSpeed) || l.MaxSpeed <= 0:
		return fmt.Errorf("%w: speed limit %g ‰/s", ErrInvalid, l.MaxSpeed)
	}
	return nil
}

// GloveLimits is a version of a patient's glove limits; the latest is in
// use.
type GloveLimits struct {
	ID        int64
	PatientID int64
	Version   int // 1, 2, … per patient
	Fingers   []GloveFingerLimit
	CreatedAt time.Time
}

// GloveFrame is one command the app sent to the glove during a recorded
// session (not heartbeats).
type GloveFrame struct {
	ID        int64
	SessionID int64
	// Sample is the session's sample index the command answers: the
	// window end of the decision whose targets it carries (for commands
	// without targets, the newest decision's when they left).
	Sample int64
	// SentAt is when the frame left the host.
	SentAt time.Time
	// Seq is the frame's sequence number, Type its name on the wire
	// ("SET_TARGETS", "ARM", "ESTOP", …).
	Seq  uint8
	Type string
	// Targets are SET_TARGETS's targets, thumb first; nil otherwise.
	Targets []GloveTarget
}

// GloveTarget is one finger's target as sent: position in per mille,
// force limit in centinewtons, maximum speed in per mille per second.
type GloveTarget struct {
	Position   int `json:"position"`
	ForceLimit int `json:"force_limit"`
	MaxSpeed   int `json:"max_speed"`
}

// ModelMeta is what a stored classifier needs from the front end, so that a
// model never runs with the wrong features, window or class list. It is
// stored as JSON; Extra carries classifier-specific settings.
type ModelMeta struct {
	// Kind names the classifier ("lda", "svm", "int8-mlp").
	Kind string `json:"kind"`
	// Features are the feature names in the order of the feature vector,
	// per channel ("MAV", "WL", "ZC", "SSC").
	Features []string `json:"features"`
	// Channels are the labels of the channels used, in order.
	Channels []string `json:"channels"`
	// RateHz is the sample rate the model was trained at (Hz).
	RateHz float64 `json:"rate_hz"`
	// WindowSamples and StepSamples are the analysis window length and
	// hop, in samples.
	WindowSamples int `json:"window_samples"`
	StepSamples   int `json:"step_samples"`
	// Filter describes the front-end filter, as Session.Filter.
	Filter string `json:"filter,omitempty"`
	// Mean and Scale normalise each feature: x' = (x - Mean[i]) / Scale[i].
	// Empty when the model takes raw features.
	Mean  []float64 `json:"mean,omitempty"`
	Scale []float64 `json:"scale,omitempty"`
	// Classes are the class names in the order of the model's outputs.
	Classes []string        `json:"classes"`
	Extra   json.RawMessage `json:"extra,omitempty"`
}

// Model is a version of a patient's trained classifier (a calibration).
type Model struct {
	ID        int64
	PatientID int64
	Version   int // 1, 2, … per patient, set by SaveModel
	// SessionID is the calibration session the model was trained on
	// (0: none).
	SessionID int64
	Name      string
	// Accuracy is the cross-validated accuracy in [0, 1], NaN when unknown.
	Accuracy float64
	Meta     ModelMeta
	// Data is the serialised classifier. ListModels leaves it nil.
	Data      []byte
	CreatedAt time.Time
}

// SecondMetrics are the signal metrics of one second of a session, per
// channel: RMS amplitude in µV and median frequency (MDF) in Hz. NaN means
// no value (channel off, too little signal).
type SecondMetrics struct {
	// Second is the index of the second from the session start (sample
	// index / rate, rounded down).
	Second   int64
	RMS, MDF []float64
}

// SessionSummary is a session with the mean of its per-second metrics, for
// history lists and trend charts.
type SessionSummary struct {
	Session *Session
	// Seconds is the number of seconds with metrics.
	Seconds int64
	// MeanRMS (µV) and MeanMDF (Hz) are per channel, over the seconds with
	// a value; NaN when there is none. Both are nil when Seconds is 0.
	MeanRMS, MeanMDF []float64
}

// AuditAction is what was done to a record.
type AuditAction string

// Audit actions.
const (
	AuditViewed   AuditAction = "viewed"
	AuditCreated  AuditAction = "created"
	AuditChanged  AuditAction = "changed"
	AuditDeleted  AuditAction = "deleted"
	AuditExported AuditAction = "exported"
	AuditImported AuditAction = "imported"
	AuditBackup   AuditAction = "backed-up"
	AuditRestored AuditAction = "restored"
	// AuditPurged: a patient removed for good with every recording.
	AuditPurged AuditAction = "purged"
	// Accounts: log-in (Detail says "screen unlocked" for an unlock),
	// log-out, refused log-in (Detail says why for the administrator;
	// the log-in screen does not).
	AuditLogin       AuditAction = "logged-in"
	AuditLogout      AuditAction = "logged-out"
	AuditLoginFailed AuditAction = "log-in-refused"
	// Glove: armed for a patient, emergency stop.
	AuditArmed AuditAction = "armed"
	AuditEStop AuditAction = "e-stop"
)

// Valid reports whether a is one of the audit actions above.
func (a AuditAction) Valid() bool {
	switch a {
	case AuditViewed, AuditCreated, AuditChanged, AuditDeleted, AuditExported, AuditImported, AuditBackup, AuditRestored,
		AuditPurged, AuditLogin, AuditLogout, AuditLoginFailed, AuditArmed, AuditEStop:
		return true
	}
	return false
}

// Object types named in the audit log.
const (
	ObjectPatient      = "patient"
	ObjectSession      = "session"
	ObjectTherapist    = "therapist"
	ObjectModel        = "model"
	ObjectChannelSetup = "channel_setup"
	ObjectGloveLimits  = "glove_limits"
	ObjectOutcome      = "outcome"
	ObjectDatabase     = "database"
	ObjectGlove        = "glove"
)

// AuditActions lists every audit action, for filters.
func AuditActions() []AuditAction {
	return []AuditAction{AuditViewed, AuditCreated, AuditChanged, AuditDeleted, AuditExported, AuditImported,
		AuditBackup, AuditRestored, AuditPurged, AuditLogin, AuditLogout, AuditLoginFailed, AuditArmed, AuditEStop}
}

// AuditCheck is the result of walking the audit log's hash chain.
type AuditCheck struct {
	// Rows is the number of rows in the log; OK is set when every row is
	// as written, in order, none missing.
	Rows int64 `json:"rows"`
	OK   bool  `json:"ok"`
	// FirstBadRow is the id of the first row changed, removed or moved
	// (0 when OK).
	FirstBadRow int64 `json:"first_bad_row"`
}

// AuditEntry is one line of the audit log: who did what to which record.
type AuditEntry struct {
	ID int64
	At time.Time
	// TherapistID and Actor say who: a therapist, or the system or an OS
	// user (TherapistID 0).
	TherapistID int64
	Actor       string
	Action      AuditAction
	// ObjectType (see the Object constants) and ObjectID name the record.
	ObjectType string
	ObjectID   int64
	Detail     string
}

// AuditFilter selects audit entries for ListAudit. Zero fields do not
// filter; Limit ≤ 0 means no limit. Since and Until bound At (inclusive,
// exclusive).
type AuditFilter struct {
	ObjectType   string
	ObjectID     int64
	Actor        string
	Action       AuditAction
	Since, Until time.Time
	Limit        int
}

// Actor is who is acting, carried in a context (WithActor) so that Store
// methods that change records can write the audit log in the same
// transaction.
type Actor struct {
	TherapistID int64
	Name        string
}

// SystemActor is the actor of changes made without a signed-in therapist.
const SystemActor = "system"

type actorKey struct{}

// WithActor returns a context that carries a as the acting user.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorIn returns the actor carried by ctx and whether there is one.
func ActorIn(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok && a.Name != ""
}

// ActorFrom returns the actor carried by ctx, or Actor{Name: SystemActor}.
// An actor with an empty name is named SystemActor.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	if a.Name == "" {
		a.Name = SystemActor
	}
	return a
}
