package sim

import (
	"fmt"
	"math"
	"strings"
)

// Gesture is a hand or wrist movement the simulated patient performs.
type Gesture int

// The gestures, in the order Gestures lists them.
const (
	Rest Gesture = iota
	PowerGrip
	OpenHand
	Pinch
	WristFlexion
	WristExtension
	numGestures
)

// name returns the String form of a valid gesture.
func (g Gesture) name() string {
	switch g {
	case Rest:
		return "rest"
	case PowerGrip:
		return "power grip"
	case OpenHand:
		return "open hand"
	case Pinch:
		return "pinch"
	case WristFlexion:
		return "wrist flexion"
	case WristExtension:
		return "wrist extension"
	}
	panic("sim: invalid gesture")
}

// Gestures returns every gesture, Rest first. The slice is new on each call.
func Gestures() []Gesture {
	gs := make([]Gesture, numGestures)
	for i := range gs {
		gs[i] = Gesture(i)
	}
	return gs
}

// Valid reports whether g is one of the defined gestures.
func (g Gesture) Valid() bool { return g >= 0 && g < numGestures }

// String returns the gesture's name in lower case ("power grip"), or
// "gesture(N)" for an undefined value.
func (g Gesture) String() string {
	if !g.Valid() {
		return fmt.Sprintf("gesture(%d)", int(g))
	}
	return g.name()
}

// ParseGesture returns the gesture named s. Case is ignored, and '-' and '_'
// count as spaces, so "Power grip", "power-grip" and "power_grip" all name
// PowerGrip. The short forms "grip", "open", "flexion" and "extension" are
// accepted too.
func ParseGesture(s string) (Gesture, error) {
	norm := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return ' '
		}
		return r
	}, strings.ToLower(s))), " ")
	for g := range numGestures {
		if norm == g.name() {
			return g, nil
		}
	}
	switch norm {
	case "grip":
		return PowerGrip, nil
	case "open":
		return OpenHand, nil
	case "flexion":
		return WristFlexion, nil
	case "extension":
		return WristExtension, nil
	}
	return 0, fmt.Errorf("sim: unknown gesture %q", s)
}

// muscles lists the default channel labels, one per 45° slot around the
// forearm, starting over flexor digitorum superficialis on the volar side.
const muscles = "FDS FDP FCU FCR EDC ECU ECRL APL "

// numSlots is the number of muscle slots around the forearm.
const numSlots = 8

// muscle returns the label of slot s in [0, numSlots).
func muscle(s int) string { return strings.Fields(muscles)[s] }

// channelAngle returns the position of channel c of n around the forearm in
// radians: the channels are evenly spaced, channel 0 at angle 0 (FDS slot).
func channelAngle(c, n int) float64 {
	return 2 * math.Pi * float64(c) / float64(n)
}

// bump is one muscle group's contribution to a gesture: a von Mises shaped
// bump around the forearm with peak weight w at centre (degrees) and
// concentration kappa (larger is narrower).
type bump struct{ centre, w, kappa float64 }

// coActivation is the activation every channel gets during any gesture other
// than Rest (stabilising co-contraction), so that even a single channel sees
// every gesture.
const coActivation = 0.08

// bumps returns the muscle groups active during g.
func bumps(g Gesture) []bump {
	switch g {
	case Rest:
		return nil
	case PowerGrip: // finger flexors, with wrist extensors stabilising.
		return []bump{{22, 1, 2.5}, {200, 0.35, 2}}
	case OpenHand: // finger extensors and thumb abductor.
		return []bump{{180, 1, 3}, {315, 0.6, 4}}
	case Pinch: // deep flexor and thumb, moderate.
		return []bump{{45, 0.75, 3.5}, {315, 0.7, 3.5}}
	case WristFlexion: // FCU and FCR.
		return []bump{{112, 1, 3}}
	case WristExtension: // ECU and ECRL.
		return []bump{{248, 1, 3}}
	}
	panic("sim: invalid gesture")
}

// Activation returns the activation in [0, 1] of channel c of an n-channel
// electrode ring during gesture g at full level. Channels are evenly spaced
// around the forearm, channel 0 over the finger flexors (the FDS slot), and
// each gesture activates the muscles under its own arc, plus a small
// co-contraction on every channel; Rest activates nothing. It panics if g is
// not valid or c is not in [0, n).
func Activation(g Gesture, c, n int) float64 {
	if !g.Valid() {
		panic("sim: invalid gesture")
	}
	if c < 0 || c >= n {
		panic("sim: channel out of range")
	}
	if g == Rest {
		return 0
	}
	theta := channelAngle(c, n)
	a := coActivation
	for _, b := range bumps(g) {
		a += b.w * math.Exp(b.kappa*(math.Cos(theta-b.centre*math.Pi/180)-1))
	}
	return math.Min(a, 1)
}

// Pattern writes the activation of every channel of an n-channel ring during
// g at full level into dst (see Activation) and returns dst. A nil dst is
// allocated with length n; otherwise it panics if len(dst) != n.
func Pattern(dst []float64, g Gesture, n int) []float64 {
	if dst == nil {
		dst = make([]float64, n)
	}
	if len(dst) != n {
		panic("sim: dst length mismatch")
	}
	for c := range dst {
		dst[c] = Activation(g, c, n)
	}
	return dst
}

// DefaultLabels returns the default labels of an n-channel ring: each channel
// takes the name of the muscle slot nearest its position ("FDS", "FDP", "FCU",
// "FCR", "EDC", "ECU", "ECRL", "APL" at 45° steps, so 8 channels get exactly
// that list). When several channels share a slot (n > 8) they are numbered
// "FDS.1", "FDS.2".
func DefaultLabels(n int) []string {
	slot := make([]int, n)
	count := make([]int, numSlots)
	for c := range slot {
		pos := float64(c) * float64(numSlots) / float64(n)
		s := int(math.Floor(pos + 0.5 - 1e-9)) // ties go to the lower slot
		s %= numSlots
		slot[c] = s
		count[s]++
	}
	labels := make([]string, n)
	seen := make([]int, numSlots)
	for c, s := range slot {
		if count[s] == 1 {
			labels[c] = muscle(s)
			continue
		}
		seen[s]++
		labels[c] = fmt.Sprintf("%s.%d", muscle(s), seen[s])
	}
	return labels
}
