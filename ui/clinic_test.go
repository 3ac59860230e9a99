package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"myorehab/processing/pipeline"
)

// TestStaleDisplayAfterDisconnect: after Disconnect the traces, the
// quality lights and the level bars no longer look live: they are greyed,
// the lights say "no signal" and a note says how long ago the last sample
// came. Connecting again makes them live.
func TestStaleDisplayAfterDisconnect(t *testing.T) {
	h := newHarness(t)
	h.connectSim()
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	h.m.Live.now = func() time.Time { return now }
	snap := qualitySnapshot(1, pipeline.QualityGood, pipeline.QualityGood)
	snap.Published = now
	h.dev.snap.Store(snap)
	h.m.Refresh()
	sc := h.m.Live.Scope
	if sc.Stale() != "" || sc.QualityText(0) != "OK" || h.m.Live.Levels.Stale() {
		t.Fatalf("streaming: stale note %q, quality %q, bars stale %v", sc.Stale(), sc.QualityText(0), h.m.Live.Levels.Stale())
	}

	test.Tap(h.m.Device.Disconnect)
	h.m.WaitIdle()
	now = now.Add(12 * time.Second)
	h.m.Refresh()
	if got := sc.Stale(); !strings.Contains(got, "No signal") || !strings.Contains(got, "12 s ago") {
		t.Errorf("after Disconnect the scope's note is %q, want no signal, last sample 12 s ago", got)
	}
	if q := sc.Quality(0).Level; q != pipeline.QualityUnknown || sc.QualityText(0) != "no signal" {
		t.Errorf("after Disconnect channel 1's light is %v %q, want grey and no signal", q, sc.QualityText(0))
	}
	if !h.m.Live.Levels.Stale() {
		t.Error("after Disconnect the level bars are not greyed")
	}

	h.connectSim()
	snap2 := qualitySnapshot(2, pipeline.QualityGood, pipeline.QualityGood)
	snap2.Published = now
	h.dev.snap.Store(snap2)
	h.m.Refresh()
	if sc.Stale() != "" || sc.QualityText(0) != "OK" || h.m.Live.Levels.Stale() {
		t.Errorf("connected again: stale note %q, quality %q, bars stale %v", sc.Stale(), sc.QualityText(0), h.m.Live.Levels.Stale())
	}
}

// TestStaleWhileStreamingWithoutSamples: a device that streams but sends
// nothing new for a while is shown as not live too.
func TestStaleWhileStreamingWithoutSamples(t *testing.T) {
	h := newHarness(t)
	h.connectSim()
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	h.m.Live.now = func() time.Time { return now }
	snap := qualitySnapshot(1, pipeline.QualityGood)
	snap.Published = now
	h.dev.snap.Store(snap)
	h.m.Refresh()
	if h.m.Live.Scope.Stale() != "" {
		t.Fatalf("fresh snapshot shown stale: %q", h.m.Live.Scope.Stale())
	}
	now = now.Add(5 * time.Second)
	h.m.Refresh()
	if got := h.m.Live.Scope.Stale(); !strings.Contains(got, "5 s ago") {
		t.Errorf("no new sample for 5 s: note %q", got)
	}
}

// TestRestoreListPlaceholder: the restore box never says "No backup yet"
// while it lists a backup.
func TestRestoreListPlaceholder(t *testing.T) {
	backup := &fakeBackup{}
	h := newHarnessWith(t, func(h *harness, d *Deps) { d.Backup = backup })
	test.Tap(h.m.SettingsButton)
	h.m.WaitIdle()
	s := h.m.Settings
	if len(s.Backups.Options) != 0 || s.Backups.PlaceHolder != "No backup yet" {
		t.Fatalf("no backups: options %q, placeholder %q", s.Backups.Options, s.Backups.PlaceHolder)
	}
	test.Tap(s.BackupNow)
	h.m.WaitIdle()
	if len(s.Backups.Options) != 1 || s.Backups.PlaceHolder == "No backup yet" {
		t.Errorf("after a backup: options %q, placeholder %q", s.Backups.Options, s.Backups.PlaceHolder)
	}
	if !slices.Equal(s.Backups.Options, backup.backups) {
		t.Errorf("listed %q, made %q", s.Backups.Options, backup.backups)
	}
}

// TestCrashRecoveryNotice: sessions a crash interrupted are named at the
// next start, in a banner the therapist dismisses.
func TestCrashRecoveryNotice(t *testing.T) {
	h := newHarness(t)
	if h.m.Notice.Shown() {
		t.Fatal("notice shown without an interrupted session")
	}
	h.m.ShowInterrupted(nil)
	if h.m.Notice.Shown() {
		t.Fatal("notice shown for an empty list")
	}
	started := time.Date(2026, 3, 4, 10, 30, 0, 0, time.Local)
	h.m.ShowInterrupted([]Interrupted{{SessionID: 7, Patient: "P-001", Started: started, Kept: 95 * time.Second}})
	txt := h.m.Notice.Text.Text
	if !h.m.Notice.Shown() {
		t.Fatal("no notice for an interrupted session")
	}
	for _, want := range []string{"not closed properly", "P-001", "4 Mar 10:30", "1:35 kept", "Interrupted"} {
		if !strings.Contains(txt, want) {
			t.Errorf("notice %q lacks %q", txt, want)
		}
	}
	test.Tap(h.m.Notice.Dismiss)
	if h.m.Notice.Shown() {
		t.Error("OK did not dismiss the notice")
	}
}

// TestMarkersAndNotesWhileRecording: markers are numbered, typed notes are
// added with Add note or Enter; both only while recording.
func TestMarkersAndNotesWhileRecording(t *testing.T) {
	h := newHarness(t)
	h.connectSim()
	h.selectPatient(1)
	l := h.m.Live
	if !l.Marker.Disabled() || !l.AddNote.Disabled() || !l.NoteEntry.Disabled() {
		t.Fatal("marker and note enabled without a recording")
	}
	test.Tap(l.Record)
	h.m.WaitIdle()
	test.Tap(l.Marker)
	test.Tap(l.Marker)
	test.Type(l.NoteEntry, "patient tired")
	test.Tap(l.AddNote)
	test.Type(l.NoteEntry, "electrode re-taped")
	l.NoteEntry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Tap(l.AddNote) // empty: nothing
	want := []string{"Marker 1", "Marker 2", "patient tired", "electrode re-taped"}
	if got := h.rec.noted(); !slices.Equal(got, want) {
		t.Errorf("notes %q, want %q", got, want)
	}
	if l.NoteEntry.Text != "" || !strings.Contains(l.NoteEntry.PlaceHolder, "Noted: electrode re-taped") {
		t.Errorf("after the note: field %q, placeholder %q", l.NoteEntry.Text, l.NoteEntry.PlaceHolder)
	}
	test.Tap(l.Record) // stop
	h.m.WaitIdle()
	if !l.Marker.Disabled() {
		t.Error("marker enabled after the recording")
	}
	test.Tap(l.Record)
	h.m.WaitIdle()
	test.Tap(l.Marker)
	if got := h.rec.noted(); got[len(got)-1] != "Marker 1" {
		t.Errorf("a new recording's first marker is %q", got[len(got)-1])
	}
}

// TestPatientFormErrorFollowsTheFields: the date that does not exist says
// so; the message goes as soon as the field is fixed, and the message's
// space is reserved so the dialog does not jump.
func TestPatientFormErrorFollowsTheFields(t *testing.T) {
	h := newHarness(t)
	test.Tap(h.m.Patients.AddButton)
	f := h.m.Patients.Form
	test.Type(f.Code, "P-077")
	test.Type(f.BirthDate, "2020-02-31")
	if f.Message.Text != "" {
		t.Fatalf("message %q before Save", f.Message.Text)
	}
	before := f.dialog.MinSize()
	test.Tap(f.Save)
	if want := "2020-02-31 does not exist"; !strings.Contains(f.Message.Text, want) {
		t.Fatalf("message %q, want %q", f.Message.Text, want)
	}
	if after := f.dialog.MinSize(); after.Height != before.Height {
		t.Errorf("the dialog grew from %v to %v when the message appeared", before.Height, after.Height)
	}
	f.Code.SetText("P 077 with spaces that are not allowed")
	test.Tap(f.Save) // a message on two lines
	if after := f.dialog.MinSize(); after.Height != before.Height {
		t.Errorf("the dialog grew from %v to %v when the message wrapped (%q)", before.Height, after.Height, f.Message.Text)
	}
	f.Code.SetText("P-077")
	f.BirthDate.SetText("2020-02-29")
	if f.Message.Text != "" {
		t.Errorf("message %q stays after the date was fixed", f.Message.Text)
	}
}

// TestFirstRunHint: with no patient the screen says what to do first.
func TestFirstRunHint(t *testing.T) {
	h := newHarnessWith(t, func(h *harness, _ *Deps) { h.patients.patients = nil })
	if !h.m.Patients.EmptyHint.Visible() || !strings.Contains(h.m.Patients.EmptyHint.Text, "Add patient") {
		t.Errorf("empty list hint %v %q", h.m.Patients.EmptyHint.Visible(), h.m.Patients.EmptyHint.Text)
	}
	if !strings.Contains(h.m.Live.RecordInfo.Text, "add a patient") {
		t.Errorf("record info %q", h.m.Live.RecordInfo.Text)
	}
	test.Tap(h.m.Patients.AddButton)
	f := h.m.Patients.Form
	test.Type(f.Code, "P-001")
	test.Tap(f.Save)
	h.m.WaitIdle()
	if h.m.Patients.EmptyHint.Visible() {
		t.Error("hint still shown with a patient listed")
	}
}

// TestHistoryWhileRecordingAndFits: the session being recorded reads
// "● Recording" without a 0:00 length, and the history's columns share the
// panel's width, Mean RMS and MDF included (no sideways scrolling).
func TestHistoryWhileRecordingAndFits(t *testing.T) {
	h := newHarness(t)
	h.connectSim()
	h.selectPatient(1)
	test.Tap(h.m.Live.Record)
	h.m.WaitIdle()
	p := h.m.Patients
	if len(p.SessionList()) != 1 {
		t.Fatalf("history %d rows while recording", len(p.SessionList()))
	}
	if row := p.cells(0); row[1] != "● Recording" || row[2] == "0:00" {
		t.Errorf("row while recording %q", row)
	}
	var fit *fitColumns
	for _, o := range test.LaidOutObjects(h.m.Content()) {
		if c, ok := o.(*fyne.Container); ok {
			if f, ok := c.Layout.(*fitColumns); ok {
				fit = f
			}
		}
	}
	if fit == nil {
		t.Fatal("no history table laid out")
	}
	for _, width := range []float32{1280, 1366, 1920} {
		h.w.Resize(fyne.NewSize(width, 720))
		tw := p.Sessions.Size().Width
		sum := float32(0)
		for _, w := range fit.widths {
			sum += w
		}
		if tw <= 0 || len(fit.widths) != len(historyColumns) || sum > tw {
			t.Errorf("window %v: columns %v (%v) in a %v table", width, fit.widths, sum, tw)
		}
	}
}
