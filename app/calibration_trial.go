package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/processing/recognition"
)

// trialBlockCap is the largest live block the trial's Decider takes
// (the device reads 20 ms blocks: 20 samples at 1 kHz).
const trialBlockCap = 1024

// trial runs a trained recognition pipeline on the live stream through
// pipeline.Decider: the real-time decision path of the wizard's "try it"
// step. Device calls take with every live block on its live goroutine;
// take allocates nothing. latest is safe from any goroutine.
type trial struct {
	classes  []string
	channels int
	dec      *pipeline.Decider

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
func newTrial(p *recognition.Pipeline, mvcUV []float64, info acquisition.StreamInfo) (*trial, error) {
	if info.Channels != p.Channels || info.SampleRateHz != p.RateHz {
		return nil, fmt.Errorf("the model was trained on %d channels at %g Hz, but the device streams %d channels at %g Hz: calibrate again with this device",
			p.Channels, p.RateHz, info.Channels, info.SampleRateHz)
	}
	if len(mvcUV) != p.Channels || slices.Contains(mvcUV, 0) {
		mvcUV = nil
	}
	o := recognition.LiveOptions{BlockCap: trialBlockCap, MVC: mvcUV}
	if info.Protocol == "cyton" {
		o.TTrans = pipeline.SerialTransfer(33, 115200) // one 33-byte Cyton packet at 115200 baud
	}
	dec, err := p.NewDecider(o)
	if err != nil {
		return nil, err
	}
	return &trial{
		classes: p.Classes, channels: p.Channels, dec: dec,
		out: make([]pipeline.Decision, 0, trialBlockCap/p.Spec.Increment+1),
	}, nil
}

// take feeds one live block and keeps the newest decision.
func (t *trial) take(b *acquisition.Block) {
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
		m, err := c.svc.DB.Model(ctx, saved.ID)
		if err != nil {
			return err
		}
		if pipe, mvc, err = pipelineOf(m); err != nil {
			return err
		}
	case trained != nil:
		pipe, mvc = trained.pipe, trained.mvcUV
	default:
		return errors.New("train a model first")
	}
	info, ok := c.svc.Device.Info()
	if !ok {
		return errors.New("connect the amplifier (or the simulator) to try the model")
	}
	t, err := newTrial(pipe, mvc, info)
	if err != nil {
		return err
	}
	if s := c.simulator(); s != nil {
		// The simulated patient goes back to its demo script (each
		// gesture in turn), so the decisions change by themselves.
		if err := s.SetScript(sim.DefaultScript()); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.trial = t
	c.mu.Unlock()
	c.svc.Device.trial.Store(t)
	c.log.Info("trying the model", "classes", len(pipe.Classes), "spec", pipe.Spec.String())
	return nil
}

// Decision returns the newest live decision of the trial.
func (c *Calibration) Decision() (service.LiveDecision, bool) {
	c.mu.Lock()
	t := c.trial
	c.mu.Unlock()
	if t == nil {
		return service.LiveDecision{}, false
	}
	return t.latest()
}

// StopTrial stops the live decisions.
func (c *Calibration) StopTrial() {
	c.mu.Lock()
	t := c.trial
	c.trial = nil
	c.mu.Unlock()
	if t != nil {
		c.svc.Device.trial.CompareAndSwap(t, nil)
	}
}
