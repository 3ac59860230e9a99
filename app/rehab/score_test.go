package rehab

import (
	"math"
	"testing"

	"myorehab/acquisition"
	"myorehab/app/engine"
)

// constant returns a series of n values v at rate hz.
func constant(v float64, seconds, hz float64) Series {
	n := int(math.Round(seconds * hz))
	s := Series{Level: make([]float64, n), Dur: make([]float64, n)}
	for i := range n {
		s.Level[i], s.Dur[i] = v, 1/hz
	}
	return s
}

func TestScoreBandKnownAnswer(t *testing.T) {
	// 40 % MVC held 3 s in a 30–50 % band: 3 s in band.
	in, peak, mean, onset := ScoreBand(constant(40, 3, 1000), 30, 50)
	if math.Abs(in-3) > 1e-9 || peak != 40 || math.Abs(mean-40) > 1e-9 || onset != 0 {
		t.Errorf("in band %v s, peak %v, mean %v, onset %v; want 3 s, 40, 40, 0", in, peak, mean, onset)
	}
	// 1 s of rest, then 2 s at 40 %, then 1 s at 60 %: 2 s in band, onset 1 s.
	s := constant(0, 1, 100)
	for _, part := range []Series{constant(40, 2, 100), constant(60, 1, 100)} {
		s.Level, s.Dur = append(s.Level, part.Level...), append(s.Dur, part.Dur...)
	}
	in, peak, _, onset = ScoreBand(s, 30, 50)
	if math.Abs(in-2) > 1e-9 || peak != 60 || math.Abs(onset-1) > 1e-9 {
		t.Errorf("in band %v s, peak %v, onset %v; want 2 s, 60, 1 s", in, peak, onset)
	}
	// Never reaching the band: no onset.
	if _, _, _, onset := ScoreBand(constant(10, 3, 100), 30, 50); !math.IsNaN(onset) {
		t.Errorf("onset %v for a level below the band", onset)
	}
}

func TestCoContractionKnownPair(t *testing.T) {
	flexor, extensor := constant(40, 2, 100).Level, constant(10, 2, 100).Level
	// 2·Σmin / Σ(a+b) = 2·10 / 50 = 40 %.
	if c := CoContraction(flexor, extensor); math.Abs(c-40) > 1e-9 {
		t.Errorf("CCI %v %%, want 40 %%", c)
	}
	if c := CoContraction(flexor, flexor); math.Abs(c-100) > 1e-9 {
		t.Errorf("equal activity: CCI %v %%, want 100 %%", c)
	}
	if c := CoContraction(flexor, make([]float64, len(flexor))); c != 0 {
		t.Errorf("silent antagonist: CCI %v %%, want 0", c)
	}
	// Alternating activity, half the time each: no overlap.
	a, b := []float64{50, 0, 50, 0}, []float64{0, 50, 0, 50}
	if c := CoContraction(a, b); c != 0 {
		t.Errorf("alternating: CCI %v %%, want 0", c)
	}
	if c := CoContraction(a, b[:3]); !math.IsNaN(c) {
		t.Errorf("lengths differ: CCI %v, want NaN", c)
	}
}

// TestMonitorScoresSineAt40 feeds the monitor a sine whose RMS is 40 % of
// the MVC on the agonist and 10 % on the antagonist for 3 s: the rep scores
// 3 s in a 30–50 % band once the 250 ms window has filled, and a CCI of 40 %.
func TestMonitorScoresSineAt40(t *testing.T) {
	const rate, blk = 1000.0, 20
	info := acquisition.StreamInfo{SampleRateHz: rate, Channels: 2, Labels: []string{"FDS", "EDC"}}
	m := NewMonitor()
	m.Consumer(info, blk)
	mvc := []float64{100, 100}
	amp := []float64{40 * math.Sqrt2, 10 * math.Sqrt2} // µV peak: RMS 40 and 10 µV
	b := acquisition.NewBlock(2, blk)
	total := int(3.25 * rate) // 250 ms to fill the window, then the 3 s hold
	for start := 0; start < total; start += blk {
		b.Start, b.Len = uint64(start), blk
		for ch := range 2 {
			x := b.Chan(ch)
			for i := range blk {
				x[i] = amp[ch] * math.Sin(2*math.Pi*100*float64(start+i)/rate)
			}
		}
		m.take(&engine.Frame{Raw: b, Clean: b})
	}
	tr := m.Trace(250, uint64(total))
	ex := &Exercise{Kind: KindMVC, TargetLowPct: 30, TargetHighPct: 50}
	sc := scoreTrace(tr, ex, []int{0}, []int{1}, mvc, -1)
	if math.Abs(sc.HoldS-3) > 1e-9 || math.Abs(sc.TimeInBandS-3) > 1e-9 || !sc.Success {
		t.Errorf("hold %v s, in band %v s, success %v; want 3 s in band", sc.HoldS, sc.TimeInBandS, sc.Success)
	}
	if math.Abs(sc.PeakPct-40) > 0.5 || math.Abs(sc.MeanPct-40) > 0.5 || math.Abs(sc.CCIPct-40) > 1 {
		t.Errorf("peak %v, mean %v, CCI %v; want 40, 40, 40", sc.PeakPct, sc.MeanPct, sc.CCIPct)
	}
}

func TestNextAssist(t *testing.T) {
	a := Assist{Mode: "assist", Level: 50}
	level := 50
	for range 10 { // successes: down by 10, not below 50 − 30
		level = NextAssist(a, level, true)
	}
	if level != 20 {
		t.Errorf("after successes %d, want 20", level)
	}
	for range 10 { // failures: up, not above 50 + 30
		level = NextAssist(a, level, false)
	}
	if level != 80 {
		t.Errorf("after failures %d, want 80", level)
	}
	if l := NextAssist(Assist{Mode: "assist", Level: 95}, 95, false); l != 100 {
		t.Errorf("bounded by 100: %d", l)
	}
	if l := NextAssist(Assist{Mode: "assist", Level: 50, Locked: true}, 50, true); l != 50 {
		t.Errorf("locked: %d, want 50", l)
	}
}
