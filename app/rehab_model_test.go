package app

import (
	"context"
	"math"
	"testing"
	"time"

	"myorehab/app/calibrate"
	"myorehab/app/rehab"
	"myorehab/app/service"
	"myorehab/internal/waitfor"
)

// TestGestureRepsUseThePatientsModel calibrates a simulated patient with
// the calibration service (real time, compressed holds), then runs gesture
// reps: each is scored by the patient's own classifier (the share of the
// hold's decisions naming the target gesture), and the MVC of the
// calibration is the %MVC reference.
func TestGestureRepsUseThePatientsModel(t *testing.T) {
	if testing.Short() {
		t.Skip("about 30 s of simulated calibration and exercise in real time")
	}
	ctx := context.Background()
	svc, _ := testServices(t)
	svc.Calibration = calibrate.New(svc.Log, svc.DB, svc.Device, svc.Recorder, fastCalibration())
	p := testPatient(t, svc, "P-GEST")
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 5*time.Second, "live data", func() bool { return svc.Device.Snapshot() != nil })
	if _, err := svc.Calibration.Begin(ctx, p.ID, false); err != nil {
		t.Fatal(err)
	}
	hold, rest := time.Second, 400*time.Millisecond
	prompts := []service.Prompt{{Kind: service.PromptBaseline, Gesture: "rest", Rep: 1, Reps: 1, Hold: 500 * time.Millisecond, Rest: rest}}
	for _, g := range []struct{ group, gesture string }{{"flexors", "power grip"}, {"extensors", "open hand"}} {
		prompts = append(prompts, service.Prompt{Kind: service.PromptMVC, Gesture: g.gesture, Group: g.group, Rep: 1, Reps: 1, Hold: time.Second, Rest: rest})
	}
	for rep := 1; rep <= 3; rep++ {
		for _, g := range []string{"rest", "power grip", "open hand", "pinch"} {
			prompts = append(prompts, service.Prompt{Kind: service.PromptGesture, Gesture: g, Rep: rep, Reps: 3, Hold: hold, Rest: rest})
		}
	}
	if err := svc.Calibration.Perform(ctx, prompts); err != nil {
		t.Fatal(err)
	}
	if err := svc.Calibration.End(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Calibration.Train(ctx, func(float64) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Calibration.Save(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	mvc, err := rehab.PatientMVC(ctx, svc.DB, p.ID)
	if err != nil || mvc.Source != "calibration" {
		t.Fatalf("the patient's MVC after calibrating: %+v, %v", mvc, err)
	}

	plan := &rehab.Plan{Name: "gestures", Exercises: []rehab.Exercise{
		{Name: "hand opening", Kind: rehab.KindGesture, Gesture: "open hand", Channels: []string{"EDC"}, HoldS: 1.5, RestS: 0.5, Reps: 3},
		{Name: "pinch", Kind: rehab.KindGesture, Gesture: "pinch", HoldS: 1.5, RestS: 0.5, Reps: 2},
		{Name: "grip", Kind: rehab.KindMVC, Gesture: "power grip", Channels: []string{"FDS", "FDP"}, TargetLowPct: 40, TargetHighPct: 80, HoldS: 1.5, RestS: 0.5, Reps: 2},
	}}
	res, err := svc.Rehab.Runner().Run(ctx, rehab.Request{PatientID: p.ID, Plan: plan, Patient: rehab.NewSimPatient(1, 5)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Completed() != 7 {
		t.Fatalf("%d of 7 reps", res.Completed())
	}
	for _, r := range res.Reps {
		t.Logf("%s %d: accuracy %.2f, onset %.2f s, mean %.0f %% MVC, success %v", r.Exercise, r.Rep, r.Score.Accuracy, r.Score.OnsetDelayS, r.Score.MeanPct, r.Score.Success)
		switch r.Kind {
		case rehab.KindGesture:
			if math.IsNaN(r.Score.Accuracy) || r.Score.Accuracy < 0.5 || !r.Score.Success {
				t.Errorf("%s rep %d: classifier accuracy %v, want the patient's model to recognise a skilled patient", r.Exercise, r.Rep, r.Score.Accuracy)
			}
		default:
			if !math.IsNaN(r.Score.Accuracy) {
				t.Errorf("%s rep %d: accuracy %v on a %%MVC rep", r.Exercise, r.Rep, r.Score.Accuracy)
			}
			if r.Score.PeakPct <= 0 {
				t.Errorf("%s rep %d: peak %v %% MVC", r.Exercise, r.Rep, r.Score.PeakPct)
			}
		}
	}
}
