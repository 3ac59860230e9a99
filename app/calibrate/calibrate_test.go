package calibrate

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/app/device"
	"myorehab/app/engine"
	"myorehab/app/record"
	"myorehab/app/service"
	"myorehab/internal/waitfor"
	"myorehab/processing/recognition"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// rig is a real calibration set-up: a SQLite file, the device service and
// its recorder, and the calibration attached to the device.
type rig struct {
	db  *sqlite.DB
	dev *device.Device
	rec *record.Recorder
	cal *Calibration
}

func newRig(t testing.TB, opts Options) *rig {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "myorehab.db"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	r := &rig{db: db, dev: device.NewDevice(log, device.Open)}
	r.rec = record.NewRecorder(log, db, r.dev)
	r.dev.ShowRecording(r.rec)
	r.dev.Attach(r.rec)
	r.cal = New(log, db, r.dev, r.rec, opts)
	r.dev.Attach(r.cal)
	t.Cleanup(func() {
		r.dev.Disconnect()
		db.Close()
	})
	return r
}

func (r *rig) patient(t testing.TB, code string) *storage.Patient {
	t.Helper()
	p := &storage.Patient{Code: code, Name: "Test " + code}
	if err := r.db.CreatePatient(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (r *rig) connectSim(t testing.TB) {
	t.Helper()
	if err := r.dev.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 10*time.Second, "live data", func() bool { return r.dev.Snapshot() != nil })
}

// fastCalibration is the default protocol with the times compressed:
// 1 s holds, short rests, a 0.5 s baseline and 0.5 s contractions.
func fastCalibration() Options {
	o := DefaultOptions()
	o.Protocol.Hold, o.Protocol.Rest = time.Second, 400*time.Millisecond
	o.Protocol.Baseline = 500 * time.Millisecond
	o.Protocol.MVCHold, o.Protocol.MVCRest = 500*time.Millisecond, 300*time.Millisecond
	return o
}

// TestCalibrationBadInput: a calibration with one gesture, an empty one, and
// one whose device disconnects are refused with a clear message.
func TestCalibrationBadInput(t *testing.T) {
	r := newRig(t, fastCalibration())
	c := r.cal
	pt := r.patient(t, "P-BAD")
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
	r.connectSim(t)

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
	waitfor.Eventually(t, 5*time.Second, "the prompt", func() bool { return c.Progress().Active })
	r.dev.Disconnect()
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
	p2, mvc, err := PipelineOf(m)
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
	// The glove's front end stored beside it rebuilds with its own
	// (shorter) window; a model without one gives its own pipeline.
	if c1, _, err := ControlPipelineOf(m); err != nil || c1.Spec.Window != p2.Spec.Window {
		t.Fatalf("control pipeline of a model without one: %v, %v", c1, err)
	}
	ctrl, err := recognition.Train(recognition.ControlInt8(), []recognition.Recording{simRecording(t, 2, 1.5)})
	if err != nil {
		t.Fatal(err)
	}
	tm.control = ctrl
	mc, err := storedModel(tm, 1, "with control")
	if err != nil {
		t.Fatal(err)
	}
	c2, _, err := ControlPipelineOf(mc)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Spec.WindowMs != 150 || c2.Spec.Window != 150 || c2.Int8 == nil {
		t.Fatalf("control pipeline: spec %s, INT8 %v", c2.Spec, c2.Int8 != nil)
	}
	rc1, err := ctrl.Evaluate([]recognition.Recording{rec})
	if err != nil {
		t.Fatal(err)
	}
	rc2, err := c2.Evaluate([]recognition.Recording{rec})
	if err != nil {
		t.Fatal(err)
	}
	if rc1.Accuracy != rc2.Accuracy {
		t.Errorf("rebuilt control model scores %v, the original %v", rc2.Accuracy, rc1.Accuracy)
	}
	// Corrupt metadata or data is refused.
	bad := *m
	bad.Meta.Extra = []byte("{")
	if _, _, err := PipelineOf(&bad); err == nil {
		t.Error("corrupt metadata accepted")
	}
	bad = *m
	bad.Data = bad.Data[:len(bad.Data)/2]
	if _, _, err := PipelineOf(&bad); err == nil {
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
