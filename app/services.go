package app

import (
	"context"
	"log/slog"

	"myorehab/acquisition"
	"myorehab/app/calibrate"
	"myorehab/app/device"
	"myorehab/app/engine"
	"myorehab/app/record"
	"myorehab/app/service"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// Services is everything the UI talks to, built on one database.
type Services struct {
	Log      *slog.Logger
	DB       *sqlite.DB
	Device   *device.Device
	Recorder *record.Recorder
	// Calibration is the calibration wizard's service (tests may replace
	// it, e.g. with shorter holds, before building the UI).
	Calibration *calibrate.Calibration
	// restart, when set (by the GUI), quits and restarts the app, e.g. on
	// a restored database.
	restart func()
}

// NewServices builds the device and recording services on db.
func NewServices(log *slog.Logger, db *sqlite.DB) *Services {
	s := &Services{Log: log, DB: db}
	s.Device = device.NewDevice(log, device.Open)
	s.Recorder = record.NewRecorder(log, db, s.Device)
	s.Device.ShowRecording(s.Recorder)
	s.Device.Attach(s.Recorder)
	s.Calibration = calibrate.New(log, db, s.Device, s.Recorder, calibrate.DefaultOptions())
	// The calibration in use when a stream opens decides on it (tests
	// replace s.Calibration after NewServices).
	s.Device.Attach(device.AttachFunc(func(info acquisition.StreamInfo, blockLen int) engine.Consumer {
		return s.Calibration.Consumer(info, blockLen)
	}))
	return s
}

// ConnectAndRecord connects the device and starts a recording of type typ
// for the patient before the first block is read, so the session holds
// the stream from its very first sample (session index = stream index).
func (s *Services) ConnectAndRecord(ctx context.Context, cfg service.DeviceConfig, patientID int64, typ storage.SessionType) (*storage.Session, error) {
	var sess *storage.Session
	err := s.Device.ConnectThen(cfg, func() error {
		var err error
		sess, err = s.Recorder.Start(ctx, patientID, typ, s.Device.FilterDescription())
		return err
	})
	return sess, err
}

// Close stops any recording, disconnects the device and closes the
// database, in that order.
func (s *Services) Close() error {
	s.Device.Disconnect()
	return s.DB.Close()
}

// patientService adapts the store to service.PatientService.
type patientService struct{ db *sqlite.DB }

func (p patientService) ListPatients(ctx context.Context, search string) ([]storage.Patient, error) {
	ps, err := p.db.ListPatients(ctx, search)
	if err != nil {
		return nil, err
	}
	out := make([]storage.Patient, len(ps))
	for i, x := range ps {
		out[i] = *x
	}
	return out, nil
}

func (p patientService) AddPatient(ctx context.Context, pt *storage.Patient) error {
	return p.db.CreatePatient(ctx, pt)
}

// recordingService adapts the Recorder to service.RecordingService.
type recordingService struct{ s *Services }

func (r recordingService) StartRecording(ctx context.Context, patientID int64) (int64, error) {
	sess, err := r.s.Recorder.Start(ctx, patientID, storage.SessionRecording, r.s.Device.FilterDescription())
	if err != nil {
		return 0, err
	}
	return sess.ID, nil
}

func (r recordingService) StopRecording(ctx context.Context) (*storage.Session, error) {
	return r.s.Recorder.Stop(ctx)
}

func (r recordingService) Recording() (bool, int64, int64) { return r.s.Recorder.State() }

func (r recordingService) ListSessions(ctx context.Context, patientID int64) ([]storage.Session, error) {
	ss, err := r.s.DB.ListSessions(ctx, storage.SessionFilter{PatientID: patientID})
	if err != nil {
		return nil, err
	}
	out := make([]storage.Session, len(ss))
	for i, x := range ss {
		out[i] = *x
	}
	return out, nil
}
