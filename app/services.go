package app

import (
	"context"
	"log/slog"
	"time"

	"myorehab/acquisition"
	"myorehab/app/calibrate"
	"myorehab/app/device"
	"myorehab/app/engine"
	"myorehab/app/glove"
	"myorehab/app/record"
	"myorehab/app/rehab"
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
	// Glove runs the rehabilitation glove and its control loop.
	Glove *glove.Service
	// Rehab runs guided exercise sessions (its monitor reads every stream).
	Rehab *rehab.Service
	// restart, when set (by the GUI), quits and restarts the app, e.g. on
	// a restored database.
	restart func()
	// mains is the mains setting the GUI offers (kept in its preferences).
	mains mainsSetting
}

// NewServices builds the device and recording services on db; the streams
// run under ctx (the application's context).
func NewServices(ctx context.Context, log *slog.Logger, db *sqlite.DB) *Services {
	s := &Services{Log: log, DB: db}
	s.Device = device.NewDevice(log, device.Open)
	s.Device.Bind(ctx)
	s.mains = mainsSetting{dev: s.Device}
	s.Recorder = record.NewRecorder(log, db, s.Device)
	s.Device.ShowRecording(s.Recorder)
	s.Device.Attach(s.Recorder)
	s.Calibration = calibrate.New(log, db, s.Device, s.Recorder, calibrate.DefaultOptions())
	// The calibration in use when a stream opens decides on it (tests
	// replace s.Calibration after NewServices).
	s.Device.Attach(device.AttachFunc(func(info acquisition.StreamInfo, blockLen int) engine.Consumer {
		return s.Calibration.Consumer(info, blockLen)
	}))
	s.Glove = glove.New(glove.Config{Log: log, DB: db, Events: s.Recorder})
	s.Device.Attach(s.Glove)
	mon := rehab.NewMonitor()
	mon.SetGlove(s.Glove)
	s.Device.Attach(mon)
	s.Rehab = rehab.NewService(ctx, rehab.Config{Log: log, DB: db, Device: s.Device, Recorder: s.Recorder, Monitor: mon, Glove: s.Glove})
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

// Close ends a guided session (what was done is saved), disarms and
// closes the glove, stops any recording, disconnects
// the device and closes the database, in that order.
func (s *Services) Close() error {
	s.Rehab.Close(10 * time.Second) // a running session ends and is saved
	s.Glove.Close()
	s.Device.Disconnect()
	return s.DB.Close()
}

// restartApp restarts the app when the GUI set a way to (restart).
func (s *Services) restartApp() {
	if s.restart != nil {
		s.restart()
	}
}
