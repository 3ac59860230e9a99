package filter

import (
	"fmt"
	"slices"
)

// PadLen returns the number of samples SOSFiltFilt adds at each end, as
// scipy.signal.sosfiltfilt's default: 3·ntaps with
//
//	ntaps = 2·len(sos) + 1 − min(#sections with b2 = 0, #sections with a2 = 0)
func PadLen(sos []Section) int {
	var b2zero, a2zero int
	for _, s := range sos {
		if s[2] == 0 {
			b2zero++
		}
		if s[5] == 0 {
			a2zero++
		}
	}
	return 3 * (2*len(sos) + 1 - min(b2zero, a2zero))
}

// SOSFiltZI returns the steady-state state of each section for a unit
// step input, as scipy.signal.sosfilt_zi(sos). For section s with DC gain
//
//	g_s = (b0 + b1 + b2)/(a0 + a1 + a2)
//
// it is G_s·[g_s − b0, b2 − a2·g_s], where G_s is the product of the DC
// gains of the sections before s. Scale it by the first input sample to
// start a Cascade without a transient (Cascade.SetState). It panics if a
// section's a0 is not 1.
func SOSFiltZI(sos []Section) [][2]float64 {
	zi := make([][2]float64, len(sos))
	scale := 1.0
	for i, s := range sos {
		if s[3] != 1 {
			panic("filter: section a0 must be 1")
		}
		g := (s[0] + s[1] + s[2]) / (s[3] + s[4] + s[5])
		zi[i] = [2]float64{scale * (g - s[0]), scale * (s[2] - s[5]*g)}
		scale *= g
	}
	return zi
}

// SOSFiltFilt filters x forward and backward with sos (zero phase, the
// magnitude response squared), as scipy.signal.sosfiltfilt(sos, x) with
// padtype 'odd' and the default pad length PadLen(sos):
//
//  1. extend x by PadLen samples at each end by odd reflection about the
//     end samples (2·x[0] − x[k], 2·x[N−1] − x[N−1−k]);
//  2. filter forward from SOSFiltZI(sos)·(first extended sample);
//  3. filter the reversed result from SOSFiltZI(sos)·(its first sample);
//  4. reverse and drop the padding.
//
// If dst is nil a new slice is allocated; otherwise it must have len(x) or
// SOSFiltFilt panics. dst may be x. It returns an error wrapping
// ErrInvalid when len(x) ≤ PadLen(sos), since the input is too short.
// It allocates a scratch buffer of len(x) + 2·PadLen(sos) samples.
func SOSFiltFilt(dst []float64, sos []Section, x []float64) ([]float64, error) {
	if dst != nil && len(dst) != len(x) {
		panic("filter: dst length mismatch")
	}
	pad := PadLen(sos)
	if len(x) <= pad {
		return dst, fmt.Errorf("%w: zero-phase filtering needs more than %d samples, got %d", ErrInvalid, pad, len(x))
	}
	n := len(x)
	ext := make([]float64, 0, n+2*pad)
	for k := pad; k >= 1; k-- {
		ext = append(ext, 2*x[0]-x[k])
	}
	ext = append(ext, x...)
	for k := 1; k <= pad; k++ {
		ext = append(ext, 2*x[n-1]-x[n-1-k])
	}

	zi := SOSFiltZI(sos)
	c := NewCascade(sos)
	run := func() {
		z := make([][2]float64, len(zi))
		for i := range zi {
			z[i] = [2]float64{zi[i][0] * ext[0], zi[i][1] * ext[0]}
		}
		c.SetState(z)
		c.Filter(ext, ext)
	}
	run()
	slices.Reverse(ext)
	run()
	slices.Reverse(ext)
	if dst == nil {
		dst = make([]float64, n)
	}
	copy(dst, ext[pad:pad+n])
	return dst, nil
}
