package sim

import (
	"math"
	"slices"
	"testing"
)

func TestParseGesture(t *testing.T) {
	t.Parallel()
	for _, g := range Gestures() {
		got, err := ParseGesture(g.String())
		if err != nil || got != g {
			t.Errorf("ParseGesture(%q) = %v, %v; want %v", g.String(), got, err, g)
		}
	}
	for _, test := range []struct {
		in   string
		want Gesture
		ok   bool
	}{
		{"Power Grip", PowerGrip, true},
		{"power-grip", PowerGrip, true},
		{"  power__grip ", PowerGrip, true},
		{"grip", PowerGrip, true},
		{"OPEN", OpenHand, true},
		{"open_hand", OpenHand, true},
		{"flexion", WristFlexion, true},
		{"wrist-extension", WristExtension, true},
		{"", 0, false},
		{"powergrip", 0, false},
		{"fist", 0, false},
	} {
		got, err := ParseGesture(test.in)
		if (err == nil) != test.ok || (test.ok && got != test.want) {
			t.Errorf("ParseGesture(%q) = %v, %v; want %v, ok %t", test.in, got, err, test.want, test.ok)
		}
	}
	if s := Gesture(42).String(); s != "gesture(42)" {
		t.Errorf("Gesture(42).String() = %q", s)
	}
}

func TestGestures(t *testing.T) {
	t.Parallel()
	gs := Gestures()
	want := []Gesture{Rest, PowerGrip, OpenHand, Pinch, WristFlexion, WristExtension}
	if !slices.Equal(gs, want) {
		t.Fatalf("Gestures() = %v, want %v", gs, want)
	}
	gs[0] = Pinch
	if Gestures()[0] != Rest {
		t.Error("Gestures returns a shared slice")
	}
	if Gesture(-1).Valid() || Gesture(len(want)).Valid() {
		t.Error("out-of-range gestures report Valid")
	}
}

// TestPatternAnatomy checks, on the default 8-channel ring, that each gesture
// peaks over the muscles that perform it.
func TestPatternAnatomy(t *testing.T) {
	t.Parallel()
	labels := DefaultLabels(8)
	for _, test := range []struct {
		g     Gesture
		peaks []string // the strongest channel is one of these
	}{
		{PowerGrip, []string{"FDS", "FDP"}},
		{OpenHand, []string{"EDC"}},
		{Pinch, []string{"FDP", "APL"}},
		{WristFlexion, []string{"FCU", "FCR"}},
		{WristExtension, []string{"ECU", "ECRL"}},
	} {
		if got := labels[strongest(test.g, 8)]; !slices.Contains(test.peaks, got) {
			t.Errorf("%v peaks on %s, want one of %v", test.g, got, test.peaks)
		}
	}
}

// TestPatternProperties checks the patterns on every supported channel count.
func TestPatternProperties(t *testing.T) {
	t.Parallel()
	for n := 1; n <= MaxChannels; n++ {
		patterns := make([][]float64, len(Gestures()))
		for _, g := range Gestures() {
			p := Pattern(make([]float64, n), g, n)
			patterns[g] = p
			for c, a := range p {
				if !(a >= 0 && a <= 1) {
					t.Errorf("n=%d %v channel %d: activation %g not in [0, 1]", n, g, c, a)
				}
				if g == Rest && a != 0 {
					t.Errorf("n=%d rest channel %d: activation %g", n, c, a)
				}
				if g != Rest && a < coActivation {
					t.Errorf("n=%d %v channel %d: activation %g below co-activation", n, g, c, a)
				}
			}
			if g != Rest && n >= 4 && slices.Max(p) < 0.5 {
				t.Errorf("n=%d %v: no channel above 0.5 (%v)", n, g, p)
			}
		}
		if n < 4 {
			continue
		}
		// Every two gestures differ clearly, so a classifier can tell them apart.
		for i := range patterns {
			for j := i + 1; j < len(patterns); j++ {
				var d float64
				for c := range n {
					d += (patterns[i][c] - patterns[j][c]) * (patterns[i][c] - patterns[j][c])
				}
				if d = math.Sqrt(d); d < 0.4 {
					t.Errorf("n=%d: %v and %v patterns only %.2f apart", n, Gesture(i), Gesture(j), d)
				}
			}
		}
	}
}

func TestDefaultLabels(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		n    int
		want []string
	}{
		{1, []string{"FDS"}},
		{4, []string{"FDS", "FCU", "EDC", "ECRL"}},
		{8, []string{"FDS", "FDP", "FCU", "FCR", "EDC", "ECU", "ECRL", "APL"}},
		{16, []string{"FDS.1", "FDS.2", "FDP.1", "FDP.2", "FCU.1", "FCU.2", "FCR.1", "FCR.2",
			"EDC.1", "EDC.2", "ECU.1", "ECU.2", "ECRL.1", "ECRL.2", "APL.1", "APL.2"}},
	} {
		if got := DefaultLabels(test.n); !slices.Equal(got, test.want) {
			t.Errorf("DefaultLabels(%d) = %v, want %v", test.n, got, test.want)
		}
	}
	for n := 1; n <= MaxChannels; n++ {
		l := DefaultLabels(n)
		if len(l) != n || len(slices.Compact(slices.Sorted(slices.Values(l)))) != n {
			t.Errorf("DefaultLabels(%d) = %v: want %d distinct labels", n, l, n)
		}
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	s := manual(t, Config{})
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"Activation bad gesture", func() { Activation(Gesture(9), 0, 8) }},
		{"Activation bad channel", func() { Activation(Pinch, 8, 8) }},
		{"Pattern short dst", func() { Pattern(make([]float64, 3), Pinch, 4) }},
		{"Next short dst", func() { s.Next(make([]float64, 7)) }},
		{"SetGesture invalid", func() { s.SetGesture(-1) }},
		{"SetLevel NaN", func() { s.SetLevel(math.NaN()) }},
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
