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
// A Pipeline encoded with another version is refused.
const SpecVersion = 1

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
	// Window and Increment are the analysis window and the decision step,
	// in samples.
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
	// Votes is the majority vote length in decisions (0 or 1 = none).
	Votes int `json:"votes"`
	// LevelQ and LevelR, both positive, turn on Kalman smoothing of the
	// proportional level (pipeline.DeciderConfig: variance of the level's
	// change per decision and of the window level around it, level
	// units²); both 0 (the default) leave the level unsmoothed.
	LevelQ float64 `json:"level_q,omitempty"`
	LevelR float64 `json:"level_r,omitempty"`
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
// (train session → test session, one configuration for every participant,
// chosen on P01–P04 and confirmed on P05–P08; docs/recognition.md holds the
// comparison): Phinyomark's LS4 set (L-scale, MFL, MSR, WAMP) plus Hudgins'
// TD features and 4th-order AR coefficients (the TDAR group), 12 values per
// channel, on raw samples; LDA with Ledoit–Wolf shrinkage on standardised
// features; 300-sample windows every 50 samples (300 ms and 50 ms at
// 1 kHz); no rejection or vote (on 3DC the vote's lag at gesture changes
// costs more than it fixes).
func Default() Spec {
	s := HudginsLDA()
	s.Window = 300
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

// Kind returns the model family.
func (s Spec) Kind() (classify.Kind, error) {
	k, err := classify.ParseKind(s.Model)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	return k, nil
}

// Validate checks the Spec for a stream of channels channels at rateHz.
func (s Spec) Validate(channels int, rateHz float64) error {
	if s.Version != SpecVersion {
		return fmt.Errorf("%w: version %d, this build reads version %d", ErrSpec, s.Version, SpecVersion)
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

// NewSet returns the feature Set of the Spec for channels channels.
func (s Spec) NewSet(channels int) (*features.Set, error) {
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
	fmt.Fprintf(&b, ", %d/%d samples", s.Window, s.Increment)
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

// ParseSpec decodes a Spec encoded with encoding/json and refuses another
// version or unknown fields (a Spec from a newer build).
func ParseSpec(b []byte) (Spec, error) {
	type plain Spec
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	if p.Version != SpecVersion {
		return Spec{}, fmt.Errorf("%w: version %d, this build reads version %d", ErrSpec, p.Version, SpecVersion)
	}
	return Spec(p), nil
}
