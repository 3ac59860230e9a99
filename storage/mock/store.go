package mock

import (
	"context"
	"time"

	"myorehab/storage"
)

// Store is a storage.Store whose methods call the function fields of the
// same name (with an Fn suffix). Calling a method whose field is nil
// panics ("mock: Store.X not set"): set only what the test expects.
type Store struct {
	CreatePatientFn      func(ctx context.Context, p *storage.Patient) error
	UpdatePatientFn      func(ctx context.Context, p *storage.Patient) error
	PatientByIDFn        func(ctx context.Context, id int64) (*storage.Patient, error)
	PatientByCodeFn      func(ctx context.Context, code string) (*storage.Patient, error)
	ListPatientsFn       func(ctx context.Context, search string) ([]*storage.Patient, error)
	CreateSessionFn      func(ctx context.Context, s *storage.Session) error
	FinishSessionFn      func(ctx context.Context, id int64, status storage.SessionStatus, endedAt time.Time, c storage.SessionCounts) error
	SessionFn            func(ctx context.Context, id int64) (*storage.Session, error)
	ListSessionsFn       func(ctx context.Context, f storage.SessionFilter) ([]*storage.Session, error)
	AppendChunkFn        func(ctx context.Context, sessionID int64, start uint64, channels int, raw []int32) error
	ReadSamplesFn        func(ctx context.Context, sessionID int64, fn func(start uint64, chans [][]int32) error) error
	AddAnnotationFn      func(ctx context.Context, a *storage.Annotation) error
	ListAnnotationsFn    func(ctx context.Context, sessionID int64) ([]*storage.Annotation, error)
	DeleteSessionFn      func(ctx context.Context, id int64) error
	CreateTherapistFn    func(ctx context.Context, t *storage.Therapist) error
	UpdateTherapistFn    func(ctx context.Context, t *storage.Therapist) error
	TherapistFn          func(ctx context.Context, id int64) (*storage.Therapist, error)
	ListTherapistsFn     func(ctx context.Context, all bool) ([]*storage.Therapist, error)
	SaveChannelSetupFn   func(ctx context.Context, c *storage.ChannelSetup) error
	LatestChannelSetupFn func(ctx context.Context, patientID int64) (*storage.ChannelSetup, error)
	SaveModelFn          func(ctx context.Context, m *storage.Model) error
	ModelFn              func(ctx context.Context, id int64) (*storage.Model, error)
	LatestModelFn        func(ctx context.Context, patientID int64) (*storage.Model, error)
	ListModelsFn         func(ctx context.Context, patientID int64) ([]*storage.Model, error)
	AddMetricsFn         func(ctx context.Context, sessionID int64, m *storage.SecondMetrics) error
	SessionMetricsFn     func(ctx context.Context, sessionID int64) ([]storage.SecondMetrics, error)
	SessionSummariesFn   func(ctx context.Context, f storage.SessionFilter) ([]*storage.SessionSummary, error)
	AuditFn              func(ctx context.Context, e *storage.AuditEntry) error
	ListAuditFn          func(ctx context.Context, f storage.AuditFilter) ([]*storage.AuditEntry, error)
	CloseFn              func() error
}

var _ storage.Store = (*Store)(nil)

// CreatePatient calls CreatePatientFn.
func (mk *Store) CreatePatient(ctx context.Context, p *storage.Patient) error {
	if mk.CreatePatientFn == nil {
		panic("mock: Store.CreatePatient not set")
	}
	return mk.CreatePatientFn(ctx, p)
}

// UpdatePatient calls UpdatePatientFn.
func (mk *Store) UpdatePatient(ctx context.Context, p *storage.Patient) error {
	if mk.UpdatePatientFn == nil {
		panic("mock: Store.UpdatePatient not set")
	}
	return mk.UpdatePatientFn(ctx, p)
}

// PatientByID calls PatientByIDFn.
func (mk *Store) PatientByID(ctx context.Context, id int64) (*storage.Patient, error) {
	if mk.PatientByIDFn == nil {
		panic("mock: Store.PatientByID not set")
	}
	return mk.PatientByIDFn(ctx, id)
}

// PatientByCode calls PatientByCodeFn.
func (mk *Store) PatientByCode(ctx context.Context, code string) (*storage.Patient, error) {
	if mk.PatientByCodeFn == nil {
		panic("mock: Store.PatientByCode not set")
	}
	return mk.PatientByCodeFn(ctx, code)
}

// ListPatients calls ListPatientsFn.
func (mk *Store) ListPatients(ctx context.Context, search string) ([]*storage.Patient, error) {
	if mk.ListPatientsFn == nil {
		panic("mock: Store.ListPatients not set")
	}
	return mk.ListPatientsFn(ctx, search)
}

// CreateSession calls CreateSessionFn.
func (mk *Store) CreateSession(ctx context.Context, s *storage.Session) error {
	if mk.CreateSessionFn == nil {
		panic("mock: Store.CreateSession not set")
	}
	return mk.CreateSessionFn(ctx, s)
}

// FinishSession calls FinishSessionFn.
func (mk *Store) FinishSession(ctx context.Context, id int64, status storage.SessionStatus, endedAt time.Time, c storage.SessionCounts) error {
	if mk.FinishSessionFn == nil {
		panic("mock: Store.FinishSession not set")
	}
	return mk.FinishSessionFn(ctx, id, status, endedAt, c)
}

// Session calls SessionFn.
func (mk *Store) Session(ctx context.Context, id int64) (*storage.Session, error) {
	if mk.SessionFn == nil {
		panic("mock: Store.Session not set")
	}
	return mk.SessionFn(ctx, id)
}

// ListSessions calls ListSessionsFn.
func (mk *Store) ListSessions(ctx context.Context, f storage.SessionFilter) ([]*storage.Session, error) {
	if mk.ListSessionsFn == nil {
		panic("mock: Store.ListSessions not set")
	}
	return mk.ListSessionsFn(ctx, f)
}

// AppendChunk calls AppendChunkFn.
func (mk *Store) AppendChunk(ctx context.Context, sessionID int64, start uint64, channels int, raw []int32) error {
	if mk.AppendChunkFn == nil {
		panic("mock: Store.AppendChunk not set")
	}
	return mk.AppendChunkFn(ctx, sessionID, start, channels, raw)
}

// ReadSamples calls ReadSamplesFn.
func (mk *Store) ReadSamples(ctx context.Context, sessionID int64, fn func(start uint64, chans [][]int32) error) error {
	if mk.ReadSamplesFn == nil {
		panic("mock: Store.ReadSamples not set")
	}
	return mk.ReadSamplesFn(ctx, sessionID, fn)
}

// AddAnnotation calls AddAnnotationFn.
func (mk *Store) AddAnnotation(ctx context.Context, a *storage.Annotation) error {
	if mk.AddAnnotationFn == nil {
		panic("mock: Store.AddAnnotation not set")
	}
	return mk.AddAnnotationFn(ctx, a)
}

// ListAnnotations calls ListAnnotationsFn.
func (mk *Store) ListAnnotations(ctx context.Context, sessionID int64) ([]*storage.Annotation, error) {
	if mk.ListAnnotationsFn == nil {
		panic("mock: Store.ListAnnotations not set")
	}
	return mk.ListAnnotationsFn(ctx, sessionID)
}

// DeleteSession calls DeleteSessionFn.
func (mk *Store) DeleteSession(ctx context.Context, id int64) error {
	if mk.DeleteSessionFn == nil {
		panic("mock: Store.DeleteSession not set")
	}
	return mk.DeleteSessionFn(ctx, id)
}

// CreateTherapist calls CreateTherapistFn.
func (mk *Store) CreateTherapist(ctx context.Context, t *storage.Therapist) error {
	if mk.CreateTherapistFn == nil {
		panic("mock: Store.CreateTherapist not set")
	}
	return mk.CreateTherapistFn(ctx, t)
}

// UpdateTherapist calls UpdateTherapistFn.
func (mk *Store) UpdateTherapist(ctx context.Context, t *storage.Therapist) error {
	if mk.UpdateTherapistFn == nil {
		panic("mock: Store.UpdateTherapist not set")
	}
	return mk.UpdateTherapistFn(ctx, t)
}

// Therapist calls TherapistFn.
func (mk *Store) Therapist(ctx context.Context, id int64) (*storage.Therapist, error) {
	if mk.TherapistFn == nil {
		panic("mock: Store.Therapist not set")
	}
	return mk.TherapistFn(ctx, id)
}

// ListTherapists calls ListTherapistsFn.
func (mk *Store) ListTherapists(ctx context.Context, all bool) ([]*storage.Therapist, error) {
	if mk.ListTherapistsFn == nil {
		panic("mock: Store.ListTherapists not set")
	}
	return mk.ListTherapistsFn(ctx, all)
}

// SaveChannelSetup calls SaveChannelSetupFn.
func (mk *Store) SaveChannelSetup(ctx context.Context, c *storage.ChannelSetup) error {
	if mk.SaveChannelSetupFn == nil {
		panic("mock: Store.SaveChannelSetup not set")
	}
	return mk.SaveChannelSetupFn(ctx, c)
}

// LatestChannelSetup calls LatestChannelSetupFn.
func (mk *Store) LatestChannelSetup(ctx context.Context, patientID int64) (*storage.ChannelSetup, error) {
	if mk.LatestChannelSetupFn == nil {
		panic("mock: Store.LatestChannelSetup not set")
	}
	return mk.LatestChannelSetupFn(ctx, patientID)
}

// SaveModel calls SaveModelFn.
func (mk *Store) SaveModel(ctx context.Context, m *storage.Model) error {
	if mk.SaveModelFn == nil {
		panic("mock: Store.SaveModel not set")
	}
	return mk.SaveModelFn(ctx, m)
}

// Model calls ModelFn.
func (mk *Store) Model(ctx context.Context, id int64) (*storage.Model, error) {
	if mk.ModelFn == nil {
		panic("mock: Store.Model not set")
	}
	return mk.ModelFn(ctx, id)
}

// LatestModel calls LatestModelFn.
func (mk *Store) LatestModel(ctx context.Context, patientID int64) (*storage.Model, error) {
	if mk.LatestModelFn == nil {
		panic("mock: Store.LatestModel not set")
	}
	return mk.LatestModelFn(ctx, patientID)
}

// ListModels calls ListModelsFn.
func (mk *Store) ListModels(ctx context.Context, patientID int64) ([]*storage.Model, error) {
	if mk.ListModelsFn == nil {
		panic("mock: Store.ListModels not set")
	}
	return mk.ListModelsFn(ctx, patientID)
}

// AddMetrics calls AddMetricsFn.
func (mk *Store) AddMetrics(ctx context.Context, sessionID int64, m *storage.SecondMetrics) error {
	if mk.AddMetricsFn == nil {
		panic("mock: Store.AddMetrics not set")
	}
	return mk.AddMetricsFn(ctx, sessionID, m)
}

// SessionMetrics calls SessionMetricsFn.
func (mk *Store) SessionMetrics(ctx context.Context, sessionID int64) ([]storage.SecondMetrics, error) {
	if mk.SessionMetricsFn == nil {
		panic("mock: Store.SessionMetrics not set")
	}
	return mk.SessionMetricsFn(ctx, sessionID)
}

// SessionSummaries calls SessionSummariesFn.
func (mk *Store) SessionSummaries(ctx context.Context, f storage.SessionFilter) ([]*storage.SessionSummary, error) {
	if mk.SessionSummariesFn == nil {
		panic("mock: Store.SessionSummaries not set")
	}
	return mk.SessionSummariesFn(ctx, f)
}

// Audit calls AuditFn.
func (mk *Store) Audit(ctx context.Context, e *storage.AuditEntry) error {
	if mk.AuditFn == nil {
		panic("mock: Store.Audit not set")
	}
	return mk.AuditFn(ctx, e)
}

// ListAudit calls ListAuditFn.
func (mk *Store) ListAudit(ctx context.Context, f storage.AuditFilter) ([]*storage.AuditEntry, error) {
	if mk.ListAuditFn == nil {
		panic("mock: Store.ListAudit not set")
	}
	return mk.ListAuditFn(ctx, f)
}

// Close calls CloseFn.
func (mk *Store) Close() error {
	if mk.CloseFn == nil {
		panic("mock: Store.Close not set")
	}
	return mk.CloseFn()
}
