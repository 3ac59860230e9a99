package spectrum

// segments is what Welch and STFT share: the rate, the segment (frame)
// length and overlap, the periodic Hann window, and the FFT plan with its
// scratch buffers.
type segments struct {
	fs       float64
	nperseg  int
	noverlap int
	win      []float64
	fft      *realFFT
	seg      []float64
	coef     []complex128
}

// newSegments checks the parameters and makes the window and FFT plan.
func newSegments(fsHz float64, nperseg, noverlap int) (segments, error) {
	if err := checkSegments(fsHz, nperseg, noverlap); err != nil {
		return segments{}, err
	}
	return segments{
		fs:       fsHz,
		nperseg:  nperseg,
		noverlap: noverlap,
		win:      Hann(make([]float64, nperseg)),
		fft:      newRealFFT(nperseg),
		seg:      make([]float64, nperseg),
		coef:     make([]complex128, nperseg/2+1),
	}, nil
}

// Bins returns the number of frequency bins (PSD values, or bins per STFT
// frame), nperseg/2 + 1.
func (s *segments) Bins() int { return s.nperseg/2 + 1 }

// Freqs stores the bin frequencies k·fs/nperseg (Hz), k = 0 … Bins()−1, in
// dst and returns it. If dst is nil a new slice is allocated; otherwise its
// length must be Bins() or Freqs panics.
func (s *segments) Freqs(dst []float64) []float64 {
	dst = makeOrCheck(dst, s.Bins())
	rfftFreqs(dst, s.nperseg, s.fs)
	return dst
}
