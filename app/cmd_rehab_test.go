package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
