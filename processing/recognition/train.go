package recognition

import (
	"fmt"
	"slices"

	"myorehab/processing/classify"
	"myorehab/processing/pipeline"
	"myorehab/processing/quant"
)

// Pipeline is a trained recognition pipeline: the Spec of its front end,
// the stream shape it was trained on, the class names and the model.
type Pipeline struct {
	// Spec is the front end, resolved at RateHz by Train (Window and
	// Increment in samples; see Spec.At).
	Spec     Spec
	Channels int
	RateHz   float64
	// Classes are the class names; class i of the model is Classes[i]
	// (in order of first appearance in the training recordings).
	Classes []string
	// Model is the float model.
	Model classify.Model
	// Int8 is the quantised model when Spec.Int8 is set, else nil.
	Int8 *quant.Model
	// TrainWindows is the number of training windows.
	TrainWindows int
	// RestSD is each channel's resting level for the onset gate
	// (Spec.Gate):
	// the median standard deviation over the gate's window in the rest
	// holds, in the units of the (filtered) samples; nil without a gate.
	RestSD []float64
}

// Classifier returns the model the pipeline runs per window: Int8 when
// set, else Model (both satisfy the Decider's pipeline.Classifier).
func (p *Pipeline) Classifier() pipeline.Classifier {
	if p.Int8 != nil {
		return p.Int8
	}
	return p.Model
}

// ModelBytes returns the size in bytes of the encoded model that runs
// (INT8 or float).
func (p *Pipeline) ModelBytes() int {
	if p.Int8 != nil {
		return p.Int8.SizeBytes()
	}
	b, err := classify.Marshal(p.Model)
	if err != nil {
		return 0
	}
	return len(b)
}

// Dataset is the labelled feature rows of some recordings.
type Dataset struct {
	X       [][]float64
	Y       []int
	Classes []string
	// RestSD is the gate's resting level per channel (Pipeline.RestSD)
	// when the Spec has a gate, else nil.
	RestSD []float64
}

// Extract extracts the labelled windows of recs with the Spec (filter,
// window grid, features, transform), its durations converted at the
// recordings' rate (At). Windows with non-finite features (a
// flat channel) are skipped. Class indices follow classes, extended in
// order of first appearance when extend is true; otherwise a label outside
// classes is an error wrapping ErrUnknownCls. All recordings must share the
// channel count and rate of the first (else ErrChannels / ErrRate).
func (s Spec) Extract(recs []Recording, classes []string, extend bool) (*Dataset, error) {
	if len(recs) == 0 {
		return nil, fmt.Errorf("%w: no recordings", ErrNoWindows)
	}
	if err := s.Validate(len(recs[0].Channels), recs[0].RateHz); err != nil {
		return nil, err
	}
	s, err := s.At(recs[0].RateHz)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Classes: slices.Clone(classes)}
	for i := range recs {
		r := &recs[i]
		if len(r.Channels) != len(recs[0].Channels) {
			return nil, fmt.Errorf("%w: %s has %d channels, %s has %d", ErrChannels, r.Name, len(r.Channels), recs[0].Name, len(recs[0].Channels))
		}
		if r.RateHz != recs[0].RateHz {
			return nil, fmt.Errorf("%w: %s is sampled at %g Hz, %s at %g Hz", ErrRate, r.Name, r.RateHz, recs[0].Name, recs[0].RateHz)
		}
	}
	if s.Gate != nil {
		if ds.RestSD, err = s.restLevels(recs); err != nil {
			return nil, err
		}
	}
	for i := range recs {
		X, y, err := s.extract(&recs[i], &ds.Classes, extend, ds.RestSD)
		if err != nil {
			return nil, err
		}
		ds.X = append(ds.X, X...)
		ds.Y = append(ds.Y, y...)
	}
	return ds, nil
}

// Train fits a Pipeline with Spec s to the labelled windows of the
// training recordings, which must share channel count and rate, carry
// labelled segments and hold at least two classes.
func Train(s Spec, recs []Recording) (*Pipeline, error) {
	ds, err := s.Extract(recs, nil, true)
	if err != nil {
		return nil, err
	}
	return TrainDataset(s, ds, len(recs[0].Channels), recs[0].RateHz)
}

// TrainDataset fits a Pipeline with Spec s to features already extracted
// with s (Spec.Extract) from recordings of channels channels at rateHz.
// The Pipeline keeps s resolved at rateHz (At): its Window and Increment
// are in samples, next to the durations they came from.
func TrainDataset(s Spec, ds *Dataset, channels int, rateHz float64) (*Pipeline, error) {
	return trainDataset(s, ds, channels, rateHz, func(X [][]float64, Y []int) (classify.Model, error) {
		kind, _ := s.Kind()
		m, err := classify.Train(kind, X, Y, classify.Config{Seed: s.Seed})
		if err != nil {
			return nil, fmt.Errorf("recognition: training %s: %w", kind, err)
		}
		return m, nil
	})
}

// trainDataset is TrainDataset with the model fitted by fit on the
// training rows.
func trainDataset(s Spec, ds *Dataset, channels int, rateHz float64, fit func(X [][]float64, Y []int) (classify.Model, error)) (*Pipeline, error) {
	if err := s.Validate(channels, rateHz); err != nil {
		return nil, err
	}
	s, err := s.At(rateHz)
	if err != nil {
		return nil, err
	}
	if len(ds.Classes) < 2 {
		return nil, fmt.Errorf("%w (%q): record at least two gestures", ErrOneClass, ds.Classes)
	}
	p := &Pipeline{Spec: s.clone(), Channels: channels, RateHz: rateHz, Classes: slices.Clone(ds.Classes), TrainWindows: len(ds.X)}
	X, Y := ds.X, ds.Y
	if g := s.Gate; g != nil {
		if !slices.Contains(p.Classes, g.RestLabel) {
			return nil, fmt.Errorf("%w: the onset gate's rest class %q is not among the classes %q", ErrNoLabels, g.RestLabel, p.Classes)
		}
		if len(ds.RestSD) != channels {
			return nil, fmt.Errorf("%w: the onset gate needs the resting level of every channel (extract the data with the gated Spec)", ErrSpec)
		}
		p.RestSD = slices.Clone(ds.RestSD)
	}
	m, err := fit(X, Y)
	if err != nil {
		return nil, err
	}
	p.Model = m
	kind := m.Kind()
	if s.Int8 {
		nw, ok := m.(classify.Networker)
		if !ok {
			return nil, fmt.Errorf("%w: model %s cannot run as INT8", ErrSpec, kind)
		}
		q, err := quant.Quantize(nw.Network(), X)
		if err != nil {
			return nil, fmt.Errorf("recognition: quantising %s: %w", kind, err)
		}
		p.Int8 = q
	}
	return p, nil
}
