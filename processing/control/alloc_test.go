package control

import (
	"testing"
	"time"

	"myorehab/processing/quality"
)

// stepper cycles one controller through every path of Step: each mode,
// active, holding, ramping, faults and e-stop.
type stepper struct {
	c   *Controller
	in  Input
	dst []Target
	k   int
}

func newStepper(tb testing.TB) *stepper {
	cfg := testConfig()
	cfg.HoldTime = 40 * time.Millisecond
	r := newRig(tb, cfg)
	r.in.Measured = make([]float64, 5)
	r.in.Quality[1].Reasons = make([]quality.Reason, 0, 1)
	return &stepper{c: r.c, in: r.in, dst: r.dst}
}

func (s *stepper) step() {
	s.k++
	in := &s.in
	in.Now += 10 * time.Millisecond
	in.Decision.Sample += 10
	in.DecidedAt = in.Now
	in.Decision.Class = s.k / 7 % len(testClasses)
	in.Decision.Confidence = 0.9
	in.Decision.Level = float64(s.k%100) / 100
	in.Armed = s.k%500 != 0
	in.Link = LinkHealthy
	in.EStop = false
	switch s.k % 300 {
	case 50:
		in.Decision.Confidence = 0.2
	case 100:
		in.Link = LinkLost
	case 150:
		in.Quality[1].OKForControl = false
		in.Quality[1].Reasons = append(in.Quality[1].Reasons[:0], quality.Reason{Code: quality.Flat})
	case 151:
		in.Quality[1].OKForControl = true
	case 200:
		in.Dropped++
	case 250:
		in.EStop = true
	case 251:
		s.c.ClearEStop()
	}
	if s.k%1000 == 0 {
		_ = s.c.SetAssist(Mode(s.k/1000%4), 60)
	}
	s.c.Step(s.dst, s.in)
}

func TestStepNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	s := newStepper(t)
	if allocs := testing.AllocsPerRun(5000, s.step); allocs != 0 {
		t.Errorf("Step: %g allocs per call", allocs)
	}
}

// BenchmarkStep measures one control step of five fingers, cycling
// through modes, gates and faults.
func BenchmarkStep(b *testing.B) {
	s := newStepper(b)
	b.ReportAllocs()
	for b.Loop() {
		s.step()
	}
}
