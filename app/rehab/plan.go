package rehab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"myorehab/app/service"
	"myorehab/storage"
)

// Exercise kinds.
const (
	// KindMVC is a hold of the working muscles' level inside a %MVC band.
	KindMVC = "mvc"
	// KindGesture is a classifier-driven hold of a target gesture.
	KindGesture = "gesture"
)

// Plan is an exercise plan: the plan file of CLI.md (service.RehabPlan).
type Plan = service.RehabPlan

// Exercise is one exercise of a plan.
type Exercise = service.RehabExercise

// Assist is the glove's assistance for an exercise.
type Assist = service.RehabAssist

// ParseError is a plan file that is not valid JSON or has a field of the
// wrong type; Line is where (from 1).
type ParseError struct {
	Line int
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("plan line %d: %v", e.Line, e.Err) }
func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads a plan file. A file that does not parse is refused with the
// line of the mistake (*ParseError). It does not validate against a
// device: see Validate.
func Parse(data []byte) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&p); err != nil {
		var off int64 = -1
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset
			err = fmt.Errorf("not valid JSON: %s", se.Error())
		case errors.As(err, &te):
			off = te.Offset
			err = fmt.Errorf("%s should be %s, not %s", te.Field, te.Type, te.Value)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			off = int64(len(data))
			err = errors.New("the file ends in the middle of the plan")
		}
		if off < 0 {
			off = int64(len(data))
		}
		return nil, &ParseError{Line: lineOf(data, off), Err: err}
	}
	if dec.More() {
		return nil, &ParseError{Line: lineOf(data, dec.InputOffset()), Err: errors.New("more text after the plan")}
	}
	return &p, nil
}

// lineOf returns the line (from 1) of byte offset off in data.
func lineOf(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// Capabilities is what a plan is checked against: the connected device's
// channels and the gestures the patient's model (or the simulator) knows.
type Capabilities struct {
	// Labels are the stream's channel labels.
	Labels []string
	// Gestures are the gestures a gesture rep may target; nil: any of
	// KnownGestures.
	Gestures []string
}

// KnownGestures lists the gestures the product names (calibration's and
// the simulator's).
func KnownGestures() []string {
	return []string{"rest", "power grip", "open hand", "pinch", "wrist flexion", "wrist extension"}
}

// ChannelIndex returns the index of the channel labelled name in labels:
// case is ignored, and a label such as "EMG FDS" or "FDS.1" matches "FDS";
// -1 when none does.
func ChannelIndex(labels []string, name string) int { return storage.MatchLabel(labels, name) }

// normGesture folds case, '-' and '_' as sim.ParseGesture does.
func normGesture(s string) string {
	s = strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

// Validate checks p against dev: every exercise must name channels the
// device has, a gesture that is known, a hold time above zero, a sensible
// band and assist. The error names the exercise and says what to change,
// in plain words; all problems are listed.
func Validate(p *Plan, dev Capabilities) error {
	if p == nil || len(p.Exercises) == 0 {
		return errors.New("the plan has no exercises: add at least one")
	}
	gestures := dev.Gestures
	if gestures == nil {
		gestures = KnownGestures()
	}
	var errs []error
	for i, e := range p.Exercises {
		name := fmt.Sprintf("exercise %d (%q)", i+1, e.Name)
		bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(name+": "+format, a...)) }
		if strings.TrimSpace(e.Name) == "" {
			bad("give the exercise a name")
		}
		switch e.Kind {
		case KindMVC:
			if len(e.Channels) == 0 {
				bad("name the working muscles' channels (e.g. \"FDS\")")
			}
			if !(e.TargetLowPct >= 0 && e.TargetHighPct > e.TargetLowPct && e.TargetHighPct <= 150) {
				bad("the target band %g–%g %% MVC must have low < high, between 0 and 150 %%", e.TargetLowPct, e.TargetHighPct)
			}
		case KindGesture:
			if strings.TrimSpace(e.Gesture) == "" {
				bad("name the target gesture")
			}
		default:
			bad("kind %q is unknown: use \"mvc\" (hold in a %%MVC band) or \"gesture\" (classifier)", e.Kind)
		}
		if e.Gesture != "" && !containsGesture(gestures, e.Gesture) {
			bad("gesture %q is unknown here: use one of %s", e.Gesture, strings.Join(gestures, ", "))
		}
		for _, list := range [][]string{e.Channels, e.Antagonist} {
			for _, c := range list {
				if ChannelIndex(dev.Labels, c) < 0 {
					bad("channel %q is not on this device (it has %s)", c, strings.Join(dev.Labels, ", "))
				}
			}
		}
		if !(e.HoldS > 0) || math.IsInf(e.HoldS, 0) || e.HoldS > 600 {
			bad("the hold time must be more than 0 s (and at most 600 s), not %g s", e.HoldS)
		}
		if !(e.RestS >= 0) || e.RestS > 600 {
			bad("the rest time must be 0 to 600 s, not %g s", e.RestS)
		}
		if e.Reps < 1 || e.Reps > 200 {
			bad("repetitions must be 1 to 200, not %d", e.Reps)
		}
		if e.Sets < 0 || e.Sets > 20 {
			bad("sets must be 1 to 20, not %d", e.Sets)
		}
		switch e.Assist.Mode {
		case "", "none", service.ModePassive, service.ModeAssist, service.ModeTriggered, service.ModeProportional:
		default:
			bad("assist mode %q is unknown: use passive, assist, triggered or proportional", e.Assist.Mode)
		}
		if e.Assist.Level < 0 || e.Assist.Level > 100 {
			bad("the assist level must be 0 to 100 %%, not %d", e.Assist.Level)
		}
	}
	return errors.Join(errs...)
}

func containsGesture(list []string, g string) bool {
	g = normGesture(g)
	for _, x := range list {
		if normGesture(x) == g {
			return true
		}
	}
	return false
}

// PlanJSON returns p as indented JSON (the stored and exported form).
func PlanJSON(p *Plan) []byte {
	b, _ := json.MarshalIndent(p, "", "  ")
	return b
}
