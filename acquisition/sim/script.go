package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Step is one entry of a Script: hold Gesture at Level for Seconds.
type Step struct {
	Gesture Gesture
	// Seconds is the step's duration, > 0.
	Seconds float64
	// Level is the contraction level in [0, 1] (fraction of full
	// activation); a step with Level 0 is rest, whatever its Gesture.
	Level float64
}

// Script is a sequence of steps that a Simulator performs in order and then
// repeats from the start.
type Script []Step

// ErrEmptyScript is returned when a script has no steps.
var ErrEmptyScript = errors.New("sim: empty script")

// maxStepSeconds bounds a step's duration (a day), so sample counts stay exact.
const maxStepSeconds = 86400

// DefaultScript returns the demo script (30 s, repeated): 3 s of rest before
// each gesture, then the gesture held for 3 s at 60–80% level, in the order of
// Gestures.
func DefaultScript() Script {
	return Script{
		{Rest, 3, 0}, {PowerGrip, 3, 0.8},
		{Rest, 3, 0}, {OpenHand, 3, 0.7},
		{Rest, 3, 0}, {Pinch, 3, 0.6},
		{Rest, 3, 0}, {WristFlexion, 3, 0.7},
		{Rest, 3, 0}, {WristExtension, 3, 0.7},
	}
}

// Validate returns an error if s is empty or a step has an invalid gesture, a
// duration outside (0, 86400] seconds or a level outside [0, 1].
func (s Script) Validate() error {
	if len(s) == 0 {
		return ErrEmptyScript
	}
	for i, st := range s {
		if err := st.validate(); err != nil {
			return fmt.Errorf("sim: script step %d: %w", i+1, err)
		}
	}
	return nil
}

// validate checks one step; its errors have no package prefix.
func (st Step) validate() error {
	switch {
	case !st.Gesture.Valid():
		return fmt.Errorf("invalid gesture %d", int(st.Gesture))
	case !(st.Seconds > 0 && st.Seconds <= maxStepSeconds):
		return fmt.Errorf("duration %g s not in (0, %d]", st.Seconds, maxStepSeconds)
	case !(st.Level >= 0 && st.Level <= 1):
		return fmt.Errorf("level %g not in [0, 1]", st.Level)
	}
	return nil
}

// Seconds returns the script's total duration in seconds.
func (s Script) Seconds() float64 {
	var t float64
	for _, st := range s {
		t += st.Seconds
	}
	return t
}

// String formats s in the text form ParseScript reads, one step per line.
func (s Script) String() string {
	var b strings.Builder
	for _, st := range s {
		fmt.Fprintf(&b, "%s %s %s\n", strings.ReplaceAll(st.Gesture.String(), " ", "-"),
			strconv.FormatFloat(st.Seconds, 'g', -1, 64), strconv.FormatFloat(st.Level, 'g', -1, 64))
	}
	return b.String()
}

// ParseScript reads a script in text form: one step per line,
//
//	<gesture> <seconds> [level]
//
// where gesture is any name ParseGesture accepts (it may contain spaces),
// seconds the step's duration and level its contraction level in [0, 1]
// (default 1, or 0 for rest). Blank lines and text after '#' are ignored.
// For example:
//
//	rest 3
//	power grip 3 0.8   # strong grip
//	rest 2
//	wrist-extension 4 0.5
//
// The script is validated as by Script.Validate; errors name the line.
func ParseScript(r io.Reader) (Script, error) {
	var s Script
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		// The gesture name runs up to the first number.
		i := 0
		for i < len(fields) {
			if _, err := strconv.ParseFloat(fields[i], 64); err == nil {
				break
			}
			i++
		}
		if i == 0 || i == len(fields) || len(fields)-i > 2 {
			return nil, fmt.Errorf("sim: script line %d: want \"<gesture> <seconds> [level]\", got %q", line, text)
		}
		g, err := ParseGesture(strings.Join(fields[:i], " "))
		if err != nil {
			return nil, fmt.Errorf("sim: script line %d: %w", line, err)
		}
		st := Step{Gesture: g, Level: 1}
		if g == Rest {
			st.Level = 0
		}
		st.Seconds, _ = strconv.ParseFloat(fields[i], 64)
		if i+1 < len(fields) {
			if st.Level, err = strconv.ParseFloat(fields[i+1], 64); err != nil {
				return nil, fmt.Errorf("sim: script line %d: level %q is not a number", line, fields[i+1])
			}
		}
		if err := st.validate(); err != nil {
			return nil, fmt.Errorf("sim: script line %d: %w", line, err)
		}
		s = append(s, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sim: read script: %w", err)
	}
	if len(s) == 0 {
		return nil, ErrEmptyScript
	}
	return s, nil
}

// Ends lays s out at rateHz as a Simulator running s does: ends[i] is the
// index, counted from the script's start, of the sample one past the end of
// step i, so step i covers samples [ends[i-1], ends[i]) (step 0 from 0) and
// the script repeats every ends[len(s)-1] samples. Each end is the step's
// cumulative duration times rateHz, rounded; every step lasts at least one
// sample. It panics if s is not valid or rateHz is not positive.
func (s Script) Ends(rateHz float64) []uint64 {
	if err := s.Validate(); err != nil {
		panic("sim: Ends of an invalid script: " + err.Error())
	}
	if !(rateHz > 0) {
		panic("sim: Ends at a rate that is not positive")
	}
	return newScriptState(s, rateHz).ends
}

// scriptState is a validated script laid out in samples. It is immutable once
// built, so the generating goroutine can read it while another one installs a
// new script.
type scriptState struct {
	steps []Step
	// ends[i] is the sample index, counted from the script's start, one
	// past the end of step i; strictly increasing.
	ends []uint64
}

// newScriptState lays s out at rate fs. s must be valid.
func newScriptState(s Script, fs float64) *scriptState {
	st := &scriptState{steps: append([]Step(nil), s...), ends: make([]uint64, len(s))}
	var t float64
	var prev uint64
	for i, step := range s {
		t += step.Seconds
		end := uint64(math.Round(t * fs))
		if end <= prev {
			end = prev + 1 // every step lasts at least one sample
		}
		st.ends[i], prev = end, end
	}
	return st
}
