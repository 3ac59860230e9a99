package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"myorehab/acquisition/sim"
	"myorehab/app/calibrate"
	"myorehab/internal/waitfor"
	"myorehab/processing/pipeline"
	"myorehab/processing/recognition"
	"myorehab/storage"
	"myorehab/ui"
)

// fastCalibration is the default protocol with the times compressed:
// 1 s holds, short rests, a 0.5 s baseline and 0.5 s contractions.
func fastCalibration() calibrate.Options {
	o := calibrate.DefaultOptions()
	o.Protocol.Hold, o.Protocol.Rest = time.Second, 400*time.Millisecond
	o.Protocol.Baseline = 500 * time.Millisecond
	o.Protocol.MVCHold, o.Protocol.MVCRest = 500*time.Millisecond, 300*time.Millisecond
	return o
}

// annotationCount counts the annotations of session id by kind.
func annotationCount(t *testing.T, svc *Services, id int64) map[string]int {
	t.Helper()
	anns, err := svc.DB.ListAnnotations(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, a := range anns {
		out[a.Kind]++
	}
	return out
}

// TestUICalibratesSimulatedPatient drives the whole wizard on the real
// services (SQLite, simulator, recorder, live pipeline) with Fyne's test
// driver; the simulated patient follows the prompts. It ends with a saved
// model whose cross-validated accuracy is shown and high, and live
// decisions that follow the simulated gesture.
func TestUICalibratesSimulatedPatient(t *testing.T) {
	if testing.Short() {
		t.Skip("records about 35 s of simulated calibration in real time")
	}
	a := test.NewTempApp(t)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	svc, _ := testServices(t)
	svc.Calibration = calibrate.New(svc.Log, svc.DB, svc.Device, svc.Recorder, fastCalibration())
	pt := testPatient(t, svc, "P-CAL")
	scr := BuildUI(a, w, svc)
	w.Resize(fyne.NewSize(1280, 800))
	scr.WaitIdle()
	if !scr.Patients.Select(pt.ID) {
		t.Fatal("patient not listed")
	}
	scr.WaitIdle()
	scr.Device.Protocol.SetSelected("sim")
	test.Tap(scr.Device.Connect)
	scr.WaitIdle()
	waitfor.Eventually(t, 5*time.Second, "signal quality of every channel", func() bool {
		s := svc.Device.Snapshot()
		if s == nil || len(s.Quality) == 0 {
			return false
		}
		for _, q := range s.Quality {
			if q.Level == pipeline.QualityUnknown {
				return false
			}
		}
		return true
	})
	scr.Refresh()
	test.Tap(scr.Live.Calibrate)
	scr.WaitIdle()
	wz := scr.Calibration
	if wz == nil {
		t.Fatal("Calibrate did not open the wizard")
	}
	next := func(want string) {
		t.Helper()
		scr.Refresh()
		if wz.Next.Text != want || wz.Next.Disabled() {
			t.Fatalf("step %v: Next %q (disabled %v), want %q; message %q", wz.CurrentStep(), wz.Next.Text, wz.Next.Disabled(), want, wz.Message.Text)
		}
		test.Tap(wz.Next)
		scr.WaitIdle()
		scr.Refresh()
		if wz.Message.Visible() {
			t.Fatalf("step %v: %s", wz.CurrentStep(), wz.Message.Text)
		}
	}
	if wz.Next.Disabled() {
		t.Logf("signal quality: %v; overriding", wz.Channels)
		wz.Override.SetChecked(true)
	}
	if wz.HoldSecs.Text != "1" || wz.Reps.Text != "3" || len(wz.Gestures.Selected) != 6 {
		t.Fatalf("gesture settings %q s × %q, %v", wz.HoldSecs.Text, wz.Reps.Text, wz.Gestures.Selected)
	}
	// One tap: baseline, MVC and gestures follow each other, then training.
	next("Start calibration")
	res := wz.Result()
	if wz.CurrentStep() != ui.StepTraining || res == nil {
		t.Fatalf("step %v, result %v", wz.CurrentStep(), res)
	}
	t.Logf("cross-validated accuracy %.3f over %d folds, %d windows; recall %v", res.Accuracy, res.Folds, res.Windows, res.Recall)
	if res.Folds != 3 || len(res.Classes) != 6 || !(res.Accuracy >= 0.9) {
		t.Fatalf("result %+v: want 3 folds, 6 classes and accuracy ≥ 90%%", res)
	}
	if !strings.Contains(wz.Accuracy.Text, formatPctTest(res.Accuracy)) {
		t.Errorf("accuracy label %q does not show %s", wz.Accuracy.Text, formatPctTest(res.Accuracy))
	}
	if len(res.MVCUV) != 8 {
		t.Fatalf("MVC %v, want 8 channels", res.MVCUV)
	}
	for c, v := range res.MVCUV {
		if !(v > 20) {
			t.Errorf("MVC of channel %d: %v µV", c, v)
		}
	}

	// Redo one gesture: only its repetitions are recorded again.
	wz.RedoGesture.SetSelected("pinch")
	test.Tap(wz.Redo) // records it at once, then retrains
	scr.WaitIdle()
	scr.Refresh()
	res2 := wz.Result()
	if res2 == res || !(res2.Accuracy >= 0.9) || len(res2.Classes) != 6 {
		t.Fatalf("after the redo: %+v", res2)
	}

	next("Continue")
	next("Save model")
	saved := wz.SavedModel()
	if saved == nil || saved.Version != 1 {
		t.Fatalf("saved %+v", saved)
	}
	m, err := svc.DB.LatestModel(t.Context(), pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	def, err := recognition.Default().At(1000) // the default Spec at the simulator's rate, in samples
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != saved.ID || m.Accuracy != res2.Accuracy || len(m.Meta.Classes) != 6 || m.Meta.WindowSamples != def.Window || m.Meta.RateHz != 1000 {
		t.Fatalf("stored model %+v", m)
	}
	var extra calibrate.ModelExtra
	if err := json.Unmarshal(m.Meta.Extra, &extra); err != nil {
		t.Fatal(err)
	}
	if len(extra.MVCUV) != 8 || extra.CV.Accuracy == nil || len(extra.Sessions) != 2 || extra.Spec.Window != def.Window ||
		extra.Control == nil || extra.Control.Spec.WindowMs != recognition.Control().WindowMs || len(extra.Control.Model) == 0 {
		t.Fatalf("model metadata %+v", extra)
	}
	if got := scr.Live.Levels.Reference(0); got != extra.MVCUV[0] {
		t.Errorf("RMS bars' reference %v µV, want the MVC %v", got, extra.MVCUV[0])
	}
	// Both calibration sessions hold their prompts as annotations.
	first, redo := extra.Sessions[0], extra.Sessions[1]
	if got := annotationCount(t, svc, first); got[calibrate.AnnCue] != 1+4+18 || got[calibrate.AnnLabel] != 18 || got[calibrate.AnnMVC] != 4 || got[calibrate.AnnBaseline] != 1 {
		t.Errorf("annotations of the first session: %v", got)
	}
	if got := annotationCount(t, svc, redo); got[calibrate.AnnCue] != 3 || got[calibrate.AnnLabel] != 3 {
		t.Errorf("annotations of the redo session: %v", got)
	}
	if s, err := svc.DB.Session(t.Context(), first); err != nil || s.Type != storage.SessionCalibration || s.Status != storage.StatusCompleted {
		t.Errorf("calibration session %+v, %v", s, err)
	}

	// Try it: the decision follows the simulated patient.
	next("Try it")
	if wz.CurrentStep() != ui.StepTry {
		t.Fatalf("step %v", wz.CurrentStep())
	}
	src, _ := svc.Device.Source().(*sim.Source)
	if src == nil {
		t.Fatal("the simulator is not connected")
	}
	sm := src.Simulator()
	if err := sm.SetScript(nil); err != nil {
		t.Fatal(err)
	}
	for _, g := range []sim.Gesture{sim.PowerGrip, sim.WristExtension} {
		sm.SetGesture(g)
		sm.SetLevel(0.7)
		waitfor.Eventually(t, 5*time.Second, "the decision "+g.String(), func() bool {
			scr.Refresh()
			return wz.Decision.Text == g.String()
		})
	}
	if !strings.Contains(wz.Latency.Text, "T_total") {
		t.Errorf("latency readout %q", wz.Latency.Text)
	}
	d, _ := svc.Calibration.Decision()
	if d.TSync < 0 || d.TComp <= 0 || d.Confidence <= 0.5 || d.Level <= 0 {
		t.Errorf("decision %+v", d)
	}
	test.Tap(wz.Close)
	scr.WaitIdle()
	if scr.Calibration != nil || svc.Calibration.Trying() {
		t.Error("closing the wizard left the trial running")
	}
}

// formatPctTest formats a fraction as the wizard does ("97.2 %").
func formatPctTest(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) }
