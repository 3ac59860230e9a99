package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/glove/emulator/emulatortest"
	"myorehab/acquisition/sim"
	"myorehab/app/rehab"
	"myorehab/storage"
)

const rehabPlanFile = `{"name": "grip, week 1",
 "exercises": [
  {"name": "power grip hold", "kind": "mvc", "channels": ["FDS", "FDP"],
   "target_low_pct": 30, "target_high_pct": 50, "hold_s": 3, "rest_s": 3, "reps": 5,
   "assist": {"mode": "assist", "level": 50}},
  {"name": "open hand", "kind": "gesture", "gesture": "open hand",
   "hold_s": 3, "rest_s": 3, "reps": 5, "assist": {"mode": "triggered", "level": 100}}]}`

func writePlan(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRehabCommand runs CLI.md's plan with the simulated patient, fast:
// the MVC holds first, then all 10 reps, with the contract's fields.
func TestRehabCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	var out strings.Builder
	err := Run(context.Background(), []string{"rehab", "--plan", writePlan(t, dir, rehabPlanFile), "--protocol", "sim",
		"--db", db, "--patient", "SIM-1", "--measure-mvc", "--skill", "0.9", "--fast", "--json"}, &out, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	var res rehabResult
	lastJSON(t, out.String(), &res)
	if res.SessionID == 0 || res.PlannedReps != 10 || res.CompletedReps != 10 || len(res.Reps) != 10 || res.Faults == nil {
		t.Fatalf("result %+v", res)
	}
	first := res.Reps[0]
	if first.Exercise != "power grip hold" || first.Rep != 1 || first.TargetLowPct != 30 || first.TargetHighPct != 50 ||
		first.TimeInBandS <= 0 || first.PeakMVCPct <= 0 {
		t.Errorf("first rep %+v", first)
	}
	if res.Successes < 5 {
		t.Errorf("%d successes of 10 for a skilled patient", res.Successes)
	}
	// The same plan again: the same version; the patient's MVC is kept.
	out.Reset()
	if err := Run(context.Background(), []string{"rehab", "--plan", writePlan(t, dir, rehabPlanFile), "--protocol", "sim",
		"--db", db, "--patient", "SIM-1", "--fast", "--json"}, &out, os.Stderr); err != nil {
		t.Fatal(err)
	}
	var again rehabResult
	lastJSON(t, out.String(), &again)
	if again.PlanVersion != res.PlanVersion || again.SessionID == res.SessionID {
		t.Errorf("second run: plan version %d (first %d), session %d", again.PlanVersion, res.PlanVersion, again.SessionID)
	}
}

// TestRehabCommandRefuses: a plan that does not parse is refused with its
// line; channels the device lacks, an unknown gesture, a zero hold and a
// patient without MVC are refused with a clear message, and no session
// starts.
func TestRehabCommandRefuses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	for _, c := range []struct{ name, plan, want string }{
		{"parse", strings.Replace(rehabPlanFile, `"hold_s": 3, "rest_s": 3, "reps": 5, "assist": {"mode": "triggered"`,
			`"hold_s": 3 "rest_s": 3, "reps": 5, "assist": {"mode": "triggered"`, 1), "line 7"},
		{"channel", strings.Replace(rehabPlanFile, `"FDP"]`, `"BICEPS"]`, 1), `channel "BICEPS" is not on this device`},
		{"gesture", strings.Replace(rehabPlanFile, `"gesture": "open hand"`, `"gesture": "thumbs up"`, 1), `gesture "thumbs up" is unknown`},
		{"hold", strings.Replace(rehabPlanFile, `"hold_s": 3, "rest_s": 3, "reps": 5,
   "assist": {"mode": "assist"`, `"hold_s": 0, "rest_s": 3, "reps": 5,
   "assist": {"mode": "assist"`, 1), "hold time must be more than 0 s"},
		{"no MVC", rehabPlanFile, "measure the MVC"},
	} {
		err := Run(context.Background(), []string{"rehab", "--plan", writePlan(t, dir, c.plan), "--protocol", "sim",
			"--db", db, "--patient", "SIM-2", "--fast", "--json"}, &strings.Builder{}, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	var out strings.Builder
	if err := Run(context.Background(), []string{"sessions", "--db", db, "--json"}, &out, os.Stderr); err != nil {
		t.Fatal(err)
	}
	if s := strings.TrimSpace(out.String()); s != "[]" {
		t.Errorf("sessions after refused plans: %s", s)
	}
}

// TestRehabCommandWithGlove runs a short plan in real time with the glove
// emulator (passive range of motion needs no model): every rep reports the
// glove's range reached, and the session holds the glove's events.
func TestRehabCommandWithGlove(t *testing.T) {
	if testing.Short() {
		t.Skip("about 6 s in real time")
	}
	_, pipe := emulatortest.Start(t, emulator.Config{Watchdog: 3 * time.Second})
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "r.db")
	db := openDB(t, dbPath)
	p := &storage.Patient{Code: "GLOVE-1"}
	if err := db.CreatePatient(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	labels := sim.DefaultLabels(sim.DefaultChannels)
	m := &storage.MVCMeasurement{PatientID: p.ID, Source: "test", Labels: labels, MVCUV: make([]float64, len(labels))}
	for i := range m.MVCUV {
		m.MVCUV[i] = 150
	}
	if err := db.SaveMVC(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	db.Close()
	plan := `{"name": "glove", "exercises": [{"name": "grip", "kind": "mvc", "channels": ["FDS"], "gesture": "power grip",
	  "target_low_pct": 20, "target_high_pct": 80, "hold_s": 1.5, "rest_s": 0.5, "reps": 2, "assist": {"mode": "passive", "level": 60}}]}`
	var out strings.Builder
	err := Run(context.Background(), []string{"rehab", "--plan", writePlan(t, dir, plan), "--protocol", "sim", "--glove", pipe.B,
		"--db", dbPath, "--patient", "GLOVE-1", "--skill", "1", "--json"}, &out, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	var res rehabResult
	lastJSON(t, out.String(), &res)
	if res.CompletedReps != 2 || len(res.Faults) != 0 {
		t.Fatalf("result %+v", res)
	}
	level := 60 // the plan's, then assist-as-needed
	for _, r := range res.Reps {
		if r.GloveRangePct == nil || r.AssistLevel != level {
			t.Errorf("rep %d: glove range %v, assistance %d %%; want the range and %d %%", r.Rep, r.GloveRangePct, r.AssistLevel, level)
		}
		level = rehab.NextAssist(rehab.Assist{Mode: "passive", Level: 60}, level, r.Success)
	}
	db = openDB(t, dbPath)
	defer db.Close()
	anns, err := db.ListAnnotations(t.Context(), res.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	glove := 0
	for _, a := range anns {
		if a.Kind == "glove" {
			glove++
		}
	}
	if glove == 0 {
		t.Error("no glove event in the session")
	}
}
