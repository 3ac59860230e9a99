package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"myorehab/acquisition/glove"
	"myorehab/acquisition/internal/link"
)

// Defaults of Config's zero fields.
const (
	DefaultFingers      = 5
	DefaultTimeConstant = 80 * time.Millisecond
	DefaultMaxSpeed     = 1500 // ‰/s
	DefaultSafeSpeed    = 300  // ‰/s
	DefaultMaxForce     = 2000 // cN
	DefaultStatusRateHz = 50
	DefaultWatchdog     = 250 * time.Millisecond
	DefaultFirmware     = 0x0100 // 1.0
)

// tick is the period of the emulator's physics, watchdog and fault clock.
const tick = 10 * time.Millisecond

// Config configures an Emulator. It mirrors the flags of `myorehab emulate
// --protocol glove` (CLI.md): --fingers → Fingers, --seconds → Seconds,
// --corrupt → Corrupt, --corrupt-in → CorruptIn, --seed → Seed, --log →
// Log (the opened file), --fault → Faults (ParseFaults of the flag's
// value). The model fields have no flag; their zero values mean the
// defaults.
type Config struct {
	// Fingers is the number of actuated fingers, 1..5, in the order thumb,
	// index, middle, ring, little; 0 means 5.
	Fingers int
	// Seconds is how long Run runs, in seconds; 0 means until ctx ends.
	Seconds float64
	// Corrupt is the probability, per byte sent, that the byte is replaced
	// by a different random byte (0..1).
	Corrupt float64
	// CorruptIn is the probability, per byte received, that the byte is
	// replaced by a different random byte before decoding (0..1): line
	// noise on the way in.
	CorruptIn float64
	// Seed seeds both corruptions (independent streams).
	Seed uint64
	// Log, when not nil, receives one JSON object (a LogEntry) per line for
	// every frame the glove acts on or refuses, every state change and
	// every fault.
	Log io.Writer
	// Faults are injected at their times.
	Faults []Fault

	// TimeConstant is the first-order time constant of a finger following
	// its target; 0 means 80 ms.
	TimeConstant time.Duration
	// MaxSpeed is the glove's own speed limit in ‰/s (targets' MaxSpeed is
	// clamped to it); 0 means 1500.
	MaxSpeed uint16
	// SafeSpeed is the speed at which fingers are released toward
	// extension outside ARMED, in ‰/s; 0 means 300.
	SafeSpeed uint16
	// MaxForce is the glove's own force limit in cN (INFO); 0 means 2000.
	MaxForce uint16
	// StatusRateHz is the rate of unprompted STATUS frames in Hz (INFO),
	// 1..255; 0 means 50.
	StatusRateHz int
	// Watchdog is the silence after which an armed glove falls to the safe
	// state; 0 means 250 ms.
	Watchdog time.Duration
	// Firmware is the version INFO reports, major<<8 | minor; 0 means 1.0.
	Firmware uint16
}

// Snapshot is the emulator's state at one instant.
type Snapshot struct {
	// State is the glove's state.
	State glove.State
	// Faults are the latched fault bits.
	Faults glove.FaultBits
	// Token is the session token of the latest ARM.
	Token uint32
	// LastSeq is the seq of the last command applied.
	LastSeq uint8
	// Fingers is the finger count.
	Fingers int
	// Position is each finger's position in ‰ (0 extended, 1000 flexed).
	Position [glove.MaxFingers]float64
	// Force is each finger's force in cN.
	Force [glove.MaxFingers]uint16
	// Target is each finger's applied target (after clamping).
	Target [glove.MaxFingers]glove.FingerTarget
	// Limits are the limits of the latest SET_LIMITS (full range and the
	// glove's force limit until then).
	Limits [glove.MaxFingers]glove.FingerLimit
	// Assist is the latest SET_ASSIST (level 0 after a watchdog trip).
	Assist glove.Assist
	// Silent is true once a Silent fault has fired.
	Silent bool
	// Counters. TxDropped counts frames not sent because the host did not
	// read (the transmit queue of 64 frames was full), as bytes a UART
	// sends to nobody are lost.
	Frames, FrameErrors, Nacks, Applied, StatusSent, WatchdogTrips, TxDropped uint64
}

// LogTarget is one finger's target in a LogEntry.
type LogTarget struct {
	Position   uint16 `json:"position"`    // ‰
	ForceLimit uint16 `json:"force_limit"` // cN
	MaxSpeed   uint16 `json:"max_speed"`   // ‰/s
}

// LogEntry is one line of the log (CLI.md, "Glove and rehabilitation").
type LogEntry struct {
	// TUnixNS is the wall-clock time in ns since the Unix epoch.
	TUnixNS int64 `json:"t_unix_ns"`
	// Kind is applied (SET_TARGETS applied; Targets after clamping), state
	// (a state change; State is the new state), fault (a fault latched or
	// injected; Fault names it), nack (a command refused; Error says why)
	// or frame_error (damaged bytes dropped; Error says how).
	Kind string `json:"kind"`
	// Seq is the seq of the frame concerned, -1 when no frame caused the
	// entry (watchdog, injected faults).
	Seq int `json:"seq"`
	// State is the glove's state after the entry: DISARMED, ARMED, FAULT or
	// ESTOP.
	State string `json:"state"`
	// Targets are the applied targets (kind applied), otherwise null.
	Targets []LogTarget `json:"targets"`
	// Fault names the fault bits involved ("watchdog", "over-current",
	// "hardware-estop", …; "silent" for an injected Silent), or "".
	Fault string `json:"fault"`
	// Error is the reason of a nack or frame_error, or "".
	Error string `json:"error"`
}

// Emulator plays the glove's side of the glove link v1 (PROTOCOLS.md §6.4).
// Run drives it; Snapshot reads it from any goroutine.
type Emulator struct {
	cfg     Config
	n       int
	tau     float64 // s
	running sync.Mutex

	mu      sync.Mutex // guards everything below
	snap    Snapshot
	stalled [glove.MaxFingers]bool
	fired   []bool

	// Owned by Run's goroutine.
	start, lastValid, lastStatus, lastStep time.Time
	rngOut, rngIn                          *rand.Rand
	outq                                   chan []byte
	out                                    []byte
	payload                                []byte
	log                                    *json.Encoder
	dec                                    glove.Decoder
	frame                                  glove.Frame
	targets                                [glove.MaxFingers]glove.FingerTarget
	limits                                 [glove.MaxFingers]glove.FingerLimit
}

// New checks cfg, fills in its defaults and returns an Emulator in the
// boot state: DISARMED, fingers extended (position 0).
func New(cfg Config) (*Emulator, error) {
	if cfg.Fingers == 0 {
		cfg.Fingers = DefaultFingers
	}
	if cfg.TimeConstant == 0 {
		cfg.TimeConstant = DefaultTimeConstant
	}
	if cfg.MaxSpeed == 0 {
		cfg.MaxSpeed = DefaultMaxSpeed
	}
	if cfg.SafeSpeed == 0 {
		cfg.SafeSpeed = DefaultSafeSpeed
	}
	if cfg.MaxForce == 0 {
		cfg.MaxForce = DefaultMaxForce
	}
	if cfg.StatusRateHz == 0 {
		cfg.StatusRateHz = DefaultStatusRateHz
	}
	if cfg.Watchdog == 0 {
		cfg.Watchdog = DefaultWatchdog
	}
	if cfg.Firmware == 0 {
		cfg.Firmware = DefaultFirmware
	}
	switch {
	case cfg.Fingers < 1 || cfg.Fingers > glove.MaxFingers:
		return nil, fmt.Errorf("glove emulator: %d fingers; a glove has 1 to 5", cfg.Fingers)
	case cfg.Seconds < 0 || math.IsNaN(cfg.Seconds):
		return nil, fmt.Errorf("glove emulator: invalid duration %g s", cfg.Seconds)
	case !(cfg.Corrupt >= 0 && cfg.Corrupt <= 1) || !(cfg.CorruptIn >= 0 && cfg.CorruptIn <= 1):
		return nil, fmt.Errorf("glove emulator: corruption rates %g and %g must be between 0 and 1", cfg.Corrupt, cfg.CorruptIn)
	case cfg.StatusRateHz < 1 || cfg.StatusRateHz > 255:
		return nil, fmt.Errorf("glove emulator: status rate %d Hz out of 1..255", cfg.StatusRateHz)
	case cfg.TimeConstant < 0 || cfg.Watchdog < 0:
		return nil, errors.New("glove emulator: negative time constant or watchdog")
	}
	for _, f := range cfg.Faults {
		if (f.Kind == Stall || f.Kind == OverForce) && (f.Finger < 0 || f.Finger >= cfg.Fingers) {
			return nil, fmt.Errorf("glove emulator: fault %v names a finger this %d-finger glove lacks", f, cfg.Fingers)
		}
	}
	cfg.Faults = append([]Fault(nil), cfg.Faults...)
	e := &Emulator{cfg: cfg, n: cfg.Fingers, tau: cfg.TimeConstant.Seconds(), fired: make([]bool, len(cfg.Faults))}
	e.snap.Fingers = e.n
	for i := range e.n {
		e.limits[i] = glove.FingerLimit{MinPosition: 0, MaxPosition: glove.FullScale, MaxForce: cfg.MaxForce}
	}
	e.snap.Limits = e.limits
	if cfg.Log != nil {
		e.log = json.NewEncoder(cfg.Log)
	}
	return e, nil
}

// Info returns what the emulator answers to HELLO: its firmware, finger
// count, capabilities (force and position sensing, hardware e-stop),
// force limit and status rate.
func (e *Emulator) Info() glove.Info {
	return glove.Info{
		Firmware: e.cfg.Firmware, Fingers: uint8(e.n),
		Capabilities: glove.CapForceSensing | glove.CapPositionSensing | glove.CapHWEStop,
		MaxForce:     e.cfg.MaxForce, StatusRateHz: uint8(e.cfg.StatusRateHz),
	}
}

// Snapshot returns the current state. It is safe from any goroutine.
func (e *Emulator) Snapshot() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snap
}

// Run plays the glove on port (a serial port from serialport.Open, or any
// io.ReadWriter whose Read returns now and then) until Seconds have passed
// (it returns nil), ctx ends (ctx.Err()) or the port fails (an error
// naming the failure). Every 10 ms it moves the fingers, checks the
// watchdog and fires due faults; every 1/StatusRateHz it sends STATUS.
// Reads continue in a goroutine until the port's Read fails or returns
// after Run has finished; the caller closes the port after Run returns.
// Run may be called once at a time.
func (e *Emulator) Run(ctx context.Context, port io.ReadWriter) error {
	if !e.running.TryLock() {
		return errors.New("glove emulator: already running")
	}
	defer e.running.Unlock()
	e.outq = make(chan []byte, 64)
	writeErr := make(chan error, 1)
	defer close(e.outq)
	go writeLoop(port, e.outq, writeErr)
	e.rngOut = rand.New(rand.NewPCG(e.cfg.Seed, 0x9107e))
	e.rngIn = rand.New(rand.NewPCG(e.cfg.Seed, 0x9107e1))
	now := time.Now()
	e.start, e.lastValid, e.lastStatus, e.lastStep = now, now, now, now

	in := make(chan []byte, 16)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go link.ReadChunks(port, 256, in, readErr, stop)

	var end <-chan time.Time
	if e.cfg.Seconds > 0 {
		t := time.NewTimer(time.Duration(e.cfg.Seconds * float64(time.Second)))
		defer t.Stop()
		end = t.C
	}
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	var buf []byte
	for {
		var err error
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-end:
			return nil
		case rerr := <-readErr:
			return fmt.Errorf("glove emulator: read: %w", rerr)
		case werr := <-writeErr:
			return fmt.Errorf("glove emulator: write: %w", werr)
		case b := <-in:
			buf, err = e.receive(buf, b)
		case <-ticker.C:
			err = e.step(time.Now()) // not the tick's time, which is stale after a busy spell
		}
		if err != nil {
			return err
		}
	}
}

// writeLoop writes the frames of q in order; the first error ends it.
// Writes happen off the emulator's clock, so a host that does not read
// (a pty nobody drains) cannot stop the watchdog or the fingers.
func writeLoop(port io.Writer, q <-chan []byte, writeErr chan<- error) {
	for b := range q {
		if _, err := port.Write(b); err != nil {
			writeErr <- err
			for range q {
			}
			return
		}
	}
}

// receive corrupts b (CorruptIn), appends it to buf and acts on every
// frame decoded; it returns what is left for the next bytes.
func (e *Emulator) receive(buf, b []byte) ([]byte, error) {
	if e.cfg.CorruptIn > 0 {
		corrupt(e.rngIn, b, e.cfg.CorruptIn)
	}
	buf = append(buf, b...)
	e.mu.Lock()
	defer e.mu.Unlock()
	p := buf
	for {
		ok, n, derr := e.dec.Decode(&e.frame, p)
		p = p[n:]
		now := time.Now()
		var err error
		switch {
		case ok:
			e.lastValid = now
			e.snap.Frames++
			err = e.handle(now, &e.frame)
		case derr != nil:
			e.snap.FrameErrors++
			code := glove.NackBadCRC
			if derr == glove.ErrBadLength {
				code = glove.NackBadLength
			}
			e.entry(now, "frame_error", int(e.frame.Seq), nil, "", derr.Error())
			err = e.send(glove.TypeNack, e.frame.Seq, glove.Nack{Seq: e.frame.Seq, Code: code}.Append(e.payload[:0]))
		default:
			return append(buf[:0], p...), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// handle acts on one good frame. Called with e.mu held.
func (e *Emulator) handle(now time.Time, f *glove.Frame) error {
	p := f.Data()
	seq := f.Seq
	noPayload := func() bool { return len(p) == 0 }
	switch f.Type {
	case glove.TypeHello:
		if !noPayload() {
			return e.nack(now, f, glove.NackBadLength)
		}
		return e.send(glove.TypeInfo, seq, e.Info().Append(e.payload[:0]))
	case glove.TypeHeartbeat:
		if !noPayload() {
			return e.nack(now, f, glove.NackBadLength)
		}
		return nil
	case glove.TypeGetStatus:
		if !noPayload() {
			return e.nack(now, f, glove.NackBadLength)
		}
		return e.sendStatus(seq)
	case glove.TypeArm:
		token, err := glove.ParseToken(p)
		if err != nil {
			return e.nack(now, f, glove.NackBadLength)
		}
		if e.snap.State != glove.Disarmed && e.snap.State != glove.Armed {
			return e.nack(now, f, glove.NackWrongState)
		}
		e.snap.Token = token
		if e.snap.State != glove.Armed {
			// Hold where the fingers are until the first targets.
			for i := range e.n {
				e.targets[i] = glove.FingerTarget{
					Position: uint16(math.Round(e.snap.Position[i])), ForceLimit: e.limits[i].MaxForce, MaxSpeed: e.cfg.SafeSpeed,
				}
			}
			e.snap.Target = e.targets
		}
		return e.ack(now, f, glove.Armed)
	case glove.TypeDisarm:
		if !noPayload() {
			return e.nack(now, f, glove.NackBadLength)
		}
		next := e.snap.State
		if next == glove.Armed {
			next = glove.Disarmed
		}
		return e.ack(now, f, next)
	case glove.TypeEStop:
		if !noPayload() {
			return e.nack(now, f, glove.NackBadLength)
		}
		if err := e.ack(now, f, glove.EStopped); err != nil {
			return err
		}
		return e.sendStatus(seq) // reported at once, well within a status period
	case glove.TypeClearFault:
		if !noPayload() {
			return e.nack(now, f, glove.NackBadLength)
		}
		next := e.snap.State
		if next == glove.Faulted || next == glove.EStopped {
			next = glove.Disarmed
			e.snap.Faults = 0
			e.stalled = [glove.MaxFingers]bool{}
		}
		return e.ack(now, f, next)
	case glove.TypeSetTargets:
		return e.setTargets(now, f)
	case glove.TypeSetAssist:
		a, err := glove.ParseAssist(p)
		if err != nil {
			return e.nack(now, f, glove.NackBadLength)
		}
		if a.Level > 100 || a.Mode > glove.EMGProportional {
			return e.nack(now, f, glove.NackRange)
		}
		e.snap.Assist = a
		return e.ack(now, f, e.snap.State)
	case glove.TypeSetLimits:
		var l [glove.MaxFingers]glove.FingerLimit
		n, err := glove.ParseLimits(l[:], p)
		if err != nil || n != e.n {
			return e.nack(now, f, glove.NackBadLength)
		}
		for _, x := range l[:n] {
			if x.MinPosition > x.MaxPosition || x.MaxPosition > glove.FullScale || x.MaxForce > e.cfg.MaxForce {
				return e.nack(now, f, glove.NackRange)
			}
		}
		e.limits = l
		// The current targets are clamped into the new limits.
		for i := range e.n {
			t := &e.targets[i]
			t.Position = min(max(t.Position, l[i].MinPosition), l[i].MaxPosition)
			t.ForceLimit = min(t.ForceLimit, l[i].MaxForce)
		}
		e.snap.Limits, e.snap.Target = e.limits, e.targets
		return e.ack(now, f, e.snap.State)
	}
	return e.nack(now, f, glove.NackUnknown)
}

// setTargets checks and applies SET_TARGETS: the frame is applied whole
// or not at all. Called with e.mu held.
func (e *Emulator) setTargets(now time.Time, f *glove.Frame) error {
	var t [glove.MaxFingers]glove.FingerTarget
	n, err := glove.ParseTargets(t[:], f.Data())
	if err != nil || n != e.n {
		return e.nack(now, f, glove.NackBadLength)
	}
	if e.snap.State != glove.Armed {
		return e.nack(now, f, glove.NackWrongState)
	}
	for i, x := range t[:n] {
		if x.Position > glove.FullScale {
			return e.nack(now, f, glove.NackRange)
		}
		l := e.limits[i]
		if x.Position < l.MinPosition || x.Position > l.MaxPosition || x.ForceLimit > l.MaxForce {
			return e.nack(now, f, glove.NackOverLimit)
		}
	}
	logged := make([]LogTarget, n)
	for i := range n {
		t[i].MaxSpeed = min(t[i].MaxSpeed, e.cfg.MaxSpeed) // the glove's own rate limit
		logged[i] = LogTarget(t[i])
	}
	e.targets = t
	e.snap.Target = t
	e.snap.Applied++
	e.entry(now, "applied", int(f.Seq), logged, "", "")
	return e.ack(now, f, glove.Armed)
}

// ack applies a state change (logged when it is one), records seq as
// applied and sends ACK. Called with e.mu held.
func (e *Emulator) ack(now time.Time, f *glove.Frame, next glove.State) error {
	e.setState(now, next, int(f.Seq), "")
	e.snap.LastSeq = f.Seq
	return e.send(glove.TypeAck, f.Seq, glove.Ack{Seq: f.Seq, State: next}.Append(e.payload[:0]))
}

func (e *Emulator) nack(now time.Time, f *glove.Frame, code glove.NackCode) error {
	e.snap.Nacks++
	e.entry(now, "nack", int(f.Seq), nil, "", fmt.Sprintf("%v: NACK %d (%v)", f.Type, code, code))
	return e.send(glove.TypeNack, f.Seq, glove.Nack{Seq: f.Seq, Code: code}.Append(e.payload[:0]))
}

// setState changes state and logs it. Called with e.mu held.
func (e *Emulator) setState(now time.Time, s glove.State, seq int, fault string) {
	if s == e.snap.State {
		return
	}
	e.snap.State = s
	if s != glove.Armed {
		e.snap.Assist.Level = 0
	}
	e.entry(now, "state", seq, nil, fault, "")
}

// latch latches a fault bit, logs it, sends FAULT and moves to state s.
// Called with e.mu held.
func (e *Emulator) latch(now time.Time, bit glove.FaultBits, detail uint16, s glove.State) error {
	e.snap.Faults |= bit
	e.entry(now, "fault", -1, nil, bit.String(), "")
	e.setState(now, s, -1, bit.String())
	return e.send(glove.TypeFault, e.snap.LastSeq, glove.FaultReport{Bit: bit, Detail: detail}.Append(e.payload[:0]))
}

// step advances the clock to now: faults, watchdog, fingers, STATUS.
func (e *Emulator) step(now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	dt := now.Sub(e.lastStep).Seconds()
	e.lastStep = now
	for i, f := range e.cfg.Faults {
		if e.fired[i] || now.Sub(e.start) < f.At {
			continue
		}
		e.fired[i] = true
		var err error
		switch f.Kind {
		case Silent:
			e.snap.Silent = true
			e.entry(now, "fault", -1, nil, "silent", "")
		case HWEStop:
			err = e.latch(now, glove.FaultHWEStop, 0, glove.EStopped)
		case Stall:
			e.stalled[f.Finger] = true
			err = e.latch(now, glove.FaultOverCurrent, uint16(f.Finger), e.faultState())
		case OverForce:
			e.snap.Force[f.Finger] = e.limits[f.Finger].MaxForce + 1
			err = e.latch(now, glove.FaultOverForce, uint16(f.Finger), e.faultState())
		}
		if err != nil {
			return err
		}
	}
	if e.snap.State == glove.Armed && now.Sub(e.lastValid) > e.cfg.Watchdog {
		e.snap.WatchdogTrips++
		ms := uint16(min(now.Sub(e.lastValid).Milliseconds(), math.MaxUint16))
		if err := e.latch(now, glove.FaultWatchdog, ms, glove.Faulted); err != nil {
			return err
		}
	}
	e.move(dt)
	if now.Sub(e.lastStatus) >= time.Second/time.Duration(e.cfg.StatusRateHz) {
		e.lastStatus = now
		return e.sendStatus(e.snap.LastSeq)
	}
	return nil
}

// faultState is the state a fault moves to: FAULT, unless e-stopped.
func (e *Emulator) faultState() glove.State {
	if e.snap.State == glove.EStopped {
		return glove.EStopped
	}
	return glove.Faulted
}

// move integrates the finger dynamics over dt seconds: in ARMED each
// finger follows its target as a first-order lag of TimeConstant, no
// faster than the target's MaxSpeed; otherwise it is released toward 0
// at SafeSpeed. A stalled finger does not move and pushes at its force
// limit.
func (e *Emulator) move(dt float64) {
	if dt <= 0 {
		return
	}
	for i := range e.n {
		target, speed, limit := 0.0, float64(e.cfg.SafeSpeed), float64(e.limits[i].MaxForce)
		if e.snap.State == glove.Armed {
			t := e.targets[i]
			target, speed, limit = float64(t.Position), float64(t.MaxSpeed), float64(min(t.ForceLimit, e.limits[i].MaxForce))
		}
		p := e.snap.Position[i]
		if e.stalled[i] {
			e.snap.Force[i] = uint16(limit)
			continue
		}
		v := (target - p) / max(e.tau, 1e-3)
		v = max(-speed, min(speed, v))
		step := v * dt
		if math.Abs(step) > math.Abs(target-p) {
			step = target - p
		}
		e.snap.Position[i] = p + step
		if e.snap.Faults&glove.FaultOverForce == 0 {
			// Force grows with the tracking error (2 cN per ‰), capped by
			// the force limit.
			e.snap.Force[i] = uint16(min(limit, 2*math.Abs(target-e.snap.Position[i])))
		}
	}
}

// sendStatus sends STATUS answering seq. Called with e.mu held.
func (e *Emulator) sendStatus(seq uint8) error {
	s := glove.Status{State: e.snap.State, Faults: e.snap.Faults, LastSeq: e.snap.LastSeq, Token: e.snap.Token, N: uint8(e.n)}
	if e.snap.State == glove.Armed {
		left := e.cfg.Watchdog - time.Since(e.lastValid)
		s.WatchdogLeftMS = uint16(max(0, min(left.Milliseconds(), math.MaxUint16)))
	}
	for i := range e.n {
		s.Fingers[i] = glove.FingerStatus{Position: uint16(math.Round(e.snap.Position[i])), Force: e.snap.Force[i]}
	}
	if !e.snap.Silent {
		e.snap.StatusSent++
	}
	return e.send(glove.TypeStatus, seq, s.Append(e.payload[:0]))
}

// send writes one frame, corrupted at rate Corrupt, unless silent.
// Called with e.mu held.
func (e *Emulator) send(typ glove.Type, seq uint8, payload []byte) error {
	e.payload = payload[:0]
	if e.snap.Silent {
		return nil
	}
	e.out = glove.AppendFrame(e.out[:0], typ, seq, payload)
	if e.cfg.Corrupt > 0 {
		corrupt(e.rngOut, e.out, e.cfg.Corrupt)
	}
	select {
	case e.outq <- append([]byte(nil), e.out...):
	default:
		e.snap.TxDropped++
	}
	return nil
}

// corrupt replaces each byte of b, with probability rate, by a different
// random byte.
func corrupt(rng *rand.Rand, b []byte, rate float64) {
	for i := range b {
		if rng.Float64() < rate {
			b[i] ^= byte(1 + rng.IntN(255))
		}
	}
}

// entry writes one log line. Called with e.mu held.
func (e *Emulator) entry(now time.Time, kind string, seq int, targets []LogTarget, fault, errText string) {
	if e.log == nil {
		return
	}
	// A failing log must not stop the glove's safety behaviour; the
	// error is dropped.
	_ = e.log.Encode(LogEntry{
		TUnixNS: now.UnixNano(), Kind: kind, Seq: seq, State: e.snap.State.String(),
		Targets: targets, Fault: fault, Error: errText,
	})
}

// Run is New(cfg) then Run(ctx, port): the whole of `myorehab emulate
// --protocol glove` once the port is open.
func Run(ctx context.Context, port io.ReadWriter, cfg Config) error {
	e, err := New(cfg)
	if err != nil {
		return err
	}
	return e.Run(ctx, port)
}
