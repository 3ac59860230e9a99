package condition

import (
	"fmt"
	"math"

	"myorehab/acquisition"
	"myorehab/processing/filter"
)

// RMSEnvelope is the moving-window RMS of every channel,
//
//	y[n] = √( (x[n−W+1]² + … + x[n]²) / W )
//
// over the last W samples (over the samples so far while fewer than W have
// arrived), in the unit of the input. It keeps a running sum of squares, so
// each sample costs O(1); the sum is recomputed exactly once every W
// samples so round-off cannot accumulate. No mean is removed (feed
// band-passed EMG). Not safe for concurrent use.
type RMSEnvelope struct {
	w, channels int
	sq          []float64 // ring of squares, channel c at c*w
	sum         []float64
	pos, count  int // shared by all channels
}

// NewRMSEnvelope returns an RMS envelope over windows of windowLen ≥ 1
// samples for channels ≥ 1 channels. It panics otherwise.
func NewRMSEnvelope(channels, windowLen int) *RMSEnvelope {
	if channels < 1 || windowLen < 1 {
		panic("condition: non-positive channel count or window length")
	}
	return &RMSEnvelope{
		w: windowLen, channels: channels,
		sq:  make([]float64, channels*windowLen),
		sum: make([]float64, channels),
	}
}

// WindowLen returns the window length in samples.
func (e *RMSEnvelope) WindowLen() int { return e.w }

// Reset empties the window of every channel.
func (e *RMSEnvelope) Reset() {
	clear(e.sq)
	clear(e.sum)
	e.pos, e.count = 0, 0
}

// Process writes the RMS envelope of src into dst (dst may be src) and
// copies Start, Len and Received. It panics if a channel count differs
// from the envelope's or src.Len > dst.Cap. It does not allocate.
func (e *RMSEnvelope) Process(dst, src *acquisition.Block) {
	checkBlocks(dst, src, e.channels)
	w := e.w
	for i := 0; i < src.Len; {
		// Run up to the end of the ring, where the sums are refreshed.
		n := min(src.Len-i, w-e.pos)
		count := e.count
		for c := range e.channels {
			ring := e.sq[c*w : (c+1)*w]
			in := src.Data[c*src.Cap+i : c*src.Cap+i+n]
			out := dst.Data[c*dst.Cap+i : c*dst.Cap+i+n]
			s := e.sum[c]
			k := count
			for j, v := range in {
				v2 := v * v
				s += v2 - ring[e.pos+j]
				ring[e.pos+j] = v2
				k = min(k+1, w)
				out[j] = math.Sqrt(max(s, 0) / float64(k))
			}
			e.sum[c] = s
		}
		e.count = min(count+n, w)
		e.pos += n
		i += n
		if e.pos == w {
			e.pos = 0
			for c := range e.channels {
				var s float64
				for _, v := range e.sq[c*w : (c+1)*w] {
					s += v
				}
				e.sum[c] = s
			}
		}
	}
}

// LinearEnvelope is the linear envelope of every channel: full-wave
// rectification |x| followed by a causal Butterworth low-pass (scipy
// sosfilt form, processing/filter), in the unit of the input. Typical
// settings are order 2 or 4 with a 2–10 Hz cut-off. Not safe for concurrent
// use.
type LinearEnvelope struct {
	chain *filter.Chain
}

// NewLinearEnvelope returns a linear envelope for channels channels at
// sampling rate fsHz with a low-pass of the given order and cut-off (Hz).
// It returns an error for a design processing/filter rejects and panics if
// channels < 1.
func NewLinearEnvelope(channels int, fsHz float64, order int, cutoffHz float64) (*LinearEnvelope, error) {
	sos, err := filter.ButterSOS(order, filter.Lowpass, fsHz, cutoffHz)
	if err != nil {
		return nil, fmt.Errorf("condition: linear envelope low-pass: %w", err)
	}
	return &LinearEnvelope{chain: filter.NewChain(channels, sos)}, nil
}

// Reset clears the low-pass state.
func (e *LinearEnvelope) Reset() { e.chain.Reset() }

// Process writes the linear envelope of src into dst (dst may be src) and
// copies Start, Len and Received. It panics on a channel mismatch or
// src.Len > dst.Cap. It does not allocate.
func (e *LinearEnvelope) Process(dst, src *acquisition.Block) {
	checkBlocks(dst, src, e.chain.Channels())
	for c := range src.Channels {
		out := dst.Data[c*dst.Cap : c*dst.Cap+src.Len]
		for i, v := range src.Chan(c) {
			out[i] = math.Abs(v)
		}
	}
	e.chain.Process(dst, dst)
}

// SNRdB returns the signal-to-noise ratio of a channel in decibels from a
// segment recorded during contraction (active) and one at rest (rest):
//
//	P(s)  = (1/N) Σ (s[n] − mean(s))²       (power after removing the offset)
//	SNR   = 10·log10( P(active) / P(rest) )
//
// The active power contains the noise too, so a channel with no EMG gives
// about 0 dB, and 20 dB means the contraction's RMS is ten times the rest
// RMS. It returns NaN if either segment is empty or both powers are 0, and
// +Inf if only the rest power is 0.
func SNRdB(active, rest []float64) float64 {
	if len(active) == 0 || len(rest) == 0 {
		return math.NaN()
	}
	return 10 * math.Log10(power(active)/power(rest))
}

// power returns the mean square of x after removing its mean.
func power(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	m := s / float64(len(x))
	var ss float64
	for _, v := range x {
		d := v - m
		ss += d * d
	}
	return ss / float64(len(x))
}
