package app

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/glove/emulator/emulatortest"
	"myorehab/acquisition/sim"
	"myorehab/app/rehab"
	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/storage"
	"myorehab/ui"
)

// saveMVC stores an MVC of uv µV on every channel of the simulator's ring.
func saveMVC(t *testing.T, svc *Services, patientID int64, uv float64) {
	t.Helper()
	labels := sim.DefaultLabels(sim.DefaultChannels)
	m := &storage.MVCMeasurement{PatientID: patientID, Source: "test", Labels: labels, MVCUV: make([]float64, len(labels))}
	for i := range m.MVCUV {
		m.MVCUV[i] = uv
	}
	if err := svc.DB.SaveMVC(t.Context(), m); err != nil {
		t.Fatal(err)
	}
}

// TestUIPatientMVCSwitches: the live bars read in the selected patient's
// own MVC — switching patients switches it, a patient without MVC shows
// "% max" (never the previous patient's) and gets the prompt to measure it
// before a %MVC exercise, and the MVC is there again after a restart.
func TestUIPatientMVCSwitches(t *testing.T) {
	path := t.TempDir() + "/myorehab.db"
	svc, _ := testServicesAt(t, path)
	a, b, c := testPatient(t, svc, "MVC-A"), testPatient(t, svc, "MVC-B"), testPatient(t, svc, "MVC-C")
	saveMVC(t, svc, a.ID, 100)
	saveMVC(t, svc, b.ID, 250)
	if _, err := svc.Rehab.SavePlan(t.Context(), c.ID, rehab.DefaultPlan()); err != nil {
		t.Fatal(err)
	}

	build := func(svc *Services) *ui.MainScreen {
		app := test.NewTempApp(t)
		w := test.NewWindow(nil)
		t.Cleanup(w.Close)
		scr := BuildUI(app, w, svc)
		w.Resize(fyne.NewSize(1366, 768))
		scr.WaitIdle()
		if err := svc.Device.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
			t.Fatal(err)
		}
		waitfor.Eventually(t, 5*time.Second, "live data", func() bool { return svc.Device.Snapshot() != nil })
		return scr
	}
	scr := build(svc)
	want := map[int64]float64{a.ID: 100, b.ID: 250}
	for _, p := range []*storage.Patient{a, b, a, c, b} {
		if !scr.Patients.Select(p.ID) {
			t.Fatalf("patient %s not listed", p.Code)
		}
		scr.WaitIdle()
		scr.Refresh()
		ref, label := scr.Live.Levels.Reference(0), scr.Live.Levels.Label(0)
		if w, ok := want[p.ID]; ok {
			if ref != w || !strings.Contains(label, "%MVC") {
				t.Errorf("%s: bar reference %v µV (%q), want the patient's own %v µV", p.Code, ref, label, w)
			}
			continue
		}
		if ref == 100 || ref == 250 || strings.Contains(label, "%MVC") {
			t.Errorf("%s (no MVC): bar reference %v µV (%q), another patient's MVC", p.Code, ref, label)
		}
	}

	// A patient without MVC: a clear prompt before a %MVC exercise.
	scr.Patients.Select(c.ID)
	scr.WaitIdle()
	scr.Refresh()
	r := scr.Rehab
	if !strings.Contains(r.MVC.Text, "No MVC measured") {
		t.Errorf("MVC line %q, want the prompt to measure it", r.MVC.Text)
	}
	test.Tap(r.Start)
	scr.WaitIdle()
	if r.MVCPrompt == nil {
		t.Fatal("Start for a patient without MVC did not ask to measure it first")
	}
	if ss, _ := svc.DB.ListSessions(t.Context(), storage.SessionFilter{PatientID: c.ID}); len(ss) != 0 {
		t.Errorf("%d sessions started without an MVC", len(ss))
	}
	r.MVCPrompt.Hide()

	// After a restart, the patient's MVC is still there.
	svc.Close()
	svc2, _ := testServicesAt(t, path)
	scr2 := build(svc2)
	scr2.Patients.Select(b.ID)
	scr2.WaitIdle()
	scr2.Refresh()
	if ref := scr2.Live.Levels.Reference(0); ref != 250 {
		t.Errorf("after a restart: bar reference %v µV, want 250", ref)
	}
}

// TestUIRunsAWholePlan drives a whole plan from the Exercises tab with the
// simulated patient and the glove emulator: the MVC holds, then every rep;
// the stored session is of type rehab and has every rep, the plan version
// and the glove's events.
func TestUIRunsAWholePlan(t *testing.T) {
	if testing.Short() {
		t.Skip("a real-time session of about 20 s; skipped with -short")
	}
	_, pipe := emulatortest.Start(t, emulator.Config{Watchdog: 3 * time.Second})
	svc, _ := testServices(t)
	cfg := svc.Rehab.Config()
	cfg.MVCHold, cfg.MVCRest = time.Second, 500*time.Millisecond
	svc.Rehab = rehab.NewService(context.Background(), cfg)
	p := testPatient(t, svc, "PLAN-1")
	if err := svc.Glove.Connect(pipe.B); err != nil {
		t.Fatal(err)
	}
	app := test.NewTempApp(t)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	scr := BuildUI(app, w, svc)
	w.Resize(fyne.NewSize(1366, 768))
	scr.WaitIdle()
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		t.Fatal(err)
	}
	scr.Patients.Select(p.ID)
	scr.WaitIdle()
	r := scr.Rehab

	// Build the plan in the editor from two templates, shorten it, save.
	test.Tap(r.EditPlan)
	e := r.Editor
	if e == nil {
		t.Fatal("Edit plan did not open the editor")
	}
	for range 2 { // remove the starter plan's exercises
		e.Exercises.Select(0)
		test.Tap(e.Remove)
	}
	for _, name := range []string{"power grip hold", "hand opening"} {
		e.Template.SetSelected(name)
		test.Tap(e.Add)
		e.Reps.SetText("2")
		e.Hold.SetText("1")
		e.Rest.SetText("1")
		e.Mode.SetSelected(service.ModePassive)
		e.Level.SetText("40")
	}
	test.Type(e.Name, " (short)")
	test.Tap(e.Save)
	scr.WaitIdle()
	if r.Editor != nil {
		t.Fatalf("the editor is still open: %q", e.Message.Text)
	}
	stored, err := svc.DB.LatestRehabPlan(t.Context(), p.ID)
	if err != nil || stored.Version != 1 {
		t.Fatalf("saved plan %+v, %v", stored, err)
	}

	r.MeasureMVC.SetChecked(true)
	test.Tap(r.Start)
	scr.WaitIdle()
	if r.MVCPrompt != nil {
		t.Fatal("asked to measure the MVC although the box was ticked")
	}
	var res *rehab.Result
	waitfor.Eventually(t, 120*time.Second, "the session to end", func() bool {
		res = svc.Rehab.Result()
		return res != nil
	})
	scr.Refresh()
	scr.WaitIdle()
	scr.Refresh()
	// The MVC measured at the start is now the live bars' reference.
	m, err := svc.DB.LatestMVC(t.Context(), p.ID)
	if err != nil || m.Source != "rehab" {
		t.Fatalf("the MVC measured in the session: %+v, %v", m, err)
	}
	if ref := scr.Live.Levels.Reference(0); ref != m.MVCUV[0] {
		t.Errorf("live bar reference %v µV, want the MVC just measured %v µV", ref, m.MVCUV[0])
	}
	if !strings.Contains(r.Summary.Text, "4 of 4 repetitions done") {
		t.Errorf("summary %q", r.Summary.Text)
	}
	if len(res.Faults) != 0 {
		t.Errorf("faults %q", res.Faults)
	}
	ctx := t.Context()
	s, err := svc.DB.Session(ctx, res.SessionID)
	if err != nil || s.Type != storage.SessionRehab || s.Samples == 0 {
		t.Fatalf("session %+v, %v", s, err)
	}
	rs, err := svc.DB.RehabSessionOf(ctx, s.ID)
	if err != nil || rs.PlanVersion != 1 || rs.PlanID != stored.ID || rs.PlannedReps != 4 || rs.CompletedReps != 4 {
		t.Fatalf("rehab session %+v, %v", rs, err)
	}
	reps, err := svc.DB.RehabReps(ctx, s.ID)
	if err != nil || len(reps) != 4 {
		t.Fatalf("%d reps stored, %v", len(reps), err)
	}
	for _, x := range reps {
		if x.HoldSamples != 1000 || x.AssistMode != service.ModePassive || math.IsNaN(x.GloveRangePct) {
			t.Errorf("rep %+v: want a 1 s hold with the glove's range", x)
		}
	}
	anns, err := svc.DB.ListAnnotations(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, a := range anns {
		kinds[a.Kind]++
	}
	if kinds["glove"] == 0 || kinds[rehab.AnnRep] != 4 || kinds[rehab.AnnMVC] != 4 {
		t.Errorf("annotations by kind %v: want glove events, 4 reps and 4 MVC holds", kinds)
	}
}

// TestCloseSavesARunningSession: closing the app during a guided session
// ends it and saves the reps done, with the plan version.
func TestCloseSavesARunningSession(t *testing.T) {
	path := t.TempDir() + "/myorehab.db"
	svc, _ := testServicesAt(t, path)
	p := testPatient(t, svc, "CLOSE-1")
	saveMVC(t, svc, p.ID, 100)
	plan := rehab.DefaultPlan()
	plan.Exercises[0].HoldS, plan.Exercises[0].RestS = 0.5, 0.2
	if _, err := svc.Rehab.SavePlan(t.Context(), p.ID, plan); err != nil {
		t.Fatal(err)
	}
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Rehab.Start(t.Context(), p.ID, false); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 30*time.Second, "two reps done", func() bool { return svc.Rehab.Live().Done >= 2 })
	svc.Close()
	svc2, _ := testServicesAt(t, path)
	ss, err := svc2.DB.ListSessions(t.Context(), storage.SessionFilter{PatientID: p.ID})
	if err != nil || len(ss) != 1 || ss[0].Type != storage.SessionRehab || ss[0].Status != storage.StatusCompleted {
		t.Fatalf("sessions %+v, %v", ss, err)
	}
	rs, err := svc2.DB.RehabSessionOf(t.Context(), ss[0].ID)
	if err != nil || rs.PlanVersion != 1 || rs.CompletedReps < 2 || rs.CompletedReps >= rs.PlannedReps {
		t.Fatalf("rehab session %+v, %v", rs, err)
	}
}
