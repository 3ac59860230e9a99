package adapt

import (
	"errors"
	"fmt"
	"math"
	"myorehab/processing/classify"

	"gonum.org/v1/gonum/mat"
)

// Stats are the sufficient statistics of a shrinkage LDA, in the units of
// the feature rows they were fitted on.
type Stats struct {
	// Prior holds the K class priors (they sum to one).
	Prior []float64
	// Mean holds the K class means, each of length d.
	Mean [][]float64
	// Cov is the d×d pooled within-class covariance, normalised by the
	// number of rows (1/N, as classify.TrainLDA).
	Cov *mat.SymDense
	// Shrinkage is the intensity λ ∈ [0, 1] of the shrinkage toward a
	// scaled identity applied, in standardised space, by NewLDA.
	Shrinkage float64
	// Rows is the number of rows fitted (0 after Mix).
	Rows int
}

// Errors returned for unusable data or arguments; they are wrapped with
// details.
var (
	ErrData  = errors.New("adapt: unusable training data")
	ErrShape = errors.New("adapt: mismatched statistics or bad setting")
)

// Classes returns K.
func (s *Stats) Classes() int { return len(s.Prior) }

// Dim returns d.
func (s *Stats) Dim() int { return s.Cov.SymmetricDim() }

// Fit returns the statistics of rows X (n × d, finite) with labels y in
// [0, k); every class must occur. The shrinkage intensity is the
// Ledoit–Wolf estimate on the within-class centred rows standardised by the
// rows' mean and population standard deviation, as classify.TrainLDA
// computes it.
func Fit(X [][]float64, y []int, k int) (*Stats, error) {
	n := len(X)
	if n == 0 || len(y) != n {
		return nil, fmt.Errorf("%w: %d rows, %d labels", ErrData, n, len(y))
	}
	if k < 2 {
		return nil, fmt.Errorf("%w: %d classes (need at least 2)", ErrData, k)
	}
	d := len(X[0])
	if d == 0 {
		return nil, fmt.Errorf("%w: empty rows", ErrData)
	}
	count := make([]float64, k)
	mean := make([][]float64, k)
	for c := range mean {
		mean[c] = make([]float64, d)
	}
	for i, x := range X {
		if len(x) != d {
			return nil, fmt.Errorf("%w: row %d has %d values, row 0 has %d", ErrData, i, len(x), d)
		}
		c := y[i]
		if c < 0 || c >= k {
			return nil, fmt.Errorf("%w: label %d of row %d outside [0, %d)", ErrData, c, i, k)
		}
		count[c]++
		for j, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: row %d value %d is %v", ErrData, i, j, v)
			}
			mean[c][j] += v
		}
	}
	s := &Stats{Prior: make([]float64, k), Mean: mean, Rows: n}
	for c := range k {
		if count[c] == 0 {
			return nil, fmt.Errorf("%w: class %d has no rows", ErrData, c)
		}
		for j := range mean[c] {
			mean[c][j] /= count[c]
		}
		s.Prior[c] = count[c] / float64(n)
	}
	// Standardisation of the rows (population standard deviation).
	gm := make([]float64, d)
	for _, x := range X {
		for j, v := range x {
			gm[j] += v
		}
	}
	for j := range gm {
		gm[j] /= float64(n)
	}
	ss := make([]float64, d)
	for _, x := range X {
		for j, v := range x {
			e := v - gm[j]
			ss[j] += e * e
		}
	}
	inv := make([]float64, d)
	for j := range inv {
		inv[j] = invStd(math.Sqrt(ss[j]/float64(n)), gm[j])
	}
	// Within-class centred rows, raw and standardised.
	C := mat.NewDense(n, d, nil)
	Cz := mat.NewDense(n, d, nil)
	for i, x := range X {
		mu := mean[y[i]]
		for j, v := range x {
			e := v - mu[j]
			C.Set(i, j, e)
			Cz.Set(i, j, e*inv[j])
		}
	}
	s.Cov = mat.NewSymDense(d, nil)
	s.Cov.SymOuterK(1/float64(n), C.T())
	var Sz mat.SymDense
	Sz.SymOuterK(1/float64(n), Cz.T())
	s.Shrinkage = max(classify.LedoitWolf(Cz, &Sz), 0)
	return s, nil
}

// invStd returns 1/sd, or 1 for a (numerically) constant feature of mean m,
// as classify's standardisation does.
func invStd(sd, m float64) float64 {
	if sd > 1e-12*(1+math.Abs(m)) {
		return 1 / sd
	}
	return 1
}

// Mix returns the convex combination of base and patient statistics: the
// priors and class means with weight alpha on the patient, the pooled
// covariance and the shrinkage intensity with weight beta,
//
//	π = (1−α)·π_b + α·π_p,  μ_c = (1−α)·μ_c,b + α·μ_c,p,
//	Σ = (1−β)·Σ_b + β·Σ_p,  λ = (1−β)·λ_b + β·λ_p.
//
// alpha = beta = 0 gives base's statistics and alpha = beta = 1 patient's,
// bit for bit. Both must be fitted on the same features and classes (else
// ErrShape); alpha and beta must lie in [0, 1].
func Mix(base, patient *Stats, alpha, beta float64) (*Stats, error) {
	if !(alpha >= 0 && alpha <= 1 && beta >= 0 && beta <= 1) {
		return nil, fmt.Errorf("%w: weights α=%v β=%v outside [0, 1]", ErrShape, alpha, beta)
	}
	k, d := base.Classes(), base.Dim()
	if patient.Classes() != k || patient.Dim() != d {
		return nil, fmt.Errorf("%w: base has %d classes × %d features, patient %d × %d", ErrShape, k, d, patient.Classes(), patient.Dim())
	}
	s := &Stats{Prior: make([]float64, k), Mean: make([][]float64, k), Cov: mat.NewSymDense(d, nil)}
	for c := range k {
		s.Prior[c] = (1-alpha)*base.Prior[c] + alpha*patient.Prior[c]
		s.Mean[c] = make([]float64, d)
		for j := range d {
			s.Mean[c][j] = (1-alpha)*base.Mean[c][j] + alpha*patient.Mean[c][j]
		}
	}
	for i := range d {
		for j := i; j < d; j++ {
			s.Cov.SetSym(i, j, (1-beta)*base.Cov.At(i, j)+beta*patient.Cov.At(i, j))
		}
	}
	s.Shrinkage = (1-beta)*base.Shrinkage + beta*patient.Shrinkage
	return s, nil
}
