package ui

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"myorehab/acquisition"
	"myorehab/app/service"
	"myorehab/processing/pipeline"
)

// fakeCalibration is a CalibrationService that records the calls. Perform
// reports the last prompt as in progress, signals entered and, with gate
// set, waits for it (or ctx).
type fakeCalibration struct {
	mu        sync.Mutex
	cfg       service.CalibrationConfig
	begins    []bool // the redo flag of each Begin
	performed [][]service.Prompt
	ends      int
	trains    int
	adds      int // AddRepetitions calls (also counted in begins, as a redo)
	saves     []string
	trial     bool
	stopped   int
	progress  service.CalibrationProgress
	decision  service.LiveDecision
	decided   bool
	result    *service.CalibrationResult
	entered   chan struct{}
	gate      chan struct{}

	beginErr, performErr, trainErr, saveErr, trialErr error
}

func newFakeCalibration() *fakeCalibration {
	return &fakeCalibration{
		cfg: service.CalibrationConfig{
			Gestures: []string{"rest", "power grip", "open hand", "pinch", "wrist flexion", "wrist extension"},
			Selected: []string{"rest", "power grip", "open hand", "pinch", "wrist flexion", "wrist extension"},
			Reps:     3, Hold: 5 * time.Second, Rest: 3 * time.Second,
			Baseline: 5 * time.Second,
			MVC:      []service.MVCGroup{{Name: "flexors", Gesture: "power grip"}, {Name: "extensors", Gesture: "open hand"}},
			MVCReps:  2, MVCHold: 3 * time.Second, MVCRest: 3 * time.Second,
			QuickNote: "Quick calibration: expect about 79 %.",
		},
		result: &service.CalibrationResult{
			Classes:   []string{"rest", "power grip", "pinch"},
			Accuracy:  0.95,
			Recall:    []float64{1, 0.98, 0.6},
			Confusion: [][]int{{50, 0, 0}, {0, 49, 1}, {0, 20, 30}},
			Windows:   150, Folds: 3, MVCUV: []float64{120, 80},
			Pipeline: "LS9 → lda, 200/50 samples",
		},
		entered: make(chan struct{}, 16),
	}
}

func (f *fakeCalibration) Defaults() service.CalibrationConfig { return f.cfg }

func (f *fakeCalibration) Begin(_ context.Context, _ int64, redo bool) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.beginErr != nil {
		return 0, f.beginErr
	}
	f.begins = append(f.begins, redo)
	return int64(len(f.begins)), nil
}

func (f *fakeCalibration) AddRepetitions(_ context.Context, _ int64) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.beginErr != nil {
		return 0, f.beginErr
	}
	f.adds++
	f.begins = append(f.begins, true)
	return int64(len(f.begins)), nil
}

func (f *fakeCalibration) Perform(ctx context.Context, prompts []service.Prompt) error {
	f.mu.Lock()
	f.performed = append(f.performed, slices.Clone(prompts))
	f.progress = service.CalibrationProgress{Active: true, Index: len(prompts) - 1, Count: len(prompts), Prompt: prompts[len(prompts)-1], Remaining: 1500 * time.Millisecond, Done: 0.5}
	gate, err := f.gate, f.performErr
	f.mu.Unlock()
	f.entered <- struct{}{}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	f.mu.Lock()
	f.progress.Active = false
	f.mu.Unlock()
	return err
}

func (f *fakeCalibration) Progress() service.CalibrationProgress {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.progress
}

func (f *fakeCalibration) End(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ends++
	return nil
}

func (f *fakeCalibration) Train(_ context.Context, progress func(float64)) (*service.CalibrationResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trains++
	progress(0.5)
	if f.trainErr != nil {
		return nil, f.trainErr
	}
	r := *f.result
	return &r, nil
}

func (f *fakeCalibration) Save(_ context.Context, name string) (*service.SavedModel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saveErr != nil {
		return nil, f.saveErr
	}
	f.saves = append(f.saves, name)
	return &service.SavedModel{ID: 7, Version: len(f.saves), Name: name, Accuracy: f.result.Accuracy, MVCUV: f.result.MVCUV}, nil
}

func (f *fakeCalibration) StartTrial(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.trialErr != nil {
		return f.trialErr
	}
	f.trial = true
	return nil
}

func (f *fakeCalibration) Decision() (service.LiveDecision, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.decision, f.decided && f.trial
}

func (f *fakeCalibration) StopTrial() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trial = false
	f.stopped++
}

func (f *fakeCalibration) calls() (begins []bool, performed [][]service.Prompt, ends, trains int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.begins), slices.Clone(f.performed), f.ends, f.trains
}

// qualitySnapshot is a live snapshot of len(levels) channels with the
// given quality levels.
func qualitySnapshot(seq uint64, levels ...pipeline.QualityLevel) *pipeline.Snapshot {
	s := &pipeline.Snapshot{Seq: seq, Info: acquisition.StreamInfo{Channels: len(levels), SampleRateHz: 250}}
	for _, l := range levels {
		q := pipeline.ChannelQuality{Level: l, OKForControl: l != pipeline.QualityBad}
		if l == pipeline.QualityBad {
			q.Reason = "Flat signal: electrode off?"
		}
		s.Quality = append(s.Quality, q)
		s.RMSUV = append(s.RMSUV, 10)
	}
	return s
}

type calHarness struct {
	*harness
	cal   *fakeCalibration
	chans *fakeChannels
}

// newCalHarness returns a main screen with a calibration service, the
// simulator streaming good signals and patient 1 selected.
func newCalHarness(t *testing.T) *calHarness {
	t.Helper()
	ch := &calHarness{cal: newFakeCalibration(), chans: &fakeChannels{}}
	ch.harness = newHarnessWith(t, func(h *harness, d *Deps) {
		d.Calibration = ch.cal
		d.Channels = ch.chans
	})
	ch.dev.snap.Store(qualitySnapshot(1, pipeline.QualityGood, pipeline.QualityGood, pipeline.QualityWarn))
	ch.selectPatient(1)
	ch.connectSim()
	return ch
}

// open taps Calibrate and returns the wizard.
func (h *calHarness) open() *CalibrationWizard {
	h.t.Helper()
	h.m.Refresh()
	if h.m.Live.Calibrate.Disabled() || !h.m.Live.Calibrate.Visible() {
		h.t.Fatal("Calibrate not available with a patient and a streaming device")
	}
	test.Tap(h.m.Live.Calibrate)
	h.m.WaitIdle()
	w := h.m.Calibration
	if w == nil {
		h.t.Fatal("Calibrate did not open the wizard")
	}
	h.m.Refresh()
	return w
}

// next taps Next (which must be enabled) and waits for the calls it starts.
func (h *calHarness) next(w *CalibrationWizard, want string) {
	h.t.Helper()
	if w.Next.Text != want {
		h.t.Fatalf("step %v: Next says %q, want %q (message %q)", w.CurrentStep(), w.Next.Text, want, w.Message.Text)
	}
	if w.Next.Disabled() {
		h.t.Fatalf("step %v: Next %q disabled (message %q)", w.CurrentStep(), w.Next.Text, w.Message.Text)
	}
	test.Tap(w.Next)
	h.m.WaitIdle()
	h.m.Refresh()
}

func TestCalibrateHiddenWithoutService(t *testing.T) {
	h := newHarness(t)
	h.selectPatient(1)
	h.connectSim()
	if h.m.Live.Calibrate.Visible() {
		t.Error("Calibrate shown without a CalibrationService")
	}
	test.Tap(h.m.Live.Calibrate)
	if h.m.Calibration != nil {
		t.Error("wizard opened without a CalibrationService")
	}
}

func TestCalibrateNeedsPatientAndStream(t *testing.T) {
	cal := newFakeCalibration()
	h := newHarnessWith(t, func(_ *harness, d *Deps) { d.Calibration = cal })
	h.m.Refresh()
	if !h.m.Live.Calibrate.Visible() || !h.m.Live.Calibrate.Disabled() {
		t.Fatal("Calibrate should be shown, and disabled without a patient")
	}
	h.selectPatient(1)
	h.m.Refresh()
	if !h.m.Live.Calibrate.Disabled() {
		t.Fatal("Calibrate enabled without a streaming device")
	}
	h.connectSim()
	if h.m.Live.Calibrate.Disabled() {
		t.Fatal("Calibrate disabled with a patient and a streaming device")
	}
}

// TestCalibrationWizardFlow drives every step: placement, baseline, MVC,
// gestures, training with a redo of the weak gesture, saving (which sets
// the MVC of the RMS bars) and the live decision.
func TestCalibrationWizardFlow(t *testing.T) {
	h := newCalHarness(t)
	w := h.open()
	if w.CurrentStep() != StepPlacement || !strings.HasPrefix(w.Title.Text, "Step 1 of 7") {
		t.Fatalf("opened at %v, title %q", w.CurrentStep(), w.Title.Text)
	}
	if len(w.Channels) != 3 || !strings.Contains(w.Channels[0].Text, "good") || !strings.Contains(w.Channels[2].Text, "usable") {
		t.Fatalf("channel lines %v", labelTexts(w.Channels))
	}

	h.next(w, "Start calibration")
	if begins, _, _, _ := h.cal.calls(); !slices.Equal(begins, []bool{false}) || w.CurrentStep() != StepBaseline {
		t.Fatalf("after placement: begins %v, step %v", begins, w.CurrentStep())
	}

	h.next(w, "Start")
	_, performed, _, _ := h.cal.calls()
	if len(performed) != 1 || len(performed[0]) != 1 || performed[0][0].Kind != service.PromptBaseline || performed[0][0].Hold != 5*time.Second {
		t.Fatalf("baseline prompts %+v", performed)
	}
	h.next(w, "Continue")
	if w.CurrentStep() != StepMVC {
		t.Fatalf("after baseline: step %v", w.CurrentStep())
	}

	h.next(w, "Start")
	_, performed, _, _ = h.cal.calls()
	mvc := performed[1]
	if len(mvc) != 4 || mvc[0].Group != "flexors" || mvc[0].Gesture != "power grip" || mvc[3].Group != "extensors" || mvc[3].Rep != 2 || mvc[0].Hold != 3*time.Second {
		t.Fatalf("MVC prompts %+v", mvc)
	}
	h.next(w, "Continue")
	if w.CurrentStep() != StepGestures || w.Reps.Text != "3" || w.HoldSecs.Text != "5" || w.RestSecs.Text != "3" {
		t.Fatalf("gestures step %v, settings %q %q %q", w.CurrentStep(), w.Reps.Text, w.HoldSecs.Text, w.RestSecs.Text)
	}

	w.Reps.SetText("2")
	h.next(w, "Start")
	_, performed, ends, trains := h.cal.calls()
	g := performed[2]
	if len(g) != 12 || g[0].Gesture != "rest" || g[5].Gesture != "wrist extension" || g[6].Rep != 2 || g[6].Gesture != "rest" || g[11].Reps != 2 {
		t.Fatalf("gesture prompts (2 rounds of 6) %+v", g)
	}
	if ends != 1 || trains != 1 || w.CurrentStep() != StepTraining {
		t.Fatalf("after gestures: %d ends, %d trains, step %v", ends, trains, w.CurrentStep())
	}
	if !strings.Contains(w.Accuracy.Text, "95.0 %") || !strings.Contains(w.Accuracy.Text, "3 folds") {
		t.Errorf("accuracy %q", w.Accuracy.Text)
	}
	if !strings.Contains(w.Recall.Text, "⚠ pinch: 60.0 %") || !strings.Contains(w.Recall.Text, "✓ rest: 100.0 %") {
		t.Errorf("recall %q", w.Recall.Text)
	}
	if n, ok := w.Confusion.Cell(2, 1); !ok || n != 20 {
		t.Errorf("confusion cell (pinch, power grip) = %d, %v", n, ok)
	}
	if w.TrainProgress.Value != 1 {
		t.Errorf("training progress %v after training", w.TrainProgress.Value)
	}

	// Redo the weak gesture, preselected.
	if w.RedoGesture.Selected != "pinch" || w.Redo.Disabled() {
		t.Fatalf("redo: selected %q, disabled %v", w.RedoGesture.Selected, w.Redo.Disabled())
	}
	test.Tap(w.Redo)
	h.m.Refresh()
	if w.CurrentStep() != StepGestures || !strings.Contains(w.Instruction.Text, "Redo pinch") {
		t.Fatalf("redo: step %v, instruction %q", w.CurrentStep(), w.Instruction.Text)
	}
	h.next(w, "Start")
	begins, performed, ends, trains := h.cal.calls()
	redo := performed[3]
	if !slices.Equal(begins, []bool{false, true}) || len(redo) != 2 || redo[0].Gesture != "pinch" || redo[1].Gesture != "pinch" {
		t.Fatalf("redo: begins %v, prompts %+v", begins, redo)
	}
	if ends != 2 || trains != 2 || w.CurrentStep() != StepTraining {
		t.Fatalf("after redo: %d ends, %d trains, step %v", ends, trains, w.CurrentStep())
	}

	h.next(w, "Continue")
	if w.CurrentStep() != StepSave {
		t.Fatalf("step %v, want save", w.CurrentStep())
	}
	h.next(w, "Save model")
	if w.SavedModel() == nil || !strings.Contains(w.Saved.Text, "version 1") || !strings.Contains(w.Saved.Text, "95.0 %") {
		t.Fatalf("saved %+v, text %q", w.SavedModel(), w.Saved.Text)
	}
	if got := h.m.Live.Levels.Reference(0); got != 120 {
		t.Errorf("RMS bar reference after saving: %v µV, want the MVC 120", got)
	}

	h.next(w, "Try it")
	if w.CurrentStep() != StepTry {
		t.Fatalf("step %v, want try", w.CurrentStep())
	}
	h.cal.mu.Lock()
	h.cal.decision = service.LiveDecision{Seq: 4, Class: "power grip", Confidence: 0.9, TComp: 20 * time.Microsecond, TTrans: 3 * time.Millisecond, TSync: 25 * time.Millisecond}
	h.cal.decided = true
	h.cal.mu.Unlock()
	h.m.Refresh()
	if w.Decision.Text != "power grip" || w.Confidence.Value != 0.9 {
		t.Errorf("decision %q, confidence %v", w.Decision.Text, w.Confidence.Value)
	}
	if want := "T_comp 0.02 ms · T_trans 3.00 ms · T_sync 25.00 ms · T_total 28.02 ms"; w.Latency.Text != want {
		t.Errorf("latency %q, want %q", w.Latency.Text, want)
	}
	h.cal.mu.Lock()
	h.cal.decision = service.LiveDecision{Seq: 5, Class: "", Confidence: 0.3}
	h.cal.mu.Unlock()
	h.m.Refresh()
	if w.Decision.Text != noDecisionUI {
		t.Errorf("rejected decision shown as %q", w.Decision.Text)
	}

	test.Tap(w.Close)
	h.m.WaitIdle()
	if h.m.Calibration != nil || h.cal.trial || h.cal.stopped != 1 {
		t.Fatalf("after Close: wizard %v, trial %v, stopped %d", h.m.Calibration, h.cal.trial, h.cal.stopped)
	}
	if _, _, ends, _ := h.cal.calls(); ends != 2 {
		t.Errorf("Close ended a session that was not recording (%d ends)", ends)
	}
}

func labelTexts(ls []*widget.Label) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Text)
	}
	return out
}

func TestCalibrationPromptDisplay(t *testing.T) {
	h := newCalHarness(t)
	w := h.open()
	h.next(w, "Start calibration")
	h.next(w, "Start")
	h.next(w, "Continue")
	h.cal.gate = make(chan struct{})
	test.Tap(w.Next) // MVC: Start
	select {
	case <-h.cal.entered: // the baseline's
	default:
	}
	select {
	case <-h.cal.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("Perform not called")
	}
	h.m.Refresh()
	if !w.Busy() || !w.Next.Disabled() {
		t.Error("Next enabled while the prompts run")
	}
	if w.Prompt.Text != "OPEN HAND" || w.Countdown.Text != "2" || w.Overall.Value != 0.5 {
		t.Errorf("prompt %q, countdown %q, overall %v", w.Prompt.Text, w.Countdown.Text, w.Overall.Value)
	}
	if !strings.Contains(w.Instruction.Text, "extensors, 2 of 2") {
		t.Errorf("instruction %q", w.Instruction.Text)
	}
	if w.Hold.Value != 0.5 { // 1.5 s of a 3 s hold remain
		t.Errorf("hold bar %v, want 0.5", w.Hold.Value)
	}
	h.cal.mu.Lock()
	h.cal.progress.Resting, h.cal.progress.Remaining = true, time.Second
	h.cal.mu.Unlock()
	h.m.Refresh()
	if w.Prompt.Text != "RELAX" || w.Countdown.Text != "1" {
		t.Errorf("resting: prompt %q, countdown %q", w.Prompt.Text, w.Countdown.Text)
	}
	close(h.cal.gate)
	h.m.WaitIdle()
	h.m.Refresh()
	if w.Busy() || w.Next.Text != "Continue" {
		t.Errorf("after the prompts: busy %v, Next %q", w.Busy(), w.Next.Text)
	}
}

func TestCalibrationPlacementBadChannel(t *testing.T) {
	h := newCalHarness(t)
	h.dev.snap.Store(qualitySnapshot(2, pipeline.QualityGood, pipeline.QualityBad, pipeline.QualityGood))
	w := h.open()
	if !w.Next.Disabled() {
		t.Fatal("Start enabled with a bad channel")
	}
	if !strings.Contains(w.Channels[1].Text, "BAD") || !strings.Contains(w.Channels[1].Text, "Flat signal") {
		t.Errorf("bad channel line %q", w.Channels[1].Text)
	}
	// The therapist overrides.
	w.Override.SetChecked(true)
	if w.Next.Disabled() {
		t.Fatal("Start disabled despite the override")
	}
	w.Override.SetChecked(false)

	// A bad channel that the patient's set-up disables does not count.
	h.chans.setups = map[int64]service.ChannelSetup{1: {Channels: []service.ChannelConfig{{Enabled: true}, {Enabled: false}, {Enabled: true}}}}
	test.Tap(w.Close)
	h.m.WaitIdle()
	w = h.open()
	if w.Next.Disabled() {
		t.Fatalf("Start disabled although the bad channel is disabled (%q)", w.Channels[1].Text)
	}
	if !strings.Contains(w.Channels[1].Text, "disabled") {
		t.Errorf("disabled channel line %q", w.Channels[1].Text)
	}

	// No quality yet: wait.
	h.dev.snap.Store(nil)
	h.m.Refresh()
	if !w.Next.Disabled() {
		t.Error("Start enabled before any signal quality")
	}
}

func TestCalibrationRefusesOneGestureAndBadTimes(t *testing.T) {
	h := newCalHarness(t)
	w := h.open()
	h.next(w, "Start calibration")
	h.next(w, "Start")
	h.next(w, "Continue")
	h.next(w, "Start")
	h.next(w, "Continue")
	for _, c := range []struct {
		name       string
		gestures   []string
		reps, hold string
		want       string
	}{
		{"one gesture", []string{"power grip"}, "3", "5", "at least two gestures"},
		{"no reps", []string{"rest", "pinch"}, "0", "5", "Repetitions"},
		{"bad hold", []string{"rest", "pinch"}, "3", "abc", "Hold must be"},
		{"long hold", []string{"rest", "pinch"}, "3", "100", "Hold must be"},
	} {
		w.Gestures.SetSelected(c.gestures)
		w.Reps.SetText(c.reps)
		w.HoldSecs.SetText(c.hold)
		test.Tap(w.Next)
		h.m.WaitIdle()
		if !strings.Contains(w.Message.Text, c.want) || !w.Message.Visible() {
			t.Errorf("%s: message %q, want %q", c.name, w.Message.Text, c.want)
		}
		if _, performed, _, _ := h.cal.calls(); len(performed) != 2 {
			t.Errorf("%s: prompts started", c.name)
		}
	}
}

func TestCalibrationDeviceLost(t *testing.T) {
	h := newCalHarness(t)
	w := h.open()
	h.next(w, "Start calibration")
	h.cal.performErr = errors.New("the device stopped streaming: connect it and start the calibration again")
	test.Tap(w.Next)
	h.m.WaitIdle()
	h.m.Refresh()
	if !strings.Contains(w.Message.Text, "The calibration stopped: the device stopped streaming") {
		t.Errorf("message %q", w.Message.Text)
	}
	if _, _, ends, _ := h.cal.calls(); ends != 1 || w.CurrentStep() != StepPlacement {
		t.Errorf("after the failure: %d ends, step %v", ends, w.CurrentStep())
	}
	// Disconnected: the wizard cannot start again.
	h.dev.setStatus(service.DeviceStatus{State: service.Disconnected})
	h.m.Refresh()
	if !w.Next.Disabled() {
		t.Error("Start calibration enabled while disconnected")
	}
}

func TestCalibrationTrainingFails(t *testing.T) {
	h := newCalHarness(t)
	w := h.open()
	h.next(w, "Start calibration")
	h.next(w, "Start")
	h.next(w, "Continue")
	h.next(w, "Start")
	h.next(w, "Continue")
	h.cal.trainErr = errors.New("the recording holds no labelled gesture: record the gestures again")
	h.next(w, "Start")
	if !strings.Contains(w.Message.Text, "Could not train the model: the recording holds no labelled gesture") {
		t.Errorf("message %q", w.Message.Text)
	}
	if w.CurrentStep() != StepGestures || w.Result() != nil {
		t.Errorf("after a failed training: step %v, result %v", w.CurrentStep(), w.Result())
	}
}

func TestCalibrationCloseWhilePerforming(t *testing.T) {
	h := newCalHarness(t)
	w := h.open()
	h.next(w, "Start calibration")
	h.cal.gate = make(chan struct{})
	test.Tap(w.Next)
	select {
	case <-h.cal.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("Perform not called")
	}
	test.Tap(w.Close)
	h.m.WaitIdle() // Perform returns on the cancelled context
	if h.m.Calibration != nil {
		t.Fatal("wizard still open")
	}
	if _, _, ends, _ := h.cal.calls(); ends != 1 {
		t.Errorf("%d ends after closing mid-recording, want 1", ends)
	}
}

func TestCalibrationSaveFails(t *testing.T) {
	h := newCalHarness(t)
	w := h.open()
	for _, s := range []string{"Start calibration", "Start", "Continue", "Start", "Continue", "Start", "Continue"} {
		h.next(w, s)
	}
	h.cal.saveErr = errors.New("database is locked")
	h.next(w, "Save model")
	if w.SavedModel() != nil || !strings.Contains(w.Message.Text, "Could not save the model: database is locked") {
		t.Errorf("saved %v, message %q", w.SavedModel(), w.Message.Text)
	}
	w.ModelName.SetText("  ")
	h.cal.saveErr = nil
	test.Tap(w.Next)
	h.m.WaitIdle()
	if !strings.Contains(w.Message.Text, "name") {
		t.Errorf("empty name: message %q", w.Message.Text)
	}
}

func TestGesturePrompts(t *testing.T) {
	ps := gesturePrompts([]string{"a", "b"}, 3, time.Second, 2*time.Second)
	var got []string
	for _, p := range ps {
		if p.Kind != service.PromptGesture || p.Reps != 3 || p.Hold != time.Second || p.Rest != 2*time.Second {
			t.Fatalf("prompt %+v", p)
		}
		got = append(got, p.Gesture+string(rune('0'+p.Rep)))
	}
	if want := []string{"a1", "b1", "a2", "b2", "a3", "b3"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestCalibrationFormatting(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"power grip", "PG"}, {"rest", "Res"}, {"wrist extension", "WE"}, {"up", "Up"}, {"", ""},
	} {
		if got := initials(c.in); got != c.want {
			t.Errorf("initials(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := formatPct(math.NaN()); got != "–" {
		t.Errorf("formatPct(NaN) = %q", got)
	}
	if got := formatPct(0.9876); got != "98.8 %" {
		t.Errorf("formatPct = %q", got)
	}
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{{"2.5", 2.5, true}, {"2,5", 2.5, true}, {" 3 ", 3, true}, {"x", 0, false}, {"NaN", 0, false}} {
		if got, ok := parseSecs(c.in); ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseSecs(%q) = %v, %v", c.in, got, ok)
		}
	}
}

// TestCalibrationQuick runs a quick calibration (one repetition, the
// service's note on what to expect shown), then adds a repetition of each
// trained gesture and trains again.
func TestCalibrationQuick(t *testing.T) {
	h := newCalHarness(t)
	w := h.open()
	h.next(w, "Start calibration")
	h.next(w, "Start")
	h.next(w, "Continue")
	h.next(w, "Start")
	h.next(w, "Continue")
	if w.CurrentStep() != StepGestures || !w.Quick.Visible() || strings.Contains(w.Instruction.Text, "79 %") {
		t.Fatalf("step %v, quick check visible %v, instruction %q", w.CurrentStep(), w.Quick.Visible(), w.Instruction.Text)
	}
	w.Quick.SetChecked(true)
	if w.Reps.Text != "1" || !w.Reps.Disabled() || !strings.Contains(w.Instruction.Text, "79 %") {
		t.Fatalf("quick: repetitions %q (disabled %v), instruction %q", w.Reps.Text, w.Reps.Disabled(), w.Instruction.Text)
	}
	w.Quick.SetChecked(false)
	if w.Reps.Text != "3" || w.Reps.Disabled() || strings.Contains(w.Instruction.Text, "79 %") {
		t.Fatalf("quick off: repetitions %q (disabled %v), instruction %q", w.Reps.Text, w.Reps.Disabled(), w.Instruction.Text)
	}
	w.Quick.SetChecked(true)
	h.next(w, "Start")
	_, performed, _, trains := h.cal.calls()
	if g := performed[2]; len(g) != 6 || g[0].Reps != 1 || trains != 1 || w.CurrentStep() != StepTraining {
		t.Fatalf("quick gestures %+v, %d trains, step %v", g, trains, w.CurrentStep())
	}

	if w.AddRep.Disabled() {
		t.Fatal("Add a repetition disabled after training")
	}
	test.Tap(w.AddRep)
	h.m.Refresh()
	if w.CurrentStep() != StepGestures || !strings.Contains(w.Instruction.Text, "One more repetition") || w.settings.Visible() {
		t.Fatalf("add: step %v, instruction %q, settings visible %v", w.CurrentStep(), w.Instruction.Text, w.settings.Visible())
	}
	h.next(w, "Start")
	begins, performed, ends, trains := h.cal.calls()
	add := performed[3]
	// The result's classes (rest, power grip, pinch), in prompt order, once each.
	if h.cal.adds != 1 || !slices.Equal(begins, []bool{false, true}) || len(add) != 3 || add[0].Gesture != "rest" || add[2].Gesture != "pinch" || add[0].Reps != 1 {
		t.Fatalf("add: %d AddRepetitions, begins %v, prompts %+v", h.cal.adds, begins, add)
	}
	if ends != 2 || trains != 2 || w.CurrentStep() != StepTraining {
		t.Fatalf("after adding: %d ends, %d trains, step %v", ends, trains, w.CurrentStep())
	}
}
