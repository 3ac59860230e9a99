package recognition_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"myorehab/processing/recognition"
)

// ramped returns a recording of gestures (rest first) held for hold
// samples in turn, reps times, at 1 kHz, in which every motion (mostly
// one channel's) builds up over ramp samples from the resting amplitude,
// as a contraction does, and relaxes at once.
func ramped(name string, channels, hold, ramp, reps int, seed uint64) recognition.Recording {
	rng := rand.New(rand.NewPCG(seed, 7))
	r := recognition.Recording{Name: name, RateHz: 1000, Channels: make([][]float64, channels)}
	amp := func(g, c int) float64 {
		if g == 0 {
			return 3
		}
		if c == g-1 {
			return 60 // each motion works its own muscle
		}
		return 8
	}
	for range reps {
		for g, label := range gestures {
			start := r.Len()
			for i := range hold {
				k := min(1, float64(i)/float64(ramp))
				for c := range channels {
					a := amp(0, c) + k*(amp(g, c)-amp(0, c))
					r.Channels[c] = append(r.Channels[c], a*rng.NormFloat64())
				}
			}
			r.Segments = append(r.Segments, recognition.Segment{Start: start, End: start + hold, Label: label})
		}
	}
	return r
}

// TestOnsetGate: on contractions that build up over 150 ms, the control
// front end with its onset gate recognises each new motion sooner than
// the same front end without it, at the same accuracy; the gate's
// resting levels come from the rest holds and survive the Spec's JSON.
func TestOnsetGate(t *testing.T) {
	t.Parallel()
	train := []recognition.Recording{ramped("train", 4, 800, 150, 4, 1)}
	test := []recognition.Recording{ramped("test", 4, 800, 150, 3, 2)}
	run := func(s recognition.Spec) (*recognition.Pipeline, float64, float64) {
		p, err := recognition.Train(s, train)
		if err != nil {
			t.Fatal(err)
		}
		res, ons, err := p.EvaluateOnsets(test, recognition.OnsetOptions{Stable: 2})
		if err != nil {
			t.Fatal(err)
		}
		if ons.Missed() != 0 {
			t.Fatalf("%s: %d onsets missed", s, ons.Missed())
		}
		return p, res.Accuracy, ons.Percentile(50)
	}
	plain := recognition.Control()
	plain.Gate = nil
	_, accPlain, delayPlain := run(plain)
	p, accGate, delayGate := run(recognition.Control())
	t.Logf("onset p50: %v ms without the gate, %v ms with it; accuracy %.3f → %.3f", delayPlain, delayGate, accPlain, accGate)
	if !(delayGate <= delayPlain-20) {
		t.Errorf("onset p50 %v ms with the gate, %v ms without: want at least 20 ms sooner", delayGate, delayPlain)
	}
	if accGate < accPlain-0.01 {
		t.Errorf("accuracy %.3f with the gate, %.3f without", accGate, accPlain)
	}
	if len(p.RestSD) != 4 {
		t.Fatalf("RestSD %v", p.RestSD)
	}
	for c, v := range p.RestSD {
		if math.Abs(v-3)/3 > 0.2 { // the rest holds' noise is 3 µV
			t.Errorf("channel %d resting level %v, want ≈ 3", c, v)
		}
	}
	b, err := json.Marshal(p.Spec)
	if err != nil {
		t.Fatal(err)
	}
	var back recognition.Spec
	if err := json.Unmarshal(b, &back); err != nil || back.Gate == nil || *back.Gate != *recognition.DefaultGate() {
		t.Errorf("the gate after JSON: %+v (%v)", back.Gate, err)
	}
}

// TestOnsetGateBadInput: a gate needs its rest class in the training data
// and resting levels in the pipeline; its Spec fields are validated.
func TestOnsetGateBadInput(t *testing.T) {
	t.Parallel()
	rec := ramped("r", 4, 500, 100, 2, 3)
	noRest := rec
	noRest.Segments = slices.DeleteFunc(slices.Clone(rec.Segments), func(s recognition.Segment) bool { return s.Label == "rest" })
	if _, err := recognition.Train(recognition.Control(), []recognition.Recording{noRest}); !errors.Is(err, recognition.ErrNoLabels) {
		t.Errorf("training without rest holds: %v, want ErrNoLabels", err)
	}
	p, err := recognition.Train(recognition.Control(), []recognition.Recording{rec})
	if err != nil {
		t.Fatal(err)
	}
	p.RestSD = nil
	if _, err := p.NewDecider(recognition.LiveOptions{BlockCap: 10}); !errors.Is(err, recognition.ErrSpec) {
		t.Errorf("a gated pipeline without resting levels: %v, want ErrSpec", err)
	}
	for _, g := range []recognition.GateSpec{
		{RestLabel: "", Threshold: 3, WindowMs: 24, TransientMs: 50},
		{RestLabel: "rest", Threshold: 0, WindowMs: 24, TransientMs: 50},
		{RestLabel: "rest", Threshold: math.Inf(1), WindowMs: 24, TransientMs: 50},
		{RestLabel: "rest", Threshold: 3, WindowMs: -1, TransientMs: 50},
		{RestLabel: "rest", Threshold: 3, WindowMs: 24, TransientMs: math.NaN()},
	} {
		s := recognition.Control()
		s.Gate = &g
		if err := s.Validate(4, 1000); !errors.Is(err, recognition.ErrSpec) {
			t.Errorf("gate %+v: %v, want ErrSpec", g, err)
		}
	}
}
