package sim

import (
	"math"
	"testing"
)

func TestDeterminism(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Seed = 7
	a, _ := NewSimulator(cfg)
	b, _ := NewSimulator(cfg)
	cfg.Seed = 8
	other, _ := NewSimulator(cfg)
	const n = 4000 // crosses the demo script's first rest → grip boundary
	xa, xb, xo := record(a, n), record(b, n), record(other, n)
	differ := false
	for c := range xa {
		for i := range xa[c] {
			if xa[c][i] != xb[c][i] {
				t.Fatalf("seed 7 twice: channel %d sample %d: %g != %g", c, i, xa[c][i], xb[c][i])
			}
			differ = differ || xa[c][i] != xo[c][i]
		}
	}
	if !differ {
		t.Error("seeds 7 and 8 gave identical output")
	}
	a.Reset()
	again := record(a, n)
	for c := range xa {
		for i := range xa[c] {
			if xa[c][i] != again[c][i] {
				t.Fatalf("after Reset: channel %d sample %d: %g != %g", c, i, again[c][i], xa[c][i])
			}
		}
	}
}

// strongest returns the channel with the largest activation for g.
func strongest(g Gesture, n int) int {
	p := Pattern(nil, g, n)
	best := 0
	for c, v := range p {
		if v > p[best] {
			best = c
		}
	}
	return best
}

func TestBandLimited(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name   string
		rateHz float64
		band   [2]float64 // Hz, where the EMG lives
		high   [2]float64 // Hz, near Nyquist, above the band
	}{
		{"1000Hz", 1000, [2]float64{20, 450}, [2]float64{485, 499}},
		{"250Hz", 250, [2]float64{20, 112}, [2]float64{119, 124}},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			s := manual(t, Config{RateHz: test.rateHz, NoiseUV: DefaultNoiseUV, Seed: 1})
			s.SetGesture(PowerGrip)
			win := int(test.rateHz) // 1 s windows: bins are 1 Hz
			skip(s, win/2)
			x := record(s, 8*win)[strongest(PowerGrip, 8)]
			p := averagePeriodogram(x, win)
			band := meanBins(p, int(test.band[0]), int(test.band[1]))
			low := meanBins(p, 0, 9)
			high := meanBins(p, int(test.high[0]), int(test.high[1]))
			t.Logf("mean power per bin: band %.3g, <10 Hz %.3g, near Nyquist %.3g µV²", band, low, high)
			if band < 100*low {
				t.Errorf("band power %.3g not ≫ power below 10 Hz %.3g", band, low)
			}
			if band < 30*high {
				t.Errorf("band power %.3g not ≫ power near Nyquist %.3g", band, high)
			}
		})
	}
}

func TestMains(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name       string
		mainsHz    float64
		on, absent int // bins (Hz) where the line must be present / absent
	}{
		{"50Hz", 50, 50, 60},
		{"60Hz", 60, 60, 50},
		{"off", 0, 0, 50},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			s := manual(t, Config{NoiseUV: DefaultNoiseUV, MainsHz: test.mainsHz, MainsUV: DefaultMainsUV, Seed: 2})
			p := averagePeriodogram(record(s, 4000)[3], 1000) // at rest
			// floor is the mean power of the neighbours 5–15 bins away from k.
			floor := func(k int) float64 { return (meanBins(p, k-15, k-5) + meanBins(p, k+5, k+15)) / 2 }
			if test.on != 0 {
				if r := p[test.on] / floor(test.on); r < 100 {
					t.Errorf("mains line at %d Hz only %.3g× the floor", test.on, r)
				}
			}
			if r := p[test.absent] / floor(test.absent); r > 5 {
				t.Errorf("line at %d Hz is %.3g× the floor, want none", test.absent, r)
			}
		})
	}
}

func TestGestureRaisesRMS(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 4, 8, 16} {
		s := manual(t, Config{Channels: n, NoiseUV: DefaultNoiseUV, Seed: uint64(n)})
		const hold = 2000
		rest := record(s, hold)
		for _, g := range Gestures()[1:] {
			for _, level := range []float64{1, 0.4} {
				s.SetGesture(g)
				s.SetLevel(level)
				skip(s, 500) // onset ramp
				x := record(s, hold)
				pattern := Pattern(nil, g, n)
				maxRMS, maxC := 0.0, 0
				for c := range x {
					r := rms(x[c])
					if r > maxRMS {
						maxRMS, maxC = r, c
					}
					a := level * pattern[c]
					lo := 0.9 * math.Hypot((1-gainSpread)*DefaultMaxUV*a, DefaultNoiseUV)
					hi := 1.1 * math.Hypot((1+gainSpread)*DefaultMaxUV*a, DefaultNoiseUV)
					if r < lo || r > hi {
						t.Errorf("%d ch, %v at %.1f: channel %d RMS %.3g µV not in [%.3g, %.3g] for activation %.2f",
							n, g, level, c, r, lo, hi, a)
					}
					if restRMS := rms(rest[c]); a >= 0.5 && r < 10*restRMS {
						t.Errorf("%d ch, %v at %.1f: channel %d RMS %.3g µV not ≫ rest %.3g µV", n, g, level, c, r, restRMS)
					}
				}
				if pattern[maxC] < 0.75*pattern[strongest(g, n)] {
					t.Errorf("%d ch, %v: loudest channel %d has activation %.2f, the pattern's peak is %.2f",
						n, g, maxC, pattern[maxC], pattern[strongest(g, n)])
				}
				s.SetGesture(Rest)
				skip(s, 500)
			}
		}
	}
}

// TestOnsetRamp checks the activation envelope rises and falls smoothly with
// the configured 10–90% time and without overshoot.
func TestOnsetRamp(t *testing.T) {
	t.Parallel()
	for _, rampS := range []float64{0.1, 0.2} {
		s := manual(t, Config{Channels: 1, RampS: rampS})
		x := make([]float64, 1)
		env := func() float64 { return s.ch[0].env2 }
		for _, g := range []Gesture{PowerGrip, Rest} {
			s.SetGesture(g)
			start := env()
			target := Activation(g, 0, 1)
			var t10, t90 int
			prev := start
			for i := 1; i <= 2000; i++ {
				s.Next(x)
				e := env()
				frac := (e - start) / (target - start)
				if frac > 1+1e-12 || (e-prev)*(target-start) < 0 {
					t.Fatalf("ramp %g s, %v: sample %d: envelope %g overshoots or reverses", rampS, g, i, e)
				}
				if t10 == 0 && frac >= 0.1 {
					t10 = i
				}
				if t90 == 0 && frac >= 0.9 {
					t90 = i
				}
				prev = e
			}
			if rise := float64(t90-t10) / 1000; math.Abs(rise-rampS) > 0.1*rampS {
				t.Errorf("ramp %g s, %v: 10–90%% time %g s", rampS, g, rise)
			}
		}
	}
}

// mdfSeries returns, for each 1 s window of x (rate 1000 Hz), the median
// frequency of the periodogram averaged over channels chans.
func mdfSeries(x [][]float64, chans []int) []float64 {
	out := make([]float64, len(x[0])/1000)
	avg := make([]float64, 501)
	for w := range out {
		clear(avg)
		for _, c := range chans {
			for k, v := range periodogram(x[c][w*1000 : (w+1)*1000]) {
				avg[k] += v
			}
		}
		out[w] = medianFrequency(avg, 1)
	}
	return out
}

// gripChannels returns the channels of an n-channel ring with activation ≥
// 0.7 in a power grip, and their mean activation.
func gripChannels(n int) (chans []int, meanA float64) {
	for c, a := range Pattern(nil, PowerGrip, n) {
		if a >= 0.7 {
			chans = append(chans, c)
			meanA += a
		}
	}
	return chans, meanA / float64(len(chans))
}

// gripMDF returns the 1 s median frequencies (see mdfSeries, over
// gripChannels) of s gripping for gripS seconds, the onset second dropped.
func gripMDF(s *Simulator, gripS int) []float64 {
	chans, _ := gripChannels(s.Channels())
	s.SetGesture(PowerGrip)
	return mdfSeries(record(s, gripS*1000), chans)[1:]
}

func TestFatigue(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2} {
		cfg := DefaultConfig()
		cfg.MainsHz, cfg.Seed = 0, seed
		s := manual(t, cfg)

		// Rest does not fatigue: the model is still fresh after 30 s.
		skip(s, 30000)
		for c, ch := range s.ch {
			if ch.mdf != s.MedianFrequencyHz() {
				t.Errorf("seed %d: channel %d median frequency %.2f Hz after rest, want %.2f", seed, c, ch.mdf, s.MedianFrequencyHz())
			}
		}

		grip := gripMDF(s, 61)
		_, meanA := gripChannels(8)
		want := -DefaultFatigueHzPerS * meanA
		k := slope(grip[:30])
		t.Logf("seed %d: MDF %.1f → %.1f Hz, slope over 30 s %.3f Hz/s (model %.3f)", seed, grip[0], grip[len(grip)-1], k, want)
		if k > 0.4*want || k < 1.6*want {
			t.Errorf("seed %d: median frequency slope in a sustained grip %.3f Hz/s, want ≈ %.3f", seed, k, want)
		}
		start := meanBins(grip, 0, 2)
		if mdf := s.MedianFrequencyHz(); math.Abs(start-mdf) > 0.1*mdf {
			t.Errorf("seed %d: fresh median frequency %.1f Hz, want ≈ %.1f", seed, start, mdf)
		}

		// 60 s of rest (three recovery time constants), then grip again.
		end := meanBins(grip, len(grip)-5, len(grip)-1)
		s.SetGesture(Rest)
		skip(s, 60000)
		again := gripMDF(s, 6)
		recovered := meanBins(again, 0, 4)
		if recovered < end+0.5*(start-end) {
			t.Errorf("seed %d: MDF fresh %.1f Hz, fatigued %.1f Hz, after 60 s rest %.1f Hz: not recovered", seed, start, end, recovered)
		}
	}
}

// TestFatigueOff compares a grip without fatigue to one with, on the same
// seed (so the same driving noise): only the latter's median frequency falls.
func TestFatigueOff(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 4, NoiseUV: DefaultNoiseUV, Manual: true}
	s, _ := NewSimulator(cfg)
	off := gripMDF(s, 21)
	for c, ch := range s.ch {
		if ch.mdf != s.MedianFrequencyHz() {
			t.Errorf("FatigueHzPerS 0: channel %d model median frequency %.2f Hz, want %.2f", c, ch.mdf, s.MedianFrequencyHz())
		}
	}
	cfg.FatigueHzPerS = DefaultFatigueHzPerS
	s, _ = NewSimulator(cfg)
	on := gripMDF(s, 21)
	_, meanA := gripChannels(8)
	last := func(x []float64) float64 { return meanBins(x, len(x)-5, len(x)-1) }
	diff, want := last(off)-last(on), DefaultFatigueHzPerS*meanA*17 // windows 16–20 centre 17 s after the first
	if diff < 0.5*want || diff > 1.5*want {
		t.Errorf("median frequency after 20 s: %.1f Hz without fatigue, %.1f Hz with; difference %.1f Hz, want ≈ %.1f",
			last(off), last(on), diff, want)
	}
}

func TestNextAllocs(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Script = Script{{Rest, 0.01, 0}, {Pinch, 0.02, 0.5}} // changes gesture inside the run
	s, err := NewSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, cfg.Channels)
	if n := testing.AllocsPerRun(1000, func() { s.Next(x) }); n != 0 {
		t.Errorf("Next allocates %g times per sample", n)
	}
}

func BenchmarkNext(b *testing.B) {
	for _, n := range []int{8, 16} {
		b.Run(map[int]string{8: "ch=8", 16: "ch=16"}[n], func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Channels = n
			s, err := NewSimulator(cfg)
			if err != nil {
				b.Fatal(err)
			}
			x := make([]float64, n)
			b.ReportAllocs()
			for b.Loop() {
				s.Next(x)
			}
		})
	}
}
