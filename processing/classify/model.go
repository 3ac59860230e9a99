package classify

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// NoDecision is the class reported when no decision is made (rejected or
// not enough evidence), e.g. by Reject.
const NoDecision = -1

// Model is a trained classifier.
//
// Predict returns the predicted class of the feature vector x, whose length
// must be Features() (else Predict panics). When probs is not nil it must
// have length Classes() (else Predict panics) and receives the class
// probabilities, which sum to one. Predict does not allocate and is not safe
// for concurrent use (it writes scratch inside the model).
type Model interface {
	Predict(probs, x []float64) int
	// Kind is the model family.
	Kind() Kind
	// Classes is the number of classes K; classes are 0..K-1.
	Classes() int
	// Features is the length of the input vector x.
	Features() int
	// NumParams is the number of stored numbers (weights, thresholds,
	// support vectors, standardisation) that define the model.
	NumParams() int
	// MarshalBinary encodes the model in the versioned format read by
	// Unmarshal.
	MarshalBinary() ([]byte, error)
}

// Kind names a model family.
type Kind uint8

// Model families. The numeric values are part of the binary format.
const (
	KindLDA Kind = iota + 1
	KindQDA
	KindKNN
	KindLinearSVM
	KindRBFSVM
	KindForest
	KindMLP
	KindCNN
)

var kindNames = [...]string{
	KindLDA:       "lda",
	KindQDA:       "qda",
	KindKNN:       "knn",
	KindLinearSVM: "svm",
	KindRBFSVM:    "rbfsvm",
	KindForest:    "rf",
	KindMLP:       "mlp",
	KindCNN:       "cnn",
}

// String returns the short name of the kind ("lda", "qda", "knn", "svm",
// "rbfsvm", "rf", "mlp", "cnn").
func (k Kind) String() string {
	if k >= KindLDA && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind returns the Kind named s (case-insensitive, as printed by
// Kind.String).
func ParseKind(s string) (Kind, error) {
	for k := KindLDA; int(k) < len(kindNames); k++ {
		if strings.EqualFold(s, kindNames[k]) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("classify: unknown model %q (want one of %s)", s, strings.Join(kindNames[1:], ", "))
}

// Errors returned by the trainers for bad training data. They are wrapped
// with details; test with errors.Is.
var (
	ErrNoData    = errors.New("classify: no training data")
	ErrShape     = errors.New("classify: inconsistent training data shape")
	ErrNotFinite = errors.New("classify: training data contains NaN or Inf")
	ErrLabels    = errors.New("classify: bad labels")
	ErrOneClass  = errors.New("classify: training data has only one class")
)

// Config selects every model family's options for Train. Seed seeds the
// families that use randomness (forest, MLP, CNN, SVM visiting order and
// RBF SVM subsampling) and
// overrides their own Seed fields.
type Config struct {
	Seed      uint64
	LDA       LDAConfig
	QDA       QDAConfig
	KNN       KNNConfig
	LinearSVM LinearSVMConfig
	RBFSVM    RBFSVMConfig
	Forest    ForestConfig
	MLP       MLPConfig
	CNN       CNNConfig
}

// Train fits a model of the given kind to rows X (n × d, raw units) and
// labels y in [0, K). Every class 0..K-1 must occur, K ≥ 2.
func Train(kind Kind, X [][]float64, y []int, cfg Config) (Model, error) {
	switch kind {
	case KindLDA:
		return wrap(TrainLDA(X, y, cfg.LDA))
	case KindQDA:
		return wrap(TrainQDA(X, y, cfg.QDA))
	case KindKNN:
		return wrap(TrainKNN(X, y, cfg.KNN))
	case KindLinearSVM:
		c := cfg.LinearSVM
		c.Seed = cfg.Seed
		return wrap(TrainLinearSVM(X, y, c))
	case KindRBFSVM:
		c := cfg.RBFSVM
		c.Seed = cfg.Seed
		return wrap(TrainRBFSVM(X, y, c))
	case KindForest:
		c := cfg.Forest
		c.Seed = cfg.Seed
		return wrap(TrainForest(X, y, c))
	case KindMLP:
		c := cfg.MLP
		c.Seed = cfg.Seed
		return wrap(TrainMLP(X, y, c))
	case KindCNN:
		c := cfg.CNN
		c.Seed = cfg.Seed
		return wrap(TrainCNN(X, y, c))
	}
	return nil, fmt.Errorf("classify: unknown model kind %d", uint8(kind))
}

// wrap returns a nil Model (not a typed nil) with an error.
func wrap[M Model](m M, err error) (Model, error) {
	if err != nil {
		return nil, err
	}
	return m, nil
}

// checkData validates a training set and returns its feature count d, class
// count K and per-class counts.
func checkData(X [][]float64, y []int) (d, k int, counts []int, err error) {
	d, err = checkX(X)
	if err != nil {
		return 0, 0, nil, err
	}
	if len(y) != len(X) {
		return 0, 0, nil, fmt.Errorf("%w: %d rows but %d labels", ErrShape, len(X), len(y))
	}
	for i, c := range y {
		if c < 0 {
			return 0, 0, nil, fmt.Errorf("%w: label %d of row %d is negative", ErrLabels, c, i)
		}
		if c >= len(X) {
			return 0, 0, nil, fmt.Errorf("%w: label %d of row %d exceeds the number of rows", ErrLabels, c, i)
		}
		k = max(k, c+1)
	}
	counts = make([]int, k)
	for _, c := range y {
		counts[c]++
	}
	if k < 2 {
		return 0, 0, nil, fmt.Errorf("%w (class %d, %d rows)", ErrOneClass, k-1, len(X))
	}
	for c, n := range counts {
		if n == 0 {
			return 0, 0, nil, fmt.Errorf("%w: class %d has no samples (labels must be 0..%d)", ErrLabels, c, k-1)
		}
	}
	return d, k, counts, nil
}

// checkX validates the rows of a feature matrix and returns their length.
func checkX(X [][]float64) (int, error) {
	if len(X) == 0 {
		return 0, ErrNoData
	}
	d := len(X[0])
	if d == 0 {
		return 0, fmt.Errorf("%w: rows have no features", ErrShape)
	}
	for i, row := range X {
		if len(row) != d {
			return 0, fmt.Errorf("%w: row %d has %d features, row 0 has %d", ErrShape, i, len(row), d)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("%w: row %d feature %d is %v", ErrNotFinite, i, j, v)
			}
		}
	}
	return d, nil
}

// scaler standardises features: z = (x − Mean)·InvStd.
type scaler struct {
	Mean, InvStd []float64
}

// fitScaler computes per-column means and inverse standard deviations
// (population); constant columns get InvStd = 1.
func fitScaler(X [][]float64) scaler {
	d := len(X[0])
	s := scaler{Mean: make([]float64, d), InvStd: make([]float64, d)}
	n := float64(len(X))
	for _, row := range X {
		for j, v := range row {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= n
	}
	for _, row := range X {
		for j, v := range row {
			e := v - s.Mean[j]
			s.InvStd[j] += e * e
		}
	}
	for j, ss := range s.InvStd {
		sd := math.Sqrt(ss / n)
		if sd > 1e-12*(1+math.Abs(s.Mean[j])) {
			s.InvStd[j] = 1 / sd
		} else {
			s.InvStd[j] = 1
		}
	}
	return s
}

// apply writes the standardised x into dst.
func (s *scaler) apply(dst, x []float64) {
	_ = dst[len(x)-1]
	for j, v := range x {
		dst[j] = (v - s.Mean[j]) * s.InvStd[j]
	}
}

// transform returns standardised copies of the rows of X.
func (s *scaler) transform(X [][]float64) [][]float64 {
	d := len(s.Mean)
	buf := make([]float64, len(X)*d)
	Z := make([][]float64, len(X))
	for i, row := range X {
		Z[i] = buf[i*d : (i+1)*d : (i+1)*d]
		s.apply(Z[i], row)
	}
	return Z
}

// checkPredict panics on wrong lengths.
func checkPredict(probs, x []float64, k, d int) {
	if len(x) != d {
		panic("classify: x length mismatch")
	}
	if probs != nil && len(probs) != k {
		panic("classify: probs length mismatch")
	}
}

// argmax returns the index of the largest element (the first on ties).
func argmax(v []float64) int {
	best := 0
	for i, x := range v[1:] {
		if x > v[best] {
			best = i + 1
		}
	}
	return best
}

// softmax replaces v by exp(v/t)/Σexp(v/t), computed stably.
func softmax(v []float64, t float64) {
	m := v[argmax(v)]
	var s float64
	for i, x := range v {
		e := math.Exp((x - m) / t)
		v[i] = e
		s += e
	}
	for i := range v {
		v[i] /= s
	}
}

// Softmax writes exp(z/t)/Σexp(z/t) into dst and returns it; a nil dst
// allocates, a dst of another length than z panics. t must be positive.
func Softmax(dst, z []float64, t float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(z))
	}
	if len(dst) != len(z) {
		panic("classify: dst length mismatch")
	}
	copy(dst, z)
	softmax(dst, t)
	return dst
}
