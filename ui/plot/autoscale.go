package plot

import (
	"math"
	"slices"
)

// Autoscale defaults.
const (
	// MinHalfRangeUV is the smallest half-range Autoscale shows, in µV, so
	// that an idle channel is not magnified into noise.
	MinHalfRangeUV = 10
	// PeakQuantile is the quantile of the per-point deviation taken as a
	// channel's peak, so that isolated spikes do not shrink the trace.
	PeakQuantile = 0.98
	// Release is the fraction of the gap to a lower peak closed per update.
	// At 30 updates per second the scale halves its excess in about 0.45 s.
	Release = 0.05
	// Headroom is the factor between the smoothed peak and the half-range
	// before rounding up to a 1-2-5 value.
	Headroom = 1.2
)

// Autoscale keeps the vertical scale of one trace. The peak rises at once
// to a larger signal (no clipping) and decays slowly to a smaller one (no
// flicker). The centre follows the median of the envelope midpoints, so a
// raw trace with a DC offset stays in its lane.
//
// The zero value is ready to use.
type Autoscale struct {
	peak, center float64
	primed       bool
}

// Update folds one envelope (min[i] ≤ max[i], µV) into the scale. scratch
// must have room for len(min) values (cap); it is overwritten. Update
// allocates nothing. It panics if len(min) != len(max) or cap(scratch) is
// too small. NaN points (no data) are ignored; an envelope without valid
// points leaves the scale unchanged.
func (a *Autoscale) Update(min, max []float32, scratch []float32) {
	if len(min) != len(max) {
		panic("plot: envelope length mismatch")
	}
	n := len(min)
	if n == 0 {
		return
	}
	if cap(scratch) < n {
		panic("plot: scratch too short")
	}
	// Midpoints of the valid (non-NaN) points, then their deviations.
	s := scratch[:0]
	for i := range n {
		if m := (min[i] + max[i]) / 2; m == m {
			s = append(s, m)
		}
	}
	n = len(s)
	if n == 0 {
		return
	}
	slices.Sort(s)
	center := float64(s[n/2])
	if !a.primed {
		a.center = center
	} else {
		a.center += (center - a.center) * 0.2
	}
	s = s[:0]
	for i := range min {
		if d := math.Max(math.Abs(float64(max[i])-a.center), math.Abs(float64(min[i])-a.center)); d == d {
			s = append(s, float32(d))
		}
	}
	slices.Sort(s)
	peak := float64(s[int(PeakQuantile*float64(n-1))])
	switch {
	case !a.primed || peak >= a.peak:
		a.peak = peak
	default:
		a.peak += (peak - a.peak) * Release
	}
	if math.Abs(center-a.center) > a.HalfRangeUV() {
		a.center = center // the offset jumped out of the lane: follow at once
	}
	a.primed = true
}

// Reset forgets the scale.
func (a *Autoscale) Reset() { *a = Autoscale{} }

// PeakUV returns the smoothed peak deviation from the centre, in µV.
func (a *Autoscale) PeakUV() float64 { return a.peak }

// CenterUV returns the value drawn at the middle of the lane, in µV.
func (a *Autoscale) CenterUV() float64 { return a.center }

// HalfRangeUV returns the deviation from the centre drawn at the lane edge,
// in µV: Headroom × peak rounded up to 1, 2 or 5 × 10^k, at least
// MinHalfRangeUV.
func (a *Autoscale) HalfRangeUV() float64 {
	return niceCeil(math.Max(a.peak*Headroom, MinHalfRangeUV))
}

// niceCeil returns the smallest value of the form {1,2,5}×10^k that is ≥ v (v > 0).
func niceCeil(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range [...]float64{1, 2, 5, 10} {
		if m*e >= v*(1-1e-12) {
			return m * e
		}
	}
	return 10 * e
}
