package control

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"myorehab/processing/classify"
	"myorehab/processing/quality"
)

// fault is a kind of fault episode of the property test.
type fault int

const (
	fDisarm fault = iota
	fLinkLost
	fLinkFault
	fOverflow
	fEStop
	// Decision faults (not in the passive mode):
	fStale
	fQuality
	fBadClass
	fLowConfidence // these three hold for HoldTime first
	fRejected
	fUnstable
	numFaults
)

var faultNames = [...]string{"disarm", "link lost", "link fault", "overflow", "e-stop", "stale",
	"quality", "bad class", "low confidence", "rejected", "unstable"}

func (f fault) holds() bool   { return f >= fLowConfidence }
func (f fault) latches() bool { return f >= fLinkLost && f <= fEStop }

// randConfig returns a random valid configuration.
func randConfig(rng *rand.Rand) Config {
	n := 1 + rng.IntN(MaxFingers)
	cfg := Config{Fingers: n, Limits: make([]FingerLimits, n), Channels: 1 + rng.IntN(8)}
	for i := range cfg.Limits {
		lo := rng.IntN(1001)
		hi := lo + rng.IntN(1001-lo)
		speed := 50 + rng.IntN(MaxSpeedLimit-49)
		if rng.IntN(2) == 0 {
			speed = 50 + rng.IntN(300)
		}
		cfg.Limits[i] = FingerLimits{MinPosition: uint16(lo), MaxPosition: uint16(hi),
			MaxForce: uint16(1 + rng.IntN(3000)), MaxSpeed: uint16(speed)}
	}
	if rng.IntN(2) == 0 {
		cfg.SafePositions = make([]uint16, n)
		cfg.SafeForces = make([]uint16, n)
		for i, l := range cfg.Limits {
			cfg.SafePositions[i] = l.MinPosition + uint16(rng.IntN(int(l.MaxPosition-l.MinPosition)+1))
			cfg.SafeForces[i] = uint16(rng.IntN(int(l.MaxForce) + 1))
		}
	}
	if rng.IntN(2) == 0 {
		cfg.Open = randPositions(rng, n)
	}
	for k := range 2 + rng.IntN(4) {
		p := Posture{Name: "p" + strconv.Itoa(k), Positions: randPositions(rng, n)}
		if rng.IntN(2) == 0 {
			for c := range cfg.Channels {
				if rng.IntN(2) == 0 {
					p.Channels = append(p.Channels, c)
				}
			}
		}
		cfg.Postures = append(cfg.Postures, p)
	}
	for k := range 2 + rng.IntN(5) {
		switch rng.IntN(4) {
		case 0:
			cfg.Classes = append(cfg.Classes, DefaultRestClass)
		case 1:
			cfg.Classes = append(cfg.Classes, "other"+strconv.Itoa(k))
		default:
			cfg.Classes = append(cfg.Classes, cfg.Postures[rng.IntN(len(cfg.Postures))].Name)
		}
	}
	cfg.Mode = Mode(rng.IntN(int(numModes)))
	cfg.AssistLevel = rng.IntN(101)
	cfg.MinConfidence = 0.3 + 0.65*rng.Float64()
	cfg.MaxAge = time.Duration(50+rng.IntN(250)) * time.Millisecond
	cfg.StableDecisions = 1 + rng.IntN(3)
	if rng.IntN(2) == 0 {
		cfg.HoldTime = time.Duration(rng.IntN(300)) * time.Millisecond
	}
	cfg.MaxStep = time.Duration(20+rng.IntN(231)) * time.Millisecond
	cfg.ForceRise = time.Duration(50+rng.IntN(2000)) * time.Millisecond
	cfg.LevelMin = 0.5 * rng.Float64()
	cfg.LevelMax = cfg.LevelMin + (1-cfg.LevelMin)*(0.01+0.99*rng.Float64())
	cfg.PassivePeriod = time.Duration(1000+rng.IntN(19000)) * time.Millisecond
	if rng.IntN(2) == 0 {
		cfg.PassivePosture = cfg.Postures[0].Name
	}
	cfg.AssistGap = 1 + rng.IntN(1000)
	return cfg
}

func randPositions(rng *rand.Rand, n int) []uint16 {
	p := make([]uint16, n)
	for i := range p {
		p[i] = uint16(rng.IntN(FullFlexion + 1))
	}
	return p
}

// TestProperty runs random configurations through random decisions,
// signal quality, arming, link states, dropped blocks, e-stops and time
// steps (some zero, some long stalls, some going back), and asserts at
// every step that no target leaves the patient's limits or moves faster
// than the speed limit (force limits rise no faster than ForceRise
// allows), that no fault input ever leaves the controller active, and,
// in fault episodes, that the targets are at the safe state within
// RampTime of the fault (HoldTime + MaxStep + RampTime for the faults
// that hold), at once for an e-stop.
func TestProperty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	configs, steps := 200, 4000
	if testing.Short() {
		configs = 40
	}
	var checked [numFaults]int
	var active, total int
	for k := range configs {
		cfg := randConfig(rng)
		c, err := NewController(cfg)
		if err != nil {
			t.Fatalf("config %d: %v\n%+v", k, err, cfg)
		}
		a, n := runProperty(t, rng, c, steps, &checked)
		active += a
		total += n
	}
	for f, n := range checked {
		if n < 20 {
			t.Errorf("%s: the safe-state deadline was checked in %d episodes only", faultNames[f], n)
		}
	}
	if active < total/10 {
		t.Errorf("active in %d of %d steps only: the test hardly moves the glove", active, total)
	}
	t.Logf("%d steps, %d active; episodes checked per fault: %v", total, active, checked)
}

// runProperty runs one controller; it returns the number of active steps
// and of steps.
func runProperty(t *testing.T, rng *rand.Rand, c *Controller, steps int, checked *[numFaults]int) (active, total int) {
	cfg := c.cfg
	n := c.Fingers()
	dst := make([]Target, n)
	prev := c.Safe(nil)
	in := Input{Quality: goodQuality(cfg.Channels), Link: LinkHealthy, Armed: true, Stable: true}
	measured := make([]float64, n)
	var (
		now, clock     time.Duration // input time; the controller's clock (never goes back)
		started        bool
		sample         uint64
		ep             = fault(-1) // current episode, or −1
		epLeft         time.Duration
		effective      bool
		sinceEffective time.Duration // credited time since the fault took effect
		deadline       time.Duration
		verified       bool
		rearm          bool
		staleAt        time.Duration
		nextEpisode    = time.Duration(rng.IntN(3000)) * time.Millisecond
	)
	for step := range steps {
		// Time.
		var dt time.Duration
		switch r := rng.IntN(100); {
		case r < 3:
			dt = 0
		case r < 5:
			dt = cfg.MaxStep + time.Duration(rng.IntN(1000))*time.Millisecond
		case r < 7:
			dt = -time.Duration(rng.IntN(100)) * time.Millisecond
		default:
			dt = time.Duration(1+rng.IntN(int(cfg.MaxStep/time.Millisecond))) * time.Millisecond
		}
		now += dt
		var credit time.Duration
		if !started {
			started, clock = true, now
		} else if now > clock {
			credit = min(now-clock, cfg.MaxStep)
			clock = now
		}
		in.Now = now

		// Healthy-ish random inputs.
		in.EStop = false
		in.Armed = rng.IntN(100) != 0
		in.Link = LinkHealthy
		if rng.IntN(2000) == 0 {
			in.Link = Link(rng.IntN(3))
		}
		if rng.IntN(3000) == 0 {
			in.Dropped++
		}
		if rng.IntN(5) < 3 {
			sample += uint64(1 + rng.IntN(100))
			in.Decision.Sample = sample
			if rng.IntN(10) < 3 { // classes persist, as a patient's gestures do
				in.Decision.Class = rng.IntN(len(c.classes)+2) - 1 // one invalid class
			}
			in.Decision.Confidence = rng.Float64()
			if rng.IntN(3) > 0 {
				in.Decision.Confidence = 0.9 + 0.1*rng.Float64()
			}
			in.Decision.Level = 1.2*rng.Float64() - 0.1
			if rng.IntN(50) == 0 {
				in.Decision.Level = math.NaN()
			}
			in.DecidedAt = now - time.Duration(rng.Float64()*1.3*float64(cfg.MaxAge))
		}
		in.Stable = rng.IntN(100) < 90
		for ch := range in.Quality {
			in.Quality[ch].OKForControl = rng.IntN(200) != 0
		}
		in.Measured = measured
		for i := range measured {
			measured[i] = float64(rng.IntN(1001))
		}
		switch rng.IntN(20) {
		case 0:
			in.Measured = nil
		case 1:
			measured[rng.IntN(n)] = math.NaN()
		}
		if rearm { // one step disarmed after a latched fault
			in.Armed, rearm = false, false
		}

		// Fault episodes.
		if ep < 0 && step > 0 {
			nextEpisode -= credit
			if nextEpisode <= 0 {
				nf := numFaults
				if c.Mode() == Passive {
					nf = fStale
				}
				ep = fault(rng.IntN(int(nf)))
				effective, sinceEffective, verified = false, 0, false
				deadline = c.RampTime()
				if ep.holds() {
					deadline += cfg.HoldTime + cfg.MaxStep
				}
				epLeft = deadline + time.Duration(rng.IntN(1000))*time.Millisecond
				switch ep {
				case fOverflow:
					in.Dropped++
				case fEStop:
					in.EStop = true
				case fStale:
					staleAt = now
				}
			}
		}
		wasEffective := effective
		switch ep {
		case fDisarm:
			in.Armed, effective = false, true
		case fLinkLost:
			in.Link, effective = LinkLost, true
		case fLinkFault:
			in.Link, effective = LinkFault, true
		case fOverflow: // latched until the therapist re-arms, who does not
			in.Armed, effective = true, true
		case fEStop:
			effective = true // latched until ClearEStop
		case fStale:
			in.Decision.Sample, in.DecidedAt = sample, staleAt // no new decision
			effective = now-staleAt > cfg.MaxAge
		case fQuality:
			for ch := range in.Quality {
				in.Quality[ch].OKForControl = false
			}
			effective = true
		case fBadClass:
			in.Decision.Class, effective = len(c.classes)+rng.IntN(3), true
		case fLowConfidence:
			in.Decision.Confidence, effective = cfg.MinConfidence*rng.Float64(), true
		case fRejected:
			in.Decision.Class, effective = classify.NoDecision, true
		case fUnstable:
			in.Stable, effective = false, true
		}
		if wasEffective {
			sinceEffective += credit
		}

		st := c.Step(dst, in)
		total++
		if st.State == Active {
			active++
		}

		// Invariants of every step.
		checkTargets(t, c, prev, dst, credit.Seconds(), st)
		copy(prev, dst)
		if (st.State == Safe || st.State == EStopped) != atSafe(c, dst) && st.State != Active && st.State != Holding {
			t.Fatalf("state %v but at safe %v", st.State, atSafe(c, dst))
		}
		if (!in.Armed || in.Link != LinkHealthy || in.EStop) && (st.State == Active || st.State == Holding) {
			t.Fatalf("armed %v link %v e-stop %v: %v", in.Armed, in.Link, in.EStop, st)
		}
		if in.EStop && st.State != EStopped {
			t.Fatalf("e-stop pressed: %v", st)
		}

		// The episode's deadline.
		if ep >= 0 && effective {
			if ep == fEStop && st.State != EStopped {
				t.Fatalf("e-stop latched: %v", st)
			}
			if sinceEffective >= deadline || ep == fEStop {
				if !atSafe(c, dst) || (st.State != Safe && st.State != EStopped) {
					t.Fatalf("%s: %v after the fault (deadline %v): %v, %+v, want the safe state %+v",
						faultNames[ep], sinceEffective, deadline, st, dst, c.safe)
				}
				if !verified {
					verified = true
					checked[ep]++
				}
			}
			epLeft -= credit
			if epLeft <= 0 && sinceEffective >= deadline {
				if ep == fEStop {
					c.ClearEStop()
				}
				rearm = ep.latches()
				ep = -1
				nextEpisode = time.Duration(rng.IntN(3000)) * time.Millisecond
				if rng.IntN(4) == 0 {
					if err := c.SetAssist(Mode(rng.IntN(int(numModes))), rng.IntN(101)); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	return active, total
}

// TestPropertyQuality runs the property over quality Statuses that carry
// reasons, as the Monitor publishes them, to cover the messages' fields.
func TestPropertyQuality(t *testing.T) {
	t.Parallel()
	r := newRig(t, testConfig())
	r.in.Quality[0] = quality.Status{Level: quality.Warn, OKForControl: true,
		Reasons: []quality.Reason{{Code: quality.Mains, Level: quality.Warn}}}
	if st := r.run(time.Second, tick); st.State != Active {
		t.Errorf("a warning does not gate: %v", st)
	}
}
