package classify

import (
	"fmt"
	"math"
)

// KNNConfig configures TrainKNN.
type KNNConfig struct {
	// K is the number of neighbours; 0 selects 5. It is capped at the
	// number of training rows.
	K int
}

// KNN is a k-nearest-neighbour classifier with Euclidean distance on
// standardised features. The probabilities are the neighbours' class
// fractions; ties go to the class of the nearest tied neighbour. It stores
// the whole training set, and prediction costs n·d multiply-adds.
type KNN struct {
	sc      scaler
	k, d, n int
	nn      int
	data    []float64 // n×d standardised
	labels  []int32
	z       []float64
	bestD   []float64 // nn ascending
	bestC   []int32
	counts  []float64
}

// TrainKNN stores the standardised training set.
func TrainKNN(X [][]float64, y []int, cfg KNNConfig) (*KNN, error) {
	d, k, _, err := checkData(X, y)
	if err != nil {
		return nil, err
	}
	if cfg.K < 0 {
		return nil, fmt.Errorf("classify: KNN K %d is negative", cfg.K)
	}
	nn := cfg.K
	if nn == 0 {
		nn = 5
	}
	nn = min(nn, len(X))
	sc := fitScaler(X)
	m := &KNN{sc: sc, k: k, d: d, n: len(X), nn: nn, data: make([]float64, len(X)*d), labels: make([]int32, len(X))}
	for i, row := range X {
		sc.apply(m.data[i*d:(i+1)*d], row)
		m.labels[i] = int32(y[i])
	}
	m.alloc()
	return m, nil
}

func (m *KNN) alloc() {
	m.z = make([]float64, m.d)
	m.bestD = make([]float64, m.nn)
	m.bestC = make([]int32, m.nn)
	m.counts = make([]float64, m.k)
}

// Predict implements Model.
func (m *KNN) Predict(probs, x []float64) int {
	checkPredict(probs, x, m.k, m.d)
	m.sc.apply(m.z, x)
	for i := range m.bestD {
		m.bestD[i] = math.Inf(1)
		m.bestC[i] = 0
	}
	worst := m.nn - 1
	for i := range m.n {
		row := m.data[i*m.d : (i+1)*m.d : (i+1)*m.d]
		var s float64
		for j, v := range m.z {
			e := row[j] - v
			s += e * e
		}
		if s >= m.bestD[worst] {
			continue
		}
		// Insertion into the sorted list of the nn best.
		p := worst
		for p > 0 && m.bestD[p-1] > s {
			m.bestD[p], m.bestC[p] = m.bestD[p-1], m.bestC[p-1]
			p--
		}
		m.bestD[p], m.bestC[p] = s, m.labels[i]
	}
	for c := range m.counts {
		m.counts[c] = 0
	}
	top := 0.0
	for _, c := range m.bestC {
		m.counts[c]++
		top = max(top, m.counts[c])
	}
	best := int(m.bestC[0])
	for _, c := range m.bestC {
		if m.counts[c] == top {
			best = int(c)
			break
		}
	}
	if probs != nil {
		for c, v := range m.counts {
			probs[c] = v / float64(m.nn)
		}
	}
	return best
}

// Kind implements Model.
func (m *KNN) Kind() Kind { return KindKNN }

// Classes implements Model.
func (m *KNN) Classes() int { return m.k }

// Features implements Model.
func (m *KNN) Features() int { return m.d }

// NumParams implements Model: the stored rows, labels and standardisation.
func (m *KNN) NumParams() int { return m.n*m.d + m.n + 2*m.d }

// MarshalBinary implements Model.
func (m *KNN) MarshalBinary() ([]byte, error) {
	e := newEncoder(KindKNN)
	e.u32(m.k)
	e.u32(m.d)
	e.u32(m.n)
	e.u32(m.nn)
	e.scaler(m.sc)
	e.f64s(m.data)
	e.i32s(m.labels)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (m *KNN) UnmarshalBinary(b []byte) error {
	dc := newDecoder(b, KindKNN)
	k, d, n, nn := dc.dim(), dc.dim(), dc.dim(), dc.dim()
	sc := dc.scaler(d)
	data := dc.f64s(dc.prod(8, n, d))
	labels := dc.i32s(n)
	if err := dc.finish(); err != nil {
		return err
	}
	if nn > n {
		return fmt.Errorf("%w: KNN K %d exceeds %d rows", ErrFormat, nn, n)
	}
	for _, c := range labels {
		if c < 0 || int(c) >= k {
			return fmt.Errorf("%w: KNN label %d outside [0, %d)", ErrFormat, c, k)
		}
	}
	*m = KNN{sc: sc, k: k, d: d, n: n, nn: nn, data: data, labels: labels}
	m.alloc()
	return nil
}
