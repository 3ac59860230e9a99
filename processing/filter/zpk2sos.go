package filter

import (
	"math"
	"math/cmplx"
	"slices"
	"strconv"
)

// ZPKToSOS converts a digital zero-pole-gain filter to second-order
// sections as scipy.signal.zpk2sos(z, p, k) does with its default
// "nearest" pairing: poles are taken closest to the unit circle first and
// placed in the last section, each paired with its nearest zeros; the whole
// gain goes into the first section and a0 = 1 in every section.
//
// Complex zeros and poles must come in conjugate pairs (to a relative
// tolerance of 100·eps, as in SciPy); ZPKToSOS panics otherwise. The
// result has ceil(max(len(Z), len(P))/2) sections, or one pass-through
// section {K, 0, 0, 1, 0, 0} when there are neither zeros nor poles.
func ZPKToSOS(f ZPK) []Section {
	if len(f.Z) == 0 && len(f.P) == 0 {
		return []Section{{f.K, 0, 0, 1, 0, 0}}
	}
	z := slices.Clone(f.Z)
	p := slices.Clone(f.P)
	for len(p) < len(z) {
		p = append(p, 0)
	}
	for len(z) < len(p) {
		z = append(z, 0)
	}
	nSections := (len(p) + 1) / 2
	if len(p)%2 == 1 {
		p = append(p, 0)
		z = append(z, 0)
	}
	z = cplxReal(z)
	p = cplxReal(p)

	sos := make([]Section, nSections)
	for si := nSections - 1; si >= 0; si-- {
		i := idxWorst(p)
		p1 := p[i]
		p = slices.Delete(p, i, i+1)

		switch {
		case isReal(p1) && countReal(p) == 0:
			// Special case (1): last remaining real pole.
			j := nearestIdx(z, p1, wantReal)
			z1 := z[j]
			z = slices.Delete(z, j, j+1)
			sos[si] = singleSection([]complex128{z1, 0}, []complex128{p1, 0})
		case len(p)+1 == len(z) && !isReal(p1) && countReal(p) == 1 && countReal(z) == 1:
			// Special case (2): one real pole and one real zero left and
			// an equal number of poles and zeros to pair: must pair with
			// a complex zero.
			j := nearestIdx(z, p1, wantComplex)
			z1 := z[j]
			z = slices.Delete(z, j, j+1)
			sos[si] = singleSection([]complex128{z1, cmplx.Conj(z1)}, []complex128{p1, cmplx.Conj(p1)})
		default:
			var p2 complex128
			if isReal(p1) {
				best, bestD := -1, math.Inf(1)
				for j, v := range p {
					if isReal(v) {
						if d := math.Abs(1 - cmplx.Abs(v)); d < bestD || best < 0 {
							best, bestD = j, d
						}
					}
				}
				p2 = p[best]
				p = slices.Delete(p, best, best+1)
			} else {
				p2 = cmplx.Conj(p1)
			}
			if len(z) == 0 {
				sos[si] = singleSection(nil, []complex128{p1, p2})
				break
			}
			j := nearestIdx(z, p1, wantAny)
			z1 := z[j]
			z = slices.Delete(z, j, j+1)
			switch {
			case !isReal(z1):
				sos[si] = singleSection([]complex128{z1, cmplx.Conj(z1)}, []complex128{p1, p2})
			case len(z) > 0:
				j := nearestIdx(z, p1, wantReal)
				z2 := z[j]
				z = slices.Delete(z, j, j+1)
				sos[si] = singleSection([]complex128{z1, z2}, []complex128{p1, p2})
			default:
				sos[si] = singleSection([]complex128{z1}, []complex128{p1, p2})
			}
		}
	}
	if len(p) != 0 || len(z) != 0 {
		panic("filter: zpk2sos left poles or zeros unpaired")
	}
	for i := range 3 {
		sos[0][i] *= f.K
	}
	return sos
}

func isReal(v complex128) bool { return imag(v) == 0 }

func countReal(r []complex128) int {
	n := 0
	for _, v := range r {
		if isReal(v) {
			n++
		}
	}
	return n
}

// idxWorst returns the index of the pole closest to the unit circle (the
// first one on ties, as numpy.argmin).
func idxWorst(p []complex128) int {
	best, bestD := 0, math.Inf(1)
	for i, v := range p {
		if d := math.Abs(1 - cmplx.Abs(v)); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

type which int

const (
	wantAny which = iota
	wantReal
	wantComplex
)

// nearestIdx returns the index of the element of fro nearest to `to` among
// the real, complex or any elements (SciPy's _nearest_real_complex_idx). It
// panics if there is none, which a valid zpk never causes.
func nearestIdx(fro []complex128, to complex128, w which) int {
	best, bestD := -1, math.Inf(1)
	for i, v := range fro {
		if (w == wantReal && !isReal(v)) || (w == wantComplex && isReal(v)) {
			continue
		}
		if d := cmplx.Abs(v - to); best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		panic("filter: zpk2sos found no zero to pair")
	}
	return best
}

// singleSection builds one section from up to two zeros and two poles
// (SciPy's _single_zpksos with k = 1): coefficients are right-aligned.
func singleSection(z, p []complex128) Section {
	var s Section
	b := poly(z)
	a := poly(p)
	copy(s[3-len(b):3], b)
	copy(s[6-len(a):6], a)
	return s
}

// poly returns the real parts of the monic polynomial with roots r, highest
// power first, as numpy.poly with conjugate or real roots.
func poly(r []complex128) []float64 {
	c := []complex128{1}
	for _, v := range r {
		next := make([]complex128, len(c)+1)
		for i := range next {
			var acc complex128
			if i < len(c) {
				acc = c[i]
			}
			if i > 0 {
				acc += c[i-1] * -v
			}
			next[i] = acc
		}
		c = next
	}
	out := make([]float64, len(c))
	for i, v := range c {
		out[i] = real(v)
	}
	return out
}

// cplxReal reorders r as SciPy's concatenate(_cplxreal(r)): one member
// (positive imaginary part) of each conjugate pair, averaged with its
// partner and sorted by real part, followed by the real values (imaginary
// part exactly 0), sorted. It panics if a complex value has no conjugate.
func cplxReal(r []complex128) []complex128 {
	if len(r) == 0 {
		return r
	}
	const tol = 100 * 2.220446049250313e-16
	s := slices.Clone(r)
	slices.SortStableFunc(s, func(x, y complex128) int {
		if c := cmpFloat(real(x), real(y)); c != 0 {
			return c
		}
		return cmpFloat(math.Abs(imag(x)), math.Abs(imag(y)))
	})
	var zr []float64
	var zp, zn []complex128
	for _, v := range s {
		switch {
		case math.Abs(imag(v)) <= tol*cmplx.Abs(v):
			zr = append(zr, real(v))
		case imag(v) > 0:
			zp = append(zp, v)
		default:
			zn = append(zn, v)
		}
	}
	if len(zp) != len(zn) {
		panic("filter: complex value without matching conjugate")
	}
	// Within runs of (nearly) equal real part, sort by |imag|.
	for start := 0; start < len(zp); {
		stop := start + 1
		for stop < len(zp) && real(zp[stop])-real(zp[stop-1]) <= tol*cmplx.Abs(zp[stop-1]) {
			stop++
		}
		if stop-start > 1 {
			byImag := func(x, y complex128) int { return cmpFloat(math.Abs(imag(x)), math.Abs(imag(y))) }
			slices.SortStableFunc(zp[start:stop], byImag)
			slices.SortStableFunc(zn[start:stop], byImag)
		}
		start = stop
	}
	out := make([]complex128, 0, len(r))
	for i := range zp {
		if cmplx.Abs(zp[i]-cmplx.Conj(zn[i])) > tol*cmplx.Abs(zn[i]) {
			panic("filter: complex value without matching conjugate")
		}
		out = append(out, (zp[i]+cmplx.Conj(zn[i]))/2)
	}
	for _, v := range zr {
		out = append(out, complex(v, 0))
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fmtHz formats a frequency (or any number) in the shortest exact form.
func fmtHz(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
