package glove

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition/serialport"
)

// Link defaults and bounds.
const (
	// DefaultRateHz is the default rate of SET_TARGETS or HEARTBEAT frames.
	DefaultRateHz = 50
	// MinRateHz is the slowest allowed rate: the glove's watchdog is 250 ms
	// and a frame may be lost.
	MinRateHz = 20
	// LinkTimeout is how long without STATUS makes the link lost (§6.4),
	// the default of Config.LinkTimeout.
	LinkTimeout = 250 * time.Millisecond
	// DefaultMaxSpeed is the speed limit in ‰/s used when Config.Limits is
	// nil.
	DefaultMaxSpeed = 500
	// closeWait bounds how long Close waits for the last DISARM and for
	// the writer goroutine.
	closeWait = 500 * time.Millisecond
)

// Limit is one finger's limits as the link re-checks them before bytes
// leave (the same fields as processing/control's limits).
type Limit struct {
	// MinPosition and MaxPosition bound the position in ‰
	// (0 ≤ Min ≤ Max ≤ 1000).
	MinPosition, MaxPosition uint16
	// MaxForce bounds the force limit in cN (≤ the glove's own, INFO).
	MaxForce uint16
	// MaxSpeed bounds each target's speed in ‰/s, and how fast commanded
	// positions may change between SetTargets calls (> 0).
	MaxSpeed uint16
}

// Port is what a Link needs of a serial port (go.bug.st/serial.Port
// satisfies it). Read must return now and then, (0, nil) after a read
// timeout as serialport.Open sets, and return an error once Close is
// called.
type Port interface {
	io.ReadWriteCloser
}

// Config configures Open and New.
type Config struct {
	// Port is the serial port path for Open (ignored by New).
	Port string
	// Baud is the line rate for Open; 0 means 115200.
	Baud int
	// RateHz is the rate at which SET_TARGETS or HEARTBEAT frames are
	// sent, in Hz, at least MinRateHz; 0 means DefaultRateHz.
	RateHz float64
	// Limits are the patient's limits per finger (thumb first); their
	// count must equal the glove's finger count (INFO). nil means the full
	// range, the glove's force limit and DefaultMaxSpeed. They are sent as
	// SET_LIMITS after the handshake.
	Limits []Limit
	// HandshakeTimeout bounds the HELLO/INFO exchange; 0 means 2 s.
	HandshakeTimeout time.Duration
	// LinkTimeout is how long without STATUS makes the link lost; 0 means
	// 250 ms as §6.4 requires. Only tests on a starved machine set more.
	LinkTimeout time.Duration
	// QueueLen is the capacity of the command queue; 0 means 16.
	QueueLen int
	// EventsLen is the capacity of the Events channel; 0 means 64. Events
	// that do not fit are dropped and counted.
	EventsLen int
	// OnSend, when not nil, is called by the writer goroutine after each
	// frame was handed to the port (e.g. for `myorehab control --log`).
	// It must return quickly; Sent.Targets is only valid during the call.
	OnSend func(Sent)
}

// Sent describes one frame the link wrote.
type Sent struct {
	// Time is when the write returned.
	Time time.Time
	// Seq and Type are the frame's.
	Seq  uint8
	Type Type
	// Targets are the targets sent (after clamping) for SET_TARGETS.
	Targets []FingerTarget
}

// LinkState is the health of the link as the host sees it.
type LinkState int32

// Link states.
const (
	// LinkUp: STATUS arrived within the last 250 ms.
	LinkUp LinkState = iota
	// LinkLost: no STATUS for 250 ms, or the port failed. No targets are
	// sent; motion needs a new Arm once STATUS is back.
	LinkLost
	// LinkClosed: Close was called.
	LinkClosed
)

// String returns "up", "lost" or "closed".
func (s LinkState) String() string {
	switch s {
	case LinkUp:
		return "up"
	case LinkLost:
		return "lost"
	case LinkClosed:
		return "closed"
	}
	return "LinkState(?)"
}

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	// EventLinkLost: no STATUS for 250 ms; the link stopped sending
	// targets, cleared the arm request and sent DISARM.
	EventLinkLost EventKind = iota + 1
	// EventLinkRestored: STATUS arrives again after EventLinkLost.
	EventLinkRestored
	// EventState: the glove's state changed (State).
	EventState
	// EventAck: the glove acknowledged a command (Seq, Command, State).
	EventAck
	// EventNack: the glove refused a command or a damaged frame (Seq,
	// Command when known, Code).
	EventNack
	// EventFault: the glove reported a fault (Fault).
	EventFault
	// EventCancelled: commands queued before an EStop were dropped (Count).
	EventCancelled
	// EventPortError: the port failed (Err); the link is lost for good.
	EventPortError
)

// Event is a change on the link, delivered on Link.Events.
type Event struct {
	// Time is when the link saw it.
	Time time.Time
	// Kind says what happened.
	Kind EventKind
	// Seq is the seq the glove answered (ACK, NACK).
	Seq uint8
	// Command is the type of the command answered, when the link
	// remembers sending it with that seq (0 otherwise).
	Command Type
	// State is the glove's state (EventState, EventAck).
	State State
	// Code is the NACK's error.
	Code NackCode
	// Fault is the FAULT frame's content.
	Fault FaultReport
	// Count is the number of commands cancelled.
	Count int
	// Err is the port error.
	Err error
}

// String describes the event in plain words.
func (e Event) String() string {
	switch e.Kind {
	case EventLinkLost:
		return "glove link lost: no status from the glove for 250 ms (check the cable and the glove's power)"
	case EventLinkRestored:
		return "glove link restored; arm again to move"
	case EventState:
		return "glove is now " + e.State.String()
	case EventAck:
		return fmt.Sprintf("glove accepted %s (seq %d), state %v", e.command(), e.Seq, e.State)
	case EventNack:
		return fmt.Sprintf("glove refused %s (seq %d): %v", e.command(), e.Seq, e.Code)
	case EventFault:
		return fmt.Sprintf("glove fault: %v (detail %d)", e.Fault.Bit, e.Fault.Detail)
	case EventCancelled:
		return fmt.Sprintf("%d queued glove commands cancelled by the emergency stop", e.Count)
	case EventPortError:
		return fmt.Sprintf("glove connection failed: %v", e.Err)
	}
	return "glove event"
}

func (e Event) command() string {
	if e.Command == 0 {
		return "a command"
	}
	return e.Command.String()
}

// Stats are a Link's running counters.
type Stats struct {
	// FramesSent counts every frame written; TargetsSent, HeartbeatsSent
	// and CommandsSent split it (CommandsSent includes ESTOP).
	FramesSent, TargetsSent, HeartbeatsSent, CommandsSent uint64
	// StatusReceived, Acks, Nacks and Faults count good frames received.
	StatusReceived, Acks, Nacks, Faults uint64
	// FrameErrors counts damaged frames dropped; SkippedBytes the bytes
	// dropped while resynchronising.
	FrameErrors, SkippedBytes uint64
	// Clamped counts targets changed by the final limits check
	// (SetTargets, SetLimits); RateLimited counts SET_TARGETS frames whose
	// positions were slowed to MaxSpeed.
	Clamped, RateLimited uint64
	// Cancelled counts queued commands an EStop dropped.
	Cancelled uint64
	// EventsDropped counts events that did not fit the Events channel.
	EventsDropped uint64
	// LinkLosses counts transitions to LinkLost.
	LinkLosses uint64
	// WriteErrors counts failed writes.
	WriteErrors uint64
}

// Errors of the command methods.
var (
	// ErrQueueFull: the command queue is full; nothing was queued.
	ErrQueueFull = errors.New("glove: command queue full")
	// ErrClosed: the link is closed.
	ErrClosed = errors.New("glove: link closed")
	// ErrNoInfo: the glove did not answer HELLO.
	ErrNoInfo = errors.New("glove did not answer (is it switched on, is this the glove's port?)")
)

type command struct {
	typ     Type
	n       uint8
	payload [MaxPayload]byte
	epoch   uint64
}

// Link is the host side of the glove link v1 over a serial port. Its
// methods are safe from any goroutine.
type Link struct {
	cfg     Config
	port    Port
	info    Info
	fingers int
	period  time.Duration
	t0      time.Time

	queue  chan command
	wake   chan struct{}
	quit   chan struct{}
	events chan Event
	done   chan struct{}

	readerDone, writerDone, monitorDone chan struct{}

	mu        sync.Mutex // guards the fields below up to tmu, and the choice of the next frame
	estop     bool       // ESTOP is due
	disarm    bool       // a priority DISARM is due (link lost)
	epoch     uint64     // commands queued in an older epoch are cancelled
	closng    bool
	nextSeq   uint8
	held      command // a command taken from the queue but not sent yet, when holding
	holding   bool
	rearm     bool // Arm was called: the next targets start from the measured positions
	lastSent  [MaxFingers]FingerTarget
	lastSentT time.Time

	tmu        sync.Mutex // guards the targets and limits
	targets    [MaxFingers]FingerTarget
	haveTarget bool
	limits     [MaxFingers]Limit
	newTargets atomic.Bool // SetTargets changed the targets since the writer last sent them

	smu    sync.Mutex // guards status
	status Status

	state      atomic.Int32  // LinkState
	gloveState atomic.Uint32 // State
	lastStatus atomic.Int64  // ns since t0
	armIntent  atomic.Bool
	gone       atomic.Bool
	sentType   [256]atomic.Uint32 // Type+1 of the frame sent with each seq

	framesSent, targetsSent, heartbeatsSent, commandsSent atomic.Uint64
	statusRx, acks, nacks, faults                         atomic.Uint64
	frameErrors, skipped, clamped, rateLimited, cancelled atomic.Uint64
	eventsDropped, linkLosses, writeErrors                atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

// Open opens the serial port cfg.Port (serialport.Open: 8-N-1, DTR/RTS
// untouched) and returns New's Link over it; the port is closed on
// failure. Errors name the port and say what to check.
func Open(cfg Config) (*Link, error) {
	p, err := serialport.Open(cfg.Port, cfg.Baud)
	if err != nil {
		return nil, fmt.Errorf("glove: %w", err)
	}
	l, err := New(p, cfg)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("glove on %s: %w", cfg.Port, err)
	}
	return l, nil
}

// New says HELLO on port, waits for INFO (up to three HELLOs, each with a
// fresh seq, within HandshakeTimeout), checks cfg.Limits against the
// glove, queues DISARM (a glove left armed by an earlier session is not
// kept armed by our heartbeats) and SET_LIMITS, and starts the link's
// goroutines. The Link owns
// port from then on; on error the caller closes it.
func New(port Port, cfg Config) (*Link, error) {
	if cfg.RateHz == 0 {
		cfg.RateHz = DefaultRateHz
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = 2 * time.Second
	}
	if cfg.QueueLen == 0 {
		cfg.QueueLen = 16
	}
	if cfg.LinkTimeout == 0 {
		cfg.LinkTimeout = LinkTimeout
	}
	if cfg.EventsLen == 0 {
		cfg.EventsLen = 64
	}
	if !(cfg.RateHz >= MinRateHz) || cfg.RateHz > 1000 {
		return nil, fmt.Errorf("glove: send rate %g Hz out of %d..1000 Hz", cfg.RateHz, MinRateHz)
	}
	if cfg.QueueLen < 0 || cfg.EventsLen < 0 || cfg.HandshakeTimeout < 0 || cfg.LinkTimeout < 0 {
		return nil, errors.New("glove: negative queue, events or timeout setting")
	}
	l := &Link{
		cfg:         cfg,
		port:        port,
		period:      time.Duration(float64(time.Second) / cfg.RateHz),
		t0:          time.Now(),
		queue:       make(chan command, cfg.QueueLen),
		wake:        make(chan struct{}, 1),
		quit:        make(chan struct{}),
		events:      make(chan Event, cfg.EventsLen),
		done:        make(chan struct{}),
		readerDone:  make(chan struct{}),
		writerDone:  make(chan struct{}),
		monitorDone: make(chan struct{}),
	}
	l.gloveState.Store(uint32(Disarmed))
	dec := &Decoder{}
	rest, err := l.handshake(dec)
	if err != nil {
		return nil, err
	}
	if err := l.initLimits(cfg.Limits); err != nil {
		return nil, err
	}
	l.lastStatus.Store(int64(time.Since(l.t0)))
	// A glove still armed by an earlier session must not be kept armed by
	// our heartbeats: every link starts with DISARM, then the limits.
	if err := l.enqueue(TypeDisarm, nil); err != nil {
		return nil, err
	}
	if err := l.enqueue(TypeSetLimits, l.limitsPayload(nil)); err != nil {
		return nil, err
	}
	go l.readLoop(dec, rest)
	go l.writeLoop()
	go l.monitor()
	return l, nil
}

// handshake sends HELLO and waits for the INFO answering it; it returns
// the bytes read after that INFO.
func (l *Link) handshake(dec *Decoder) ([]byte, error) {
	deadline := time.Now().Add(l.cfg.HandshakeTimeout)
	buf := make([]byte, 0, 1024)
	tmp := make([]byte, 256)
	var f Frame
	seq := uint8(0)
	for try := range 3 {
		seq++
		l.sentType[seq].Store(uint32(TypeHello) + 1)
		if err := writeTimeout(l.port, AppendFrame(nil, TypeHello, seq, nil), time.Until(deadline)); err != nil {
			return nil, fmt.Errorf("say hello: %w", err)
		}
		tryEnd := time.Now().Add(time.Until(deadline) / time.Duration(3-try))
		for time.Now().Before(tryEnd) {
			n, err := l.port.Read(tmp)
			if err != nil {
				return nil, fmt.Errorf("wait for the glove's INFO: %w", err)
			}
			buf = append(buf, tmp[:n]...)
			for {
				ok, k, derr := dec.Decode(&f, buf)
				buf = buf[k:]
				if !ok && derr == nil {
					break
				}
				// INFO may answer an earlier HELLO that was slow.
				if ok && f.Type == TypeInfo && f.Seq >= 1 && f.Seq <= seq {
					info, err := ParseInfo(f.Data())
					if err != nil {
						return nil, fmt.Errorf("the glove's INFO is malformed: %w", err)
					}
					if info.Fingers < 1 || info.Fingers > MaxFingers {
						return nil, fmt.Errorf("the glove reports %d fingers; 1 to 5 are supported", info.Fingers)
					}
					l.info, l.fingers, l.nextSeq = info, int(info.Fingers), seq
					return append([]byte(nil), buf...), nil
				}
			}
			buf = append(buf[:0:0], buf...)
		}
	}
	return nil, ErrNoInfo
}

func (l *Link) initLimits(lims []Limit) error {
	if lims == nil {
		for i := range l.fingers {
			l.limits[i] = Limit{0, FullScale, l.info.MaxForce, DefaultMaxSpeed}
		}
		return nil
	}
	if err := l.checkLimits(lims); err != nil {
		return err
	}
	copy(l.limits[:], lims)
	return nil
}

func (l *Link) checkLimits(lims []Limit) error {
	if len(lims) != l.fingers {
		return fmt.Errorf("limits are set for %d fingers, the glove has %d", len(lims), l.fingers)
	}
	for i, x := range lims {
		switch {
		case x.MinPosition > x.MaxPosition || x.MaxPosition > FullScale:
			return fmt.Errorf("%s: range of motion %d–%d ‰ is not within 0–1000 ‰", FingerName(i), x.MinPosition, x.MaxPosition)
		case x.MaxForce > l.info.MaxForce:
			return fmt.Errorf("%s: force limit %d cN is over the glove's %d cN", FingerName(i), x.MaxForce, l.info.MaxForce)
		case x.MaxSpeed == 0:
			return fmt.Errorf("%s: speed limit is 0 ‰/s", FingerName(i))
		}
	}
	return nil
}

// limitsPayload appends the SET_LIMITS payload of the current limits.
func (l *Link) limitsPayload(dst []byte) []byte {
	var fl [MaxFingers]FingerLimit
	l.tmu.Lock()
	for i := range l.fingers {
		fl[i] = FingerLimit{l.limits[i].MinPosition, l.limits[i].MaxPosition, l.limits[i].MaxForce}
	}
	l.tmu.Unlock()
	return AppendLimits(dst, fl[:l.fingers])
}

// Info returns the glove's INFO from the handshake.
func (l *Link) Info() Info { return l.info }

// Fingers returns the glove's finger count.
func (l *Link) Fingers() int { return l.fingers }

// State returns the link's health, exactly as of now (a few atomic loads,
// no locks): LinkLost as soon as LinkTimeout (250 ms) has passed without
// STATUS.
func (l *Link) State() LinkState {
	if s := LinkState(l.state.Load()); s != LinkUp {
		return s
	}
	if l.gone.Load() || !l.fresh() {
		return LinkLost
	}
	return LinkUp
}

func (l *Link) fresh() bool {
	return time.Duration(int64(time.Since(l.t0))-l.lastStatus.Load()) <= l.cfg.LinkTimeout
}

// GloveState returns the glove's state from its latest STATUS or ACK.
func (l *Link) GloveState() State { return State(l.gloveState.Load()) }

// Armed reports whether targets are being sent: an Arm is in force, the
// link is up and the glove reports ARMED.
func (l *Link) Armed() bool {
	return l.armIntent.Load() && l.State() == LinkUp && l.GloveState() == Armed
}

// Status returns the latest STATUS (zero before the first).
func (l *Link) Status() Status {
	l.smu.Lock()
	defer l.smu.Unlock()
	return l.status
}

// Events returns the channel of link events. It is never closed; Done is
// closed when the link is closed.
func (l *Link) Events() <-chan Event { return l.events }

// Done is closed when Close has finished.
func (l *Link) Done() <-chan struct{} { return l.done }

// Stats returns the counters.
func (l *Link) Stats() Stats {
	return Stats{
		FramesSent: l.framesSent.Load(), TargetsSent: l.targetsSent.Load(),
		HeartbeatsSent: l.heartbeatsSent.Load(), CommandsSent: l.commandsSent.Load(),
		StatusReceived: l.statusRx.Load(), Acks: l.acks.Load(), Nacks: l.nacks.Load(), Faults: l.faults.Load(),
		FrameErrors: l.frameErrors.Load(), SkippedBytes: l.skipped.Load(), Clamped: l.clamped.Load(), RateLimited: l.rateLimited.Load(),
		Cancelled: l.cancelled.Load(), EventsDropped: l.eventsDropped.Load(),
		LinkLosses: l.linkLosses.Load(), WriteErrors: l.writeErrors.Load(),
	}
}

// Limits returns a copy of the limits in force.
func (l *Link) Limits() []Limit {
	l.tmu.Lock()
	defer l.tmu.Unlock()
	return append([]Limit(nil), l.limits[:l.fingers]...)
}

// ErrFingerCount is returned by SetTargets for a target count that
// differs from the glove's finger count.
var ErrFingerCount = errors.New("glove: target count differs from the glove's finger count")

// SetTargets sets the targets sent at every tick while armed, one per
// finger, thumb first (ErrFingerCount otherwise; nothing changes). New
// targets also go out at once, without waiting for the tick, when the
// previous targets or heartbeat left at least a quarter period ago (5 ms
// at the default 50 Hz): a decision reaches the glove as soon as it is
// made, and the frame rate stays bounded. They
// are clamped into the limits before they are stored: position into
// [MinPosition, MaxPosition] ‰, force limit to MaxForce cN, speed to
// MaxSpeed ‰/s; each target changed is counted in Stats.Clamped. It does
// not allocate and does not wait for the port.
//
// The writer checks the rate as the frames leave: from one SET_TARGETS
// frame to the next, a position moves by at most MaxSpeed × the time
// between them (+1 ‰ for rounding), starting after Arm from the positions
// of the latest STATUS. A faster request is followed at MaxSpeed and
// counted in Stats.RateLimited. The range of motion wins over the rate:
// a position is never sent outside [MinPosition, MaxPosition], even when
// the glove was measured outside it (the glove still moves no faster
// than each target's MaxSpeed).
func (l *Link) SetTargets(t []FingerTarget) error {
	if len(t) != l.fingers {
		return ErrFingerCount
	}
	l.tmu.Lock()
	changed := !l.haveTarget
	for i, x := range t {
		c, clamped := clampTarget(x, l.limits[i])
		if clamped {
			l.clamped.Add(1)
		}
		changed = changed || c != l.targets[i]
		l.targets[i] = c
	}
	l.haveTarget = true
	l.tmu.Unlock()
	if changed {
		l.newTargets.Store(true)
		l.poke()
	}
	return nil
}

// clampTarget bounds t by lim and reports whether it changed anything.
func clampTarget(t FingerTarget, lim Limit) (FingerTarget, bool) {
	c := t
	c.Position = min(max(c.Position, lim.MinPosition), lim.MaxPosition)
	c.ForceLimit = min(c.ForceLimit, lim.MaxForce)
	c.MaxSpeed = min(c.MaxSpeed, lim.MaxSpeed)
	return c, c != t
}

// SetLimits replaces the limits (len must equal Fingers): they apply to
// the next frame at once (stored targets are clamped into them) and
// SET_LIMITS is queued for the glove.
func (l *Link) SetLimits(lims []Limit) error {
	if err := l.checkLimits(lims); err != nil {
		return fmt.Errorf("glove limits: %w", err)
	}
	l.tmu.Lock()
	copy(l.limits[:], lims)
	for i := range l.fingers {
		var clamped bool
		if l.targets[i], clamped = clampTarget(l.targets[i], l.limits[i]); clamped && l.haveTarget {
			l.clamped.Add(1)
		}
	}
	l.tmu.Unlock()
	return l.enqueue(TypeSetLimits, l.limitsPayload(nil))
}

// Arm queues ARM with the session token; once the glove reports ARMED
// the link sends the targets at every tick. After a link loss, a glove
// fault or e-stop, a NACK of the ARM, or Disarm, targets stop until Arm
// is called again. The link never re-sends a command: if the glove does
// not report ARMED (the ARM frame was damaged on the line), call Arm
// again, which sends a new ARM with a new seq.
func (l *Link) Arm(token uint32) error {
	var p [4]byte
	if err := l.enqueue(TypeArm, AppendToken(p[:0], token)); err != nil {
		return err
	}
	l.mu.Lock()
	l.rearm = true
	l.mu.Unlock()
	l.armIntent.Store(true)
	return nil
}

// Disarm stops sending targets at once and queues DISARM.
func (l *Link) Disarm() error {
	l.armIntent.Store(false)
	return l.enqueue(TypeDisarm, nil)
}

// ClearFault queues CLEAR_FAULT (FAULT or ESTOP → DISARMED).
func (l *Link) ClearFault() error { return l.enqueue(TypeClearFault, nil) }

// SetAssist queues SET_ASSIST: level 0–100 %, mode 0–3.
func (l *Link) SetAssist(a Assist) error {
	if a.Level > 100 || a.Mode > EMGProportional {
		return fmt.Errorf("glove: assist level %d %% or mode %d out of range", a.Level, a.Mode)
	}
	return l.enqueue(TypeSetAssist, a.Append(nil))
}

// RequestStatus queues GET_STATUS.
func (l *Link) RequestStatus() error { return l.enqueue(TypeGetStatus, nil) }

// EStop stops sending targets, cancels every command queued before the
// call and makes ESTOP the next frame the writer hands to the port: only
// a frame whose write had already begun may precede it. It never blocks.
func (l *Link) EStop() {
	l.armIntent.Store(false)
	l.mu.Lock()
	l.estop = true
	l.epoch++
	l.mu.Unlock()
	l.poke()
}

func (l *Link) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Link) enqueue(typ Type, payload []byte) error {
	c := command{typ: typ}
	c.n = uint8(copy(c.payload[:], payload))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closng {
		return ErrClosed
	}
	c.epoch = l.epoch
	select {
	case l.queue <- c:
	default:
		return fmt.Errorf("%v: %w", typ, ErrQueueFull)
	}
	l.poke()
	return nil
}

func (l *Link) emit(e Event) {
	e.Time = time.Now()
	select {
	case l.events <- e:
	default:
		l.eventsDropped.Add(1)
	}
}

// writeTimeout writes b in a goroutine and waits at most d: go-serial's
// Write cannot be interrupted, so a stuck write is left behind.
func writeTimeout(w io.Writer, b []byte, d time.Duration) error {
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(b)
		done <- err
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return errors.New("write timed out")
	}
}
