package bitalino

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/internal/linktest"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/serialport/ptytest"
)

func runEmu(cfg EmulatorConfig) func(context.Context, io.ReadWriter) (int, error) {
	return func(ctx context.Context, port io.ReadWriter) (int, error) { return RunEmulator(ctx, port, cfg) }
}

func TestStream(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 5 s over a pty")
	}
	t.Parallel()
	for _, test := range []struct {
		name   string
		inputs []int
		rate   int
		secs   float64
	}{
		{"all six at 1000 Hz for 5 s", nil, 1000, 5},
		{"A2 A5 at 100 Hz", []int{2, 5}, 100, 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			pipe := ptytest.Pair(t)
			var dump bytes.Buffer
			emu := linktest.Emulate(t, pipe.A, Baud, runEmu(EmulatorConfig{
				Generator: linktest.NewGen(600, float64(test.rate)), Seconds: test.secs, Dump: &dump}))
			src, err := Open(Config{Port: pipe.B, Inputs: test.inputs, SampleRateHz: test.rate, CommandDelay: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if src.Version() != strings.TrimSpace(VersionReply) {
				t.Errorf("version %q", src.Version())
			}
			info := src.Info()
			got, r := linktest.Collect(t, src, emu)
			want := int(test.secs * float64(test.rate))
			if r.Err != nil || r.Sent != want {
				t.Fatalf("emulator: %d, %v; want %d", r.Sent, r.Err, want)
			}
			sent := linktest.ParseDump(t, dump.Bytes(), info.Channels)[0]
			if len(got) != len(sent) {
				t.Fatalf("delivered %d, sent %d", len(got), len(sent))
			}
			for i, d := range got {
				if d.Idx != uint64(i) || !linktest.Equal(d.Counts, sent[i]) {
					t.Fatalf("sample %d: index %d counts %v, sent %v", i, d.Idx, d.Counts, sent[i])
				}
				for c := range d.Counts {
					if math.Abs(d.UV[c]-float64(d.Counts[c])*info.ScaleUV[c]) > 1e-9 {
						t.Fatalf("µV mismatch")
					}
				}
			}
			if st := src.Stats(); st.Lost != 0 || st.CorruptPackets != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestStreamCorrupt: with 1% of bytes replaced, every delivered sample is
// what was sent unless a byte of its own frame was corrupted in a way
// CRC-4 cannot see (rare, counted), and every sample up to the last
// delivered is delivered or counted lost.
func TestStreamCorrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("streams over a pty")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	var flips linktest.Flips
	emu := linktest.Emulate(t, pipe.A, Baud, runEmu(EmulatorConfig{
		Generator: linktest.NewGen(600, 1000), Seconds: 5, Corrupt: 0.01, Seed: 7, Dump: &dump, OnCorrupt: flips.Add}))
	src, err := Open(Config{Port: pipe.B, CommandDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	got, r := linktest.Collect(t, src, emu)
	if r.Err != nil || r.Sent != 5000 {
		t.Fatalf("emulator: %d, %v", r.Sent, r.Err)
	}
	sent := linktest.ParseDump(t, dump.Bytes(), 6)[0]
	corruptedFrames := 0
	for i := range sent {
		if len(flips.Of(uint64(i))) > 0 {
			corruptedFrames++
		}
	}
	// A delivered index is only trusted modulo 16 (sequence numbers), so a
	// wrong sample could also be a right one at the wrong index: both count.
	wrong := 0
	for k, d := range got {
		if k > 0 && d.Idx <= got[k-1].Idx {
			t.Fatalf("index %d after %d", d.Idx, got[k-1].Idx)
		}
		if d.Idx >= uint64(len(sent)) {
			t.Fatalf("index %d beyond the %d sent", d.Idx, len(sent))
		}
		if linktest.Equal(d.Counts, sent[d.Idx]) {
			continue
		}
		if len(flips.Of(d.Idx)) == 0 {
			t.Fatalf("sample %d = %v, sent %v, and no byte of its frame was corrupted", d.Idx, d.Counts, sent[d.Idx])
		}
		wrong++
	}
	// CRC-4 misses at most 1 in 8 errors in a frame (bursts of 5 bits;
	// longer ones 1 in 16).
	if wrong > corruptedFrames/8 {
		t.Errorf("%d wrong samples out of %d corrupted frames: more than CRC-4 allows", wrong, corruptedFrames)
	}
	st := src.Stats()
	end := got[len(got)-1].Idx + 1
	if st.Samples != uint64(len(got)) || st.Samples+st.Lost != end {
		t.Fatalf("delivered %d + lost %d != %d", st.Samples, st.Lost, end)
	}
	if st.CorruptPackets == 0 || st.Lost == 0 {
		t.Errorf("no corruption counted: %+v", st)
	}
	t.Logf("sent %d (%d frames corrupted), delivered %d (%d wrong: CRC-4 collisions), lost %d, corrupt %d, skipped %d bytes",
		len(sent), corruptedFrames, st.Samples, wrong, st.Lost, st.CorruptPackets, st.SkippedBytes)
}

func TestNoAnswer(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	_, err := Open(Config{Port: pipe.B, CommandDelay: -1, VersionTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), pipe.B) || !strings.Contains(err.Error(), "switched on") {
		t.Fatalf("Open on a silent port: %v", err)
	}
}

func TestOldFirmware(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	dev, err := serialport.Open(pipe.A, Baud)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	go func() {
		buf := make([]byte, 8)
		for {
			n, err := dev.Read(buf)
			if err != nil {
				return
			}
			if bytes.IndexByte(buf[:n], CmdVersion) >= 0 {
				dev.Write([]byte("\x00garbageBITalino_v4.2\r\n"))
				return
			}
		}
	}()
	_, err = Open(Config{Port: pipe.B, CommandDelay: -1})
	if !errors.Is(err, ErrOldFirmware) || !strings.Contains(err.Error(), "BITalino_v4.2") {
		t.Fatalf("Open on a legacy BITalino: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Port: "x", SampleRateHz: 500},
		{Port: "x", Inputs: []int{3, 2}},
		{Port: "x", Inputs: []int{7}},
		{Port: "x", Inputs: []int{}},
		{Port: "x", Inputs: []int{1}, Labels: []string{"a", "b"}},
	} {
		if _, err := Open(cfg); err == nil || !strings.HasPrefix(err.Error(), "bitalino: ") {
			t.Errorf("Open(%+v) = %v", cfg, err)
		}
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		in    string
		line  string
		major int
	}{
		{"BITalino_v5.2\n", "BITalino_v5.2", 5},
		{"\x12\x34BITalino_v12.0 extra\r\n", "BITalino_v12.0 extra", 12},
		{"BITalino\n", "BITalino", -1},
		{"nothing", "", -1},
	} {
		if line, major := parseVersion([]byte(test.in)); line != test.line || major != test.major {
			t.Errorf("parseVersion(%q) = %q, %d", test.in, line, major)
		}
	}
}
