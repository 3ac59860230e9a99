package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"myorehab/acquisition"
	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/storage"
)

type harness struct {
	t        *testing.T
	m        *MainScreen
	w        fyne.Window
	patients *fakePatients
	dev      *fakeDevice
	rec      *fakeRecorder
}

var seedPatients = []storage.Patient{
	{ID: 1, Code: "P-001", Name: "Ada Keller", BirthDate: "1958-02-11", Sex: "F", AffectedSide: "left"},
	{ID: 2, Code: "P-002", Name: "Bruno Weiss", BirthDate: "1971-09-30", Sex: "M", AffectedSide: "right"},
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, nil) }

// newHarnessWith is newHarness with the optional services set by opt.
func newHarnessWith(t *testing.T, opt func(*harness, *Deps)) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	h := &harness{
		t:        t,
		patients: &fakePatients{patients: slices.Clone(seedPatients)},
		dev:      &fakeDevice{ports: []service.PortInfo{{Path: "/dev/ttyUSB0", Description: "FTDI FT231X (OpenBCI dongle?)"}}},
		rec:      newFakeRecorder(),
	}
	h.w = test.NewWindow(nil)
	t.Cleanup(h.w.Close)
	d := Deps{Patients: h.patients, Device: h.dev, Recorder: h.rec}
	if opt != nil {
		opt(h, &d)
	}
	h.m = New(a, h.w, d)
	h.m.WaitIdle() // New loads the patients in the background
	h.w.SetContent(h.m.Content())
	h.w.Resize(fyne.NewSize(1280, 800))
	return h
}

// listed returns the texts of the labels the list shows.
func listed(l *widget.List) []string {
	var out []string
	for _, o := range test.LaidOutObjects(l) {
		if lb, ok := o.(*widget.Label); ok && lb.Visible() {
			out = append(out, lb.Text)
		}
	}
	return out
}

func (h *harness) connectSim() {
	h.t.Helper()
	h.m.Device.Protocol.SetSelected("sim")
	test.Tap(h.m.Device.Connect)
	h.m.WaitIdle()
	h.m.Refresh()
	if got := h.m.Device.Status().State; got != service.Streaming {
		h.t.Fatalf("after Connect: state %v, want Streaming", got)
	}
}

func (h *harness) selectPatient(id int64) {
	h.t.Helper()
	if !h.m.Patients.Select(id) {
		h.t.Fatalf("patient %d not listed", id)
	}
	h.m.WaitIdle()
}

func TestPatientListLoads(t *testing.T) {
	h := newHarness(t)
	if got := len(h.m.Patients.Patients()); got != 2 {
		t.Fatalf("listed %d patients, want 2", got)
	}
	got := listed(h.m.Patients.List)
	for _, p := range seedPatients {
		if !slices.Contains(got, patientRow(p)) {
			t.Errorf("list shows %q, want it to contain %q", got, patientRow(p))
		}
	}
	test.Type(h.m.Patients.Search, "weiss") // one search per key; the last one wins
	h.m.WaitIdle()
	if ps := h.m.Patients.Patients(); len(ps) != 1 || ps[0].Code != "P-002" {
		t.Errorf("search weiss lists %v, want P-002 only", ps)
	}
}

func TestAddPatient(t *testing.T) {
	h := newHarness(t)
	p := h.m.Patients
	test.Tap(p.AddButton)
	f := p.Form
	if f == nil {
		t.Fatal("Add patient did not open the form")
	}
	test.Type(f.Code, "P-042")
	test.Type(f.Name, "Carla Roth")
	test.Type(f.BirthDate, "1966-05-17")
	f.Sex.SetSelected("Female")
	f.Side.SetSelected("Both")
	test.Type(f.Diagnosis, "ischaemic stroke")
	test.Tap(f.Save)
	h.m.WaitIdle()

	if p.Form != nil {
		t.Errorf("form still open, message %q", f.Message.Text)
	}
	stored := h.patients.all()
	want := storage.Patient{ID: 3, Code: "P-042", Name: "Carla Roth", BirthDate: "1966-05-17", Sex: "F", AffectedSide: "both", Diagnosis: "ischaemic stroke"}
	if len(stored) != 3 || stored[2] != want {
		t.Fatalf("stored %+v, want a third patient %+v", stored, want)
	}
	if !slices.Contains(listed(p.List), patientRow(want)) {
		t.Errorf("list shows %q, want the new patient", listed(p.List))
	}
	if sel := p.Selected(); sel == nil || sel.ID != 3 {
		t.Errorf("selected %+v, want the new patient", sel)
	}
	if !strings.Contains(p.Current.Text, "P-042") {
		t.Errorf("current patient label %q", p.Current.Text)
	}
}

func TestAddPatientRefused(t *testing.T) {
	for _, test_ := range []struct {
		name, code, birth string
		addErr            error
		wantMsg           string
	}{
		{name: "invalid birth date", code: "P-010", birth: "1961-13-01", wantMsg: "Birth date"},
		{name: "birth date not ISO", code: "P-010", birth: "17.05.1966", wantMsg: "YYYY-MM-DD"},
		{name: "missing code", code: "", birth: "1961-01-01", wantMsg: "Clinic code is required"},
		{name: "duplicate code", code: "p-001", wantMsg: "already used"},
		{name: "storage error", code: "P-010", addErr: errors.New("database is locked"), wantMsg: "Could not save the patient: database is locked"},
	} {
		t.Run(test_.name, func(t *testing.T) {
			h := newHarness(t)
			h.patients.addErr = test_.addErr
			test.Tap(h.m.Patients.AddButton)
			f := h.m.Patients.Form
			test.Type(f.Code, test_.code)
			test.Type(f.BirthDate, test_.birth)
			test.Tap(f.Save)
			h.m.WaitIdle()
			if !strings.Contains(f.Message.Text, test_.wantMsg) {
				t.Errorf("message %q, want it to contain %q", f.Message.Text, test_.wantMsg)
			}
			if h.m.Patients.Form != f {
				t.Error("form closed after a refused save")
			}
			if n := len(h.patients.all()); n != 2 {
				t.Errorf("%d patients stored, want 2", n)
			}
			test.Tap(f.Cancel)
			if h.m.Patients.Form != nil {
				t.Error("Cancel did not close the form")
			}
		})
	}
}

func TestPatientProblem(t *testing.T) {
	t.Parallel()
	today := time.Date(2025, 6, 1, 15, 0, 0, 0, time.UTC)
	for _, test := range []struct {
		name string
		p    storage.Patient
		want string // substring of the message; "" for valid
	}{
		{"minimal", storage.Patient{Code: "P1"}, ""},
		{"full", storage.Patient{Code: "HB_2025.07", BirthDate: "1950-12-31", Sex: "X", AffectedSide: "both"}, ""},
		{"born today", storage.Patient{Code: "P1", BirthDate: "2025-06-01"}, ""},
		{"empty code", storage.Patient{}, "required"},
		{"short code", storage.Patient{Code: "P"}, "not valid"},
		{"space in code", storage.Patient{Code: "P 1"}, "not valid"},
		{"long code", storage.Patient{Code: strings.Repeat("x", 33)}, "not valid"},
		{"duplicate code any case", storage.Patient{Code: "p-001"}, "already used"},
		{"bad month", storage.Patient{Code: "P1", BirthDate: "1961-13-01"}, "1961-13-01 does not exist: the month must be 01 to 12"},
		{"feb 30", storage.Patient{Code: "P1", BirthDate: "1961-02-30"}, "1961-02-30 does not exist: February 1961 has 28 days"},
		{"feb 31 leap", storage.Patient{Code: "P1", BirthDate: "2020-02-31"}, "2020-02-31 does not exist: February 2020 has 29 days"},
		{"april 31", storage.Patient{Code: "P1", BirthDate: "1970-04-31"}, "1970-04-31 does not exist: April 1970 has 30 days"},
		{"no padding", storage.Patient{Code: "P1", BirthDate: "1961-2-3"}, "not a date"},
		{"future", storage.Patient{Code: "P1", BirthDate: "2025-06-02"}, "future"},
		{"too old", storage.Patient{Code: "P1", BirthDate: "1899-12-31"}, "before 1900"},
		{"bad sex", storage.Patient{Code: "P1", Sex: "female"}, "Sex"},
		{"bad side", storage.Patient{Code: "P1", AffectedSide: "Left"}, "Affected side"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := patientProblem(test.p, seedPatients, today)
			if test.want == "" && got != "" || test.want != "" && !strings.Contains(got, test.want) {
				t.Errorf("patientProblem = %q, want %q", got, test.want)
			}
		})
	}
}

func TestConnectStreaming(t *testing.T) {
	h := newHarness(t)
	d := h.m.Device
	d.Protocol.SetSelected("cyton")
	if d.Port.Text != "/dev/ttyUSB0" || d.PortHint.Text != "FTDI FT231X (OpenBCI dongle?)" {
		t.Errorf("port %q hint %q, want the discovered port and its description", d.Port.Text, d.PortHint.Text)
	}
	d.Protocol.SetSelected("cyton")
	d.Port.SetText("")
	test.Type(d.Port, "/dev/ttyACM3") // not discovered: typed paths must work
	test.Tap(d.Connect)
	h.m.WaitIdle()
	h.m.Refresh()

	if got := h.dev.calls(); len(got) != 1 || got[0] != (service.DeviceConfig{Protocol: "cyton", Port: "/dev/ttyACM3"}) {
		t.Fatalf("Connect calls %+v", got)
	}
	if d.State.Text != "Streaming — OpenBCI Cyton · 8 channels" {
		t.Errorf("state line %q", d.State.Text)
	}
	if !strings.HasPrefix(d.DetailText.Text, "Streaming — OpenBCI Cyton on /dev/ttyACM3 · 8 ch · 249.8 Hz") {
		t.Errorf("details %q", d.DetailText.Text)
	}
	if !d.Connect.Disabled() || d.Disconnect.Disabled() || !d.Port.Disabled() {
		t.Errorf("streaming: Connect disabled %v, Disconnect disabled %v, Port disabled %v", d.Connect.Disabled(), d.Disconnect.Disabled(), d.Port.Disabled())
	}
	if !strings.HasPrefix(h.m.StatusBar.Text, "Device: Streaming 249.8 Hz") {
		t.Errorf("status bar %q", h.m.StatusBar.Text)
	}

	test.Tap(d.Disconnect)
	h.m.WaitIdle()
	if d.State.Text != "Disconnected" || d.Connect.Disabled() {
		t.Errorf("after Disconnect: state %q, Connect disabled %v", d.State.Text, d.Connect.Disabled())
	}
}

func TestConnectRunsOffUIGoroutine(t *testing.T) {
	h := newHarness(t)
	h.dev.gate = make(chan struct{})
	d := h.m.Device
	d.Protocol.SetSelected("sim")
	test.Tap(d.Connect) // returns although Connect blocks
	if d.State.Text != "Connecting…" || !d.Connect.Disabled() || !d.Disconnect.Disabled() {
		t.Errorf("while connecting: state %q, Connect disabled %v, Disconnect disabled %v", d.State.Text, d.Connect.Disabled(), d.Disconnect.Disabled())
	}
	test.Tap(d.Connect) // ignored while busy
	close(h.dev.gate)
	h.m.WaitIdle()
	if n := len(h.dev.calls()); n != 1 {
		t.Errorf("Connect called %d times, want 1", n)
	}
	if got := d.Status().State; got != service.Streaming {
		t.Errorf("state %v, want Streaming", got)
	}
}

func TestConnectError(t *testing.T) {
	for _, test_ := range []struct {
		name, wantMsg string
		err           error
	}{
		{"port missing", "Could not connect: serial port /dev/ttyUSB0 does not exist (is the device plugged in?)",
			errors.New("serial port /dev/ttyUSB0 does not exist (is the device plugged in?)")},
		{"timeout", "Could not connect: no answer in time",
			fmt.Errorf("cyton banner: %w", context.DeadlineExceeded)},
	} {
		t.Run(test_.name, func(t *testing.T) {
			h := newHarness(t)
			h.dev.connectErr = test_.err
			d := h.m.Device
			d.Protocol.SetSelected("cyton")
			test.Tap(d.Connect)
			h.m.WaitIdle()
			if !strings.HasPrefix(d.Message.Text, test_.wantMsg) || d.Message.Importance != widget.DangerImportance {
				t.Errorf("message %q (importance %v), want prefix %q as danger", d.Message.Text, d.Message.Importance, test_.wantMsg)
			}
			if h.w.Canvas().Overlays().Top() != nil {
				t.Error("the error is repeated in a dialog")
			}
			if d.Connect.Disabled() || d.Protocol.Disabled() {
				t.Error("Connect or protocol still disabled after the error: cannot retry")
			}
			if d.State.Text != "Failed" {
				t.Errorf("state line %q, want Failed", d.State.Text)
			}
		})
	}
}

func TestConnectNeedsPort(t *testing.T) {
	h := newHarness(t)
	d := h.m.Device
	d.Protocol.SetSelected("cyton")
	d.Port.SetText("  ")
	test.Tap(d.Connect)
	h.m.WaitIdle()
	if len(h.dev.calls()) != 0 {
		t.Error("Connect called without a port")
	}
	if !strings.Contains(d.Message.Text, "serial port") {
		t.Errorf("message %q, want a request for the port", d.Message.Text)
	}
	d.Protocol.SetSelected("sim") // the simulator needs none
	if d.Port.Visible() || d.Rescan.Visible() {
		t.Error("port box shown for the simulator")
	}
	test.Tap(d.Connect)
	h.m.WaitIdle()
	if got := h.dev.calls(); len(got) != 1 || got[0] != (service.DeviceConfig{Protocol: "sim"}) {
		t.Errorf("Connect calls %+v, want sim without port", got)
	}
}

func TestRecordDisabled(t *testing.T) {
	h := newHarness(t)
	l := h.m.Live
	if !l.Record.Disabled() || l.RecordInfo.Text != "Select or add a patient on the left, then press Record." {
		t.Errorf("no patient, no device: Record disabled %v, info %q", l.Record.Disabled(), l.RecordInfo.Text)
	}
	h.connectSim()
	if !l.Record.Disabled() || l.RecordInfo.Text != "Select or add a patient on the left, then press Record." {
		t.Errorf("streaming without patient: Record disabled %v, info %q", l.Record.Disabled(), l.RecordInfo.Text)
	}
	test.Tap(l.Record)
	h.m.WaitIdle()
	if active, _, _ := h.rec.Recording(); active {
		t.Fatal("tapping the disabled Record started a recording")
	}
	test.Tap(h.m.Device.Disconnect)
	h.m.WaitIdle()
	h.selectPatient(1)
	if !l.Record.Disabled() || l.RecordInfo.Text != "Connect a device to record." {
		t.Errorf("patient without device: Record disabled %v, info %q", l.Record.Disabled(), l.RecordInfo.Text)
	}
	h.connectSim()
	if l.Record.Disabled() {
		t.Error("patient and streaming device: Record disabled")
	}
}

func TestRecordStartStop(t *testing.T) {
	h := newHarness(t)
	l := h.m.Live
	t0 := time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC)
	now := t0
	l.now = func() time.Time { return now }
	h.connectSim()
	h.selectPatient(2)
	if n := len(h.m.Patients.SessionList()); n != 0 {
		t.Fatalf("%d sessions before recording", n)
	}

	test.Tap(l.Record)
	h.m.WaitIdle()
	if l.Record.Text != "Stop" || l.Record.Disabled() || !l.Recording() {
		t.Fatalf("after Record: button %q disabled %v", l.Record.Text, l.Record.Disabled())
	}
	if s := h.m.Patients.SessionList(); len(s) != 1 || s[0].Status != storage.StatusRecording {
		t.Errorf("sessions while recording: %+v", s)
	}
	if !h.m.Device.Disconnect.Disabled() {
		t.Error("Disconnect enabled while recording")
	}

	now = t0.Add(65 * time.Second)
	h.rec.setSamples(16250)
	h.m.Refresh()
	if want := "● REC 1:05 · P-002 · 16\u2009250 samples"; l.RecordInfo.Text != want {
		t.Errorf("recording info %q, want %q", l.RecordInfo.Text, want)
	}
	if !strings.Contains(h.m.StatusBar.Text, "● Recording 1:05") {
		t.Errorf("status bar %q", h.m.StatusBar.Text)
	}

	test.Tap(l.Record)
	h.m.WaitIdle()
	if l.Record.Text != "Record" || l.Recording() {
		t.Errorf("after Stop: button %q", l.Record.Text)
	}
	s := h.m.Patients.SessionList()
	if len(s) != 1 || s[0].Status != storage.StatusCompleted || s[0].Samples != 16250 || s[0].PatientID != 2 {
		t.Fatalf("sessions after stop: %+v", s)
	}
	if want := "Saved session 1: 1:05, 16\u2009250 samples."; l.RecordInfo.Text != want {
		t.Errorf("info %q, want %q", l.RecordInfo.Text, want)
	}
	if h.m.Device.Disconnect.Disabled() {
		t.Error("Disconnect still locked after the recording")
	}
	cells := sessionCells(s[0])
	if cells[1] != "recording" || cells[2] != "1:05" || cells[3] != "completed" {
		t.Errorf("session row %q", cells)
	}
}

func TestRecordingEndedByApp(t *testing.T) {
	h := newHarness(t)
	h.connectSim()
	h.selectPatient(1)
	test.Tap(h.m.Live.Record)
	h.m.WaitIdle()
	h.rec.end() // the app stopped it (device lost)
	h.dev.setStatus(service.DeviceStatus{State: service.Reconnecting, Message: "Amplifier lost: reconnecting."})
	h.m.Refresh()
	h.m.WaitIdle()
	if h.m.Live.Recording() || h.m.Live.Record.Text != "Record" || !h.m.Live.Record.Disabled() {
		t.Errorf("after the app ended the recording: recording %v, button %q disabled %v",
			h.m.Live.Recording(), h.m.Live.Record.Text, h.m.Live.Record.Disabled())
	}
	if s := h.m.Patients.SessionList(); len(s) != 1 || s[0].Status != storage.StatusInterrupted {
		t.Errorf("sessions %+v, want the interrupted one", s)
	}
	if d := h.m.Device; d.Message.Text != "Amplifier lost: reconnecting." || d.Message.Importance != widget.WarningImportance {
		t.Errorf("device message %q importance %v", d.Message.Text, d.Message.Importance)
	}
}

func TestRecordStartError(t *testing.T) {
	h := newHarness(t)
	h.rec.startErr = errors.New("disk full")
	h.connectSim()
	h.selectPatient(1)
	test.Tap(h.m.Live.Record)
	h.m.WaitIdle()
	if h.m.Live.Recording() || h.m.Live.RecordInfo.Text != "Could not start recording: disk full" {
		t.Errorf("recording %v, info %q", h.m.Live.Recording(), h.m.Live.RecordInfo.Text)
	}
	if h.w.Canvas().Overlays().Top() == nil {
		t.Error("no error dialog")
	}
}

func liveSnapshot(seq uint64) *pipeline.Snapshot {
	lo, hi := make([]float32, 100), make([]float32, 100)
	for i := range lo {
		lo[i], hi[i] = -50, 50
	}
	return &pipeline.Snapshot{
		Seq: seq, Info: acquisition.StreamInfo{Channels: 1, SampleRateHz: 250, Labels: []string{"FDS"}},
		SpanSeconds: 5, BinSamples: 1,
		RawMin: [][]float32{lo}, RawMax: [][]float32{hi}, FilteredMin: [][]float32{lo}, FilteredMax: [][]float32{hi},
		RMSUV: []float64{30},
	}
}

func TestScopeFollowsDeviceAndMode(t *testing.T) {
	h := newHarness(t)
	l := h.m.Live
	if l.Scope.Snapshot() != nil {
		t.Fatal("scope has data before any snapshot")
	}
	snap := liveSnapshot(1)
	h.dev.snap.Store(snap)
	h.m.Refresh()
	if l.Scope.Snapshot() != snap {
		t.Error("Refresh did not pass the snapshot to the scope")
	}
	if !l.Scope.Filtered() {
		t.Error("scope does not start filtered")
	}
	l.Mode.SetSelected("Raw")
	if l.Scope.Filtered() {
		t.Error("Raw mode still shows filtered data")
	}
	l.Mode.SetSelected("Filtered")
	if !l.Scope.Filtered() {
		t.Error("Filtered mode shows raw data")
	}
}

func TestStartTicker(t *testing.T) {
	h := newHarness(t)
	h.dev.snapCalls = make(chan struct{}, 1)
	snap := liveSnapshot(7)
	h.dev.snap.Store(snap)
	ctx, cancel := context.WithCancel(context.Background())
	h.m.Start(ctx)
	for range 2 { // two frames
		select {
		case <-h.dev.snapCalls:
		case <-time.After(5 * time.Second):
			t.Fatal("the ticker never read a snapshot")
		}
	}
	cancel()
	select {
	case <-h.m.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the ticker goroutine did not exit on ctx.Done")
	}
	if h.m.Live.Scope.Snapshot() != snap {
		t.Error("the ticker did not show the snapshot")
	}
}

func TestNewPanicsOnMissingService(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	for _, test_ := range []struct {
		name string
		d    Deps
	}{
		{"patients", Deps{Device: &fakeDevice{}, Recorder: newFakeRecorder()}},
		{"device", Deps{Patients: &fakePatients{}, Recorder: newFakeRecorder()}},
		{"recorder", Deps{Patients: &fakePatients{}, Device: &fakeDevice{}}},
	} {
		t.Run(test_.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "ui: nil") {
					t.Errorf("recover() = %v, want a ui: nil … panic", r)
				}
			}()
			New(a, w, test_.d)
		})
	}
}
