package calibrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/app/script"
	"myorehab/app/service"
	"myorehab/processing/recognition"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// Annotation kinds written by a calibration (storage.Annotation.Kind).
const (
	// AnnCue marks a whole prompt: Sample where it appeared, Duration its
	// hold; Text e.g. "gesture: pinch 2/3" or "mvc flexors: power grip 1/2".
	AnnCue = "cue"
	// AnnLabel marks the settled part of a gesture hold; Text the class.
	AnnLabel = "label"
	// AnnMVC marks the settled part of a maximum contraction; Text the
	// muscle group.
	AnnMVC = "mvc"
	// AnnBaseline marks the settled part of the rest baseline.
	AnnBaseline = "baseline"
)

// Options configures the calibration service.
type Options struct {
	// Protocol is what the wizard offers (service.CalibrationService.Defaults).
	Protocol service.CalibrationConfig
	// Spec is the recognition front end and model trained.
	Spec recognition.Spec
	// ControlSpec is the glove's front end, trained on the same holds and
	// stored with the model (recognition.Control: a short window for the
	// glove's latency budget); a zero Spec trains none.
	ControlSpec recognition.Spec
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
	// Advance, when set, drives an unpaced simulated stream instead of
	// waiting Tick (script.Config.Advance; rehab.SimGate.Advance): a
	// calibration of the simulated patient runs in a fraction of its
	// length (demo-history).
	Advance func(ctx context.Context) error
}

// DefaultOptions returns the clinic's protocol: the six
// gestures, 3 repetitions of 5 s holds with 3 s rests, a 5 s rest
// baseline, and 2 × 3 s maximum contractions of the flexors (power grip)
// and extensors (open hand); the default recognition pipeline.
func DefaultOptions() Options {
	gestures := []string{"rest", "power grip", "open hand", "pinch", "wrist flexion", "wrist extension"}
	return Options{
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
			QuickNote: fmt.Sprintf("Quick: about a minute. Expect about %.0f %% of movements recognised (%.0f %% without other patients' "+
				"calibrations with these gestures in the database); adding one repetition after training gives about %.0f %%, four about %.0f %%.",
				100*QuickAccuracyAdapted, 100*QuickAccuracyAlone, 100*TwoAccuracyAdapted, 100*FullAccuracy),
		},
		Spec:           recognition.Default(),
		ControlSpec:    recognition.ControlInt8(),
		SettleFraction: 0.25,
		MaxSettle:      time.Second,
		GestureLevel:   0.7,
		Stall:          3 * time.Second,
		Tick:           10 * time.Millisecond,
	}
}

// Device is what a calibration needs of the amplifier connection
// (device.Device).
type Device interface {
	// Info describes the open stream; false when disconnected.
	Info() (acquisition.StreamInfo, bool)
	// Source returns the open source (the simulator's lets the simulated
	// patient follow the prompts), nil when disconnected.
	Source() acquisition.Source
	// FilterDescription describes the stream's conditioning filter.
	FilterDescription() string
}

// Recorder is what a calibration needs of the recording (record.Recorder).
type Recorder interface {
	Start(ctx context.Context, patientID int64, typ storage.SessionType, filterDesc string) (*storage.Session, error)
	Stop(ctx context.Context) (*storage.Session, error)
	State() (active bool, sessionID int64, samples int64)
	Annotate(a *storage.Annotation) error
}

// Calibration implements service.CalibrationService on the device, the
// recorder and the database: it records calibration sessions with their
// prompts as annotations (the simulated patient follows them), trains and
// cross-validates a model on them, saves it as the patient's next model
// version and runs it live.
type Calibration struct {
	log  *slog.Logger
	db   *sqlite.DB
	dev  Device
	rec  Recorder
	opts Options

	mu        sync.Mutex // guards the fields below
	patientID int64
	sessions  []calSession     // sessions of the current calibration, oldest first
	recording *calSession      // the session being recorded, nil when none
	runner    *script.Runner   // the prompts being performed, nil before the first
	prompts   []service.Prompt // of runner
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
	// more: its gesture repetitions add to the earlier ones
	// (AddRepetitions) instead of replacing them.
	more bool
}

// New returns the calibration service on db, the device dev and its
// recorder rec. Attach it to the device (device.Device.Attach) so that its
// decider reads every stream.
func New(log *slog.Logger, db *sqlite.DB, dev Device, rec Recorder, opts Options) *Calibration {
	return &Calibration{log: log, db: db, dev: dev, rec: rec, opts: opts}
}

// Defaults returns the protocol the wizard offers.
func (c *Calibration) Defaults() service.CalibrationConfig { return c.opts.Protocol }

// simulator returns the connected simulator, nil when the device is not
// the simulator.
func (c *Calibration) simulator() *sim.Simulator {
	if s, ok := c.dev.Source().(*sim.Source); ok {
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
	return c.begin(ctx, patientID, redo, false)
}

// AddRepetitions starts a session of the current calibration whose gesture
// repetitions add to the ones recorded so far (e.g. one more repetition of
// each gesture after a quick calibration), instead of replacing them as a
// redo does.
func (c *Calibration) AddRepetitions(ctx context.Context, patientID int64) (int64, error) {
	return c.begin(ctx, patientID, true, true)
}

// begin starts a calibration session: a new calibration, a redo or more
// repetitions.
func (c *Calibration) begin(ctx context.Context, patientID int64, redo, more bool) (int64, error) {
	if _, ok := c.dev.Info(); !ok {
		return 0, errors.New("connect the amplifier (or the simulator) before calibrating")
	}
	c.mu.Lock()
	if c.recording != nil {
		c.mu.Unlock()
		return 0, errors.New("a calibration session is already recording")
	}
	if redo && (c.patientID != patientID || len(c.sessions) == 0) {
		c.mu.Unlock()
		if more {
			return 0, errors.New("nothing to add to: record the calibration first")
		}
		return 0, errors.New("nothing to redo: record the whole calibration first")
	}
	c.mu.Unlock()
	if s := c.simulator(); s != nil {
		if err := s.SetScript(nil); err != nil {
			return 0, err
		}
		c.act("rest", 1)
	}
	sess, err := c.rec.Start(ctx, patientID, storage.SessionCalibration, c.dev.FilterDescription())
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !redo {
		c.sessions, c.trained, c.saved = nil, nil, nil
	}
	c.patientID = patientID
	rec := calSession{id: sess.ID, redo: redo, more: more}
	c.sessions = append(c.sessions, rec)
	c.recording = &rec
	c.log.Info("calibration session", "session", sess.ID, "patient", patientID, "redo", redo, "more", more)
	return sess.ID, nil
}

// Progress reports what Perform is doing.
func (c *Calibration) Progress() service.CalibrationProgress {
	c.mu.Lock()
	r, prompts := c.runner, c.prompts
	c.mu.Unlock()
	if r == nil {
		return service.CalibrationProgress{}
	}
	p := r.Progress()
	out := service.CalibrationProgress{Active: p.Active, Index: p.Index, Count: p.Count, Resting: p.Resting, Remaining: p.Remaining, Done: p.Done}
	if p.Index < len(prompts) {
		out.Prompt = prompts[p.Index]
	}
	return out
}

// sessionClock is the recording's sample clock for the prompt runner.
type sessionClock struct {
	c         *Calibration
	sessionID int64
}

// Position returns the session's sample count so far and the stream rate,
// or an error when the recording or the device is gone.
func (k sessionClock) Position() (int64, float64, error) {
	info, ok := k.c.dev.Info()
	if !ok {
		return 0, 0, errors.New("the device was disconnected: connect it and start the calibration again")
	}
	active, id, n := k.c.rec.State()
	if !active || id != k.sessionID {
		return 0, 0, errors.New("the calibration recording stopped (device disconnected?): start the calibration again")
	}
	return n, info.SampleRateHz, nil
}

// Perform prompts each of prompts in turn through the prompt runner: on
// the stream's own clock it waits for each hold and rest, the simulated
// patient (if connected) follows, and each completed hold is recorded as
// annotations (its cue, and its settled part as a label, MVC or baseline).
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
	steps := make([]script.Step, len(prompts))
	for i, p := range prompts {
		level := c.opts.GestureLevel
		if p.Kind == service.PromptMVC {
			level = 1
		}
		switch p.Kind {
		case service.PromptBaseline, service.PromptMVC, service.PromptGesture:
		default:
			return fmt.Errorf("unknown prompt kind %q", p.Kind)
		}
		steps[i] = script.Step{
			Hold:  p.Hold,
			Rest:  p.Rest,
			Begin: func() { c.act(p.Gesture, level) },
			Relax: func() { c.act("rest", 1) },
			Marks: func(start, hold int64) []*storage.Annotation { return c.marks(p, start, hold) },
		}
	}
	r := script.New(script.Config{Clock: sessionClock{c: c, sessionID: rec.id}, Annotator: c.rec, Tick: c.opts.Tick, Stall: c.opts.Stall, Advance: c.opts.Advance})
	c.mu.Lock()
	c.runner, c.prompts = r, prompts
	c.mu.Unlock()
	defer c.act("rest", 1)
	return r.Run(ctx, steps)
}

// marks returns the annotations of prompt p held from session sample
// start for hold samples: its cue and the settled part as a label, MVC or
// baseline.
func (c *Calibration) marks(p service.Prompt, start, hold int64) []*storage.Annotation {
	info, _ := c.dev.Info()
	settle := int64(min(c.opts.SettleFraction*float64(hold), c.opts.MaxSettle.Seconds()*info.SampleRateHz))
	cue := &storage.Annotation{Sample: start, Duration: hold, Kind: AnnCue}
	mark := &storage.Annotation{Sample: start + settle, Duration: hold - settle}
	switch p.Kind {
	case service.PromptBaseline:
		cue.Text, mark.Kind, mark.Text = "baseline: "+p.Gesture, AnnBaseline, p.Gesture
	case service.PromptMVC:
		cue.Text = fmt.Sprintf("mvc %s: %s %d/%d", p.Group, p.Gesture, p.Rep, p.Reps)
		mark.Kind, mark.Text = AnnMVC, p.Group
	default:
		cue.Text = fmt.Sprintf("gesture: %s %d/%d", p.Gesture, p.Rep, p.Reps)
		mark.Kind, mark.Text = AnnLabel, p.Gesture
	}
	return []*storage.Annotation{cue, mark}
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
	active, id, _ := c.rec.State()
	if !active || id != rec.id {
		return nil // stopped already (device disconnected)
	}
	s, err := c.rec.Stop(ctx)
	if err != nil {
		return err
	}
	c.log.Info("calibration session ended", "session", s.ID, "samples", s.Samples)
	return nil
}
