package features

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/dsp/fourier"
)

// need is a bit set of the per-channel quantities a Set must compute.
type need uint32

const (
	nBasic   need = 1 << iota // Σ|x|, Σ|Δx|, ZC, SSC
	nDiff                     // Σx², ΣΔx², ΣΔ²x², Σ|Δx|, Σ|Δ²x|
	nLogDiff                  // nDiff of ln(x²+ε)
	nWAMP
	nMax
	nCentral // mean, central moments 2–4
	nLD
	nMSR
	nTM
	nLS
	nSpec
	nAR
	nAR9
	nCC
	nMAVSLP
	nSampEn
	nFuzzyEn
)

// needs maps a feature to the quantities it reads.
func needs(k kind) need {
	switch k {
	case kMAV, kZC, kSSC, kIAV, kWL, kMFL, kMAVFD:
		return nBasic
	case kRMS, kDASDV, kPAP, kMZP, kRMSPHASOR, kWLPHASOR:
		return nDiff
	case kM0, kM2, kM4, kSPARSI, kIRF, kWLF:
		return nDiff | nLogDiff
	case kWAMP:
		return nWAMP
	case kMPK:
		return nMax
	case kVAR, kSKEW, kKURT:
		return nCentral
	case kLD:
		return nLD
	case kMSR:
		return nMSR
	case kTM:
		return nTM
	case kLS:
		return nLS
	case kMDF, kMNF, kMNP, kSM:
		return nSpec
	case kAR:
		return nAR
	case kAR9:
		return nAR9
	case kCC:
		return nCC
	case kMAVSLP:
		return nMAVSLP
	case kSAMPEN:
		return nSampEn
	case kFUZZYEN:
		return nFuzzyEn
	}
	panic("features: unhandled kind")
}

// chanStats holds the per-channel quantities of one window.
type chanStats struct {
	sumAbs, wlBasic float64 // Σ|x|, Σ|Δx| from the basic pass
	zc, ssc, wamp   int
	sumSq, sumD1Sq  float64    // Σx², ΣΔx²
	sumD2Sq, wl     float64    // Σ(Δ²x)², Σ|Δx|
	sumAbsD2        float64    // Σ|Δ²x|
	mom, logMom     [3]float64 // TD-PSD m0, m2, m4 of x and of ln(x²+ε)
	logWL           float64    // Σ|Δy|, Σ|Δ²y| of y = ln(x²+ε)
	logSumAbsD2     float64
	max             float64
	m2, m3, m4      float64 // biased central moments
	ld, msr, tm, ls float64
	mdf, mnf, mnp   float64
	sm              float64
	sampEn, fuzzyEn float64
}

// Set computes a fixed list of features on windows of a fixed shape.
// Build it once with NewSet; Extract and ExtractSliding then allocate
// nothing. A Set keeps scratch buffers, so it must not be used by several
// goroutines at once.
type Set struct {
	kinds     []kind
	channels  int
	windowLen int
	p         Params
	need      need
	length    int

	st     []chanStats
	ar     []float64 // channels × AROrder
	ar9    []float64 // channels × 9
	cc     []float64 // channels × CCOrder
	ccAR   []float64 // CCOrder AR coefficients of one channel
	mavslp []float64 // channels × (MAVSLPSegments−1)

	// Burg scratch: forward and backward errors, two coefficient buffers.
	fwd, bwd, arA, arB []float64
	// sorted copy (LS), transformed window (TD-PSD), entropy scratch.
	tmp, tmp2 []float64
	// spectrum
	fft  *fourier.FFT
	pad  []float64
	spec []complex128
	// phasor geometry: cos and sin of 2πc/channels.
	cos, sin []float64
	// window headers for ExtractSliding.
	win [][]float64
}

// NewSet returns a Set computing the named features and groups (see
// FeatureNames and GroupNames; case-insensitive; duplicates are dropped,
// keeping the first occurrence) on windows of channels channels of
// windowLen samples, with parameters p (start from DefaultParams).
// It returns an error wrapping ErrUnknownFeature for an unknown name, and an
// error for a shape or parameter that a requested feature cannot use.
func NewSet(names []string, channels, windowLen int, p Params) (*Set, error) {
	kinds, err := expand(names)
	if err != nil {
		return nil, err
	}
	if channels < 1 {
		return nil, fmt.Errorf("features: %d channels, need at least 1", channels)
	}
	if windowLen < 3 {
		return nil, fmt.Errorf("features: window of %d samples, need at least 3", windowLen)
	}
	s := &Set{kinds: kinds, channels: channels, windowLen: windowLen, p: p}
	for _, k := range kinds {
		if err := s.check(k); err != nil {
			return nil, err
		}
		s.need |= needs(k)
		s.length += s.width(k)
	}
	n := windowLen
	s.st = make([]chanStats, channels)
	maxOrder := 0
	if s.need&nAR != 0 {
		s.ar = make([]float64, channels*p.AROrder)
		maxOrder = max(maxOrder, p.AROrder)
	}
	if s.need&nAR9 != 0 {
		s.ar9 = make([]float64, channels*ar9Order)
		maxOrder = max(maxOrder, ar9Order)
	}
	if s.need&nCC != 0 {
		s.cc = make([]float64, channels*p.CCOrder)
		s.ccAR = make([]float64, p.CCOrder)
		maxOrder = max(maxOrder, p.CCOrder)
	}
	if maxOrder > 0 {
		s.fwd = make([]float64, n-1)
		s.bwd = make([]float64, n-1)
		s.arA = make([]float64, maxOrder+1)
		s.arB = make([]float64, maxOrder+1)
	}
	if s.need&nMAVSLP != 0 {
		s.mavslp = make([]float64, channels*(p.MAVSLPSegments-1))
	}
	if s.need&(nLogDiff|nLS|nSampEn|nFuzzyEn) != 0 {
		s.tmp = make([]float64, n)
	}
	if s.need&nFuzzyEn != 0 {
		s.tmp2 = make([]float64, n)
	}
	if s.need&nSpec != 0 {
		nfft := nextPow2(n)
		s.fft = fourier.NewFFT(nfft)
		s.pad = make([]float64, nfft)
		s.spec = make([]complex128, nfft/2+1)
	}
	s.cos = make([]float64, channels)
	s.sin = make([]float64, channels)
	for c := range channels {
		s.sin[c], s.cos[c] = math.Sincos(2 * math.Pi * float64(c) / float64(channels))
	}
	s.win = make([][]float64, channels)
	return s, nil
}

// nextPow2 returns the smallest power of two ≥ n (n ≥ 1).
func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// check validates the parameters feature k uses.
func (s *Set) check(k kind) error {
	p, n := s.p, s.windowLen
	switch k {
	case kSSC:
		if math.IsNaN(p.SSCThreshold) {
			return fmt.Errorf("features: SSC threshold is NaN")
		}
	case kWAMP:
		if math.IsNaN(p.WAMPThreshold) {
			return fmt.Errorf("features: WAMP threshold is NaN")
		}
	case kAR:
		if p.AROrder < 1 || p.AROrder > n-2 {
			return fmt.Errorf("features: AR order %d outside [1, %d] for a %d-sample window", p.AROrder, n-2, n)
		}
	case kAR9:
		if ar9Order > n-2 {
			return fmt.Errorf("features: AR9 needs a window of at least %d samples, got %d", ar9Order+2, n)
		}
	case kCC:
		if p.CCOrder < 1 || p.CCOrder > n-2 {
			return fmt.Errorf("features: CC order %d outside [1, %d] for a %d-sample window", p.CCOrder, n-2, n)
		}
	case kMAVSLP:
		seg := p.MAVSLPSegments
		if seg < 2 {
			return fmt.Errorf("features: MAVSLP needs at least 2 segments, got %d", seg)
		}
		if m := mavslpLen(n, seg); m < 1 || (seg-1)*m >= n {
			return fmt.Errorf("features: %d MAVSLP segments do not fit in a %d-sample window", seg, n)
		}
	case kMDF, kMNF, kSM:
		if !(p.SampleRateHz > 0) || math.IsInf(p.SampleRateHz, 0) {
			return fmt.Errorf("features: sample rate %g Hz, need a positive finite rate", p.SampleRateHz)
		}
		if k == kSM && p.SMOrder < 0 {
			return fmt.Errorf("features: SM order %d is negative", p.SMOrder)
		}
	case kTM:
		if p.TMOrder < 1 {
			return fmt.Errorf("features: TM order %d, need at least 1", p.TMOrder)
		}
	case kSAMPEN:
		if p.SampEnDim < 2 || !(p.SampEnTolerance > 0) {
			return fmt.Errorf("features: SAMPEN needs dimension ≥ 2 and tolerance > 0, got %d and %g", p.SampEnDim, p.SampEnTolerance)
		}
		if n < p.SampEnDim+3 {
			return fmt.Errorf("features: SAMPEN of dimension %d needs at least %d samples, got %d", p.SampEnDim, p.SampEnDim+3, n)
		}
	case kFUZZYEN:
		if p.FuzzyEnDim < 2 || !(p.FuzzyEnTolerance > 0) || p.FuzzyEnWin < 1 {
			return fmt.Errorf("features: FUZZYEN needs dimension ≥ 2, tolerance > 0 and win ≥ 1, got %d, %g and %d",
				p.FuzzyEnDim, p.FuzzyEnTolerance, p.FuzzyEnWin)
		}
		if n < p.FuzzyEnDim+3 {
			return fmt.Errorf("features: FUZZYEN of dimension %d needs at least %d samples, got %d", p.FuzzyEnDim, p.FuzzyEnDim+3, n)
		}
	}
	return nil
}

// mavslpLen returns LibEMG's MAVSLP segment length int(round(n/seg)), with
// Python's round-half-to-even.
func mavslpLen(n, seg int) int {
	return int(math.RoundToEven(float64(n) / float64(seg)))
}

// pairs returns the number of channel pairs i < j.
func (s *Set) pairs() int { return s.channels * (s.channels - 1) / 2 }

// width returns the number of output values of feature k.
func (s *Set) width(k kind) int {
	switch k {
	case kAR:
		return s.channels * s.p.AROrder
	case kAR9:
		return s.channels * ar9Order
	case kCC:
		return s.channels * s.p.CCOrder
	case kMAVSLP:
		return s.channels * (s.p.MAVSLPSegments - 1)
	case kRMSPHASOR, kWLPHASOR:
		return 2 * s.pairs()
	}
	return s.channels
}

// Len returns the number of values Extract writes per window.
func (s *Set) Len() int { return s.length }

// Channels returns the number of channels of a window.
func (s *Set) Channels() int { return s.channels }

// WindowLen returns the number of samples per channel of a window.
func (s *Set) WindowLen() int { return s.windowLen }

// Params returns the parameters the Set was built with.
func (s *Set) Params() Params { return s.p }

// Features returns the features the Set computes, groups expanded, in
// output order.
func (s *Set) Features() []string {
	all := featureNames()
	out := make([]string, len(s.kinds))
	for i, k := range s.kinds {
		out[i] = all[k]
	}
	return out
}

// Names returns the Len column names in output order, LibEMG's layout:
// feature by feature; within a feature channel by channel ("MAV_0" …
// "MAV_7"); multi-valued features channel-major with a 1-based index
// ("AR_0_1" … "AR_0_4", "AR_1_1", …; MAVSLP's index is the slope number);
// RMSPHASOR and WLPHASOR first the log distances of all channel pairs i < j
// ("RMSPHASOR_D_0_1", "RMSPHASOR_D_0_2", …), then the log ratios
// ("RMSPHASOR_DR_0_1", …).
func (s *Set) Names() []string {
	all := featureNames()
	out := make([]string, 0, s.length)
	itoa := strconv.Itoa
	for _, k := range s.kinds {
		name := all[k]
		switch k {
		case kAR, kAR9, kCC, kMAVSLP:
			per := s.width(k) / s.channels
			for c := range s.channels {
				for j := 1; j <= per; j++ {
					out = append(out, name+"_"+itoa(c)+"_"+itoa(j))
				}
			}
		case kRMSPHASOR, kWLPHASOR:
			for _, part := range []string{"_D_", "_DR_"} {
				for i := range s.channels {
					for j := i + 1; j < s.channels; j++ {
						out = append(out, name+part+itoa(i)+"_"+itoa(j))
					}
				}
			}
		default:
			for c := range s.channels {
				out = append(out, name+"_"+itoa(c))
			}
		}
	}
	return out
}

// Extract computes all features of one window and writes them to dst in
// the order of Names. w holds one slice per channel, each WindowLen samples
// long. If dst is nil a new slice of length Len is allocated; otherwise dst
// must have length Len. Extract panics on a wrong shape; it allocates nothing
// when dst is given. Features undefined for the window (e.g. SKEW of a flat
// channel) come out as NaN or ±Inf, as in LibEMG.
func (s *Set) Extract(dst []float64, w [][]float64) []float64 {
	if len(w) != s.channels {
		panic("features: channel count mismatch")
	}
	for _, x := range w {
		if len(x) != s.windowLen {
			panic("features: window length mismatch")
		}
	}
	if dst == nil {
		dst = make([]float64, s.length)
	} else if len(dst) != s.length {
		panic("features: dst length mismatch")
	}
	for c, x := range w {
		s.channelStats(c, x)
	}
	s.write(dst)
	return dst
}

// NumWindows returns the number of windows of windowLen samples, advanced by
// inc samples, that fit in n samples: (n−windowLen)/inc + 1, or 0 when
// n < windowLen. It panics if windowLen or inc is not positive.
func NumWindows(n, windowLen, inc int) int {
	if windowLen < 1 || inc < 1 {
		panic("features: non-positive window length or increment")
	}
	if n < windowLen {
		return 0
	}
	return (n-windowLen)/inc + 1
}

// ExtractSliding computes the features of every window of the planar
// recording x (one slice per channel, all of equal length) and writes them
// row-major to dst: row i holds the features of samples
// [i·inc, i·inc+WindowLen), as LibEMG's get_windows. dst has
// NumWindows(len(x[0]), WindowLen, inc) rows of Len values; nil dst
// allocates, a wrong length panics. It allocates nothing per window.
func (s *Set) ExtractSliding(dst []float64, x [][]float64, inc int) []float64 {
	if len(x) != s.channels {
		panic("features: channel count mismatch")
	}
	n := len(x[0])
	for _, xc := range x {
		if len(xc) != n {
			panic("features: channels of unequal length")
		}
	}
	rows := NumWindows(n, s.windowLen, inc)
	if dst == nil {
		dst = make([]float64, rows*s.length)
	} else if len(dst) != rows*s.length {
		panic("features: dst length mismatch")
	}
	for i := range rows {
		start := i * inc
		for c := range x {
			s.win[c] = x[c][start : start+s.windowLen]
		}
		s.Extract(dst[i*s.length:(i+1)*s.length], s.win)
	}
	clear(s.win)
	return dst
}
