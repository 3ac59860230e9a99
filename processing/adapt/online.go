package adapt

import (
	"fmt"
	"math"
)

// OnlineConfig configures Online.
type OnlineConfig struct {
	// Threshold is the top class probability a window needs for its
	// decision to update the model, in (0, 1].
	Threshold float64
	// Prior is the weight of each starting class mean, in windows (> 0):
	// after m confident windows of class c its mean is
	//
	//	μ_c = (Prior·μ_c,0 + Σ z_i) / (Prior + m).
	Prior float64
	// MaxCount, when > 0 (and ≥ Prior), stops the count growing beyond it,
	// so that from then on each update moves the mean by 1/MaxCount of
	// the distance (exponential forgetting, which follows slow drift).
	// 0 means no cap.
	MaxCount float64
}

// validate checks the settings.
func (cfg OnlineConfig) validate() error {
	if !(cfg.Threshold > 0 && cfg.Threshold <= 1) {
		return fmt.Errorf("%w: online threshold %v outside (0, 1]", ErrShape, cfg.Threshold)
	}
	if !(cfg.Prior > 0) || math.IsInf(cfg.Prior, 0) {
		return fmt.Errorf("%w: online prior %v windows, want > 0", ErrShape, cfg.Prior)
	}
	if cfg.MaxCount != 0 && !(cfg.MaxCount >= cfg.Prior) || math.IsInf(cfg.MaxCount, 0) {
		return fmt.Errorf("%w: online cap %v below the prior %v", ErrShape, cfg.MaxCount, cfg.Prior)
	}
	return nil
}

// Online is an LDA adapted during use by unsupervised self-training: each
// window whose top class probability reaches the threshold moves the mean
// of its decided class toward the window's standardised features and that
// class's discriminant (w_c, b_c) is recomputed with the fixed precision
// Σ'⁻¹, in O(d²) operations. The standardisation, covariance and priors
// stay those of the starting model. Observe does not allocate; Online is
// not safe for concurrent use.
type Online struct {
	m       *LDA
	cfg     OnlineConfig
	n       []float64
	probs   []float64
	updates int
}

// NewOnline returns an Online starting from a copy of m.
func NewOnline(m *LDA, cfg OnlineConfig) (*Online, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	o := &Online{m: m.Clone(), cfg: cfg, n: make([]float64, m.k), probs: make([]float64, m.k)}
	for c := range o.n {
		o.n[c] = cfg.Prior
	}
	return o, nil
}

// Observe classifies x (raw units, len Features()) with the current model,
// writes the probabilities into probs when not nil (len Classes()), and
// then, when the top probability reaches the threshold, updates the decided
// class. It returns the decision (made before the update) and whether the
// model was updated. It does not allocate.
func (o *Online) Observe(probs, x []float64) (class int, updated bool) {
	class = o.m.Predict(o.probs, x)
	if probs != nil {
		if len(probs) != len(o.probs) {
			panic("adapt: probs length mismatch")
		}
		copy(probs, o.probs)
	}
	if o.probs[class] < o.cfg.Threshold {
		return class, false
	}
	o.update(class, o.m.z)
	return class, true
}

// update moves class c's mean toward standardised z and refreshes w_c, b_c.
func (o *Online) update(c int, z []float64) {
	m, d := o.m, o.m.d
	n := o.n[c] + 1
	if o.cfg.MaxCount > 0 {
		n = min(n, o.cfg.MaxCount)
	}
	o.n[c] = n
	mu := m.mu[c*d : (c+1)*d : (c+1)*d]
	for j, v := range z {
		mu[j] += (v - mu[j]) / n
	}
	w := m.w[c*d : (c+1)*d : (c+1)*d]
	for i := range w {
		row := m.prec[i*d : (i+1)*d : (i+1)*d]
		var s float64
		for j, v := range mu {
			s += row[j] * v
		}
		w[i] = s
	}
	m.b[c] = m.bias(c)
	o.updates++
}

// Predict classifies x with the current model without updating it.
func (o *Online) Predict(probs, x []float64) int { return o.m.Predict(probs, x) }

// Updates returns the number of updates made so far.
func (o *Online) Updates() int { return o.updates }

// Model returns the current model (shared: it changes with later updates).
func (o *Online) Model() *LDA { return o.m }

// Mean writes class c's current mean in raw feature units into dst (nil
// allocates; a wrong length panics) and returns it.
func (o *Online) Mean(dst []float64, c int) []float64 {
	m, d := o.m, o.m.d
	if dst == nil {
		dst = make([]float64, d)
	}
	if len(dst) != d {
		panic("adapt: dst length mismatch")
	}
	for j, v := range m.mu[c*d : (c+1)*d] {
		dst[j] = v/m.inv[j] + m.mean[j]
	}
	return dst
}
