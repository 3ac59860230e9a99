package wavelet

import (
	"fmt"
	"math"
	"slices"
)

// MADScale is the divisor that turns the median absolute value of Gaussian
// noise into its standard deviation (≈ Φ⁻¹(3/4)), as used with
// PyWavelets-based denoising: sigma = median(|cD1|) / 0.6745.
const MADScale = 0.6745

// Rule selects how Denoiser chooses its thresholds.
type Rule int

const (
	// Universal is Donoho–Johnstone's VisuShrink: one threshold
	// sigma·√(2 ln N) for every detail level, N the number of input samples.
	Universal Rule = iota
	// SureShrink is Donoho–Johnstone's (1995) hybrid SURE rule, chosen per
	// detail level from that level's own n_j coefficients x = d/sigma:
	//
	//	t_F = √(2 ln n_j)
	//	if (Σx² − n_j)/n_j ≤ (log2 n_j)^(3/2)/√n_j:  t = t_F   (sparse level)
	//	else: t = argmin_{0 ≤ t ≤ t_F} SURE(t),
	//	      SURE(t) = n_j − 2·#{i: |x_i| ≤ t} + Σ min(|x_i|, t)²
	//
	// The minimum is searched over t = 0 and t = |x_i| ≤ t_F, where it is
	// attained (SURE rises between those points); ties take the smaller t.
	// The level threshold is sigma·t. SURE is the risk of soft
	// thresholding; with Hard the same thresholds are applied.
	SureShrink
)

// String returns "universal" or "sureshrink".
func (r Rule) String() string {
	switch r {
	case Universal:
		return "universal"
	case SureShrink:
		return "sureshrink"
	}
	return fmt.Sprintf("Rule(%d)", int(r))
}

// Mode selects soft or hard thresholding.
type Mode int

const (
	// Soft shrinks: d → sign(d)·max(|d| − t, 0) (pywt.threshold mode 'soft').
	Soft Mode = iota
	// Hard keeps or kills: d → d if |d| ≥ t, else 0 (pywt.threshold mode 'hard').
	Hard
)

// String returns "soft" or "hard".
func (m Mode) String() string {
	switch m {
	case Soft:
		return "soft"
	case Hard:
		return "hard"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// SoftThreshold stores sign(x)·max(|x| − t, 0) of each x in dst and returns
// it. If dst is nil a new slice is allocated; otherwise its length must equal
// len(x) or SoftThreshold panics. dst may be x.
func SoftThreshold(dst, x []float64, t float64) []float64 {
	dst = makeOrCheck(dst, len(x))
	for i, v := range x {
		switch {
		case v > t:
			dst[i] = v - t
		case v < -t:
			dst[i] = v + t
		default:
			dst[i] = 0
		}
	}
	return dst
}

// HardThreshold stores x where |x| ≥ t and 0 elsewhere in dst and returns it.
// If dst is nil a new slice is allocated; otherwise its length must equal
// len(x) or HardThreshold panics. dst may be x.
func HardThreshold(dst, x []float64, t float64) []float64 {
	dst = makeOrCheck(dst, len(x))
	for i, v := range x {
		if math.Abs(v) >= t {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
	return dst
}

func makeOrCheck(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic("wavelet: destination length mismatch")
	}
	return dst
}

// Denoiser removes noise from fixed-length signals by wavelet shrinkage:
//
//	coeffs = wavedec(x, w, level, 'symmetric')
//	sigma  = median(|cD1|) / 0.6745
//	each detail level cD_j is thresholded (Soft or Hard) at the level's
//	threshold from Rule; cA_L is kept
//	y = waverec(coeffs, w, 'symmetric')[:N]
//
// With Universal and Soft this is exactly the reference
// wavelet_denoise_db4_L4_soft_universal case. All buffers are allocated by
// NewDenoiser; Denoise does not allocate. A Denoiser is not safe for
// concurrent use.
type Denoiser struct {
	t       *Transform
	rule    Rule
	mode    Mode
	coeffs  [][]float64
	scratch []float64 // sorting space, len = longest detail level
	sigma   float64
	thr     []float64 // thr[i] for coeffs[i], i ≥ 1
}

// NewDenoiser returns a denoiser for n-sample signals. level follows
// NewTransform (0 = MaxLevel). It returns an error for a bad length, level,
// rule or mode.
func NewDenoiser(w *Wavelet, n, level int, rule Rule, mode Mode) (*Denoiser, error) {
	if rule != Universal && rule != SureShrink {
		return nil, fmt.Errorf("wavelet: unknown threshold rule %d", int(rule))
	}
	if mode != Soft && mode != Hard {
		return nil, fmt.Errorf("wavelet: unknown threshold mode %d", int(mode))
	}
	t, err := NewTransform(w, n, level)
	if err != nil {
		return nil, err
	}
	d := &Denoiser{t: t, rule: rule, mode: mode, coeffs: t.NewCoeffs()}
	longest := 0
	for _, l := range t.lens[1:] {
		longest = max(longest, l)
	}
	d.scratch = make([]float64, longest)
	d.thr = make([]float64, len(t.lens))
	return d, nil
}

// Len returns the signal length N.
func (d *Denoiser) Len() int { return d.t.n }

// Level returns the number of decomposition levels.
func (d *Denoiser) Level() int { return d.t.level }

// Denoise stores the denoised x in dst and returns it. If dst is nil a new
// slice is allocated; otherwise len(dst) must be Len(). It panics if
// len(x) != Len(). dst may be x.
func (d *Denoiser) Denoise(dst, x []float64) []float64 {
	c := d.t.Decompose(d.coeffs, x)
	L := d.t.level
	d.sigma = median(d.scratch[:len(c[L])], c[L]) / MADScale
	for i := 1; i <= L; i++ {
		var thr float64
		switch d.rule {
		case Universal:
			thr = d.sigma * math.Sqrt(2*math.Log(float64(d.t.n)))
		case SureShrink:
			thr = d.sigma * sureShrink(d.scratch[:len(c[i])], c[i], d.sigma)
		}
		d.thr[i] = thr
		if d.mode == Soft {
			SoftThreshold(c[i], c[i], thr)
		} else {
			HardThreshold(c[i], c[i], thr)
		}
	}
	return d.t.Reconstruct(dst, c)
}

// Sigma returns the noise standard deviation estimated by the last Denoise
// call, in the unit of x (0 before the first call).
func (d *Denoiser) Sigma() float64 { return d.sigma }

// Thresholds stores the thresholds of the last Denoise call in dst, one per
// detail level in PyWavelets order (cD_L first, cD_1 last), in the unit of x,
// and returns it. If dst is nil a new slice is allocated; otherwise its
// length must be Level().
func (d *Denoiser) Thresholds(dst []float64) []float64 {
	dst = makeOrCheck(dst, d.t.level)
	copy(dst, d.thr[1:])
	return dst
}

// median returns the median of |x|, using scratch (len(x)) for sorting; the
// median of an even count is the mean of the two middle values, as
// numpy.median. It returns NaN for empty x.
func median(scratch, x []float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	for i, v := range x {
		scratch[i] = math.Abs(v)
	}
	slices.Sort(scratch)
	if n%2 == 1 {
		return scratch[n/2]
	}
	return (scratch[n/2-1] + scratch[n/2]) / 2
}

// sureShrink returns the SureShrink threshold for coefficients x in units of
// sigma (see SureShrink), using scratch (len(x)) for sorting. It returns 0
// when sigma is 0 or not finite, since there is then no noise scale.
func sureShrink(scratch, x []float64, sigma float64) float64 {
	n := len(x)
	if n == 0 || !(sigma > 0) || math.IsInf(sigma, 0) {
		return 0
	}
	nf := float64(n)
	tF := math.Sqrt(2 * math.Log(nf))
	var energy float64
	for i, v := range x {
		z := v / sigma
		scratch[i] = z * z
		energy += z * z
	}
	if (energy-nf)/nf <= math.Pow(math.Log2(nf), 1.5)/math.Sqrt(nf) {
		return tF
	}
	slices.Sort(scratch)
	// SURE at t = sqrt(a_k) (a sorted ascending, k counted from 1):
	// n − 2k + Σ_{i≤k} a_i + (n−k)·a_k. At t = 0 it is n − 2·#zeros, which
	// the a_k = 0 candidates cover; start from n.
	best, bestT2 := nf, 0.0
	var cum float64
	tF2 := tF * tF
	for k, a := range scratch {
		if a > tF2 {
			break
		}
		cum += a
		kk := float64(k + 1)
		if risk := nf - 2*kk + cum + (nf-kk)*a; risk < best {
			best, bestT2 = risk, a
		}
	}
	return math.Sqrt(bestT2)
}
