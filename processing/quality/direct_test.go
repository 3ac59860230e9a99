package quality

import "math"

// directMains is the mains measurement as the Monitor computed it before the
// sliding DFT: Goertzel filters at each mains frequency and one bin either
// side over the whole Hann-windowed EMG band of channel c's window, against
// the Hann-weighted power of that band. It is O(window) and serves as the
// tests' reference for Monitor.mains. It returns zeros when the window is
// not full or the mains check is off.
func directMains(m *Monitor, c int) (hz, rmsUV, fraction float64) {
	ch := &m.ch[c]
	if m.nmains == 0 || ch.count < m.nseg {
		return 0, 0, 0
	}
	n := m.nseg * m.segLen
	df := m.fs / float64(n)
	var coef, s1, s2 [2][3]float64
	for f := range m.nmains {
		for k := range 3 {
			coef[f][k] = 2 * math.Cos(2*math.Pi*(m.mainsHz[f]+float64(k-1)*df)/m.fs)
		}
	}
	var hannSq float64
	hann := make([]float64, n)
	for i := range hann {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
		hann[i] = w
		hannSq += w * w
	}
	start := ch.bandEnd - n
	if start < 0 {
		start += len(ch.band)
	}
	var wsq float64
	for i, w := range hann {
		j := start + i
		if j >= len(ch.band) {
			j -= len(ch.band)
		}
		v := w * ch.band[j]
		wsq += v * v
		for f := range m.nmains {
			c, s1, s2 := &coef[f], &s1[f], &s2[f]
			for k := range 3 {
				s := v + c[k]*s1[k] - s2[k]
				s2[k], s1[k] = s1[k], s
			}
		}
	}
	pBand := wsq / hannSq
	norm := 2 / (float64(n) * hannSq) // one-sided power per bin
	best, bestP := 0, -1.0
	for f := range m.nmains {
		var p float64
		for k := range 3 {
			s1, s2 := s1[f][k], s2[f][k]
			p += (s1*s1 + s2*s2 - coef[f][k]*s1*s2) * norm
		}
		if p > bestP {
			best, bestP = f, p
		}
	}
	hz, rmsUV = m.mainsHz[best], math.Sqrt(bestP)
	if pBand > 0 {
		fraction = min(1, bestP/pBand)
	}
	return hz, rmsUV, fraction
}
