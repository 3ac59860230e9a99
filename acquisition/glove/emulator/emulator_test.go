package emulator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"myorehab/acquisition/glove"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
	"myorehab/internal/waitfor"

	"go.bug.st/serial"
)

func TestParseFault(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		spec string
		want Fault
	}{
		{"stall:index@5s", Fault{Stall, 1, 5 * time.Second}},
		{"silent@4s", Fault{Silent, -1, 4 * time.Second}},
		{"hw-estop@6s", Fault{HWEStop, -1, 6 * time.Second}},
		{"over-force:little@1.5", Fault{OverForce, 4, 1500 * time.Millisecond}},
		{" stall:thumb@500ms ", Fault{Stall, 0, 500 * time.Millisecond}},
	} {
		got, err := ParseFault(test.spec)
		if err != nil || got != test.want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", test.spec, got, err, test.want)
		}
		if err == nil {
			if again, err := ParseFault(got.String()); err != nil || again != got {
				t.Errorf("ParseFault(%q) = %+v, %v; want %+v", got.String(), again, err, got)
			}
		}
	}
	for _, spec := range []string{"", "stall", "stall@5s", "silent:index@1s", "stall:pinky@1s", "melt@1s", "silent@soon", "silent@-1s"} {
		if f, err := ParseFault(spec); err == nil {
			t.Errorf("ParseFault(%q) = %+v, want an error", spec, f)
		}
	}
	fs, err := ParseFaults("stall:index@5s, silent@4s,,hw-estop@6s")
	if err != nil || len(fs) != 3 || fs[2].Kind != HWEStop {
		t.Errorf("ParseFaults = %+v, %v", fs, err)
	}
	if _, err := ParseFaults("silent@4s,bad"); err == nil {
		t.Error("ParseFaults accepted a bad spec")
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Fingers: 6}, {Fingers: -1}, {Seconds: -1}, {Corrupt: 1.5}, {CorruptIn: -0.1}, {StatusRateHz: 300},
		{Fingers: 2, Faults: []Fault{{Stall, 3, time.Second}}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the emulator and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) entries(t *testing.T) []LogEntry {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []LogEntry
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var e LogEntry
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		for _, key := range []string{`"t_unix_ns"`, `"kind"`, `"seq"`, `"state"`, `"targets"`, `"fault"`, `"error"`} {
			if !strings.Contains(sc.Text(), key) {
				t.Fatalf("log line %q lacks %s", sc.Text(), key)
			}
		}
		out = append(out, e)
	}
	return out
}

// host is a raw host on the other end of a pty: it writes frames and
// collects the glove's.
type host struct {
	t      *testing.T
	mu     sync.Mutex // one writer at a time
	port   serial.Port
	seq    uint8
	frames chan glove.Frame
}

func start(t *testing.T, cfg Config) (*Emulator, *host, <-chan error) {
	t.Helper()
	pipe := ptytest.Pair(t)
	em, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gp, err := serialport.Open(pipe.A, 0)
	if err != nil {
		t.Fatal(err)
	}
	hp, err := serialport.Open(pipe.B, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		err := em.Run(ctx, gp)
		gp.Close()
		done <- err
		close(finished)
	}()
	h := &host{t: t, port: hp, frames: make(chan glove.Frame, 4096)}
	go h.read()
	t.Cleanup(func() {
		cancel()
		<-finished
		hp.Close()
	})
	return em, h, done
}

func (h *host) read() {
	var d glove.Decoder
	var f glove.Frame
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 512)
	for {
		n, err := h.port.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:n]...)
		p := buf
		for {
			ok, k, derr := d.Decode(&f, p)
			p = p[k:]
			if ok {
				select {
				case h.frames <- f:
				default:
				}
			} else if derr == nil {
				break
			}
		}
		buf = append(buf[:0], p...)
	}
}

// send writes one frame with the next seq and returns the seq.
func (h *host) send(typ glove.Type, payload []byte) uint8 {
	h.t.Helper()
	h.mu.Lock()
	h.seq++
	seq := h.seq
	_, err := h.port.Write(glove.AppendFrame(nil, typ, seq, payload))
	h.mu.Unlock()
	if err != nil {
		h.t.Fatal(err)
	}
	return seq
}

func (h *host) raw(b []byte) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.port.Write(b); err != nil {
		h.t.Fatal(err)
	}
}

// feed sends HEARTBEAT every 20 ms, keeping the glove's watchdog fed,
// until the returned function is called.
func (h *host) feed() (stop func()) {
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				h.mu.Lock()
				h.seq++
				h.port.Write(glove.AppendFrame(nil, glove.TypeHeartbeat, h.seq, nil))
				h.mu.Unlock()
			}
		}
	}()
	return func() { close(done); <-exited }
}

// await returns the first frame that is not STATUS (or is, with status).
func (h *host) await(want glove.Type) glove.Frame {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f := <-h.frames:
			if f.Type == want {
				return f
			}
		case <-timeout:
			h.t.Fatalf("no %v within 5 s", want)
		}
	}
}

// reply sends a command and returns the ACK or NACK answering it.
func (h *host) reply(typ glove.Type, payload []byte) glove.Frame {
	h.t.Helper()
	seq := h.send(typ, payload)
	timeout := time.After(5 * time.Second)
	for {
		select {
		case f := <-h.frames:
			if (f.Type == glove.TypeAck || f.Type == glove.TypeNack) && f.Seq == seq {
				return f
			}
		case <-timeout:
			h.t.Fatalf("no answer to %v seq %d within 5 s", typ, seq)
		}
	}
}

func (h *host) expectAck(typ glove.Type, payload []byte, state glove.State) {
	h.t.Helper()
	f := h.reply(typ, payload)
	a, err := glove.ParseAck(f.Data())
	if f.Type != glove.TypeAck || err != nil || a.State != state || a.Seq != f.Seq {
		h.t.Fatalf("%v: got %v % x, want ACK in %v", typ, f.Type, f.Data(), state)
	}
}

func (h *host) expectNack(typ glove.Type, payload []byte, code glove.NackCode) {
	h.t.Helper()
	f := h.reply(typ, payload)
	n, err := glove.ParseNack(f.Data())
	if f.Type != glove.TypeNack || err != nil || n.Code != code {
		h.t.Fatalf("%v: got %v % x, want NACK %d", typ, f.Type, f.Data(), code)
	}
}

func targets(n int, pos, force, speed uint16) []byte {
	t := make([]glove.FingerTarget, n)
	for i := range t {
		t[i] = glove.FingerTarget{Position: pos, ForceLimit: force, MaxSpeed: speed}
	}
	return glove.AppendTargets(nil, t)
}

func TestCommandsOverPty(t *testing.T) {
	var log syncBuffer
	em, h, _ := start(t, Config{Fingers: 3, Log: &log, Watchdog: 3 * time.Second}) // not a watchdog test: starvation-proof

	// HELLO → INFO with the same seq.
	seq := h.send(glove.TypeHello, nil)
	f := h.await(glove.TypeInfo)
	info, err := glove.ParseInfo(f.Data())
	if err != nil || f.Seq != seq || info.Fingers != 3 || info.StatusRateHz != 50 || info.MaxForce != DefaultMaxForce {
		t.Fatalf("INFO seq %d: %+v, %v", f.Seq, info, err)
	}

	h.expectNack(glove.TypeSetTargets, targets(3, 500, 100, 500), glove.NackWrongState)
	h.expectNack(glove.TypeArm, nil, glove.NackBadLength)
	stop := h.feed()
	defer stop()
	h.expectAck(glove.TypeArm, glove.AppendToken(nil, 77), glove.Armed)
	h.expectNack(glove.TypeSetTargets, targets(2, 500, 100, 500), glove.NackBadLength)
	h.expectNack(glove.TypeSetTargets, targets(3, 1001, 100, 500), glove.NackRange)
	h.expectNack(glove.TypeSetTargets, targets(3, 500, DefaultMaxForce+1, 500), glove.NackOverLimit)
	h.expectNack(glove.TypeSetLimits, glove.AppendLimits(nil, make([]glove.FingerLimit, 2)), glove.NackBadLength)
	h.expectNack(glove.TypeSetLimits, glove.AppendLimits(nil, []glove.FingerLimit{lim(0, 900, 100), lim(500, 400, 100), lim(0, 1, 1)}), glove.NackRange)
	h.expectAck(glove.TypeSetLimits, glove.AppendLimits(nil, []glove.FingerLimit{lim(0, 800, 300), lim(0, 800, 300), lim(0, 800, 300)}), glove.Armed)
	h.expectNack(glove.TypeSetTargets, targets(3, 900, 100, 500), glove.NackOverLimit)
	h.expectNack(glove.TypeSetAssist, glove.Assist{Level: 101}.Append(nil), glove.NackRange)
	h.expectAck(glove.TypeSetAssist, glove.Assist{Level: 50, Mode: glove.AssistAsNeeded}.Append(nil), glove.Armed)
	h.expectNack(0x7F, nil, glove.NackUnknown)
	h.expectNack(glove.TypeStatus, nil, glove.NackUnknown)

	// A damaged frame gets NACK 1 and is not acted on.
	bad := glove.AppendFrame(nil, glove.TypeDisarm, 200, nil)
	bad[len(bad)-1] ^= 1
	h.raw(bad)
	if f := h.await(glove.TypeNack); f.Seq != 200 || glove.NackCode(f.Payload[1]) != glove.NackBadCRC {
		t.Fatalf("damaged frame: NACK % x", f.Data())
	}

	// Targets within limits are applied, speed clamped to the glove's.
	h.expectAck(glove.TypeSetTargets, targets(3, 700, 250, 60000), glove.Armed)
	waitfor.Eventually(t, 0, "fingers reach 700 ‰", func() bool {
		s := em.Snapshot()
		return s.Position[0] > 695 && s.Position[2] > 695
	})
	if s := em.Snapshot(); s.Target[1] != (glove.FingerTarget{Position: 700, ForceLimit: 250, MaxSpeed: DefaultMaxSpeed}) || s.Token != 77 || s.Assist.Level != 50 {
		t.Fatalf("snapshot %+v", s)
	}
	// STATUS reports them.
	var st glove.Status
	waitfor.Eventually(t, 0, "STATUS at 700", func() bool {
		f := h.await(glove.TypeStatus)
		return glove.ParseStatus(&st, f.Data()) == nil && st.Fingers[1].Position >= 695 && st.N == 3
	})
	if st.State != glove.Armed || st.Token != 77 || st.WatchdogLeftMS > 3000 {
		t.Errorf("STATUS %+v", st)
	}

	// Narrower limits clamp the current targets.
	h.expectAck(glove.TypeSetLimits, glove.AppendLimits(nil, []glove.FingerLimit{lim(0, 600, 300), lim(0, 600, 300), lim(0, 600, 300)}), glove.Armed)
	if s := em.Snapshot(); s.Target[0].Position != 600 {
		t.Errorf("target after narrower limits: %+v", s.Target[0])
	}

	// ESTOP latches: ARM is refused until CLEAR_FAULT.
	h.expectAck(glove.TypeEStop, nil, glove.EStopped)
	h.expectNack(glove.TypeArm, glove.AppendToken(nil, 1), glove.NackWrongState)
	h.expectNack(glove.TypeSetTargets, targets(3, 500, 100, 500), glove.NackWrongState)
	h.expectAck(glove.TypeDisarm, nil, glove.EStopped)
	h.expectAck(glove.TypeClearFault, nil, glove.Disarmed)
	waitfor.Eventually(t, 0, "fingers released", func() bool { return em.Snapshot().Position[0] < 1 })
	h.expectAck(glove.TypeArm, glove.AppendToken(nil, 2), glove.Armed)
	h.expectAck(glove.TypeDisarm, nil, glove.Disarmed)

	var applied, states, nacks, frameErrors int
	for _, e := range log.entries(t) {
		switch e.Kind {
		case "applied":
			applied++
			if len(e.Targets) != 3 || e.Targets[0] != (LogTarget{700, 250, DefaultMaxSpeed}) || e.State != "ARMED" {
				t.Errorf("applied entry %+v", e)
			}
		case "state":
			states++
		case "nack":
			nacks++
			if e.Error == "" || e.Seq < 0 {
				t.Errorf("nack entry %+v", e)
			}
		case "frame_error":
			frameErrors++
		}
	}
	if applied != 1 || states != 5 || nacks != 13 || frameErrors != 1 {
		t.Errorf("log: %d applied, %d states, %d nacks, %d frame errors", applied, states, nacks, frameErrors)
	}
}

func TestWatchdogOverPty(t *testing.T) {
	var log syncBuffer
	em, h, _ := start(t, Config{Fingers: 5, Log: &log})
	stop := h.feed()
	h.expectAck(glove.TypeArm, glove.AppendToken(nil, 9), glove.Armed)
	h.expectAck(glove.TypeSetTargets, targets(5, 800, 300, 1000), glove.Armed)
	// Heartbeats keep it armed for longer than the watchdog.
	waitfor.Eventually(t, 0, "moving", func() bool { return em.Snapshot().Position[4] > 100 })
	if s := em.Snapshot(); s.State != glove.Armed {
		t.Fatalf("state %v with heartbeats at 50 Hz (a starved test process?)", s.State)
	}
	// Silence: the watchdog fires, the fingers are released.
	stop()
	silentFrom := time.Now()
	f := h.await(glove.TypeFault)
	if r, err := glove.ParseFaultReport(f.Data()); err != nil || r.Bit != glove.FaultWatchdog {
		t.Fatalf("FAULT %+v %v", r, err)
	}
	t.Logf("watchdog FAULT frame %v after the last heartbeat", time.Since(silentFrom))
	s := em.Snapshot()
	if s.State != glove.Faulted || s.Faults&glove.FaultWatchdog == 0 || s.WatchdogTrips != 1 || s.Assist.Level != 0 {
		t.Fatalf("after watchdog: %+v", s)
	}
	waitfor.Eventually(t, 0, "fingers released", func() bool { return em.Snapshot().Position[4] < 1 })
	h.expectNack(glove.TypeArm, glove.AppendToken(nil, 1), glove.NackWrongState)
	h.expectAck(glove.TypeClearFault, nil, glove.Disarmed)
	h.expectAck(glove.TypeArm, glove.AppendToken(nil, 1), glove.Armed)
	var kinds []string
	for _, e := range log.entries(t) {
		kinds = append(kinds, e.Kind+":"+e.State+":"+e.Fault)
	}
	want := "state:ARMED: applied:ARMED: fault:ARMED:watchdog state:FAULT:watchdog nack:FAULT: state:DISARMED: state:ARMED:"
	if strings.Join(kinds, " ") != want {
		t.Errorf("log %q\nwant %q", strings.Join(kinds, " "), want)
	}
}

func TestInjectedFaults(t *testing.T) {
	faults, err := ParseFaults("stall:index@300ms,hw-estop@900ms,silent@1500ms")
	if err != nil {
		t.Fatal(err)
	}
	em, h, _ := start(t, Config{Fingers: 2, Faults: faults, Watchdog: 3 * time.Second})
	stop := h.feed()
	defer stop()
	h.expectAck(glove.TypeArm, glove.AppendToken(nil, 9), glove.Armed)
	f := h.await(glove.TypeFault)
	if r, _ := glove.ParseFaultReport(f.Data()); r.Bit != glove.FaultOverCurrent || r.Detail != 1 {
		t.Fatalf("first FAULT %+v", r)
	}
	f = h.await(glove.TypeFault)
	if r, _ := glove.ParseFaultReport(f.Data()); r.Bit != glove.FaultHWEStop {
		t.Fatalf("second FAULT %+v", r)
	}
	s := em.Snapshot()
	if s.State != glove.EStopped || s.Faults != glove.FaultOverCurrent|glove.FaultHWEStop {
		t.Fatalf("after faults %+v", s)
	}
	waitfor.Eventually(t, 0, "silent", func() bool { return em.Snapshot().Silent })
	for len(h.frames) > 0 {
		<-h.frames
	}
	sent := em.Snapshot().StatusSent
	select {
	case f := <-h.frames:
		t.Fatalf("a silent glove sent %v", f.Type)
	case <-time.After(300 * time.Millisecond):
	}
	if em.Snapshot().StatusSent != sent {
		t.Error("STATUS counted while silent")
	}
}

func TestSecondsEndsRun(t *testing.T) {
	_, _, done := start(t, Config{Seconds: 0.2})
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not end after 0.2 s")
	}
}

func lim(lo, hi, force uint16) glove.FingerLimit {
	return glove.FingerLimit{MinPosition: lo, MaxPosition: hi, MaxForce: force}
}
