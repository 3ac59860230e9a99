package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"myorehab/app/service"
	"myorehab/storage"
)

// fakeProgress is an in-memory ProgressService: a fixed view, outcome
// measures checked as the database checks them, notes and report calls
// recorded.
type fakeProgress struct {
	mu       sync.Mutex
	view     service.ProgressView
	outcomes []storage.Outcome
	notes    map[int64]string
	reports  []string
}

func newFakeProgress() *fakeProgress {
	d := func(day int) time.Time { return time.Date(2026, 3, day, 10, 0, 0, 0, time.Local) }
	return &fakeProgress{notes: map[int64]string{}, view: service.ProgressView{
		PatientCode: "P-001", From: d(2), To: d(15), ReportName: "P-001_progress_2026-03-02_2026-03-15.pdf",
		Summary: []string{"Sessions: 3 sessions (3 rehab)", "Adherence: 50 % of the prescribed sessions done", "Plan: grip"},
		Charts: []service.ProgressChart{{Title: "Time in band", Unit: "%", Series: []service.ProgressSeries{
			{Label: "time in band", Points: []service.ProgressPoint{{Date: d(2), Value: 40}, {Date: d(9), Value: 60}, {Date: d(11), Value: 75}}}}}},
		Sessions: []service.ProgressSession{
			{ID: 1, Start: d(2), Type: "rehab", Status: "completed", Reps: "10/10", TimeInBand: "40.0"},
			{ID: 2, Start: d(9), Type: "rehab", Status: "interrupted", Reps: "4/10", TimeInBand: "60.0"},
		},
	}}
}

func (f *fakeProgress) Progress(context.Context, int64) (*service.ProgressView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.view
	v.Sessions = append([]service.ProgressSession(nil), f.view.Sessions...)
	for i := range v.Sessions {
		v.Sessions[i].Notes = f.notes[v.Sessions[i].ID]
	}
	return &v, nil
}

func (f *fakeProgress) WriteReport(_ context.Context, _ int64, path string, _ bool, progress func(float64)) (int, error) {
	f.mu.Lock()
	f.reports = append(f.reports, path)
	f.mu.Unlock()
	progress(1)
	return 3, nil
}

func (f *fakeProgress) Outcomes(context.Context, int64) ([]storage.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]storage.Outcome(nil), f.outcomes...), nil
}

func (f *fakeProgress) AddOutcome(_ context.Context, o *storage.Outcome) error {
	if err := o.Validate(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o.ID = int64(len(f.outcomes) + 1)
	f.outcomes = append(f.outcomes, *o)
	return nil
}

func (f *fakeProgress) DeleteOutcome(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, o := range f.outcomes {
		if o.ID == id {
			f.outcomes = append(f.outcomes[:i], f.outcomes[i+1:]...)
			return nil
		}
	}
	return storage.ErrNotFound
}

func (f *fakeProgress) SetSessionNotes(_ context.Context, id int64, notes string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes[id] = notes
	return nil
}

func progressHarness(t *testing.T) (*harness, *fakeProgress) {
	t.Helper()
	fp := newFakeProgress()
	h := newHarnessWith(t, func(_ *harness, d *Deps) { d.Progress = fp })
	h.selectPatient(1)
	return h, fp
}

func TestProgressScreen(t *testing.T) {
	h, fp := progressHarness(t)
	p := h.m.Patients
	if p.ProgressButton.Disabled() || !p.ProgressButton.Visible() {
		t.Fatal("Progress… not available with a selected patient")
	}
	test.Tap(p.ProgressButton)
	h.m.WaitIdle()
	s := p.Progress
	if s == nil || s.View() == nil {
		t.Fatal("progress view not loaded")
	}
	if !strings.HasPrefix(s.Summary.Text, "2 Mar 2026 to 15 Mar 2026.") || !strings.Contains(s.Summary.Text, "Adherence: 50 %") || s.Plan.Text != "Plan: grip" {
		t.Errorf("summary %q, plan %q", s.Summary.Text, s.Plan.Text)
	}
	if len(s.Charts) != 1 || s.Report.Disabled() {
		t.Fatalf("%d charts, Report disabled %v", len(s.Charts), s.Report.Disabled())
	}
	// Hovering over a point shows its value and date.
	c := s.Charts[0]
	c.Resize(fyne.NewSize(600, 220))
	at := c.pos(time.Date(2026, 3, 9, 10, 0, 0, 0, time.Local), 60, c.Size(), c.yMax())
	c.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: at.Add(fyne.NewPos(3, -2))}})
	if c.Tip != "time in band: 60 %, Mon 9 Mar 2026" {
		t.Errorf("tooltip %q", c.Tip)
	}
	c.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(5, 5)}})
	if c.Tip != "" {
		t.Errorf("tooltip far from any point: %q", c.Tip)
	}
	c.Tapped(&fyne.PointEvent{Position: c.pos(time.Date(2026, 3, 11, 10, 0, 0, 0, time.Local), 75, c.Size(), c.yMax())})
	if !strings.HasPrefix(c.Tip, "time in band: 75 %") {
		t.Errorf("tap: tooltip %q", c.Tip)
	}
	// The interrupted session is marked; notes are saved per session.
	if line := sessionLine(s.View().Sessions[1]); !strings.Contains(line, "INTERRUPTED") || !strings.Contains(line, "4/10 reps") {
		t.Errorf("session line %q", line)
	}
	if !s.SaveNote.Disabled() {
		t.Error("Save notes enabled without a session")
	}
	s.Sessions.Select(1)
	test.Type(s.Notes, "Stopped: shoulder pain")
	test.Tap(s.SaveNote)
	h.m.WaitIdle()
	if fp.notes[2] != "Stopped: shoulder pain" || !strings.Contains(sessionLine(s.View().Sessions[1]), "shoulder pain") {
		t.Errorf("notes %v", fp.notes)
	}
}

func TestReportForm(t *testing.T) {
	h, fp := progressHarness(t)
	test.Tap(h.m.Patients.ProgressButton)
	h.m.WaitIdle()
	s := h.m.Patients.Progress
	test.Tap(s.Report)
	f := s.ReportForm
	if f == nil || !strings.HasSuffix(f.Path.Text, "P-001_progress_2026-03-02_2026-03-15.pdf") {
		t.Fatalf("report form %v, proposed %q", f != nil, f.Path.Text)
	}
	f.Deidentify.SetChecked(true)
	if !strings.HasSuffix(f.Path.Text, "_2026-03-15_deid.pdf") {
		t.Errorf("de-identified name %q", f.Path.Text)
	}
	dir := t.TempDir()
	f.Path.SetText(dir + "/nowhere/r.pdf")
	test.Tap(f.Start)
	if !strings.Contains(f.Message.Text, "does not exist") {
		t.Errorf("missing folder: %q", f.Message.Text)
	}
	f.Path.SetText(dir + "/r")
	test.Tap(f.Start)
	h.m.WaitIdle()
	if len(fp.reports) != 1 || fp.reports[0] != dir+"/r.pdf" || !strings.HasPrefix(f.Message.Text, "Wrote the report (3 pages)") {
		t.Errorf("reports %q, message %q", fp.reports, f.Message.Text)
	}
}

func TestOutcomeForm(t *testing.T) {
	h, fp := progressHarness(t)
	test.Tap(h.m.Patients.ProgressButton)
	h.m.WaitIdle()
	test.Tap(h.m.Patients.Progress.Outcomes)
	f := h.m.Patients.Progress.OutcomeForm
	h.m.WaitIdle()
	f.Measure.SetSelected(storage.FuglMeyerUE.Title())
	if !f.Muscle.Disabled() {
		t.Error("muscle group enabled for Fugl-Meyer")
	}
	f.Value.SetText("67")
	f.Date.SetText("2026-03-02")
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, "whole number from 0 to 66") || len(fp.outcomes) != 0 {
		t.Errorf("67 accepted? message %q, %d stored", f.Message.Text, len(fp.outcomes))
	}
	f.Value.SetText("31")
	f.Date.SetText("2.3.2026")
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, "YYYY-MM-DD") {
		t.Errorf("bad date: %q", f.Message.Text)
	}
	f.Date.SetText("2026-03-02")
	test.Tap(f.Save)
	h.m.WaitIdle()
	f.Measure.SetSelected(storage.Ashworth.Title())
	f.Value.SetText("1+")
	test.Tap(f.Save)
	if !strings.Contains(f.Message.Text, "needs the muscle group") {
		t.Errorf("Ashworth without muscle: %q", f.Message.Text)
	}
	f.Muscle.SetText("wrist flexors")
	test.Tap(f.Save)
	h.m.WaitIdle()
	if len(fp.outcomes) != 2 || fp.outcomes[0].Value != 31 || fp.outcomes[1].Value != storage.AshworthPlus || fp.outcomes[1].Muscle != "wrist flexors" {
		t.Fatalf("stored %+v", fp.outcomes)
	}
	if f.List.Length() != 2 || !strings.Contains(outcomeLine(f.entries[0]), "wrist flexors  1+") {
		t.Errorf("list %d, first %q", f.List.Length(), outcomeLine(f.entries[0]))
	}
	f.List.Select(0)
	test.Tap(f.Delete)
	ok := findButton(h.w.Canvas().Overlays().Top(), "Delete")
	if ok == nil {
		t.Fatal("no confirmation before deleting")
	}
	test.Tap(ok)
	h.m.WaitIdle()
	if len(fp.outcomes) != 1 {
		t.Errorf("after delete: %+v", fp.outcomes)
	}
}
