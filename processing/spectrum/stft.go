package spectrum

import "math"

// STFT computes short-time Fourier transform magnitudes exactly as
//
//	f, t, Z = scipy.signal.stft(x, fs, window='hann', nperseg, noverlap)
//	mag = numpy.abs(Z)
//
// with every other argument at scipy's default (nfft = nperseg, no
// detrending, one-sided, boundary='zeros', padded=True,
// scaling='spectrum'): x gets nperseg/2 zeros on both sides, then zeros at
// the end until (length − nperseg) is a multiple of step = nperseg −
// noverlap; frame j is samples [j·step, j·step + nperseg) of that padded
// signal, multiplied by the periodic Hann window w; its magnitude at bin k
// is |FFT_k| / Σw. Frame j is centred on input sample j·step. The padded
// signal is never built: STFT reads x directly.
//
// An STFT is not safe for concurrent use; Magnitude does not allocate.
type STFT struct {
	segments
	scale float64 // 1/Σw
}

// NewSTFT returns an STFT for sampling rate fsHz (Hz), frame length
// nperseg ≥ 2 samples and overlap 0 ≤ noverlap < nperseg samples. It
// returns an error for other values.
func NewSTFT(fsHz float64, nperseg, noverlap int) (*STFT, error) {
	sg, err := newSegments(fsHz, nperseg, noverlap)
	if err != nil {
		return nil, err
	}
	s := &STFT{segments: sg}
	var sum float64
	for _, v := range s.win {
		sum += v
	}
	s.scale = 1 / sum
	return s, nil
}

// Frames returns the number of frames for an n-sample input (n ≥ 1), 0 for
// n < 1.
func (s *STFT) Frames(n int) int {
	if n < 1 {
		return 0
	}
	step := s.nperseg - s.noverlap
	padded := n + 2*(s.nperseg/2)
	padded += ((-(padded-s.nperseg)%step)%step + step) % step
	return (padded-s.nperseg)/step + 1
}

// Times stores the frame centre times j·step/fs (s) for an n-sample input
// in dst and returns it. If dst is nil a new slice is allocated; otherwise
// its length must be Frames(n) or Times panics.
func (s *STFT) Times(dst []float64, n int) []float64 {
	dst = makeOrCheck(dst, s.Frames(n))
	step := s.nperseg - s.noverlap
	half := float64(s.nperseg) / 2
	for j := range dst {
		// As scipy: arange(nperseg/2, …, step)/fs − (nperseg/2)/fs.
		dst[j] = (half+float64(j*step))/s.fs - half/s.fs
	}
	return dst
}

// Magnitude stores |Z| for x in dst, frame-major: dst[j·Bins() + k] is bin k
// of frame j, in the unit of x. (scipy returns the transpose: bins × frames.)
// If dst is nil a new slice is allocated; otherwise its length must be
// Frames(len(x))·Bins() or Magnitude panics. It panics if x is empty.
func (s *STFT) Magnitude(dst, x []float64) []float64 {
	n := len(x)
	if n == 0 {
		panic("spectrum: empty input")
	}
	frames, bins := s.Frames(n), s.Bins()
	dst = makeOrCheck(dst, frames*bins)
	step, lead := s.nperseg-s.noverlap, s.nperseg/2
	for j := range frames {
		start := j*step - lead // index into x of the frame's first sample
		for i := range s.seg {
			var v float64
			if p := start + i; p >= 0 && p < n {
				v = x[p]
			}
			s.seg[i] = v * s.win[i]
		}
		s.fft.coefficients(s.coef, s.seg)
		row := dst[j*bins : (j+1)*bins]
		for k, c := range s.coef {
			row[k] = math.Hypot(real(c)*s.scale, imag(c)*s.scale)
		}
	}
	return dst
}
