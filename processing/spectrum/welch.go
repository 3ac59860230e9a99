package spectrum

// Welch estimates one-sided power spectral densities by Welch's method,
// exactly as
//
//	scipy.signal.welch(x, fs, window='hann', nperseg, noverlap,
//	                   detrend='constant', scaling='density')
//
// (nfft = nperseg, mean averaging). Segment j covers samples
// [j·step, j·step + nperseg), step = nperseg − noverlap, for
// j = 0 … Segments(len(x))−1; samples after the last whole segment are
// ignored. Each segment has its mean removed, is multiplied by the periodic
// Hann window w, and contributes
//
//	|FFT_k|² / (fs·Σw²),  doubled for 0 < k < nperseg/2 (not DC, not Nyquist)
//
// to the average. Bin k is at k·fs/nperseg Hz.
//
// A Welch is not safe for concurrent use; PSD does not allocate.
type Welch struct {
	segments
	scale float64 // 1/(fs·Σw²)
}

// NewWelch returns a Welch estimator for sampling rate fsHz (Hz), segment
// length nperseg ≥ 2 samples and overlap 0 ≤ noverlap < nperseg samples.
// It returns an error for other values.
func NewWelch(fsHz float64, nperseg, noverlap int) (*Welch, error) {
	sg, err := newSegments(fsHz, nperseg, noverlap)
	if err != nil {
		return nil, err
	}
	w := &Welch{segments: sg}
	var s2 float64
	for _, v := range w.win {
		s2 += v * v
	}
	w.scale = 1 / (fsHz * s2)
	return w, nil
}

// SampleRateHz returns the sampling rate in Hz.
func (w *Welch) SampleRateHz() float64 { return w.fs }

// Segments returns how many segments PSD averages for an n-sample input:
// (n − noverlap) / (nperseg − noverlap) for n ≥ nperseg, else 0.
func (w *Welch) Segments(n int) int {
	if n < w.nperseg {
		return 0
	}
	return (n - w.noverlap) / (w.nperseg - w.noverlap)
}

// PSD stores the Welch PSD of x in dst, in (unit of x)²/Hz, and returns it.
// If dst is nil a new slice is allocated; otherwise its length must be
// Bins() or PSD panics. PSD panics if len(x) < nperseg (scipy would shrink
// nperseg instead).
func (w *Welch) PSD(dst, x []float64) []float64 {
	nseg := w.Segments(len(x))
	if nseg == 0 {
		panic("spectrum: input shorter than nperseg")
	}
	dst = makeOrCheck(dst, w.Bins())
	clear(dst)
	step := w.nperseg - w.noverlap
	n := float64(w.nperseg)
	for j := range nseg {
		src := x[j*step : j*step+w.nperseg]
		var mean float64
		for _, v := range src {
			mean += v
		}
		mean /= n // as numpy.mean: sum, then divide
		for i, v := range src {
			w.seg[i] = (v - mean) * w.win[i]
		}
		w.fft.coefficients(w.coef, w.seg)
		for k, c := range w.coef {
			re, im := real(c), imag(c)
			dst[k] += re*re + im*im
		}
	}
	last := len(dst) - 1
	if w.nperseg%2 == 1 {
		last = len(dst) // odd nfft has no Nyquist bin: double all but DC
	}
	f := w.scale / float64(nseg)
	for k := range dst {
		if k > 0 && k < last {
			dst[k] *= 2 * f
		} else {
			dst[k] *= f
		}
	}
	return dst
}

func makeOrCheck(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic("spectrum: destination length mismatch")
	}
	return dst
}
