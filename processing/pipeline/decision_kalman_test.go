package pipeline_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/processing/kalman"
	"myorehab/processing/pipeline"
)

// alternating returns one channel of n samples ±amp: its RMS over any
// even number of samples is amp exactly.
func alternating(amp float64, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = amp
		if i%2 == 1 {
			x[i] = -amp
		}
	}
	return x
}

// TestDeciderLevelKalmanStep: on an exact step of the window level (from
// 0.2 to 0.6 at a window boundary), the settled smoothing covers
// 1 − (1−K)^m of the step m decisions later, with K the steady-state gain
// of LevelQ and LevelR, so the measured half-time is HalfTime(K) rounded
// up, and LevelDelay reports it. Reset restarts the filter.
func TestDeciderLevelKalmanStep(t *testing.T) {
	t.Parallel()
	const w = 50 // window = increment: consecutive windows do not overlap
	for _, tc := range []struct{ q, r float64 }{
		{1e-3, 1e-2}, {1e-4, 1e-2}, {1e-3, 1e-3}, {1e-2, 1e-3},
	} {
		set := newSet(t, 1, w)
		d := pipeline.NewDecider(pipeline.DeciderConfig{
			Channels: 1, RateHz: tFs, Window: w, Increment: w,
			Features: set, Model: constantModel{set.Len()}, Classes: 1,
			MVC: []float64{10}, LevelQ: tc.q, LevelR: tc.r,
		})
		k := kalman.SteadyStateGain(tc.q, tc.r)
		if g := d.LevelGain(); g != k {
			t.Fatalf("Q %g R %g: LevelGain %v, want %v", tc.q, tc.r, g, k)
		}
		const settle, after = 400, 40
		x := append(alternating(2, settle*w), alternating(6, after*w)...)
		got := feed(d, [][]float64{x}, 64, 0, time.Time{})
		if len(got) != settle+after {
			t.Fatalf("%d decisions, want %d", len(got), settle+after)
		}
		if l := got[settle-1].Level; math.Abs(l-0.2) > 1e-12 {
			t.Fatalf("Q %g R %g: settled level %v, want 0.2", tc.q, tc.r, l)
		}
		measured := 0
		for m := 1; m <= after; m++ {
			frac := (got[settle-1+m].Level - 0.2) / 0.4
			if want := 1 - math.Pow(1-k, float64(m)); math.Abs(frac-want) > 1e-6 {
				t.Fatalf("Q %g R %g: %d decisions after the step %.8f of it, want %.8f", tc.q, tc.r, m, frac, want)
			}
			if measured == 0 && frac >= 0.5 {
				measured = m
			}
		}
		half, delay := d.LevelDelay()
		if half != pipeline.HalfTime(k) {
			t.Errorf("Q %g R %g: LevelDelay %v decisions, want HalfTime(K) = %v", tc.q, tc.r, half, pipeline.HalfTime(k))
		}
		if measured != int(math.Ceil(half)) {
			t.Errorf("Q %g R %g: half the step after %d decisions, HalfTime %.3f", tc.q, tc.r, measured, half)
		}
		if want := time.Duration(half * w / tFs * float64(time.Second)); delay != want {
			t.Errorf("Q %g R %g: LevelDelay %v, want %v", tc.q, tc.r, delay, want)
		}
		d.Reset()
		again := feed(d, [][]float64{alternating(6, 3*w)}, 64, 0, time.Time{})
		if again[0].Level != 0.6 {
			t.Errorf("Q %g R %g: first level after Reset %v, want 0.6 (the filter restarts)", tc.q, tc.r, again[0].Level)
		}
	}
}

// TestDeciderLevelKalmanNoise: on noise of constant amplitude the smoothed
// level keeps the raw level's mean and has a much smaller variance; classes
// and confidences are untouched.
func TestDeciderLevelKalmanNoise(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 40000
	x := make([][]float64, tChannels)
	for c := range x {
		x[c] = make([]float64, n)
		for i := range x[c] {
			x[c][i] = 20 * rng.NormFloat64()
		}
	}
	run := func(q, r float64) []pipeline.Decision {
		set := newSet(t, tChannels, tWindow)
		d := pipeline.NewDecider(pipeline.DeciderConfig{
			Channels: tChannels, RateHz: tFs, Window: tWindow, Increment: tInc,
			Features: set, Model: constantModel{set.Len()}, Classes: 2,
			MVC: []float64{60, 60, 60, 60}, LevelQ: q, LevelR: r,
		})
		return feed(d, x, 50, 0, time.Time{})
	}
	raw, smooth := run(0, 0), run(1e-6, 1e-4) // K ≈ 0.095
	stats := func(ds []pipeline.Decision) (mean, variance float64) {
		ds = ds[100:] // past the filter's start
		for _, d := range ds {
			mean += d.Level
		}
		mean /= float64(len(ds))
		for _, d := range ds {
			variance += (d.Level - mean) * (d.Level - mean)
		}
		return mean, variance / float64(len(ds))
	}
	mr, vr := stats(raw)
	ms, vs := stats(smooth)
	if vr == 0 {
		t.Fatal("raw level does not vary")
	}
	if vs > vr/3 {
		t.Errorf("smoothed level variance %.3g, raw %.3g: want at most a third", vs, vr)
	}
	if math.Abs(ms-mr) > 0.01*mr {
		t.Errorf("smoothed mean level %.4f, raw %.4f", ms, mr)
	}
	for k := range raw {
		if raw[k].Class != smooth[k].Class || raw[k].Confidence != smooth[k].Confidence || raw[k].Sample != smooth[k].Sample {
			t.Fatalf("decision %d differs beyond the level: %+v vs %+v", k, raw[k], smooth[k])
		}
	}
}

// TestDeciderLevelKalmanConfig: no smoothing by default (gain 1, no
// delay); LevelQ and LevelR must both be positive and finite, or both 0.
func TestDeciderLevelKalmanConfig(t *testing.T) {
	t.Parallel()
	set := newSet(t, 1, tWindow)
	cfg := func(q, r float64) pipeline.DeciderConfig {
		return pipeline.DeciderConfig{
			Channels: 1, RateHz: tFs, Window: tWindow, Increment: tInc,
			Features: set, Model: constantModel{set.Len()}, Classes: 1,
			LevelQ: q, LevelR: r,
		}
	}
	d := pipeline.NewDecider(cfg(0, 0))
	if n, delay := d.LevelDelay(); n != 0 || delay != 0 || d.LevelGain() != 1 {
		t.Errorf("without smoothing: LevelDelay %v, %v, LevelGain %v", n, delay, d.LevelGain())
	}
	for _, qr := range [][2]float64{{-1e-3, 1e-2}, {1e-3, 0}, {0, 1e-2}, {math.NaN(), 1}, {1, math.Inf(1)}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("LevelQ %v LevelR %v: no panic", qr[0], qr[1])
				}
			}()
			pipeline.NewDecider(cfg(qr[0], qr[1]))
		}()
	}
}

func TestHalfTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ k, want float64 }{{1, 0}, {0.5, 1}, {0.75, 0.5}, {1 - math.Sqrt(0.5), 2}} {
		if got := pipeline.HalfTime(tc.k); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("HalfTime(%v) = %v, want %v", tc.k, got, tc.want)
		}
	}
	for _, k := range []float64{0, -0.1, 1.5, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("HalfTime(%v): no panic", k)
				}
			}()
			pipeline.HalfTime(k)
		}()
	}
}

// TestDeciderLevelKalmanDoesNotAllocate: Process with level smoothing
// allocates nothing.
func TestDeciderLevelKalmanDoesNotAllocate(t *testing.T) {
	set := newSet(t, tChannels, tWindow)
	d := pipeline.NewDecider(pipeline.DeciderConfig{
		Channels: tChannels, RateHz: tFs, Window: tWindow, Increment: tInc,
		Features: set, Model: constantModel{set.Len()}, Classes: 2,
		LevelQ: 1e-3, LevelR: 1e-2,
	})
	b := acquisition.NewBlock(tChannels, 50)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range b.Data {
		b.Data[i] = rng.NormFloat64()
	}
	b.Len = 50
	out := make([]pipeline.Decision, 0, 8)
	var next uint64
	step := func() {
		b.Start = next
		next += 50
		out = d.Process(out[:0], b)
	}
	for range 10 {
		step() // fill the ring
	}
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Errorf("Process with level smoothing allocates %v times", n)
	}
	if len(out) != 2 {
		t.Fatalf("%d decisions per block, want 2", len(out))
	}
}

// The delay of the level smoothing for a given LevelQ and LevelR.
func ExampleHalfTime() {
	k := kalman.SteadyStateGain(1e-3, 1e-2)
	half := pipeline.HalfTime(k)
	fmt.Printf("K = %.2f, half-time %.1f decisions = %.0f ms at 25-sample steps and 1 kHz\n", k, half, half*25)
	// Output: K = 0.27, half-time 2.2 decisions = 55 ms at 25-sample steps and 1 kHz
}
