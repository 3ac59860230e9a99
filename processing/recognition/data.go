package recognition

import (
	"errors"
	"fmt"
	"math"

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
func (s Spec) extract(r *Recording, classes *[]string, add bool) (X [][]float64, y []int, err error) {
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
	starts, labels := Windows(r.Segments, r.Len(), s.Window, s.Increment)
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
