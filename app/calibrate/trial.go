package calibrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/app/device"
	"myorehab/app/engine"
	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/processing/recognition"
)

// trialBlockCap is the largest live block the trial's Decider takes
// (the device reads 20 ms blocks: 20 samples at 1 kHz).
const trialBlockCap = 1024

// trial runs a trained recognition pipeline on the live stream through
// pipeline.Decider: the real-time decision path of the wizard's "try it"
// step. The decider consumer calls take with every frame on its own
// goroutine; take allocates nothing. latest is safe from any goroutine.
type trial struct {
	classes  []string
	channels int
	dec      *pipeline.Decider
	// clean says the Decider reads the stream's conditioned samples (its
	// Spec's filter is the conditioning filter); else the raw ones.
	clean bool

	// Owned by the goroutine calling take.
	out     []pipeline.Decision
	next    uint64 // stream index one past the last block taken
	started bool

	mu   sync.Mutex
	last service.LiveDecision
	seq  uint64
}

// newTrial builds the real-time path of p for a stream described by info,
// with the per-channel MVC in µV (nil or the wrong length: the level is
// normalised by the largest RMS seen).
func newTrial(p *recognition.Pipeline, mvcUV []float64, info acquisition.StreamInfo, mainsHz float64) (*trial, error) {
	if info.Channels != p.Channels || info.SampleRateHz != p.RateHz {
		return nil, fmt.Errorf("the model was trained on %d channels at %g Hz, but the device streams %d channels at %g Hz: calibrate again with this device",
			p.Channels, p.RateHz, info.Channels, info.SampleRateHz)
	}
	if len(mvcUV) != p.Channels || slices.Contains(mvcUV, 0) {
		mvcUV = nil
	}
	o := recognition.LiveOptions{BlockCap: trialBlockCap, MVC: mvcUV}
	// A Spec filtered like the stream's conditioning reads the shared
	// clean signal instead of filtering again.
	o.Prefiltered = p.Spec.FilterMatches(device.BandLowHz, device.BandHighHz, device.BandOrder, mainsHz, device.NotchQ)
	if info.Protocol == "cyton" {
		o.TTrans = pipeline.SerialTransfer(33, 115200) // one 33-byte Cyton packet at 115200 baud
	}
	dec, err := p.NewDecider(o)
	if err != nil {
		return nil, err
	}
	return &trial{
		classes: p.Classes, channels: p.Channels, dec: dec, clean: o.Prefiltered,
		out: make([]pipeline.Decision, 0, trialBlockCap/p.Spec.Increment+1),
	}, nil
}

// take feeds one frame and keeps the newest decision. A frame after
// missed samples restarts the Decider's windows: a decision never spans a
// hole in the signal.
func (t *trial) take(f *engine.Frame) {
	b := f.Raw
	if t.clean {
		b = f.Clean
	}
	if f.Missed > 0 {
		t.dec.Reset()
	}
	if b.Channels != t.channels || b.Len == 0 || b.Len > trialBlockCap {
		return // another stream (reconnected with another device)
	}
	if t.started && b.Start < t.next {
		t.dec.Reset() // a new stream
	}
	t.started, t.next = true, b.End()
	t.out = t.dec.Process(t.out[:0], b)
	if len(t.out) == 0 {
		return
	}
	d := t.out[len(t.out)-1]
	name := ""
	if d.Class >= 0 && d.Class < len(t.classes) {
		name = t.classes[d.Class]
	}
	t.mu.Lock()
	t.seq++
	t.last = service.LiveDecision{Seq: t.seq, Class: name, Confidence: d.Confidence, Level: d.Level, TComp: d.TComp, TTrans: d.TTrans, TSync: d.TSync}
	t.mu.Unlock()
}

// latest returns the newest decision, false before the first.
func (t *trial) latest() (service.LiveDecision, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last, t.seq > 0
}

// StartTrial runs the saved model (or, before saving, the trained one) on
// the live stream. The saved model is read back from the database, so the
// trial also proves that it rebuilds.
func (c *Calibration) StartTrial(ctx context.Context) error {
	c.mu.Lock()
	saved, trained := c.saved, c.trained
	c.mu.Unlock()
	var pipe *recognition.Pipeline
	var mvc []float64
	switch {
	case saved != nil:
		m, err := c.db.Model(ctx, saved.ID)
		if err != nil {
			return err
		}
		if pipe, mvc, err = PipelineOf(m); err != nil {
			return err
		}
	case trained != nil:
		pipe, mvc = trained.pipe, trained.mvcUV
	default:
		return errors.New("train a model first")
	}
	if err := c.Try(pipe, mvc); err != nil {
		return err
	}
	if s := c.simulator(); s != nil {
		// The simulated patient goes back to its demo script (each
		// gesture in turn), so the decisions change by themselves.
		if err := s.SetScript(sim.DefaultScript()); err != nil {
			return err
		}
	}
	return nil
}

// Try runs pipe on the live stream (with the per-channel MVC in µV for
// its proportional level; nil: the largest RMS seen) until StopTrial;
// Decision then returns its newest decision.
func (c *Calibration) Try(pipe *recognition.Pipeline, mvcUV []float64) error {
	info, ok := c.dev.Info()
	if !ok {
		return errors.New("connect the amplifier (or the simulator) to try the model")
	}
	mainsHz := 50.0
	if strings.Contains(c.dev.FilterDescription(), "notch 60") {
		mainsHz = 60
	}
	t, err := newTrial(pipe, mvcUV, info, mainsHz)
	if err != nil {
		return err
	}
	c.trial.Store(t)
	c.log.Info("trying the model", "classes", len(pipe.Classes), "spec", pipe.Spec.String())
	return nil
}

// Decision returns the newest live decision of the trial.
func (c *Calibration) Decision() (service.LiveDecision, bool) {
	t := c.trial.Load()
	if t == nil {
		return service.LiveDecision{}, false
	}
	return t.latest()
}

// StopTrial stops the live decisions.
func (c *Calibration) StopTrial() {
	c.trial.Store(nil)
}

// Consumer returns the decider consumer of a stream: it runs the model
// being tried (if any) on every frame. Its queue (2 s) never drops
// silently: a drop restarts the Decider's windows (the frame after says
// how many samples were missed), as the glove control will treat it as a
// fault.
func (c *Calibration) Consumer(info acquisition.StreamInfo, blockLen int) engine.Consumer {
	return deciderConsumer{c: c, queue: int(2*info.SampleRateHz)/blockLen + 1}
}

type deciderConsumer struct {
	c     *Calibration
	queue int
}

func (d deciderConsumer) Spec() engine.Spec {
	return engine.Spec{Name: "decide", Queue: d.queue, Policy: engine.DropIsFault}
}

func (d deciderConsumer) Run(ctx context.Context, in *engine.Input) error {
	return engine.Each(in, func(f *engine.Frame) {
		if t := d.c.trial.Load(); t != nil {
			t.take(f)
		}
	})
}

// Trying reports whether a model is being tried on the live stream.
func (c *Calibration) Trying() bool { return c.trial.Load() != nil }
