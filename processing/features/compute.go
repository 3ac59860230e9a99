package features

import (
	"math"
	"slices"
)

// eps is numpy's np.spacing(1), the float64 machine epsilon LibEMG adds
// before taking logarithms.
const eps = 2.220446049250313e-16

// tiny is np.finfo(float64).tiny, librosa's guard in Burg's denominator.
const tiny = 2.2250738585072014e-308

// channelStats computes every quantity the Set needs for channel c.
func (s *Set) channelStats(c int, x []float64) {
	st := &s.st[c]
	nd := s.need
	p := &s.p
	if nd&nBasic != 0 {
		st.sumAbs, st.wlBasic, st.zc, st.ssc = basicPass(x, p.SSCThreshold)
	}
	if nd&nDiff != 0 {
		st.sumSq, st.sumD1Sq, st.sumD2Sq, st.wl, st.sumAbsD2 = diffPass(x)
	}
	if nd&nLogDiff != 0 {
		y := s.tmp
		for i, v := range x {
			y[i] = math.Log(v*v + eps)
		}
		var sq, d1, d2 float64
		sq, d1, d2, st.logWL, st.logSumAbsD2 = diffPass(y)
		st.logMom = tdpsdMoments(len(x), sq, d1, d2)
		st.mom = tdpsdMoments(len(x), st.sumSq, st.sumD1Sq, st.sumD2Sq)
	}
	if nd&nWAMP != 0 {
		st.wamp = wampPass(x, p.WAMPThreshold)
	}
	if nd&nMax != 0 {
		st.max = slices.Max(x)
	}
	if nd&nCentral != 0 {
		st.m2, st.m3, st.m4 = centralMoments(x)
	}
	if nd&nLD != 0 {
		var sum float64
		for _, v := range x {
			sum += math.Log(math.Abs(v) + 1)
		}
		st.ld = math.Exp(sum / float64(len(x)))
	}
	if nd&nMSR != 0 {
		var pos, neg float64
		for _, v := range x {
			if v >= 0 {
				pos += math.Sqrt(v)
			} else {
				neg += math.Sqrt(-v)
			}
		}
		st.msr = math.Hypot(pos, neg) / float64(len(x))
	}
	if nd&nTM != 0 {
		var sum float64
		for _, v := range x {
			sum += intPow(math.Abs(v), p.TMOrder)
		}
		st.tm = sum / float64(len(x))
	}
	if nd&nLS != 0 {
		st.ls = lScale(s.tmp, x)
	}
	if nd&nSpec != 0 {
		s.spectrum(st, x)
	}
	if nd&nAR != 0 {
		s.burg(s.ar[c*p.AROrder:(c+1)*p.AROrder], x)
	}
	if nd&nAR9 != 0 {
		s.burg(s.ar9[c*ar9Order:(c+1)*ar9Order], x)
	}
	if nd&nCC != 0 {
		a := s.ccAR
		if nd&nAR != 0 && p.CCOrder == p.AROrder {
			copy(a, s.ar[c*p.AROrder:(c+1)*p.AROrder])
		} else {
			s.burg(a, x)
		}
		cepstrum(s.cc[c*p.CCOrder:(c+1)*p.CCOrder], a)
	}
	if nd&nMAVSLP != 0 {
		seg := p.MAVSLPSegments
		mavSlopes(s.mavslp[c*(seg-1):(c+1)*(seg-1)], x, seg)
	}
	if nd&nSampEn != 0 {
		st.sampEn = sampleEntropy(s.tmp, x, p.SampEnDim, p.SampEnTolerance)
	}
	if nd&nFuzzyEn != 0 {
		st.fuzzyEn = fuzzyEntropy(s.tmp2, x, p.FuzzyEnDim, p.FuzzyEnTolerance, p.FuzzyEnWin)
	}
}

// basicPassGo returns Σ|x|, Σ|Δx|, the zero-crossing count (x[n]·x[n+1] < 0)
// and the slope-sign-change count ((x[n]−x[n−1])·(x[n]−x[n+1]) ≥ sscT) in
// one pass. len(x) ≥ 1. The product test equals LibEMG's sign test
// (diff(sign(x)) = ±2) unless the product underflows (|x| below ~1e-154).
// A NaN sample makes both sums NaN and fails every comparison it takes part
// in, so it adds no crossing and no slope sign change; ±Inf samples are
// ordinary IEEE arithmetic. It is the portable kernel behind basicPass
// (basicpass_amd64.go, basicpass_other.go) and the reference the AVX2
// kernel is tested against.
func basicPassGo(x []float64, sscT float64) (sumAbs, wl float64, zc, ssc int) {
	// The SSC test is written as Δx[n−1]·Δx[n] ≤ −sscT (negation is exact).
	// Interleaved accumulators shorten the dependency chains; the
	// comparisons compile to SETcc, so the loop has no data-dependent
	// branches. Two measured tweaks (about 7 % on 8 × 200 samples, the
	// results unchanged bit for bit):
	//   - the counts add SETcc bytes to uint8 counters (no zero extension),
	//     flushed to int every basicChunk blocks of 4 (at most 2 per block);
	//   - each block of 4 is read as two sub-slices of 2, whose bounds check
	//     ends the first half's basic block: the compiler schedules
	//     comparisons at the end of a block, so without it the products of
	//     all 4 samples stay live together and spill to the stack.
	const basicChunk = 63 // blocks of 4 per flush: 2·63 < 256
	t := -sscT
	prev := x[0]
	dPrev := math.NaN() // x[0] has no predecessor: NaN fails the SSC test
	a0, a1 := math.Abs(prev), 0.0
	w0, w1 := 0.0, 0.0
	i := 1
	for i+3 < len(x) {
		var z0, z1, s0, s1 uint8
		end := min(len(x), i+4*basicChunk)
		for ; i+3 < end; i += 4 {
			p := x[i : i+2 : i+2]
			c0, c1 := p[0], p[1]
			d0, d1 := c0-prev, c1-c0
			z0 += b2u8(prev*c0 < 0)
			z1 += b2u8(c0*c1 < 0)
			s0 += b2u8(dPrev*d0 <= t)
			s1 += b2u8(d0*d1 <= t)
			q := x[i+2 : i+4 : i+4]
			c2, c3 := q[0], q[1]
			d2, d3 := c2-c1, c3-c2
			a0 += math.Abs(c0) + math.Abs(c2)
			a1 += math.Abs(c1) + math.Abs(c3)
			w0 += math.Abs(d0) + math.Abs(d2)
			w1 += math.Abs(d1) + math.Abs(d3)
			z0 += b2u8(c1*c2 < 0)
			z1 += b2u8(c2*c3 < 0)
			s0 += b2u8(d1*d2 <= t)
			s1 += b2u8(d2*d3 <= t)
			prev, dPrev = c3, d3
		}
		zc += int(z0) + int(z1)
		ssc += int(s0) + int(s1)
	}
	for ; i < len(x); i++ {
		c := x[i]
		d := c - prev
		a0 += math.Abs(c)
		w0 += math.Abs(d)
		zc += b2i(prev*c < 0)
		ssc += b2i(dPrev*d <= t)
		prev, dPrev = c, d
	}
	return a0 + a1, w0 + w1, zc, ssc
}

// b2i returns 1 for true and 0 for false; it compiles to SETcc.
func b2i(b bool) int {
	var i int
	if b {
		i = 1
	}
	return i
}

// b2u8 is b2i as a byte.
func b2u8(b bool) uint8 {
	var i uint8
	if b {
		i = 1
	}
	return i
}

// diffPass returns Σx², Σ(Δx)², Σ(Δ²x)², Σ|Δx| and Σ|Δ²x|. len(x) ≥ 3.
func diffPass(x []float64) (sumSq, sumD1Sq, sumD2Sq, wl, sumAbsD2 float64) {
	x0, x1 := x[0], x[1]
	dPrev := x1 - x0
	sumSq = x0*x0 + x1*x1
	sumD1Sq = dPrev * dPrev
	wl = math.Abs(dPrev)
	prev := x1
	for _, v := range x[2:] {
		d := v - prev
		d2 := d - dPrev
		sumSq += v * v
		sumD1Sq += d * d
		sumD2Sq += d2 * d2
		wl += math.Abs(d)
		sumAbsD2 += math.Abs(d2)
		prev, dPrev = v, d
	}
	return sumSq, sumD1Sq, sumD2Sq, wl, sumAbsD2
}

// wampPass returns the number of n with |x[n+1]−x[n]| > t.
func wampPass(x []float64, t float64) int {
	var n int
	for i := 1; i < len(x); i++ {
		var k int
		if math.Abs(x[i]-x[i-1]) > t {
			k = 1
		}
		n += k
	}
	return n
}

// centralMoments returns the biased central moments m2, m3, m4 of x
// (divisor len(x)), computed in two passes.
func centralMoments(x []float64) (m2, m3, m4 float64) {
	var sum float64
	for _, v := range x {
		sum += v
	}
	n := float64(len(x))
	mean := sum / n
	for _, v := range x {
		d := v - mean
		d2 := d * d
		m2 += d2
		m3 += d2 * d
		m4 += d2 * d2
	}
	return m2 / n, m3 / n, m4 / n
}

// intPow returns x**k for k ≥ 0 by binary exponentiation.
func intPow(x float64, k int) float64 {
	r := 1.0
	for k > 0 {
		if k&1 != 0 {
			r *= x
		}
		x *= x
		k >>= 1
	}
	return r
}

// lScale returns the second sample L-moment 2·b1 − b0, with b0 the mean and
// b1 = (1/N) Σ_{i=0}^{N−1} i/(N−1)·x_(i) over the ascending order
// statistics. tmp (len(x)) receives the sorted copy.
func lScale(tmp, x []float64) float64 {
	copy(tmp, x)
	slices.Sort(tmp)
	return lScaleSorted(tmp)
}

// lScaleSorted returns the L-scale of the ascending order statistics
// sorted (len ≥ 2), as lScale. Stream's lScaleEntries repeats its
// arithmetic exactly, so that both give the same value bit for bit from
// the same order statistics: change both together.
func lScaleSorted(sorted []float64) float64 {
	n := len(sorted)
	// Four interleaved sums (b0 over all values, b1 over i·x_(i)) keep the
	// additions' latency off the critical path.
	var s0, s1, s2, s3, t0, t1, t2, t3 float64
	i := 0
	for f := 0.0; i+3 < n; i, f = i+4, f+4 {
		v := sorted[i : i+4 : i+4]
		s0 += v[0]
		s1 += v[1]
		s2 += v[2]
		s3 += v[3]
		t0 += f * v[0]
		t1 += (f + 1) * v[1]
		t2 += (f + 2) * v[2]
		t3 += (f + 3) * v[3]
	}
	for ; i < n; i++ {
		s0 += sorted[i]
		t0 += float64(i) * sorted[i]
	}
	b0, b1 := (s0+s1)+(s2+s3), (t0+t1)+(t2+t3)
	b0 /= float64(n)
	b1 /= float64(n) * float64(n-1)
	return 2*b1 - b0
}

// spectrum fills the MDF, MNF, MNP and SM fields of st from the power
// spectrum P_k = |X_k/N|², k < nfft/2, of x zero-padded to nfft samples,
// with bin frequency f_k = k·fs/nfft (LibEMG Python).
func (s *Set) spectrum(st *chanStats, x []float64) {
	n := len(x)
	copy(s.pad, x)
	clear(s.pad[n:])
	s.fft.Coefficients(s.spec, s.pad)
	nfft := len(s.pad)
	half := nfft / 2
	pw := s.pad[:half] // the FFT copied pad, so it is free to reuse
	scale := 1 / (float64(n) * float64(n))
	df := s.p.SampleRateHz / float64(nfft)
	var total, first, moment float64
	for k := range half {
		c := s.spec[k]
		v := (real(c)*real(c) + imag(c)*imag(c)) * scale
		pw[k] = v
		f := float64(k) * df
		total += v
		first += f * v
		moment += v * intPow(f, s.p.SMOrder)
	}
	st.mnp = total / float64(half)
	st.mnf = first / total
	st.sm = moment
	st.mdf = math.NaN()
	var cum float64
	for k, v := range pw {
		cum += v
		if cum > total/2 {
			st.mdf = s.p.SampleRateHz / 2 * float64(k) / float64(half)
			break
		}
	}
}

// burg writes to a the coefficients a_1 … a_p (p = len(a)) of the
// prediction-error filter 1 + a_1 z⁻¹ + … + a_p z⁻ᵖ estimated from x by
// Burg's method, exactly as librosa.lpc (LibEMG's AR).
func (s *Set) burg(a, x []float64) {
	order := len(a)
	n := len(x)
	f := s.fwd[:n-1]
	b := s.bwd[:n-1]
	copy(f, x[1:])
	copy(b, x[:n-1])
	cur := s.arA[:order+1]
	prev := s.arB[:order+1]
	clear(cur)
	clear(prev)
	cur[0], prev[0] = 1, 1
	var den float64
	for i := range f {
		den += f[i]*f[i] + b[i]*b[i]
	}
	for i := range order {
		var num float64
		for t := range f {
			num += b[t] * f[t]
		}
		k := -2 * num / (den + tiny)
		cur, prev = prev, cur
		for j := 1; j <= i+1; j++ {
			cur[j] = prev[j] + k*prev[i-j+1]
		}
		for t := range f {
			ft := f[t]
			f[t] = ft + k*b[t]
			b[t] += k * ft
		}
		den = (1-k*k)*den - b[len(b)-1]*b[len(b)-1] - f[0]*f[0]
		f = f[1:]
		b = b[:len(b)-1]
	}
	copy(a, cur[1:])
}

// cepstrum writes LibEMG's cepstral coefficients of the AR coefficients a
// (a_1 … a_p, 0-based a[0] … a[p−1]) to c (len(a)):
//
//	c[0] = −a[0]
//	c[p] = −a[p] − Σ_{l=1}^{p−1} (1 − l/p)·a[p]·c[p−l],   p = 1 … P−1
//
// LibEMG runs the recursion only for orders above 2; for order 2, c[1] is 0.
func cepstrum(c, a []float64) {
	clear(c)
	c[0] = -a[0]
	if len(a) <= 2 {
		return
	}
	for p := 1; p < len(a); p++ {
		var acc float64
		for l := 1; l < p; l++ {
			acc += a[p] * c[p-l] * (1 - float64(l)/float64(p))
		}
		c[p] = -a[p] - acc
	}
}

// mavSlopes writes the seg−1 differences of the mean absolute values of
// consecutive segments of m = round(N/seg) samples (the last one clipped to
// the window) to dst.
func mavSlopes(dst, x []float64, seg int) {
	n := len(x)
	m := mavslpLen(n, seg)
	var prev float64
	for i := range seg {
		lo, hi := i*m, min((i+1)*m, n)
		var sum float64
		for _, v := range x[lo:hi] {
			sum += math.Abs(v)
		}
		mav := sum / float64(hi-lo)
		if i > 0 {
			dst[i-1] = mav - prev
		}
		prev = mav
	}
}

// meanStd returns the mean and the standard deviation (divisor len(x)).
func meanStd(x []float64) (mean, std float64) {
	var sum float64
	for _, v := range x {
		sum += v
	}
	mean = sum / float64(len(x))
	var ss float64
	for _, v := range x {
		d := v - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(x)))
}

// sampleEntropy returns LibEMG's SAMPEN of x with embedding dimension m and
// tolerance r (in standard deviations, divisor N); z (len(x)) is scratch.
func sampleEntropy(z, x []float64, m int, r float64) float64 {
	n := len(x)
	mean, std := meanStd(x)
	for i, v := range x {
		z[i] = (v - mean) / std
	}
	// Templates of length m start at 0 … n−m, of length m+1 at 0 … n−m−1.
	// LibEMG compares templates k < n−m′ with all others, so a pair of
	// "inner" templates is counted twice and a pair with the last template
	// once.
	lastM, lastM1 := n-m, n-m-1
	var cm, cm1 float64
	for k := 0; k < lastM; k++ {
		for j := k + 1; j <= lastM; j++ {
			var d float64
			for i := range m {
				d = max(d, math.Abs(z[k+i]-z[j+i]))
			}
			if d > r {
				continue
			}
			if j < lastM {
				cm += 2
			} else {
				cm++
			}
			if j <= lastM1 && max(d, math.Abs(z[k+m]-z[j+m])) <= r {
				if j < lastM1 {
					cm1 += 2
				} else {
					cm1++
				}
			}
		}
	}
	div := float64(n - m - 1)
	phiM := cm / div / float64(n-m)
	phiM1 := cm1 / div / float64(n-m-1)
	return math.Log((phiM + eps) / (phiM1 + eps))
}

// fuzzyEntropy returns LibEMG's FUZZYEN of x with dimension m, tolerance
// tol (in standard deviations, divisor N) and distance exponent win; mu
// (len(x)) is scratch for the template means.
func fuzzyEntropy(mu, x []float64, m int, tol float64, win int) float64 {
	n := len(x)
	_, std := meanStd(x)
	r := tol * std
	var phi [2]float64
	for j := range 2 {
		mm := m + j
		last := n - mm
		for k := 0; k <= last; k++ {
			var sum float64
			for i := range mm {
				sum += x[k+i]
			}
			mu[k] = sum / float64(mm)
		}
		var total float64
		for k := 0; k < last; k++ {
			for l := k + 1; l <= last; l++ {
				dm := mu[k] - mu[l]
				var d float64
				for i := range mm {
					d = max(d, math.Abs(x[k+i]-x[l+i]-dm))
				}
				sim := math.Exp(-intPow(d, win) / r)
				if l < last {
					total += 2 * sim
				} else {
					total += sim
				}
			}
		}
		phi[j] = total / float64(n-mm-1) / float64(n-mm)
	}
	return math.Log((phi[0] + eps) / (phi[1] + eps))
}

// tdpsdMoments returns LibEMG's TD-PSD moments m0, m2, m4 of a window of n
// samples from Σx², ΣΔx² and ΣΔ²x²:
//
//	m0 = (√(Σx²)/(n−1))^0.1/0.1, m2 = (√(ΣΔx²/(n−1)))^0.1/0.1, m4 = (√(ΣΔ²x²/(n−1)))^0.1/0.1
func tdpsdMoments(n int, sumSq, sumD1Sq, sumD2Sq float64) [3]float64 {
	nm1 := float64(n - 1)
	return [3]float64{
		math.Pow(math.Sqrt(sumSq)/nm1, 0.1) / 0.1,
		math.Pow(math.Sqrt(sumD1Sq/nm1), 0.1) / 0.1,
		math.Pow(math.Sqrt(sumD2Sq/nm1), 0.1) / 0.1,
	}
}

// tdpsd returns LibEMG's TD-PSD quantity of feature k (before the final
// logarithm) from the moments m and the sums Σ|Δx| and Σ|Δ²x|.
func tdpsd(k kind, m [3]float64, wl, sumAbsD2 float64) float64 {
	m0, m2, m4 := m[0], m[1], m[2]
	switch k {
	case kM0:
		return m0
	case kM2:
		return m0 - m2
	case kM4:
		return m0 - m4
	case kSPARSI:
		return math.Sqrt(math.Abs((m0-m2)*(m0-m4))) / m0
	case kIRF:
		return m2 / math.Sqrt(m0*m4)
	case kWLF:
		return math.Sqrt(wl / sumAbsD2)
	}
	panic("features: not a TD-PSD feature")
}

// write fills dst from the per-channel quantities, feature by feature.
func (s *Set) write(dst []float64) {
	n := s.windowLen
	fn := float64(n)
	pos := 0
	put := func(v float64) {
		dst[pos] = v
		pos++
	}
	for _, k := range s.kinds {
		switch k {
		case kAR:
			pos += copy(dst[pos:], s.ar)
			continue
		case kAR9:
			pos += copy(dst[pos:], s.ar9)
			continue
		case kCC:
			pos += copy(dst[pos:], s.cc)
			continue
		case kMAVSLP:
			pos += copy(dst[pos:], s.mavslp)
			continue
		case kRMSPHASOR, kWLPHASOR:
			pos = s.phasor(dst, pos, k)
			continue
		}
		for c := range s.st {
			st := &s.st[c]
			switch k {
			case kMAV:
				put(st.sumAbs / fn)
			case kZC:
				put(float64(st.zc))
			case kSSC:
				put(float64(st.ssc))
			case kWL:
				put(st.wlBasic)
			case kLS:
				put(st.ls)
			case kMFL:
				put(math.Log10(st.wlBasic))
			case kMSR:
				put(st.msr)
			case kWAMP:
				put(float64(st.wamp))
			case kRMS:
				put(math.Sqrt(st.sumSq / fn))
			case kIAV:
				put(st.sumAbs)
			case kDASDV:
				put(math.Sqrt(st.sumD1Sq / (fn - 1)))
			case kVAR:
				put(st.m2)
			case kM0, kM2, kM4, kSPARSI, kIRF, kWLF:
				a := math.Log(math.Abs(tdpsd(k, st.mom, st.wl, st.sumAbsD2)))
				b := math.Log(math.Abs(tdpsd(k, st.logMom, st.logWL, st.logSumAbsD2)))
				put(-2 * a * b / (a*a + b*b))
			case kLD:
				put(st.ld)
			case kMAVFD:
				put(st.wlBasic / (fn - 1))
			case kMDF:
				put(st.mdf)
			case kMNF:
				put(st.mnf)
			case kMNP:
				put(st.mnp)
			case kMPK:
				put(st.max)
			case kSKEW:
				put(st.m3 / math.Pow(st.m2, 1.5))
			case kKURT:
				put(st.m4 / (st.m2 * st.m2))
			case kPAP:
				put(math.Sqrt(st.sumSq) / (math.Sqrt(st.sumD2Sq) / math.Sqrt(st.sumD1Sq)))
			case kMZP:
				put(math.Sqrt(st.sumD1Sq / fn))
			case kTM:
				put(st.tm)
			case kSM:
				put(st.sm)
			case kSAMPEN:
				put(st.sampEn)
			case kFUZZYEN:
				put(st.fuzzyEn)
			default:
				panic("features: unhandled kind")
			}
		}
	}
}

// phasor writes RMSPHASOR or WLPHASOR at dst[pos:] and returns the next
// position. Channel c sits at angle 2πc/channels; its magnitude is the RMS
// of x and of Δx (RMSPHASOR) or the waveform length of x and of Δx
// (WLPHASOR).
func (s *Set) phasor(dst []float64, pos int, k kind) int {
	np := s.pairs()
	n := float64(s.windowLen)
	mag := func(c int) (r, rd float64) {
		st := &s.st[c]
		if k == kRMSPHASOR {
			return math.Sqrt(st.sumSq / n), math.Sqrt(st.sumD1Sq / (n - 1))
		}
		return st.wl, st.sumAbsD2
	}
	i := 0
	for a := range s.channels {
		ra, rda := mag(a)
		for b := a + 1; b < s.channels; b++ {
			rb, rdb := mag(b)
			d := math.Hypot(ra*s.cos[a]-rb*s.cos[b], ra*s.sin[a]-rb*s.sin[b])
			dd := math.Hypot(rda*s.cos[a]-rdb*s.cos[b], rda*s.sin[a]-rdb*s.sin[b])
			dst[pos+i] = math.Log(d)
			dst[pos+np+i] = math.Log(d / dd)
			i++
		}
	}
	return pos + 2*np
}
