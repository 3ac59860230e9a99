// Package records serves the screens' view of the patient records over the
// database: patients, channel set-ups, sessions and their history, review
// of a stored session, export and import, backups (the service interfaces
// of app/service). Every view of, export from and import into a patient's
// file is written to the audit log.
package records

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"

	"myorehab/app/record"
	"myorehab/app/service"
	"myorehab/storage"
	"myorehab/storage/sqlite"
	xfer "myorehab/storage/transfer"
)

// ChannelSetups implements service.ChannelSetupService on the database (each
// save is a new version; the latest is loaded).
type ChannelSetups struct{ DB *sqlite.DB }

func (c ChannelSetups) LoadSetup(ctx context.Context, patientID int64) (service.ChannelSetup, error) {
	s, err := c.DB.LatestChannelSetup(ctx, patientID)
	if errors.Is(err, storage.ErrNotFound) {
		return service.ChannelSetup{}, nil
	}
	if err != nil {
		return service.ChannelSetup{}, err
	}
	out := service.ChannelSetup{Channels: make([]service.ChannelConfig, len(s.Channels))}
	for i, ch := range s.Channels {
		out.Channels[i] = service.ChannelConfig{Label: ch.Label, Enabled: ch.Enabled, Gain: int(math.Round(ch.Gain))}
	}
	return out, nil
}

func (c ChannelSetups) SaveSetup(ctx context.Context, patientID int64, s service.ChannelSetup) error {
	rec := &storage.ChannelSetup{PatientID: patientID, Channels: make([]storage.ChannelConfig, len(s.Channels))}
	for i, ch := range s.Channels {
		rec.Channels[i] = storage.ChannelConfig{Label: ch.Label, Enabled: ch.Enabled, Gain: float64(ch.Gain)}
	}
	return c.DB.SaveChannelSetup(ctx, rec)
}

// History implements service.HistoryService from the per-second metrics.
type History struct{ DB *sqlite.DB }

func (h History) SessionSummaries(ctx context.Context, patientID int64) ([]service.SessionSummary, error) {
	sums, err := h.DB.SessionSummaries(ctx, storage.SessionFilter{PatientID: patientID})
	if err != nil {
		return nil, err
	}
	out := make([]service.SessionSummary, len(sums))
	for i, s := range sums {
		out[i] = service.SessionSummary{Session: *s.Session, MeanRMSUV: meanFinite(s.MeanRMS), MeanMDFHz: meanFinite(s.MeanMDF)}
	}
	return out, nil
}

// meanFinite averages the finite values of v; NaN when there is none.
func meanFinite(v []float64) float64 {
	var sum float64
	n := 0
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			sum += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// Review implements service.ReviewService: a stored session in µV with its
// annotations. Gaps (lost samples) are kept in the time axis as NaN.
type Review struct{ DB *sqlite.DB }

// maxReviewSamples bounds what the review screen loads (about 1 h at 1 kHz
// for 8 channels in float32: 115 MB).
const maxReviewSamples = 3_600_000

func (r Review) LoadSession(ctx context.Context, id int64) (*service.Recording, error) {
	s, err := r.DB.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	n := s.Samples + s.Lost
	if n > maxReviewSamples {
		return nil, fmt.Errorf("session %d is too long to review here (%d samples); export it as EDF+ and open it in EDFbrowser", id, n)
	}
	rec := &service.Recording{RateHz: s.RateHz, Labels: s.Labels, Channels: make([][]float32, s.Channels)}
	for c := range rec.Channels {
		rec.Channels[c] = make([]float32, 0, n)
	}
	err = r.DB.ReadSamples(ctx, id, func(start uint64, chans [][]int32) error {
		for c, ch := range chans {
			for uint64(len(rec.Channels[c])) < start { // a gap: lost samples
				rec.Channels[c] = append(rec.Channels[c], float32(math.NaN()))
			}
			scale := 1.0
			if c < len(s.ScaleUV) {
				scale = s.ScaleUV[c]
			}
			for _, v := range ch {
				rec.Channels[c] = append(rec.Channels[c], float32(float64(v)*scale))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	anns, err := r.DB.ListAnnotations(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, a := range anns {
		rec.Annotations = append(rec.Annotations, service.Annotation{Sample: a.Sample, Duration: a.Duration, Kind: a.Kind, Text: a.Text})
	}
	if err := audit(ctx, r.DB, storage.AuditViewed, storage.ObjectSession, id, "review"); err != nil {
		return nil, err
	}
	return rec, nil
}

// Transfer implements service.TransferService with storage/transfer, as
// the export and import commands do (storage/transfer audits each
// transfer).
type Transfer struct{ DB *sqlite.DB }

func (t Transfer) Export(ctx context.Context, id int64, format, path string, deidentify bool, progress func(float64)) error {
	opt := xfer.Options{Format: xfer.Format(format), Deidentify: deidentify, Progress: progress}
	if _, err := xfer.ExportFile(ctx, t.DB, id, path, opt); err != nil { // audited by ExportFile
		return err
	}
	progress(1)
	return nil
}

func (t Transfer) Import(ctx context.Context, patientID int64, path string, progress func(float64)) (int64, error) {
	progress(0)
	if _, err := t.DB.PatientByID(ctx, patientID); err != nil {
		return 0, err
	}
	rec, err := xfer.ReadRecording(path)
	if err != nil {
		return 0, err
	}
	res, err := xfer.Import(ctx, t.DB, patientID, rec, func(f float64) { progress(0.3 + 0.7*f) }) // audited by Import
	if err != nil {
		return 0, err
	}
	progress(1)
	return res.SessionID, nil
}

// CheckImport reads the file at path and returns transfer.PatientMismatch
// for patient patientID ("" when the file names the same patient or none).
func (t Transfer) CheckImport(ctx context.Context, patientID int64, path string) (string, error) {
	p, err := t.DB.PatientByID(ctx, patientID)
	if err != nil {
		return "", err
	}
	rec, err := xfer.ReadRecording(path)
	if err != nil {
		return "", err
	}
	return xfer.PatientMismatch(rec, p.Code), nil
}

// Backups implements service.BackupService with SQLite's online backup.
// Restore needs the app's cooperation: Recording says whether a recording
// runs (restore is refused then), Disconnect stops the device, and Restart
// (may be nil) restarts the app on the restored file.
type Backups struct {
	DB         *sqlite.DB
	Log        *slog.Logger
	Recording  func() bool
	Disconnect func()
	Restart    func()

	mu sync.Mutex
}

// Backup writes a consistent copy of the database and returns its path.
func (b *Backups) Backup(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	path, err := b.DB.Backup(ctx)
	if err != nil {
		return "", err
	}
	// Written after the copy: the backup holds the log up to its own line.
	if err := audit(ctx, b.DB, storage.AuditBackup, storage.ObjectDatabase, 0, path); err != nil {
		return path, err
	}
	return path, nil
}

// ListBackups returns the paths of the existing backups, newest first.
func (b *Backups) ListBackups(context.Context) ([]string, error) {
	list, err := sqlite.ListBackups(b.DB.Path)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.Path
	}
	return out, nil
}

// Restore checks the backup, then stops the device, closes the database,
// puts the backup in its place (the replaced file is kept beside it) and
// asks the app to restart on the restored data. It refuses while a
// recording runs.
func (b *Backups) Restore(ctx context.Context, path string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Recording() {
		return errors.New("stop the recording before restoring a backup")
	}
	if err := sqlite.VerifyBackup(ctx, path); err != nil {
		return err
	}
	b.Disconnect()
	if err := b.DB.Close(); err != nil {
		return err
	}
	prev, err := sqlite.Restore(ctx, b.DB.Path, path)
	if err != nil {
		return fmt.Errorf("restore %s: %w (MyoRehab will restart on the database as it was)", path, err)
	}
	b.Log.Warn("database restored", "backup", path, "previous_kept_as", prev)
	// The restore goes into the restored file's log, the one that lives on.
	if err := auditRestore(ctx, b.DB, path, prev); err != nil {
		b.Log.Error("restore not written to the audit log", "err", err)
	}
	if b.Restart != nil {
		b.Restart()
	}
	return nil
}

// auditRestore opens the restored database at closed's path for one
// audit line (actor: ctx's or closed's default actor).
func auditRestore(ctx context.Context, closed *sqlite.DB, backup, prev string) error {
	db := sqlite.NewDB(closed.Path)
	db.Now, db.DefaultActor = closed.Now, closed.DefaultActor
	if err := db.Open(); err != nil {
		return err
	}
	defer db.Close()
	return audit(ctx, db, storage.AuditRestored, storage.ObjectDatabase, 0, "from "+backup+"; previous file kept as "+prev)
}

// audit records who did what in the audit log.
func audit(ctx context.Context, db *sqlite.DB, action storage.AuditAction, objectType string, id int64, detail string) error {
	return db.Audit(ctx, &storage.AuditEntry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// Patients adapts the store to service.PatientService.
type Patients struct{ DB *sqlite.DB }

func (p Patients) ListPatients(ctx context.Context, search string) ([]storage.Patient, error) {
	ps, err := p.DB.ListPatients(ctx, search)
	if err != nil {
		return nil, err
	}
	out := make([]storage.Patient, len(ps))
	for i, x := range ps {
		out[i] = *x
	}
	return out, nil
}

func (p Patients) AddPatient(ctx context.Context, pt *storage.Patient) error {
	return p.DB.CreatePatient(ctx, pt)
}

// Recordings adapts the recorder to service.RecordingService.
type Recordings struct {
	DB       *sqlite.DB
	Recorder *record.Recorder
	// Filter describes the stream's conditioning filter for new sessions.
	Filter func() string
}

func (r Recordings) StartRecording(ctx context.Context, patientID int64) (int64, error) {
	sess, err := r.Recorder.Start(ctx, patientID, storage.SessionRecording, r.Filter())
	if err != nil {
		return 0, err
	}
	return sess.ID, nil
}

func (r Recordings) StopRecording(ctx context.Context) (*storage.Session, error) {
	return r.Recorder.Stop(ctx)
}

func (r Recordings) Recording() (bool, int64, int64) { return r.Recorder.State() }

func (r Recordings) ListSessions(ctx context.Context, patientID int64) ([]storage.Session, error) {
	ss, err := r.DB.ListSessions(ctx, storage.SessionFilter{PatientID: patientID})
	if err != nil {
		return nil, err
	}
	out := make([]storage.Session, len(ss))
	for i, x := range ss {
		out[i] = *x
	}
	return out, nil
}
