package sim

import (
	"math"
	"math/cmplx"
)

// The simulator's few filters are written here rather than imported from
// processing/filter: acquisition must not import processing.

// biquad holds normalised second-order section coefficients (a0 = 1):
//
//	H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)
type biquad struct{ b0, b1, b2, a1, a2 float64 }

// biquadState is the transposed direct form II state of one section.
type biquadState struct{ z1, z2 float64 }

// step filters one sample through q with state st.
func (q *biquad) step(st *biquadState, x float64) float64 {
	y := q.b0*x + st.z1
	st.z1 = q.b1*x - q.a1*y + st.z2
	st.z2 = q.b2*x - q.a2*y
	return y
}

// response returns H(e^{jω}) at ω = 2π f/fs.
func (q *biquad) response(f, fs float64) complex128 {
	w := 2 * math.Pi * f / fs
	z1 := cmplx.Rect(1, -w)
	z2 := z1 * z1
	num := complex(q.b0, 0) + complex(q.b1, 0)*z1 + complex(q.b2, 0)*z2
	den := 1 + complex(q.a1, 0)*z1 + complex(q.a2, 0)*z2
	return num / den
}

// The designs below are the bilinear-transform sections of R. Bristow-Johnson's
// "Audio EQ Cookbook"; f is in hertz and must lie in (0, fs/2).

// lowpass returns a second-order low-pass section with cutoff f and quality q.
func lowpass(f, q, fs float64) biquad {
	sin, cos := math.Sincos(2 * math.Pi * f / fs)
	alpha := sin / (2 * q)
	a0 := 1 + alpha
	return biquad{
		b0: (1 - cos) / 2 / a0, b1: (1 - cos) / a0, b2: (1 - cos) / 2 / a0,
		a1: -2 * cos / a0, a2: (1 - alpha) / a0,
	}
}

// highpass returns a second-order high-pass section with cutoff f and quality q.
func highpass(f, q, fs float64) biquad {
	sin, cos := math.Sincos(2 * math.Pi * f / fs)
	alpha := sin / (2 * q)
	a0 := 1 + alpha
	return biquad{
		b0: (1 + cos) / 2 / a0, b1: -(1 + cos) / a0, b2: (1 + cos) / 2 / a0,
		a1: -2 * cos / a0, a2: (1 - alpha) / a0,
	}
}

// bandpass returns a second-order band-pass section centred on f with quality
// q and unit gain at f.
func bandpass(f, q, fs float64) biquad {
	sin, cos := math.Sincos(2 * math.Pi * f / fs)
	alpha := sin / (2 * q)
	a0 := 1 + alpha
	return biquad{b0: alpha / a0, b2: -alpha / a0, a1: -2 * cos / a0, a2: (1 - alpha) / a0}
}

// Butterworth section qualities: one section for order 2, two for order 4.
const (
	butter2Q  = math.Sqrt2 / 2
	butter4Q1 = 0.54119610014619698 // 1 / (2 cos(π/8))
	butter4Q2 = 1.3065629648763766  // 1 / (2 cos(3π/8))
)
