package rehab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/app/device"
	"myorehab/app/engine"
	"myorehab/app/record"
	"myorehab/storage/sqlite"
)

// SimPatient is the simulated patient of a session: on each cue it
// performs the exercise through the simulator (acquisition/sim) with a
// skill from 0 to 1. Skill 1 reacts in 0.25 s and holds the middle of the
// band; lower skill reacts later (up to 1 s), misses the band's middle by
// a random error of up to 1.5 band widths (standard deviation
// (1 − skill) · 1.5 · width) and, on gesture reps, makes the wrong gesture
// with probability (1 − skill)/2.
type SimPatient struct {
	skill float64
	mu    sync.Mutex
	rng   *rand.Rand
	s     atomic.Pointer[sim.Simulator]
}

// NewSimPatient returns a simulated patient of the given skill (clipped to
// [0, 1]) whose random choices follow seed.
func NewSimPatient(skill float64, seed uint64) *SimPatient {
	if math.IsNaN(skill) {
		skill = 0
	}
	return &SimPatient{skill: min(max(skill, 0), 1), rng: rand.New(rand.NewPCG(seed, 0x5eed))}
}

// Skill returns the patient's skill.
func (p *SimPatient) Skill() float64 { return p.skill }

// attach makes the patient act on src's simulator (nothing for another
// source) and puts it at rest under manual control.
func (p *SimPatient) attach(src acquisition.Source) {
	if s, ok := src.(*sim.Source); ok {
		p.s.Store(s.Simulator())
	}
	p.rest()
}

func (p *SimPatient) rest() {
	s := p.s.Load()
	if s == nil {
		return
	}
	s.SetScript(nil)
	s.SetGesture(sim.Rest)
	s.SetLevel(1)
}

// act makes the patient rest for delay seconds, then hold g at level.
func (p *SimPatient) act(g sim.Gesture, level, delay float64) {
	s := p.s.Load()
	if s == nil {
		return
	}
	s.SetScript(sim.Script{{Gesture: sim.Rest, Seconds: max(delay, 0.001), Level: 0}, {Gesture: g, Seconds: 86400, Level: min(max(level, 0), 1)}})
}

// maximal performs a maximum contraction of gesture.
func (p *SimPatient) maximal(gesture string) {
	g, err := sim.ParseGesture(gesture)
	if err != nil {
		g = sim.PowerGrip
	}
	p.act(g, 1, 0.25)
}

// perform follows the cue of ex.
func (p *SimPatient) perform(ex *Exercise) {
	p.mu.Lock()
	miss := 1 - p.skill
	delay := 0.25 + 0.75*miss*p.rng.Float64()
	noise := p.rng.NormFloat64()
	wrong := p.rng.Float64() < miss/2
	pick := p.rng.IntN(5)
	p.mu.Unlock()
	g, err := sim.ParseGesture(ex.Gesture)
	if err != nil || ex.Gesture == "" {
		g = sim.PowerGrip
	}
	level := 0.5
	if ex.Kind == KindMVC {
		width := ex.TargetHighPct - ex.TargetLowPct
		level = ((ex.TargetLowPct+ex.TargetHighPct)/2 + noise*miss*1.5*width) / 100
	} else if wrong {
		g = sim.Gestures()[pick%(len(sim.Gestures())-1)+1]
		if g == sim.Gesture(0) {
			g = sim.Rest
		}
	}
	p.act(g, level, delay)
}

// gate is an unpaced source that produces a block only when Advance asks:
// the prompt runner then drives the stream (fast simulated sessions), so
// every cue falls on an exact block boundary however fast the machine.
type gate struct {
	acquisition.Source
	grant     chan struct{}
	idle      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newGate(src acquisition.Source) *gate {
	return &gate{Source: src, grant: make(chan struct{}), idle: make(chan struct{}, 1), done: make(chan struct{})}
}

// ReadBlock says the stream is idle (every consumer has released the
// previous block, the engine being in lockstep) and waits for a grant.
func (g *gate) ReadBlock(dst *acquisition.Block) error {
	select {
	case g.idle <- struct{}{}:
	default:
	}
	select {
	case <-g.grant:
	case <-g.done:
		dst.Len = 0
		return acquisition.ErrClosed
	}
	return g.Source.ReadBlock(dst)
}

// ready waits until the engine first asks for a block.
func (g *gate) ready(ctx context.Context) error {
	select {
	case <-g.idle:
		return nil
	case <-g.done:
		return acquisition.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Advance lets one block through and returns once every consumer has it.
func (g *gate) Advance(ctx context.Context) error {
	select {
	case g.grant <- struct{}{}:
	case <-g.done:
		return errors.New("the simulated stream ended")
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.ready(ctx)
}

// Close unblocks a waiting ReadBlock and closes the source.
func (g *gate) Close() error {
	g.closeOnce.Do(func() { close(g.done) })
	return g.Source.Close()
}

// stream describes the simulated stream to the recorder and the runner.
type stream struct {
	info    acquisition.StreamInfo
	src     acquisition.Source
	filter  string
	running atomic.Bool
}

func (s *stream) Info() (acquisition.StreamInfo, bool) { return s.info, s.running.Load() }
func (s *stream) SourceStats() acquisition.Stats {
	if st, ok := s.src.(acquisition.StatSource); ok {
		return st.Stats()
	}
	return acquisition.Stats{}
}
func (s *stream) Source() acquisition.Source { return s.src }
func (s *stream) FilterDescription() string  { return s.filter }

// SimRun is a whole session of a simulated patient, run headless.
type SimRun struct {
	DB  *sqlite.DB
	Log *slog.Logger
	// PatientID must exist.
	PatientID int64
	// Plan runs; PlanID and PlanVersion name its stored version (0: not
	// saved).
	Plan        *Plan
	PlanID      int64
	PlanVersion int
	// Skill of the simulated patient, 0–1; Seed its randomness and the
	// simulator's (electrode gains, noise).
	Skill float64
	Seed  uint64
	// At dates the session (and an MVC measured in it); zero: now.
	At time.Time
	// MeasureMVC runs the MVC holds first.
	MeasureMVC bool
	// Fast runs the simulator unpaced, driven by the prompts (a 5-minute
	// plan takes seconds); otherwise in real time.
	Fast bool
}

// RunSimulated runs run.Plan for the patient with a simulated patient of
// skill run.Skill through the real session path (simulated amplifier →
// engine with the shared conditioning → recorder and monitor → prompt
// runner → scoring → database), dated run.At. It is the one entry point
// for demos and synthetic histories (myorehab rehab --protocol sim,
// demo-history).
func RunSimulated(ctx context.Context, run SimRun) (*Result, error) {
	if run.DB == nil || run.Plan == nil {
		return nil, errors.New("rehab: a database and a plan are required")
	}
	log := run.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := sim.DefaultConfig()
	cfg.Manual, cfg.Seed = true, run.Seed
	simSrc, err := sim.NewSource(sim.SourceConfig{Config: cfg, Paced: !run.Fast})
	if err != nil {
		return nil, err
	}
	req := Request{PatientID: run.PatientID, Plan: run.Plan, PlanID: run.PlanID, PlanVersion: run.PlanVersion,
		MeasureMVC: run.MeasureMVC, Patient: NewSimPatient(run.Skill, run.Seed), At: run.At}
	res, err := RunSource(ctx, SourceRun{DB: run.DB, Log: log, Source: simSrc, Mains: device.Mains50, Unpaced: run.Fast}, req)
	if err != nil {
		return res, fmt.Errorf("rehab session: %w", err)
	}
	return res, nil
}

// SourceRun is a session run headless on a source of its own.
type SourceRun struct {
	DB  *sqlite.DB
	Log *slog.Logger
	// Source is read by an engine of the session's own (closed at the end).
	Source acquisition.Source
	// Mains is the notch of the conditioning.
	Mains device.Mains
	// Unpaced says Source delivers at once (the simulator unpaced, a file
	// replayed unpaced): the prompts then drive it block by block, in
	// lockstep with every consumer.
	Unpaced bool
	// OnStart, when set, is given the session's runner before it runs (a
	// test's or a caller's handle on the therapist's controls).
	OnStart func(*Runner)
}

// RunSource runs req on run.Source through the real session path
// (engine with the shared conditioning → recorder and monitor → prompt
// runner → scoring → database).
func RunSource(ctx context.Context, run SourceRun, req Request) (*Result, error) {
	log := run.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	src := run.Source
	var g *gate
	if run.Unpaced {
		g = newGate(src)
		src = g
	}
	info := run.Source.Info()
	blockLen := max(1, int(math.Round(info.SampleRateHz/50)))
	cond, desc, err := device.NewConditioner(info, blockLen, run.Mains)
	if err != nil {
		src.Close()
		return nil, err
	}
	st := &stream{info: info, src: run.Source, filter: desc}
	rec := record.NewRecorder(log, run.DB, st)
	mon := NewMonitor()
	eng, err := engine.New(engine.Config{Source: src, BlockLen: blockLen, Conditioner: cond,
		Consumers: []engine.Consumer{rec.Consumer(info, blockLen), mon.Consumer(info, blockLen)}, Lockstep: run.Unpaced})
	if err != nil {
		src.Close()
		return nil, err
	}
	ectx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	st.running.Store(true)
	go func() { done <- eng.Run(ectx) }()
	defer func() {
		st.running.Store(false)
		cancel()
		<-done
	}()
	rcfg := Config{Log: log, DB: run.DB, Device: st, Recorder: rec, Monitor: mon}
	if g != nil {
		if err := g.ready(ctx); err != nil {
			return nil, err
		}
		rcfg.Advance = g.Advance
	}
	r := NewRunner(rcfg)
	if run.OnStart != nil {
		run.OnStart(r)
	}
	return r.Run(ctx, req)
}
