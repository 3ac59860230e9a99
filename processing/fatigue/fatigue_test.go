package fatigue

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"myorehab/acquisition"
)

// synth returns seconds of band-limited noise at fs Hz: white noise through
// a one-pole low-pass whose corner fc(t) (Hz) sets the spectral content,
// scaled by amp(t), plus white noise of SD noise. Lowering fc lowers the MDF.
// The first restS seconds are rest (noise only), as at the start of a
// session; t in fc and amp counts from the end of the rest.
func synth(rng *rand.Rand, fs, seconds, restS float64, fc, amp func(t float64) float64, noise float64) []float64 {
	n := int(fs * seconds)
	x := make([]float64, n)
	var y float64
	for i := range x {
		t := float64(i) / fs
		a := math.Exp(-2 * math.Pi * fc(max(0, t-restS)) / fs)
		y = a*y + (1-a)*rng.NormFloat64()
		// First difference removes the DC-heavy part, as the surface EMG
		// band-pass does, so the MDF sits inside 20–450 Hz.
		x[i] = noise * rng.NormFloat64() / math.Sqrt2 // the differencing doubles the variance
		if t >= restS {
			// sqrt((1+a)/2)/(1−a) normalises the differenced output to
			// unit variance per unit innovation, so amp alone sets the RMS.
			x[i] += amp(t-restS) * y * math.Sqrt((1+a)/2) / (1 - a)
		}
	}
	for i := len(x) - 1; i > 0; i-- {
		x[i] -= x[i-1]
	}
	return x
}

func constant(v float64) func(float64) float64 { return func(float64) float64 { return v } }

func TestFatigueFlag(t *testing.T) {
	t.Parallel()
	const fs = 1000.0
	falling := func(t float64) float64 { return 200 - 2.5*t } // corner 200 → 50 Hz over 60 s
	rising := func(t float64) float64 { return 1 + 0.05*t }
	for _, test := range []struct {
		name    string
		x       func(rng *rand.Rand) []float64
		want    bool
		wantJSA Label // the most common label of the active windows
	}{
		{"sustained fatiguing contraction", func(rng *rand.Rand) []float64 {
			return synth(rng, fs, 60, 5, falling, rising, 0.05)
		}, true, Fatigue},
		{"steady contraction", func(rng *rand.Rand) []float64 {
			return synth(rng, fs, 60, 5, constant(120), constant(1), 0.05)
		}, false, Stable},
		{"mostly rest with a short falling burst", func(rng *rand.Rand) []float64 {
			x := synth(rng, fs, 60, 0, falling, constant(0), 0.05)
			burst := synth(rng, fs, 12, 0, func(t float64) float64 { return 150 - 6*t }, constant(1), 0)
			for i, v := range burst {
				x[20000+i] += v
			}
			return x
		}, false, Rest},
		{"effort dropping", func(rng *rand.Rand) []float64 {
			return synth(rng, fs, 60, 5, falling, func(t float64) float64 { return 1 - 0.012*t }, 0.05)
		}, true, ForceDecrease},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			x := test.x(rand.New(rand.NewPCG(1, 1)))
			res, err := Analyze(DefaultConfig(fs), [][]float64{x})
			if err != nil {
				t.Fatal(err)
			}
			s := res[0].Summary
			if s.Windows != 60 {
				t.Fatalf("%d windows, want 60", s.Windows)
			}
			if s.Fatigued != test.want {
				t.Errorf("fatigued = %v, want %v (active %d, slope %.3f Hz/s t %.1f, decline %.1f %%)",
					s.Fatigued, test.want, s.ActiveWindows, s.ActiveSlopeHzPerS, s.ActiveSlopeT, s.DeclinePct)
			}
			count := map[Label]int{}
			for _, w := range res[0].Windows {
				count[w.Label]++
			}
			best := Rest
			for l, n := range count {
				if n > count[best] || (n == count[best] && l < best) {
					best = l
				}
			}
			if best != test.wantJSA {
				t.Errorf("most common label %v, want %v (%v)", best, test.wantJSA, count)
			}
		})
	}
}

// TestNoiseRMSOverride: a steady contraction with no rest at all gives no
// noise floor to estimate (the quietest 100 ms are contraction), so no
// window is active; a calibrated rest RMS replaces the estimate and makes
// them active.
func TestNoiseRMSOverride(t *testing.T) {
	t.Parallel()
	x := synth(rand.New(rand.NewPCG(1, 1)), 1000, 20, 0, constant(100), constant(1), 0)
	cfg := DefaultConfig(1000)
	res, _ := Analyze(cfg, [][]float64{x})
	if a := res[0].ActiveWindows; a != 0 {
		t.Fatalf("estimated floor: %d active windows, want 0", a)
	}
	cfg.NoiseRMS = res[0].Windows[0].SD / 10
	res, _ = Analyze(cfg, [][]float64{x})
	if a := res[0].ActiveWindows; a != 20 || res[0].NoiseRMS != cfg.NoiseRMS {
		t.Errorf("NoiseRMS %v: %d active windows (noise used %v), want 20", cfg.NoiseRMS, a, res[0].NoiseRMS)
	}
}

func TestJASA(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		mdf, rms float64
		want     Label
	}{
		{-1, 1, Fatigue}, {-1, -1, ForceDecrease}, {1, 1, ForceIncrease}, {1, -1, Recovery},
		{0.1, -0.2, Stable}, {-2, 0, Fatigue}, {0, -2, Recovery},
	} {
		if got := jasa(test.mdf, test.rms, 0.5); got != test.want {
			t.Errorf("jasa(%v, %v) = %v, want %v", test.mdf, test.rms, got, test.want)
		}
	}
	for l := Rest; l <= Recovery; l++ {
		b, err := l.MarshalText()
		var back Label
		if err != nil || back.UnmarshalText(b) != nil || back != l {
			t.Errorf("label %v does not round-trip (%q, %v)", l, b, err)
		}
	}
	if _, err := Label(99).MarshalText(); err == nil {
		t.Error("invalid label marshalled")
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		edit func(*Config)
	}{
		{"zero rate", func(c *Config) { c.SampleRateHz = 0 }},
		{"short segment", func(c *Config) { c.NPerSeg = 1 }},
		{"overlap too big", func(c *Config) { c.NOverlap = c.NPerSeg }},
		{"window shorter than segment", func(c *Config) { c.WindowLen = c.NPerSeg - 1 }},
		{"inverted band", func(c *Config) { c.LoHz, c.HiHz = 450, 20 }},
		{"band above Nyquist", func(c *Config) { c.LoHz, c.HiHz = 600, 700 }},
		{"negative noise", func(c *Config) { c.NoiseRMS = -1 }},
		{"relative level above 1", func(c *Config) { c.MinRelativeLevel = 2 }},
	} {
		cfg := DefaultConfig(1000)
		test.edit(&cfg)
		if _, err := NewTracker(cfg, 1, 10); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", test.name, err)
		}
	}
}

// TestTrackerChunkInvariance: the live Tracker fed blocks of random sizes
// gives exactly the offline result, and its summary follows along.
func TestTrackerChunkInvariance(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	const fs = 1000.0
	x := [][]float64{
		synth(rng, fs, 30.7, 3, func(t float64) float64 { return 150 - 2*t }, constant(1), 0.05),
		synth(rng, fs, 30.7, 3, constant(90), func(t float64) float64 { return 1 + 0.05*t }, 0.05),
	}
	want, err := Analyze(DefaultConfig(fs), x)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTracker(DefaultConfig(fs), 2, 100)
	if err != nil {
		t.Fatal(err)
	}
	b := acquisition.NewBlock(2, 333)
	points := 0
	for start := 0; start < len(x[0]); {
		b.Len = min(1+rng.IntN(b.Cap), len(x[0])-start)
		for c := range 2 {
			copy(b.Data[c*b.Cap:], x[c][start:start+b.Len])
		}
		points += tr.Process(b)
		start += b.Len
		if got := len(tr.Windows(0)); got != start/1000 {
			t.Fatalf("after %d samples: %d windows, want %d", start, got, start/1000)
		}
	}
	if points != 30 {
		t.Errorf("Process reported %d windows, want 30", points)
	}
	for c := range 2 {
		if got := tr.Summary(c); fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want[c].Summary) { // NaN-safe
			t.Errorf("ch%d summary %+v, want %+v", c, got, want[c].Summary)
		}
		for k, w := range tr.Windows(c) {
			if fmt.Sprintf("%+v", w) != fmt.Sprintf("%+v", want[c].Windows[k]) {
				t.Errorf("ch%d window %d: %+v, want %+v", c, k, w, want[c].Windows[k])
			}
		}
	}
	tr.Reset()
	if len(tr.Windows(0)) != 0 || tr.Summary(1).Windows != 0 {
		t.Error("Reset kept windows")
	}
}

func TestTrackerFull(t *testing.T) {
	t.Parallel()
	tr, _ := NewTracker(DefaultConfig(1000), 1, 3)
	x := synth(rand.New(rand.NewPCG(1, 1)), 1000, 5, 0, constant(100), constant(1), 0)
	if n := tr.Write([][]float64{x}); n != 3 || !tr.Full() || len(tr.Windows(0)) != 3 {
		t.Errorf("Write returned %d, Full %v, %d windows; want 3, true, 3", n, tr.Full(), len(tr.Windows(0)))
	}
}

func TestTrackerPanics(t *testing.T) {
	t.Parallel()
	tr, _ := NewTracker(DefaultConfig(1000), 2, 3)
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"zero channels", func() { _, _ = NewTracker(DefaultConfig(1000), 0, 3) }},
		{"block channels", func() { tr.Process(acquisition.NewBlock(3, 10)) }},
		{"write channels", func() { tr.Write([][]float64{{1}}) }},
		{"unequal lengths", func() { tr.Write([][]float64{{1, 2}, {1}}) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", test.name)
				}
			}()
			test.fn()
		}()
	}
}

// TestTrackerAllocs: feeding blocks, window completions included, does not
// allocate.
func TestTrackerAllocs(t *testing.T) {
	const fs, ch = 1000.0, 8
	tr, _ := NewTracker(DefaultConfig(fs), ch, 600)
	b := acquisition.NewBlock(ch, 50)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range b.Data {
		b.Data[i] = rng.NormFloat64()
	}
	b.Len = b.Cap
	if a := testing.AllocsPerRun(200, func() { tr.Process(b) }); a != 0 {
		t.Errorf("Process: %v allocs per block, want 0", a)
	}
	if len(tr.Windows(0)) < 5 {
		t.Fatalf("only %d windows completed during the alloc test", len(tr.Windows(0)))
	}
}

func TestSelectK(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for n := 1; n < 40; n++ {
		s := make([]float64, n)
		for i := range s {
			s[i] = float64(rng.IntN(10))
		}
		for k := range n {
			c := append([]float64(nil), s...)
			got := selectK(c, k)
			less, leq := 0, 0
			for _, v := range s {
				if v < got {
					less++
				}
				if v <= got {
					leq++
				}
			}
			if !(less <= k && k < leq) {
				t.Fatalf("n=%d k=%d: %v is not the k-th smallest of %v", n, k, got, s)
			}
		}
	}
}

// BenchmarkTracker measures the live tracker on 50-sample blocks of 8
// channels at 1000 Hz (a 1 s window completes every 20 blocks), over a
// session of an hour's capacity with 10 minutes already stored.
func BenchmarkTracker(b *testing.B) {
	for _, bs := range []struct {
		name     string
		fs       float64
		block    int
		prefillS int
	}{
		{"1kHz_8ch_block50", 1000, 50, 0},
		{"1kHz_8ch_block50_after10min", 1000, 50, 600},
	} {
		b.Run(bs.name, func(b *testing.B) {
			const ch = 8
			tr, _ := NewTracker(DefaultConfig(bs.fs), ch, 3600)
			blk := acquisition.NewBlock(ch, bs.block)
			rng := rand.New(rand.NewPCG(1, 1))
			for i := range blk.Data {
				blk.Data[i] = rng.NormFloat64()
			}
			blk.Len = blk.Cap
			for range bs.prefillS * int(bs.fs) / bs.block {
				tr.Process(blk)
			}
			b.ReportAllocs()
			for b.Loop() {
				if tr.Full() {
					b.StopTimer()
					tr.Reset()
					b.StartTimer()
				}
				tr.Process(blk)
			}
		})
	}
}
