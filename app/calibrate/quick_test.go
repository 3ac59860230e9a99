package calibrate

import (
	"context"
	"strings"
	"testing"
	"time"

	"myorehab/app/service"
)

// TestQuickCalibration: a calibration with one repetition of each gesture
// learns from the patient alone when the database holds no other
// patient's calibration (and says so), starts from another patient's
// calibration with the same gestures once there is one, and grows by
// AddRepetitions into a cross-validated model (with two repetitions still
// started from the other patient's).
func TestQuickCalibration(t *testing.T) {
	r := newRig(t, fastCalibration())
	c := r.cal
	ctx := t.Context()
	a, b := r.patient(t, "P-QUICK"), r.patient(t, "P-OTHER")
	r.connectSim(t)
	gestures := []string{"rest", "power grip", "open hand"}
	record := func(start func(context.Context, int64) (int64, error), patient int64, reps int) {
		t.Helper()
		if _, err := start(ctx, patient); err != nil {
			t.Fatal(err)
		}
		var ps []service.Prompt
		for rep := 1; rep <= reps; rep++ {
			for _, g := range gestures {
				ps = append(ps, service.Prompt{Kind: service.PromptGesture, Gesture: g, Rep: rep, Reps: reps, Hold: time.Second, Rest: 200 * time.Millisecond})
			}
		}
		if err := c.Perform(ctx, ps); err != nil {
			t.Fatal(err)
		}
		if err := c.End(ctx); err != nil {
			t.Fatal(err)
		}
	}
	begin := func(ctx context.Context, id int64) (int64, error) { return c.Begin(ctx, id, false) }
	if _, err := c.AddRepetitions(ctx, a.ID); err == nil || !strings.Contains(err.Error(), "nothing to add") {
		t.Errorf("AddRepetitions before a calibration: %v", err)
	}

	record(begin, a.ID, 1)
	res, err := c.Train(ctx, nil) // no progress wanted: nil is allowed

	if err != nil {
		t.Fatal(err)
	}
	if res.Folds != 0 || !strings.Contains(res.Note, "no other patient's calibration") || !strings.Contains(res.Note, "Add repetitions") {
		t.Errorf("alone: %d folds, note %q", res.Folds, res.Note)
	}
	alone := res.Windows

	record(begin, b.ID, 2) // another patient's calibration with the same gestures
	record(begin, a.ID, 1)
	res, err = c.Train(ctx, func(float64) {})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Note, "started from 1 calibration(s) of 1 other patient(s)") || len(res.Classes) != 3 {
		t.Errorf("cross-user start: classes %q, note %q", res.Classes, res.Note)
	}
	if res.Windows < alone*2/3 || res.Windows > alone*3/2 {
		t.Errorf("cross-user start counts %d windows, the patient's repetition alone %d", res.Windows, alone)
	}
	if _, err := c.Save(ctx, "quick"); err != nil {
		t.Fatal(err)
	}

	record(c.AddRepetitions, a.ID, 1) // one more repetition: adds, does not replace
	res, err = c.Train(ctx, func(float64) {})
	if err != nil {
		t.Fatal(err)
	}
	if res.Folds != 2 || res.Windows < alone*3/2 || strings.Contains(res.Note, "Quick") || !strings.Contains(res.Note, "started from 1 calibration(s)") {
		t.Errorf("after adding a repetition: %d folds, %d windows (one repetition %d), note %q", res.Folds, res.Windows, alone, res.Note)
	}
	t.Logf("one repetition %d windows; two repetitions %d windows, cross-validated %.3f", alone, res.Windows, res.Accuracy)
}
