package control

import (
	"strings"
	"testing"
	"time"

	"myorehab/processing/classify"
	"myorehab/processing/quality"
)

const tick = 20 * time.Millisecond // a 50 Hz control loop

// TestGates drives the glove to a power grip, spoils one input and checks
// that the targets ramp to safe (never jumping, within RampTime) for the
// stated reason, and what it takes to move again.
func TestGates(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name    string
		mode    Mode // Triggered when zero, unless passive
		passive bool
		spoil   func(r *rig)
		mend    func(r *rig)
		reason  Reason
		latched bool   // needs a fresh ARM (or ClearEStop) once mended
		says    string // in Status.String while ramping
	}{
		{
			name:   "stale",
			spoil:  func(r *rig) { r.fresh, r.in.DecidedAt = false, r.in.Now-DefaultMaxAge },
			mend:   func(r *rig) { r.fresh = true },
			reason: ReasonStale, says: "ramping to safe: stale decision (170 ms old)",
		},
		{
			name:   "decision from the future",
			spoil:  func(r *rig) { r.fresh, r.in.DecidedAt = false, r.in.Now+time.Hour },
			mend:   func(r *rig) { r.fresh = true },
			reason: ReasonStale, says: "stale decision",
		},
		{
			name:   "no decision",
			spoil:  func(r *rig) { r.fresh, r.in.Decision.Sample = false, 0 },
			mend:   func(r *rig) { r.fresh = true },
			reason: ReasonNoDecision, says: "ramping to safe: no decision yet",
		},
		{
			name: "electrode off",
			spoil: func(r *rig) {
				r.in.Quality[0] = quality.Status{Level: quality.Bad, Reasons: []quality.Reason{{Code: quality.Flat, Level: quality.Bad}}}
			},
			mend:   func(r *rig) { r.in.Quality = goodQuality(4) },
			reason: ReasonQuality, says: "ramping to safe: electrode off on FDS",
		},
		{
			name: "mains on an unlabelled channel",
			spoil: func(r *rig) {
				r.c.cfg.ChannelLabels = nil
				r.in.Quality[2] = quality.Status{Level: quality.Bad, Reasons: []quality.Reason{{Code: quality.Mains, Level: quality.Bad}}}
			},
			mend:   func(r *rig) { r.in.Quality = goodQuality(4) },
			reason: ReasonQuality, says: "mains interference on channel 3",
		},
		{
			name:   "quality not assessed yet",
			spoil:  func(r *rig) { r.in.Quality[3] = quality.Status{} },
			mend:   func(r *rig) { r.in.Quality = goodQuality(4) },
			reason: ReasonQuality, says: "signal not assessed yet on ECU",
		},
		{
			name:   "quality missing",
			spoil:  func(r *rig) { r.in.Quality = r.in.Quality[:2] },
			mend:   func(r *rig) { r.in.Quality = goodQuality(4) },
			reason: ReasonQuality, says: "on FCU",
		},
		{
			name:   "low confidence",
			spoil:  func(r *rig) { r.in.Decision.Confidence = 0.4 },
			mend:   func(r *rig) { r.in.Decision.Confidence = 0.9 },
			reason: ReasonLowConfidence, says: "ramping to safe: low confidence (40 %)",
		},
		{
			name:   "rejected",
			spoil:  func(r *rig) { r.in.Decision.Class, r.in.Decision.Confidence = classify.NoDecision, 0 },
			mend:   func(r *rig) { r.in.Decision.Class, r.in.Decision.Confidence = clsGrip, 0.9 },
			reason: ReasonRejected, says: "no gesture recognised",
		},
		{
			name:   "unstable vote",
			spoil:  func(r *rig) { r.in.Stable = false },
			mend:   func(r *rig) { r.in.Stable = true },
			reason: ReasonUnstable, says: "unstable decision",
		},
		{
			name:   "class outside the model",
			spoil:  func(r *rig) { r.in.Decision.Class = 99 },
			mend:   func(r *rig) { r.in.Decision.Class = clsGrip },
			reason: ReasonBadClass, says: "unknown class 99",
		},
		{
			name:   "no finger positions in assist-as-needed",
			mode:   AssistAsNeeded,
			spoil:  func(r *rig) { r.in.Measured = nil },
			mend:   func(r *rig) { r.in.Measured = make([]float64, 5) },
			reason: ReasonNoFeedback, says: "no finger positions from the glove",
		},
		{
			name:   "disarmed",
			spoil:  func(r *rig) { r.in.Armed = false },
			mend:   func(r *rig) { r.in.Armed = true },
			reason: ReasonDisarmed, says: "ramping to safe: disarmed",
		},
		{
			name:    "disarmed in passive mode",
			passive: true,
			spoil:   func(r *rig) { r.in.Armed = false },
			mend:    func(r *rig) { r.in.Armed = true },
			reason:  ReasonDisarmed, says: "disarmed",
		},
		{
			name:   "link lost",
			spoil:  func(r *rig) { r.in.Link = LinkLost },
			mend:   func(r *rig) { r.in.Link = LinkHealthy },
			reason: ReasonLinkLost, latched: true, says: "ramping to safe: glove link lost; re-arm to continue",
		},
		{
			name:    "link lost in passive mode",
			passive: true,
			spoil:   func(r *rig) { r.in.Link = LinkLost },
			mend:    func(r *rig) { r.in.Link = LinkHealthy },
			reason:  ReasonLinkLost, latched: true, says: "glove link lost",
		},
		{
			name:   "glove fault",
			spoil:  func(r *rig) { r.in.Link = LinkFault },
			mend:   func(r *rig) { r.in.Link = LinkHealthy },
			reason: ReasonLinkFault, latched: true, says: "glove fault; re-arm",
		},
		{
			name:   "dropped block",
			spoil:  func(r *rig) { r.in.Dropped++ },
			mend:   func(*rig) {},
			reason: ReasonOverflow, latched: true, says: "EMG blocks dropped on the control queue; re-arm",
		},
		{
			name:    "dropped block in passive mode",
			passive: true,
			spoil:   func(r *rig) { r.in.Dropped += 3 },
			mend:    func(*rig) {},
			reason:  ReasonOverflow, latched: true, says: "EMG blocks dropped",
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.Mode = test.mode
			if test.mode == Passive && !test.passive {
				cfg.Mode = Triggered
			}
			r := newRig(t, cfg)
			r.in.Measured = make([]float64, 5)
			if st := r.run(3*time.Second, tick); st.State != Active {
				t.Fatalf("before: %v (%v)", st.State, st)
			}
			if test.mode == Triggered && !near(positions(r.dst), clampedPosture(r.c, "power grip")) {
				t.Fatalf("before: at %v, want the clamped power grip %v", positions(r.dst), clampedPosture(r.c, "power grip"))
			}
			if atSafe(r.c, r.dst) {
				t.Fatal("before: already at the safe state")
			}
			test.spoil(r)
			st := r.step(tick)
			if st.State != RampingToSafe || st.Reason != test.reason || st.Latched != test.latched {
				t.Fatalf("spoilt: %v/%v latched %v, want ramping to safe/%v latched %v", st.State, st.Reason, st.Latched, test.reason, test.latched)
			}
			if s := st.String(); !strings.Contains(s, test.says) {
				t.Errorf("status %q, want it to contain %q", s, test.says)
			}
			for end := r.in.Now + r.c.RampTime(); r.in.Now < end; {
				if st = r.step(tick); st.State != RampingToSafe && st.State != Safe {
					t.Fatalf("while ramping: %v", st)
				}
			}
			if !atSafe(r.c, r.dst) || st.State != Safe || st.Reason != test.reason {
				t.Fatalf("after RampTime %v: %v, %+v, want the safe state %+v", r.c.RampTime(), st, r.dst, r.c.safe)
			}
			test.mend(r)
			st = r.step(tick)
			if test.latched {
				if st.State != Safe || !st.Latched {
					t.Fatalf("mended without re-arming: %v (%v)", st.State, st)
				}
				r.in.Armed = false
				r.step(tick)
				r.in.Armed = true
				st = r.step(tick)
			}
			if st.State != Active {
				t.Fatalf("mended: %v (%v)", st.State, st)
			}
		})
	}
}

// TestUnusedChannel checks that only the channels a posture relies on gate
// it: pinch uses FDS and EDC, power grip every channel.
func TestUnusedChannel(t *testing.T) {
	t.Parallel()
	r := newRig(t, testConfig())
	r.in.Decision.Class = clsPinch
	r.in.Quality[3] = quality.Status{Level: quality.Bad, Reasons: []quality.Reason{{Code: quality.Motion, Level: quality.Bad}}}
	if st := r.run(time.Second, tick); st.State != Active || st.Posture != "pinch" {
		t.Fatalf("pinch with a bad ECU: %v", st)
	}
	r.in.Decision.Class = clsGrip
	if st := r.step(tick); st.State != RampingToSafe || st.Reason != ReasonQuality || st.Channel != 3 || st.Quality != quality.Motion {
		t.Fatalf("power grip with a bad ECU: %+v", st)
	}
	if s := r.st.String(); s != "ramping to safe: movement artefacts on ECU" {
		t.Errorf("status %q", s)
	}
}

// TestEStop checks that an e-stop makes the output safe at once, stays
// latched whatever the inputs, and needs ClearEStop and a fresh ARM.
func TestEStop(t *testing.T) {
	t.Parallel()
	r := newRig(t, testConfig())
	r.run(2*time.Second, tick)
	if atSafe(r.c, r.dst) {
		t.Fatal("before: at the safe state")
	}
	r.in.EStop = true
	st := r.step(tick)
	if st.State != EStopped || st.Reason != ReasonEStop || !st.Latched || !atSafe(r.c, r.dst) {
		t.Fatalf("e-stop: %+v, %+v", st, r.dst)
	}
	if s := st.String(); s != "e-stop: latched until cleared" {
		t.Errorf("status %q", s)
	}
	r.in.EStop = false
	if st := r.run(time.Second, tick); st.State != EStopped {
		t.Fatalf("released button, good inputs: %v", st)
	}
	r.in.Armed = false
	r.step(tick)
	r.in.Armed = true
	if st := r.step(tick); st.State != EStopped {
		t.Fatalf("re-armed without clearing: %v", st)
	}
	r.in.Dropped++ // drops during the e-stop do not trip a fault later
	r.step(tick)
	r.c.ClearEStop()
	if st := r.step(tick); st.State != Safe || st.Reason != ReasonDisarmed {
		t.Fatalf("cleared, not re-armed: %+v", st)
	}
	r.in.Armed = false
	r.step(tick)
	r.in.Armed = true
	if st := r.step(tick); st.State != Active {
		t.Fatalf("cleared and re-armed: %v", st)
	}
}

// TestHold checks HoldTime: a doubtful decision holds the targets, then
// they ramp to safe; faults never hold.
func TestHold(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.HoldTime = 200 * time.Millisecond
	r := newRig(t, cfg)
	r.run(2*time.Second, tick)
	held := positions(r.dst)
	r.in.Decision.Confidence = 0.1
	for range 10 { // 0..180 ms after the onset
		if st := r.step(tick); st.State != Holding || st.Reason != ReasonLowConfidence || st.Posture != "power grip" {
			t.Fatalf("within HoldTime: %+v", st)
		}
		if !near(positions(r.dst), held) {
			t.Fatalf("holding moved: %v, want %v", positions(r.dst), held)
		}
	}
	if s := r.st.String(); s != "holding: low confidence (10 %)" {
		t.Errorf("status %q", s)
	}
	if st := r.step(tick); st.State != RampingToSafe {
		t.Fatalf("after HoldTime: %v", st)
	}
	// A confident decision again, then a fault: no hold.
	r.in.Decision.Confidence = 0.9
	r.run(time.Second, tick)
	r.in.Link = LinkLost
	if st := r.step(tick); st.State != RampingToSafe {
		t.Fatalf("link lost: %v", st)
	}
	// Never hold when not active: a doubtful decision while ramping.
	r.in.Link, r.in.Armed = LinkHealthy, false
	r.step(tick)
	r.in.Armed = true
	r.in.Decision.Class = classify.NoDecision
	if st := r.step(tick); st.State != RampingToSafe || st.Reason != ReasonRejected {
		t.Fatalf("rejected while ramping: %+v", st)
	}
}

// TestStableDecisions checks the consecutive-decision count: a class must
// repeat StableDecisions times (a decision seen twice counts once).
func TestStableDecisions(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.StableDecisions = 3
	r := newRig(t, cfg)
	r.fresh = false
	r.in.Decision.Sample = 100
	for k, want := range []Reason{ReasonUnstable, ReasonUnstable, ReasonUnstable, ReasonNone, ReasonNone} {
		if k >= 2 { // the first decision is presented three times
			r.in.Decision.Sample += 50
		}
		r.in.DecidedAt = r.in.Now + tick
		if st := r.step(tick); st.Reason != want {
			t.Fatalf("decision %d: %v, want %v", k, st.Reason, want)
		}
	}
	r.in.Decision.Class, r.in.Decision.Sample = clsOpen, r.in.Decision.Sample+50
	r.in.DecidedAt = r.in.Now + tick
	if st := r.step(tick); st.Reason != ReasonUnstable {
		t.Fatalf("new class: %v", st.Reason)
	}
}

// TestRateLimit checks the rate limiter against the speed limits, the
// MaxStep cap on long pauses, and a clock going back.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	r := newRig(t, testConfig())
	r.step(0)
	start := positions(r.dst)
	r.step(10 * time.Millisecond)
	for i, p := range positions(r.dst) {
		if want := start[i] + float64(r.c.lim[i].MaxSpeed)*0.01; abs(p-want) > tol {
			t.Errorf("finger %d after 10 ms: %g‰, want %g‰ (full speed)", i, p, want)
		}
	}
	before := positions(r.dst)
	r.step(2 * time.Second) // a stall: only MaxStep is credited
	for i, p := range positions(r.dst) {
		if want := min(before[i]+float64(r.c.lim[i].MaxSpeed)*DefaultMaxStep.Seconds(), clampedPosture(r.c, "power grip")[i]); abs(p-want) > tol {
			t.Errorf("finger %d after a 2 s stall: %g‰, want %g‰", i, p, want)
		}
	}
	before = positions(r.dst)
	r.step(-time.Second)
	if !near(positions(r.dst), before) {
		t.Errorf("clock went back and the fingers moved: %v → %v", before, positions(r.dst))
	}
}

// TestForceRise checks that force limits rise over ForceRise and fall at
// once.
func TestForceRise(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.AssistLevel = 100
	r := newRig(t, cfg)
	r.step(0)
	r.step(100 * time.Millisecond)
	for i, tg := range r.dst {
		l := r.c.lim[i]
		if want := r.c.safe[i].ForceLimit + float64(l.MaxForce)*0.1/DefaultForceRise.Seconds(); abs(tg.ForceLimit-want) > tol {
			t.Errorf("finger %d after 100 ms: %g cN, want %g", i, tg.ForceLimit, want)
		}
	}
	r.run(time.Second, tick)
	for i, tg := range r.dst {
		if tg.ForceLimit != float64(r.c.lim[i].MaxForce) {
			t.Errorf("finger %d after 1 s: %g cN, want %d", i, tg.ForceLimit, r.c.lim[i].MaxForce)
		}
	}
	r.in.Armed = false
	r.step(tick)
	for i, tg := range r.dst {
		if tg.ForceLimit != r.c.safe[i].ForceLimit {
			t.Errorf("finger %d disarmed: %g cN, want the safe %g at once", i, tg.ForceLimit, r.c.safe[i].ForceLimit)
		}
	}
}

func abs(x float64) float64 { return max(x, -x) }
