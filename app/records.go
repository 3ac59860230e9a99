package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"myorehab/acquisition/probe"
	"myorehab/app/service"
	"myorehab/storage"
	"myorehab/storage/sqlite"
	xfer "myorehab/storage/transfer"
)

// probeService implements service.ProbeService with acquisition/probe.
type probeService struct{}

func (probeService) Probe(ctx context.Context, path string) (service.ProbeResult, error) {
	rep, err := probe.Probe(ctx, path, nil, probe.Options{})
	if err != nil {
		return service.ProbeResult{}, err
	}
	res := service.ProbeResult{Suggested: rep.Suggested}
	for _, r := range rep.Results {
		ev := service.ProbeEvidence{Protocol: r.Protocol, Matched: r.Answered}
		if r.Sent != "" {
			ev.Lines = append(ev.Lines, "sent "+r.Sent)
		}
		if r.Evidence != "" {
			ev.Lines = append(ev.Lines, r.Evidence)
		}
		res.Evidence = append(res.Evidence, ev)
	}
	return res, nil
}

// channelSetups implements service.ChannelSetupService on the database (each
// save is a new version; the latest is loaded).
type channelSetups struct{ db *sqlite.DB }

func (c channelSetups) LoadSetup(ctx context.Context, patientID int64) (service.ChannelSetup, error) {
	s, err := c.db.LatestChannelSetup(ctx, patientID)
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

func (c channelSetups) SaveSetup(ctx context.Context, patientID int64, s service.ChannelSetup) error {
	rec := &storage.ChannelSetup{PatientID: patientID, Channels: make([]storage.ChannelConfig, len(s.Channels))}
	for i, ch := range s.Channels {
		rec.Channels[i] = storage.ChannelConfig{Label: ch.Label, Enabled: ch.Enabled, Gain: float64(ch.Gain)}
	}
	return c.db.SaveChannelSetup(ctx, rec)
}

// history implements service.HistoryService from the per-second metrics.
type history struct{ db *sqlite.DB }

func (h history) SessionSummaries(ctx context.Context, patientID int64) ([]service.SessionSummary, error) {
	sums, err := h.db.SessionSummaries(ctx, storage.SessionFilter{PatientID: patientID})
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

// review implements service.ReviewService: a stored session in µV with its
// annotations. Gaps (lost samples) are kept in the time axis as NaN.
type review struct{ db *sqlite.DB }

// maxReviewSamples bounds what the review screen loads (about 1 h at 1 kHz
// for 8 channels in float32: 115 MB).
const maxReviewSamples = 3_600_000

func (r review) LoadSession(ctx context.Context, id int64) (*service.Recording, error) {
	s, err := r.db.Session(ctx, id)
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
	err = r.db.ReadSamples(ctx, id, func(start uint64, chans [][]int32) error {
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
	anns, err := r.db.ListAnnotations(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, a := range anns {
		rec.Annotations = append(rec.Annotations, service.Annotation{Sample: a.Sample, Duration: a.Duration, Kind: a.Kind, Text: a.Text})
	}
	if err := audit(ctx, r.db, storage.AuditViewed, storage.ObjectSession, id, "review"); err != nil {
		return nil, err
	}
	return rec, nil
}

// transfer implements service.TransferService with storage/transfer, as
// the export and import commands do, and audits each transfer.
type transfer struct{ db *sqlite.DB }

func (t transfer) Export(ctx context.Context, id int64, format, path string, deidentify bool, progress func(float64)) error {
	opt := xfer.Options{Format: xfer.Format(format), Deidentify: deidentify, Progress: progress}
	if _, err := xfer.ExportFile(ctx, t.db, id, path, opt); err != nil {
		return err
	}
	detail := format
	if deidentify {
		detail += " de-identified"
	}
	if err := audit(ctx, t.db, storage.AuditExported, storage.ObjectSession, id, detail+" "+path); err != nil {
		return err
	}
	progress(1)
	return nil
}

func (t transfer) Import(ctx context.Context, patientID int64, path string, progress func(float64)) (int64, error) {
	progress(0)
	if _, err := t.db.PatientByID(ctx, patientID); err != nil {
		return 0, err
	}
	rec, err := xfer.ReadRecording(path)
	if err != nil {
		return 0, err
	}
	res, err := xfer.Import(ctx, t.db, patientID, rec, func(f float64) { progress(0.3 + 0.7*f) })
	if err != nil {
		return 0, err
	}
	if err := audit(ctx, t.db, storage.AuditImported, storage.ObjectSession, res.SessionID, path); err != nil {
		return 0, err
	}
	progress(1)
	return res.SessionID, nil
}

// backups implements service.BackupService with SQLite's online backup.
type backups struct {
	mu  sync.Mutex
	svc *Services
}

func (b *backups) Backup(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.svc.DB.Backup(ctx)
}

func (b *backups) ListBackups(context.Context) ([]string, error) {
	list, err := sqlite.ListBackups(b.svc.DB.Path)
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
func (b *backups) Restore(ctx context.Context, path string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.svc.Recorder.Active() {
		return errors.New("stop the recording before restoring a backup")
	}
	if err := sqlite.VerifyBackup(ctx, path); err != nil {
		return err
	}
	b.svc.Device.Disconnect()
	if err := b.svc.DB.Close(); err != nil {
		return err
	}
	prev, err := sqlite.Restore(ctx, b.svc.DB.Path, path)
	if err != nil {
		return fmt.Errorf("restore %s: %w (MyoRehab will restart on the database as it was)", path, err)
	}
	b.svc.Log.Warn("database restored", "backup", path, "previous_kept_as", prev)
	if b.svc.restart != nil {
		b.svc.restart()
	}
	return nil
}

// audit records who did what in the audit log.
func audit(ctx context.Context, db *sqlite.DB, action storage.AuditAction, objectType string, id int64, detail string) error {
	return db.Audit(ctx, &storage.AuditEntry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}
