package recognition

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"myorehab/processing/filter"
)

// Segment is a labelled span of a recording: samples [Start, End) hold the
// gesture Label.
type Segment struct {
	Start, End int
	Label      string
}

// Recording is a multichannel recording with labelled segments.
type Recording struct {
	// Name identifies the recording in error messages (e.g. its file).
	Name string
	// RateHz is the sampling rate in hertz.
	RateHz float64
	// Channels holds one slice of samples per channel, all of equal
	// length (any unit; the same as the recordings the model is used on).
	Channels [][]float64
	// Segments are the labelled spans; they may overlap and need not be
	// sorted. Windows covered by no segment, or by segments of different
	// labels, are skipped.
	Segments []Segment
}

// Errors for unusable recordings; they are wrapped with details.
var (
	ErrNoLabels   = errors.New("recognition: recording has no labelled segments")
	ErrOneClass   = errors.New("recognition: training data has only one class")
	ErrChannels   = errors.New("recognition: channel counts differ")
	ErrNotFinite  = errors.New("recognition: recording contains NaN or infinite samples")
	ErrNoWindows  = errors.New("recognition: no labelled window fits")
	ErrRate       = errors.New("recognition: sampling rates differ")
	ErrUnknownCls = errors.New("recognition: test label unknown to the model")
)

// Len returns the number of samples per channel.
func (r *Recording) Len() int {
	if len(r.Channels) == 0 {
		return 0
	}
	return len(r.Channels[0])
}

// check validates the samples of r.
func (r *Recording) check() error {
	if len(r.Channels) == 0 {
		return fmt.Errorf("recognition: %s: no channels", r.Name)
	}
	if !(r.RateHz > 0) || math.IsInf(r.RateHz, 0) {
		return fmt.Errorf("recognition: %s: sampling rate %g Hz", r.Name, r.RateHz)
	}
	n := r.Len()
	for c, x := range r.Channels {
		if len(x) != n {
			return fmt.Errorf("recognition: %s: channel %d has %d samples, channel 0 has %d", r.Name, c, len(x), n)
		}
		for i, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: %s channel %d sample %d is %v", ErrNotFinite, r.Name, c, i, v)
			}
		}
	}
	return nil
}

// labelOf returns the label of window [start, end) and whether it has
// exactly one.
func labelOf(segs []Segment, start, end int) (string, bool) {
	label, found := "", false
	for _, s := range segs {
		if s.Start <= start && end <= s.End {
			if found && s.Label != label {
				return "", false
			}
			label, found = s.Label, true
		}
	}
	return label, found
}

// Windows returns the start samples and labels of the labelled windows of
// a recording of n samples: windows [k·inc, k·inc+window) lying entirely
// inside segments of one label.
func Windows(segs []Segment, n, window, inc int) (starts []int, labels []string) {
	if window < 1 || inc < 1 {
		panic("recognition: non-positive window or increment")
	}
	for start := 0; start+window <= n; start += inc {
		if l, ok := labelOf(segs, start, start+window); ok {
			starts = append(starts, start)
			labels = append(labels, l)
		}
	}
	return starts, labels
}

// gateWindows is Windows for a Spec with an onset gate (GateSpec): the
// windows lying inside segments of one label, as Windows, and also the
// windows whose newest transient samples lie inside segments of one label
// other than rest and whose newest gate samples are active (active(end)):
// the first tens of milliseconds of a contraction, however much of the
// window still holds the rest before it. Windows of a motion hold before
// the patient's EMG rises (a prompt's reaction time) are not active and
// stay out.
func gateWindows(segs []Segment, n, window, inc, transient int, rest string, active func(end int) bool) (starts []int, labels []string) {
	if window < 1 || inc < 1 || transient < 1 || transient > window {
		panic("recognition: non-positive window, increment or transient")
	}
	for start := 0; start+window <= n; start += inc {
		end := start + window
		if l, ok := labelOf(segs, start, end); ok {
			starts, labels = append(starts, start), append(labels, l)
		} else if l, ok := labelOf(segs, end-transient, end); ok && l != rest && active(end) {
			starts, labels = append(starts, start), append(labels, l)
		}
	}
	return starts, labels
}

// restChunks appends to dst[c] the standard deviation of channel c of x
// over every n-sample stretch of the rest segments, leaving out the first
// skip samples of each (the release of the previous motion).
func restChunks(dst [][]float64, x [][]float64, segs []Segment, rest string, n, skip int) {
	for _, sg := range segs {
		if sg.Label != rest {
			continue
		}
		for st := sg.Start + skip; st+n <= min(sg.End, len(x[0])); st += n {
			for c := range x {
				dst[c] = append(dst[c], stddev(x[c][st:st+n]))
			}
		}
	}
}

// activity returns the onset gate's activity of samples [from, to) of x
// (pipeline.Gate): the mean over channels of their standard deviation
// divided by the channel's resting level.
func activity(x [][]float64, rest []float64, from, to int) float64 {
	var a float64
	for c := range x {
		a += stddev(x[c][from:to]) / rest[c]
	}
	return a / float64(len(x))
}

// restLevels returns the onset gate's resting level per channel: the
// median standard deviation over the gate's window of the rest holds of
// recs (filtered as the Spec says), leaving out the first window of each
// hold (the release of the motion before it).
func (s Spec) restLevels(recs []Recording) ([]float64, error) {
	s, err := s.At(recs[0].RateHz)
	if err != nil {
		return nil, err
	}
	chain, err := s.NewFilter(recs[0].RateHz, len(recs[0].Channels))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	chunks := make([][]float64, len(recs[0].Channels))
	for i := range recs {
		if err := recs[i].check(); err != nil {
			return nil, err
		}
		restChunks(chunks, filtered(&recs[i], chain), recs[i].Segments, s.Gate.RestLabel, s.GateLen(recs[i].RateHz), s.Window)
	}
	if len(chunks[0]) == 0 {
		return nil, fmt.Errorf("%w: the onset gate learns the resting level from holds labelled %q, and the recordings have none long enough", ErrNoLabels, s.Gate.RestLabel)
	}
	out := make([]float64, len(chunks))
	for c, v := range chunks {
		slices.Sort(v)
		out[c] = v[len(v)/2]
		if !(out[c] > 0) {
			return nil, fmt.Errorf("%w: channel %d is flat at rest: the onset gate cannot learn its resting level", ErrNotFinite, c+1)
		}
	}
	return out, nil
}

// stddev returns the population standard deviation of v.
func stddev(v []float64) float64 {
	var sum, sq float64
	for _, x := range v {
		sum += x
	}
	mean := sum / float64(len(v))
	for _, x := range v {
		sq += (x - mean) * (x - mean)
	}
	return math.Sqrt(sq / float64(len(v)))
}

// filtered returns the recording's channels passed through chain (causally,
// from zero state, exactly as the live path filters a stream), or the
// channels themselves when chain is nil.
func filtered(r *Recording, chain *filter.Chain) [][]float64 {
	if chain == nil {
		return r.Channels
	}
	sos := chain.Sections()
	out := make([][]float64, len(r.Channels))
	for c, x := range r.Channels {
		out[c] = filter.SOSFilt(nil, sos, x)
	}
	return out
}

// extract computes the transformed feature rows of the labelled windows of
// r, with class indices from classes (labels missing from classes are
// added when add is true, else reported with ErrUnknownCls).
// With an onset gate (Spec.Gate) the windows are gateWindows', judged
// with the resting levels rest (Pipeline.RestSD).
func (s Spec) extract(r *Recording, classes *[]string, add bool, rest []float64) (X [][]float64, y []int, err error) {
	if err := r.check(); err != nil {
		return nil, nil, err
	}
	if len(r.Segments) == 0 {
		return nil, nil, fmt.Errorf("%w: %s (windows are labelled from annotations with a duration)", ErrNoLabels, r.Name)
	}
	set, err := s.NewSet(len(r.Channels))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	chain, err := s.NewFilter(r.RateHz, len(r.Channels))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	x := filtered(r, chain)
	var starts []int
	var labels []string
	if g := s.Gate; g != nil {
		n := s.GateLen(r.RateHz)
		active := func(end int) bool { return activity(x, rest, end-n, end) >= g.Threshold }
		starts, labels = gateWindows(r.Segments, r.Len(), s.Window, s.Increment, s.transientLen(r.RateHz), g.RestLabel, active)
	} else {
		starts, labels = Windows(r.Segments, r.Len(), s.Window, s.Increment)
	}
	if len(starts) == 0 {
		return nil, nil, fmt.Errorf("%w: %s has no %d-sample window inside a labelled segment", ErrNoWindows, r.Name, s.Window)
	}
	index := make(map[string]int, len(*classes))
	for i, c := range *classes {
		index[c] = i
	}
	d := set.Len()
	buf := make([]float64, len(starts)*d)
	win := make([][]float64, len(x))
	X = make([][]float64, 0, len(starts))
	y = make([]int, 0, len(starts))
	row := make([]float64, d)
	for i, st := range starts {
		for c := range x {
			win[c] = x[c][st : st+s.Window]
		}
		set.Extract(row, win)
		transform(s.Transform, row)
		if firstNonFinite(row) >= 0 {
			continue // a flat or saturated window: no usable features
		}
		cls, ok := index[labels[i]]
		if !ok {
			if !add {
				return nil, nil, fmt.Errorf("%w: %s has windows labelled %q; the model knows %q", ErrUnknownCls, r.Name, labels[i], *classes)
			}
			cls = len(*classes)
			*classes = append(*classes, labels[i])
			index[labels[i]] = cls
		}
		k := len(X)
		dst := buf[k*d : (k+1)*d : (k+1)*d]
		copy(dst, row)
		X = append(X, dst)
		y = append(y, cls)
	}
	if len(X) == 0 {
		return nil, nil, fmt.Errorf("%w: every labelled window of %s has non-finite features (flat signal?)", ErrNoWindows, r.Name)
	}
	return X, y, nil
}

// firstNonFinite returns the index of the first NaN or infinite value, or −1.
func firstNonFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}
