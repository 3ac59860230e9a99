package service

import (
	"context"

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
	// samples the recording failed to keep; CorruptPackets frames rejected
	// by the decoder; LiveDropped samples the live view skipped because it
	// fell behind (the recording is not affected).
	Lost, Dropped, CorruptPackets, LiveDropped uint64
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

// ProbeEvidence is what probing a port found for one protocol.
type ProbeEvidence struct {
	// Protocol is one of DeviceService.Protocols.
	Protocol string
	// Matched is set when the device answered as this protocol expects.
	Matched bool
	// Lines are short human-readable findings, e.g. "banner \"OpenBCI V3
	// 8-16 channel\" received" or "no answer to 'v' within 2 s".
	Lines []string
}

// ProbeResult is the outcome of probing one serial port.
type ProbeResult struct {
	// Suggested is the protocol that matched best, "" when none did.
	Suggested string
	// Evidence lists, per protocol tried, what was seen.
	Evidence []ProbeEvidence
}

// ProbeService identifies the amplifier on a serial port.
type ProbeService interface {
	// Probe tries each protocol's handshake on the port at path, without
	// disturbing a device that does not answer, and suggests the match.
	// It may block for several seconds; the UI calls it off the Fyne
	// goroutine and cancels it with ctx. The port must not be in use.
	Probe(ctx context.Context, path string) (ProbeResult, error)
}

// ChannelConfig is the set-up of one amplifier channel for a patient.
type ChannelConfig struct {
	// Label names the muscle or electrode site, e.g. "FDS".
	Label string
	// Enabled is false for a channel that is not recorded or shown.
	Enabled bool
	// Gain is the amplifier's programmable gain (e.g. 1–24 on the Cyton);
	// 0 means the device's default.
	Gain int
}

// ChannelSetup is a patient's channel set-up, one entry per amplifier
// channel in channel order.
type ChannelSetup struct {
	Channels []ChannelConfig
}

// ChannelSetupService loads and saves the channel set-up of each patient.
type ChannelSetupService interface {
	// LoadSetup returns the saved set-up of patient patientID; an empty
	// ChannelSetup (no channels) and a nil error when none was saved.
	LoadSetup(ctx context.Context, patientID int64) (ChannelSetup, error)
	// SaveSetup stores s as the set-up of patient patientID, replacing the
	// previous one.
	SaveSetup(ctx context.Context, patientID int64, s ChannelSetup) error
}

// SessionSummary is a session with the key metrics of its history row.
type SessionSummary struct {
	Session storage.Session
	// MeanRMSUV is the mean RMS over the session's channels and seconds,
	// in µV; MeanMDFHz the mean median frequency, in Hz. NaN when unknown
	// (e.g. an interrupted session without per-second metrics).
	MeanRMSUV, MeanMDFHz float64
}

// HistoryService summarises a patient's sessions for the history table
// and trend chart.
type HistoryService interface {
	// SessionSummaries returns the sessions of patient patientID with
	// their metrics, newest first. It should answer in well under 200 ms
	// for a few hundred sessions.
	SessionSummaries(ctx context.Context, patientID int64) ([]SessionSummary, error)
}

// Annotation is an event in a stored recording.
type Annotation struct {
	// Sample is the index of the sample the annotation starts at; Duration
	// its length in samples (0: an instant).
	Sample, Duration int64
	// Kind classifies it (e.g. "prompt", "gesture", "fault", "gap"); Text
	// is shown to the user.
	Kind, Text string
}

// Recording is a stored session loaded for review.
type Recording struct {
	// RateHz is the sample rate in hertz; Labels name the channels.
	RateHz float64
	Labels []string
	// Channels are the samples per channel in µV, equal lengths.
	Channels [][]float32
	// Annotations are the session's events, in any order.
	Annotations []Annotation
}

// ReviewService loads stored sessions for the review screen.
type ReviewService interface {
	// LoadSession reads every sample and annotation of session sessionID.
	LoadSession(ctx context.Context, sessionID int64) (*Recording, error)
}

// Export formats accepted by TransferService.Export.
const (
	FormatEDF = "edf" // EDF+ (16-bit)
	FormatBDF = "bdf" // BDF+ (24-bit)
	FormatCSV = "csv"
)

// TransferService exports and imports recordings as files.
type TransferService interface {
	// Export writes session sessionID to the file at path in format
	// (FormatEDF, FormatBDF or FormatCSV), without the patient's name and
	// birth date when deidentify is set. It calls progress from any
	// goroutine with the fraction done, 0 to 1, increasing.
	Export(ctx context.Context, sessionID int64, format, path string, deidentify bool, progress func(done float64)) error
	// Import reads the EDF+/BDF+ file at path as a new session of patient
	// patientID and returns its ID; progress as for Export.
	Import(ctx context.Context, patientID int64, path string, progress func(done float64)) (sessionID int64, err error)
	// CheckImport reads the file at path and returns a sentence for the
	// user when its patient field names a patient other than patientID
	// ("" when it names the same one or nobody), so the screen can ask
	// before importing; an unreadable file is an error.
	CheckImport(ctx context.Context, patientID int64, path string) (warning string, err error)
}

// BackupService backs the database up and restores it.
type BackupService interface {
	// Backup writes a consistent copy of the database (online backup) and
	// returns its path.
	Backup(ctx context.Context) (path string, err error)
	// ListBackups returns the paths of the existing backups, newest first.
	ListBackups(ctx context.Context) ([]string, error)
	// Restore replaces the database with the backup at path. The app then
	// reloads its data (or restarts); the UI tells the user so first.
	Restore(ctx context.Context, path string) error
}

// Mains frequency settings of MainsService.
const (
	MainsAuto = "auto" // follow the mains frequency found in the signal
	Mains50   = "50"   // Europe, Africa, most of Asia
	Mains60   = "60"   // the Americas, parts of Asia
)

// MainsService holds the clinic's mains frequency, where the notch filter
// of every stream sits.
type MainsService interface {
	// Mains returns MainsAuto, Mains50 or Mains60.
	Mains() string
	// SetMains stores the setting; it applies from the next connection.
	SetMains(m string) error
}
