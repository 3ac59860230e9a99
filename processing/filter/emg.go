package filter

import (
	"fmt"
	"strings"
)

// NewEMGChain returns the live-view filter for channels channels sampled at
// fsHz: a Butterworth band-pass loHz–hiHz of the given order followed by a
// notch at notchHz with quality factor q, adapted to the sampling rate:
//
//   - an edge at or above the Nyquist frequency fsHz/2 is skipped, so
//     20–450 Hz at 250 Hz sampling becomes a 20 Hz high-pass;
//   - loHz = 0 means no high-pass edge, hiHz = 0 no low-pass edge;
//   - a notch at or above Nyquist is skipped; notchHz = 0 means no notch.
//
// String describes what was built, e.g. "bp 20-450 Hz order 4; notch 50 Hz
// Q30" or "hp 20 Hz order 4" ("none" when nothing is left).
//
// It returns an error wrapping ErrInvalid when fsHz ≤ 0, channels < 1, a
// frequency is negative or NaN, loHz is at or above Nyquist, both edges are
// used and loHz ≥ hiHz, order is outside 1…MaxOrder while an edge is used,
// or q ≤ 0 while the notch is used.
func NewEMGChain(fsHz float64, channels int, loHz, hiHz float64, order int, notchHz, q float64) (*Chain, error) {
	if err := checkRate(fsHz); err != nil {
		return nil, err
	}
	if channels < 1 {
		return nil, fmt.Errorf("%w: %d channels, need at least 1", ErrInvalid, channels)
	}
	for _, f := range []struct {
		name string
		hz   float64
	}{{"low edge", loHz}, {"high edge", hiHz}, {"notch frequency", notchHz}} {
		if !(f.hz >= 0) {
			return nil, fmt.Errorf("%w: %s %s Hz, must be 0 (off) or positive", ErrInvalid, f.name, fmtHz(f.hz))
		}
	}
	nyq := fsHz / 2
	if loHz >= nyq {
		return nil, fmt.Errorf("%w: low edge %s Hz must be below the Nyquist frequency %s Hz (sampling rate %s Hz)",
			ErrInvalid, fmtHz(loHz), fmtHz(nyq), fmtHz(fsHz))
	}
	useLo := loHz > 0
	useHi := hiHz > 0 && hiHz < nyq
	if useLo && useHi && loHz >= hiHz {
		return nil, fmt.Errorf("%w: low edge %s Hz must be below high edge %s Hz", ErrInvalid, fmtHz(loHz), fmtHz(hiHz))
	}

	var sets [][]Section
	var desc []string
	var band []Section
	var err error
	switch {
	case useLo && useHi:
		band, err = ButterSOS(order, Bandpass, fsHz, loHz, hiHz)
		desc = append(desc, fmt.Sprintf("bp %s-%s Hz order %d", fmtHz(loHz), fmtHz(hiHz), order))
	case useLo:
		band, err = ButterSOS(order, Highpass, fsHz, loHz)
		desc = append(desc, fmt.Sprintf("hp %s Hz order %d", fmtHz(loHz), order))
	case useHi:
		band, err = ButterSOS(order, Lowpass, fsHz, hiHz)
		desc = append(desc, fmt.Sprintf("lp %s Hz order %d", fmtHz(hiHz), order))
	}
	if err != nil {
		return nil, err
	}
	if band != nil {
		sets = append(sets, band)
	}
	if notchHz > 0 && notchHz < nyq {
		s, err := NotchSOS(notchHz, q, fsHz)
		if err != nil {
			return nil, err
		}
		sets = append(sets, []Section{s})
		desc = append(desc, fmt.Sprintf("notch %s Hz Q%s", fmtHz(notchHz), fmtHz(q)))
	}
	c := NewChain(channels, sets...)
	c.desc = "none"
	if len(desc) > 0 {
		c.desc = strings.Join(desc, "; ")
	}
	return c, nil
}
