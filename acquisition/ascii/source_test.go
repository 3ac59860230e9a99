package ascii

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
	"myorehab/acquisition/serialport/ptytest"
)

func runEmu(cfg EmulatorConfig) func(context.Context, io.ReadWriter) (int, error) {
	return func(ctx context.Context, port io.ReadWriter) (int, error) { return RunEmulator(ctx, port, cfg) }
}

func TestStreamCounter(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 5 s over a pty")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	emu := linktest.Emulate(t, pipe.A, DefaultBaud, runEmu(EmulatorConfig{
		Generator: linktest.NewGen(800, 500), Seconds: 5, Dump: &dump}))
	src, err := Open(Config{Port: pipe.B})
	if err != nil {
		t.Fatal(err)
	}
	info := src.Info()
	if !src.Counter() || !src.HobbySensor() || info.Channels != 2 || info.SampleRateHz != 500 || info.Labels[1] != "Ch2" {
		t.Fatalf("counter %v, info %+v", src.Counter(), info)
	}
	if want := 5.0 / 1024 / EmulatorGain * 1e6; math.Abs(info.ScaleUV[0]-want) > 1e-12 {
		t.Errorf("scale %g, want %g", info.ScaleUV[0], want)
	}
	got, r := linktest.Collect(t, src, emu)
	if r.Err != nil || r.Sent != 2500 {
		t.Fatalf("emulator: %d, %v", r.Sent, r.Err)
	}
	sent := linktest.ParseDump(t, dump.Bytes(), 2)[0]
	if len(got) != len(sent) {
		t.Fatalf("delivered %d, sent %d", len(got), len(sent))
	}
	for i, d := range got {
		if d.Idx != uint64(i) || !linktest.Equal(d.Counts, sent[i]) {
			t.Fatalf("sample %d: index %d counts %v, sent %v", i, d.Idx, d.Counts, sent[i])
		}
	}
	if st := src.Stats(); st.Lost != 0 || st.CorruptPackets != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestStreamPlain: without counter or metadata the rate is estimated and
// the lines resampled onto a uniform grid: about as many samples as lines,
// each within the range of the lines around it.
func TestStreamPlain(t *testing.T) {
	if testing.Short() {
		t.Skip("streams over a pty")
	}
	t.Parallel()
	pipe := ptytest.Pair(t)
	var dump bytes.Buffer
	emu := linktest.Emulate(t, pipe.A, DefaultBaud, runEmu(EmulatorConfig{
		Generator: linktest.NewGen(800, 200), RateHz: 200, Plain: true, Seconds: 4, Dump: &dump}))
	src, err := Open(Config{Port: pipe.B, RateWindow: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rate := src.Info().SampleRateHz
	if src.Counter() || math.Abs(rate-200) > 200*0.03 {
		t.Fatalf("counter %v, estimated rate %g Hz, want 200 ± 3%%", src.Counter(), rate)
	}
	got, r := linktest.Collect(t, src, emu)
	if r.Err != nil || r.Sent != 800 {
		t.Fatalf("emulator: %d, %v", r.Sent, r.Err)
	}
	sent := linktest.ParseDump(t, dump.Bytes(), 2)[0]
	// The first second went to rate estimation: the rest is ~600 lines.
	lines := len(sent) - int(math.Round(rate))
	if math.Abs(float64(len(got)-lines)) > 0.05*float64(lines) {
		t.Errorf("delivered %d samples for about %d lines", len(got), lines)
	}
	// Align on the first sample (exactly a line) and check bounds.
	first := -1
	for i := range sent {
		if linktest.Equal(sent[i], got[0].Counts) && i >= int(rate)-20 { // the first second estimated the rate
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatalf("first resampled sample %v is not a line sent", got[0].Counts)
	}
	outside := 0
	for k, d := range got {
		i := first + int(d.Idx)
		if i+3 >= len(sent) {
			break
		}
		for c := range 2 {
			lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
			for j := max(0, i-3); j <= i+3; j++ {
				lo, hi = min(lo, sent[j][c]), max(hi, sent[j][c])
			}
			if d.Counts[c] < lo || d.Counts[c] > hi {
				outside++
			}
		}
		if k > 0 && d.Idx <= got[k-1].Idx {
			t.Fatalf("index %d after %d", d.Idx, got[k-1].Idx)
		}
	}
	if outside > len(got)/50 {
		t.Errorf("%d of %d resampled values outside the neighbouring lines", outside, 2*len(got))
	}
	t.Logf("rate %g Hz, %d lines sent, %d samples delivered, %d outside", rate, len(sent), len(got), outside)
}

func TestNoAnswer(t *testing.T) {
	t.Parallel()
	pipe := ptytest.Pair(t)
	_, err := Open(Config{Port: pipe.B, Timeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), pipe.B) || !strings.Contains(err.Error(), "sketch") {
		t.Fatalf("Open on a silent port: %v", err)
	}
}
