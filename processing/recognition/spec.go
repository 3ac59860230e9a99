package recognition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"myorehab/processing/classify"
	"myorehab/processing/features"
	"myorehab/processing/filter"
)

// SpecVersion is the version of the Spec layout written by this package.
// Version 2 added WindowMs and IncrementMs; version 1 (window and increment
// in samples only, as stored by earlier builds) is still read and means
// exactly what it meant. Any other version is refused.
const SpecVersion = 2

// FilterSpec is the causal conditioning filter applied to the stream before
// windowing (filter.NewEMGChain): a Butterworth band-pass LowHz–HighHz of
// Order (LowHz 0 = no high-pass edge, HighHz 0 = no low-pass edge), then a
// notch at NotchHz with quality Q (NotchHz 0 = none). Frequencies in hertz.
type FilterSpec struct {
	LowHz   float64 `json:"low_hz"`
	HighHz  float64 `json:"high_hz"`
	Order   int     `json:"order"`
	NotchHz float64 `json:"notch_hz"`
	Q       float64 `json:"q"`
}

// Transform names a per-feature transform applied after extraction.
const (
	// TransformNone leaves the features as extracted.
	TransformNone = ""
	// TransformLog replaces every feature value v by sign(v)·ln(1+|v|),
	// which makes amplitude features (MAV, RMS, WL, …, spanning decades)
	// closer to Gaussian, as LDA assumes.
	TransformLog = "log"
)

// Spec describes a recognition pipeline completely; with the model
// parameters it is everything needed to rebuild the front end. The zero
// value is not valid: start from Default or HudginsLDA.
type Spec struct {
	// Version is SpecVersion.
	Version int `json:"version"`
	// Filter is the causal filter before windowing; nil means none (raw
	// samples, as LibEMG's baselines).
	Filter *FilterSpec `json:"filter,omitempty"`
	// WindowMs and IncrementMs are the analysis window and the decision
	// step in milliseconds (version 2). When set, they are the
	// specification, converted at the stream's sampling rate by At:
	//
	//	Window = round(WindowMs·rateHz/1000), Increment likewise
	//
	// (300 ms / 50 ms: 300/50 samples at 1 kHz, 75/13 at 250 Hz). 0 leaves
	// the sample field as the specification.
	WindowMs    float64 `json:"window_ms,omitempty"`
	IncrementMs float64 `json:"increment_ms,omitempty"`
	// Window and Increment are the analysis window and the decision step,
	// in samples. Without WindowMs (IncrementMs) they are the
	// specification, whatever the rate (the version 1 layout). With it,
	// they are derived: 0 before the Spec is resolved at a rate (At; Train
	// does it, and a trained Pipeline's Spec carries both), and a non-zero
	// value must equal the conversion.
	Window    int `json:"window"`
	Increment int `json:"increment"`
	// Features lists feature and group names (features.NewSet).
	Features []string `json:"features"`
	// Params are the feature parameters (features.DefaultParams).
	Params features.Params `json:"params"`
	// Transform is applied to every feature value (TransformNone,
	// TransformLog).
	Transform string `json:"transform,omitempty"`
	// Model is the model family, a classify.Kind name ("lda", "qda",
	// "knn", "svm", "rbfsvm", "rf", "mlp").
	Model string `json:"model"`
	// Int8 runs the model as INT8 (quant.Quantize; LDA, linear SVM and
	// MLP only).
	Int8 bool `json:"int8,omitempty"`
	// Seed seeds the randomised model families.
	Seed uint64 `json:"seed"`
	// Reject is the rejection threshold: a window whose top class
	// probability is below it gives no decision (0 = never reject).
	Reject float64 `json:"reject"`
	// Votes is the majority vote length in decisions (0 or 1 = none). It
	// spans Votes increments (VoteSpanMs) and delays a clean change of
	// class by ⌊Votes/2⌋ increments (classify.Vote.Delay).
	Votes int `json:"votes"`
	// LevelQ and LevelR, both positive, turn on Kalman smoothing of the
	// proportional level (pipeline.DeciderConfig: variance of the level's
	// change per decision and of the window level around it, level
	// units²); both 0 (the default) leave the level unsmoothed.
	LevelQ float64 `json:"level_q,omitempty"`
	LevelR float64 `json:"level_r,omitempty"`
	// Gate, when set, makes the pipeline two-stage: an onset detector
	// decides rest against motion, the model only which motion
	// (GateSpec). nil is a single model over every class.
	Gate *GateSpec `json:"gate,omitempty"`
}

// GateSpec is the activity gate of a two-stage pipeline
// (pipeline.Gate): a window whose newest WindowMs of signal is less
// active than Threshold times the resting level is RestLabel; otherwise
// the model, trained on the motion classes only, decides which motion.
// Training learns each channel's resting level (Pipeline.RestSD) from
// the RestLabel holds, and labels a window with a motion as soon as at
// least TransientMs of it lie inside that motion's hold, so the model
// knows what the first tens of milliseconds of a contraction look like.
type GateSpec struct {
	// RestLabel is the class of no motion; the training recordings must
	// hold it.
	RestLabel string `json:"rest_label"`
	// Threshold is the activity, in multiples of the resting level, from
	// which a window is motion (> 0; 3 is the classic onset rule).
	Threshold float64 `json:"threshold"`
	// WindowMs is the length of the newest stretch of signal the gate
	// judges, in milliseconds (at least 2 samples, at most the window).
	WindowMs float64 `json:"window_ms"`
	// TransientMs is the least part of a training window, in
	// milliseconds, that must lie in a motion hold for the window to be
	// labelled with it (at least 1 sample, at most the window).
	TransientMs float64 `json:"transient_ms"`
}

// samples returns d milliseconds in samples at rateHz, at least lo and
// at most hi.
func gateSamples(ms, rateHz float64, lo, hi int) int {
	return min(max(int(math.Round(ms*rateHz/1000)), lo), hi)
}

// GateLen returns the gate's activity window in samples for a Spec
// resolved at rateHz (0 without a gate).
func (s Spec) GateLen(rateHz float64) int {
	if s.Gate == nil {
		return 0
	}
	return gateSamples(s.Gate.WindowMs, rateHz, 2, s.Window)
}

// transientLen returns the gate's least motion part of a training window
// in samples for a Spec resolved at rateHz.
func (s Spec) transientLen(rateHz float64) int {
	return gateSamples(s.Gate.TransientMs, rateHz, 1, s.Window)
}

// HudginsLDA returns the classic baseline: Hudgins' time-domain features
// (MAV, ZC, SSC, WL) and LDA on raw 200-sample windows every 50 samples,
// no post-processing.
func HudginsLDA() Spec {
	return Spec{
		Version:   SpecVersion,
		Window:    200,
		Increment: 50,
		Features:  []string{"HTD"},
		Params:    features.DefaultParams(),
		Model:     "lda",
		Seed:      1,
	}
}

// Default returns MyoRehab's default pipeline, chosen on the 3DC data set
// for offline accuracy (train session → test session, one configuration
// for every participant, chosen on P01–P04 and confirmed on P05–P08;
// docs/recognition.md holds the comparison): Phinyomark's LS4 set
// (L-scale, MFL, MSR, WAMP) plus Hudgins' TD features and 4th-order AR
// coefficients (the TDAR group), 12 values per channel, on raw samples;
// LDA with Ledoit–Wolf shrinkage on standardised features; 300 ms windows
// every 50 ms (300/50 samples at 1 kHz); no rejection or vote (on 3DC the
// vote's lag at gesture changes costs more than it fixes). Its window
// costs time a glove user feels: the glove loop uses Control.
func Default() Spec {
	s := HudginsLDA()
	s.Window, s.Increment = 0, 0
	s.WindowMs, s.IncrementMs = 300, 50
	s.Features = []string{"LS4", "TDAR"}
	return s
}

// DefaultInt8 returns Default with the model run as INT8 (LDA quantises:
// on 3DC it stays within one point of the float model at a fifth of the
// size).
func DefaultInt8() Spec {
	s := Default()
	s.Int8 = true
	return s
}

// Bounds Validate enforces, so that a stored Spec cannot make the front end
// allocate without limit: MaxWindow samples per window or increment (about
// 17 minutes at 1 kHz) and MaxVotes decisions per vote.
const (
	MaxWindow = 1 << 20
	MaxVotes  = 1000
)

// ErrSpec is wrapped by every error about an invalid Spec.
var ErrSpec = errors.New("recognition: invalid pipeline spec")

// At returns the Spec resolved at a stream sampling rate of rateHz: Window
// and Increment in samples, converted from WindowMs and IncrementMs when
// they are set (see Spec), else unchanged. It is the one conversion from
// milliseconds to samples; Train, Extract, Validate and NewDecider use it.
// It fails (wrapping ErrSpec) on a rate that is not positive and finite, a
// negative, non-finite or over-long duration, a duration shorter than one
// sample, or a sample field that disagrees with its duration at rateHz.
func (s Spec) At(rateHz float64) (Spec, error) {
	if !(rateHz > 0) || math.IsInf(rateHz, 0) {
		return Spec{}, fmt.Errorf("%w: sampling rate %g Hz", ErrSpec, rateHz)
	}
	var err error
	if s.Window, err = samplesOf("window", s.WindowMs, s.Window, rateHz); err != nil {
		return Spec{}, err
	}
	if s.Increment, err = samplesOf("increment", s.IncrementMs, s.Increment, rateHz); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// samplesOf converts a duration of ms milliseconds into samples at rateHz,
// or returns n when ms is 0; a non-zero n must equal the conversion.
func samplesOf(name string, ms float64, n int, rateHz float64) (int, error) {
	if ms == 0 {
		return n, nil
	}
	v := math.Round(ms * rateHz / 1000)
	if !(ms > 0) || !(v >= 1) || v > MaxWindow {
		return 0, fmt.Errorf("%w: %s %g ms is %g samples at %g Hz (need 1 to %d)", ErrSpec, name, ms, v, rateHz, MaxWindow)
	}
	if n != 0 && n != int(v) {
		return 0, fmt.Errorf("%w: %s of %d samples disagrees with %s_ms %g (%d samples at %g Hz): give one of them",
			ErrSpec, name, n, name, ms, int(v), rateHz)
	}
	return int(v), nil
}

// VoteSpanMs returns the span of the majority vote in milliseconds,
// Votes·IncrementMs (Votes·Increment/rateHz·1000 when the increment is in
// samples), or 0 without a vote.
func (s Spec) VoteSpanMs(rateHz float64) float64 {
	if s.Votes < 2 {
		return 0
	}
	if s.IncrementMs > 0 {
		return float64(s.Votes) * s.IncrementMs
	}
	return float64(s.Votes*s.Increment) / rateHz * 1000
}

// Kind returns the model family.
func (s Spec) Kind() (classify.Kind, error) {
	k, err := classify.ParseKind(s.Model)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	return k, nil
}

// Validate checks the Spec for a stream of channels channels at rateHz
// (with its durations converted at rateHz, see At).
func (s Spec) Validate(channels int, rateHz float64) error {
	if err := s.checkVersion(); err != nil {
		return err
	}
	s, err := s.At(rateHz)
	if err != nil {
		return err
	}
	if s.Window < 3 || s.Increment < 1 || s.Window > MaxWindow || s.Increment > MaxWindow {
		return fmt.Errorf("%w: window %d and increment %d samples (need 3 ≤ window ≤ %d, 1 ≤ increment ≤ %d)",
			ErrSpec, s.Window, s.Increment, MaxWindow, MaxWindow)
	}
	k, err := s.Kind()
	if err != nil {
		return err
	}
	if k == classify.KindCNN {
		return fmt.Errorf("%w: the CNN reads raw windows, not features; use it through package classify", ErrSpec)
	}
	if s.Int8 && !quantisable(k) {
		return fmt.Errorf("%w: model %s cannot run as INT8 (only lda, svm and mlp can)", ErrSpec, k)
	}
	if s.Transform != TransformNone && s.Transform != TransformLog {
		return fmt.Errorf("%w: unknown transform %q (want %q or %q)", ErrSpec, s.Transform, TransformNone, TransformLog)
	}
	if !(s.Reject >= 0 && s.Reject <= 1) {
		return fmt.Errorf("%w: rejection threshold %v outside [0, 1]", ErrSpec, s.Reject)
	}
	if on := s.LevelQ != 0 || s.LevelR != 0; on && !(s.LevelQ > 0 && s.LevelR > 0 && !math.IsInf(s.LevelQ, 0) && !math.IsInf(s.LevelR, 0)) {
		return fmt.Errorf("%w: level smoothing needs level_q and level_r both positive and finite (got %g, %g)", ErrSpec, s.LevelQ, s.LevelR)
	}
	if g := s.Gate; g != nil {
		switch {
		case g.RestLabel == "":
			return fmt.Errorf("%w: the gate needs the rest class's label", ErrSpec)
		case !(g.Threshold > 0) || math.IsInf(g.Threshold, 0):
			return fmt.Errorf("%w: gate threshold %g, want a positive number of resting levels", ErrSpec, g.Threshold)
		case !(g.WindowMs > 0) || !(g.TransientMs > 0) || g.WindowMs > 1e6 || g.TransientMs > 1e6:
			return fmt.Errorf("%w: gate window %g ms and transient %g ms, want positive durations", ErrSpec, g.WindowMs, g.TransientMs)
		}
	}
	if s.Votes < 0 || s.Votes > MaxVotes {
		return fmt.Errorf("%w: %d votes (0 to %d)", ErrSpec, s.Votes, MaxVotes)
	}
	if _, err := s.NewSet(channels); err != nil {
		return fmt.Errorf("%w: %v", ErrSpec, err)
	}
	if _, err := s.NewFilter(rateHz, channels); err != nil {
		return fmt.Errorf("%w: %v", ErrSpec, err)
	}
	return nil
}

// quantisable reports whether quant.Quantize accepts models of kind k.
func quantisable(k classify.Kind) bool {
	return k == classify.KindLDA || k == classify.KindLinearSVM || k == classify.KindMLP
}

// checkVersion refuses a version this build does not read, and
// millisecond fields in a version 1 Spec.
func (s Spec) checkVersion() error {
	switch {
	case s.Version == 1 && (s.WindowMs != 0 || s.IncrementMs != 0):
		return fmt.Errorf("%w: version 1 has no window_ms or increment_ms", ErrSpec)
	case s.Version != 1 && s.Version != SpecVersion:
		return fmt.Errorf("%w: version %d, this build reads versions 1 and %d", ErrSpec, s.Version, SpecVersion)
	}
	return nil
}

// NewSet returns the feature Set of the Spec for channels channels. The
// window must be in samples: a Spec in milliseconds is resolved first
// (At; a trained Pipeline's Spec is).
func (s Spec) NewSet(channels int) (*features.Set, error) {
	if s.Window == 0 && s.WindowMs != 0 {
		return nil, fmt.Errorf("%w: window of %g ms not resolved at a sampling rate (Spec.At)", ErrSpec, s.WindowMs)
	}
	return features.NewSet(s.Features, channels, s.Window, s.Params)
}

// NewFilter returns the Spec's filter for channels channels at rateHz, or
// nil (and no error) when the Spec has none.
func (s Spec) NewFilter(rateHz float64, channels int) (*filter.Chain, error) {
	if s.Filter == nil {
		return nil, nil
	}
	f := s.Filter
	return filter.NewEMGChain(rateHz, channels, f.LowHz, f.HighHz, f.Order, f.NotchHz, f.Q)
}

// String describes the Spec in one line, e.g.
// "LS9 → lda, 200/50 samples".
func (s Spec) String() string {
	var b strings.Builder
	if s.Filter != nil {
		f := s.Filter
		fmt.Fprintf(&b, "filter %g-%g Hz/%d notch %g, ", f.LowHz, f.HighHz, f.Order, f.NotchHz)
	}
	b.WriteString(strings.Join(s.Features, "+"))
	if s.Transform != "" {
		b.WriteString(" (" + s.Transform + ")")
	}
	b.WriteString(" → " + s.Model)
	if s.Int8 {
		b.WriteString(" int8")
	}
	switch {
	case s.WindowMs > 0 && s.IncrementMs > 0:
		fmt.Fprintf(&b, ", %g/%g ms", s.WindowMs, s.IncrementMs)
	case s.WindowMs > 0:
		fmt.Fprintf(&b, ", %g ms/%d samples", s.WindowMs, s.Increment)
	case s.IncrementMs > 0:
		fmt.Fprintf(&b, ", %d samples/%g ms", s.Window, s.IncrementMs)
	default:
		fmt.Fprintf(&b, ", %d/%d samples", s.Window, s.Increment)
	}
	if s.Reject > 0 {
		fmt.Fprintf(&b, ", reject < %g", s.Reject)
	}
	if s.Votes > 1 {
		fmt.Fprintf(&b, ", vote %d", s.Votes)
	}
	return b.String()
}

// clone returns a deep copy of s.
func (s Spec) clone() Spec {
	s.Features = slices.Clone(s.Features)
	if s.Filter != nil {
		f := *s.Filter
		s.Filter = &f
	}
	if s.Gate != nil {
		g := *s.Gate
		s.Gate = &g
	}
	return s
}

// transform applies t to v in place.
func transform(t string, v []float64) {
	if t != TransformLog {
		return
	}
	for i, x := range v {
		if x >= 0 {
			v[i] = math.Log1p(x)
		} else {
			v[i] = -math.Log1p(-x)
		}
	}
}

// ParseSpec decodes a Spec encoded with encoding/json and refuses a version
// this build does not read or unknown fields (a Spec from a newer build). A
// version 1 Spec (no millisecond fields) decodes exactly as it was written.
func ParseSpec(b []byte) (Spec, error) {
	type plain Spec
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	if err := Spec(p).checkVersion(); err != nil {
		return Spec{}, err
	}
	return Spec(p), nil
}

// Control returns the control front end for the glove loop: Default's
// features and model (LS4+TDAR → LDA, raw samples, no rejection) on
// 150 ms windows every 25 ms, no vote, with an onset gate (DefaultGate).
// The window was chosen on the 3DC data set (on P01–P04, confirmed on
// P05–P08; docs/recognition.md, "Control front end") as the most accurate
// front end whose onset → decision delay at a step change of gesture,
// measured on the live path, leaves room for the glove's budget of
// p50 ≤ 125 ms and p95 ≤ 200 ms end to end: p50 75 ms, p95 168 ms on
// P01–P04, at 89.0 % accuracy against Default's 91.6 % (whose 300 ms
// window alone puts its p50 near 140 ms). A vote did not pay: its lag of
// ⌊K/2⌋ increments bought at most a few tenths of a point. The gate
// changes neither figure on 3DC's step changes; where a contraction
// builds up over 150 ms, as the simulated patient's does, it recognises
// the motion 60–70 ms sooner.
func Control() Spec {
	s := Default()
	s.WindowMs, s.IncrementMs, s.Votes = 150, 25, 1
	s.Gate = DefaultGate()
	return s
}

// DefaultGate returns the control front end's onset gate: rest class
// "rest" (the calibration's), onset at three times the resting level
// over the newest 24 ms, transient training windows from 50 ms of motion.
// On 3DC (rest class "Neutral") it keeps Control's accuracy and step
// delay, for thresholds 2, 3 and 4 alike (docs/recognition.md).
func DefaultGate() *GateSpec {
	return &GateSpec{RestLabel: "rest", Threshold: 3, WindowMs: 24, TransientMs: 50}
}

// ControlInt8 returns Control with the model run as INT8 (on 3DC within
// 0.3 points and the same median delay as float).
func ControlInt8() Spec {
	s := Control()
	s.Int8 = true
	return s
}
