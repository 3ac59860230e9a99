package adapt

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"myorehab/processing/classify"
)

// LDA is a shrinkage linear discriminant built from Stats: on standardised
// features z = (x − m)·s (m, s from the statistics' overall mean and
// standard deviation), with Σ' the standardised pooled covariance shrunk
// toward (tr Σ'/d)·I by λ,
//
//	w_c = Σ'⁻¹ μ_c,  b_c = −½ μ_cᵀ Σ'⁻¹ μ_c + ln π_c,
//
// score_c = w_c·z + b_c and probabilities softmax(score). It decides as
// classify.TrainLDA fitted on the rows the statistics came from.
// Predict does not allocate and is not safe for concurrent use.
type LDA struct {
	k, d   int
	mean   []float64 // standardisation mean m, len d
	inv    []float64 // standardisation 1/sd, len d
	mu     []float64 // K×d standardised class means
	lnPi   []float64 // ln π_c
	prec   []float64 // d×d Σ'⁻¹, row-major
	w      []float64 // K×d
	b      []float64 // K
	z      []float64 // scratch
	lambda float64
}

// NewLDA returns the LDA of statistics s. It fails when the shrunk
// covariance is singular (a ridge of 1e−6 is tried first, as classify
// does).
func NewLDA(s *Stats) (*LDA, error) {
	k, d := s.Classes(), s.Dim()
	if len(s.Mean) != k {
		return nil, fmt.Errorf("%w: %d priors, %d means", ErrShape, k, len(s.Mean))
	}
	m := &LDA{
		k: k, d: d, mean: make([]float64, d), inv: make([]float64, d),
		mu: make([]float64, k*d), lnPi: make([]float64, k), prec: make([]float64, d*d),
		w: make([]float64, k*d), b: make([]float64, k), z: make([]float64, d), lambda: s.Shrinkage,
	}
	for c, mc := range s.Mean {
		if len(mc) != d {
			return nil, fmt.Errorf("%w: class %d mean has %d values, want %d", ErrShape, c, len(mc), d)
		}
		for j, v := range mc {
			m.mean[j] += s.Prior[c] * v
		}
	}
	// Overall variance = within-class + between-class.
	for j := range d {
		v := s.Cov.At(j, j)
		for c, mc := range s.Mean {
			e := mc[j] - m.mean[j]
			v += s.Prior[c] * e * e
		}
		m.inv[j] = invStd(math.Sqrt(v), m.mean[j])
	}
	Sz := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			Sz.SetSym(i, j, s.Cov.At(i, j)*m.inv[i]*m.inv[j])
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(classify.Shrink(Sz, m.lambda)) {
		if !chol.Factorize(classify.Shrink(Sz, 1e-6)) {
			return nil, fmt.Errorf("%w: pooled covariance is singular", ErrData)
		}
	}
	var P mat.SymDense
	if err := chol.InverseTo(&P); err != nil {
		return nil, fmt.Errorf("%w: inverting the pooled covariance: %v", ErrData, err)
	}
	for i := range d {
		for j := range d {
			m.prec[i*d+j] = P.At(i, j)
		}
	}
	wv := mat.NewVecDense(d, nil)
	for c := range k {
		mu := m.mu[c*d : (c+1)*d]
		for j, v := range s.Mean[c] {
			mu[j] = (v - m.mean[j]) * m.inv[j]
		}
		if err := chol.SolveVecTo(wv, mat.NewVecDense(d, mu)); err != nil {
			return nil, fmt.Errorf("%w: LDA solve: %v", ErrData, err)
		}
		copy(m.w[c*d:(c+1)*d], wv.RawVector().Data)
		if !(s.Prior[c] > 0) {
			return nil, fmt.Errorf("%w: class %d has prior %v", ErrData, c, s.Prior[c])
		}
		m.lnPi[c] = math.Log(s.Prior[c])
		m.b[c] = m.bias(c)
	}
	return m, nil
}

// bias returns −½ μ_c·w_c + ln π_c.
func (m *LDA) bias(c int) float64 {
	d := m.d
	mu, w := m.mu[c*d:(c+1)*d:(c+1)*d], m.w[c*d:(c+1)*d:(c+1)*d]
	var s float64
	for j, v := range mu {
		s += v * w[j]
	}
	return -0.5*s + m.lnPi[c]
}

// Predict returns the class of feature vector x (len Features(), raw
// units) and, when probs is not nil (len Classes()), writes the class
// probabilities into it. Wrong lengths panic. It does not allocate.
func (m *LDA) Predict(probs, x []float64) int {
	if len(x) != m.d {
		panic("adapt: x length mismatch")
	}
	if probs != nil && len(probs) != m.k {
		panic("adapt: probs length mismatch")
	}
	for j, v := range x {
		m.z[j] = (v - m.mean[j]) * m.inv[j]
	}
	return m.scores(probs, m.z)
}

// scores returns the argmax of the discriminant scores of standardised z
// and writes their softmax into probs when not nil.
func (m *LDA) scores(probs, z []float64) int {
	d := m.d
	best, bestV := 0, math.Inf(-1)
	for c := range m.k {
		row := m.w[c*d : (c+1)*d : (c+1)*d]
		s := m.b[c]
		for j, v := range z {
			s += row[j] * v
		}
		if probs != nil {
			probs[c] = s
		}
		if s > bestV {
			best, bestV = c, s
		}
	}
	if probs != nil {
		classify.Softmax(probs, probs, 1)
	}
	return best
}

// Classes returns the number of classes K.
func (m *LDA) Classes() int { return m.k }

// Features returns the length d of the feature vectors.
func (m *LDA) Features() int { return m.d }

// Shrinkage returns the shrinkage intensity λ the model was built with.
func (m *LDA) Shrinkage() float64 { return m.lambda }

// Network returns the model's computation as a classify.Network (one dense
// layer on standardised inputs), e.g. for quant.Quantize. The slices alias
// the model.
func (m *LDA) Network() classify.Network {
	return classify.Network{Mean: m.mean, InvStd: m.inv, Temperature: 1,
		Layers: []classify.Layer{{In: m.d, Out: m.k, W: m.w, B: m.b}}}
}

// Clone returns an independent copy of m.
func (m *LDA) Clone() *LDA {
	c := *m
	for _, p := range []*[]float64{&c.mean, &c.inv, &c.mu, &c.lnPi, &c.prec, &c.w, &c.b, &c.z} {
		*p = append([]float64(nil), (*p)...)
	}
	return &c
}

// Classifier returns m as a classify.LDA (the same decisions and
// probabilities), e.g. to run it in a recognition pipeline or store it
// with classify.Marshal. It is a copy: later changes to m (Online) do not
// reach it.
func (m *LDA) Classifier() (*classify.LDA, error) {
	return classify.NewLDAFromNetwork(m.Network(), m.lambda)
}
