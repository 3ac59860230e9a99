// Package glove runs the rehabilitation glove: the glove link
// (acquisition/glove), the therapist's arming and E-STOP, and the control
// loop, a consumer of the live stream that turns the patient's EMG into
// finger targets through the recognition pipeline and processing/control.
//
//	engine frame ─▶ Decider (patient's model) ─▶ decision ─┐
//	Conditions (quality per channel) ───────────────────────┼─▶ control.Controller.Step (every 20 ms) ─▶ Link.SetTargets ─▶ glove
//	link state, arm, E-STOP, dropped frames ────────────────┘
//
// The glove moves only while the therapist's ARM is in force, the link is
// up and the controller's gates pass (fresh, confident, stable decisions on
// good channels). Any lost frame on the control queue is a fault that
// needs a fresh ARM. The glove is disarmed when the stream ends (device
// disconnected, session over), when the service closes (app exit, signal)
// and when the loop panics. Limits live in processing/control and are
// checked again by the link before bytes leave.
package glove

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	aglove "myorehab/acquisition/glove"
	"myorehab/app/calibrate"
	"myorehab/app/engine"
	"myorehab/app/service"
	"myorehab/processing/control"
	"myorehab/processing/pipeline"
	"myorehab/processing/quality"
	"myorehab/processing/recognition"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// StepEvery is the control loop's period: targets are recomputed at
// 50 Hz (the link sends them, or heartbeats, at its own ≥ 20 Hz).
const StepEvery = 20 * time.Millisecond

// Annotator stores events of the running recording at a stream sample
// index: annotations (record.Recorder.AnnotateStream) and the commands
// sent to the glove (record.Recorder.GloveFrame). Neither may wait for
// the database; both do nothing without a recording.
type Annotator interface {
	AnnotateStream(a *storage.Annotation, streamSample uint64) error
	GloveFrame(f *storage.GloveFrame, streamSample uint64) error
}

// Config configures a Service.
type Config struct {
	Log *slog.Logger
	DB  *sqlite.DB
	// Events, when set, receives the glove's events as annotations of the
	// running recording, and every command sent to the glove (not the
	// heartbeats) with the stream sample index of the decision it
	// answers.
	Events Annotator
	// Link configures the links Connect opens (Port is set by Connect).
	Link aglove.Config
}

// Service implements service.GloveService and, as an attachment of the
// device, runs the control loop on every stream.
type Service struct {
	cfg Config

	mu      sync.Mutex // guards the fields below; never held during I/O
	link    *aglove.Link
	port    string
	mode    control.Mode
	level   int
	setup   *setup        // the armed patient's controller set-up
	fault   string        // the last fault in words
	linkGen int           // incremented per link, so an old event reader stops writing
	armedBy storage.Actor // who armed last (the E-STOP's actor without a default one)
	onSend  func(aglove.Sent)

	armed      atomic.Bool
	estop      atomic.Bool
	clearEStop atomic.Bool
	gen        atomic.Uint64 // incremented per Arm: the loop rebuilds its set-up
	// answer is the stream sample index (window end) of the newest
	// decision the loop turned into targets; MaxUint64 before any.
	answer atomic.Uint64

	stMu sync.Mutex // guards st and rep; the loop writes them, Status and Report copy them
	st   status
	rep  report
}

// report accumulates what the loop did, for `myorehab control`.
type report struct {
	decisions     uint64
	tComp, tTotal []time.Duration // ring of the latest reportKeep decisions
	next          int
	faults        []string
}

// reportKeep is the number of decisions whose latencies Report keeps.
const reportKeep = 1 << 14

// Report is what the control loop did since the service was built.
type Report struct {
	// Decisions is the number of decisions the loop made.
	Decisions uint64
	// TComp and TTotal are the compute time and T_comp + T_trans + T_sync
	// of the latest decisions (at most 16384), in order of arrival within
	// the ring.
	TComp, TTotal []time.Duration
	// Faults are the glove faults and link losses, in words.
	Faults []string
	// Link are the link's counters (zero without a link).
	Link aglove.Stats
}

// Report returns what the control loop did.
func (s *Service) Report() Report {
	s.stMu.Lock()
	r := Report{Decisions: s.rep.decisions, TComp: append([]time.Duration(nil), s.rep.tComp...),
		TTotal: append([]time.Duration(nil), s.rep.tTotal...), Faults: append([]string(nil), s.rep.faults...)}
	s.stMu.Unlock()
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	if l != nil {
		r.Link = l.Stats()
	}
	return r
}

// setup is what the loop needs to drive one patient: the controller
// configuration and, outside passive mode, the patient's model.
type setup struct {
	gen       uint64
	patientID int64
	cfg       control.Config
	pipe      *recognition.Pipeline // nil in passive mode
	mvcUV     []float64
}

// status is the loop's latest state, without allocations.
type status struct {
	controller           string
	n                    int // fingers the loop drives
	target, forceLimit   [aglove.MaxFingers]float64
	tComp, tTrans, tSync time.Duration
}

// New returns a Service without a glove.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, mode: control.Triggered, level: 50}
	s.answer.Store(math.MaxUint64)
	return s
}

var _ service.GloveService = (*Service)(nil)

// SetOnSend makes every link call fn after each frame sent (on the link's
// writer goroutine; fn must return quickly).
func (s *Service) SetOnSend(fn func(aglove.Sent)) {
	s.mu.Lock()
	s.onSend = fn
	s.mu.Unlock()
}

// sent is every link's OnSend: it stores the commands (not heartbeats or
// status requests) in the running recording, answering the newest
// decision (within one decision: the targets and the decision are handed
// over separately), then calls the SetOnSend hook. It runs on the link's
// writer goroutine.
func (s *Service) sent(f aglove.Sent) {
	if ev := s.cfg.Events; ev != nil && f.Type != aglove.TypeHeartbeat && f.Type != aglove.TypeGetStatus {
		g := &storage.GloveFrame{SentAt: f.Time, Seq: f.Seq, Type: f.Type.String()}
		for _, t := range f.Targets {
			g.Targets = append(g.Targets, storage.GloveTarget{Position: int(t.Position), ForceLimit: int(t.ForceLimit), MaxSpeed: int(t.MaxSpeed)})
		}
		ev.GloveFrame(g, s.answer.Load())
	}
	s.mu.Lock()
	fn := s.onSend
	s.mu.Unlock()
	if fn != nil {
		fn(f)
	}
}

// Connect opens the glove on path; the glove starts disarmed.
func (s *Service) Connect(path string) error {
	if path == "" {
		return errors.New("type the serial port of the glove (e.g. /dev/ttyUSB1)")
	}
	s.Disconnect()
	s.mu.Lock()
	cfg := s.cfg.Link
	s.mu.Unlock()
	cfg.Port, cfg.OnSend = path, s.sent
	l, err := aglove.Open(cfg)
	if err != nil {
		return fmt.Errorf("the glove on %s did not answer: %w", path, err)
	}
	s.mu.Lock()
	s.link, s.port, s.fault = l, path, ""
	s.linkGen++
	gen := s.linkGen
	s.mu.Unlock()
	s.cfg.Log.Info("glove connected", "port", path, "fingers", l.Fingers())
	go s.watch(l, gen)
	return nil
}

// watch logs the link's events, keeps the last fault in words and stores
// the events in the running recording.
func (s *Service) watch(l *aglove.Link, gen int) {
	for {
		select {
		case ev, ok := <-l.Events():
			if !ok {
				return
			}
			s.onEvent(ev, gen)
		case <-l.Done():
			return
		}
	}
}

func (s *Service) onEvent(ev aglove.Event, gen int) {
	text := ev.String()
	s.cfg.Log.Info("glove", "event", text)
	switch ev.Kind {
	case aglove.EventFault, aglove.EventLinkLost, aglove.EventPortError:
		s.mu.Lock()
		if s.linkGen == gen {
			s.fault = faultAdvice(ev)
		}
		s.mu.Unlock()
		s.stMu.Lock()
		s.rep.faults = append(s.rep.faults, text)
		s.stMu.Unlock()
		s.armed.Store(false) // motion needs a fresh ARM
	}
	s.annotate("glove: " + text)
}

// faultAdvice says a link event in words with what to do.
func faultAdvice(ev aglove.Event) string {
	switch ev.Kind {
	case aglove.EventLinkLost:
		return "The glove stopped answering (cable or power?). It stopped moving; check it, then arm again."
	case aglove.EventPortError:
		return "The glove's cable was pulled or its port failed. Reconnect the glove, then arm again."
	}
	return "The glove reported a fault (" + ev.String() + "). It stopped moving; check the glove and the patient's hand, then arm again."
}

// annotate stores text as a glove event of the running recording at the
// newest sample, if a recording runs.
func (s *Service) annotate(text string) {
	if s.cfg.Events == nil {
		return
	}
	s.cfg.Events.AnnotateStream(&storage.Annotation{Kind: "glove", Text: text}, math.MaxUint64)
}

// Disconnect disarms the glove and closes the link.
func (s *Service) Disconnect() error {
	s.mu.Lock()
	l := s.link
	s.link, s.port = nil, ""
	s.linkGen++
	s.mu.Unlock()
	s.armed.Store(false)
	if l == nil {
		return nil
	}
	l.Disarm()
	err := l.Close() // sends DISARM last
	s.cfg.Log.Info("glove disconnected", "err", err)
	return err
}

// Close disconnects the glove (app exit).
func (s *Service) Close() error { return s.Disconnect() }

// Arm lets the glove move for the patient: the link must be up, no
// E-STOP latched, and outside passive mode the patient needs a calibrated
// model. The patient's limits (or the defaults) are sent to the glove.
func (s *Service) Arm(ctx context.Context, patientID int64) error {
	l, mode, level, lims, err := s.ready(ctx, patientID)
	if err != nil {
		return err
	}
	var pipe *recognition.Pipeline
	var mvc []float64
	if mode != control.Passive {
		if s.cfg.DB == nil {
			return errors.New("no patient records: give a model (ArmWith)")
		}
		m, err := s.cfg.DB.LatestModel(ctx, patientID)
		if errors.Is(err, storage.ErrNotFound) {
			return errors.New("this patient has no gesture model yet: calibrate first (or use passive range of motion)")
		}
		if err != nil {
			return err
		}
		// The glove's front end stored with the model (short window for
		// the latency budget), or the model itself if it has none.
		if pipe, mvc, err = calibrate.ControlPipelineOf(m); err != nil {
			return fmt.Errorf("the patient's model cannot be used: %w", err)
		}
	}
	return s.arm(ctx, l, patientID, lims, mode, level, pipe, mvc)
}

// ArmWith arms like Arm but decides with pipe (per-channel MVC mvcUV in
// µV, may be nil) instead of the patient's stored model: a model trained
// for the session (`myorehab control --train`).
func (s *Service) ArmWith(ctx context.Context, patientID int64, pipe *recognition.Pipeline, mvcUV []float64) error {
	l, mode, level, lims, err := s.ready(ctx, patientID)
	if err != nil {
		return err
	}
	if mode == control.Passive {
		pipe, mvcUV = nil, nil
	}
	return s.arm(ctx, l, patientID, lims, mode, level, pipe, mvcUV)
}

// ready checks that the glove can be armed and returns its link, the mode
// and level, and the patient's limits.
func (s *Service) ready(ctx context.Context, patientID int64) (*aglove.Link, control.Mode, int, []storage.GloveFingerLimit, error) {
	s.mu.Lock()
	l, mode, level := s.link, s.mode, s.level
	s.mu.Unlock()
	switch {
	case l == nil:
		return nil, 0, 0, nil, errors.New("connect the glove first")
	case s.estop.Load():
		return nil, 0, 0, nil, errors.New("the emergency stop is latched: release it first")
	case l.State() != aglove.LinkUp:
		return nil, 0, 0, nil, errors.New("the glove is not answering: check its cable and power")
	}
	lims, err := s.limits(ctx, patientID, l.Fingers())
	return l, mode, level, lims, err
}

// arm sends the limits and the mode, arms the glove and hands the loop
// its new set-up.
func (s *Service) arm(ctx context.Context, l *aglove.Link, patientID int64, lims []storage.GloveFingerLimit, mode control.Mode, level int, pipe *recognition.Pipeline, mvcUV []float64) error {
	su := &setup{patientID: patientID, pipe: pipe, mvcUV: mvcUV}
	classes := []string{control.DefaultRestClass} // passive: no decisions
	if pipe != nil {
		classes = pipe.Classes
	}
	channels := 1
	if su.pipe != nil {
		channels = su.pipe.Channels
	}
	cfg := control.DefaultConfig(classes, channels)
	cfg.Fingers = l.Fingers()
	cfg.Limits = make([]control.FingerLimits, len(lims))
	for i, f := range lims {
		cfg.Limits[i] = control.FingerLimits{MinPosition: uint16(f.MinPosition), MaxPosition: uint16(f.MaxPosition),
			MaxForce: uint16(f.MaxForce), MaxSpeed: uint16(f.MaxSpeed)}
	}
	cfg.Mode, cfg.AssistLevel = mode, level
	if _, err := control.NewController(cfg); err != nil { // checked here, built by the loop
		return fmt.Errorf("the glove limits do not fit this glove: %w", err)
	}
	su.cfg = cfg
	link := make([]aglove.Limit, len(lims))
	for i, f := range cfg.Limits {
		link[i] = aglove.Limit{MinPosition: f.MinPosition, MaxPosition: f.MaxPosition, MaxForce: f.MaxForce, MaxSpeed: f.MaxSpeed}
	}
	if err := l.SetLimits(link); err != nil {
		return fmt.Errorf("send the limits to the glove: %w", err)
	}
	if err := l.SetAssist(aglove.Assist{Mode: aglove.AssistMode(mode), Level: uint8(level)}); err != nil {
		return fmt.Errorf("send the assist mode to the glove: %w", err)
	}
	var tok [4]byte
	rand.Read(tok[:])
	if err := l.Arm(binary.LittleEndian.Uint32(tok[:])); err != nil {
		return fmt.Errorf("arm the glove: %w", err)
	}
	su.gen = s.gen.Add(1)
	s.mu.Lock()
	s.setup, s.fault = su, ""
	s.mu.Unlock()
	s.armed.Store(true)
	s.cfg.Log.Info("glove armed", "patient", patientID, "mode", mode.String(), "level", level)
	s.annotate(fmt.Sprintf("glove: ARM (%s, %d %%)", mode, level))
	if s.cfg.DB != nil {
		a := s.cfg.DB.ActorOf(ctx)
		s.mu.Lock()
		s.armedBy = a
		s.mu.Unlock()
	}
	s.audit(ctx, storage.AuditArmed, patientID, fmt.Sprintf("%s, %d %%", mode, level))
	return nil
}

// Disarm stops the motion: targets ramp to the safe state, then the glove
// is disarmed.
func (s *Service) Disarm() error {
	s.armed.Store(false)
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	s.annotate("glove: DISARM")
	if l == nil {
		return nil
	}
	return l.Disarm()
}

// EStop sends the emergency stop ahead of everything queued. It never
// blocks and latches until ClearEStop.
func (s *Service) EStop() {
	s.estop.Store(true)
	s.armed.Store(false)
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	if l != nil {
		l.EStop()
	}
	s.cfg.Log.Warn("glove E-STOP")
	s.annotate("glove: E-STOP")
	// The stop is on its way; the audit line must not delay the caller.
	// EStop has no context: the actor is the database's default one (the
	// therapist logged in), else whoever armed (the command line's user).
	ctx := context.Background()
	s.mu.Lock()
	by := s.armedBy
	s.mu.Unlock()
	if s.cfg.DB != nil && s.cfg.DB.DefaultActor == nil && by.Name != "" {
		ctx = storage.WithActor(ctx, by)
	}
	go s.audit(ctx, storage.AuditEStop, s.patient(), "")
}

// patient returns the armed patient's ID (0: none).
func (s *Service) patient() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setup == nil {
		return 0
	}
	return s.setup.patientID
}

// audit writes a glove action to the audit log (object: the glove; the
// patient in the detail). The actor comes from ctx or the database's
// default actor (the therapist logged in). A failure is logged: the glove
// must not stop working because the log cannot be written.
func (s *Service) audit(ctx context.Context, action storage.AuditAction, patientID int64, detail string) {
	if s.cfg.DB == nil {
		return
	}
	d := fmt.Sprintf("patient %d", patientID)
	if detail != "" {
		d += ", " + detail
	}
	if err := s.cfg.DB.Audit(ctx, &storage.AuditEntry{Action: action, ObjectType: storage.ObjectGlove, ObjectID: patientID, Detail: d}); err != nil {
		s.cfg.Log.Warn("glove action not written to the audit log", "action", action, "err", err)
	}
}

// ClearEStop releases a latched emergency stop; motion needs a fresh Arm.
func (s *Service) ClearEStop() error {
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	if l != nil {
		if err := l.ClearFault(); err != nil {
			return fmt.Errorf("release the emergency stop on the glove: %w", err)
		}
	}
	s.clearEStop.Store(true)
	s.estop.Store(false)
	s.annotate("glove: E-STOP released")
	return nil
}

// SetMode sets the assist mode and level; it applies at the next Arm.
func (s *Service) SetMode(mode string, level int) error {
	m, err := control.ParseMode(mode)
	if err != nil {
		return err
	}
	if level < 0 || level > 100 {
		return fmt.Errorf("assist level %d %%: use 0 to 100", level)
	}
	s.mu.Lock()
	s.mode, s.level = m, level
	s.mu.Unlock()
	return nil
}

// Limits returns the patient's glove limits, the defaults when none were
// saved.
func (s *Service) Limits(ctx context.Context, patientID int64) ([]service.FingerLimit, error) {
	fingers := aglove.MaxFingers
	s.mu.Lock()
	if s.link != nil {
		fingers = s.link.Fingers()
	}
	s.mu.Unlock()
	lims, err := s.limits(ctx, patientID, fingers)
	if err != nil {
		return nil, err
	}
	out := make([]service.FingerLimit, len(lims))
	for i, f := range lims {
		out[i] = service.FingerLimit(f)
	}
	return out, nil
}

// limits returns the saved limits of the patient for fingers fingers, or
// the defaults.
func (s *Service) limits(ctx context.Context, patientID int64, fingers int) ([]storage.GloveFingerLimit, error) {
	if s.cfg.DB != nil {
		g, err := s.cfg.DB.LatestGloveLimits(ctx, patientID)
		if err == nil && len(g.Fingers) == fingers {
			return g.Fingers, nil
		}
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	out := make([]storage.GloveFingerLimit, fingers)
	for i, d := range control.DefaultLimits(fingers) {
		out[i] = storage.GloveFingerLimit{MinPosition: float64(d.MinPosition), MaxPosition: float64(d.MaxPosition),
			MaxForce: float64(d.MaxForce), MaxSpeed: float64(d.MaxSpeed)}
	}
	return out, nil
}

// SaveLimits stores the patient's limits; they apply from the next Arm.
func (s *Service) SaveLimits(ctx context.Context, patientID int64, l []service.FingerLimit) error {
	if s.cfg.DB == nil {
		return errors.New("no patient records to keep the limits in")
	}
	g := &storage.GloveLimits{PatientID: patientID, Fingers: make([]storage.GloveFingerLimit, len(l))}
	for i, f := range l {
		g.Fingers[i] = storage.GloveFingerLimit(f)
	}
	return s.cfg.DB.SaveGloveLimits(ctx, g)
}

// Status returns the glove loop's state for the screens.
func (s *Service) Status() service.GloveStatus {
	s.mu.Lock()
	l, port, fault, mode, level := s.link, s.port, s.fault, s.mode, s.level
	s.mu.Unlock()
	out := service.GloveStatus{State: service.GloveDisconnected, Port: port, Mode: mode.String(), AssistLevel: level,
		Armed: s.armed.Load(), Fault: fault}
	if l != nil {
		switch {
		case l.State() != aglove.LinkUp:
			out.State = service.GloveLinkLost
		default:
			out.State = l.GloveState().String()
		}
		st := l.Stats()
		out.Commands, out.Acks, out.Nacks, out.FrameErrors = st.FramesSent, st.Acks, st.Nacks, st.FrameErrors
	}
	if s.estop.Load() {
		out.State = service.GloveEStop
	}
	s.stMu.Lock()
	cur := s.st
	s.stMu.Unlock()
	out.Controller = cur.controller
	out.TComp, out.TTrans, out.TSync = cur.tComp, cur.tTrans, cur.tSync
	if l == nil || l.State() != aglove.LinkUp {
		return out // no live finger data: nothing is shown as if it were
	}
	// Where the fingers are comes from the glove's latest STATUS, armed or
	// not; where they are told to go from the control loop (while it runs).
	gs := l.Status()
	for i := range int(gs.N) {
		f := service.FingerStatus{Name: aglove.FingerName(i), Position: float64(gs.Fingers[i].Position), Force: float64(gs.Fingers[i].Force)}
		if i < cur.n {
			f.Target, f.ForceLimit = cur.target[i], cur.forceLimit[i]
		}
		out.Fingers = append(out.Fingers, f)
	}
	return out
}

// Consumer returns the control loop of a stream: a queue of about a
// second that never drops silently (a drop is a fault: the glove ramps to
// safe and needs a fresh ARM).
func (s *Service) Consumer(info acquisition.StreamInfo, blockLen int) engine.Consumer {
	return &loop{s: s, info: info, blockLen: blockLen, queue: int(info.SampleRateHz)/blockLen + 1}
}

// loop is the control consumer of one stream.
type loop struct {
	s        *Service
	info     acquisition.StreamInfo
	blockLen int
	queue    int

	gen     uint64
	ctrl    *control.Controller
	dec     *pipeline.Decider
	out     []pipeline.Decision
	last    pipeline.Decision
	decided time.Duration
	dropped uint64
	targets []control.Target
	wire    []aglove.FingerTarget
	meas    []float64
	start   time.Time
	said    sentenceKey // what the published sentence says
}

func (lp *loop) Spec() engine.Spec {
	return engine.Spec{Name: "glove", Queue: lp.queue, Policy: engine.DropIsFault}
}

// Run steps the controller every StepEvery and on every decision, until
// the stream ends; then, and on a panic, the glove is disarmed.
func (lp *loop) Run(ctx context.Context, in *engine.Input) (err error) {
	defer func() {
		lp.s.safeStop("the stream ended")
		if p := recover(); p != nil {
			err = fmt.Errorf("glove loop panic: %v", p)
		}
	}()
	lp.start = time.Now()
	lp.s.answer.Store(math.MaxUint64) // a new stream: no decision yet
	lp.targets = make([]control.Target, aglove.MaxFingers)
	lp.wire = make([]aglove.FingerTarget, aglove.MaxFingers)
	lp.meas = make([]float64, aglove.MaxFingers)
	lp.out = make([]pipeline.Decision, 0, 64)
	tick := time.NewTicker(StepEvery)
	defer tick.Stop()
	var cond *pipeline.Conditions
	for {
		select {
		case f, ok := <-in.C():
			if !ok {
				return nil
			}
			if f.Missed > 0 {
				lp.dropped++
			}
			if f.Raw.Len > 0 {
				cond = f.Cond
				if lp.decide(f) {
					lp.step(cond) // a new decision acts at once, not at the next tick
				}
			}
			in.Release(f)
		case <-in.Overflow():
			lp.dropped++
		case <-tick.C:
			lp.step(cond)
		case <-ctx.Done():
			return nil
		}
	}
}

// refresh rebuilds the controller and the decider after a new Arm.
func (lp *loop) refresh() {
	g := lp.s.gen.Load()
	if g == lp.gen {
		return
	}
	lp.s.mu.Lock()
	su := lp.s.setup
	lp.s.mu.Unlock()
	if su == nil || su.gen != g {
		return
	}
	lp.gen = g
	lp.ctrl, lp.dec = nil, nil
	cfg := su.cfg
	cfg.Channels, cfg.ChannelLabels = lp.info.Channels, lp.info.Labels
	c, err := control.NewController(cfg)
	if err != nil {
		lp.s.cfg.Log.Error("glove controller", "err", err)
		lp.s.armed.Store(false)
		return
	}
	lp.ctrl, lp.dropped = c, 0
	lp.last, lp.decided = pipeline.Decision{}, 0
	if su.pipe != nil {
		dec, err := su.pipe.NewDecider(recognition.LiveOptions{BlockCap: lp.blockLen, MVC: su.mvcUV})
		if err != nil {
			lp.s.cfg.Log.Error("glove decider", "err", err)
			lp.s.armed.Store(false)
			lp.ctrl = nil
			return
		}
		lp.dec = dec
	}
}

// decide runs the patient's model on a frame and reports whether it made
// a decision.
func (lp *loop) decide(f *engine.Frame) bool {
	if lp.dec == nil {
		return false
	}
	if f.Missed > 0 {
		lp.dec.Reset() // a decision never spans a hole in the signal
	}
	lp.out = lp.dec.Process(lp.out[:0], f.Raw) // the model's own front end (Spec filter) applies
	n := len(lp.out)
	if n > 0 {
		lp.last = lp.out[n-1]
		lp.decided = time.Since(lp.start)
		lp.s.record(lp.out)
	}
	return n > 0
}

// step runs the controller once and hands its targets to the link.
func (lp *loop) step(cond *pipeline.Conditions) {
	lp.refresh()
	s := lp.s
	if s.clearEStop.Swap(false) && lp.ctrl != nil {
		lp.ctrl.ClearEStop()
	}
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	if lp.ctrl == nil {
		return
	}
	in := control.Input{
		Now:       time.Since(lp.start),
		Decision:  lp.last,
		DecidedAt: lp.decided,
		Stable:    true,
		Armed:     s.armed.Load(),
		EStop:     s.estop.Load(),
		Dropped:   lp.dropped,
	}
	if cond != nil {
		in.Quality = cond.Statuses
	}
	n := lp.ctrl.Fingers()
	if l != nil {
		switch {
		case l.State() != aglove.LinkUp:
			in.Link = control.LinkLost
		case l.GloveState() == aglove.Faulted || l.GloveState() == aglove.EStopped:
			in.Link = control.LinkFault
		default:
			// Up and not faulted. A glove still DISARMED while our ARM is
			// on its way counts as healthy: it does not move until it
			// acknowledges, and the link sends targets only then.
			in.Link = control.LinkHealthy
		}
		gs := l.Status()
		for i := range min(n, int(gs.N)) {
			lp.meas[i] = float64(gs.Fingers[i].Position)
		}
		in.Measured = lp.meas[:n]
	}
	st := lp.ctrl.Step(lp.targets[:n], in)
	if lp.last.Sample > 0 {
		s.answer.Store(lp.last.Sample) // the targets below answer this decision
	}
	if l != nil {
		for i, t := range lp.targets[:n] {
			p, fl, ms := t.Wire()
			lp.wire[i] = aglove.FingerTarget{Position: p, ForceLimit: fl, MaxSpeed: ms}
		}
		l.SetTargets(lp.wire[:n]) // refused (and counted by the link) when not armed
	}
	lp.publish(st, n)
}

// publish keeps the loop's state for Status, without allocating except for
// the controller's sentence.
func (lp *loop) publish(st control.Status, n int) {
	s := lp.s
	s.stMu.Lock()
	defer s.stMu.Unlock()
	cur := &s.st
	cur.n = n
	for i := range n {
		cur.target[i], cur.forceLimit[i] = lp.targets[i].Position, lp.targets[i].ForceLimit
	}
	cur.tComp, cur.tTrans, cur.tSync = lp.last.TComp, lp.last.TTrans, lp.last.TSync
	// The sentence is rebuilt (and allocated) only when what it says
	// changed, not 50 times a second.
	k := sentenceKey{st.State, st.Reason, st.Latched, st.Mode, st.Posture, st.ClassName, st.Channel, st.Quality}
	if k != lp.said || cur.controller == "" {
		lp.said, cur.controller = k, st.String()
	}
}

// sentenceKey is what the controller's sentence depends on, apart from
// numbers that change at every step.
type sentenceKey struct {
	state     control.State
	reason    control.Reason
	latched   bool
	mode      control.Mode
	posture   string
	className string
	channel   int
	quality   quality.Code
}

// record adds decisions to the report (the rings are allocated once).
func (s *Service) record(ds []pipeline.Decision) {
	s.stMu.Lock()
	defer s.stMu.Unlock()
	r := &s.rep
	if r.tComp == nil {
		r.tComp, r.tTotal = make([]time.Duration, 0, reportKeep), make([]time.Duration, 0, reportKeep)
	}
	for _, d := range ds {
		r.decisions++
		total := d.TComp + d.TTrans + d.TSync
		if len(r.tComp) < reportKeep {
			r.tComp, r.tTotal = append(r.tComp, d.TComp), append(r.tTotal, total)
			continue
		}
		r.tComp[r.next], r.tTotal[r.next] = d.TComp, total
		r.next = (r.next + 1) % reportKeep
	}
}

// safeStop disarms the glove: the stream ended or the loop failed.
func (s *Service) safeStop(why string) {
	if !s.armed.Swap(false) {
		return
	}
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	if l != nil {
		l.Disarm()
	}
	s.cfg.Log.Warn("glove disarmed", "why", why)
	s.annotate("glove: DISARM (" + why + ")")
}
