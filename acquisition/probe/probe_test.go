package probe

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"

	"myorehab/acquisition/cyton"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
)

// fast are short timeouts for tests over ptys, for what must stay silent:
// a silent port is probed for exactly these.
var fast = Options{Listen: 300 * time.Millisecond, BITalinoReply: 300 * time.Millisecond, CytonReply: 800 * time.Millisecond}

// patient lengthens the waits that something is expected to end early: a
// query returns at the answer, so a long reply timeout costs nothing on
// an idle machine and absorbs a busy one; a streaming device is heard
// over a longer listen, on top of what it sent before Probe started
// (device.streaming).
func patient(listen, bitalino, cyton bool) Options {
	o := fast
	if listen {
		o.Listen = 1500 * time.Millisecond
	}
	if bitalino {
		o.BITalinoReply = 10 * time.Second
	}
	if cyton {
		o.CytonReply = 10 * time.Second
	}
	return o
}

// device plays a device on one end of a pty pair: it records every byte it
// receives, answers through reply (if not nil) and, while stream is not
// nil, writes what stream returns every 10 ms.
type device struct {
	mu       sync.Mutex
	received []byte
	stop     chan struct{}
	done     chan struct{}
	ready    chan struct{} // closed after the first streamWrites writes
}

// streamWrites is how many stream writes a streaming device makes before
// Probe starts (see streaming).
const streamWrites = 5

func startDevice(t *testing.T, path string, reply func(b byte) []byte, stream func() []byte) *device {
	t.Helper()
	port, err := serialport.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := &device{stop: make(chan struct{}), done: make(chan struct{}), ready: make(chan struct{})}
	var wmu sync.Mutex
	write := func(p []byte) {
		wmu.Lock()
		defer wmu.Unlock()
		port.Write(p)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // reader; Read returns (0, nil) every 50 ms
		defer wg.Done()
		buf := make([]byte, 64)
		for {
			select {
			case <-d.stop:
				return
			default:
			}
			n, err := port.Read(buf)
			if err != nil {
				return
			}
			for _, b := range buf[:n] {
				d.mu.Lock()
				d.received = append(d.received, b)
				d.mu.Unlock()
				if reply != nil {
					if r := reply(b); r != nil {
						write(r)
					}
				}
			}
		}
	}()
	if stream != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for n := 1; ; n++ {
				select {
				case <-d.stop:
					return
				case <-tick.C:
					write(stream())
				}
				if n == streamWrites {
					close(d.ready)
				}
			}
		}()
	}
	go func() { wg.Wait(); port.Close(); close(d.done) }()
	t.Cleanup(d.close)
	return d
}

func (d *device) close() {
	select {
	case <-d.stop:
	default:
		close(d.stop)
	}
	<-d.done
}

// streaming waits until a streaming device has sent its first writes:
// they wait in the pty for Probe to read, so Probe hears the device even
// if a busy machine then delays its next writes.
func (d *device) streaming(t *testing.T) {
	t.Helper()
	select {
	case <-d.ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the device did not start streaming")
	}
}

// got returns the bytes the device received.
func (d *device) got() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return string(d.received)
}

func mustProbe(t *testing.T, path string, protocols []string, opt Options) Report {
	t.Helper()
	rep, err := Probe(context.Background(), path, protocols, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Path != path {
		t.Errorf("Path %q", rep.Path)
	}
	return rep
}

// checkAnswered checks that exactly the protocols in want answered.
func checkAnswered(t *testing.T, rep Report, want ...string) {
	t.Helper()
	for _, r := range rep.Results {
		answered := false
		for _, w := range want {
			answered = answered || r.Protocol == w
		}
		if r.Answered != answered {
			t.Errorf("%s: answered %v (%s), want %v", r.Protocol, r.Answered, r.Evidence, answered)
		}
	}
}

type zeroGen struct{}

func (zeroGen) Next(dst []float64) { clear(dst) }

func TestProbeCytonEmulator(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	port, err := serialport.Open(pipe.B, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		sent int
		err  error
	}
	res := make(chan result, 1)
	go func() {
		n, err := cyton.RunEmulator(ctx, port, cyton.EmulatorConfig{Generator: zeroGen{}})
		port.Close()
		res <- result{n, err}
	}()
	rep := mustProbe(t, pipe.A, nil, patient(false, false, true))
	cancel()
	r := <-res
	if r.sent != 0 {
		t.Errorf("the emulator streamed %d samples: Probe started it", r.sent)
	}
	checkAnswered(t, rep, Cyton)
	if rep.Suggested != Cyton || len(rep.Results) != 4 {
		t.Errorf("report %+v", rep)
	}
	c, _ := rep.Result(CytonDaisy)
	if c.Sent != "v, s" || !strings.Contains(c.Evidence, "Firmware: v3.1.2") {
		t.Errorf("cyton result %+v", c)
	}
	if b, _ := rep.Result(BITalino); b.Sent != "0x07" || b.Answered {
		t.Errorf("bitalino result %+v", b)
	}
}

// TestProbeCytonStreaming: a board already streaming is recognised by ear
// and gets no command.
func TestProbeCytonStreaming(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	var counter byte
	dev := startDevice(t, pipe.B, nil, func() []byte {
		var out []byte
		for range 3 {
			pk := make([]byte, 33)
			pk[0], pk[1], pk[32] = 0xA0, counter, 0xC0
			counter++
			out = append(out, pk...)
		}
		return out
	})
	dev.streaming(t)
	rep := mustProbe(t, pipe.A, []string{Cyton, BITalino}, patient(true, false, false))
	checkAnswered(t, rep, Cyton)
	if rep.Suggested != Cyton || len(rep.Results) != 2 {
		t.Errorf("report %+v", rep)
	}
	if g := dev.got(); g != "" {
		t.Errorf("device received %q", g)
	}
}

func TestProbeBITalino(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	dev := startDevice(t, pipe.B, func(b byte) []byte {
		if b == 0x07 {
			return []byte("\x00\x12BITalino_v5.1\n")
		}
		return nil
	}, nil)
	rep := mustProbe(t, pipe.A, nil, patient(false, true, false))
	checkAnswered(t, rep, BITalino)
	b, _ := rep.Result(BITalino)
	if rep.Suggested != BITalino || b.Evidence != "version BITalino_v5.1" {
		t.Errorf("report %+v", rep)
	}
	if g := dev.got(); g != "\x07" {
		t.Errorf("device received %q, want only 0x07 (no `v`, which would start a BITalino)", g)
	}
}

func TestProbeASCII(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	n := 0
	dev := startDevice(t, pipe.B, nil, func() []byte {
		n++
		if n == 1 {
			return []byte("MyoWare Single Sensor Example 01\r\n")
		}
		return []byte("512,498\r\n")
	})
	dev.streaming(t)
	rep := mustProbe(t, pipe.A, nil, patient(true, false, false))
	checkAnswered(t, rep, ASCII)
	a, _ := rep.Result(ASCII)
	if rep.Suggested != ASCII || !strings.Contains(a.Evidence, `2 number(s), e.g. "512,498"`) {
		t.Errorf("report %+v", rep)
	}
	if g := dev.got(); g != "" {
		t.Errorf("device received %q", g)
	}
}

func TestProbeP2(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	var counter byte
	dev := startDevice(t, pipe.B, nil, func() []byte {
		var out []byte
		for range 3 {
			pk := make([]byte, p2Size)
			pk[0], pk[1], pk[2], pk[3] = 0xA5, 0x5A, 2, counter
			pk[4], pk[5] = 0x02, 0x00
			counter++
			out = append(out, pk...)
		}
		return out
	})
	dev.streaming(t)
	rep := mustProbe(t, pipe.A, nil, patient(true, false, false))
	checkAnswered(t, rep, P2)
	if rep.Suggested != P2 {
		t.Errorf("report %+v", rep)
	}
	if g := dev.got(); g != "" {
		t.Errorf("device received %q", g)
	}
}

// TestProbeSilent: a port that never answers gets exactly the two queries,
// BITalino's first, and nothing that starts a stream.
func TestProbeSilent(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	dev := startDevice(t, pipe.B, nil, nil)
	rep := mustProbe(t, pipe.A, nil, fast)
	checkAnswered(t, rep)
	if rep.Suggested != "" {
		t.Errorf("suggested %q", rep.Suggested)
	}
	for _, r := range rep.Results {
		if r.Evidence == "" {
			t.Errorf("%s: no evidence", r.Protocol)
		}
	}
	dev.close() // everything sent has arrived once Probe returned and the reader stopped
	if g := dev.got(); g != "\x07v" {
		t.Errorf("device received %q, want 0x07 then v", g)
	}
}

func TestProbeBoardOff(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	startDevice(t, pipe.B, func(b byte) []byte {
		if b == 'v' {
			return []byte("Failure: Communications timeout - Device failed to poll Host$$$")
		}
		return nil
	}, nil)
	rep := mustProbe(t, pipe.A, []string{CytonDaisy}, patient(false, false, true))
	c, ok := rep.Result(Cyton)
	if !ok || c.Answered || !strings.Contains(c.Evidence, "board seems off") || rep.Suggested != "" {
		t.Errorf("report %+v", rep)
	}
}

// TestProbeNoise: unrecognised data means another device: no queries.
func TestProbeNoise(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	rng := rand.New(rand.NewPCG(1, 1))
	dev := startDevice(t, pipe.B, nil, func() []byte {
		b := make([]byte, 40)
		for i := range b {
			b[i] = byte(rng.UintN(256)) | 0x80 // never '\n', never A0 C0 packets in a row
		}
		return b
	})
	dev.streaming(t)
	rep := mustProbe(t, pipe.A, nil, patient(true, false, false))
	checkAnswered(t, rep)
	if g := dev.got(); g != "" {
		t.Errorf("device received %q", g)
	}
	if c, _ := rep.Result(Cyton); !strings.Contains(c.Evidence, "not queried") {
		t.Errorf("cyton %+v", c)
	}
}

func TestProbeErrors(t *testing.T) {
	t.Parallel()
	_, err := Probe(context.Background(), "/dev/does-not-exist-probe", nil, fast)
	if !errors.Is(err, serialport.ErrNotFound) {
		t.Errorf("missing port: %v", err)
	}
	if _, err := Probe(context.Background(), "/dev/null", []string{"ganglion"}, fast); err == nil || !strings.Contains(err.Error(), "unknown protocol") {
		t.Errorf("unknown protocol: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	open := func(string, int) (Conn, error) { return nopPort{}, nil }
	if _, err := Probe(ctx, "x", nil, Options{Open: open}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	broken := func(string, int) (Conn, error) { return brokenPort{}, nil }
	if _, err := Probe(context.Background(), "x", nil, Options{Open: broken}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("failing port: %v", err)
	}
}

type nopPort struct{}

func (nopPort) Read(p []byte) (int, error)  { return 0, nil }
func (nopPort) Write(p []byte) (int, error) { return len(p), nil }
func (nopPort) Close() error                { return nil }
func (nopPort) SetMode(*serial.Mode) error  { return nil }

type brokenPort struct{ nopPort }

func (brokenPort) Read(p []byte) (int, error) { return 0, io.ErrUnexpectedEOF }
