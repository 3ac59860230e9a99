package quality

import (
	"fmt"
	"strconv"
	"strings"
)

// Window and bands.
const (
	// DefaultWindowSeconds is the length of the sliding window in seconds:
	// long enough to resolve ±1 Hz around the mains frequency and to hold
	// several cycles of a slow movement artefact, short enough that a light
	// changes within about a second of the electrode being fixed.
	DefaultWindowSeconds = 1.0
	// SegmentSeconds is the granularity of the sliding window in seconds:
	// statistics are summed per segment and the status is refreshed each
	// time a segment completes (20 times a second).
	SegmentSeconds = 0.05
	// EMGBandLoHz and EMGBandHiHz delimit the surface EMG band in hertz
	// (SENIAM and De Luca et al. 2010 recommend a 20 Hz high-pass and a
	// low-pass near 450–500 Hz). The upper edge is lowered to 0.45 × the
	// sample rate for slow amplifiers (112.5 Hz for a 250 Hz Cyton).
	EMGBandLoHz = 20.0
	EMGBandHiHz = 450.0
	// MotionCutoffHz is the upper edge, in hertz, of the movement-artefact
	// band: De Luca, Gilmore, Kuznetsov & Roy (2010), "Filtering the surface
	// EMG signal: movement artifact and baseline noise contamination",
	// J Biomech 43:1573–1579, found movement-artefact energy at 0–20 Hz and
	// recommend a 20 Hz high-pass corner for that reason.
	MotionCutoffHz = 20.0
	// MainsHalfBandHz is the half-width in hertz of the mains band for the
	// default 1 s window: power within ±1 Hz of 50 or 60 Hz (the mains
	// frequency's DFT bin and its two neighbours, which together hold all
	// of a sine's power under a Hann window; grid frequency stays well
	// inside). For another window it is one bin, 1/WindowSeconds Hz.
	MainsHalfBandHz = 1.0
	// MinSpectralRateHz is the lowest sample rate in hertz at which the
	// mains and motion checks run: below it the EMG band (20 Hz to
	// 0.45 × rate) is too narrow to compare against (an envelope sensor
	// streaming at 20–50 Hz gets the flat and clipping checks only).
	MinSpectralRateHz = 100.0
)

// Thresholds. Each check compares a measurement over the window with these
// constants; a channel is Bad as soon as one check is Bad.
const (
	// FlatStdUV is the standard deviation in µV below which a channel is a
	// flat line (Bad): the thermal noise of a skin–electrode interface of
	// 50 kΩ over the 20–450 Hz band is already √(4kTRB) ≈ 0.6 µV RMS and
	// a good recording's baseline noise is 1–2 µV (Konrad, "The ABC of EMG",
	// Noraxon 2005), so a quieter signal cannot have come through skin: the
	// lead is off or shorted, or the channel is dead. A channel whose raw
	// counts do not change at all over the window is flat whatever its
	// scale (stuck ADC, a sensor without power).
	FlatStdUV = 0.5

	// ClipMarginFraction is how close to an ADC rail, as a fraction of the
	// full range (max − min counts), a sample counts as clipped: 0.2% (two
	// counts of a 10-bit ADC, 0.4 mV at a Cyton's gain 24), since converters
	// and drivers often stop a count or two short of the rail.
	ClipMarginFraction = 0.002
	// ClipWarnFraction and ClipBadFraction are the fractions of clipped
	// samples in the window that make a channel Warn and Bad: one clipped
	// sample in a thousand already shows the amplitude is near the limit;
	// at 1% amplitude features (RMS, MAV) are measurably wrong and the
	// channel must not drive the glove. A channel pinned at a rail (as
	// the OpenBCI GUI's "railed", at 90% of full scale) is 100% clipped.
	ClipWarnFraction = 0.001
	ClipBadFraction  = 0.01

	// MainsWarnFraction and MainsBadFraction are the fractions of the EMG
	// band's power that lie within ±1 Hz of the mains frequency for Warn
	// and Bad. Clean surface EMG spreads its power over hundreds of hertz,
	// so a 2 Hz band holds about 1% of it; at 30% the interference is as
	// large as two thirds of the EMG amplitude, and at 50% mains dominates
	// the band: the reference or ground electrode is poor, or the
	// electrodes' impedances differ.
	MainsWarnFraction = 0.3
	MainsBadFraction  = 0.5
	// MainsWarnUV and MainsBadUV are the mains RMS amplitudes in µV that
	// must also be exceeded for Warn and Bad, so that a few µV of mains on
	// a resting channel (whose EMG band holds only baseline noise) are not
	// flagged: twice and four times the 5 µV that Konrad (2005) gives as
	// the most baseline noise a good set-up should show.
	MainsWarnUV = 10.0
	MainsBadUV  = 20.0

	// MotionWarnFraction and MotionBadFraction are the fractions of the
	// non-constant power (below 20 Hz plus the EMG band) that lie below
	// 20 Hz, for Warn and Bad. Surface EMG has little power below 20 Hz
	// (De Luca et al. 2010), so a majority there is artefact: cable sway,
	// electrode movement, a baseline that wanders.
	MotionWarnFraction = 0.5
	MotionBadFraction  = 0.8
	// MotionWarnUV and MotionBadUV are the RMS amplitudes in µV below
	// 20 Hz (after removing the window's mean) that must also be exceeded
	// for Warn and Bad: movement artefacts reach hundreds of µV to mV,
	// while a slow drift of a few tens of µV is harmless once the EMG is
	// high-pass filtered at 20 Hz.
	MotionWarnUV = 30.0
	MotionBadUV  = 100.0
)

// Level is how usable a channel is. Levels are ordered: a larger Level is
// worse, and the zero value Unknown means "not assessed yet".
type Level int

// Levels.
const (
	// Unknown: not enough data yet (the window is still filling).
	Unknown Level = iota
	// Good: no check failed.
	Good
	// Warn: usable, but the clinician should fix something.
	Warn
	// Bad: the channel must not be used for control.
	Bad
)

// String returns "unknown", "good", "warn" or "bad".
func (l Level) String() string {
	switch l {
	case Unknown:
		return "unknown"
	case Good:
		return "good"
	case Warn:
		return "warn"
	case Bad:
		return "bad"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Code identifies a check that failed.
type Code int

// Codes of Reason.
const (
	// Flat: flat line or stuck counts (electrode off, lead broken).
	Flat Code = iota + 1
	// Clipping: samples at the ADC rails.
	Clipping
	// Mains: mains interference dominates the EMG band.
	Mains
	// Motion: power below 20 Hz dominates (movement artefact, drift).
	Motion
)

// String returns "flat", "clipping", "mains" or "motion".
func (c Code) String() string {
	switch c {
	case Flat:
		return "flat"
	case Clipping:
		return "clipping"
	case Mains:
		return "mains"
	case Motion:
		return "motion"
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// numCodes is the number of codes; a Status has at most this many reasons.
const numCodes = 4

// Reason is one failed check of a channel.
type Reason struct {
	// Code says which check failed; Level how badly (Warn or Bad).
	Code  Code
	Level Level
	// Value is the measurement that crossed the threshold: the standard
	// deviation in µV for Flat (0 when the counts are stuck), and the
	// fraction in [0, 1] of samples clipped, of band power at mains, or of
	// power below 20 Hz for Clipping, Mains and Motion.
	Value float64
	// Hz is the mains frequency in hertz for Mains, else 0.
	Hz float64
}

// Message returns a short sentence for the clinician about channel (0-based)
// with the given label (muscle or site, may be empty), e.g.
// "Electrode 3 (FDS) seems off: flat signal". It allocates; call it from
// the UI, not per block.
func (r Reason) Message(channel int, label string) string {
	e := electrode(channel, label)
	switch r.Code {
	case Flat:
		if r.Value == 0 {
			return e + " seems off: the signal does not change"
		}
		return e + " seems off: flat signal"
	case Clipping:
		if r.Value >= 0.99 {
			return e + " seems off: the signal is stuck at the amplifier's limit"
		}
		return fmt.Sprintf("%s is clipped at the amplifier's limit (%s of samples): check the electrode or lower the gain", e, percent(r.Value))
	case Mains:
		adj := "Some"
		if r.Level == Bad {
			adj = "Strong"
		}
		return fmt.Sprintf("%s %g Hz mains interference on %s: check the reference electrode", adj, r.Hz, lower(e))
	case Motion:
		adj := "Movement"
		if r.Level == Bad {
			adj = "Strong movement"
		}
		return fmt.Sprintf("%s artefacts on %s: secure the electrode and its cable", adj, lower(e))
	}
	return e + ": " + r.Code.String()
}

// electrode names a channel for messages: "Electrode 3 (FDS)".
func electrode(channel int, label string) string {
	s := "Electrode " + strconv.Itoa(channel+1)
	if label != "" {
		s += " (" + label + ")"
	}
	return s
}

func lower(e string) string { return "e" + e[1:] }

// percent formats a fraction as a percentage with one decimal at most:
// 0.04 → "4%", 0.0125 → "1.2%".
func percent(f float64) string {
	s := strconv.FormatFloat(100*f, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + "%"
}

// Metrics are the measurements of one channel over the window.
type Metrics struct {
	// Seconds is the duration of data in the window.
	Seconds float64
	// StdUV is the standard deviation of the signal in µV.
	StdUV float64
	// RangeCounts is the largest minus the smallest raw count.
	RangeCounts int64
	// ClipFraction is the fraction of samples at an ADC rail.
	ClipFraction float64
	// BandRMSUV is the RMS in µV of the 20–450 Hz EMG band.
	BandRMSUV float64
	// MainsRMSUV is the RMS in µV within ±1 Hz of MainsHz, the stronger
	// mains frequency checked; MainsFraction is its share of the EMG
	// band's power. Both are 0 when the spectral checks are off.
	MainsRMSUV, MainsHz, MainsFraction float64
	// LowRMSUV is the RMS in µV below 20 Hz with the window's mean
	// removed; LowFraction is its share of the power below 450 Hz.
	LowRMSUV, LowFraction float64
}

// Status is the quality of one channel.
type Status struct {
	// Level is the worst Level among Reasons, Good when there is none, and
	// Unknown until the window has filled.
	Level Level
	// OKForControl is true when the channel may drive the glove: the
	// window has filled and Level is not Bad.
	OKForControl bool
	// Reasons lists the failed checks, worst first.
	Reasons []Reason
	// Metrics are the measurements behind the verdict.
	Metrics Metrics
}

// CopyFrom copies src into s, reusing s.Reasons' storage; it does not
// allocate when cap(s.Reasons) ≥ len(src.Reasons).
func (s *Status) CopyFrom(src *Status) {
	r := append(s.Reasons[:0], src.Reasons...)
	*s = *src
	s.Reasons = r
}
