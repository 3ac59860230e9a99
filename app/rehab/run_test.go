package rehab

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"testing"
	"time"

	"myorehab/acquisition/sim"
	"myorehab/app/device"
	"myorehab/internal/waitfor"

	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// openDB opens a real database in a temporary directory with one patient.
func openDB(t *testing.T) (*sqlite.DB, *storage.Patient) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "rehab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := &storage.Patient{Code: "P1"}
	if err := db.CreatePatient(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return db, p
}

func TestRunSimulatedFast(t *testing.T) {
	db, p := openDB(t)
	ctx := context.Background()
	plan := DefaultPlan()
	plan.Exercises[0].Reps, plan.Exercises[1].Reps = 3, 2
	stored := &storage.RehabPlan{PatientID: p.ID, Name: plan.Name, JSON: PlanJSON(plan)}
	if err := db.SaveRehabPlan(ctx, stored); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	res, err := RunSimulated(ctx, SimRun{DB: db, PatientID: p.ID, Plan: plan, PlanID: stored.ID, PlanVersion: stored.Version,
		Skill: 1, Seed: 3, At: at, MeasureMVC: true, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Planned != 5 || res.Completed() != 5 {
		t.Fatalf("planned %d, completed %d, want 5 and 5", res.Planned, res.Completed())
	}
	for _, r := range res.Reps {
		t.Logf("%s %d: in band %.2f/%.2f s, peak %.0f %%, mean %.0f %%, onset %.2f s, cci %.0f %%, success %v",
			r.Exercise, r.Rep, r.Score.TimeInBandS, r.Score.HoldS, r.Score.PeakPct, r.Score.MeanPct, r.Score.OnsetDelayS, r.Score.CCIPct, r.Score.Success)
		if !r.Score.Success {
			t.Errorf("%s rep %d: a skilled patient failed", r.Exercise, r.Rep)
		}
	}
	reps, err := db.RehabReps(ctx, res.SessionID)
	if err != nil || len(reps) != 5 {
		t.Fatalf("stored reps %d (%v), want 5", len(reps), err)
	}
	rs, err := db.RehabSessionOf(ctx, res.SessionID)
	if err != nil || rs.PlanVersion != 1 || rs.PlanID != stored.ID {
		t.Fatalf("stored session %+v (%v)", rs, err)
	}
	s, err := db.Session(ctx, res.SessionID)
	if err != nil || s.Type != storage.SessionRehab || !s.StartedAt.Equal(at) || s.Samples == 0 {
		t.Fatalf("session %+v (%v)", s, err)
	}
	m, err := db.LatestMVC(ctx, p.ID)
	if err != nil || !m.CreatedAt.Equal(at) || m.Source != "rehab" {
		t.Fatalf("MVC %+v (%v)", m, err)
	}
}

func TestRunRefusesWithoutSession(t *testing.T) {
	db, p := openDB(t)
	ctx := context.Background()
	count := func() int {
		ss, err := db.ListSessions(ctx, storage.SessionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(ss)
	}
	bad := DefaultPlan()
	bad.Exercises[0].Channels = []string{"BICEPS"}
	for _, c := range []struct {
		name string
		plan *Plan
		want string
	}{
		{"no MVC", DefaultPlan(), "measure the MVC"},
		{"channel the device lacks", bad, `"BICEPS" is not on this device`},
	} {
		_, err := RunSimulated(ctx, SimRun{DB: db, PatientID: p.ID, Plan: c.plan, Skill: 1, Fast: true})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	if n := count(); n != 0 {
		t.Errorf("%d sessions started by refused plans", n)
	}
}

// TestSkillAndAssist: a clumsy simulated patient succeeds less often than
// a skilled one, and assist-as-needed raises the glove's level after the
// clumsy one's failures.
func TestSkillAndAssist(t *testing.T) {
	db, p := openDB(t)
	ctx := context.Background()
	plan := &Plan{Name: "grip", Exercises: []Exercise{Templates()[0]}}
	plan.Exercises[0].Reps = 8
	successes := map[float64]int{}
	var clumsy *Result
	for i, skill := range []float64{1, 0.1} {
		res, err := RunSimulated(ctx, SimRun{DB: db, PatientID: p.ID, Plan: plan, Skill: skill, Seed: 7, Fast: true, MeasureMVC: i == 0})
		if err != nil {
			t.Fatal(err)
		}
		successes[skill] = res.Summary.Successes
		if skill < 1 {
			clumsy = res
		}
	}
	t.Logf("successes by skill: %v", successes)
	if successes[1] <= successes[0.1] {
		t.Errorf("skill 1: %d successes, skill 0.1: %d", successes[1], successes[0.1])
	}
	level := plan.Exercises[0].Assist.Level
	for _, r := range clumsy.Reps {
		if r.AssistLevel != level {
			t.Errorf("rep %d at assist %d, want %d", r.Rep, r.AssistLevel, level)
		}
		level = NextAssist(plan.Exercises[0].Assist, level, r.Score.Success)
	}
}

// TestTherapistControls runs a plan in real time and uses the therapist's
// controls: skip the first rep, repeat the second, pause and resume the
// third (its hold starts again), end during the fourth. The stored reps
// say so.
func TestTherapistControls(t *testing.T) {
	if testing.Short() {
		t.Skip("about 8 s in real time")
	}
	db, p := openDB(t)
	ctx := context.Background()
	labels := sim.DefaultLabels(sim.DefaultChannels)
	mvc := make([]float64, len(labels))
	for i := range mvc {
		mvc[i] = 100
	}
	if err := db.SaveMVC(ctx, &storage.MVCMeasurement{PatientID: p.ID, Source: "test", Labels: labels, MVCUV: mvc}); err != nil {
		t.Fatal(err)
	}
	plan := &Plan{Name: "controls", Exercises: []Exercise{{Name: "grip", Kind: KindMVC, Gesture: "power grip",
		Channels: []string{"FDS"}, TargetLowPct: 10, TargetHighPct: 90, HoldS: 1, RestS: 0.3, Reps: 4}}}
	cfg := sim.DefaultConfig()
	cfg.Manual = true
	src, err := sim.NewSource(sim.SourceConfig{Config: cfg, Paced: true})
	if err != nil {
		t.Fatal(err)
	}
	paused := make(chan int64, 1)
	res, err := RunSource(ctx, SourceRun{DB: db, Source: src, Mains: device.Mains50, OnStart: func(r *Runner) {
		go func() {
			at := func(rep int, what string) {
				waitfor.Eventually(t, 30*time.Second, what, func() bool {
					l := r.Live()
					return l.Active && l.Phase == PhaseHold && l.Rep == rep && l.HoldDone > 0.2
				})
			}
			at(1, "rep 1's hold")
			r.Skip()
			at(2, "rep 2's hold")
			r.Repeat()
			waitfor.Eventually(t, 30*time.Second, "rep 2 twice", func() bool { return r.Live().Done >= 2 })
			at(3, "rep 3's hold")
			r.Pause()
			_, _, n := r.cfg.Recorder.State()
			paused <- n
			waitfor.Eventually(t, 30*time.Second, "paused", func() bool { return r.Live().Paused })
			time.Sleep(300 * time.Millisecond)
			r.Resume()
			at(4, "rep 4's hold")
			r.End()
		}()
	}}, Request{PatientID: p.ID, Plan: plan, Patient: NewSimPatient(1, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range res.Reps {
		s := fmt.Sprintf("rep %d", x.Rep)
		if x.Skipped {
			s += " skipped"
		}
		got = append(got, s)
	}
	if want := "rep 1 skipped, rep 2, rep 2, rep 3"; strings.Join(got, ", ") != want {
		t.Errorf("reps %q, want %q", strings.Join(got, ", "), want)
	}
	select {
	case at := <-paused:
		if len(res.Reps) == 4 && res.Reps[3].CueSample < at {
			t.Errorf("rep 3 counted from sample %d, before the pause at %d: the interrupted hold was not repeated", res.Reps[3].CueSample, at)
		}
	default:
		t.Error("the session ended before rep 3 was paused")
	}
	if !strings.Contains(res.Summary.Ended, "ended by the therapist") || res.Completed() != 3 {
		t.Errorf("ended %q, completed %d", res.Summary.Ended, res.Completed())
	}
	stored, err := db.RehabReps(ctx, res.SessionID)
	if err != nil || len(stored) != 4 || !stored[0].Skipped {
		t.Fatalf("stored reps %d (%v)", len(stored), err)
	}
}
