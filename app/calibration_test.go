package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/app/engine"
	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/processing/recognition"
	"myorehab/storage"
	"myorehab/ui"
)

// fastCalibration is the default protocol with the times compressed:
// 1 s holds, short rests, a 0.5 s baseline and 0.5 s contractions.
func fastCalibration() CalibrationOptions {
	o := DefaultCalibrationOptions()
	o.Protocol.Hold, o.Protocol.Rest = time.Second, 400*time.Millisecond
	o.Protocol.Baseline = 500 * time.Millisecond
	o.Protocol.MVCHold, o.Protocol.MVCRest = 500*time.Millisecond, 300*time.Millisecond
	return o
}

// connectSim connects the simulator and waits for live data.
func connectSim(t *testing.T, svc *Services) {
	t.Helper()
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "live data", func() bool { return svc.Device.Snapshot() != nil })
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
	svc.Calibration = NewCalibration(svc, fastCalibration())
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
	eventually(t, 5*time.Second, "signal quality of every channel", func() bool {
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
	next("Start calibration")
	next("Start") // baseline
	next("Continue")
	next("Start") // MVC
	next("Continue")
	if wz.HoldSecs.Text != "1" || wz.Reps.Text != "3" || len(wz.Gestures.Selected) != 6 {
		t.Fatalf("gesture settings %q s × %q, %v", wz.HoldSecs.Text, wz.Reps.Text, wz.Gestures.Selected)
	}
	next("Start") // the gestures, then training
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
	test.Tap(wz.Redo)
	next("Start")
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
	if m.ID != saved.ID || m.Accuracy != res2.Accuracy || len(m.Meta.Classes) != 6 || m.Meta.WindowSamples != recognition.Default().Window || m.Meta.RateHz != 1000 {
		t.Fatalf("stored model %+v", m)
	}
	var extra modelExtra
	if err := json.Unmarshal(m.Meta.Extra, &extra); err != nil {
		t.Fatal(err)
	}
	if len(extra.MVCUV) != 8 || extra.CV.Accuracy == nil || len(extra.Sessions) != 2 || extra.Spec.Window != recognition.Default().Window {
		t.Fatalf("model metadata %+v", extra)
	}
	if got := scr.Live.Levels.Reference(0); got != extra.MVCUV[0] {
		t.Errorf("RMS bars' reference %v µV, want the MVC %v", got, extra.MVCUV[0])
	}
	// Both calibration sessions hold their prompts as annotations.
	first, redo := extra.Sessions[0], extra.Sessions[1]
	if got := annotationCount(t, svc, first); got[annCue] != 1+4+18 || got[annLabel] != 18 || got[annMVC] != 4 || got[annBaseline] != 1 {
		t.Errorf("annotations of the first session: %v", got)
	}
	if got := annotationCount(t, svc, redo); got[annCue] != 3 || got[annLabel] != 3 {
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
	sm := svc.Calibration.simulator()
	if err := sm.SetScript(nil); err != nil {
		t.Fatal(err)
	}
	for _, g := range []sim.Gesture{sim.PowerGrip, sim.WristExtension} {
		sm.SetGesture(g)
		sm.SetLevel(0.7)
		eventually(t, 5*time.Second, "the decision "+g.String(), func() bool {
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
	if scr.Calibration != nil || svc.Calibration.trial.Load() != nil {
		t.Error("closing the wizard left the trial running")
	}
}

// formatPctTest formats a fraction as the wizard does ("97.2 %").
func formatPctTest(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) }

// TestCalibrationBadInput: a calibration with one gesture, an empty one, and
// one whose device disconnects are refused with a clear message.
func TestCalibrationBadInput(t *testing.T) {
	svc, _ := testServices(t)
	c := NewCalibration(svc, fastCalibration())
	svc.Calibration = c
	pt := testPatient(t, svc, "P-BAD")
	ctx := t.Context()

	if _, err := c.Begin(ctx, pt.ID, false); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Errorf("Begin without a device: %v", err)
	}
	if _, err := c.Train(ctx, func(float64) {}); err == nil || !strings.Contains(err.Error(), "nothing recorded") {
		t.Errorf("Train before recording: %v", err)
	}
	if _, err := c.Save(ctx, "x"); err == nil || !strings.Contains(err.Error(), "train") {
		t.Errorf("Save before training: %v", err)
	}
	if err := c.StartTrial(ctx); err == nil {
		t.Error("StartTrial before training succeeded")
	}
	connectSim(t, svc)

	// One gesture only.
	if _, err := c.Begin(ctx, pt.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Begin(ctx, pt.ID, true); err == nil {
		t.Error("a second Begin while recording succeeded")
	}
	one := []service.Prompt{
		{Kind: service.PromptGesture, Gesture: "power grip", Rep: 1, Reps: 2, Hold: 500 * time.Millisecond, Rest: 100 * time.Millisecond},
		{Kind: service.PromptGesture, Gesture: "power grip", Rep: 2, Reps: 2, Hold: 500 * time.Millisecond},
	}
	if err := c.Perform(ctx, one); err != nil {
		t.Fatal(err)
	}
	if err := c.End(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Train(ctx, func(float64) {}); err == nil || !strings.Contains(err.Error(), "only one gesture (power grip)") {
		t.Errorf("one gesture: %v", err)
	}

	// An empty recording: Begin, then End at once.
	if _, err := c.Begin(ctx, pt.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := c.End(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Train(ctx, func(float64) {}); err == nil || !(strings.Contains(err.Error(), "empty") || strings.Contains(err.Error(), "no complete gesture")) {
		t.Errorf("empty recording: %v", err)
	}

	// Holds too short for one window.
	if _, err := c.Begin(ctx, pt.ID, false); err != nil {
		t.Fatal(err)
	}
	short := []service.Prompt{
		{Kind: service.PromptGesture, Gesture: "rest", Rep: 1, Reps: 1, Hold: 100 * time.Millisecond},
		{Kind: service.PromptGesture, Gesture: "pinch", Rep: 1, Reps: 1, Hold: 100 * time.Millisecond},
	}
	if err := c.Perform(ctx, short); err != nil {
		t.Fatal(err)
	}
	c.End(ctx)
	if _, err := c.Train(ctx, func(float64) {}); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("short holds: %v", err)
	}

	// The device disconnects mid-calibration.
	if _, err := c.Begin(ctx, pt.ID, false); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- c.Perform(ctx, []service.Prompt{{Kind: service.PromptGesture, Gesture: "pinch", Rep: 1, Reps: 1, Hold: 30 * time.Second}})
	}()
	eventually(t, 5*time.Second, "the prompt", func() bool { return c.Progress().Active })
	svc.Device.Disconnect()
	select {
	case err := <-done:
		if err == nil || !(strings.Contains(err.Error(), "disconnected") || strings.Contains(err.Error(), "stopped")) {
			t.Errorf("Perform after a disconnection: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Perform did not return after the device was disconnected")
	}
	if err := c.End(ctx); err != nil {
		t.Errorf("End after a disconnection: %v", err)
	}
	if _, err := c.Train(ctx, func(float64) {}); err == nil {
		t.Error("Train on an interrupted prompt succeeded")
	}
	if c.Progress().Active {
		t.Error("progress still active")
	}
}

// simRecording returns a recording of the simulator (8 channels, 1 kHz)
// performing each gesture for secs seconds after a second of rest, reps
// times, with labelled segments.
func simRecording(t testing.TB, reps int, secs float64) recognition.Recording {
	cfg := sim.DefaultConfig()
	cfg.Manual, cfg.Seed = true, 3
	s, err := sim.NewSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := recognition.Recording{Name: "sim", RateHz: s.RateHz(), Channels: make([][]float64, s.Channels())}
	x := make([]float64, s.Channels())
	run := func(g sim.Gesture, n int) (int, int) {
		s.SetGesture(g)
		s.SetLevel(0.7)
		start := len(r.Channels[0])
		for range n {
			s.Next(x)
			for c, v := range x {
				r.Channels[c] = append(r.Channels[c], v)
			}
		}
		return start, len(r.Channels[0])
	}
	n := int(secs * s.RateHz())
	for range reps {
		for _, g := range sim.Gestures() {
			run(sim.Rest, n/2)
			a, b := run(g, n)
			r.Segments = append(r.Segments, recognition.Segment{Start: a + n/4, End: b, Label: g.String()})
		}
	}
	return r
}

// trialFor trains the default pipeline on a simulated recording and
// returns its live path.
func trialFor(t testing.TB) (*trial, *recognition.Pipeline) {
	pipe, err := recognition.Train(recognition.Default(), []recognition.Recording{simRecording(t, 2, 1.5)})
	if err != nil {
		t.Fatal(err)
	}
	info := acquisition.StreamInfo{Channels: 8, SampleRateHz: 1000}
	tr, err := newTrial(pipe, []float64{100, 100, 100, 100, 100, 100, 100, 100}, info, 50)
	if err != nil {
		t.Fatal(err)
	}
	return tr, pipe
}

// feed passes rec's samples [from, to) to tr in 20-sample blocks.
func feed(tr *trial, b *acquisition.Block, rec recognition.Recording, from, to int) {
	for i := from; i+b.Cap <= to; i += b.Cap {
		b.Start, b.Len = uint64(i), b.Cap
		for c := range b.Channels {
			copy(b.Data[c*b.Cap:(c+1)*b.Cap], rec.Channels[c][i:i+b.Cap])
		}
		tr.take(&engine.Frame{Raw: b, Clean: b})
	}
}

func TestTrialDecidesAndAllocatesNothing(t *testing.T) {
	tr, pipe := trialFor(t)
	test := simRecording(t, 1, 1.5) // same simulator: the recording repeats, so check segment by segment
	b := acquisition.NewBlock(8, 20)
	right, total := 0, 0
	for _, seg := range test.Segments {
		feed(tr, b, test, seg.Start-200, seg.Start) // fill the window inside the hold
		feed(tr, b, test, seg.Start, seg.End)
		d, ok := tr.latest()
		if !ok {
			t.Fatal("no decision")
		}
		total++
		if d.Class == seg.Label {
			right++
		} else {
			t.Logf("%s decided as %q (confidence %.2f)", seg.Label, d.Class, d.Confidence)
		}
		if d.TSync < 0 || d.TComp <= 0 || d.Confidence <= 0 || d.Confidence > 1 || d.Level < 0 || d.Level > 1 {
			t.Errorf("decision %+v", d)
		}
	}
	if right < total-1 {
		t.Errorf("%d of %d holds decided right", right, total)
	}
	if len(pipe.Classes) != 6 {
		t.Fatalf("classes %v", pipe.Classes)
	}
	// A wrong stream shape is refused.
	if _, err := newTrial(pipe, nil, acquisition.StreamInfo{Channels: 4, SampleRateHz: 1000}, 50); err == nil || !strings.Contains(err.Error(), "calibrate again") {
		t.Errorf("4-channel stream: %v", err)
	}
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		feed(tr, b, test, i, i+20)
		i = (i + 20) % (len(test.Channels[0]) - 20)
	})
	if allocs != 0 {
		t.Errorf("take allocates %v times per block", allocs)
	}
}

func TestStoredModelRebuilds(t *testing.T) {
	tr, pipe := trialFor(t)
	_ = tr
	tm := &trainedModel{pipe: pipe, labels: []string{"a", "b", "c", "d", "e", "f", "g", "h"}, mvcUV: []float64{1, 2, 3, 4, 5, 6, 7, 8},
		result: &service.CalibrationResult{Accuracy: math.NaN(), Recall: []float64{1, math.NaN(), 1, 1, 1, 1}}, sessions: []int64{4, 9}}
	m, err := storedModel(tm, 1, "test")
	if err != nil {
		t.Fatal(err)
	}
	if m.SessionID != 4 || !math.IsNaN(m.Accuracy) || m.Meta.Kind != "lda" || len(m.Meta.Features) == 0 || m.Meta.StepSamples != 50 {
		t.Fatalf("stored model %+v", m)
	}
	m.ID = 3
	p2, mvc, err := pipelineOf(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(mvc) != 8 || mvc[7] != 8 || p2.Spec.String() != pipe.Spec.String() {
		t.Fatalf("rebuilt: mvc %v, spec %s", mvc, p2.Spec)
	}
	rec := simRecording(t, 1, 1.5)
	r1, err := pipe.Evaluate([]recognition.Recording{rec})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := p2.Evaluate([]recognition.Recording{rec})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Accuracy != r2.Accuracy {
		t.Errorf("rebuilt model scores %v, the original %v", r2.Accuracy, r1.Accuracy)
	}
	// Corrupt metadata or data is refused.
	bad := *m
	bad.Meta.Extra = []byte("{")
	if _, _, err := pipelineOf(&bad); err == nil {
		t.Error("corrupt metadata accepted")
	}
	bad = *m
	bad.Data = bad.Data[:len(bad.Data)/2]
	if _, _, err := pipelineOf(&bad); err == nil {
		t.Error("truncated model accepted")
	}
}

func BenchmarkTrialTake(b *testing.B) {
	tr, _ := trialFor(b)
	rec := simRecording(b, 1, 1.5)
	blk := acquisition.NewBlock(8, 20)
	n := len(rec.Channels[0]) - 20
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		feed(tr, blk, rec, i, i+20)
		i = (i + 20) % n
	}
}
