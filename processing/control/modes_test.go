package control

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"myorehab/processing/classify"
)

// TestPassive checks the passive cycle against its formula, with no
// decision and no signal quality at all: EMG does not gate it.
func TestPassive(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name    string
		posture string
	}{
		{"full range", ""},
		{"to pinch", "pinch"},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.Mode, cfg.AssistLevel = Passive, 40
			cfg.PassivePeriod, cfg.PassivePosture = 20*time.Second, test.posture
			r := newRig(t, cfg)
			r.fresh, r.in.Quality = false, nil
			r.in.Decision.Sample = 0
			c := r.c
			closed := make([]float64, c.Fingers())
			for i, l := range c.lim {
				closed[i] = float64(l.MaxPosition)
			}
			if test.posture != "" {
				closed = clampedPosture(c, test.posture)
			}
			r.step(0)
			for range 1500 { // 30 s: one and a half cycles
				st := r.step(tick)
				if st.State != Active || st.Posture != test.posture {
					t.Fatalf("t=%v: %+v", r.in.Now, st)
				}
				x := (1 - math.Cos(2*math.Pi*r.in.Now.Seconds()/20)) / 2
				for i, tg := range r.dst {
					open := float64(c.lim[i].MinPosition)
					if want := open + x*(closed[i]-open); math.Abs(tg.Position-want) > tol {
						t.Fatalf("t=%v finger %d: %g‰, want %g‰", r.in.Now, i, tg.Position, want)
					}
					fs := c.safe[i].ForceLimit
					if want := fs + 0.4*(float64(c.lim[i].MaxForce)-fs); r.in.Now > time.Second && tg.ForceLimit != want {
						t.Fatalf("t=%v finger %d: force %g cN, want %g", r.in.Now, i, tg.ForceLimit, want)
					}
				}
			}
			if s := r.st.String(); !strings.HasPrefix(s, "active: passive range of motion") {
				t.Errorf("status %q", s)
			}
		})
	}
}

// TestTriggered follows a sequence of decisions, each held for 3 s, and
// checks the latched posture.
func TestTriggered(t *testing.T) {
	t.Parallel()
	r := newRig(t, testConfig())
	c := r.c
	safe := positions(c.safe)
	for k, test := range []struct {
		class   int
		posture string // "" = safe state
		says    string
	}{
		{clsRest, "rest", "active: EMG-triggered, rest"}, // nothing latched: rest's own posture
		{clsGrip, "power grip", "active: EMG-triggered, power grip"},
		{clsRest, "power grip", "active: EMG-triggered, power grip"}, // relaxing holds the grip
		{clsOpen, "open hand", ""},
		{clsRest, "open hand", ""},
		{clsPinch, "pinch", ""},
		{clsWrist, "", "active: EMG-triggered, relaxed"}, // no posture: relax
		{clsRest, "rest", ""},
	} {
		r.in.Decision.Class = test.class
		st := r.run(4*time.Second, tick)
		want := safe
		if test.posture != "" {
			want = clampedPosture(c, test.posture)
		}
		if st.State != Active || st.Posture != test.posture || !near(positions(r.dst), want) {
			t.Fatalf("%d (%s): %v at %v, want %q at %v", k, testClasses[test.class], st, positions(r.dst), test.posture, want)
		}
		for i, tg := range r.dst {
			fs := c.safe[i].ForceLimit
			want := fs + 0.5*(float64(c.lim[i].MaxForce)-fs)
			if test.posture == "" {
				want = fs
			}
			if tg.ForceLimit != want {
				t.Fatalf("%d finger %d: force %g cN, want %g", k, i, tg.ForceLimit, want)
			}
		}
		if s := st.String(); test.says != "" && s != test.says {
			t.Errorf("%d: status %q, want %q", k, s, test.says)
		}
	}
	// A gate clears the latch: grip, a rejected decision, then rest.
	r.in.Decision.Class = clsGrip
	r.run(3*time.Second, tick)
	r.in.Decision.Class = classify.NoDecision
	r.step(tick)
	r.in.Decision.Class = clsRest
	if st := r.run(3*time.Second, tick); st.Posture != "rest" {
		t.Fatalf("rest after a gate: %v, want the rest posture", st)
	}
	// So does a change of mode.
	r.in.Decision.Class = clsGrip
	r.run(3*time.Second, tick)
	if err := c.SetAssist(Triggered, 50); err != nil {
		t.Fatal(err)
	}
	r.in.Decision.Class = clsRest
	if st := r.step(tick); st.Posture != "rest" {
		t.Fatalf("rest after SetAssist: %v", st)
	}
}

// TestProportional checks the level → position map.
func TestProportional(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		level, s float64
	}{
		{0, 0}, {DefaultLevelMin, 0}, {(DefaultLevelMin + DefaultLevelMax) / 2, 0.5},
		{DefaultLevelMin + 0.1*(DefaultLevelMax-DefaultLevelMin), 0.1},
		{DefaultLevelMax, 1}, {1, 1}, {-1, 0}, {2, 1}, {math.NaN(), 0}, {math.Inf(1), 1},
	} {
		cfg := testConfig()
		cfg.Mode = Proportional
		r := newRig(t, cfg)
		r.in.Decision.Level = test.level
		st := r.run(4*time.Second, tick)
		grip := r.c.postures[postureIndex(cfg.Postures, "power grip")].pos
		for i, tg := range r.dst {
			open := float64(r.c.lim[i].MinPosition)
			want := r.c.clamp(i, Target{Position: open + test.s*(grip[i]-open)}).Position
			if st.State != Active || math.Abs(tg.Position-want) > tol {
				t.Errorf("level %g finger %d: %v %g‰, want %g‰", test.level, i, st.State, tg.Position, want)
			}
		}
	}
	// A class without a posture relaxes.
	cfg := testConfig()
	cfg.Mode = Proportional
	r := newRig(t, cfg)
	r.in.Decision.Class = clsWrist
	if st := r.run(time.Second, tick); st.State != Active || !atSafe(r.c, r.dst) {
		t.Errorf("no posture: %v at %+v", st, r.dst)
	}
}

// TestAssistAsNeeded checks the force against the gap between target and
// measured positions.
func TestAssistAsNeeded(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		gap  float64 // measured = target − gap
		a    float64 // expected assistance fraction before the level
	}{
		{"achieved", 0, 0},
		{"quarter gap", DefaultAssistGap / 4, 0.25},
		{"full gap", DefaultAssistGap, 1},
		{"beyond", 3 * DefaultAssistGap, 1},
		{"overshoot", -DefaultAssistGap / 2, 0.5},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			cfg.Mode, cfg.AssistLevel = AssistAsNeeded, 80
			r := newRig(t, cfg)
			target := clampedPosture(r.c, "power grip")
			r.in.Measured = make([]float64, 5)
			for i := range target {
				r.in.Measured[i] = target[i] - test.gap
			}
			st := r.run(4*time.Second, tick)
			if st.State != Active || st.Posture != "power grip" || !near(positions(r.dst), target) {
				t.Fatalf("%v at %v, want power grip at %v", st, positions(r.dst), target)
			}
			for i, tg := range r.dst {
				fs := r.c.safe[i].ForceLimit
				if want := fs + 0.8*test.a*(float64(r.c.lim[i].MaxForce)-fs); math.Abs(tg.ForceLimit-want) > tol {
					t.Errorf("finger %d: force %g cN, want %g", i, tg.ForceLimit, want)
				}
			}
			if s := st.String(); s != "active: assist as needed, power grip" {
				t.Errorf("status %q", s)
			}
		})
	}
	cfg := testConfig()
	cfg.Mode = AssistAsNeeded
	r := newRig(t, cfg)
	r.in.Measured = []float64{0, 0, math.NaN(), 0, 0}
	if st := r.step(tick); st.Reason != ReasonNoFeedback {
		t.Errorf("NaN measured: %v", st)
	}
}

func TestSetAssist(t *testing.T) {
	t.Parallel()
	c := mustNew(t, testConfig())
	for _, test := range []struct {
		m     Mode
		level int
	}{{4, 50}, {Passive, -1}, {Proportional, 101}} {
		if err := c.SetAssist(test.m, test.level); !errors.Is(err, ErrConfig) {
			t.Errorf("SetAssist(%v, %d): %v", test.m, test.level, err)
		}
	}
	if c.Mode() != Triggered || c.AssistLevel() != 50 {
		t.Errorf("after errors: %v %d", c.Mode(), c.AssistLevel())
	}
	if err := c.SetAssist(Proportional, 0); err != nil || c.Mode() != Proportional || c.AssistLevel() != 0 {
		t.Errorf("SetAssist(proportional, 0): %v, %v %d", err, c.Mode(), c.AssistLevel())
	}
}

func TestNewControllerErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		edit func(c *Config)
	}{
		{"no fingers", func(c *Config) { c.Fingers = -1 }},
		{"six fingers", func(c *Config) { c.Fingers = 6 }},
		{"limits count", func(c *Config) { c.Limits = c.Limits[:4] }},
		{"max position", func(c *Config) { c.Limits[1].MaxPosition = 1001 }},
		{"min above max", func(c *Config) { c.Limits[2].MinPosition = 800; c.Limits[2].MaxPosition = 700 }},
		{"zero force", func(c *Config) { c.Limits[0].MaxForce = 0 }},
		{"zero speed", func(c *Config) { c.Limits[3].MaxSpeed = 0 }},
		{"huge speed", func(c *Config) { c.Limits[3].MaxSpeed = MaxSpeedLimit + 1 }},
		{"safe positions count", func(c *Config) { c.SafePositions = []uint16{0} }},
		{"safe position outside range", func(c *Config) { c.SafePositions = []uint16{50, 0, 0, 0, 20} }},
		{"safe forces count", func(c *Config) { c.SafeForces = []uint16{0} }},
		{"safe force above max", func(c *Config) { c.SafeForces[4] = 401 }},
		{"open above 1000", func(c *Config) { c.Open = []uint16{0, 0, 0, 0, 1001} }},
		{"no channels", func(c *Config) { c.Channels = 0 }},
		{"labels count", func(c *Config) { c.ChannelLabels = c.ChannelLabels[:3] }},
		{"no classes", func(c *Config) { c.Classes = nil }},
		{"unnamed posture", func(c *Config) { c.Postures[0].Name = " " }},
		{"duplicate posture", func(c *Config) { c.Postures[1].Name = "OPEN HAND" }},
		{"posture without positions", func(c *Config) { c.Postures[1].Positions = nil }},
		{"posture positions count", func(c *Config) { c.Postures[1].Positions = []uint16{1, 2} }},
		{"posture above 1000", func(c *Config) { c.Postures[1].Positions[0] = 1200 }},
		{"posture channel", func(c *Config) { c.Postures[1].Channels = []int{4} }},
		{"passive posture", func(c *Config) { c.PassivePosture = "fist" }},
		{"mode", func(c *Config) { c.Mode = 7 }},
		{"assist level", func(c *Config) { c.AssistLevel = 120 }},
		{"confidence", func(c *Config) { c.MinConfidence = 1.5 }},
		{"NaN confidence", func(c *Config) { c.MinConfidence = math.NaN() }},
		{"max age", func(c *Config) { c.MaxAge = 2 * time.Second }},
		{"negative max age", func(c *Config) { c.MaxAge = -time.Millisecond }},
		{"stable decisions", func(c *Config) { c.StableDecisions = MaxStable + 1 }},
		{"hold time", func(c *Config) { c.HoldTime = 2 * time.Second }},
		{"max step", func(c *Config) { c.MaxStep = time.Second }},
		{"force rise", func(c *Config) { c.ForceRise = -1 }},
		{"level map order", func(c *Config) { c.LevelMin, c.LevelMax = 0.5, 0.4 }},
		{"level map above 1", func(c *Config) { c.LevelMin, c.LevelMax = 0.5, 1.1 }},
		{"passive period", func(c *Config) { c.PassivePeriod = time.Millisecond }},
		{"assist gap", func(c *Config) { c.AssistGap = 1001 }},
	} {
		cfg := testConfig()
		test.edit(&cfg)
		if c, err := NewController(cfg); !errors.Is(err, ErrConfig) || c != nil {
			t.Errorf("%s: %v", test.name, err)
		}
	}
}

// TestConfigCopied checks that the controller keeps none of the caller's
// slices.
func TestConfigCopied(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	r := newRig(t, cfg)
	r.run(4*time.Second, tick)
	want := positions(r.dst)
	cfg.Limits[1].MaxPosition = 10
	cfg.Postures[1].Positions[1] = 0
	cfg.Classes[clsGrip] = "x"
	r.run(time.Second, tick)
	if !near(positions(r.dst), want) {
		t.Errorf("editing the config moved the fingers: %v → %v", want, positions(r.dst))
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := mustNew(t, DefaultConfig([]string{"rest", "power grip"}, 2))
	if c.Fingers() != DefaultFingers || c.Mode() != Triggered || c.AssistLevel() != 50 {
		t.Errorf("fingers %d mode %v level %d", c.Fingers(), c.Mode(), c.AssistLevel())
	}
	for i, tg := range c.Safe(nil) {
		if tg != (Target{Position: 0, ForceLimit: 100, MaxSpeed: 500}) {
			t.Errorf("finger %d safe %+v", i, tg)
		}
	}
	if got := c.RampTime(); got != 2*time.Second {
		t.Errorf("RampTime %v, want 2s", got)
	}
	if l := c.Limits(); len(l) != 5 || l[4] != DefaultLimits(1)[0] {
		t.Errorf("Limits %+v", l)
	}
	if c.ClassIndex(" Power Grip") != 1 || c.ClassIndex("pinch") != classify.NoDecision {
		t.Error("ClassIndex")
	}
	// The zero Input is safe.
	dst := make([]Target, 5)
	if st := c.Step(dst, Input{}); st.State != Safe || st.Reason != ReasonLinkLost || !atSafe(c, dst) {
		t.Errorf("zero input: %+v", st)
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	c := mustNew(t, testConfig())
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"Step dst", func() { c.Step(make([]Target, 4), Input{}) }},
		{"Safe dst", func() { c.Safe(make([]Target, 6)) }},
	} {
		func() {
			defer func() {
				if r := recover(); r != "control: dst length mismatch" {
					t.Errorf("%s: recovered %v", test.name, r)
				}
			}()
			test.fn()
		}()
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	for m := range numModes {
		if got, err := ParseMode(" " + strings.ToUpper(m.String())); err != nil || got != m {
			t.Errorf("ParseMode(%v): %v %v", m, got, err)
		}
	}
	if _, err := ParseMode("manual"); err == nil {
		t.Error("ParseMode(manual): no error")
	}
	for _, test := range []struct{ got, want string }{
		{Passive.Title(), "passive range of motion"}, {AssistAsNeeded.Title(), "assist as needed"},
		{Triggered.Title(), "EMG-triggered"}, {Proportional.Title(), "EMG-proportional"},
		{Mode(9).String(), "Mode(9)"}, {Mode(9).Title(), "Mode(9)"},
		{LinkLost.String(), "lost"}, {LinkHealthy.String(), "healthy"}, {LinkFault.String(), "fault"},
		{Link(7).String(), "Link(7)"}, {State(9).String(), "State(9)"}, {Reason(99).String(), "Reason(99)"},
		{ReasonNone.String(), "none"},
		{Status{State: Safe, Reason: ReasonDisarmed, Latched: true}.String(), "safe: disarmed"},
		{Status{State: Active, Mode: Passive}.String(), "active: passive range of motion"},
		{Status{State: Active, Mode: Proportional, Posture: "pinch"}.String(), "active: EMG-proportional, pinch"},
		{Status{State: RampingToSafe, Reason: ReasonQuality, Channel: 1, Quality: 2}.String(), "ramping to safe: clipping on channel 2"},
	} {
		if test.got != test.want {
			t.Errorf("%q, want %q", test.got, test.want)
		}
	}
}

func TestWire(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		in      Target
		p, f, s uint16
	}{
		{Target{499.5, 100.49, 500}, 500, 100, 500},
		{Target{-3, math.NaN(), math.Inf(1)}, 0, 0, math.MaxUint16},
		{Target{1e9, 0.5, 0.4}, math.MaxUint16, 1, 0},
	} {
		if p, f, s := test.in.Wire(); p != test.p || f != test.f || s != test.s {
			t.Errorf("%+v.Wire() = %d %d %d, want %d %d %d", test.in, p, f, s, test.p, test.f, test.s)
		}
	}
}
