package spectrum

import "math"

// MedianFrequency returns the median frequency (Hz) of the spectrum psd
// over the bins whose frequency lies in [loHz, hiHz] (inclusive; use
// math.Inf(-1) and math.Inf(1) for all bins). freqs must be ascending and
// as long as psd, or MedianFrequency panics. Over the selected bins
// f_0 < … < f_{K−1} with running sums c_k = p_0 + … + p_k and H = c_{K−1}/2,
// with k the first index where c_k ≥ H:
//
//	MDF = f_0                                                   if k = 0
//	MDF = f_{k−1} + (H − c_{k−1})/(c_k − c_{k−1})·(f_k − f_{k−1})  otherwise
//
// (linear interpolation of the running sum between bins). It returns NaN if
// no bin lies in the band or their total power is not positive.
func MedianFrequency(freqs, psd []float64, loHz, hiHz float64) float64 {
	lo, hi := band(freqs, psd, loHz, hiHz)
	if lo >= hi {
		return math.NaN()
	}
	var total float64
	for _, p := range psd[lo:hi] {
		total += p
	}
	if !(total > 0) {
		return math.NaN()
	}
	half := total / 2
	var c, prev float64
	for k := lo; k < hi; k++ {
		prev = c
		c += psd[k]
		if c >= half {
			if k == lo {
				return freqs[k]
			}
			return freqs[k-1] + (half-prev)/(c-prev)*(freqs[k]-freqs[k-1])
		}
	}
	return freqs[hi-1] // unreachable for finite non-negative psd
}

// MeanFrequency returns the mean frequency (Hz) of the spectrum psd over
// the bins whose frequency lies in [loHz, hiHz] (inclusive):
//
//	MNF = Σ f_k·p_k / Σ p_k
//
// freqs must be ascending and as long as psd, or MeanFrequency panics. It
// returns NaN if no bin lies in the band or their total power is not
// positive.
func MeanFrequency(freqs, psd []float64, loHz, hiHz float64) float64 {
	lo, hi := band(freqs, psd, loHz, hiHz)
	var num, den float64
	for k := lo; k < hi; k++ {
		num += freqs[k] * psd[k]
		den += psd[k]
	}
	if !(den > 0) {
		return math.NaN()
	}
	return num / den
}

// band returns the index range [lo, hi) of ascending freqs inside
// [loHz, hiHz].
func band(freqs, psd []float64, loHz, hiHz float64) (lo, hi int) {
	if len(freqs) != len(psd) {
		panic("spectrum: freqs and psd lengths differ")
	}
	for lo < len(freqs) && freqs[lo] < loHz {
		lo++
	}
	hi = lo
	for hi < len(freqs) && freqs[hi] <= hiHz {
		hi++
	}
	return lo, hi
}
