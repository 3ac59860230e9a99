package control

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"myorehab/processing/pipeline"
	"myorehab/processing/quality"
)

// Mode is an assist mode of SET_ASSIST (PROTOCOLS.md §6.4), with the wire
// codes. In every mode the gates come first: e-stop, a latched fault
// (link, dropped blocks), disarmed, and (except Passive) a stale decision,
// bad signal quality, a rejected, low-confidence or unstable decision all
// send the targets to the safe state; see Controller.Step. The rules below
// say what the targets are when the gates pass. Let a = AssistLevel/100,
// and for finger i let F_safe and F_max be its safe force and MaxForce,
// open and safe its Open and safe positions, and P the posture of the
// decided class (the safe position for a class without a posture). Every
// result then goes through the limits clamp and the rate limiter.
type Mode uint8

// The four modes, with their rules.
const (
	// Passive is passive range of motion: the glove moves the fingers
	// through a scripted open–close cycle whatever the EMG says, starting
	// open each time it (re)starts:
	//
	//	position = open + (closed − open)·(1 − cos(2π·t/PassivePeriod))/2
	//	force    = F_safe + a·(F_max − F_safe)
	//
	// where t is the time since the cycle started and closed is
	// PassivePosture (or each finger's MaxPosition). Only e-stop, faults
	// and arming gate it; decisions and signal quality are not consulted.
	Passive Mode = 0
	// AssistAsNeeded drives the fingers towards the decided posture and
	// gives as much force as the patient lacks: in proportion to the gap
	// between the (clamped) target and the finger's measured position,
	// full at AssistGap per mille and beyond, scaled by the assist level:
	//
	//	position = P
	//	force    = F_safe + a·min(1, |P − measured|/AssistGap)·(F_max − F_safe)
	//
	// Without finger positions from the glove (Input.Measured) it cannot
	// tell what the patient achieves, and the targets ramp to safe.
	AssistAsNeeded Mode = 1
	// Triggered is EMG-triggered: a confident, stable decision of a class
	// with a posture latches that posture, and the fingers move to it and
	// hold it while further decisions are confident and stable; a
	// decision of RestClass (the patient relaxing) keeps the latched
	// posture, any other class latches its own (one without a posture
	// latches the safe state). The level is ignored:
	//
	//	position = latched posture (the safe position when none)
	//	force    = F_safe + a·(F_max − F_safe) (F_safe when none)
	//
	// Any gate that sends the targets to safe also clears the latch, so
	// motion after a fault needs a fresh decision.
	Triggered Mode = 2
	// Proportional is EMG-proportional: the level of the decision sets how
	// far the fingers go from Open towards the decided posture,
	//
	//	s        = clamp((level − LevelMin)/(LevelMax − LevelMin), 0, 1)
	//	position = open + s·(P − open)
	//	force    = F_safe + a·(F_max − F_safe)
	//
	// A class without a posture relaxes to the safe state.
	Proportional Mode = 3
	numModes     Mode = 4
)

// Valid reports whether m is one of the four modes.
func (m Mode) Valid() bool { return m < numModes }

// String returns the command-line name of the mode (CLI.md control
// --mode): "passive", "assist", "triggered" or "proportional".
func (m Mode) String() string {
	switch m {
	case Passive:
		return "passive"
	case AssistAsNeeded:
		return "assist"
	case Triggered:
		return "triggered"
	case Proportional:
		return "proportional"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Title returns the mode's name for the therapist: "passive range of
// motion", "assist as needed", "EMG-triggered" or "EMG-proportional".
func (m Mode) Title() string {
	switch m {
	case Passive:
		return "passive range of motion"
	case AssistAsNeeded:
		return "assist as needed"
	case Triggered:
		return "EMG-triggered"
	case Proportional:
		return "EMG-proportional"
	}
	return m.String()
}

// ParseMode returns the mode with the command-line name s (as String
// returns it; case ignored).
func ParseMode(s string) (Mode, error) {
	for m := range numModes {
		if strings.EqualFold(strings.TrimSpace(s), m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("control: unknown mode %q (want passive, assist, triggered or proportional)", s)
}

// Link is the state of the glove link as the runtime sees it. The zero
// value, LinkLost, is the safe one.
type Link uint8

// Link states.
const (
	// LinkLost: not connected, or no STATUS for 250 ms (§6.4 rule 5).
	LinkLost Link = iota
	// LinkHealthy: STATUS arriving, the glove ARMED and not faulted.
	LinkHealthy
	// LinkFault: the glove reports FAULT (or a FAULT frame arrived).
	LinkFault
)

// String returns "lost", "healthy", "fault" or "Link(N)".
func (l Link) String() string {
	switch l {
	case LinkLost:
		return "lost"
	case LinkHealthy:
		return "healthy"
	case LinkFault:
		return "fault"
	}
	return "Link(" + strconv.Itoa(int(l)) + ")"
}

// Target is one finger's target in the units of SET_TARGETS (§6.4):
// the values are float64 so that the rate limit holds exactly; Wire
// rounds them for the frame.
type Target struct {
	// Position in per mille of the patient's range (0 extended, 1000
	// flexed).
	Position float64
	// ForceLimit in centinewtons.
	ForceLimit float64
	// MaxSpeed in per mille per second: the finger's speed limit.
	MaxSpeed float64
}

// Wire returns the target rounded to the nearest integers, as SET_TARGETS
// carries them. Since the limits are integers, a target inside them rounds
// inside them; rounding moves a position by at most half a per mille, so
// two consecutive wire positions differ by at most the rate limit plus
// one per mille (the wire's resolution).
func (t Target) Wire() (position, forceLimit, maxSpeed uint16) {
	return wire(t.Position), wire(t.ForceLimit), wire(t.MaxSpeed)
}

func wire(x float64) uint16 {
	switch {
	case !(x > 0):
		return 0
	case x >= math.MaxUint16:
		return math.MaxUint16
	}
	return uint16(math.Round(x))
}

// Input is what the controller needs to know at one step. Its zero value
// (no decision, link lost, disarmed) yields the safe state.
type Input struct {
	// Now is the caller's monotonic time (e.g. time since the session
	// started, or the sample index over the sampling rate). A step back in
	// time counts as no time passing.
	Now time.Duration
	// Decision is the newest decision of the recognition path; Sample 0
	// means none yet (a real decision's window ends after sample 0). Its
	// Class, Confidence, Level and Sample are used.
	Decision pipeline.Decision
	// DecidedAt is when Decision was made, on Now's clock; its age is
	// Now − DecidedAt, and a decision from the future counts as stale.
	DecidedAt time.Duration
	// Stable reports that the caller considers the decision stable (e.g.
	// its majority vote was unanimous); false fails the stability gate.
	Stable bool
	// Quality is the signal quality per EMG channel (Monitor.Statuses); a
	// channel missing from it counts as not OK.
	Quality []quality.Status
	// Link is the glove link's state; Armed reports that the therapist
	// armed the session. Motion needs Armed to turn true after
	// construction and after every latched fault.
	Link  Link
	Armed bool
	// EStop reports that an e-stop was pressed (any screen, the keyboard,
	// or the glove's hardware e-stop); it latches until ClearEStop.
	EStop bool
	// Dropped is the engine's running count of blocks dropped on the
	// control queue, counted from the controller's construction or Reset
	// (the first Step compares it with 0); any change from the previous
	// step is a fault.
	Dropped uint64
	// Measured holds the finger positions of the glove's latest STATUS in
	// per mille, or nil when unknown (assist-as-needed needs them).
	Measured []float64
}

// State is what the controller is doing.
type State uint8

// States.
const (
	// Safe: at the safe state (gated, and the ramp has ended).
	Safe State = iota
	// RampingToSafe: gated, moving towards the safe state.
	RampingToSafe
	// Holding: a rejected, low-confidence or unstable decision within
	// HoldTime; targets stay where they are.
	Holding
	// Active: the gates pass; the mode's rule sets the targets.
	Active
	// EStopped: e-stop latched; the output is the safe state.
	EStopped
)

// String returns "safe", "ramping to safe", "holding", "active" or
// "e-stop".
func (s State) String() string {
	switch s {
	case Safe:
		return "safe"
	case RampingToSafe:
		return "ramping to safe"
	case Holding:
		return "holding"
	case Active:
		return "active"
	case EStopped:
		return "e-stop"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Reason says which gate stopped motion.
type Reason uint8

// Reasons, in the order the gates are checked.
const (
	// ReasonNone: no gate failed.
	ReasonNone Reason = iota
	// ReasonEStop: e-stop latched.
	ReasonEStop
	// ReasonOverflow: blocks were dropped on the control queue.
	ReasonOverflow
	// ReasonLinkLost and ReasonLinkFault: the glove link is not healthy.
	ReasonLinkLost
	ReasonLinkFault
	// ReasonDisarmed: not armed (or not re-armed since a fault).
	ReasonDisarmed
	// ReasonNoDecision: no decision yet.
	ReasonNoDecision
	// ReasonStale: the decision is older than MaxAge.
	ReasonStale
	// ReasonBadClass: the decision's class is not one of Classes.
	ReasonBadClass
	// ReasonQuality: a channel the posture uses is not OK for control.
	ReasonQuality
	// ReasonRejected: the recognition path made no decision (rejected or
	// voted to no decision).
	ReasonRejected
	// ReasonLowConfidence: confidence below MinConfidence.
	ReasonLowConfidence
	// ReasonUnstable: the decision is not stable.
	ReasonUnstable
	// ReasonNoFeedback: assist-as-needed without measured positions.
	ReasonNoFeedback
)

// String returns a short phrase for the therapist ("glove link lost").
func (r Reason) String() string {
	switch r {
	case ReasonNone:
		return "none"
	case ReasonEStop:
		return "e-stop"
	case ReasonOverflow:
		return "EMG blocks dropped on the control queue"
	case ReasonLinkLost:
		return "glove link lost"
	case ReasonLinkFault:
		return "glove fault"
	case ReasonDisarmed:
		return "disarmed"
	case ReasonNoDecision:
		return "no decision yet"
	case ReasonStale:
		return "stale decision"
	case ReasonBadClass:
		return "unknown class"
	case ReasonQuality:
		return "poor signal"
	case ReasonRejected:
		return "no gesture recognised"
	case ReasonLowConfidence:
		return "low confidence"
	case ReasonUnstable:
		return "unstable decision"
	case ReasonNoFeedback:
		return "no finger positions from the glove"
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// holds reports whether the reason may hold the targets for HoldTime
// rather than ramping to safe at once: the decision's content is
// doubtful, but nothing is broken.
func (r Reason) holds() bool {
	return r == ReasonRejected || r == ReasonLowConfidence || r == ReasonUnstable
}

// Status explains one step's output for the therapist and the event log.
// Its strings point into the configuration: a Status costs no allocation.
type Status struct {
	State  State
	Reason Reason
	// Latched reports that the reason persists until the therapist acts:
	// ClearEStop for an e-stop, a fresh ARM for a fault.
	Latched bool
	// Mode is the assist mode; Posture the posture being driven or held
	// ("" for the safe state or a passive cycle without a posture).
	Mode    Mode
	Posture string
	// Class and ClassName are the decision's class (−1 and "" for none),
	// Confidence its confidence, Age its age, Sample the stream index it
	// answers (0 for none): events are stored with it.
	Class      int
	ClassName  string
	Confidence float64
	Age        time.Duration
	Sample     uint64
	// Channel, ChannelLabel and Quality name the channel that failed the
	// quality gate and its worst failed check (0 when it was not assessed
	// yet); Channel is −1 otherwise.
	Channel      int
	ChannelLabel string
	Quality      quality.Code
}

// String explains the status in a sentence for the therapist, e.g.
// "ramping to safe: electrode off on FDS" or "active: EMG-triggered, power
// grip". It allocates: call it from the UI, not per step.
func (s Status) String() string {
	if s.State == EStopped {
		return "e-stop: latched until cleared"
	}
	if s.State == Active {
		msg := "active: " + s.Mode.Title()
		if s.Posture != "" {
			msg += ", " + s.Posture
		} else if s.Mode != Passive {
			msg += ", relaxed"
		}
		return msg
	}
	msg := s.State.String() + ": "
	switch s.Reason {
	case ReasonQuality:
		on := "channel " + strconv.Itoa(s.Channel+1)
		if s.ChannelLabel != "" {
			on = s.ChannelLabel
		}
		switch s.Quality {
		case quality.Flat:
			msg += "electrode off on " + on
		case quality.Clipping:
			msg += "clipping on " + on
		case quality.Mains:
			msg += "mains interference on " + on
		case quality.Motion:
			msg += "movement artefacts on " + on
		default:
			msg += "signal not assessed yet on " + on
		}
	case ReasonStale:
		msg += "stale decision (" + strconv.FormatInt(s.Age.Milliseconds(), 10) + " ms old)"
	case ReasonLowConfidence:
		msg += "low confidence (" + strconv.Itoa(int(math.Round(100*s.Confidence))) + " %)"
	case ReasonBadClass:
		msg += "unknown class " + strconv.Itoa(s.Class)
	default:
		msg += s.Reason.String()
	}
	if s.Latched && s.Reason != ReasonDisarmed {
		msg += "; re-arm to continue"
	}
	return msg
}
