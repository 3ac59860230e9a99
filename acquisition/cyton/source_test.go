package cyton

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/linktest"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
)

// testGen is a deterministic 8-channel signal: a sine per channel plus
// Gaussian noise; channel 8 swings past full scale to exercise clamping.
type testGen struct {
	n   int
	rng *rand.Rand
}

func newTestGen() *testGen { return &testGen{rng: rand.New(rand.NewPCG(1, 1))} }

func (g *testGen) Next(dst []float64) {
	t := float64(g.n) / 250
	for c := range dst {
		dst[c] = 50*float64(c+1)*math.Sin(2*math.Pi*float64(c+3)*t) + 10*g.rng.NormFloat64()
	}
	dst[7] = 250000 * math.Sin(2*math.Pi*t)
	g.n++
}

type emuResult struct {
	sent int
	err  error
}

// emulate runs RunEmulator on path and returns its result channel and a
// function that stops it; the port is closed when the emulator returns.
func emulate(t *testing.T, path string, cfg EmulatorConfig) (<-chan emuResult, context.CancelFunc) {
	t.Helper()
	port, err := serialport.Open(path, 115200)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan emuResult, 1)
	go func() {
		n, err := RunEmulator(ctx, port, cfg)
		port.Close()
		res <- emuResult{n, err}
	}()
	t.Cleanup(cancel)
	return res, cancel
}

// parseDump reads the emulator's CSV into runs of samples (a run restarts
// at sample 0 on every `b`).
func parseDump(t *testing.T, dump []byte) [][][8]int32 {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(dump))
	if !sc.Scan() || sc.Text() != "sample,ch1,ch2,ch3,ch4,ch5,ch6,ch7,ch8" {
		t.Fatalf("dump header %q", sc.Text())
	}
	var runs [][][8]int32
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) != 9 {
			t.Fatalf("dump line %q", sc.Text())
		}
		idx, _ := strconv.Atoi(f[0])
		if idx == 0 {
			runs = append(runs, nil)
		}
		if len(runs) == 0 || idx != len(runs[len(runs)-1]) {
			t.Fatalf("dump sample %d out of order", idx)
		}
		var s [8]int32
		for c := range s {
			v, err := strconv.Atoi(f[c+1])
			if err != nil {
				t.Fatal(err)
			}
			s[c] = int32(v)
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], s)
	}
	return runs
}

// readBlock calls ReadBlock with a watchdog that closes src after timeout.
func readBlock(t *testing.T, src *Source, b *acquisition.Block, timeout time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- src.ReadBlock(b) }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		src.Close()
		<-done
		t.Fatalf("ReadBlock did not return within %v", timeout)
		return nil
	}
}

// sample returns the counts of sample i of block b.
func sample(b *acquisition.Block, i int) (s [8]int32) {
	for c := range s {
		s[c] = b.Raw[c*b.Cap+i]
	}
	return s
}

func TestStreamClean(t *testing.T) {
	if testing.Short() {
		t.Skip("streams for 10 s")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	t0 := time.Now() // the emulator starts streaming later, when `b` arrives
	emu, _ := emulate(t, pipe.A, EmulatorConfig{Generator: newTestGen(), Seconds: 10, Dump: &dump})
	src, err := Open(Config{Port: pipe.B, Labels: []string{"FDS", "EDC", "FCU", "ECU", "FCR", "ECR", "BB", "TB"}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if !strings.HasPrefix(src.Banner(), "OpenBCI V3") || !strings.HasSuffix(src.Banner(), "$$$") {
		t.Errorf("banner %q", src.Banner())
	}
	info := src.Info()
	if info.Channels != 8 || info.SampleRateHz != 250 || info.Labels[1] != "EDC" || info.ScaleUV[0] != ScaleUV(24) {
		t.Errorf("info %+v", info)
	}

	const total, blockLen = 2500, 25
	got := make([][8]int32, 0, total)
	b := acquisition.NewBlock(8, blockLen)
	var last time.Time
	partial := 0
	for len(got) < total {
		if err := readBlock(t, src, b, 5*time.Second); err != nil {
			t.Fatalf("after %d samples: %v", len(got), err)
		}
		// Blocks are contiguous from index 0. A block may be short: a read
		// timeout with nothing new ends it early (the emulator delayed by
		// a busy machine looks like a stream that stopped), and the rest
		// comes in the next block.
		if b.Start != uint64(len(got)) || b.Len < 1 || b.Len > blockLen {
			t.Fatalf("block Start %d Len %d after %d samples", b.Start, b.Len, len(got))
		}
		if b.Len < blockLen {
			partial++
		}
		if b.Received.Before(last) {
			t.Fatalf("Received went back in time")
		}
		last = b.Received
		// Paced against the wall clock: sample i leaves the emulator
		// (i+1)/250 s after `b`, so no block arrives before its last
		// sample was sent (a busy machine can only make it later).
		if due := t0.Add(time.Duration(b.End()) * 4 * time.Millisecond); b.Received.Before(due) {
			t.Fatalf("samples %d–%d received %v before the emulator sent the last", b.Start, b.End()-1, due.Sub(b.Received))
		}
		for i := range b.Len {
			s := sample(b, i)
			for c := range 8 {
				if uv := b.Data[c*b.Cap+i]; uv != float64(s[c])*ScaleUV(24) {
					t.Fatalf("sample %d ch %d: %v µV for %d counts", b.Start+uint64(i), c, uv, s[c])
				}
			}
			got = append(got, s)
		}
	}
	r := <-emu
	if r.err != nil || r.sent != total {
		t.Fatalf("emulator sent %d, %v; want %d", r.sent, r.err, total)
	}
	t.Logf("%d short blocks (idle reads)", partial)
	runs := parseDump(t, dump.Bytes())
	if len(runs) != 1 || len(runs[0]) != total {
		t.Fatalf("dump has %d runs", len(runs))
	}
	clamped := 0
	for i, s := range runs[0] {
		if got[i] != s {
			t.Fatalf("sample %d = %v, emulator sent %v", i, got[i], s)
		}
		if s[7] == MaxCount || s[7] == MinCount {
			clamped++
		}
	}
	if clamped == 0 {
		t.Error("channel 8 never clamped to 24 bits")
	}
	if st := src.Stats(); st.Samples != total || st.Lost != 0 || st.CorruptPackets != 0 || st.SkippedBytes != 0 {
		t.Errorf("stats %+v", st)
	}

	// The stream is over: a pending ReadBlock returns ErrClosed on Close.
	done := make(chan error, 1)
	go func() { done <- src.ReadBlock(b) }()
	if err := src.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, acquisition.ErrClosed) {
			t.Errorf("ReadBlock after Close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock ReadBlock")
	}
	if err := src.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStreamCorrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("streams for 8 s")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	var mu sync.Mutex
	flips := map[uint64][]int{} // sample → corrupted byte offsets
	emu := linktest.Emulate(t, pipe.A, 115200, func(ctx context.Context, port io.ReadWriter) (int, error) {
		return RunEmulator(ctx, port, EmulatorConfig{
			Generator: newTestGen(), Seconds: 8, Corrupt: 0.01, Seed: 7, Dump: &dump,
			OnCorrupt: func(s uint64, off int) { mu.Lock(); flips[s] = append(flips[s], off); mu.Unlock() },
		})
	})
	src, err := Open(Config{Port: pipe.B})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	// One sample per block, until the stream is over (linktest.Collect).
	type delivered struct {
		idx uint64
		s   [8]int32
	}
	var got []delivered
	all, r := linktest.Collect(t, src, emu)
	for _, d := range all {
		got = append(got, delivered{d.Idx, [8]int32(d.Counts)})
	}
	if r.Err != nil || r.Sent != 2000 {
		t.Fatalf("emulator: %d, %v", r.Sent, r.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	runs := parseDump(t, dump.Bytes())
	sent := runs[0]
	framing := func(i uint64) bool { // a flip the decoder can see
		for _, off := range flips[i] {
			if off == 0 || off == 1 || off == PacketSize-1 {
				return true
			}
		}
		return false
	}
	undetectable := 0
	for k, d := range got {
		if k > 0 && d.idx <= got[k-1].idx {
			t.Fatalf("index %d after %d", d.idx, got[k-1].idx)
		}
		if d.idx >= uint64(len(sent)) {
			t.Fatalf("delivered index %d, only %d sent", d.idx, len(sent))
		}
		want := sent[d.idx]
		if d.s == want {
			continue
		}
		// The Cyton has no checksum: a flipped data byte cannot be seen.
		// It must be the only difference.
		bad := [8]bool{}
		for _, off := range flips[d.idx] {
			if off >= 2 && off < 26 {
				bad[(off-2)/3] = true
			}
		}
		for c := range 8 {
			if d.s[c] != want[c] && !bad[c] {
				t.Fatalf("sample %d ch %d = %d, sent %d, and no byte of it was corrupted (flips at %v)",
					d.idx, c+1, d.s[c], want[c], flips[d.idx])
			}
		}
		undetectable++
	}
	// Every sample up to the last delivered is delivered or counted lost,
	// and losses only happen next to a visible corruption.
	st := src.Stats()
	end := got[len(got)-1].idx + 1
	if st.Samples != uint64(len(got)) || st.Samples+st.Lost != end {
		t.Fatalf("delivered %d + lost %d != %d samples up to the last delivered", st.Samples, st.Lost, end)
	}
	var prev uint64
	for k, d := range append(got, delivered{idx: uint64(len(sent))}) {
		if k > 0 {
			prev = got[k-1].idx + 1
		}
		if d.idx == prev {
			continue
		}
		seen := false
		for i := prev; i <= d.idx && i < uint64(len(sent)); i++ {
			seen = seen || framing(i)
		}
		if !seen {
			t.Errorf("samples %d–%d lost without a corrupted header, counter or footer nearby", prev, d.idx-1)
		}
	}
	if st.CorruptPackets == 0 || st.SkippedBytes == 0 {
		t.Errorf("no corruption counted: %+v", st)
	}
	t.Logf("sent %d, delivered %d (%d with an undetectable data-byte flip), lost %d, tail %d, corrupt packets %d, skipped bytes %d",
		len(sent), st.Samples, undetectable, st.Lost, uint64(len(sent))-end, st.CorruptPackets, st.SkippedBytes)
}

func TestCablePull(t *testing.T) {
	if testing.Short() {
		t.Skip("streams over a pty")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	emu, _ := emulate(t, pipe.A, EmulatorConfig{Generator: newTestGen(), Dump: &dump})
	src, err := Open(Config{Port: pipe.B})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	b := acquisition.NewBlock(8, 25)
	var got [][8]int32
	for len(got) < 250 {
		if err := readBlock(t, src, b, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		for i := range b.Len {
			got = append(got, sample(b, i))
		}
	}
	// After the pull, ReadBlock delivers what was already buffered, then
	// the error; each call returns (readBlock's watchdog), so the pull is
	// noticed without waiting for anything more from the device.
	pipe.Kill()
	for {
		err := readBlock(t, src, b, 5*time.Second)
		if err != nil {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("after the cable pull: %v, want io.ErrUnexpectedEOF", err)
			}
			if !strings.Contains(err.Error(), pipe.B) {
				t.Errorf("error %q does not name the port", err)
			}
			break
		}
		if b.Start != uint64(len(got)) {
			t.Fatalf("block Start %d after %d samples", b.Start, len(got))
		}
		for i := range b.Len {
			got = append(got, sample(b, i))
		}
	}
	if err := src.ReadBlock(b); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadBlock after the pull again: %v", err)
	}
	r := <-emu
	if r.err == nil {
		t.Error("emulator did not notice the pull")
	}
	sent := parseDump(t, dump.Bytes())[0]
	for i, s := range got {
		if s != sent[i] {
			t.Fatalf("sample %d = %v, sent %v", i, s, sent[i])
		}
	}
}

func TestReopen(t *testing.T) {
	if testing.Short() {
		t.Skip("streams over a pty")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	emu, stop := emulate(t, pipe.A, EmulatorConfig{Generator: newTestGen(), Dump: &dump})
	var got [][][8]int32
	for range 2 {
		src, err := Open(Config{Port: pipe.B})
		if err != nil {
			t.Fatal(err)
		}
		// The first 50 samples of a new Source count from index 0 (they
		// may come in more than one block: see TestStreamClean).
		b := acquisition.NewBlock(8, 50)
		var run [][8]int32
		for len(run) < 50 {
			if err := readBlock(t, src, b, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			if b.Start != uint64(len(run)) {
				t.Fatalf("block of a new Source: Start %d Len %d after %d samples", b.Start, b.Len, len(run))
			}
			for i := range b.Len {
				run = append(run, sample(b, i))
			}
		}
		got = append(got, run)
		if err := src.Close(); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	if r := <-emu; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("emulator: %v", r.err)
	}
	runs := parseDump(t, dump.Bytes())
	if len(runs) != 2 {
		t.Fatalf("emulator streamed %d times, want 2", len(runs))
	}
	for k := range got {
		for i, s := range got[k] {
			if s != runs[k][i] {
				t.Fatalf("open %d sample %d = %v, sent %v", k+1, i, s, runs[k][i])
			}
		}
	}
}

func TestGains(t *testing.T) {
	if testing.Short() {
		t.Skip("streams over a pty")
	}
	pipe := ptytest.Pair(t)
	_, _ = emulate(t, pipe.A, EmulatorConfig{Generator: newTestGen(), Seconds: 1})
	gains := []int{8, 24, 1, 2, 4, 6, 12, 24}
	src, err := Open(Config{Port: pipe.B, Gains: gains})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	b := acquisition.NewBlock(8, 100)
	if err := readBlock(t, src, b, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	want := newTestGen()
	uv := make([]float64, 8)
	for i := range b.Len {
		want.Next(uv)
		for c := range 7 { // channel 8 is clamped
			scale := ScaleUV(gains[c])
			if src.Info().ScaleUV[c] != scale {
				t.Fatalf("ScaleUV[%d] = %v, want %v", c, src.Info().ScaleUV[c], scale)
			}
			if d := math.Abs(b.Data[c*b.Cap+i] - uv[c]); d > scale/2+1e-9 {
				t.Fatalf("sample %d ch %d = %v µV, generator %v µV (gain %d)", i, c+1, b.Data[c*b.Cap+i], uv[c], gains[c])
			}
		}
	}
}

// TestReadBlockNoAllocs: the steady-state read path does not allocate
// (go-serial's Read included).
func TestReadBlockNoAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("streams over a pty")
	}
	pipe := ptytest.Pair(t)
	_, _ = emulate(t, pipe.A, EmulatorConfig{Generator: newTestGen(), Seconds: 1})
	src, err := Open(Config{Port: pipe.B})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	small := acquisition.NewBlock(8, 10)
	if err := readBlock(t, src, small, 5*time.Second); err != nil { // start-up
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(10, func() {
		if err := src.ReadBlock(small); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("ReadBlock allocates %v times per block", a)
	}
}

func TestSampleRateTooFastForLink(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	_, _ = emulate(t, pipe.A, EmulatorConfig{Generator: newTestGen(), Seconds: 1})
	// 500 packets/s × 33 bytes × 10 bits needs 165 000 baud.
	src, err := Open(Config{Port: pipe.B, SampleRateHz: 500})
	if err == nil {
		src.Close()
		t.Fatal("500 Hz accepted over 115200 baud")
	}
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("error %v", err)
	}
}

func TestNoAnswer(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	silent, err := serialport.Open(pipe.A, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	start := time.Now()
	src, err := Open(Config{Port: pipe.B, BannerTimeout: 300 * time.Millisecond})
	if err == nil {
		src.Close()
		t.Fatal("Open succeeded with nobody answering")
	}
	// It waited the BannerTimeout given, not the default 3 s: the message
	// names it, and it did not give up early.
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("gave up after %v, before the 0.3 s timeout", d)
	}
	want := "no OpenBCI Cyton answered on " + pipe.B + " within 0.3 s (is it switched on, is this the right port?)"
	if !errors.Is(err, ErrNoAnswer) || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	// The port was released: it opens again.
	p, err := serialport.Open(pipe.B, 115200)
	if err != nil {
		t.Fatalf("port not released: %v", err)
	}
	p.Close()
}

func TestBoardOff(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	dongle, err := serialport.Open(pipe.A, 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer dongle.Close()
	go answerOnce(dongle, 'v', "Failure: Communications timeout - Device failed to poll Host$$$")
	_, err = Open(Config{Port: pipe.B, BannerTimeout: 2 * time.Second})
	if !errors.Is(err, ErrBoardOff) || !strings.Contains(err.Error(), "switched on") {
		t.Errorf("error %v", err)
	}
}

// answerOnce replies to the first occurrence of cmd on port.
func answerOnce(port serial.Port, cmd byte, reply string) {
	buf := make([]byte, 16)
	for {
		n, err := port.Read(buf)
		if err != nil {
			return
		}
		if bytes.IndexByte(buf[:n], cmd) >= 0 {
			port.Write([]byte(reply))
			return
		}
	}
}

func TestPortDoesNotExist(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ttyUSB7")
	_, err := Open(Config{Port: path})
	if !errors.Is(err, serialport.ErrNotFound) || !strings.Contains(err.Error(), path+" does not exist") {
		t.Errorf("error %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"labels", Config{Labels: []string{"a"}}, "labels"},
		{"gains length", Config{Gains: []int{24}}, "gains"},
		{"gain value", Config{Gains: []int{24, 24, 3, 24, 24, 24, 24, 24}}, "gain 3"},
		{"rate", Config{SampleRateHz: 300}, "300 Hz"},
	} {
		t.Run(test.name, func(t *testing.T) {
			test.cfg.Port = "/nonexistent/port"
			_, err := Open(test.cfg)
			if err == nil || !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %v, want one about %s", err, test.want)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	for _, g := range []int{1, 2, 4, 6, 8, 12, 24} {
		for ch := 1; ch <= 8; ch++ {
			cmd, err := ChannelSettingsCommand(ch, g)
			if err != nil {
				t.Fatal(err)
			}
			gotCh, gotG, ok := ParseChannelSettings(cmd)
			if !ok || gotCh != ch || gotG != g {
				t.Errorf("%q parses to %d, %d, %v", cmd, gotCh, gotG, ok)
			}
		}
	}
	if cmd, _ := ChannelSettingsCommand(3, 24); string(cmd) != "x3060110X" {
		t.Errorf("channel 3 gain 24 = %q, want x3060110X (PROTOCOLS.md 1.2)", cmd)
	}
	if _, err := ChannelSettingsCommand(9, 24); err == nil {
		t.Error("channel 9 accepted")
	}
	if _, err := ChannelSettingsCommand(1, 3); err == nil {
		t.Error("gain 3 accepted")
	}
	for code, hz := range map[byte]int{'0': 16000, '4': 1000, '5': 500, '6': 250} {
		if got, ok := SampleRateFromCode(code); !ok || got != hz {
			t.Errorf("~%c = %d Hz, want %d", code, got, hz)
		}
		if got, ok := SampleRateCode(hz); !ok || got != code {
			t.Errorf("SampleRateCode(%d) = %c", hz, got)
		}
	}
	if seconds(3*time.Second) != "3 s" {
		t.Errorf("seconds(3 s) = %q", seconds(3*time.Second))
	}
}
