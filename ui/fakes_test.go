package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/storage"
)

// fakePatients is an in-memory PatientService.
type fakePatients struct {
	mu       sync.Mutex
	patients []storage.Patient
	addErr   error // returned by AddPatient when set
	listErr  error
	lists    int // ListPatients calls
}

func (f *fakePatients) ListPatients(_ context.Context, search string) ([]storage.Patient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []storage.Patient
	for _, p := range f.patients {
		s := strings.ToLower(search)
		if strings.Contains(strings.ToLower(p.Code), s) || strings.Contains(strings.ToLower(p.Name), s) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakePatients) AddPatient(_ context.Context, p *storage.Patient) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addErr != nil {
		return f.addErr
	}
	for _, q := range f.patients {
		if q.Code == p.Code {
			return errors.New("clinic code " + p.Code + " is already used")
		}
	}
	p.ID = int64(len(f.patients) + 1)
	f.patients = append(f.patients, *p)
	return nil
}

func (f *fakePatients) all() []storage.Patient {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.patients)
}

// fakeDevice is a DeviceService whose Connect succeeds (state Streaming)
// unless connectErr is set; with gate set, Connect waits for it.
type fakeDevice struct {
	mu         sync.Mutex
	status     service.DeviceStatus
	ports      []service.PortInfo
	connectErr error
	gate       chan struct{}
	configs    []service.DeviceConfig
	snap       atomic.Pointer[pipeline.Snapshot]
	snapCalls  chan struct{} // receives (without blocking) on each Snapshot call, when set
	protocols  []string      // nil: sim and cyton
}

func (f *fakeDevice) Protocols() []string {
	if f.protocols != nil {
		return f.protocols
	}
	return []string{"sim", "cyton"}
}
func (f *fakeDevice) Ports() []service.PortInfo { return f.ports }

func (f *fakeDevice) Connect(cfg service.DeviceConfig) error {
	f.mu.Lock()
	f.configs = append(f.configs, cfg)
	gate, err := f.gate, f.connectErr
	f.status = service.DeviceStatus{State: service.Connecting}
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.status = service.DeviceStatus{State: service.Failed, Message: "The amplifier did not answer."}
		return err
	}
	f.status = service.DeviceStatus{
		State: service.Streaming, MeasuredRateHz: 249.8,
		Info: acquisition.StreamInfo{Device: "OpenBCI Cyton", Protocol: cfg.Protocol, Port: cfg.Port, Channels: 8, SampleRateHz: 250},
	}
	return nil
}

func (f *fakeDevice) Disconnect() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = service.DeviceStatus{State: service.Disconnected}
	return nil
}

func (f *fakeDevice) Status() service.DeviceStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeDevice) setStatus(st service.DeviceStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = st
}

func (f *fakeDevice) calls() []service.DeviceConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.configs)
}

func (f *fakeDevice) Snapshot() *pipeline.Snapshot {
	if f.snapCalls != nil {
		select {
		case f.snapCalls <- struct{}{}:
		default:
		}
	}
	return f.snap.Load()
}

// fakeRecorder is an in-memory RecordingService.
type fakeRecorder struct {
	mu       sync.Mutex
	sessions []storage.Session
	active   int // index in sessions, -1 when idle
	samples  int64
	startErr error
}

func newFakeRecorder() *fakeRecorder { return &fakeRecorder{active: -1} }

func (f *fakeRecorder) StartRecording(_ context.Context, patientID int64) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return 0, f.startErr
	}
	if f.active >= 0 {
		return 0, errors.New("already recording")
	}
	id := int64(len(f.sessions) + 1)
	f.sessions = append(f.sessions, storage.Session{
		ID: id, PatientID: patientID, Type: storage.SessionRecording, Status: storage.StatusRecording,
		StartedAt: time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC), RateHz: 250, Channels: 8,
	})
	f.active, f.samples = len(f.sessions)-1, 0
	return id, nil
}

func (f *fakeRecorder) StopRecording(context.Context) (*storage.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active < 0 {
		return nil, errors.New("not recording")
	}
	s := &f.sessions[f.active]
	s.Status, s.Samples = storage.StatusCompleted, f.samples
	s.EndedAt = s.StartedAt.Add(s.Duration())
	f.active = -1
	out := *s
	return &out, nil
}

// end ends the recording as the app does when the device is lost.
func (f *fakeRecorder) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[f.active].Status = storage.StatusInterrupted
	f.active = -1
}

func (f *fakeRecorder) setSamples(n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.samples = n
}

func (f *fakeRecorder) Recording() (bool, int64, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active < 0 {
		return false, 0, 0
	}
	return true, f.sessions[f.active].ID, f.samples
}

func (f *fakeRecorder) ListSessions(_ context.Context, patientID int64) ([]storage.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []storage.Session
	for i := len(f.sessions) - 1; i >= 0; i-- {
		if s := f.sessions[i]; s.PatientID == patientID {
			out = append(out, s)
		}
	}
	return out, nil
}

// fakeProbe is a ProbeService answering res (or err) for every port; with
// gate set, Probe waits for it or for ctx.
type fakeProbe struct {
	mu    sync.Mutex
	res   service.ProbeResult
	err   error
	gate  chan struct{}
	paths []string
}

func (f *fakeProbe) Probe(ctx context.Context, path string) (service.ProbeResult, error) {
	f.mu.Lock()
	f.paths = append(f.paths, path)
	gate, res, err := f.gate, f.res, f.err
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return service.ProbeResult{}, ctx.Err()
		}
	}
	return res, err
}

func (f *fakeProbe) probed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.paths)
}

// fakeChannels is an in-memory ChannelSetupService.
type fakeChannels struct {
	mu      sync.Mutex
	setups  map[int64]service.ChannelSetup
	saveErr error
	saves   int
}

func (f *fakeChannels) LoadSetup(_ context.Context, id int64) (service.ChannelSetup, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.setups[id], nil
}

func (f *fakeChannels) SaveSetup(_ context.Context, id int64, s service.ChannelSetup) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.saves++
	if f.saveErr != nil {
		return f.saveErr
	}
	if f.setups == nil {
		f.setups = map[int64]service.ChannelSetup{}
	}
	f.setups[id] = service.ChannelSetup{Channels: slices.Clone(s.Channels)}
	return nil
}

func (f *fakeChannels) get(id int64) (service.ChannelSetup, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.setups[id], f.saves
}

// fakeHistory is a HistoryService over fixed summaries per patient.
type fakeHistory struct {
	sums map[int64][]service.SessionSummary
}

func (f *fakeHistory) SessionSummaries(_ context.Context, id int64) ([]service.SessionSummary, error) {
	return slices.Clone(f.sums[id]), nil
}

// fakeReview is a ReviewService returning rec (or err).
type fakeReview struct {
	rec *service.Recording
	err error
}

func (f *fakeReview) LoadSession(context.Context, int64) (*service.Recording, error) {
	return f.rec, f.err
}

// exportCall records one TransferService.Export call.
type exportCall struct {
	session      int64
	format, path string
	deidentify   bool
}

// fakeTransfer is a TransferService that reports progress 0.5, then waits
// for gate (when set) or ctx, then reports 1 and returns err.
type fakeTransfer struct {
	mu      sync.Mutex
	gate    chan struct{}
	halfway chan struct{} // closed when progress 0.5 was reported, when set
	err     error
	exports []exportCall
	imports []string
	// mismatch is CheckImport's warning.
	mismatch string
}

func (f *fakeTransfer) work(ctx context.Context, progress func(float64)) error {
	progress(0.5)
	if f.halfway != nil {
		close(f.halfway)
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	progress(1)
	return f.err
}

func (f *fakeTransfer) Export(ctx context.Context, id int64, format, path string, deid bool, progress func(float64)) error {
	f.mu.Lock()
	f.exports = append(f.exports, exportCall{id, format, path, deid})
	f.mu.Unlock()
	return f.work(ctx, progress)
}

func (f *fakeTransfer) Import(ctx context.Context, _ int64, path string, progress func(float64)) (int64, error) {
	f.mu.Lock()
	f.imports = append(f.imports, path)
	f.mu.Unlock()
	if err := f.work(ctx, progress); err != nil {
		return 0, err
	}
	return 99, nil
}

func (f *fakeTransfer) CheckImport(context.Context, int64, string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mismatch, nil
}

func (f *fakeTransfer) calls() ([]exportCall, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.exports), slices.Clone(f.imports)
}

// fakeBackup is an in-memory BackupService.
type fakeBackup struct {
	mu       sync.Mutex
	backups  []string
	restored []string
	err      error
}

func (f *fakeBackup) Backup(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return "", f.err
	}
	p := "/data/backups/myorehab-" + string(rune('a'+len(f.backups))) + ".db"
	f.backups = append([]string{p}, f.backups...)
	return p, nil
}

func (f *fakeBackup) ListBackups(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.backups), nil
}

func (f *fakeBackup) Restore(_ context.Context, path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.restored = append(f.restored, path)
	return nil
}

func (f *fakeBackup) restores() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.restored)
}
