package filter

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
)

// ErrInvalid is wrapped by every error about an invalid design parameter
// (order, edge frequency, sampling rate, Q). Check it with errors.Is.
var ErrInvalid = errors.New("filter: invalid parameter")

// MaxOrder is the highest Butterworth order ButterSOS and ButterZPK accept.
const MaxOrder = 32

// Band is the kind of frequency band a Butterworth filter keeps.
type Band int

// Band types, as scipy.signal.butter's btype.
const (
	Lowpass Band = iota + 1
	Highpass
	Bandpass
	Bandstop
)

// String returns the SciPy btype name ("lowpass", …).
func (b Band) String() string {
	switch b {
	case Lowpass:
		return "lowpass"
	case Highpass:
		return "highpass"
	case Bandpass:
		return "bandpass"
	case Bandstop:
		return "bandstop"
	}
	return fmt.Sprintf("Band(%d)", int(b))
}

// edges returns how many edge frequencies the band needs.
func (b Band) edges() int {
	if b == Bandpass || b == Bandstop {
		return 2
	}
	return 1
}

// Section is one second-order section (biquad) in SciPy's row layout
// b0, b1, b2, a0, a1, a2, with transfer function
//
//	H(z) = (b0 + b1·z⁻¹ + b2·z⁻²) / (a0 + a1·z⁻¹ + a2·z⁻²)
//
// The streaming filters require a0 = 1.
type Section [6]float64

// ZPK is a digital filter in zero-pole-gain form:
//
//	H(z) = K · Π(z − Z[i]) / Π(z − P[i])
type ZPK struct {
	Z, P []complex128
	K    float64
}

// ButterSOS designs a digital Butterworth filter of the given order as
// second-order sections, exactly as
// scipy.signal.butter(order, edgesHz, band, fs=fsHz, output='sos').
// Lowpass and Highpass take one edge, Bandpass and Bandstop two (low, high),
// all in Hz. The first section carries the whole gain, and the poles
// closest to the unit circle are in the last section.
//
// It returns an error wrapping ErrInvalid unless 1 ≤ order ≤ MaxOrder,
// fsHz > 0, every edge satisfies 0 < edge < fsHz/2, the number of edges
// matches band, and low < high.
func ButterSOS(order int, band Band, fsHz float64, edgesHz ...float64) ([]Section, error) {
	zpk, err := ButterZPK(order, band, fsHz, edgesHz...)
	if err != nil {
		return nil, err
	}
	return ZPKToSOS(zpk), nil
}

// ButterZPK designs the same filter as ButterSOS in zero-pole-gain form,
// as scipy.signal.butter(…, output='zpk'), with zeros and poles in SciPy's
// order. Errors are those of ButterSOS.
//
// The steps are SciPy's: analog prototype poles −exp(iπm/(2N)) for
// m = −N+1, −N+3, …, N−1; edges normalised to Nyquist (w = edge/(fs/2)) and
// pre-warped to 4·tan(πw/2); lp2lp, lp2hp, lp2bp or lp2bs; bilinear
// transform z = (4 + s)/(4 − s).
func ButterZPK(order int, band Band, fsHz float64, edgesHz ...float64) (ZPK, error) {
	if err := checkButter(order, band, fsHz, edgesHz); err != nil {
		return ZPK{}, err
	}
	n := order
	p := make([]complex128, n)
	for i := range p {
		m := float64(-n + 1 + 2*i)
		p[i] = -cmplx.Exp(complex(0, math.Pi*m/float64(2*n)))
	}
	var z []complex128
	k := 1.0

	const fs = 2.0 // design rate after normalisation, as in SciPy
	warped := make([]float64, len(edgesHz))
	for i, e := range edgesHz {
		wn := 2 * e / fsHz
		warped[i] = 2 * fs * math.Tan(math.Pi*wn/fs)
	}

	switch band {
	case Lowpass:
		z, p, k = lp2lp(z, p, k, warped[0])
	case Highpass:
		z, p, k = lp2hp(z, p, k, warped[0])
	case Bandpass:
		bw := warped[1] - warped[0]
		wo := math.Sqrt(warped[0] * warped[1])
		z, p, k = lp2bp(z, p, k, wo, bw)
	case Bandstop:
		bw := warped[1] - warped[0]
		wo := math.Sqrt(warped[0] * warped[1])
		z, p, k = lp2bs(z, p, k, wo, bw)
	}
	z, p, k = bilinear(z, p, k, fs)
	return ZPK{Z: z, P: p, K: k}, nil
}

func checkButter(order int, band Band, fsHz float64, edgesHz []float64) error {
	if order < 1 || order > MaxOrder {
		return fmt.Errorf("%w: order %d, want 1 to %d", ErrInvalid, order, MaxOrder)
	}
	if band < Lowpass || band > Bandstop {
		return fmt.Errorf("%w: unknown band type %d", ErrInvalid, int(band))
	}
	if err := checkRate(fsHz); err != nil {
		return err
	}
	if len(edgesHz) != band.edges() {
		return fmt.Errorf("%w: %v filter needs %d edge frequencies, got %d", ErrInvalid, band, band.edges(), len(edgesHz))
	}
	for _, e := range edgesHz {
		if err := checkEdge("edge", e, fsHz); err != nil {
			return err
		}
	}
	if len(edgesHz) == 2 && !(edgesHz[0] < edgesHz[1]) {
		return fmt.Errorf("%w: low edge %s Hz must be below high edge %s Hz", ErrInvalid, fmtHz(edgesHz[0]), fmtHz(edgesHz[1]))
	}
	return nil
}

func checkRate(fsHz float64) error {
	if !(fsHz > 0) || math.IsInf(fsHz, 1) {
		return fmt.Errorf("%w: sampling rate %s Hz, must be positive and finite", ErrInvalid, fmtHz(fsHz))
	}
	return nil
}

func checkEdge(what string, hz, fsHz float64) error {
	if !(hz > 0) || !(hz < fsHz/2) {
		return fmt.Errorf("%w: %s %s Hz must be above 0 and below the Nyquist frequency %s Hz (sampling rate %s Hz)",
			ErrInvalid, what, fmtHz(hz), fmtHz(fsHz/2), fmtHz(fsHz))
	}
	return nil
}

func lp2lp(z, p []complex128, k, wo float64) ([]complex128, []complex128, float64) {
	degree := len(p) - len(z)
	w := complex(wo, 0)
	zl := make([]complex128, len(z))
	for i := range z {
		zl[i] = w * z[i]
	}
	pl := make([]complex128, len(p))
	for i := range p {
		pl[i] = w * p[i]
	}
	return zl, pl, k * math.Pow(wo, float64(degree))
}

func lp2hp(z, p []complex128, k, wo float64) ([]complex128, []complex128, float64) {
	degree := len(p) - len(z)
	w := complex(wo, 0)
	zh := make([]complex128, len(z), len(z)+degree)
	for i := range z {
		zh[i] = w / z[i]
	}
	ph := make([]complex128, len(p))
	for i := range p {
		ph[i] = w / p[i]
	}
	for range degree {
		zh = append(zh, 0)
	}
	return zh, ph, k * real(prodNeg(z)/prodNeg(p))
}

func lp2bp(z, p []complex128, k, wo, bw float64) ([]complex128, []complex128, float64) {
	degree := len(p) - len(z)
	shift := func(r []complex128) []complex128 {
		out := make([]complex128, 2*len(r), 2*len(r)+degree)
		for i, v := range r {
			l := v * complex(bw, 0) / 2
			s := cmplx.Sqrt(l*l - complex(wo*wo, 0))
			out[i] = l + s
			out[len(r)+i] = l - s
		}
		return out
	}
	zb := shift(z)
	for range degree {
		zb = append(zb, 0)
	}
	return zb, shift(p), k * math.Pow(bw, float64(degree))
}

func lp2bs(z, p []complex128, k, wo, bw float64) ([]complex128, []complex128, float64) {
	degree := len(p) - len(z)
	shift := func(r []complex128) []complex128 {
		out := make([]complex128, 2*len(r), 2*len(r)+2*degree)
		for i, v := range r {
			h := complex(bw/2, 0) / v
			s := cmplx.Sqrt(h*h - complex(wo*wo, 0))
			out[i] = h + s
			out[len(r)+i] = h - s
		}
		return out
	}
	zb := shift(z)
	for range degree {
		zb = append(zb, complex(0, wo))
	}
	for range degree {
		zb = append(zb, complex(0, -wo))
	}
	return zb, shift(p), k * real(prodNeg(z)/prodNeg(p))
}

func bilinear(z, p []complex128, k, fs float64) ([]complex128, []complex128, float64) {
	degree := len(p) - len(z)
	fs2 := complex(2*fs, 0)
	zz := make([]complex128, len(z), len(z)+degree)
	num := complex(1, 0)
	for i, v := range z {
		zz[i] = (fs2 + v) / (fs2 - v)
		num *= fs2 - v
	}
	pz := make([]complex128, len(p))
	den := complex(1, 0)
	for i, v := range p {
		pz[i] = (fs2 + v) / (fs2 - v)
		den *= fs2 - v
	}
	for range degree {
		zz = append(zz, -1)
	}
	return zz, pz, k * real(num/den)
}

// prodNeg returns Π(−r[i]), 1 for an empty r.
func prodNeg(r []complex128) complex128 {
	out := complex(1, 0)
	for _, v := range r {
		out *= -v
	}
	return out
}

// Notch designs a second-order IIR notch (band-stop) filter at f0Hz with
// quality factor q (f0 divided by the −3 dB bandwidth), as
// scipy.signal.iirnotch(f0Hz, q, fs=fsHz). With ω0 = 2π·f0/fs,
//
//	g = 1/(1 + tan(ω0/(2q)))
//	b = g·[1, −2cos ω0, 1]
//	a = [1, −2g·cos ω0, 2g − 1]
//
// It returns an error wrapping ErrInvalid unless fsHz > 0,
// 0 < f0Hz < fsHz/2 and q > 0.
func Notch(f0Hz, q, fsHz float64) (b, a [3]float64, err error) {
	if err := checkRate(fsHz); err != nil {
		return b, a, err
	}
	if err := checkEdge("notch frequency", f0Hz, fsHz); err != nil {
		return b, a, err
	}
	if !(q > 0) || math.IsInf(q, 1) {
		return b, a, fmt.Errorf("%w: notch quality factor Q %s, must be positive and finite", ErrInvalid, fmtHz(q))
	}
	// Same operation order as SciPy's _design_notch_peak_filter.
	w0 := 2 * f0Hz / fsHz
	bw := w0 / q
	bw *= math.Pi
	w0 *= math.Pi
	gb := 1 / math.Sqrt(2)
	beta := (math.Sqrt(1.0-gb*gb) / gb) * math.Tan(bw/2.0)
	gain := 1.0 / (1.0 + beta)
	c := math.Cos(w0)
	b = [3]float64{gain * 1.0, gain * (-2.0 * c), gain * 1.0}
	a = [3]float64{1.0, -2.0 * gain * c, 2.0*gain - 1.0}
	return b, a, nil
}

// NotchSOS returns the Notch filter as a single second-order section.
// Errors are those of Notch.
func NotchSOS(f0Hz, q, fsHz float64) (Section, error) {
	b, a, err := Notch(f0Hz, q, fsHz)
	if err != nil {
		return Section{}, err
	}
	return Section{b[0], b[1], b[2], a[0], a[1], a[2]}, nil
}
