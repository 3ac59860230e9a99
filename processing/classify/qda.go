package classify

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// QDAConfig configures TrainQDA.
type QDAConfig struct {
	// Reg is the shrinkage α of each class covariance toward a scaled
	// identity, Σ'_k = (1−α)·S_k + α·(tr S_k/d)·I, in [0, 1]. 0 selects
	// 0.1; a negative value means none (which needs more samples per class
	// than features).
	Reg float64
	// UniformPriors uses equal class priors instead of the training class
	// frequencies.
	UniformPriors bool
}

// QDA is regularised quadratic discriminant analysis: on standardised
// features z,
//
//	score_k = −½ ln det Σ'_k − ½ ‖L_k⁻¹ (z − μ_k)‖² + ln π_k,  Σ'_k = L_k L_kᵀ,
//
// and probabilities softmax(score). Prediction costs about K·d²/2
// multiply-adds.
type QDA struct {
	sc     scaler
	k, d   int
	reg    float64
	mu     []float64 // K×d
	linv   []float64 // K×d×d, lower triangular L_k⁻¹ row-major
	offset []float64 // −½ ln det + ln π
	z, e   []float64
}

// TrainQDA fits a QDA to rows X and labels y.
func TrainQDA(X [][]float64, y []int, cfg QDAConfig) (*QDA, error) {
	d, k, counts, err := checkData(X, y)
	if err != nil {
		return nil, err
	}
	if cfg.Reg > 1 || math.IsNaN(cfg.Reg) {
		return nil, fmt.Errorf("classify: QDA Reg %v outside [0, 1]", cfg.Reg)
	}
	alpha := cfg.Reg
	if alpha == 0 {
		alpha = 0.1
	}
	alpha = max(alpha, 0)
	sc := fitScaler(X)
	Z := sc.transform(X)
	means := classMeans(Z, y, k, d)
	m := &QDA{sc: sc, k: k, d: d, reg: alpha, mu: make([]float64, k*d), linv: make([]float64, k*d*d),
		offset: make([]float64, k), z: make([]float64, d), e: make([]float64, d)}
	for c := range k {
		copy(m.mu[c*d:], means[c])
		C := mat.NewDense(counts[c], d, nil)
		r := 0
		for i, z := range Z {
			if y[i] != c {
				continue
			}
			for j, v := range z {
				C.Set(r, j, v-means[c][j])
			}
			r++
		}
		var S mat.SymDense
		S.SymOuterK(1/math.Max(1, float64(counts[c]-1)), C.T())
		var chol mat.Cholesky
		if !chol.Factorize(Shrink(&S, alpha)) {
			if !chol.Factorize(Shrink(&S, math.Max(alpha, 1e-3))) {
				return nil, fmt.Errorf("classify: QDA covariance of class %d is singular (use Reg > 0)", c)
			}
		}
		var L, Linv mat.TriDense
		chol.LTo(&L)
		if err := Linv.InverseTri(&L); err != nil {
			return nil, fmt.Errorf("classify: QDA class %d: %w", c, err)
		}
		for i := range d {
			for j := 0; j <= i; j++ {
				m.linv[c*d*d+i*d+j] = Linv.At(i, j)
			}
		}
		prior := float64(counts[c]) / float64(len(X))
		if cfg.UniformPriors {
			prior = 1 / float64(k)
		}
		m.offset[c] = -0.5*chol.LogDet() + math.Log(prior)
	}
	return m, nil
}

// Predict implements Model.
func (m *QDA) Predict(probs, x []float64) int {
	checkPredict(probs, x, m.k, m.d)
	d := m.d
	m.sc.apply(m.z, x)
	best, bestV := 0, math.Inf(-1)
	for c := range m.k {
		mu := m.mu[c*d : (c+1)*d]
		for j := range d {
			m.e[j] = m.z[j] - mu[j]
		}
		var q float64
		L := m.linv[c*d*d : (c+1)*d*d]
		for i := range d {
			row := L[i*d : i*d+i+1]
			var s float64
			for j, v := range row {
				s += v * m.e[j]
			}
			q += s * s
		}
		s := m.offset[c] - 0.5*q
		if probs != nil {
			probs[c] = s
		}
		if s > bestV {
			best, bestV = c, s
		}
	}
	if probs != nil {
		softmax(probs, 1)
	}
	return best
}

// Kind implements Model.
func (m *QDA) Kind() Kind { return KindQDA }

// Classes implements Model.
func (m *QDA) Classes() int { return m.k }

// Features implements Model.
func (m *QDA) Features() int { return m.d }

// NumParams implements Model: means, triangular factors, offsets and
// standardisation.
func (m *QDA) NumParams() int { return m.k*m.d + m.k*m.d*(m.d+1)/2 + m.k + 2*m.d }

// MarshalBinary implements Model.
func (m *QDA) MarshalBinary() ([]byte, error) {
	e := newEncoder(KindQDA)
	e.u32(m.k)
	e.u32(m.d)
	e.f64(m.reg)
	e.scaler(m.sc)
	e.f64s(m.mu)
	e.f64s(m.linv)
	e.f64s(m.offset)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (m *QDA) UnmarshalBinary(b []byte) error {
	dc := newDecoder(b, KindQDA)
	k, d := dc.dim(), dc.dim()
	reg := dc.f64()
	sc := dc.scaler(d)
	mu := dc.f64s(dc.prod(8, k, d))
	linv := dc.f64s(dc.prod(8, k, d, d))
	off := dc.f64s(k)
	if err := dc.finish(); err != nil {
		return err
	}
	*m = QDA{sc: sc, k: k, d: d, reg: reg, mu: mu, linv: linv, offset: off, z: make([]float64, d), e: make([]float64, d)}
	return nil
}
