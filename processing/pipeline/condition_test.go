package pipeline

import (
	"math"
	"runtime"
	"testing"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/processing/fatigue"
	"myorehab/processing/filter"
	"myorehab/processing/quality"
)

// mainsStream returns a simulated source at rest with strong mains
// interference at hz, 8 channels at 1 kHz.
func mainsStream(t testing.TB, hz float64) *sim.Source {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.MainsHz, cfg.MainsUV = hz, 60
	src, err := sim.NewSource(sim.SourceConfig{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func newTestConditioner(t testing.TB, info acquisition.StreamInfo, notches ...float64) *Conditioner {
	t.Helper()
	var fs []MainsFilter
	for _, hz := range notches {
		c, err := filter.NewEMGChain(info.SampleRateHz, info.Channels, 20, 450, 4, hz, 30)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, MainsFilter{Hz: hz, Filter: c})
	}
	mon, err := quality.New(info, quality.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := fatigue.NewTracker(fatigue.DefaultConfig(info.SampleRateHz), info.Channels, 600)
	if err != nil {
		t.Fatal(err)
	}
	return NewConditioner(ConditionerConfig{Info: info, BlockCap: 50, Filters: fs, Quality: mon, Fatigue: tr})
}

// power60 returns the mean power of channel 0 of blocks at f Hz
// (Goertzel over the samples given).
func tonePower(x []float64, fs, f float64) float64 {
	w := 2 * math.Pi * f / fs
	var re, im float64
	for i, v := range x {
		re += v * math.Cos(w*float64(i))
		im -= v * math.Sin(w*float64(i))
	}
	n := float64(len(x))
	return (re*re + im*im) / (n * n)
}

// TestAutoNotchFollowsMains: in a 60 Hz country the automatic notch starts
// at 50 Hz, finds the 60 Hz interference through the quality monitor and
// moves there; the clean signal then holds far less 60 Hz than the raw.
func TestAutoNotchFollowsMains(t *testing.T) {
	src := mainsStream(t, 60)
	info := src.Info()
	c := newTestConditioner(t, info, 50, 60)
	if c.MainsHz() != 50 {
		t.Fatalf("automatic notch starts at %v Hz", c.MainsHz())
	}
	b := acquisition.NewBlock(info.Channels, 50)
	switchedAt := -1
	var raw, clean []float64
	for k := range 200 { // 10 s
		if err := src.ReadBlock(b); err != nil {
			t.Fatal(err)
		}
		out, cond := c.Process(b)
		if cond.MainsHz == 60 && switchedAt < 0 {
			switchedAt = k
		}
		if k >= 160 { // the last 2 s
			raw = append(raw, b.Chan(0)...)
			clean = append(clean, out.Chan(0)...)
		}
	}
	if switchedAt < 0 {
		t.Fatal("the automatic notch never moved to 60 Hz")
	}
	if c.Conditions().MainsHz != 60 || c.MainsHz() != 60 {
		t.Fatalf("notch at %v Hz after the switch", c.MainsHz())
	}
	if pr, pc := tonePower(raw, info.SampleRateHz, 60), tonePower(clean, info.SampleRateHz, 60); pc > pr/100 {
		t.Errorf("60 Hz power raw %.3g, clean %.3g: want the notch to remove ≥ 20 dB", pr, pc)
	}
}

// TestFixedNotchStays: a fixed 50 Hz setting never moves, whatever the
// signal holds, and a 50 Hz country's automatic notch stays at 50 Hz.
func TestFixedNotchStays(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mains   float64
		notches []float64
	}{
		{"fixed 50 in a 60 Hz clinic", 60, []float64{50}},
		{"auto in a 50 Hz clinic", 50, []float64{50, 60}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := mainsStream(t, tc.mains)
			info := src.Info()
			c := newTestConditioner(t, info, tc.notches...)
			b := acquisition.NewBlock(info.Channels, 50)
			for range 200 {
				if err := src.ReadBlock(b); err != nil {
					t.Fatal(err)
				}
				if _, cond := c.Process(b); cond.MainsHz != 50 {
					t.Fatalf("notch moved to %v Hz", cond.MainsHz)
				}
			}
		})
	}
}

// TestConditionsShareAndGrow: Conditions change only when something in
// them did; a later one's fatigue trend holds the earlier one's as its
// prefix; quality and fatigue are there once the windows fill.
func TestConditionsShareAndGrow(t *testing.T) {
	src := mainsStream(t, 50)
	info := src.Info()
	c := newTestConditioner(t, info, 50)
	b := acquisition.NewBlock(info.Channels, 50)
	var prev *Conditions
	changes := 0
	var first *Conditions
	for range 100 { // 5 s
		if err := src.ReadBlock(b); err != nil {
			t.Fatal(err)
		}
		_, cond := c.Process(b)
		if cond != prev {
			changes++
			if prev != nil && cond.Seq <= prev.Seq {
				t.Fatalf("Seq went from %d to %d", prev.Seq, cond.Seq)
			}
		}
		if first == nil && cond.Windows > 0 {
			first = cond
		}
		prev = cond
	}
	if changes > 30 {
		t.Errorf("%d new Conditions for 100 blocks: they should change only on news", changes)
	}
	last := c.Conditions()
	if last.Windows < 4 || len(last.Quality) != info.Channels || len(last.Fatigue) != info.Channels {
		t.Fatalf("after 5 s: %d windows, %d quality verdicts", last.Windows, len(last.Quality))
	}
	if first == nil || &first.Fatigue[0].MDFHz[0] != &last.Fatigue[0].MDFHz[0] || first.Fatigue[0].MDFHz[0] != last.Fatigue[0].MDFHz[0] {
		t.Error("the fatigue trend was copied or rewritten instead of growing")
	}
}

// TestConditionerAllocatesOnlyToPublish: conditioning a block allocates
// nothing; only a new Conditions does (a fatigue window a second, a quality
// verdict that changed): at most the Conditions, the verdict and status
// slices, and per channel one message and one list of reasons each time.
func TestConditionerAllocatesOnlyToPublish(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	src := mainsStream(t, 50)
	info := src.Info()
	c := newTestConditioner(t, info, 50, 60)
	b := acquisition.NewBlock(info.Channels, 50)
	const blocks = 400 // 20 s
	seq := c.Conditions().Seq
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for range blocks {
		if err := src.ReadBlock(b); err != nil {
			t.Fatal(err)
		}
		c.Process(b)
	}
	runtime.ReadMemStats(&ms1)
	allocs, news := ms1.Mallocs-ms0.Mallocs, c.Conditions().Seq-seq
	t.Logf("%d allocations for %d blocks and %d new Conditions", allocs, blocks, news)
	if news == 0 || allocs > news*uint64(4+2*info.Channels) {
		t.Errorf("%d allocations for %d new Conditions over %d blocks", allocs, news, blocks)
	}
}
