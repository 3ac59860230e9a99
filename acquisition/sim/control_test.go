package sim

import (
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
)

func TestNewSimulatorErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		cfg  Config
	}{
		{"too many channels", Config{Channels: MaxChannels + 1}},
		{"negative channels", Config{Channels: -1}},
		{"rate too low", Config{RateHz: 0.5}},
		{"rate too high", Config{RateHz: 2e5}},
		{"rate NaN", Config{RateHz: math.NaN()}},
		{"labels", Config{Channels: 2, Labels: []string{"a"}}},
		{"negative noise", Config{NoiseUV: -1}},
		{"infinite amplitude", Config{MaxUV: math.Inf(1)}},
		{"NaN mains", Config{MainsHz: math.NaN()}},
		{"negative mains amplitude", Config{MainsUV: -3}},
		{"negative fatigue", Config{FatigueHzPerS: -0.1}},
		{"negative ramp", Config{RampS: -1}},
		{"negative recovery", Config{RecoveryS: -1}},
		{"negative MDF", Config{MDFHz: -100}},
		{"invalid script", Config{Script: Script{{PowerGrip, 1, 2}}}},
		{"empty script", Config{Script: Script{}}},
	} {
		if s, err := NewSimulator(test.cfg); err == nil || s != nil {
			t.Errorf("%s: NewSimulator = %v, %v; want an error", test.name, s, err)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	s, err := NewSimulator(Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config()
	if c.Channels != 8 || c.RateHz != 1000 || c.MaxUV != DefaultMaxUV || c.MDFHz != DefaultMDFHz ||
		c.RampS != DefaultRampS || c.RecoveryS != DefaultRecoveryS {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.NoiseUV != 0 || c.MainsHz != 0 || c.FatigueHzPerS != 0 {
		t.Errorf("disturbances on by default in Config{}: %+v", c)
	}
	if !slices.Equal(c.Labels, DefaultLabels(8)) {
		t.Errorf("labels %v", c.Labels)
	}
	c.Labels[0] = "changed"
	if s.Config().Labels[0] == "changed" {
		t.Error("Config shares its Labels")
	}
	if s.Channels() != 8 || s.RateHz() != 1000 || math.Abs(s.MedianFrequencyHz()-100) > 1e-6 {
		t.Errorf("Channels %d RateHz %g MedianFrequencyHz %g", s.Channels(), s.RateHz(), s.MedianFrequencyHz())
	}

	labels := []string{"a", "b"}
	s, err = NewSimulator(Config{Channels: 2, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	labels[0] = "changed"
	if got := s.Config().Labels; !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("labels %v: NewSimulator keeps the caller's slice", got)
	}
}

// TestLowRates checks every rate down to 1 Hz produces finite samples and
// clips the median frequency below Nyquist.
func TestLowRates(t *testing.T) {
	t.Parallel()
	for _, fs := range []float64{1, 20, 100, 125, 200, 250, 256, 16000} {
		cfg := DefaultConfig()
		cfg.RateHz, cfg.Manual = fs, true
		s, err := NewSimulator(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if mdf, want := s.MedianFrequencyHz(), math.Min(DefaultMDFHz, fs/4); math.Abs(mdf-want) > 1e-6*want {
			t.Errorf("%g Hz: median frequency %g Hz", fs, mdf)
		}
		s.SetGesture(PowerGrip)
		for c, x := range record(s, 2000) {
			for i, v := range x {
				if math.IsNaN(v) || math.Abs(v) > 5000 {
					t.Fatalf("%g Hz: channel %d sample %d = %g", fs, c, i, v)
				}
			}
		}
	}
}

func TestScriptTiming(t *testing.T) {
	t.Parallel()
	script := Script{{Rest, 0.5, 0}, {PowerGrip, 0.25, 0.5}, {OpenHand, 0.25, 1}}
	s, err := NewSimulator(Config{Channels: 2, Script: script})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 2)
	for i := range 2500 {
		s.Next(x)
		var want Gesture
		switch j := i % 1000; {
		case j < 500:
			want = Rest
		case j < 750:
			want = PowerGrip
		default:
			want = OpenHand
		}
		if got := s.Current(); got != want {
			t.Fatalf("sample %d: gesture %v, want %v", i, got, want)
		}
		if want == PowerGrip && s.ch[0].target != 0.5*Activation(PowerGrip, 0, 2) {
			t.Fatalf("sample %d: target %g, want half the pattern", i, s.ch[0].target)
		}
	}

	// Manual control from the next sample; the script's gesture is not kept.
	if err := s.SetScript(nil); err != nil {
		t.Fatal(err)
	}
	s.SetGesture(WristFlexion)
	s.SetLevel(2) // clipped to 1
	s.Next(x)
	if s.Current() != WristFlexion || s.ch[1].target != Activation(WristFlexion, 1, 2) {
		t.Errorf("manual: gesture %v target %g", s.Current(), s.ch[1].target)
	}

	// An invalid script changes nothing; a valid one starts from its first step.
	if err := s.SetScript(Script{{Pinch, 0, 1}}); err == nil {
		t.Error("SetScript accepted a zero-length step")
	}
	if err := s.SetScript(Script{}); !errors.Is(err, ErrEmptyScript) {
		t.Errorf("SetScript(empty) = %v", err)
	}
	s.Next(x)
	if s.Current() != WristFlexion {
		t.Errorf("after invalid SetScript: gesture %v", s.Current())
	}
	if err := s.SetScript(script[1:]); err != nil {
		t.Fatal(err)
	}
	s.Next(x)
	if s.Current() != PowerGrip {
		t.Errorf("after SetScript: gesture %v, want %v", s.Current(), PowerGrip)
	}
}

// TestConcurrentControl drives the controls from other goroutines while
// samples are generated; run with -race.
func TestConcurrentControl(t *testing.T) {
	t.Parallel()
	s, err := NewSimulator(Config{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			s.SetGesture(Gestures()[i%int(numGestures)])
			s.SetLevel(float64(i%10) / 10)
			_ = s.Current()
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if i%2 == 0 {
				_ = s.SetScript(nil)
			} else {
				_ = s.SetScript(DefaultScript())
			}
		}
	}()
	x := make([]float64, 8)
	for range 20000 {
		s.Next(x)
		for _, v := range x {
			if math.IsNaN(v) {
				t.Fatal("NaN sample")
			}
		}
	}
	close(done)
	wg.Wait()
}
