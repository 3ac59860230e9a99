package recognition

import (
	"fmt"
	"math"
	"slices"
	"time"

	"myorehab/processing/pipeline"
)

// LiveOptions are the stream-specific settings of the live path.
type LiveOptions struct {
	// BlockCap is the largest block the Decider will be given (samples per
	// channel).
	BlockCap int
	// MVC is each channel's RMS at maximum voluntary contraction (in the
	// units of the filtered samples), or nil.
	MVC []float64
	// TTrans is the source's transfer + decode estimate
	// (pipeline.SerialTransfer).
	TTrans time.Duration
	// Prefiltered says the blocks given to the Decider are already
	// conditioned by the Spec's filter (a stream's shared conditioning
	// stage, see FilterMatches), so the Decider does not filter again.
	Prefiltered bool
}

// NewDecider returns the real-time path of p (its filter, window grid,
// features, transform, model — INT8 when p has one — rejection and vote)
// for a stream of p.Channels channels at p.RateHz.
func (p *Pipeline) NewDecider(o LiveOptions) (*pipeline.Decider, error) {
	if err := p.Spec.Validate(p.Channels, p.RateHz); err != nil {
		return nil, err
	}
	spec, err := p.Spec.At(p.RateHz)
	if err != nil {
		return nil, err
	}
	if o.BlockCap < 1 {
		return nil, fmt.Errorf("recognition: block capacity %d, need at least 1", o.BlockCap)
	}
	if o.MVC != nil && len(o.MVC) != p.Channels {
		return nil, fmt.Errorf("%w: %d MVC values for %d channels", ErrChannels, len(o.MVC), p.Channels)
	}
	set, err := spec.NewSet(p.Channels)
	if err != nil {
		return nil, err
	}
	m := p.Classifier()
	if m.Features() != set.Len() {
		return nil, fmt.Errorf("%w: the model reads %d features, the spec yields %d", ErrSpec, m.Features(), set.Len())
	}
	chain, err := p.Spec.NewFilter(p.RateHz, p.Channels)
	if err != nil {
		return nil, err
	}
	cfg := pipeline.DeciderConfig{
		Channels:  p.Channels,
		RateHz:    p.RateHz,
		BlockCap:  o.BlockCap,
		Window:    spec.Window,
		Increment: spec.Increment,
		Features:  set,
		Model:     m,
		Classes:   len(p.Classes),
		Reject:    p.Spec.Reject,
		Votes:     p.Spec.Votes,
		MVC:       o.MVC,
		TTrans:    o.TTrans,
		LevelQ:    p.Spec.LevelQ,
		LevelR:    p.Spec.LevelR,
	}
	if p.Spec.Gate != nil {
		if len(p.RestSD) != p.Channels {
			return nil, fmt.Errorf("%w: a pipeline with an onset gate but without its resting levels", ErrSpec)
		}
		cfg.Gate = &pipeline.Gate{RestSD: p.RestSD, Threshold: p.Spec.Gate.Threshold, Len: spec.GateLen(p.RateHz),
			Rest: slices.Index(p.Classes, p.Spec.Gate.RestLabel)}
		if cfg.Gate.Rest < 0 || len(p.Classes) < 2 {
			return nil, fmt.Errorf("%w: the onset gate's rest class %q is not among the classes %q", ErrSpec, p.Spec.Gate.RestLabel, p.Classes)
		}
		for _, v := range p.RestSD {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: resting level %g", ErrSpec, v)
			}
		}
	}
	if chain != nil && !o.Prefiltered {
		cfg.Filter = chain
	}
	if p.Spec.Transform == TransformLog {
		cfg.Transform = logTransform
	}
	return pipeline.NewDecider(cfg), nil
}

// logTransform is TransformLog in place.
func logTransform(v []float64) { transform(TransformLog, v) }

// FilterMatches reports whether the Spec's filter is the EMG chain with a
// band-pass loHz–hiHz of order, and a notch at notchHz of quality q: a
// stream conditioned by that chain can be given to the Decider as
// Prefiltered.
func (s Spec) FilterMatches(loHz, hiHz float64, order int, notchHz, q float64) bool {
	f := s.Filter
	return f != nil && f.LowHz == loHz && f.HighHz == hiHz && f.Order == order && f.NotchHz == notchHz && f.Q == q
}
