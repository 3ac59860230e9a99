package spectrum

import (
	"fmt"
	"math"
)

// Hann stores the periodic ("DFT-even") Hann window of length len(dst) in
// dst and returns it:
//
//	w[n] = 0.5 − 0.5·cos(2πn/N),  n = 0 … N−1
//
// computed as scipy.signal.get_window('hann', N) does (0.5 + 0.5·cos of a
// linspace from −π to π over N+1 points, last point dropped), so the values
// match scipy bit for bit. dst must not be empty.
func Hann(dst []float64) []float64 {
	n := len(dst)
	if n == 0 {
		panic("spectrum: empty window")
	}
	if n == 1 {
		dst[0] = 1
		return dst
	}
	step := (math.Pi - -math.Pi) / float64(n)
	for i := range dst {
		dst[i] = 0.5 + 0.5*math.Cos(float64(i)*step+-math.Pi)
	}
	return dst
}

// rfftFreqs stores k·fs/nfft for k = 0 … len(dst)−1 in dst, computed as
// numpy.fft.rfftfreq(nfft, 1/fs).
func rfftFreqs(dst []float64, nfft int, fs float64) {
	val := 1 / (float64(nfft) * (1 / fs))
	for k := range dst {
		dst[k] = float64(k) * val
	}
}

// checkSegments validates fs, nperseg and noverlap for Welch and STFT.
func checkSegments(fsHz float64, nperseg, noverlap int) error {
	if !(fsHz > 0) || math.IsInf(fsHz, 0) {
		return fmt.Errorf("spectrum: sampling rate %v Hz must be positive and finite", fsHz)
	}
	if nperseg < 2 {
		return fmt.Errorf("spectrum: nperseg %d < 2", nperseg)
	}
	if noverlap < 0 || noverlap >= nperseg {
		return fmt.Errorf("spectrum: noverlap %d outside 0…%d", noverlap, nperseg-1)
	}
	return nil
}
