package recognition

import (
	"errors"
	"fmt"
	"slices"

	"myorehab/processing/adapt"
	"myorehab/processing/classify"
)

// Adaptation are the weights with which a short calibration moves a
// cross-user starting point toward the patient (adapt.Mix): Alpha on the
// patient's class means and priors, Beta on the patient's pooled
// covariance and shrinkage, each in [0, 1] (1, 1 is the patient-only
// model).
type Adaptation struct {
	Alpha float64 `json:"alpha"`
	Beta  float64 `json:"beta"`
}

// QuickAdaptation returns the weights for a calibration of reps
// repetitions of each gesture, chosen on 3DC P01–P08 by leave one
// participant out (docs/recognition.md, "Short calibration"): α 0.7,
// β 0.9 for one or two repetitions (78.8 % and 88.5 % against 77.3 % and
// 87.8 % from the patient alone); from three on the patient's own
// statistics win (α = β = 1: TrainAdapted is then Train).
func QuickAdaptation(reps int) Adaptation {
	if reps <= 2 {
		return Adaptation{Alpha: 0.7, Beta: 0.9}
	}
	return Adaptation{Alpha: 1, Beta: 1}
}

// ErrBase is wrapped by errors about base recordings that cannot serve as
// a starting point for the patient's classes.
var ErrBase = errors.New("recognition: unusable base recordings")

// FirstRepetitions returns recs with only the first n repetitions of each
// class kept: a repetition is one segment of that label, counted in time
// order (segment start) across the recordings in the order given. The
// samples are shared with recs. n < 1 keeps nothing.
func FirstRepetitions(recs []Recording, n int) []Recording {
	seen := map[string]int{}
	out := make([]Recording, 0, len(recs))
	for _, r := range recs {
		segs := slices.Clone(r.Segments)
		slices.SortStableFunc(segs, func(a, b Segment) int { return a.Start - b.Start })
		keep := segs[:0]
		for _, s := range segs {
			if seen[s.Label] < n {
				keep = append(keep, s)
			}
			seen[s.Label]++
		}
		r.Segments = keep
		out = append(out, r)
	}
	return out
}

// TrainAdapted fits an LDA pipeline with Spec s (model "lda") to the
// patient's recordings, starting from base recordings of other people
// with the same channels, rate and gestures: the base statistics (fitted
// on all base windows of the patient's classes; other base labels are
// ignored) are mixed with the patient's by a (adapt.Mix, the
// covariate-shift adaptation of Vidovic et al. 2016) and the LDA rebuilt.
// With Alpha = Beta = 1 it decides as Train on the patient's recordings.
// Every patient class must occur in the base (else ErrBase).
func TrainAdapted(s Spec, patient, base []Recording, a Adaptation) (*Pipeline, error) {
	if s.Model != "lda" {
		return nil, fmt.Errorf("%w: adaptation needs the lda model, not %q", ErrSpec, s.Model)
	}
	ds, err := s.Extract(patient, nil, true)
	if err != nil {
		return nil, err
	}
	if len(ds.Classes) < 2 {
		return nil, fmt.Errorf("%w (%q): record at least two gestures", ErrOneClass, ds.Classes)
	}
	if len(base) == 0 {
		return nil, fmt.Errorf("%w: none given", ErrBase)
	}
	for _, b := range base {
		if len(b.Channels) != len(patient[0].Channels) || b.RateHz != patient[0].RateHz {
			return nil, fmt.Errorf("%w: %s has %d channels at %g Hz, the patient's %d at %g Hz",
				ErrBase, b.Name, len(b.Channels), b.RateHz, len(patient[0].Channels), patient[0].RateHz)
		}
	}
	keep := make([]Recording, 0, len(base))
	for _, b := range base {
		b.Segments = slices.DeleteFunc(slices.Clone(b.Segments), func(g Segment) bool { return !slices.Contains(ds.Classes, g.Label) })
		if len(b.Segments) > 0 {
			keep = append(keep, b)
		}
	}
	if len(keep) == 0 {
		return nil, fmt.Errorf("%w: no base recording holds the patient's gestures %q", ErrBase, ds.Classes)
	}
	// Each base recording on its own: with an onset gate, each person's
	// windows are judged by that person's resting level.
	bds := &Dataset{}
	for _, b := range keep {
		d, err := s.Extract([]Recording{b}, ds.Classes, false)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBase, err)
		}
		bds.X, bds.Y = append(bds.X, d.X...), append(bds.Y, d.Y...)
	}
	k := len(ds.Classes)
	bst, err := adapt.Fit(bds.X, bds.Y, k)
	if err != nil {
		return nil, fmt.Errorf("%w: %w (every gesture of the patient must be in the base recordings)", ErrBase, err)
	}
	return trainDataset(s, ds, len(patient[0].Channels), patient[0].RateHz, func(X [][]float64, Y []int) (classify.Model, error) {
		pst, err := adapt.Fit(X, Y, k)
		if err != nil {
			return nil, fmt.Errorf("recognition: patient statistics: %w", err)
		}
		mixed, err := adapt.Mix(bst, pst, a.Alpha, a.Beta)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSpec, err)
		}
		m, err := adapt.NewLDA(mixed)
		if err != nil {
			return nil, fmt.Errorf("recognition: adapted LDA: %w", err)
		}
		return m.Classifier()
	})
}
