package glove_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"myorehab/acquisition/glove"
	"myorehab/acquisition/glove/emulator"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
	"myorehab/internal/waitfor"
)

// syncBuffer collects the emulator's log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) entries(t *testing.T) []emulator.LogEntry {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []emulator.LogEntry
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var e emulator.LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// runEmulator runs an emulator on path until the end of the test.
func runEmulator(t *testing.T, path string, cfg emulator.Config) *emulator.Emulator {
	t.Helper()
	em, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	port, err := serialport.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A pulled cable (socat killed) ends the emulator too.
		if err := em.Run(ctx, port); err != nil && !errors.Is(err, context.Canceled) && !serialport.IsGone(err) {
			t.Errorf("emulator: %v", err)
		}
		port.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	return em
}

// Tests whose subject is not the 250 ms timing run with a slower
// watchdog and link timeout, so that a starved test process (a busy CI
// machine, -race) cannot turn them into watchdog tests. The watchdog and
// link-loss tests use the real 250 ms.
const (
	slowWatchdog = 3 * time.Second
	slowLink     = 2 * time.Second
)

// recorder keeps every frame the link sent, through Config.OnSend.
type recorder struct {
	mu   sync.Mutex
	sent []glove.Sent
}

func (r *recorder) onSend(s glove.Sent) {
	s.Targets = append([]glove.FingerTarget(nil), s.Targets...)
	r.mu.Lock()
	r.sent = append(r.sent, s)
	r.mu.Unlock()
}

func (r *recorder) frames() []glove.Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]glove.Sent(nil), r.sent...)
}

// checkFreshSeq fails unless every frame sent has the seq after the
// previous frame's: nothing is ever re-sent with an old seq.
func checkFreshSeq(t *testing.T, sent []glove.Sent) {
	t.Helper()
	for i := 1; i < len(sent); i++ {
		if sent[i].Seq != sent[i-1].Seq+1 {
			t.Fatalf("frame %d (%v) has seq %d after seq %d", i, sent[i].Type, sent[i].Seq, sent[i-1].Seq)
		}
	}
}

// open opens a Link on path with a recorder.
func open(t *testing.T, path string, cfg glove.Config) (*glove.Link, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg.Port, cfg.OnSend = path, rec.onSend
	l, err := glove.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, rec
}

// waitEvent returns the first event of kind within 5 s (other events are
// passed to seen, when not nil).
func waitEvent(t *testing.T, l *glove.Link, kind glove.EventKind, match func(glove.Event) bool) glove.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-l.Events():
			if e.Kind == kind && (match == nil || match(e)) {
				return e
			}
		case <-timeout:
			t.Fatalf("no event %d within 5 s", kind)
		}
	}
}

func uniform(n int, pos, force, speed uint16) []glove.FingerTarget {
	t := make([]glove.FingerTarget, n)
	for i := range t {
		t[i] = glove.FingerTarget{Position: pos, ForceLimit: force, MaxSpeed: speed}
	}
	return t
}

func limits(n int, lo, hi, force, speed uint16) []glove.Limit {
	l := make([]glove.Limit, n)
	for i := range l {
		l[i] = glove.Limit{MinPosition: lo, MaxPosition: hi, MaxForce: force, MaxSpeed: speed}
	}
	return l
}

// arm arms the glove and waits until targets flow. On a busy machine a
// starved process can miss the 250 ms watchdog or link timeout; like the
// app, it then clears the fault and arms again.
func arm(t *testing.T, l *glove.Link, token uint32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for try := 0; !l.Armed(); try++ {
		if try%100 == 0 { // every second
			if try > 0 {
				t.Logf("not armed after 1 s (link %v, glove %v): arming again", l.State(), l.GloveState())
			}
			l.ClearFault()
			if err := l.Arm(token); err != nil {
				t.Fatal(err)
			}
		}
		if time.Now().After(deadline) {
			var ev []string
			for len(l.Events()) > 0 {
				ev = append(ev, (<-l.Events()).String())
			}
			t.Fatalf("not armed within 10 s: link %v, glove %v, %+v\nevents: %q", l.State(), l.GloveState(), l.Stats(), ev)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rearm arms again when a starved process lost the arming (see arm).
func rearm(t *testing.T, l *glove.Link, token uint32) {
	t.Helper()
	if !l.Armed() {
		arm(t, l, token)
	}
}

func TestHandshakeOverPty(t *testing.T) {
	pipe := ptytest.Pair(t)
	em := runEmulator(t, pipe.A, emulator.Config{Fingers: 3, Watchdog: slowWatchdog})
	l, rec := open(t, pipe.B, glove.Config{Limits: limits(3, 50, 900, 800, 400), LinkTimeout: slowLink})
	if info := l.Info(); info != em.Info() || l.Fingers() != 3 {
		t.Fatalf("Info %+v, emulator says %+v", info, em.Info())
	}
	e := waitEvent(t, l, glove.EventAck, nil)
	if e.Command != glove.TypeDisarm || e.State != glove.Disarmed {
		t.Fatalf("first ACK %v", e)
	}
	e = waitEvent(t, l, glove.EventAck, nil)
	if e.Command != glove.TypeSetLimits || e.State != glove.Disarmed {
		t.Fatalf("second ACK %v", e)
	}
	waitfor.Eventually(t, 0, "emulator has the limits", func() bool {
		return em.Snapshot().Limits[2] == glove.FingerLimit{MinPosition: 50, MaxPosition: 900, MaxForce: 800}
	})
	waitfor.Eventually(t, 0, "STATUS and heartbeats", func() bool {
		s := l.Stats()
		return s.StatusReceived >= 5 && s.HeartbeatsSent >= 5
	})
	if l.State() != glove.LinkUp || l.GloveState() != glove.Disarmed || l.Armed() || l.Status().N != 3 {
		t.Fatalf("state %v, glove %v, armed %v, status %+v", l.State(), l.GloveState(), l.Armed(), l.Status())
	}
	// Targets are not sent while disarmed.
	if err := l.SetTargets(uniform(2, 100, 100, 100)); !errors.Is(err, glove.ErrFingerCount) {
		t.Fatalf("SetTargets with 2 of 3 fingers: %v", err)
	}
	if err := l.SetTargets(uniform(3, 100, 100, 100)); err != nil {
		t.Fatal(err)
	}
	if s := l.Stats(); s.TargetsSent != 0 {
		t.Fatalf("%d targets sent while disarmed", s.TargetsSent)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if l.State() != glove.LinkClosed {
		t.Errorf("state after Close: %v", l.State())
	}
	if err := l.Arm(1); !errors.Is(err, glove.ErrClosed) {
		t.Errorf("Arm after Close: %v", err)
	}
	sent := rec.frames()
	checkFreshSeq(t, sent)
	if last := sent[len(sent)-1]; last.Type != glove.TypeDisarm {
		t.Errorf("last frame %v, want DISARM", last.Type)
	}
	// The link sent targets or heartbeats at ≥ 20 Hz: no gap of 50 ms.
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Time.Sub(sent[i-1].Time); gap > 250*time.Millisecond {
			t.Errorf("gap of %v between frames %d and %d", gap, i-1, i)
		}
	}
}

func TestNoGlove(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	peer, err := serialport.Open(pipe.A, 0) // open and silent
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	_, err = glove.Open(glove.Config{Port: pipe.B, HandshakeTimeout: time.Second})
	if !errors.Is(err, glove.ErrNoInfo) || !strings.Contains(err.Error(), pipe.B) {
		t.Fatalf("Open on a silent port: %v", err)
	}
	if _, err := glove.Open(glove.Config{Port: pipe.B + "x"}); !errors.Is(err, serialport.ErrNotFound) {
		t.Fatalf("Open on a missing port: %v", err)
	}
	if _, err := glove.Open(glove.Config{Port: pipe.B, RateHz: 10}); err == nil || !strings.Contains(err.Error(), "rate") {
		t.Fatalf("Open at 10 Hz: %v", err)
	}
}

func TestLimitsChecked(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	runEmulator(t, pipe.A, emulator.Config{Fingers: 2, MaxForce: 1000})
	for _, lims := range [][]glove.Limit{
		limits(3, 0, 1000, 100, 100),  // three fingers on a two-finger glove
		limits(2, 600, 500, 100, 100), // min over max
		limits(2, 0, 1001, 100, 100),  // over full scale
		limits(2, 0, 1000, 1001, 100), // force over the glove's
		limits(2, 0, 1000, 100, 0),    // no speed
	} {
		if l, err := glove.Open(glove.Config{Port: pipe.B, Limits: lims}); err == nil {
			l.Close()
			t.Errorf("Open with limits %+v succeeded", lims)
		} else {
			t.Log(err)
		}
	}
}

// TestTargetsAppliedAsSent arms the glove and streams targets; every
// target the emulator applied is exactly what the link sent with that
// seq, after the link's final clamp.
func TestTargetsAppliedAsSent(t *testing.T) {
	pipe := ptytest.Pair(t)
	var log syncBuffer
	em := runEmulator(t, pipe.A, emulator.Config{Fingers: 5, Log: &log, Watchdog: slowWatchdog})
	l, rec := open(t, pipe.B, glove.Config{Limits: limits(5, 100, 900, 500, 1000), LinkTimeout: slowLink})
	l.SetTargets(uniform(5, 100, 200, 300))
	arm(t, l, 7)
	// A ramp 100 → 900 ‰ in 1 s, then out-of-range requests that the
	// link clamps: position 950 > 900, force 600 > 500, speed 2000 > 1000.
	start := time.Now()
	for {
		f := time.Since(start).Seconds()
		if f > 1 {
			break
		}
		tg := uniform(5, uint16(100+800*f), 200, 300)
		tg[4].Position = 900 - tg[4].Position + 100
		l.SetTargets(tg)
		if !l.Armed() {
			arm(t, l, 7)
		}
		time.Sleep(10 * time.Millisecond) // the controller's pace
	}
	before := l.Stats().Clamped
	l.SetTargets(uniform(5, 950, 600, 2000))
	if got := l.Stats().Clamped - before; got != 5 {
		t.Errorf("Clamped grew by %d, want 5", got)
	}
	waitfor.Eventually(t, 0, "clamped targets applied", func() bool {
		if !l.Armed() {
			arm(t, l, 7)
		}
		return em.Snapshot().Target[0] == glove.FingerTarget{Position: 900, ForceLimit: 500, MaxSpeed: 1000}
	})
	waitfor.Eventually(t, 0, "fingers at 900 ‰", func() bool { return em.Snapshot().Position[0] > 895 })
	if err := l.Disarm(); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "disarmed", func() bool { return em.Snapshot().State != glove.Armed })
	l.Close()

	sent := rec.frames()
	checkFreshSeq(t, sent)
	bySeq := map[uint8]glove.Sent{}
	nTargets := 0
	for _, s := range sent {
		if s.Type == glove.TypeSetTargets {
			nTargets++
			for i, x := range s.Targets {
				lo := uint16(100)
				if x.Position < lo || x.Position > 900 || x.ForceLimit > 500 || x.MaxSpeed > 1000 {
					t.Fatalf("seq %d finger %d: %+v left the link outside the limits", s.Seq, i, x)
				}
			}
		}
		bySeq[s.Seq] = s // fewer than 256 frames: seqs are unique here
	}
	if len(sent) > 256 {
		t.Fatalf("%d frames: seqs wrapped, the test needs a shorter run", len(sent))
	}
	applied := 0
	for _, e := range log.entries(t) {
		if e.Kind != "applied" {
			continue
		}
		applied++
		s, ok := bySeq[uint8(e.Seq)]
		if !ok || s.Type != glove.TypeSetTargets || len(e.Targets) != 5 {
			t.Fatalf("applied seq %d was not sent as SET_TARGETS (%v)", e.Seq, s.Type)
		}
		for i, x := range e.Targets {
			if glove.FingerTarget(x) != s.Targets[i] {
				t.Fatalf("seq %d finger %d: applied %+v, sent %+v", e.Seq, i, x, s.Targets[i])
			}
		}
	}
	// Without corruption every target sent is applied, unless a starved
	// process let the watchdog fire (then the glove NACKs until re-armed).
	if ls := l.Stats(); applied+int(ls.Nacks) < nTargets || applied < 40 {
		t.Errorf("%d targets applied, %d sent, %d NACKs", applied, nTargets, ls.Nacks)
	}
	t.Logf("%d SET_TARGETS sent and applied, %d frames in all", nTargets, len(sent))
}

// TestCorruptionBothWays corrupts 1 % of the bytes each way: no wrong
// target is ever applied, and both ends count the damage.
func TestCorruptionBothWays(t *testing.T) {
	pipe := ptytest.Pair(t)
	var log syncBuffer
	em := runEmulator(t, pipe.A, emulator.Config{Fingers: 5, Log: &log, Corrupt: 0.01, CorruptIn: 0.01, Seed: 3, Watchdog: slowWatchdog})
	rec := &recorder{}
	var l *glove.Link
	var err error
	for range 3 { // a damaged INFO fails a handshake now and then
		if l, err = glove.Open(glove.Config{Port: pipe.B, OnSend: rec.onSend, LinkTimeout: slowLink}); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.SetTargets(uniform(5, 0, 300, 500))
	arm(t, l, 11)
	start := time.Now()
	for i := 0; time.Since(start) < 3*time.Second; i++ {
		if !l.Armed() { // a damaged frame can cost a watchdog trip: recover as the app would
			arm(t, l, 11)
		}
		f := time.Since(start).Seconds()
		l.SetTargets(uniform(5, uint16(500+400*sin(f)), uint16(200+i%50), 500))
		time.Sleep(10 * time.Millisecond)
	}
	l.Disarm()
	l.Close()
	sent := rec.frames()
	checkFreshSeq(t, sent)
	checkRate(t, sent, glove.DefaultMaxSpeed)
	// Every applied target must equal one the host sent with that seq.
	sentBySeq := map[uint8][]glove.Sent{}
	for _, s := range sent {
		sentBySeq[s.Seq] = append(sentBySeq[s.Seq], s)
	}
	applied, wrong := 0, 0
	for _, e := range log.entries(t) {
		if e.Kind != "applied" {
			continue
		}
		applied++
		match := false
		for _, s := range sentBySeq[uint8(e.Seq)] {
			if s.Type == glove.TypeSetTargets && len(s.Targets) == len(e.Targets) && s.Time.UnixNano() <= e.TUnixNS+int64(time.Second) {
				same := true
				for i := range s.Targets {
					same = same && glove.FingerTarget(e.Targets[i]) == s.Targets[i]
				}
				match = match || same
			}
		}
		if !match {
			wrong++
			t.Errorf("applied seq %d %+v was never sent", e.Seq, e.Targets)
		}
	}
	ls, es := l.Stats(), em.Snapshot()
	t.Logf("host: %d SET_TARGETS sent, %d frame errors, %d bytes skipped, %d NACKs; glove: %d applied, %d frame errors, %d watchdog trips",
		ls.TargetsSent, ls.FrameErrors, ls.SkippedBytes, ls.Nacks, applied, es.FrameErrors, es.WatchdogTrips)
	if wrong != 0 || applied < 50 {
		t.Fatalf("%d wrong of %d applied", wrong, applied)
	}
	if ls.FrameErrors == 0 || es.FrameErrors == 0 {
		t.Errorf("no errors counted: host %d, glove %d", ls.FrameErrors, es.FrameErrors)
	}
}

// checkRate fails if a position changes between two SET_TARGETS frames by
// more than maxSpeed × the time between them (plus 50 ms of timing slack,
// as the link measures time just before its write and OnSend after it).
func checkRate(t *testing.T, sent []glove.Sent, maxSpeed float64) {
	t.Helper()
	var prev *glove.Sent
	for i := range sent {
		s := &sent[i]
		if s.Type != glove.TypeSetTargets {
			if s.Type == glove.TypeArm {
				prev = nil
			}
			continue
		}
		if prev != nil {
			dt := s.Time.Sub(prev.Time).Seconds() + 0.05
			for f := range s.Targets {
				d := float64(s.Targets[f].Position) - float64(prev.Targets[f].Position)
				if d > maxSpeed*dt+1 || -d > maxSpeed*dt+1 {
					t.Fatalf("seq %d finger %d moved %g ‰ in %.3f s", s.Seq, f, d, dt-0.05)
				}
			}
		}
		prev = s
	}
}

func sin(x float64) float64 {
	// a triangle wave is enough for a changing target
	x -= float64(int(x))
	if x < 0.5 {
		return 4*x - 1
	}
	return 3 - 4*x
}

// gatedPort wraps a port: while closed, writes wait at the gate (a stuck
// serial line); while muted, writes are swallowed (a host that stopped
// sending).
type gatedPort struct {
	glove.Port
	mu      sync.Mutex
	open    chan struct{} // closed when the gate is open
	blocked chan []byte   // receives the frame waiting at a closed gate
	muted   atomic.Bool
}

func newGatedPort(p glove.Port) *gatedPort {
	g := &gatedPort{Port: p, open: make(chan struct{}), blocked: make(chan []byte, 1)}
	close(g.open)
	return g
}

func (g *gatedPort) Write(b []byte) (int, error) {
	g.mu.Lock()
	gate := g.open
	g.mu.Unlock()
	select {
	case <-gate:
	default:
		g.blocked <- append([]byte(nil), b...)
		<-gate
	}
	if g.muted.Load() {
		return len(b), nil
	}
	return g.Port.Write(b)
}

func (g *gatedPort) closeGate() {
	g.mu.Lock()
	g.open = make(chan struct{})
	g.mu.Unlock()
}

func (g *gatedPort) openGate() {
	g.mu.Lock()
	close(g.open)
	g.mu.Unlock()
}

// rawGlove answers HELLO and SET_LIMITS and records every frame received,
// in wire order.
type rawGlove struct {
	mu     sync.Mutex
	frames []glove.Frame
	quiet  atomic.Bool // no STATUS while set
}

func runRawGlove(t *testing.T, path string) *rawGlove {
	t.Helper()
	port, err := serialport.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	g := &rawGlove{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var d glove.Decoder
		var f glove.Frame
		var buf []byte
		tmp := make([]byte, 256)
		info := glove.Info{Fingers: 2, MaxForce: 1000, StatusRateHz: 50}
		state := glove.Disarmed
		for {
			select {
			case <-stop:
				return
			default:
			}
			n, err := port.Read(tmp)
			if err != nil {
				return
			}
			buf = append(buf, tmp[:n]...)
			for {
				ok, k, derr := d.Decode(&f, buf)
				buf = buf[k:]
				if !ok && derr == nil {
					break
				}
				if !ok {
					continue
				}
				g.mu.Lock()
				g.frames = append(g.frames, f)
				g.mu.Unlock()
				switch f.Type {
				case glove.TypeHello:
					port.Write(glove.AppendFrame(nil, glove.TypeInfo, f.Seq, info.Append(nil)))
				case glove.TypeHeartbeat:
				default:
					switch f.Type {
					case glove.TypeArm:
						state = glove.Armed
					case glove.TypeDisarm:
						state = glove.Disarmed
					case glove.TypeEStop:
						state = glove.EStopped
					}
					port.Write(glove.AppendFrame(nil, glove.TypeAck, f.Seq, glove.Ack{Seq: f.Seq, State: state}.Append(nil)))
				}
			}
			// Keep the host's link up.
			if !g.quiet.Load() {
				st := glove.Status{State: state, N: 2}
				port.Write(glove.AppendFrame(nil, glove.TypeStatus, 0, st.Append(nil)))
			}
		}
	}()
	t.Cleanup(func() { close(stop); port.Close(); <-done })
	return g
}

// count returns how many frames of typ the glove received.
func (g *rawGlove) count(typ glove.Type) int {
	n := 0
	for _, f := range g.received() {
		if f.Type == typ {
			n++
		}
	}
	return n
}

func (g *rawGlove) received() []glove.Frame {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]glove.Frame(nil), g.frames...)
}

// TestEStopAheadOfQueue fills the command queue while the writer is stuck
// on a frame, presses e-stop, and checks on the glove's side that ESTOP
// is the next frame on the wire after the one in flight and that the
// queued commands were cancelled.
func TestEStopAheadOfQueue(t *testing.T) {
	pipe := ptytest.Pair(t)
	g := runRawGlove(t, pipe.A)
	p, err := serialport.Open(pipe.B, 0)
	if err != nil {
		t.Fatal(err)
	}
	gp := newGatedPort(p)
	l, err := glove.New(gp, glove.Config{QueueLen: 8})
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	defer l.Close()
	waitEvent(t, l, glove.EventAck, func(e glove.Event) bool { return e.Command == glove.TypeSetLimits })

	gp.closeGate()
	var inFlight glove.Frame
	select {
	case b := <-gp.blocked:
		var d glove.Decoder
		if ok, _, _ := d.Decode(&inFlight, b); !ok {
			t.Fatalf("blocked write % x is not a frame", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the writer never wrote")
	}
	queued := 0
	for {
		err := l.SetAssist(glove.Assist{Level: uint8(queued), Mode: glove.AssistAsNeeded})
		if errors.Is(err, glove.ErrQueueFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		queued++
	}
	if queued != 8 {
		t.Fatalf("queued %d commands, the queue holds 8", queued)
	}
	l.EStop()
	gp.openGate()
	e := waitEvent(t, l, glove.EventCancelled, nil)
	waitfor.Eventually(t, 0, "ESTOP received", func() bool {
		for _, f := range g.received() {
			if f.Type == glove.TypeEStop {
				return true
			}
		}
		return false
	})
	fr := g.received()
	for i, f := range fr {
		if f.Type == glove.TypeSetAssist {
			t.Fatalf("a queued SET_ASSIST (seq %d) reached the glove", f.Seq)
		}
		if f.Type == glove.TypeEStop {
			if i == 0 || fr[i-1].Seq != inFlight.Seq || fr[i-1].Type != inFlight.Type {
				t.Fatalf("frame before ESTOP is %v seq %d, the one in flight was %v seq %d", fr[i-1].Type, fr[i-1].Seq, inFlight.Type, inFlight.Seq)
			}
			if f.Seq != inFlight.Seq+1 {
				t.Errorf("ESTOP seq %d after %d", f.Seq, inFlight.Seq)
			}
			break
		}
	}
	if s := l.Stats(); s.Cancelled != 8 || e.Count < 1 {
		t.Errorf("cancelled %d (event count %d), want 8", s.Cancelled, e.Count)
	}
}

// TestCloseWithStuckWrite: a write that never returns does not make Close
// hang.
func TestCloseWithStuckWrite(t *testing.T) {
	pipe := ptytest.Pair(t)
	runRawGlove(t, pipe.A)
	p, err := serialport.Open(pipe.B, 0)
	if err != nil {
		t.Fatal(err)
	}
	gp := newGatedPort(p)
	l, err := glove.New(gp, glove.Config{})
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	gp.closeGate()
	<-gp.blocked
	l.EStop() // never blocks either
	closed := make(chan error, 1)
	go func() { closed <- l.Close() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a stuck write")
	}
	<-l.Done()
	gp.openGate() // let the abandoned writer finish
}

// TestWatchdogWhenHostStops mutes the host's writes while armed: the
// emulator falls to the safe state by its watchdog.
func TestWatchdogWhenHostStops(t *testing.T) {
	pipe := ptytest.Pair(t)
	var log syncBuffer
	em := runEmulator(t, pipe.A, emulator.Config{Fingers: 2, Log: &log})
	p, err := serialport.Open(pipe.B, 0)
	if err != nil {
		t.Fatal(err)
	}
	gp := newGatedPort(p)
	rec := &recorder{}
	l, err := glove.New(gp, glove.Config{OnSend: rec.onSend})
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	defer l.Close()
	l.SetTargets(uniform(2, 300, 300, 300))
	arm(t, l, 5)
	waitfor.Eventually(t, 0, "moving", func() bool { rearm(t, l, 5); return em.Snapshot().Position[0] > 50 })
	gp.muted.Store(true)
	mutedAt := time.Now()
	waitfor.Eventually(t, 0, "watchdog", func() bool { return em.Snapshot().State == glove.Faulted })
	s := em.Snapshot()
	if s.Faults&glove.FaultWatchdog == 0 {
		t.Fatalf("faults %v", s.Faults)
	}
	var faultAt time.Time
	for _, e := range log.entries(t) {
		if e.Kind == "fault" && e.Fault == "watchdog" {
			faultAt = time.Unix(0, e.TUnixNS)
		}
	}
	d := faultAt.Sub(mutedAt)
	t.Logf("emulator safe state %v after the host's writes stopped (watchdog 250 ms)", d)
	if d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("watchdog fired %v after the host stopped", d)
	}
	// The host hears of it and stops the targets.
	waitfor.Eventually(t, 0, "host sees FAULT", func() bool { return l.GloveState() == glove.Faulted && !l.Armed() })
	waitfor.Eventually(t, 0, "fingers released", func() bool { return em.Snapshot().Position[0] < 1 })
}

// TestLinkLostWhenGloveSilent: the emulator stops sending; the link
// reports the loss, stops the targets and sends DISARM, which the glove
// (still listening) obeys.
func TestLinkLostWhenGloveSilent(t *testing.T) {
	pipe := ptytest.Pair(t)
	var log syncBuffer
	em := runEmulator(t, pipe.A, emulator.Config{Fingers: 1, Log: &log, Watchdog: slowWatchdog, Faults: []emulator.Fault{{Kind: emulator.Silent, Finger: -1, At: time.Second}}})
	l, rec := open(t, pipe.B, glove.Config{})
	l.SetTargets(uniform(1, 200, 100, 100))
	arm(t, l, 1)
	waitfor.Eventually(t, 0, "silent", func() bool { rearm(t, l, 1); return em.Snapshot().Silent })
	waitfor.Eventually(t, 0, "link lost", func() bool { return l.State() == glove.LinkLost })
	lostAt := time.Now()
	if l.Armed() {
		t.Fatal("armed with the link lost")
	}
	var silentAt time.Time
	for _, e := range log.entries(t) {
		if e.Kind == "fault" && e.Fault == "silent" {
			silentAt = time.Unix(0, e.TUnixNS)
		}
	}
	t.Logf("link lost seen %v after the glove went silent (timeout 250 ms)", lostAt.Sub(silentAt))
	// The glove still hears the host: the DISARM sent on the loss reaches it.
	waitfor.Eventually(t, 0, "glove disarmed by the host", func() bool { return em.Snapshot().State == glove.Disarmed })
	// Heartbeats go on, targets do not.
	n := l.Stats().TargetsSent
	hb := l.Stats().HeartbeatsSent
	waitfor.Eventually(t, 0, "heartbeats continue", func() bool { return l.Stats().HeartbeatsSent > hb+5 })
	if l.Stats().TargetsSent != n {
		t.Error("targets sent while the link is lost")
	}
	sent := rec.frames()
	checkFreshSeq(t, sent)
	sawDisarm := false
	for _, s := range sent {
		if s.Time.After(lostAt) && s.Type == glove.TypeSetTargets {
			t.Errorf("SET_TARGETS seq %d after the loss", s.Seq)
		}
		sawDisarm = sawDisarm || (s.Type == glove.TypeDisarm && s.Time.After(silentAt))
	}
	if !sawDisarm {
		t.Error("no DISARM after the glove went silent")
	}
}

// helperEnv names the pty a helper host process connects to.
const helperEnv = "GLOVE_TEST_HOST_PORT"

// TestHelperHost is not a test: run as a subprocess by
// TestHostKilled, it arms the glove, streams targets and prints "armed".
func TestHelperHost(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	l, err := glove.Open(glove.Config{Port: path})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	l.SetTargets(uniform(l.Fingers(), 400, 200, 400))
	l.Arm(99)
	for !l.Armed() {
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Println("armed")
	for {
		l.SetTargets(uniform(l.Fingers(), 400, 200, 400))
		if !l.Armed() && l.State() == glove.LinkUp && l.GloveState() == glove.Faulted {
			// A starved test process missed the watchdog: recover.
			l.ClearFault()
			l.Arm(99)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHostKilled kills the host process with SIGKILL while armed: the
// emulator falls to the safe state by its watchdog.
func TestHostKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test")
	}
	pipe := ptytest.Pair(t)
	var log syncBuffer
	em := runEmulator(t, pipe.A, emulator.Config{Fingers: 5, Log: &log})
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHost$")
	cmd.Env = append(os.Environ(), helperEnv+"="+pipe.B)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	select {
	case s := <-line:
		if s != "armed" {
			t.Fatalf("helper said %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not arm within 10 s")
	}
	waitfor.Eventually(t, 0, "moving", func() bool { return em.Snapshot().Position[0] > 100 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	cmd.Wait()
	waitfor.Eventually(t, 0, "safe state", func() bool { return em.Snapshot().State == glove.Faulted })
	var faultAt time.Time
	for _, e := range log.entries(t) {
		if e.Kind == "fault" && e.Fault == "watchdog" {
			faultAt = time.Unix(0, e.TUnixNS)
		}
	}
	d := faultAt.Sub(killedAt)
	t.Logf("emulator in its safe state %v after SIGKILL of the host (watchdog 250 ms)", d)
	if d > 2*time.Second {
		t.Errorf("safe state %v after the kill", d)
	}
	waitfor.Eventually(t, 0, "fingers released", func() bool { return em.Snapshot().Position[0] < 1 })
	_ = strconv.Itoa
}

// TestSetLimitsLive narrows the limits while armed: the stored targets are
// clamped at once, the glove gets SET_LIMITS, and nothing outside the new
// range leaves the link afterwards.
func TestSetLimitsLive(t *testing.T) {
	pipe := ptytest.Pair(t)
	em := runEmulator(t, pipe.A, emulator.Config{Fingers: 2, Watchdog: slowWatchdog})
	l, rec := open(t, pipe.B, glove.Config{Limits: limits(2, 0, 1000, 1000, 2000), LinkTimeout: slowLink})
	l.SetTargets(uniform(2, 800, 900, 1500))
	arm(t, l, 3)
	waitfor.Eventually(t, 0, "at 800", func() bool { rearm(t, l, 3); return em.Snapshot().Position[1] > 790 })
	if err := l.SetLimits(limits(2, 100, 500, 400, 300)[:1]); err == nil {
		t.Fatal("SetLimits for 1 of 2 fingers succeeded")
	}
	before := l.Stats().Clamped
	if err := l.SetLimits(limits(2, 100, 500, 400, 300)); err != nil {
		t.Fatal(err)
	}
	if got := l.Stats().Clamped - before; got != 2 {
		t.Errorf("SetLimits clamped %d stored targets, want 2", got)
	}
	if got := l.Limits(); len(got) != 2 || got[1] != (glove.Limit{MinPosition: 100, MaxPosition: 500, MaxForce: 400, MaxSpeed: 300}) {
		t.Errorf("Limits() = %+v", got)
	}
	waitfor.Eventually(t, 0, "glove limits", func() bool { return em.Snapshot().Limits[0].MaxPosition == 500 })
	waitfor.Eventually(t, 0, "at 500", func() bool { return em.Snapshot().Position[1] < 505 })
	l.Close()
	limitsSent := 0
	for _, s := range rec.frames() {
		if s.Type == glove.TypeSetLimits {
			limitsSent++
		}
		// Frames chosen after the new SET_LIMITS carry clamped targets.
		if s.Type == glove.TypeSetTargets && limitsSent == 2 {
			for _, x := range s.Targets {
				if x.Position > 500 || x.ForceLimit > 400 || x.MaxSpeed > 300 {
					t.Fatalf("seq %d sent %+v after the limits narrowed", s.Seq, x)
				}
			}
		}
	}
	if es := em.Snapshot(); es.Nacks != 0 {
		t.Errorf("the glove refused %d commands", es.Nacks)
	}
}

// TestLinkRestoredNeedsArm: STATUS stops and comes back; the link reports
// both, disarms the glove, re-sends the limits and sends no targets until
// Arm is called again.
func TestLinkRestoredNeedsArm(t *testing.T) {
	pipe := ptytest.Pair(t)
	g := runRawGlove(t, pipe.A)
	l, _ := open(t, pipe.B, glove.Config{})
	l.SetTargets(uniform(2, 300, 100, 100))
	arm(t, l, 4)
	waitfor.Eventually(t, 0, "targets flow", func() bool { rearm(t, l, 4); return g.count(glove.TypeSetTargets) > 3 })
	g.quiet.Store(true)
	waitEvent(t, l, glove.EventLinkLost, nil)
	if l.Armed() || l.State() != glove.LinkLost {
		t.Fatalf("lost: armed %v, state %v", l.Armed(), l.State())
	}
	waitfor.Eventually(t, 0, "DISARM sent", func() bool { return g.count(glove.TypeDisarm) == 2 }) // the first opened the link
	g.quiet.Store(false)
	waitEvent(t, l, glove.EventLinkRestored, nil)
	waitfor.Eventually(t, 0, "limits re-sent", func() bool { return g.count(glove.TypeSetLimits) == 2 })
	n := g.count(glove.TypeSetTargets)
	hb := l.Stats().HeartbeatsSent
	waitfor.Eventually(t, 0, "heartbeats", func() bool { return l.Stats().HeartbeatsSent > hb+10 })
	if g.count(glove.TypeSetTargets) != n || l.Armed() {
		t.Fatal("targets sent after the link came back without a new Arm")
	}
	arm(t, l, 5)
	waitfor.Eventually(t, 0, "targets again", func() bool { return g.count(glove.TypeSetTargets) > n })
}

// TestCablePulled kills socat (the cable): the link reports the port
// error, is lost for good, sends no targets, and Close still returns.
func TestCablePulled(t *testing.T) {
	pipe := ptytest.Pair(t)
	runEmulator(t, pipe.A, emulator.Config{Fingers: 2, Watchdog: slowWatchdog})
	l, _ := open(t, pipe.B, glove.Config{})
	l.SetTargets(uniform(2, 300, 100, 100))
	arm(t, l, 4)
	pipe.Kill()
	e := waitEvent(t, l, glove.EventPortError, nil)
	t.Log(e)
	if l.State() != glove.LinkLost || l.Armed() {
		t.Fatalf("after the pull: state %v, armed %v", l.State(), l.Armed())
	}
	n := l.Stats().TargetsSent
	waitfor.Eventually(t, 0, "lost reported", func() bool { return l.Stats().LinkLosses == 1 })
	if l.Stats().TargetsSent != n {
		t.Error("targets sent after the cable was pulled")
	}
	done := make(chan struct{})
	go func() { l.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs after the cable was pulled")
	}
}

func TestHotPathNoAllocs(t *testing.T) {
	pipe := ptytest.Pair(t)
	runEmulator(t, pipe.A, emulator.Config{Fingers: 5})
	l, _ := open(t, pipe.B, glove.Config{})
	tg := uniform(5, 300, 100, 100)
	if a := testing.AllocsPerRun(100, func() {
		l.SetTargets(tg)
		_ = l.State()
		_ = l.Armed()
		_ = l.GloveState()
		_ = l.Status()
		_ = l.Stats()
	}); a != 0 {
		t.Errorf("SetTargets and the state reads allocate %g times", a)
	}
}

// TestEStopLatched: ESTOP stops the targets, the glove latches it, ARM is
// refused until CLEAR_FAULT, and then motion needs a new Arm.
func TestEStopLatched(t *testing.T) {
	pipe := ptytest.Pair(t)
	em := runEmulator(t, pipe.A, emulator.Config{Fingers: 2, Watchdog: slowWatchdog})
	l, rec := open(t, pipe.B, glove.Config{LinkTimeout: slowLink})
	l.SetTargets(uniform(2, 300, 100, 100))
	arm(t, l, 8)
	l.EStop()
	waitfor.Eventually(t, 0, "ESTOP latched", func() bool {
		return l.GloveState() == glove.EStopped && em.Snapshot().State == glove.EStopped
	})
	if l.Armed() {
		t.Fatal("armed after EStop")
	}
	n := l.Stats().TargetsSent
	if err := l.Arm(9); err != nil {
		t.Fatal(err)
	}
	e := waitEvent(t, l, glove.EventNack, nil)
	if e.Command != glove.TypeArm || e.Code != glove.NackWrongState {
		t.Fatalf("ARM while e-stopped: %v", e)
	}
	if l.Armed() || l.Stats().TargetsSent != n {
		t.Fatal("targets after a refused ARM")
	}
	if err := l.ClearFault(); err != nil {
		t.Fatal(err)
	}
	waitfor.Eventually(t, 0, "cleared", func() bool { return l.GloveState() == glove.Disarmed })
	arm(t, l, 10)
	waitfor.Eventually(t, 0, "targets again", func() bool { return l.Stats().TargetsSent > n })
	sent := rec.frames()
	checkFreshSeq(t, sent)
	for i, s := range sent {
		if s.Type == glove.TypeEStop {
			for _, x := range sent[i+1:] {
				if x.Type == glove.TypeArm {
					break
				}
				if x.Type == glove.TypeSetTargets {
					t.Fatalf("SET_TARGETS seq %d after ESTOP without a new ARM", x.Seq)
				}
			}
		}
	}
}

// TestNewTargetsSentAtOnce: targets that change faster than the link's
// tick still each reach the wire (SetTargets sends new targets at once,
// a quarter period after the previous frame at the soonest), where a
// tick-only link would send one of every few.
func TestNewTargetsSentAtOnce(t *testing.T) {
	pipe := ptytest.Pair(t)
	runEmulator(t, pipe.A, emulator.Config{Fingers: 5, Watchdog: slowWatchdog})
	l, rec := open(t, pipe.B, glove.Config{RateHz: glove.MinRateHz, LinkTimeout: slowLink}) // a 50 ms tick
	l.SetTargets(uniform(5, 0, 100, 1000))
	arm(t, l, 3)
	const changes = 12
	for i := range changes {
		rearm(t, l, 3)
		l.SetTargets(uniform(5, 0, uint16(200+i), 1000)) // a new force limit every 20 ms
		time.Sleep(20 * time.Millisecond)
	}
	seen := map[uint16]bool{}
	for _, s := range rec.frames() {
		if s.Type == glove.TypeSetTargets {
			seen[s.Targets[0].ForceLimit] = true
		}
	}
	missing := 0
	for i := range changes {
		if !seen[uint16(200+i)] {
			missing++
		}
	}
	// A starved machine may lose the arming once (rearm); allow one.
	if missing > 1 {
		t.Errorf("%d of %d target changes never reached the wire", missing, changes)
	}
}
