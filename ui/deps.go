package ui

import (
	"log/slog"

	"myorehab/app/service"
)

// Deps are the services the screens use. Patients, Device and Recorder are
// required; Log may be nil (discard). The other services are optional: when
// one is nil, the feature it serves is hidden or disabled.
type Deps struct {
	Patients service.PatientService
	Device   service.DeviceService
	Recorder service.RecordingService
	Log      *slog.Logger

	// Probe identifies devices in the device set-up screen ("Probe").
	Probe service.ProbeService
	// Channels loads and saves per-patient channel set-ups.
	Channels service.ChannelSetupService
	// History adds metrics and a trend chart to the session history.
	History service.HistoryService
	// Review opens stored sessions in the review screen.
	Review service.ReviewService
	// Transfer exports and imports EDF+/BDF+/CSV files.
	Transfer service.TransferService
	// PatientFiles edits and deletes patients and records each opening of
	// a patient's file (audit).
	PatientFiles service.PatientFileService
	// Backup backs up and restores the database (settings dialog).
	Backup service.BackupService
	// Calibration runs the calibration wizard ("Calibrate…").
	Calibration service.CalibrationService
	// Mains sets the notch's mains frequency (settings dialog).
	Mains service.MainsService
	// Progress serves the patient's progress view, the PDF report, the
	// outcome measures and session notes ("Progress…").
	Progress service.ProgressService
	// Glove runs the rehabilitation glove: the "Glove" tab, the glove
	// state in the top bar, and the E-STOP button (top bar and every
	// dialog) with its key (EStopKey). When nil, everything glove-related
	// is hidden.
	Glove service.GloveService
	// Rehab runs guided exercise sessions: the "Exercises" tab (patient
	// screen, therapist's controls, plan editor). When nil it is hidden.
	Rehab service.RehabService
}
