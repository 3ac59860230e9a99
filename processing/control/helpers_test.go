package control

import (
	"math"
	"testing"
	"time"

	"myorehab/processing/pipeline"
	"myorehab/processing/quality"
)

const tol = 1e-6

// Classes of the test model, in class-index order.
const (
	clsRest = iota
	clsGrip
	clsOpen
	clsPinch
	clsWrist // no posture
)

var testClasses = []string{"rest", "Power Grip", "open hand", "pinch", "wrist flexion"}

// testConfig is a five-finger patient with uneven limits: ranges that do
// not span 0..1000 (so postures get clamped), different speeds and forces.
func testConfig() Config {
	cfg := DefaultConfig(append([]string(nil), testClasses...), 4)
	cfg.Limits = []FingerLimits{
		{MinPosition: 50, MaxPosition: 700, MaxForce: 800, MaxSpeed: 400},
		{MinPosition: 0, MaxPosition: 900, MaxForce: 1000, MaxSpeed: 500},
		{MinPosition: 100, MaxPosition: 1000, MaxForce: 1200, MaxSpeed: 300},
		{MinPosition: 0, MaxPosition: 800, MaxForce: 600, MaxSpeed: 250},
		{MinPosition: 20, MaxPosition: 600, MaxForce: 400, MaxSpeed: 200},
	}
	cfg.SafeForces = []uint16{50, 50, 60, 40, 30}
	cfg.ChannelLabels = []string{"FDS", "EDC", "FCU", "ECU"}
	cfg.Postures[2].Channels = []int{0, 1} // pinch relies on FDS and EDC
	return cfg
}

func mustNew(tb testing.TB, cfg Config) *Controller {
	tb.Helper()
	c, err := NewController(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func goodQuality(n int) []quality.Status {
	q := make([]quality.Status, n)
	for i := range q {
		q[i] = quality.Status{Level: quality.Good, OKForControl: true}
	}
	return q
}

// rig drives a controller with a healthy, armed, fresh input that tests
// then spoil.
type rig struct {
	tb     testing.TB
	c      *Controller
	in     Input
	dst    []Target
	prev   []Target
	st     Status
	fresh  bool // each step brings a new decision made at Now
	sample uint64
}

func newRig(tb testing.TB, cfg Config) *rig {
	c := mustNew(tb, cfg)
	r := &rig{tb: tb, c: c, dst: make([]Target, c.Fingers()), prev: c.Safe(nil), fresh: true}
	r.in = Input{
		Decision: pipeline.Decision{Class: clsGrip, Confidence: 0.9, Level: 1},
		Stable:   true,
		Quality:  goodQuality(cfg.Channels),
		Link:     LinkHealthy,
		Armed:    true,
	}
	return r
}

// step advances time by dt and runs one step, checking the limits and
// the rate limit on the way.
func (r *rig) step(dt time.Duration) Status {
	r.tb.Helper()
	r.in.Now += dt
	if r.fresh {
		r.sample += 50
		r.in.Decision.Sample, r.in.DecidedAt = r.sample, r.in.Now
	}
	r.st = r.c.Step(r.dst, r.in)
	credit := min(max(dt, 0), r.c.cfg.MaxStep).Seconds()
	checkTargets(r.tb, r.c, r.prev, r.dst, credit, r.st)
	copy(r.prev, r.dst)
	return r.st
}

// run steps every dt for d.
func (r *rig) run(d, dt time.Duration) Status {
	r.tb.Helper()
	for t := time.Duration(0); t < d; t += dt {
		r.step(dt)
	}
	return r.st
}

// checkTargets asserts the invariants of every output: finite, within the
// limits, and (outside e-stop) within the rate limit of the previous one.
func checkTargets(tb testing.TB, c *Controller, prev, cur []Target, dt float64, st Status) {
	tb.Helper()
	for i, t := range cur {
		l := c.lim[i]
		if !finite(t.Position) || !finite(t.ForceLimit) || !finite(t.MaxSpeed) {
			tb.Fatalf("finger %d: non-finite target %+v (%v)", i, t, st)
		}
		if t.Position < float64(l.MinPosition) || t.Position > float64(l.MaxPosition) ||
			t.ForceLimit < 0 || t.ForceLimit > float64(l.MaxForce) ||
			t.MaxSpeed < 0 || t.MaxSpeed > float64(l.MaxSpeed) {
			tb.Fatalf("finger %d: target %+v outside limits %+v (%v)", i, t, l, st)
		}
		if st.State == EStopped {
			if t != c.safe[i] {
				tb.Fatalf("finger %d: e-stop output %+v, want safe %+v", i, t, c.safe[i])
			}
			continue
		}
		if d := math.Abs(t.Position - prev[i].Position); d > float64(l.MaxSpeed)*dt+tol {
			tb.Fatalf("finger %d: moved %g‰ in %g s, limit %d‰/s (%v)", i, d, dt, l.MaxSpeed, st)
		}
		if rise := t.ForceLimit - prev[i].ForceLimit; rise > float64(l.MaxForce)*dt/c.cfg.ForceRise.Seconds()+tol {
			tb.Fatalf("finger %d: force rose %g cN in %g s (%v)", i, rise, dt, st)
		}
	}
}

// atSafe reports whether the targets are the safe state.
func atSafe(c *Controller, ts []Target) bool {
	for i, t := range ts {
		if t != c.safe[i] {
			return false
		}
	}
	return true
}

// posture returns the named posture's positions clamped to c's limits.
func clampedPosture(c *Controller, name string) []float64 {
	k := postureIndex(c.cfgPostures(), name)
	out := make([]float64, c.Fingers())
	for i := range out {
		out[i] = c.clamp(i, Target{Position: c.postures[k].pos[i]}).Position
	}
	return out
}

// cfgPostures rebuilds the posture list (names only) for postureIndex.
func (c *Controller) cfgPostures() []Posture {
	ps := make([]Posture, len(c.postures))
	for k, p := range c.postures {
		ps[k].Name = p.name
	}
	return ps
}

func positions(ts []Target) []float64 {
	p := make([]float64, len(ts))
	for i, t := range ts {
		p[i] = t.Position
	}
	return p
}

func near(a, b []float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}
