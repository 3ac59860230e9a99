package quality

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"myorehab/acquisition"
	"myorehab/processing/internal/reftest"
)

// mainsTol is the largest relative difference allowed between the sliding
// DFT's MainsRMSUV and MainsFraction and the direct computation's.
const mainsTol = 1e-9

// relDiff returns |a − b| relative to the larger magnitude (0 when equal).
func relDiff(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / max(math.Abs(a), math.Abs(b))
}

// mainsChecker compares every full window's mains measurement with
// directMains and keeps the largest differences seen.
type mainsChecker struct {
	t         *testing.T
	rms, frac float64 // largest relative differences
	windows   int     // windows compared
	levels    [Bad + 1]int
}

// check compares every channel of m whose window is full.
func (mc *mainsChecker) check(m *Monitor, where string) {
	t := mc.t
	t.Helper()
	for c := range m.channels {
		if m.nmains == 0 || m.ch[c].count < m.nseg {
			continue
		}
		hz, rms, frac := directMains(m, c)
		st := m.Status(c)
		met := st.Metrics
		if met.MainsHz != hz {
			t.Fatalf("%s, channel %d: mains at %g Hz, direct %g Hz (%+v; direct %g µV, %g)", where, c, met.MainsHz, hz, met, rms, frac)
		}
		dr, df := relDiff(met.MainsRMSUV, rms), relDiff(met.MainsFraction, frac)
		if !(dr <= mainsTol) || !(df <= mainsTol) {
			t.Fatalf("%s, channel %d: mains %.17g µV, %.17g; direct %.17g µV, %.17g (relative %.3g, %.3g)",
				where, c, met.MainsRMSUV, met.MainsFraction, rms, frac, dr, df)
		}
		mc.rms, mc.frac = max(mc.rms, dr), max(mc.frac, df)
		want := Good
		if _, flat := hasReason(st, Flat); !flat {
			want = mainsLevel(frac, rms)
		}
		got := Good
		if r, ok := hasReason(st, Mains); ok {
			got = r.Level
			if r.Value != met.MainsFraction || r.Hz != met.MainsHz {
				t.Fatalf("%s, channel %d: reason %+v, metrics %+v", where, c, r, met)
			}
		}
		if got != want {
			t.Fatalf("%s, channel %d: mains %v, direct %v (%+v; direct %g µV, %g)", where, c, got, want, met, rms, frac)
		}
		mc.windows++
		mc.levels[got]++
	}
}

func (mc *mainsChecker) report(name string) {
	mc.t.Helper()
	if mc.windows == 0 {
		mc.t.Fatalf("%s: no full window compared", name)
	}
	mc.t.Logf("%s: %d windows (good %d, warn %d, bad %d), largest relative difference: RMS %.2g, fraction %.2g",
		name, mc.windows, mc.levels[Good], mc.levels[Warn], mc.levels[Bad], mc.rms, mc.frac)
}

// feedSignal feeds m seconds of f (channel, absolute sample → µV) in blocks
// whose lengths are drawn from blockLens, calling disturb (if not nil)
// before each block; disturb returns how many samples to skip (a gap) and
// may reset the source's clock or m. After every block, mc checks m.
func feedSignal(t *testing.T, m *Monitor, mc *mainsChecker, f func(c int, i uint64) float64, seconds float64,
	blockLens []int, rng *rand.Rand, disturb func(next uint64) (start uint64)) {
	t.Helper()
	maxLen := 0
	for _, l := range blockLens {
		maxLen = max(maxLen, l)
	}
	b := acquisition.NewBlock(m.channels, maxLen)
	total := uint64(math.Round(seconds * m.fs))
	next := uint64(0)
	for done := uint64(0); done < total; {
		if disturb != nil {
			next = disturb(next)
		}
		n := blockLens[rng.IntN(len(blockLens))]
		b.Len, b.Start = n, next
		for c := range m.channels {
			x, raw := b.Chan(c), b.RawChan(c)
			for i := range n {
				v := f(c, next+uint64(i))
				raw[i] = int32(math.Round(v * 100)) // 0.01 µV per count
				x[i] = float64(raw[i]) / 100
			}
		}
		m.Process(b)
		mc.check(m, "sample "+strconv.FormatUint(b.End(), 10))
		next += uint64(n)
		done += uint64(n)
	}
}

// mixture returns a signal per channel: white noise of a few µV to
// hundreds, mains at 50 or 60 Hz (on a bin or between bins, with
// harmonics) from nothing to dominant, drift, and bursts.
func mixture(seed uint64, channels int, fs float64) func(c int, i uint64) float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	const n = 1 << 16
	white := make([][]float64, channels)
	type tone struct{ hz, amp, phase float64 }
	tones := make([][]tone, channels)
	bursts := make([]float64, channels)
	for c := range channels {
		rms := []float64{1, 5, 30, 200}[rng.IntN(4)]
		white[c] = noise(seed*100+uint64(c), n, rms)
		hz := []float64{50, 60, 50.37, 59.5, 49.9}[rng.IntN(5)]
		amp := []float64{0, 3, 15, 60, 400}[rng.IntN(5)]
		tones[c] = []tone{
			{hz, amp, rng.Float64() * 2 * math.Pi},
			{3 * hz, amp / 5, rng.Float64() * 2 * math.Pi},
			{0.3 + 4*rng.Float64(), 100 * rng.Float64(), 0}, // drift, motion
			{110 + 200*rng.Float64(), rms, 0},               // a narrow EMG component
		}
		bursts[c] = 500 * rng.Float64()
	}
	return func(c int, i uint64) float64 {
		t := float64(i) / fs
		v := white[c][i%n]
		for _, tn := range tones[c] {
			v += tn.amp * math.Sin(2*math.Pi*tn.hz*t+tn.phase)
		}
		if int(t/0.7)%3 == 0 { // a burst for 0.7 s in every 2.1 s
			v += bursts[c] / 200 * white[(c+1)%len(white)][(i*7)%n]
		}
		return v
	}
}

// TestMainsMatchesDirect checks the sliding DFT of the mains check against
// the direct Goertzel over the Hann-windowed window (directMains) at every
// update: measurements within mainsTol, the same frequency and the same
// mains verdict, over random signals, rates whose mains frequencies fall
// between bins, window lengths, block lengths, gaps, restarts and Reset.
func TestMainsMatchesDirect(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name     string
		fs       float64
		channels int
		cfg      Config
		seconds  float64
		blocks   []int
		gaps     bool
	}{
		{name: "1 kHz, 8 ch, 50-sample blocks", fs: 1000, channels: 8, seconds: 30, blocks: []int{50}},
		{name: "1 kHz, blocks of any length", fs: 1000, channels: 3, seconds: 20, blocks: []int{1, 7, 49, 50, 51, 333, 1200}},
		{name: "1 kHz, gaps and restarts", fs: 1000, channels: 3, seconds: 40, blocks: []int{13, 50, 170}, gaps: true},
		{name: "1 kHz, 60 Hz only", fs: 1000, channels: 4, cfg: Config{MainsHz: 60}, seconds: 10, blocks: []int{50}},
		{name: "1 kHz, 0.5 s window", fs: 1000, channels: 4, cfg: Config{WindowSeconds: 0.5}, seconds: 10, blocks: []int{25}},
		{name: "1 kHz, 1.37 s window", fs: 1000, channels: 4, cfg: Config{WindowSeconds: 1.37}, seconds: 10, blocks: []int{64}},
		{name: "1 kHz, 3 s window", fs: 1000, channels: 2, cfg: Config{WindowSeconds: 3}, seconds: 15, blocks: []int{100}},
		{name: "250 Hz (Cyton)", fs: 250, channels: 4, seconds: 20, blocks: []int{10}, gaps: true},
		{name: "256 Hz", fs: 256, channels: 4, seconds: 20, blocks: []int{16}},
		{name: "500 Hz, 50 Hz only", fs: 500, channels: 4, cfg: Config{MainsHz: 50}, seconds: 20, blocks: []int{20}},
		{name: "2048 Hz", fs: 2048, channels: 2, seconds: 10, blocks: []int{128}},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			m := mustNew(t, info(test.channels, test.fs, 0.01), test.cfg)
			if m.nmains == 0 {
				t.Fatal("mains check off")
			}
			mc := &mainsChecker{t: t}
			rng := rand.New(rand.NewPCG(7, uint64(test.fs)))
			var disturb func(uint64) uint64
			if test.gaps {
				win := uint64(m.nseg * m.segLen)
				disturb = func(next uint64) uint64 {
					switch r := rng.IntN(100); {
					case r < 5: // a short gap: the window continues
						return next + 1 + rng.Uint64N(win-1)
					case r == 5: // a gap of a window or more: restart
						return next + win + rng.Uint64N(win)
					case r == 6 && next > 0: // back in time: restart
						return rng.Uint64N(next)
					case r == 7:
						m.Reset()
					}
					return next
				}
			}
			feedSignal(t, m, mc, mixture(uint64(test.fs)+uint64(test.channels), test.channels, test.fs),
				test.seconds, test.blocks, rng, disturb)
			mc.report(test.name)
		})
	}
}

// TestMainsMatchesDirectReal does the same on the real recordings of
// ../shared/reference (each played five times end to end, so that the
// window also crosses the joins' steps), in 50-sample blocks.
func TestMainsMatchesDirectReal(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		id    string
		fs    float64
		scale float64 // to µV
	}{
		{"3dc_P01_train_ch1_1000hz", 1000, 1},
		{"physionet_healthy_4000hz", 4000, 1000}, // mV
		{"mckiernan_S8_ch0_10000hz", 10000, 1},
	} {
		t.Run(test.id, func(t *testing.T) {
			t.Parallel()
			x := readColumn(t, filepath.Join(reftest.Dir(t), "inputs", test.id+".csv"))
			m := mustNew(t, info(1, test.fs, 0.01), Config{})
			mc := &mainsChecker{t: t}
			f := func(_ int, i uint64) float64 { return test.scale * x[i%uint64(len(x))] }
			rng := rand.New(rand.NewPCG(1, 1))
			feedSignal(t, m, mc, f, 5*float64(len(x))/test.fs, []int{50}, rng, nil)
			mc.report(test.id)
		})
	}
}
