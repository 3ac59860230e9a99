package ui

import (
	"context"
	"log/slog"

	"myorehab/acquisition"
	"myorehab/processing/pipeline"
	"myorehab/storage"
)

// PatientService finds and registers patients. Methods may block on the
// database; the UI calls them off the Fyne goroutine.
type PatientService interface {
	// ListPatients returns the patients whose code or name contains
	// search (case-insensitive; "" lists all), ordered for display.
	ListPatients(ctx context.Context, search string) ([]storage.Patient, error)
	// AddPatient stores p and fills p.ID (and p.CreatedAt). It fails if
	// p.Code is already used.
	AddPatient(ctx context.Context, p *storage.Patient) error
}

// DeviceConfig says which amplifier to connect.
type DeviceConfig struct {
	// Protocol is one of DeviceService.Protocols, e.g. "sim" or "cyton".
	Protocol string
	// Port is the serial port path, discovered or typed in by the user
	// (e.g. "/dev/ttyUSB0"); empty for the simulator.
	Port string
}

// PortInfo describes a discovered serial port.
type PortInfo struct {
	// Path is what DeviceConfig.Port takes, e.g. "/dev/ttyUSB0".
	Path string
	// Description is a human hint, e.g. "FTDI FT231X (OpenBCI dongle?)".
	Description string
}

// DeviceState is the connection state of the amplifier.
type DeviceState int

// Device states.
const (
	Disconnected DeviceState = iota // no device open
	Connecting                      // opening the port, waiting for the device's banner
	Streaming                       // samples arriving
	Reconnecting                    // device lost, trying to reopen it
	Failed                          // gave up; DeviceStatus.Message says why
)

// String returns the clinician-facing name of the state, e.g. "Streaming".
func (s DeviceState) String() string {
	switch s {
	case Disconnected:
		return "Disconnected"
	case Connecting:
		return "Connecting…"
	case Streaming:
		return "Streaming"
	case Reconnecting:
		return "Reconnecting…"
	case Failed:
		return "Failed"
	default:
		return "Unknown"
	}
}

// DeviceStatus is a cheap copy of the device's live state.
type DeviceStatus struct {
	State DeviceState
	// Info describes the open stream (zero when disconnected).
	Info acquisition.StreamInfo
	// MeasuredRateHz is the sample rate measured over the last seconds, in hertz.
	MeasuredRateHz float64
	// Lost counts samples the device sent that never arrived; Dropped
	// samples discarded because processing fell behind; CorruptPackets
	// frames rejected by the decoder.
	Lost, Dropped, CorruptPackets uint64
	// Message is a clinician-friendly note written by the app (why the
	// device failed, a reconnect in progress, …); empty when all is well.
	Message string
}

// DeviceService connects the amplifier and exposes its live data.
type DeviceService interface {
	// Protocols lists the protocols Connect accepts, e.g. ["sim", "cyton"].
	Protocols() []string
	// Ports lists the discovered serial ports; it may be empty, and paths
	// typed in by the user are accepted by Connect all the same. It
	// should return within about 100 ms.
	Ports() []PortInfo
	// Connect opens the device and starts streaming. It may block for a
	// few seconds (the device's banner); the UI calls it off the Fyne
	// goroutine and shows "Connecting…".
	Connect(cfg DeviceConfig) error
	// Disconnect stops streaming and closes the device.
	Disconnect() error
	// Status returns the current state. It is cheap and safe from any goroutine.
	Status() DeviceStatus
	// Snapshot returns the latest live data, nil when none. It is cheap
	// (an atomic load) and safe from any goroutine.
	Snapshot() *pipeline.Snapshot
}

// RecordingService records the live stream into sessions of a patient.
type RecordingService interface {
	// StartRecording starts a session for patient patientID on the
	// streaming device and returns its ID.
	StartRecording(ctx context.Context, patientID int64) (sessionID int64, err error)
	// StopRecording ends the session being recorded and returns it as stored.
	StopRecording(ctx context.Context) (*storage.Session, error)
	// Recording reports whether a session is being recorded, its ID and
	// the samples per channel written so far. It is cheap and safe from
	// any goroutine; the UI polls it a few times a second.
	Recording() (active bool, sessionID int64, samples int64)
	// ListSessions returns the sessions of patient patientID, newest first.
	ListSessions(ctx context.Context, patientID int64) ([]storage.Session, error)
}

// Deps are the services the screens use. Patients, Device and Recorder are
// required; Log may be nil (discard).
type Deps struct {
	Patients PatientService
	Device   DeviceService
	Recorder RecordingService
	Log      *slog.Logger
}
