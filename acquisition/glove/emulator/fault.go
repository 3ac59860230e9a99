package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"myorehab/acquisition/glove"
)

// FaultKind is a kind of injected fault.
type FaultKind int

// Fault kinds.
const (
	// Stall freezes one finger's motor: it stops moving, its force reads
	// at its limit, and the glove latches an over-current fault (FAULT
	// state, fault bit 2, FAULT frame with the finger index as detail).
	Stall FaultKind = iota + 1
	// OverForce makes one finger's force sensor read over its limit: the
	// glove latches an over-force fault (bit 1).
	OverForce
	// Silent stops everything the glove sends (STATUS, ACK, NACK, INFO,
	// FAULT), as a broken transmit line would; it keeps receiving and
	// obeying commands, so its watchdog stays fed.
	Silent
	// HWEStop presses the glove's own e-stop button: ESTOP state, fault
	// bit 5, a FAULT frame; CLEAR_FAULT releases it.
	HWEStop
)

// String returns the kind's name as written in a spec.
func (k FaultKind) String() string {
	switch k {
	case Stall:
		return "stall"
	case OverForce:
		return "over-force"
	case Silent:
		return "silent"
	case HWEStop:
		return "hw-estop"
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// Fault is one injected fault.
type Fault struct {
	// Kind is what happens.
	Kind FaultKind
	// Finger is the finger index (0 thumb … 4 little) for Stall and
	// OverForce, -1 otherwise.
	Finger int
	// At is when it happens, counted from the start of Run.
	At time.Duration
}

// String returns the fault as a spec ParseFault accepts, e.g.
// "stall:index@5s".
func (f Fault) String() string {
	s := f.Kind.String()
	if f.Finger >= 0 {
		s += ":" + glove.FingerName(f.Finger)
	}
	return s + "@" + f.At.String()
}

// ParseFault parses one fault spec KIND[:FINGER]@TIME: KIND is stall or
// over-force (both need a finger: thumb, index, middle, ring or little),
// silent or hw-estop (no finger); TIME is a Go duration ("5s", "1.5s",
// "500ms") or plain seconds ("5"), counted from the emulator's start.
// Examples: "stall:index@5s", "silent@4s", "hw-estop@6s".
func ParseFault(spec string) (Fault, error) {
	what, at, ok := strings.Cut(strings.TrimSpace(spec), "@")
	if !ok {
		return Fault{}, fmt.Errorf("fault %q: no time (write it as KIND[:FINGER]@TIME, e.g. stall:index@5s)", spec)
	}
	d, err := time.ParseDuration(at)
	if err != nil {
		secs, ferr := strconv.ParseFloat(at, 64)
		if ferr != nil {
			return Fault{}, fmt.Errorf("fault %q: time %q is neither a duration (5s, 500ms) nor seconds", spec, at)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return Fault{}, fmt.Errorf("fault %q: negative time", spec)
	}
	name, finger, hasFinger := strings.Cut(what, ":")
	f := Fault{Finger: -1, At: d}
	switch name {
	case "stall":
		f.Kind = Stall
	case "over-force":
		f.Kind = OverForce
	case "silent":
		f.Kind = Silent
	case "hw-estop":
		f.Kind = HWEStop
	default:
		return Fault{}, fmt.Errorf("fault %q: unknown kind %q (stall, over-force, silent, hw-estop)", spec, name)
	}
	needsFinger := f.Kind == Stall || f.Kind == OverForce
	switch {
	case needsFinger && !hasFinger:
		return Fault{}, fmt.Errorf("fault %q: %s needs a finger, e.g. %s:index@%s", spec, name, name, at)
	case !needsFinger && hasFinger:
		return Fault{}, fmt.Errorf("fault %q: %s takes no finger", spec, name)
	case needsFinger:
		if f.Finger = glove.FingerIndex(finger); f.Finger < 0 {
			return Fault{}, fmt.Errorf("fault %q: unknown finger %q (thumb, index, middle, ring, little)", spec, finger)
		}
	}
	return f, nil
}

// ParseFaults parses comma-separated fault specs (see ParseFault); an
// empty string gives none.
func ParseFaults(specs string) ([]Fault, error) {
	var out []Fault
	for s := range strings.SplitSeq(specs, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		f, err := ParseFault(s)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
