package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition/sim"
	"myorehab/app/service"
	"myorehab/processing/recognition"
	"myorehab/storage"
)

// Annotation kinds written by a calibration (storage.Annotation.Kind).
const (
	// annCue marks a whole prompt: Sample where it appeared, Duration its
	// hold; Text e.g. "gesture: pinch 2/3" or "mvc flexors: power grip 1/2".
	annCue = "cue"
	// annLabel marks the settled part of a gesture hold; Text the class.
	annLabel = "label"
	// annMVC marks the settled part of a maximum contraction; Text the
	// muscle group.
	annMVC = "mvc"
	// annBaseline marks the settled part of the rest baseline.
	annBaseline = "baseline"
)

// CalibrationOptions configures the calibration service.
type CalibrationOptions struct {
	// Protocol is what the wizard offers (service.CalibrationService.Defaults).
	Protocol service.CalibrationConfig
	// Spec is the recognition front end and model trained.
	Spec recognition.Spec
	// SettleFraction of each hold, at most MaxSettle, is left out of the
	// training label: the patient's reaction and the muscle's ramp.
	SettleFraction float64
	MaxSettle      time.Duration
	// GestureLevel is the contraction level (0–1) at which the simulated
	// patient performs the prompted gestures (MVC prompts use 1).
	GestureLevel float64
	// Stall is how long Perform waits for samples before giving up.
	Stall time.Duration
	// Tick is how often Perform checks the stream's progress.
	Tick time.Duration
}

// DefaultCalibrationOptions returns the clinic's protocol: the six
// gestures, 3 repetitions of 5 s holds with 3 s rests, a 5 s rest
// baseline, and 2 × 3 s maximum contractions of the flexors (power grip)
// and extensors (open hand); the default recognition pipeline.
func DefaultCalibrationOptions() CalibrationOptions {
	gestures := []string{"rest", "power grip", "open hand", "pinch", "wrist flexion", "wrist extension"}
	return CalibrationOptions{
		Protocol: service.CalibrationConfig{
			Gestures: gestures,
			Selected: gestures,
			Reps:     3,
			Hold:     5 * time.Second,
			Rest:     3 * time.Second,
			Baseline: 5 * time.Second,
			MVC:      []service.MVCGroup{{Name: "flexors", Gesture: "power grip"}, {Name: "extensors", Gesture: "open hand"}},
			MVCReps:  2,
			MVCHold:  3 * time.Second,
			MVCRest:  3 * time.Second,
		},
		Spec:           recognition.Default(),
		SettleFraction: 0.25,
		MaxSettle:      time.Second,
		GestureLevel:   0.7,
		Stall:          3 * time.Second,
		Tick:           10 * time.Millisecond,
	}
}

// Calibration implements service.CalibrationService on the device, the
// recorder and the database: it records calibration sessions with their
// prompts as annotations (the simulated patient follows them), trains and
// cross-validates a model on them, saves it as the patient's next model
// version and runs it live.
type Calibration struct {
	log  *slog.Logger
	svc  *Services
	opts CalibrationOptions

	mu        sync.Mutex // guards the fields below
	patientID int64
	sessions  []calSession // sessions of the current calibration, oldest first
	recording *calSession  // the session being recorded, nil when none
	progress  service.CalibrationProgress
	trained   *trainedModel
	saved     *storage.Model

	// trial is the model being tried; the decider consumer of the stream
	// runs it on its own goroutine.
	trial atomic.Pointer[trial]
}

// calSession is one recorded session of a calibration.
type calSession struct {
	id   int64
	redo bool
}

// NewCalibration returns the calibration service of svc.
func NewCalibration(svc *Services, opts CalibrationOptions) *Calibration {
	return &Calibration{log: svc.Log, svc: svc, opts: opts}
}

// Defaults returns the protocol the wizard offers.
func (c *Calibration) Defaults() service.CalibrationConfig { return c.opts.Protocol }

// simulator returns the connected simulator, nil when the device is not
// the simulator.
func (c *Calibration) simulator() *sim.Simulator {
	if s, ok := c.svc.Device.Source().(*sim.Source); ok {
		return s.Simulator()
	}
	return nil
}

// act makes the simulated patient (if connected) perform gesture at level.
func (c *Calibration) act(gesture string, level float64) {
	s := c.simulator()
	if s == nil {
		return
	}
	g, err := sim.ParseGesture(gesture)
	if err != nil {
		g = sim.Rest // a gesture the simulator does not know: it rests
	}
	s.SetGesture(g)
	s.SetLevel(level)
}

// Begin starts a calibration session for the patient on the streaming
// device. The simulated patient is put under manual control.
func (c *Calibration) Begin(ctx context.Context, patientID int64, redo bool) (int64, error) {
	if _, ok := c.svc.Device.Info(); !ok {
		return 0, errors.New("connect the amplifier (or the simulator) before calibrating")
	}
	c.mu.Lock()
	if c.recording != nil {
		c.mu.Unlock()
		return 0, errors.New("a calibration session is already recording")
	}
	if redo && (c.patientID != patientID || len(c.sessions) == 0) {
		c.mu.Unlock()
		return 0, errors.New("nothing to redo: record the whole calibration first")
	}
	c.mu.Unlock()
	if s := c.simulator(); s != nil {
		if err := s.SetScript(nil); err != nil {
			return 0, err
		}
		c.act("rest", 1)
	}
	sess, err := c.svc.Recorder.Start(ctx, patientID, storage.SessionCalibration, c.svc.Device.FilterDescription())
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !redo {
		c.sessions, c.trained, c.saved = nil, nil, nil
	}
	c.patientID = patientID
	rec := calSession{id: sess.ID, redo: redo}
	c.sessions = append(c.sessions, rec)
	c.recording = &rec
	c.log.Info("calibration session", "session", sess.ID, "patient", patientID, "redo", redo)
	return sess.ID, nil
}

// Progress reports what Perform is doing.
func (c *Calibration) Progress() service.CalibrationProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.progress
}

// position returns the session's sample count so far and the stream rate,
// or an error when the recording or the device is gone.
func (c *Calibration) position(sessionID int64) (int64, float64, error) {
	info, ok := c.svc.Device.Info()
	if !ok {
		return 0, 0, errors.New("the device was disconnected: connect it and start the calibration again")
	}
	active, id, n := c.svc.Recorder.State()
	if !active || id != sessionID {
		return 0, 0, errors.New("the calibration recording stopped (device disconnected?): start the calibration again")
	}
	return n, info.SampleRateHz, nil
}

// Perform prompts each of prompts in turn, records them as annotations
// and waits, on the stream's own clock, for each hold and rest to pass.
func (c *Calibration) Perform(ctx context.Context, prompts []service.Prompt) error {
	c.mu.Lock()
	rec := c.recording
	c.mu.Unlock()
	if rec == nil {
		return errors.New("no calibration session is recording")
	}
	if len(prompts) == 0 {
		return nil
	}
	defer func() {
		c.act("rest", 1)
		c.mu.Lock()
		c.progress.Active = false
		c.mu.Unlock()
	}()
	var total, elapsed time.Duration
	for _, p := range prompts {
		total += p.Hold + p.Rest
	}
	for i, p := range prompts {
		if p.Hold <= 0 || p.Rest < 0 {
			return fmt.Errorf("prompt %d: hold %v and rest %v", i+1, p.Hold, p.Rest)
		}
		level := c.opts.GestureLevel
		if p.Kind == service.PromptMVC {
			level = 1
		}
		start, rate, err := c.position(rec.id)
		if err != nil {
			return err
		}
		c.act(p.Gesture, level)
		hold := int64(math.Round(p.Hold.Seconds() * rate))
		if err := c.annotate(ctx, rec.id, p, start, hold, rate); err != nil {
			return err
		}
		show := func(resting bool, base time.Duration, left time.Duration) {
			c.mu.Lock()
			c.progress = service.CalibrationProgress{Active: true, Index: i, Count: len(prompts), Prompt: p, Resting: resting, Remaining: left,
				Done: float64(elapsed+base) / float64(total)}
			c.mu.Unlock()
		}
		if err := c.wait(ctx, rec.id, start+hold, func(left time.Duration) { show(false, p.Hold-left, left) }); err != nil {
			return err
		}
		if p.Rest > 0 {
			c.act("rest", 1)
			end := start + hold + int64(math.Round(p.Rest.Seconds()*rate))
			if err := c.wait(ctx, rec.id, end, func(left time.Duration) { show(true, p.Hold+p.Rest-left, left) }); err != nil {
				return err
			}
		}
		elapsed += p.Hold + p.Rest
	}
	return nil
}

// annotate records prompt p, shown at session sample start and held for
// hold samples: its cue and the settled part as a label, MVC or baseline.
func (c *Calibration) annotate(ctx context.Context, sessionID int64, p service.Prompt, start, hold int64, rate float64) error {
	settle := int64(min(c.opts.SettleFraction*float64(hold), c.opts.MaxSettle.Seconds()*rate))
	cue := &storage.Annotation{SessionID: sessionID, Sample: start, Duration: hold, Kind: annCue}
	mark := &storage.Annotation{SessionID: sessionID, Sample: start + settle, Duration: hold - settle}
	switch p.Kind {
	case service.PromptBaseline:
		cue.Text, mark.Kind, mark.Text = "baseline: "+p.Gesture, annBaseline, p.Gesture
	case service.PromptMVC:
		cue.Text = fmt.Sprintf("mvc %s: %s %d/%d", p.Group, p.Gesture, p.Rep, p.Reps)
		mark.Kind, mark.Text = annMVC, p.Group
	case service.PromptGesture:
		cue.Text = fmt.Sprintf("gesture: %s %d/%d", p.Gesture, p.Rep, p.Reps)
		mark.Kind, mark.Text = annLabel, p.Gesture
	default:
		return fmt.Errorf("unknown prompt kind %q", p.Kind)
	}
	for _, a := range []*storage.Annotation{cue, mark} {
		if err := c.svc.DB.AddAnnotation(ctx, a); err != nil {
			return fmt.Errorf("record the prompt: %w", err)
		}
	}
	return nil
}

// wait returns once the session holds target samples, calling show with
// the time left on every tick; it fails when ctx ends, the recording
// stops or no sample arrives for the stall time.
func (c *Calibration) wait(ctx context.Context, sessionID, target int64, show func(left time.Duration)) error {
	t := time.NewTicker(c.opts.Tick)
	defer t.Stop()
	last, lastAt := int64(-1), time.Now()
	for {
		n, rate, err := c.position(sessionID)
		if err != nil {
			return err
		}
		if n >= target {
			show(0)
			return nil
		}
		show(time.Duration(float64(target-n) / rate * float64(time.Second)))
		if n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > c.opts.Stall {
			return fmt.Errorf("no signal for %.0f s (device switched off or cable pulled?): check the device and start again", c.opts.Stall.Seconds())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// End stops the calibration session's recording; without one it does
// nothing.
func (c *Calibration) End(ctx context.Context) error {
	c.mu.Lock()
	rec := c.recording
	c.recording = nil
	c.mu.Unlock()
	if rec == nil {
		return nil
	}
	c.act("rest", 1)
	active, id, _ := c.svc.Recorder.State()
	if !active || id != rec.id {
		return nil // stopped already (device disconnected)
	}
	s, err := c.svc.Recorder.Stop(ctx)
	if err != nil {
		return err
	}
	c.log.Info("calibration session ended", "session", s.ID, "samples", s.Samples)
	return nil
}
