package control

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Wire ranges of the glove link v1 (PROTOCOLS.md §6.4) and the bounds the
// validation puts on a patient's configuration.
const (
	// MaxFingers is the most fingers the link carries, in the order thumb,
	// index, middle, ring, little.
	MaxFingers = 5
	// DefaultFingers is the finger count of DefaultConfig.
	DefaultFingers = 5
	// FullFlexion is the largest position in per mille: 0 is fully
	// extended, 1000 fully flexed (of the patient's calibrated range).
	FullFlexion = 1000
	// MaxSpeedLimit is the largest per-finger speed limit, in per mille
	// per second, that validation accepts: the whole range in 0.2 s. A
	// larger figure is a typing error, not a prescription.
	MaxSpeedLimit = 5000
)

// Defaults of the zero fields of Config.
const (
	DefaultMinConfidence   = 0.6
	DefaultMaxAge          = 150 * time.Millisecond
	DefaultStableDecisions = 1
	DefaultMaxStep         = 100 * time.Millisecond
	DefaultForceRise       = 500 * time.Millisecond
	DefaultLevelMin        = 0.05
	DefaultLevelMax        = 0.6
	DefaultPassivePeriod   = 6 * time.Second
	DefaultAssistGap       = 200
	DefaultRestClass       = "rest"
)

// Bounds that validation puts on the timing fields of Config.
const (
	MaxMaxAge        = time.Second
	MaxHoldTime      = time.Second
	MaxMaxStep       = 250 * time.Millisecond // the glove's watchdog period
	MaxForceRise     = 10 * time.Second
	MinPassivePeriod = time.Second
	MaxPassivePeriod = 10 * time.Minute
	MaxStable        = 20
)

// FingerLimits are one finger's limits for one patient. Positions and
// forces are in the units and under the names of SET_LIMITS (§6.4);
// MaxSpeed is the controller's own (SET_TARGETS carries it per target).
type FingerLimits struct {
	// MinPosition and MaxPosition bound the range of motion in per mille
	// (0 fully extended, 1000 fully flexed); MinPosition ≤ MaxPosition ≤ 1000.
	MinPosition, MaxPosition uint16
	// MaxForce is the largest force limit in centinewtons (> 0).
	MaxForce uint16
	// MaxSpeed is the largest speed in per mille per second, in
	// (0, MaxSpeedLimit]: no output position moves faster.
	MaxSpeed uint16
}

// Posture is a hand posture: a target position per finger.
type Posture struct {
	// Name is the gesture (class) name that selects the posture, matched to
	// Config.Classes without regard to case ("power grip").
	Name string
	// Positions holds one position per finger in per mille (≤ 1000),
	// thumb first. Positions outside a patient's range of motion are
	// clamped into it.
	Positions []uint16
	// Channels lists the EMG channels (0-based) whose signal quality the
	// posture relies on; nil means every channel.
	Channels []int
}

// Config is one patient's controller configuration. Zero durations and
// thresholds take the Default values; Limits, Postures and Classes are
// required. NewController copies every slice: the caller may reuse cfg.
type Config struct {
	// Fingers is the number of fingers driven, 1..MaxFingers (0 means
	// DefaultFingers); Limits has one entry per finger.
	Fingers int
	Limits  []FingerLimits

	// SafePositions is the safe state's position per finger in per mille,
	// within the finger's range (nil: each finger's MinPosition, the
	// extended hand); SafeForces its force limit in cN, at most MaxForce
	// (nil: a tenth of each finger's MaxForce). Every gate ramps to it.
	SafePositions []uint16
	SafeForces    []uint16
	// Open is the open end of the proportional and passive rules, one
	// position per finger in per mille (nil: each finger's MinPosition).
	Open []uint16

	// Postures maps gestures to postures. Names must be unique.
	Postures []Posture
	// Classes are the model's class names in class-index order
	// (Decision.Class indexes it). A class with no posture relaxes the
	// hand: its target is the safe state.
	Classes []string
	// RestClass names the class that, in the EMG-triggered mode, holds the
	// latched posture rather than selecting its own (DefaultRestClass).
	RestClass string
	// Channels is the number of EMG channels (≥ 1); ChannelLabels, when not
	// nil, names each one (muscle or site) for the Status messages.
	Channels      int
	ChannelLabels []string

	// Mode and AssistLevel are the initial SET_ASSIST mode and level
	// (0–100 %). The zero Mode is Passive, as on the wire.
	Mode        Mode
	AssistLevel int

	// MinConfidence is the decision confidence needed, in (0, 1]
	// (DefaultMinConfidence).
	MinConfidence float64
	// MaxAge is the oldest a decision may be, in (0, MaxMaxAge]
	// (DefaultMaxAge).
	MaxAge time.Duration
	// StableDecisions is how many consecutive decisions must agree on the
	// class, 1..MaxStable (DefaultStableDecisions: the caller's Stable
	// flag alone).
	StableDecisions int
	// HoldTime is how long a low-confidence, rejected or unstable decision
	// holds the current targets before they ramp to safe, in
	// [0, MaxHoldTime]; 0 (the default) ramps at once.
	HoldTime time.Duration
	// MaxStep is the largest time step the rate limiter credits, in
	// (0, MaxMaxStep] (DefaultMaxStep): after a longer pause between steps
	// targets move as if only MaxStep had passed.
	MaxStep time.Duration
	// ForceRise is the time a force limit takes to rise from 0 to the
	// finger's MaxForce, in (0, MaxForceRise] (DefaultForceRise). Force
	// limits fall at once.
	ForceRise time.Duration
	// LevelMin and LevelMax map the proportional level (0..1) to the
	// fraction of the way from Open to the posture: 0 at or below
	// LevelMin, 1 at or above LevelMax, linear between;
	// 0 ≤ LevelMin < LevelMax ≤ 1. LevelMax 0 means both defaults.
	LevelMin, LevelMax float64
	// PassivePeriod is the duration of one open–close–open cycle of the
	// passive mode, in [MinPassivePeriod, MaxPassivePeriod]
	// (DefaultPassivePeriod). The cosine's peak speed is
	// π·range/PassivePeriod; the rate limiter flattens a faster one.
	PassivePeriod time.Duration
	// PassivePosture names the closed end of the passive cycle; empty
	// means each finger's MaxPosition.
	PassivePosture string
	// AssistGap is the gap in per mille between target and measured
	// position at which assist-as-needed gives its full assistance,
	// 1..1000 (DefaultAssistGap).
	AssistGap int
}

// DefaultLimits returns limits for n fingers: the full range, 1000 cN
// (10 N) and 500 ‰/s (the full range in 2 s). They are a starting point
// for the therapist's limits editor, not a prescription.
func DefaultLimits(n int) []FingerLimits {
	l := make([]FingerLimits, n)
	for i := range l {
		l[i] = FingerLimits{MinPosition: 0, MaxPosition: FullFlexion, MaxForce: 1000, MaxSpeed: 500}
	}
	return l
}

// DefaultPostures returns the product's five-finger postures: open hand,
// power grip, pinch, tripod, point and rest, each relying on every channel.
func DefaultPostures() []Posture {
	return []Posture{
		{Name: "open hand", Positions: []uint16{0, 0, 0, 0, 0}},
		{Name: "power grip", Positions: []uint16{700, 1000, 1000, 1000, 1000}},
		{Name: "pinch", Positions: []uint16{600, 600, 0, 0, 0}},
		{Name: "tripod", Positions: []uint16{600, 600, 600, 0, 0}},
		{Name: "point", Positions: []uint16{700, 0, 1000, 1000, 1000}},
		{Name: DefaultRestClass, Positions: []uint16{100, 150, 150, 150, 150}},
	}
}

// DefaultConfig returns a five-finger configuration with DefaultLimits,
// DefaultPostures and the given model classes and channel count, in the
// EMG-triggered mode at 50 % assistance.
func DefaultConfig(classes []string, channels int) Config {
	return Config{
		Fingers:     DefaultFingers,
		Limits:      DefaultLimits(DefaultFingers),
		Postures:    DefaultPostures(),
		Classes:     classes,
		Channels:    channels,
		Mode:        Triggered,
		AssistLevel: 50,
	}
}

// ErrConfig is wrapped by every error NewController returns.
var ErrConfig = errors.New("control: invalid configuration")

func configErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
}

// withDefaults returns cfg with zero fields replaced by their defaults.
func withDefaults(cfg Config) Config {
	if cfg.Fingers == 0 {
		cfg.Fingers = DefaultFingers
	}
	if cfg.RestClass == "" {
		cfg.RestClass = DefaultRestClass
	}
	if cfg.MinConfidence == 0 {
		cfg.MinConfidence = DefaultMinConfidence
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.StableDecisions == 0 {
		cfg.StableDecisions = DefaultStableDecisions
	}
	if cfg.MaxStep == 0 {
		cfg.MaxStep = DefaultMaxStep
	}
	if cfg.ForceRise == 0 {
		cfg.ForceRise = DefaultForceRise
	}
	if cfg.LevelMax == 0 {
		cfg.LevelMin, cfg.LevelMax = DefaultLevelMin, DefaultLevelMax
	}
	if cfg.PassivePeriod == 0 {
		cfg.PassivePeriod = DefaultPassivePeriod
	}
	if cfg.AssistGap == 0 {
		cfg.AssistGap = DefaultAssistGap
	}
	return cfg
}

// validate checks a configuration with defaults applied.
func validate(cfg *Config) error {
	n := cfg.Fingers
	if n < 1 || n > MaxFingers {
		return configErr("%d fingers, want 1..%d", n, MaxFingers)
	}
	if len(cfg.Limits) != n {
		return configErr("%d finger limits for %d fingers", len(cfg.Limits), n)
	}
	for i, l := range cfg.Limits {
		switch {
		case l.MaxPosition > FullFlexion:
			return configErr("finger %d: max position %d‰ above %d‰", i, l.MaxPosition, FullFlexion)
		case l.MinPosition > l.MaxPosition:
			return configErr("finger %d: min position %d‰ above max position %d‰", i, l.MinPosition, l.MaxPosition)
		case l.MaxForce == 0:
			return configErr("finger %d: max force is 0 cN", i)
		case l.MaxSpeed == 0 || l.MaxSpeed > MaxSpeedLimit:
			return configErr("finger %d: max speed %d‰/s, want 1..%d", i, l.MaxSpeed, MaxSpeedLimit)
		}
	}
	if err := checkPositions("safe positions", cfg.SafePositions, n); err != nil {
		return err
	}
	for i, p := range cfg.SafePositions {
		if l := cfg.Limits[i]; p < l.MinPosition || p > l.MaxPosition {
			return configErr("finger %d: safe position %d‰ outside %d..%d‰", i, p, l.MinPosition, l.MaxPosition)
		}
	}
	if cfg.SafeForces != nil && len(cfg.SafeForces) != n {
		return configErr("%d safe forces for %d fingers", len(cfg.SafeForces), n)
	}
	for i, f := range cfg.SafeForces {
		if f > cfg.Limits[i].MaxForce {
			return configErr("finger %d: safe force %d cN above max force %d cN", i, f, cfg.Limits[i].MaxForce)
		}
	}
	if err := checkPositions("open positions", cfg.Open, n); err != nil {
		return err
	}
	if cfg.Channels < 1 {
		return configErr("%d EMG channels", cfg.Channels)
	}
	if cfg.ChannelLabels != nil && len(cfg.ChannelLabels) != cfg.Channels {
		return configErr("%d channel labels for %d channels", len(cfg.ChannelLabels), cfg.Channels)
	}
	if len(cfg.Classes) == 0 {
		return configErr("no classes")
	}
	for i, p := range cfg.Postures {
		if strings.TrimSpace(p.Name) == "" {
			return configErr("posture %d has no name", i)
		}
		for _, q := range cfg.Postures[:i] {
			if strings.EqualFold(q.Name, p.Name) {
				return configErr("posture %q defined twice", p.Name)
			}
		}
		if p.Positions == nil {
			return configErr("posture %q has no positions", p.Name)
		}
		if err := checkPositions(fmt.Sprintf("posture %q", p.Name), p.Positions, n); err != nil {
			return err
		}
		for _, c := range p.Channels {
			if c < 0 || c >= cfg.Channels {
				return configErr("posture %q: channel %d outside 0..%d", p.Name, c, cfg.Channels-1)
			}
		}
	}
	if cfg.PassivePosture != "" && postureIndex(cfg.Postures, cfg.PassivePosture) < 0 {
		return configErr("passive posture %q is not defined", cfg.PassivePosture)
	}
	if !cfg.Mode.Valid() {
		return configErr("mode %d", cfg.Mode)
	}
	if cfg.AssistLevel < 0 || cfg.AssistLevel > 100 {
		return configErr("assist level %d%%, want 0..100", cfg.AssistLevel)
	}
	switch {
	case !(cfg.MinConfidence > 0 && cfg.MinConfidence <= 1):
		return configErr("minimum confidence %g, want (0, 1]", cfg.MinConfidence)
	case cfg.MaxAge < 0 || cfg.MaxAge > MaxMaxAge:
		return configErr("max decision age %v, want (0, %v]", cfg.MaxAge, MaxMaxAge)
	case cfg.StableDecisions < 1 || cfg.StableDecisions > MaxStable:
		return configErr("%d stable decisions, want 1..%d", cfg.StableDecisions, MaxStable)
	case cfg.HoldTime < 0 || cfg.HoldTime > MaxHoldTime:
		return configErr("hold time %v, want [0, %v]", cfg.HoldTime, MaxHoldTime)
	case cfg.MaxStep < 0 || cfg.MaxStep > MaxMaxStep:
		return configErr("max step %v, want (0, %v]", cfg.MaxStep, MaxMaxStep)
	case cfg.ForceRise < 0 || cfg.ForceRise > MaxForceRise:
		return configErr("force rise time %v, want (0, %v]", cfg.ForceRise, MaxForceRise)
	case !(cfg.LevelMin >= 0 && cfg.LevelMin < cfg.LevelMax && cfg.LevelMax <= 1):
		return configErr("level map %g..%g, want 0 ≤ min < max ≤ 1", cfg.LevelMin, cfg.LevelMax)
	case cfg.PassivePeriod < MinPassivePeriod || cfg.PassivePeriod > MaxPassivePeriod:
		return configErr("passive period %v, want [%v, %v]", cfg.PassivePeriod, MinPassivePeriod, MaxPassivePeriod)
	case cfg.AssistGap < 1 || cfg.AssistGap > FullFlexion:
		return configErr("assist gap %d‰, want 1..%d", cfg.AssistGap, FullFlexion)
	}
	return nil
}

// checkPositions checks an optional per-finger position list.
func checkPositions(what string, p []uint16, n int) error {
	if p == nil {
		return nil
	}
	if len(p) != n {
		return configErr("%s: %d positions for %d fingers", what, len(p), n)
	}
	for i, v := range p {
		if v > FullFlexion {
			return configErr("%s: finger %d at %d‰, above %d‰", what, i, v, FullFlexion)
		}
	}
	return nil
}

// postureIndex returns the index of the posture named name (case
// ignored), or −1.
func postureIndex(ps []Posture, name string) int {
	for i, p := range ps {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
