package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/storage"
)

// TestUIRecordsASession drives the real main screen, on the real services
// (SQLite file, simulated amplifier, live pipeline, recording writer), with
// Fyne's test driver: add a patient, connect the simulator, record, stop,
// and see the session in the patient's history.
func TestUIRecordsASession(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	svc, _ := testServices(t)
	scr := BuildUI(a, w, svc)
	w.Resize(fyne.NewSize(1280, 800))
	scr.WaitIdle()

	// Add a patient through the form.
	p := scr.Patients
	test.Tap(p.AddButton)
	f := p.Form
	if f == nil {
		t.Fatal("Add patient did not open the form")
	}
	test.Type(f.Code, "P-100")
	test.Type(f.Name, "Ana Ruiz")
	test.Type(f.BirthDate, "1958-02-11")
	test.Tap(f.Save)
	scr.WaitIdle()
	if p.Form != nil {
		t.Fatalf("form still open: %q", f.Message.Text)
	}
	stored, err := svc.DB.PatientByCode(t.Context(), "P-100")
	if err != nil || stored.Name != "Ana Ruiz" || stored.BirthDate != "1958-02-11" {
		t.Fatalf("patient in the database: %+v, %v", stored, err)
	}
	if sel := p.Selected(); sel == nil || sel.ID != stored.ID {
		t.Fatalf("selected %+v, want the new patient", sel)
	}

	// Connect the simulated amplifier.
	d := scr.Device
	d.Protocol.SetSelected("sim")
	test.Tap(d.Connect)
	scr.WaitIdle()
	scr.Refresh()
	if st := d.Status(); st.State != service.Streaming {
		t.Fatalf("device state %v (%s), want Streaming", st.State, st.Message)
	}
	waitfor.Eventually(t, 5*time.Second, "live data", func() bool { return svc.Device.Snapshot() != nil })

	// Record half a second or so, then stop.
	l := scr.Live
	scr.Refresh()
	if l.Record.Disabled() {
		t.Fatal("Record disabled with a patient selected and the simulator streaming")
	}
	test.Tap(l.Record)
	scr.WaitIdle()
	if !l.Recording() {
		t.Fatal("not recording after tapping Record")
	}
	waitfor.Eventually(t, 5*time.Second, "recorded samples", func() bool {
		_, _, n := svc.Recorder.State()
		return n >= 500
	})
	test.Tap(l.Record)
	scr.WaitIdle()
	if l.Recording() {
		t.Fatal("still recording after Stop")
	}
	scr.WaitIdle()
	sessions := p.SessionList()
	if len(sessions) != 1 {
		t.Fatalf("session list %+v, want the new session", sessions)
	}
	s := sessions[0]
	if s.Status != storage.StatusCompleted || s.Samples < 500 || s.PatientID != stored.ID || s.Device != "Simulated amplifier" {
		t.Fatalf("session %+v", s)
	}
	// The session really is in the database, with its samples.
	n := len(storedSamples(t, svc.DB, s.ID))
	if int64(n) != s.Samples {
		t.Fatalf("database holds %d samples, session says %d", n, s.Samples)
	}
	// Disconnect is possible again and leaves the device idle.
	test.Tap(d.Disconnect)
	scr.WaitIdle()
	scr.Refresh()
	if st := svc.Device.Status(); st.State != service.Disconnected {
		t.Fatalf("after Disconnect: %v", st.State)
	}
}
