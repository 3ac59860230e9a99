package control

import (
	"math"
	"strings"
	"time"

	"myorehab/processing/classify"
)

// snapTol is how far (in per mille) a position may miss its goal after a
// whole number of full-speed steps through rounding and still count as
// there: the last step snaps onto the goal.
const snapTol = 1e-9

// posture is a configured posture, resolved for the hot path.
type posture struct {
	name     string
	pos      []float64 // per finger, ‰ (not clamped: clamp does that)
	channels []int     // EMG channels the posture relies on (never nil)
}

// Controller turns decisions into finger targets for one patient: gates,
// mode rule, limits clamp, rate limit (see the package comment). One
// goroutine owns it; Step allocates nothing. It reads no clock: time comes
// in with each Input.
type Controller struct {
	cfg      Config // defaults applied; slices owned
	lim      []FingerLimits
	safe     []Target // the safe state, clamped
	open     []float64
	closed   []float64 // the passive cycle's closed end
	postures []posture
	class    []int    // class index → posture index, or −1
	classes  []string // class names
	rest     int      // class index of RestClass, or −1
	all      []int    // every EMG channel
	passive  string   // the passive posture's name, or ""

	mode  Mode
	level int

	prev []Target // the previous output
	want []Target // scratch: the goal of this step

	now          time.Duration
	started      bool
	estop        bool
	armedIn      bool // Input.Armed at the previous step
	armed        bool
	fault        Reason // latched fault, or ReasonNone
	dropped      uint64
	latch        int // Triggered's latched posture, or −1
	passiveOn    bool
	passiveStart time.Duration
	holdOn       bool
	holdSince    time.Duration
	lastState    State
	lastPosture  string
	lastSample   uint64
	lastClass    int
	repeats      int
}

// NewController returns a controller for one patient's configuration, or
// an error wrapping ErrConfig when cfg is invalid (the limits, postures
// and thresholds come from the therapist and the database). It copies
// everything it keeps from cfg. The controller starts disarmed, at the
// safe state, in cfg.Mode at cfg.AssistLevel.
func NewController(cfg Config) (*Controller, error) {
	cfg = withDefaults(cfg)
	if err := validate(&cfg); err != nil {
		return nil, err
	}
	n := cfg.Fingers
	c := &Controller{
		lim:     append([]FingerLimits(nil), cfg.Limits...),
		safe:    make([]Target, n),
		open:    make([]float64, n),
		closed:  make([]float64, n),
		class:   make([]int, len(cfg.Classes)),
		classes: append([]string(nil), cfg.Classes...),
		rest:    -1,
		all:     make([]int, cfg.Channels),
		prev:    make([]Target, n),
		want:    make([]Target, n),
		mode:    cfg.Mode,
		level:   cfg.AssistLevel,
	}
	for i := range c.all {
		c.all[i] = i
	}
	for i, l := range c.lim {
		t := Target{Position: float64(l.MinPosition), ForceLimit: float64(l.MaxForce / 10), MaxSpeed: float64(l.MaxSpeed)}
		if cfg.SafePositions != nil {
			t.Position = float64(cfg.SafePositions[i])
		}
		if cfg.SafeForces != nil {
			t.ForceLimit = float64(cfg.SafeForces[i])
		}
		c.safe[i] = c.clamp(i, t)
		c.open[i] = float64(l.MinPosition)
		if cfg.Open != nil {
			c.open[i] = float64(cfg.Open[i])
		}
		c.closed[i] = float64(l.MaxPosition)
	}
	c.postures = make([]posture, len(cfg.Postures))
	for k, p := range cfg.Postures {
		q := posture{name: p.Name, pos: make([]float64, n), channels: c.all}
		for i, v := range p.Positions {
			q.pos[i] = float64(v)
		}
		if p.Channels != nil {
			q.channels = append([]int(nil), p.Channels...)
		}
		c.postures[k] = q
	}
	if cfg.PassivePosture != "" {
		p := c.postures[postureIndex(cfg.Postures, cfg.PassivePosture)]
		copy(c.closed, p.pos)
		c.passive = p.name
	}
	for k, name := range cfg.Classes {
		c.class[k] = postureIndex(cfg.Postures, name)
		if c.rest < 0 && strings.EqualFold(strings.TrimSpace(name), strings.TrimSpace(cfg.RestClass)) {
			c.rest = k
		}
	}
	cfg.Limits, cfg.SafePositions, cfg.SafeForces, cfg.Open = nil, nil, nil, nil
	cfg.Postures, cfg.Classes, cfg.ChannelLabels = nil, nil, append([]string(nil), cfg.ChannelLabels...)
	c.cfg = cfg
	c.Reset()
	return c, nil
}

// Reset returns the controller to its state after NewController (for a
// new session): disarmed, at the safe state, no latched fault or e-stop,
// no decision history, clock restarted at the next Step. The mode and
// level stay as SetAssist last set them.
func (c *Controller) Reset() {
	copy(c.prev, c.safe)
	c.now, c.started = 0, false
	c.estop, c.armedIn, c.armed, c.fault, c.dropped = false, false, false, ReasonNone, 0
	c.latch, c.passiveOn, c.holdOn = -1, false, false
	c.lastState, c.lastPosture = Safe, ""
	c.lastSample, c.lastClass, c.repeats = 0, classify.NoDecision, 0
}

// Fingers returns the number of fingers: the length of Step's dst.
func (c *Controller) Fingers() int { return len(c.lim) }

// Mode returns the current assist mode.
func (c *Controller) Mode() Mode { return c.mode }

// AssistLevel returns the current assist level in percent (0–100).
func (c *Controller) AssistLevel() int { return c.level }

// SetAssist changes the assist mode and level (0–100 %), as SET_ASSIST
// does on the glove; it returns an error for an invalid mode or level and
// then changes nothing. The triggered latch and the passive cycle restart;
// targets move on from where they are, under the rate limit.
func (c *Controller) SetAssist(m Mode, level int) error {
	if !m.Valid() {
		return configErr("mode %d", m)
	}
	if level < 0 || level > 100 {
		return configErr("assist level %d%%, want 0..100", level)
	}
	c.mode, c.level = m, level
	c.latch, c.passiveOn = -1, false
	return nil
}

// ClearEStop releases a latched e-stop (as CLEAR_FAULT does on the
// glove). Motion further needs Input.Armed to turn true again.
func (c *Controller) ClearEStop() { c.estop = false }

// Limits returns a copy of the validated per-finger limits, for the link
// layer's SET_LIMITS and its own check of every target before it leaves.
func (c *Controller) Limits() []FingerLimits {
	return append([]FingerLimits(nil), c.lim...)
}

// ClassIndex returns the class index of the gesture name (case ignored),
// or classify.NoDecision (−1) when the model has no such class.
func (c *Controller) ClassIndex(name string) int {
	for k, s := range c.classes {
		if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(name)) {
			return k
		}
	}
	return classify.NoDecision
}

// Safe writes the safe state (clamped into the limits) to dst and returns
// it; a nil dst allocates. It panics if dst is not nil and its length is
// not Fingers.
func (c *Controller) Safe(dst []Target) []Target {
	if dst == nil {
		dst = make([]Target, len(c.safe))
	}
	if len(dst) != len(c.safe) {
		panic("control: dst length mismatch")
	}
	copy(dst, c.safe)
	return dst
}

// RampTime returns the longest time a ramp to the safe state can take
// from anywhere within the limits: the largest range of motion over its
// finger's MaxSpeed. Time counts as Step credits it (steps of at most
// MaxStep each). A gate that ramps to safe reaches it within RampTime; one
// that holds, within HoldTime + RampTime.
func (c *Controller) RampTime() time.Duration {
	var worst float64
	for _, l := range c.lim {
		worst = max(worst, float64(l.MaxPosition-l.MinPosition)/float64(l.MaxSpeed))
	}
	return time.Duration(math.Ceil(worst * float64(time.Second)))
}

// Step runs one control step on in and writes one target per finger to
// dst (thumb first), returning what the controller is doing and why. It
// panics if len(dst) != Fingers. It allocates nothing.
//
// In order:
//
//  1. E-stop: Input.EStop latches it until ClearEStop; while latched the
//     output is the safe state at once (the one exception to the rate
//     limit: the link sends ESTOP, which stops the glove's motors and
//     makes it refuse targets) and the session is disarmed.
//  2. Faults: a change of Input.Dropped (a block dropped on the control
//     queue) or a link that is not healthy latches a fault and disarms;
//     the fault clears only when Input.Armed turns true again.
//  3. Gates: disarmed; then, except in the Passive mode: no decision, a
//     decision older than MaxAge, a class outside Classes, a channel of
//     the posture to drive not OK for control (Posture.Channels; every
//     channel when there is no posture), a rejected decision (class −1),
//     confidence below MinConfidence, an unstable decision (Input.Stable
//     false, or fewer than StableDecisions consecutive decisions of the
//     class), and in AssistAsNeeded missing finger positions.
//  4. A failed gate sends the goal to the safe state (forces fall to the
//     safe force at once). Rejected, low-confidence and unstable decisions
//     first hold the targets for HoldTime if the controller was active.
//     When every gate passes the mode's rule sets the goal (see Mode).
//  5. Limits: clamp (the one place limits are enforced) bounds the goal.
//  6. Rate limit: each position moves towards its goal by at most
//     MaxSpeed·dt, where dt is the time since the previous step (0 on the
//     first step and when Now goes back, at most MaxStep); a force limit
//     rises by at most MaxForce·dt/ForceRise and falls at once.
//  7. Limits again: clamp bounds the output (a no-op unless a bug slipped
//     in above, since both the goal and the previous output are within
//     the limits).
func (c *Controller) Step(dst []Target, in Input) Status {
	if len(dst) != len(c.prev) {
		panic("control: dst length mismatch")
	}
	dt := c.tick(in.Now)
	d := &in.Decision
	st := Status{Mode: c.mode, Class: classify.NoDecision, Channel: -1, Sample: d.Sample}
	if d.Sample != 0 {
		st.Class, st.Confidence, st.Age = d.Class, d.Confidence, in.Now-in.DecidedAt
		if d.Class >= 0 && d.Class < len(c.classes) {
			st.ClassName = c.classes[d.Class]
		}
		if d.Sample != c.lastSample {
			if c.repeats > 0 && d.Class == c.lastClass {
				c.repeats = min(c.repeats+1, MaxStable)
			} else {
				c.repeats = 1
			}
			c.lastSample, c.lastClass = d.Sample, d.Class
		}
	}

	if in.EStop {
		c.estop = true
	}
	if c.estop {
		// Arming and drops during the e-stop are seen but count for
		// nothing: after ClearEStop, Armed must turn true again.
		c.armedIn, c.dropped = in.Armed, in.Dropped
		c.armed, c.latch, c.passiveOn, c.holdOn = false, -1, false, false
		copy(c.prev, c.safe)
		copy(dst, c.prev)
		st.State, st.Reason, st.Latched = EStopped, ReasonEStop, true
		c.lastState, c.lastPosture = EStopped, ""
		return st
	}

	if in.Armed && !c.armedIn {
		c.armed, c.fault = true, ReasonNone
	}
	c.armedIn = in.Armed
	if !in.Armed {
		c.armed = false
	}
	switch {
	case in.Dropped != c.dropped:
		c.trip(ReasonOverflow)
	case in.Link == LinkFault:
		c.trip(ReasonLinkFault)
	case in.Link != LinkHealthy:
		c.trip(ReasonLinkLost)
	}
	c.dropped = in.Dropped

	reason, drive := c.gate(&in, &st)
	var state State
	switch {
	case reason == ReasonNone:
		c.holdOn = false
		c.rule(&in, drive)
		state = Active
		st.Posture = c.postureName(drive)
	case c.hold(reason, in.Now):
		copy(c.want, c.prev)
		state = Holding
		st.Posture = c.lastPosture
	default:
		c.holdOn, c.latch, c.passiveOn = false, -1, false
		copy(c.want, c.safe)
		state = RampingToSafe
	}
	st.Reason = reason

	atSafe := true
	for i := range c.prev {
		t := c.clamp(i, c.limitRate(i, c.clamp(i, c.want[i]), dt))
		c.prev[i] = t
		atSafe = atSafe && t == c.safe[i]
	}
	copy(dst, c.prev)
	if state == RampingToSafe && atSafe {
		state = Safe
	}
	st.State = state
	c.lastState, c.lastPosture = state, st.Posture
	return st
}

// tick advances the clock to now and returns the time step in seconds to
// credit: 0 on the first step and when now goes back, at most MaxStep.
func (c *Controller) tick(now time.Duration) float64 {
	if !c.started {
		c.started, c.now = true, now
		return 0
	}
	if now <= c.now {
		return 0
	}
	dt := min(now-c.now, c.cfg.MaxStep)
	c.now = now
	return dt.Seconds()
}

// trip latches a fault and disarms.
func (c *Controller) trip(r Reason) {
	c.fault, c.armed = r, false
}

// hold reports whether a failed gate r holds the targets at time now.
func (c *Controller) hold(r Reason, now time.Duration) bool {
	if !r.holds() || (c.lastState != Active && c.lastState != Holding) {
		return false
	}
	if !c.holdOn {
		c.holdOn, c.holdSince = true, now
	}
	return now-c.holdSince < c.cfg.HoldTime
}

// gate returns the first gate that fails (ReasonNone when all pass) and
// the posture to drive (−1: the safe state), filling st's details.
func (c *Controller) gate(in *Input, st *Status) (Reason, int) {
	if c.fault != ReasonNone {
		st.Latched = true
		return c.fault, -1
	}
	if !c.armed {
		return ReasonDisarmed, -1
	}
	if c.mode == Passive {
		return ReasonNone, -1
	}
	d := &in.Decision
	if d.Sample == 0 {
		return ReasonNoDecision, -1
	}
	if age := in.Now - in.DecidedAt; age < 0 || age > c.cfg.MaxAge {
		return ReasonStale, -1
	}
	if d.Class < classify.NoDecision || d.Class >= len(c.classes) {
		return ReasonBadClass, -1
	}
	drive := c.drive(d.Class)
	channels := c.all
	if drive >= 0 {
		channels = c.postures[drive].channels
	}
	for _, ch := range channels {
		if ch >= len(in.Quality) || !in.Quality[ch].OKForControl {
			st.Channel = ch
			if ch < len(c.cfg.ChannelLabels) {
				st.ChannelLabel = c.cfg.ChannelLabels[ch]
			}
			if ch < len(in.Quality) && len(in.Quality[ch].Reasons) > 0 {
				st.Quality = in.Quality[ch].Reasons[0].Code
			}
			return ReasonQuality, -1
		}
	}
	switch {
	case d.Class == classify.NoDecision:
		return ReasonRejected, -1
	case !(d.Confidence >= c.cfg.MinConfidence):
		return ReasonLowConfidence, -1
	case !in.Stable || c.repeats < c.cfg.StableDecisions:
		return ReasonUnstable, -1
	case c.mode == AssistAsNeeded && drive >= 0 && !c.feedback(in.Measured):
		return ReasonNoFeedback, -1
	}
	return ReasonNone, drive
}

// drive returns the posture a decision of class (−1 or a valid class)
// would drive in the current mode, or −1 for the safe state.
func (c *Controller) drive(class int) int {
	if class < 0 {
		if c.mode == Triggered {
			return c.latch
		}
		return -1
	}
	if c.mode == Triggered && class == c.rest && c.latch >= 0 {
		return c.latch
	}
	return c.class[class]
}

// feedback reports whether m holds a finite position for every finger.
func (c *Controller) feedback(m []float64) bool {
	if len(m) < len(c.prev) {
		return false
	}
	for _, x := range m[:len(c.prev)] {
		if !finite(x) {
			return false
		}
	}
	return true
}

func (c *Controller) postureName(k int) string {
	if c.mode == Passive {
		return c.passive
	}
	if k < 0 {
		return ""
	}
	return c.postures[k].name
}

// rule sets c.want by the current mode's rule (see Mode) for the posture
// drive (−1: the safe state); every gate has passed.
func (c *Controller) rule(in *Input, drive int) {
	a := float64(c.level) / 100
	if c.mode == Passive {
		if !c.passiveOn {
			c.passiveOn, c.passiveStart = true, in.Now
		}
		t := (in.Now - c.passiveStart).Seconds()
		x := (1 - math.Cos(2*math.Pi*t/c.cfg.PassivePeriod.Seconds())) / 2
		for i := range c.want {
			c.want[i] = Target{
				Position:   c.open[i] + x*(c.closed[i]-c.open[i]),
				ForceLimit: c.force(i, a),
				MaxSpeed:   c.safe[i].MaxSpeed,
			}
		}
		return
	}
	if c.mode == Triggered {
		c.latch = drive
	}
	if drive < 0 {
		copy(c.want, c.safe)
		return
	}
	p := c.postures[drive].pos
	for i := range c.want {
		t := Target{Position: p[i], ForceLimit: c.force(i, a), MaxSpeed: c.safe[i].MaxSpeed}
		switch c.mode {
		case Proportional:
			s := (in.Decision.Level - c.cfg.LevelMin) / (c.cfg.LevelMax - c.cfg.LevelMin)
			if !(s > 0) { // also NaN
				s = 0
			}
			s = min(s, 1)
			t.Position = c.open[i] + s*(p[i]-c.open[i])
		case AssistAsNeeded:
			gap := math.Abs(c.clamp(i, t).Position - in.Measured[i])
			t.ForceLimit = c.force(i, a*min(1, gap/float64(c.cfg.AssistGap)))
		}
		c.want[i] = t
	}
}

// force returns finger i's force limit at assistance a in [0, 1]: from
// the safe force (a = 0) to MaxForce (a = 1).
func (c *Controller) force(i int, a float64) float64 {
	fs := c.safe[i].ForceLimit
	return fs + a*(float64(c.lim[i].MaxForce)-fs)
}

// limitRate moves finger i from its previous output towards want by at
// most MaxSpeed·dt in position; the force limit rises by at most
// MaxForce·dt/ForceRise and falls at once. A non-finite goal keeps the
// previous value.
func (c *Controller) limitRate(i int, want Target, dt float64) Target {
	p := c.prev[i]
	l := c.lim[i]
	pos := want.Position
	if !finite(pos) {
		pos = p.Position
	}
	step := float64(l.MaxSpeed) * dt
	switch d := pos - p.Position; {
	case d > step+snapTol:
		pos = p.Position + step
	case d < -step-snapTol:
		pos = p.Position - step
	}
	f := want.ForceLimit
	if !finite(f) {
		f = p.ForceLimit
	}
	if rise := float64(l.MaxForce) * dt / c.cfg.ForceRise.Seconds(); f > p.ForceLimit+rise {
		f = p.ForceLimit + rise
	}
	return Target{Position: pos, ForceLimit: f, MaxSpeed: want.MaxSpeed}
}

// clamp is the one place where the patient's limits are enforced: it
// bounds finger i's target to the range of motion [MinPosition,
// MaxPosition], the force limit to [0, MaxForce] and the speed to
// [0, MaxSpeed] (NaN becomes the lower bound). Every target Step or Safe
// returns has passed through it, last: the safe state once at
// construction, every other output after the rate limiter (whose goal it
// has clamped too). Since the previous output is within the limits and
// clamp moves nothing towards it, clamping after the rate limit keeps the
// rate limit.
func (c *Controller) clamp(i int, t Target) Target {
	l := c.lim[i]
	t.Position = clampF(t.Position, float64(l.MinPosition), float64(l.MaxPosition))
	t.ForceLimit = clampF(t.ForceLimit, 0, float64(l.MaxForce))
	t.MaxSpeed = clampF(t.MaxSpeed, 0, float64(l.MaxSpeed))
	return t
}

// clampF bounds x to [lo, hi]; NaN gives lo.
func clampF(x, lo, hi float64) float64 {
	if !(x > lo) {
		return lo
	}
	return min(x, hi)
}
