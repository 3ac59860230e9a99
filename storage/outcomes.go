package storage

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// OutcomeKind names a clinical outcome measure.
type OutcomeKind string

// Outcome measures used in hand rehabilitation after stroke.
const (
	// FuglMeyerUE is the Fugl-Meyer upper-extremity motor score, 0–66.
	FuglMeyerUE OutcomeKind = "fugl_meyer_ue"
	// FuglMeyerWH is the wrist and hand part of it, 0–24.
	FuglMeyerWH OutcomeKind = "fugl_meyer_wh"
	// ARAT is the Action Research Arm Test, 0–57.
	ARAT OutcomeKind = "arat"
	// GripKg is grip strength on a dynamometer in kg, 0–100.
	GripKg OutcomeKind = "grip_kg"
	// Ashworth is the Modified Ashworth Scale of one muscle group: 0, 1,
	// 1+ (stored as 1.5), 2, 3 or 4.
	Ashworth OutcomeKind = "ashworth"
)

// OutcomeKinds lists the measures in the order forms and reports show them.
var OutcomeKinds = []OutcomeKind{FuglMeyerUE, FuglMeyerWH, ARAT, GripKg, Ashworth}

// Title returns the measure's name for people, with its range.
func (k OutcomeKind) Title() string {
	switch k {
	case FuglMeyerUE:
		return "Fugl-Meyer UE (0–66)"
	case FuglMeyerWH:
		return "Fugl-Meyer wrist/hand (0–24)"
	case ARAT:
		return "ARAT (0–57)"
	case GripKg:
		return "Grip strength (kg)"
	case Ashworth:
		return "Modified Ashworth (0–4)"
	}
	return string(k)
}

// Outcome is one outcome measure of a patient taken on a date.
type Outcome struct {
	ID        int64
	PatientID int64
	// SessionID is the session it was taken in (0: none).
	SessionID int64
	Kind      OutcomeKind
	// Muscle is the muscle group of an Ashworth score ("wrist flexors"),
	// empty for the other measures.
	Muscle string
	// Value is the score (kg for GripKg; 1.5 for Ashworth 1+).
	Value float64
	// TakenOn is the date of the assessment (local calendar date; the time
	// of day is ignored).
	TakenOn time.Time
	Notes   string
	// CreatedAt is when it was entered.
	CreatedAt time.Time
}

// AshworthPlus is the stored value of the Modified Ashworth grade 1+.
const AshworthPlus = 1.5

// FormatOutcome writes v as the measure's scale writes it ("1+" for
// Ashworth 1.5, "12.5" kg, "42").
func FormatOutcome(k OutcomeKind, v float64) string {
	if k == Ashworth && v == AshworthPlus {
		return "1+"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// ParseOutcome reads a value typed for measure k ("1+" for Ashworth, a
// decimal comma accepted) and checks its range (ValidOutcome).
func ParseOutcome(k OutcomeKind, s string) (float64, error) {
	s = strings.TrimSpace(s)
	if k == Ashworth && s == "1+" {
		return AshworthPlus, nil
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %q is not a number", ErrInvalid, k.Title(), s)
	}
	return v, ValidOutcome(k, v)
}

// ValidOutcome checks v against measure k's range and steps (wrapping
// ErrInvalid, with a sentence for the user).
func ValidOutcome(k OutcomeKind, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%w: %s: %v is not a score", ErrInvalid, k.Title(), v)
	}
	whole := func(hi float64) error {
		if v < 0 || v > hi || v != math.Trunc(v) {
			return fmt.Errorf("%w: %s is a whole number from 0 to %g, not %s", ErrInvalid, k.Title(), hi, FormatOutcome(k, v))
		}
		return nil
	}
	switch k {
	case FuglMeyerUE:
		return whole(66)
	case FuglMeyerWH:
		return whole(24)
	case ARAT:
		return whole(57)
	case GripKg:
		if v < 0 || v > 100 {
			return fmt.Errorf("%w: grip strength is 0 to 100 kg, not %g", ErrInvalid, v)
		}
		return nil
	case Ashworth:
		switch v {
		case 0, 1, AshworthPlus, 2, 3, 4:
			return nil
		}
		return fmt.Errorf("%w: Modified Ashworth is 0, 1, 1+, 2, 3 or 4, not %g", ErrInvalid, v)
	}
	return fmt.Errorf("%w: unknown outcome measure %q", ErrInvalid, k)
}

// Validate checks o's kind, value and muscle group (ErrInvalid).
func (o *Outcome) Validate() error {
	if err := ValidOutcome(o.Kind, o.Value); err != nil {
		return err
	}
	if o.TakenOn.IsZero() {
		return fmt.Errorf("%w: %s: the date is missing", ErrInvalid, o.Kind.Title())
	}
	if (o.Kind == Ashworth) != (strings.TrimSpace(o.Muscle) != "") {
		if o.Kind == Ashworth {
			return fmt.Errorf("%w: a Modified Ashworth score needs the muscle group", ErrInvalid)
		}
		return fmt.Errorf("%w: %s has no muscle group", ErrInvalid, o.Kind.Title())
	}
	return nil
}
