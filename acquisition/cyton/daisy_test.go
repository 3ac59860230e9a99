package cyton

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/internal/link"
	"myorehab/acquisition/internal/linktest"
	"myorehab/acquisition/serialport/ptytest"
)

// refPairs pairs the reference decoder's packets the slow way.
func refPairs(p []byte, atEOF bool) (samples [][16]int32, seqs []uint32) {
	pks, _, _, _ := refDecode(p, atEOF)
	for i := 0; i+1 < len(pks); i++ {
		if pks[i].Counter%2 == 1 && pks[i+1].Counter == pks[i].Counter+1 {
			var s [16]int32
			copy(s[:8], pks[i].Counts[:])
			copy(s[8:], pks[i+1].Counts[:])
			samples = append(samples, s)
			seqs = append(seqs, uint32(pks[i].Counter-1)/2)
			i++
		}
	}
	return samples, seqs
}

func checkDaisyReference(t *testing.T, p []byte, atEOF bool) {
	t.Helper()
	want, seqs := refPairs(p, atEOF)
	var d DaisyDecoder
	fr := make([]link.Frame, len(p)/PacketSize+1)
	n, used := d.DecodeFrames(fr, p, atEOF)
	if used > len(p) || n != len(want) {
		t.Fatalf("DecodeFrames = %d pairs, %d of %d bytes; reference %d pairs", n, used, len(p), len(want))
	}
	for i := range n {
		var got [16]int32
		copy(got[:], fr[i].Counts[:16])
		if got != want[i] || fr[i].Seq != seqs[i] {
			t.Fatalf("pair %d = %v seq %d, reference %v seq %d", i, got, fr[i].Seq, want[i], seqs[i])
		}
	}
}

func TestDaisyDecodeGolden(t *testing.T) {
	t.Parallel()
	var zero [8]uint32
	hi := [8]uint32{0x000002, 0xFFFFFE, 0x7FFFFF, 0x800000, 0, 0, 0, 0x0186A0}
	p := cat(
		rawPacket(0, zero, 0xC0),    // the invalid first packet
		rawPacket(1, golden, 0xC0),  // ch 1–8 of sample 0
		rawPacket(2, hi, 0xC1),      // ch 9–16 of sample 0
		rawPacket(7, golden, 0xC0),  // odd packet whose partner is lost
		rawPacket(9, hi, 0xC0),      // sample 4 …
		rawPacket(10, golden, 0xC0), // … with ch 9–16 = golden
		rawPacket(255, hi, 0xC0),    // sample 127 wraps the counter
		rawPacket(0, hi, 0xC0),
	)
	var d DaisyDecoder
	dst := make([]int32, 16*8)
	s, used := d.Decode(dst, p)
	if s != 3 || used != len(p) || d.Unpaired != 2 {
		t.Fatalf("Decode = %d samples, %d bytes, %d unpaired; want 3, %d, 2", s, used, d.Unpaired, len(p))
	}
	hiCounts := [8]int32{2, -2, 8388607, -8388608, 0, 0, 0, 100000}
	for k, want := range [][2][8]int32{{goldenCounts, hiCounts}, {hiCounts, goldenCounts}, {hiCounts, hiCounts}} {
		for c := range 16 {
			if dst[16*k+c] != want[c/8][c%8] {
				t.Fatalf("sample %d ch %d = %d, want %d", k, c+1, dst[16*k+c], want[c/8][c%8])
			}
		}
	}
	var fd DaisyDecoder
	fr := make([]link.Frame, 8)
	n, _ := fd.DecodeFrames(fr, p, true)
	if n != 3 || fr[0].Seq != 0 || fr[1].Seq != 4 || fr[2].Seq != 127 {
		t.Errorf("pair sequence numbers %d %d %d (n %d), want 0 4 127", fr[0].Seq, fr[1].Seq, fr[2].Seq, n)
	}
	checkDaisyReference(t, p, true)
}

func daisyStream(n int, rng *rand.Rand) []byte {
	var p []byte
	for i := range 2 * n {
		pk := Packet{Counter: uint8(i), Footer: FooterMin}
		for c := range pk.Counts {
			pk.Counts[c] = int32(rng.IntN(1<<24)) - 1<<23
		}
		p = AppendPacket(p, &pk)
	}
	return p
}

func TestDaisyDecodeRandomCorruption(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100 {
		p := daisyStream(10, rng)
		for i := range p {
			if rng.Float64() < 0.005 {
				p[i] ^= byte(1 + rng.IntN(255))
			}
		}
		checkDaisyReference(t, p, rng.IntN(2) == 0)
	}
}

func FuzzDaisyDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 1))
	f.Add(daisyStream(3, rng), true)
	f.Add(cat(rawPacket(1, golden, 0xC0), rawPacket(2, golden, 0xC0)), false)
	f.Fuzz(func(t *testing.T, p []byte, atEOF bool) {
		checkDaisyReference(t, p, atEOF)
		var d DaisyDecoder
		dst := make([]int32, 16*(len(p)/PacketSize+1))
		s, used := d.Decode(dst, p)
		if used > len(p) || 2*s*PacketSize > used {
			t.Fatalf("Decode = %d samples, %d of %d bytes", s, used, len(p))
		}
		if len(p) >= PacketSize && used == 0 {
			t.Fatalf("no progress on %d bytes", len(p))
		}
	})
}

func TestDaisyDecodeNoAllocs(t *testing.T) {
	p := daisyStream(50, rand.New(rand.NewPCG(1, 1)))
	var d DaisyDecoder
	dst := make([]int32, 16*50)
	if a := testing.AllocsPerRun(100, func() { d.Decode(dst, p) }); a != 0 {
		t.Errorf("Decode allocates %g times", a)
	}
}

// BenchmarkDaisyDecode: the line carries 11.52 kB/s, so 100× is 1.15 MB/s.
func BenchmarkDaisyDecode(b *testing.B) {
	p := daisyStream(500, rand.New(rand.NewPCG(1, 1)))
	var d DaisyDecoder
	dst := make([]int32, 16*500)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(dst, p)
	}
}

func TestGainTracker(t *testing.T) {
	t.Parallel()
	g := NewGainTracker()
	var done []int
	// Two concatenated commands split across calls, a bad one, then `d`.
	g.Observe([]byte("x1040110Xx"), func(ch int) { done = append(done, ch) })
	g.Observe([]byte("Q020110X"), func(ch int) { done = append(done, ch) })
	g.Observe([]byte("xZ060110X"), func(ch int) { done = append(done, ch) })
	if g.Gain(1) != 8 || g.Gain(9) != 4 || g.Gain(2) != 24 || len(done) != 3 || done[0] != 1 || done[1] != 9 || done[2] != 0 {
		t.Fatalf("gains 1:%d 9:%d 2:%d, done %v", g.Gain(1), g.Gain(9), g.Gain(2), done)
	}
	g.Observe([]byte("d"), nil)
	if g.Gain(1) != 24 || g.Gain(9) != 24 {
		t.Errorf("after d: %d %d", g.Gain(1), g.Gain(9))
	}
	for ch := 1; ch <= 16; ch++ {
		cmd, err := DaisyChannelSettingsCommand(ch, 2)
		if err != nil {
			t.Fatal(err)
		}
		g.Observe(cmd, nil)
		if g.Gain(ch) != 2 {
			t.Errorf("channel %d gain %d after %q", ch, g.Gain(ch), cmd)
		}
	}
	if _, err := DaisyChannelSettingsCommand(17, 24); err == nil {
		t.Error("channel 17 accepted")
	}
}

func runDaisy(cfg DaisyEmulatorConfig) func(context.Context, io.ReadWriter) (int, error) {
	return func(ctx context.Context, port io.ReadWriter) (int, error) { return RunDaisyEmulator(ctx, port, cfg) }
}

func TestDaisyStreamClean(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 5 s over a pty")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	emu := linktest.Emulate(t, pipe.A, 115200, runDaisy(DaisyEmulatorConfig{
		Generator: linktest.NewGen(60000, 125), Seconds: 5, Dump: &dump}))
	gains := make([]int, 16)
	for c := range gains {
		gains[c] = 24
	}
	gains[2], gains[11] = 1, 4
	src, err := OpenDaisy(Config{Port: pipe.B, Gains: gains})
	if err != nil {
		t.Fatal(err)
	}
	info := src.Info()
	if info.Channels != 16 || info.SampleRateHz != 125 || info.ScaleUV[2] != ScaleUV(1) || info.ScaleUV[11] != ScaleUV(4) || info.ScaleUV[0] != ScaleUV(24) {
		t.Fatalf("info %+v", info)
	}
	got, r := linktest.Collect(t, src, emu)
	if r.Err != nil || r.Sent != 625 {
		t.Fatalf("emulator: %d, %v", r.Sent, r.Err)
	}
	sent := linktest.ParseDump(t, dump.Bytes(), 16)[0]
	if len(got) != len(sent) {
		t.Fatalf("delivered %d, sent %d", len(got), len(sent))
	}
	for i, d := range got {
		if d.Idx != uint64(i) || !linktest.Equal(d.Counts, sent[i]) {
			t.Fatalf("sample %d: index %d counts %v, sent %v", i, d.Idx, d.Counts, sent[i])
		}
		for c := range 16 {
			if math.Abs(d.UV[c]-float64(d.Counts[c])*info.ScaleUV[c]) > 1e-9 {
				t.Fatal("µV mismatch")
			}
		}
	}
	if st := src.Stats(); st.Lost != 0 || st.CorruptPackets != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestDaisyStreamCorrupt: with 1% of bytes replaced, every delivered
// 16-channel sample equals what was sent except in channels whose own
// bytes were flipped (the Cyton has no checksum), and every sample up to
// the last delivered is delivered or counted lost.
func TestDaisyStreamCorrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("streams over a pty")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	var flips linktest.Flips
	emu := linktest.Emulate(t, pipe.A, 115200, runDaisy(DaisyEmulatorConfig{
		Generator: linktest.NewGen(60000, 125), Seconds: 5, Corrupt: 0.01, Seed: 5, Dump: &dump, OnCorrupt: flips.Add}))
	src, err := OpenDaisy(Config{Port: pipe.B})
	if err != nil {
		t.Fatal(err)
	}
	got, r := linktest.Collect(t, src, emu)
	if r.Err != nil || r.Sent != 625 {
		t.Fatalf("emulator: %d, %v", r.Sent, r.Err)
	}
	sent := linktest.ParseDump(t, dump.Bytes(), 16)[0]
	undetectable := 0
	for k, d := range got {
		if k > 0 && d.Idx <= got[k-1].Idx {
			t.Fatalf("index %d after %d", d.Idx, got[k-1].Idx)
		}
		if d.Idx >= uint64(len(sent)) {
			t.Fatalf("index %d, only %d sent", d.Idx, len(sent))
		}
		want := sent[d.Idx]
		if linktest.Equal(d.Counts, want) {
			continue
		}
		bad := [16]bool{}
		for _, off := range flips.Of(d.Idx) {
			if d.Idx == 0 {
				off -= PacketSize
			}
			if o := off % PacketSize; off >= 0 && o >= 2 && o < 26 {
				bad[off/PacketSize*8+(o-2)/3] = true
			}
		}
		for c := range 16 {
			if d.Counts[c] != want[c] && !bad[c] {
				t.Fatalf("sample %d ch %d = %d, sent %d, and no byte of it was corrupted (flips %v)", d.Idx, c+1, d.Counts[c], want[c], flips.Of(d.Idx))
			}
		}
		undetectable++
	}
	st := src.Stats()
	end := got[len(got)-1].Idx + 1
	if st.Samples != uint64(len(got)) || st.Samples+st.Lost != end {
		t.Fatalf("delivered %d + lost %d != %d", st.Samples, st.Lost, end)
	}
	if st.CorruptPackets == 0 || st.Lost == 0 {
		t.Errorf("no corruption counted: %+v", st)
	}
	t.Logf("sent %d, delivered %d (%d with an undetectable data-byte flip), lost %d, corrupt %d", len(sent), st.Samples, undetectable, st.Lost, st.CorruptPackets)
}

func TestDaisyNotFitted(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	// The 8-channel emulator answers `C` with nothing useful: no `$$$`
	// reply at all, so this is "stopped answering" or "no Daisy".
	linktest.Emulate(t, pipe.A, 115200, func(ctx context.Context, port io.ReadWriter) (int, error) {
		return RunEmulator(ctx, port, EmulatorConfig{Generator: linktest.NewGen(100, 250)})
	})
	_, err := OpenDaisy(Config{Port: pipe.B, ReplyTimeout: 300 * time.Millisecond})
	if err == nil || !(errors.Is(err, ErrNoDaisy) || errors.Is(err, ErrNoAnswer)) || !strings.Contains(err.Error(), pipe.B) {
		t.Fatalf("OpenDaisy on an 8-channel board: %v", err)
	}
}
