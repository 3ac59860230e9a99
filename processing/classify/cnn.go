package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// CNNConfig configures TrainCNN. The training options (LearningRate … Seed)
// have MLPConfig's meaning and defaults, except Epochs (0 selects 60).
type CNNConfig struct {
	// Channels is the number of channels C of each window (required); a
	// row of X holds C·L samples planar (channel c at [c·L, (c+1)·L)).
	Channels int
	// Filters is the number of convolution filters F; 0 selects 8.
	Filters int
	// Kernel is the filter length in samples; 0 selects 9.
	Kernel int
	// Pool is the average-pooling width; 0 selects ⌊(L−Kernel+1)/4⌋ (four
	// pooled values per filter).
	Pool int

	LearningRate float64
	L2           float64
	Epochs       int
	BatchSize    int
	Patience     int
	Validation   float64
	Seed         uint64
}

// CNN is a small 1-D convolutional network over raw multichannel windows:
// per-channel standardisation, a valid convolution of F filters spanning
// all channels (C×Kernel taps each), ReLU, non-overlapping average pooling,
// and a dense softmax layer. Conv → ReLU → average pool acts as a learned
// band-limited envelope per filter. Trained with Adam as MLP.
// Prediction costs F·C·Kernel·(L−Kernel+1) multiply-adds.
type CNN struct {
	c, l, f, ks, pool, k int
	lc, np               int
	mean, inv            []float64 // per channel
	cw, cb               []float64 // F×C×ks, F
	dw, db               []float64 // K×(F·np), K
	zin, conv, pooled    []float64
	logits, p, dpool     []float64
}

// TrainCNN trains a CNN on raw windows X (rows of Channels·L samples).
func TrainCNN(X [][]float64, y []int, cfg CNNConfig) (*CNN, error) {
	d, k, _, err := checkData(X, y)
	if err != nil {
		return nil, err
	}
	if cfg.Channels <= 0 || d%cfg.Channels != 0 {
		return nil, fmt.Errorf("%w: %d samples per row is not a multiple of %d channels", ErrShape, d, cfg.Channels)
	}
	m := &CNN{c: cfg.Channels, l: d / cfg.Channels, f: cfg.Filters, ks: cfg.Kernel, pool: cfg.Pool, k: k}
	if m.f == 0 {
		m.f = 8
	}
	if m.ks == 0 {
		m.ks = 9
	}
	if m.f < 0 || m.ks < 0 || m.pool < 0 || m.ks > m.l {
		return nil, fmt.Errorf("classify: CNN options %+v invalid for windows of %d samples", cfg, m.l)
	}
	m.lc = m.l - m.ks + 1
	if m.pool == 0 {
		m.pool = max(1, m.lc/4)
	}
	if m.pool > m.lc {
		return nil, fmt.Errorf("classify: CNN pool %d exceeds the %d convolution outputs", m.pool, m.lc)
	}
	m.np = m.lc / m.pool
	mc := MLPConfig{LearningRate: cfg.LearningRate, L2: cfg.L2, Epochs: cfg.Epochs, BatchSize: cfg.BatchSize,
		Patience: cfg.Patience, Validation: cfg.Validation}
	if mc.Epochs == 0 {
		mc.Epochs = 100
	}
	if mc.LearningRate == 0 {
		mc.LearningRate = 3e-3
	}
	o, err := mc.opts()
	if err != nil {
		return nil, err
	}
	// Per-channel standardisation.
	m.mean, m.inv = make([]float64, m.c), make([]float64, m.c)
	for ch := range m.c {
		var s, ss float64
		for _, row := range X {
			for _, v := range row[ch*m.l : (ch+1)*m.l] {
				s += v
			}
		}
		cnt := float64(len(X) * m.l)
		mu := s / cnt
		for _, row := range X {
			for _, v := range row[ch*m.l : (ch+1)*m.l] {
				ss += (v - mu) * (v - mu)
			}
		}
		m.mean[ch], m.inv[ch] = mu, 1
		if sd := math.Sqrt(ss / cnt); sd > 1e-12*(1+math.Abs(mu)) {
			m.inv[ch] = 1 / sd
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed6))
	m.cw, m.cb = make([]float64, m.f*m.c*m.ks), make([]float64, m.f)
	m.dw, m.db = make([]float64, k*m.f*m.np), make([]float64, k)
	heInit(m.cw, m.c*m.ks, rng)
	heInit(m.dw, m.f*m.np, rng)
	m.alloc()
	Z := make([][]float64, len(X))
	for i, row := range X {
		Z[i] = make([]float64, d)
		m.standardise(Z[i], row)
	}
	trainNet(m, Z, oneHot(y, k), y, 1, o, rng)
	return m, nil
}

func (m *CNN) alloc() {
	m.zin = make([]float64, m.c*m.l)
	m.conv = make([]float64, m.f*m.lc)
	m.pooled = make([]float64, m.f*m.np)
	m.dpool = make([]float64, m.f*m.np)
	m.logits = make([]float64, m.k)
	m.p = make([]float64, m.k)
}

func (m *CNN) standardise(dst, x []float64) {
	for ch := range m.c {
		mu, inv := m.mean[ch], m.inv[ch]
		for t, v := range x[ch*m.l : (ch+1)*m.l] {
			dst[ch*m.l+t] = (v - mu) * inv
		}
	}
}

// forward computes logits from a standardised window z.
func (m *CNN) forward(z []float64) []float64 {
	for f := range m.f {
		out := m.conv[f*m.lc : (f+1)*m.lc]
		for t := range out {
			out[t] = m.cb[f]
		}
		for ch := range m.c {
			w := m.cw[(f*m.c+ch)*m.ks : (f*m.c+ch+1)*m.ks]
			in := z[ch*m.l : (ch+1)*m.l]
			for j, wj := range w {
				seg := in[j : j+m.lc]
				for t, v := range seg {
					out[t] += wj * v
				}
			}
		}
		inv := 1 / float64(m.pool)
		for q := range m.np {
			var s float64
			for _, v := range out[q*m.pool : (q+1)*m.pool] {
				s += max(v, 0)
			}
			m.pooled[f*m.np+q] = s * inv
		}
	}
	dense(m.logits, m.dw, m.db, m.pooled)
	return m.logits
}

func (m *CNN) params() ([][]float64, []bool) {
	return [][]float64{m.cw, m.cb, m.dw, m.db}, []bool{true, false, true, false}
}

func (m *CNN) loss(x, t []float64, temp float64) float64 {
	return xent(m.p, m.forward(x), t, temp)
}

func (m *CNN) lossGrad(g [][]float64, x, t []float64, temp float64) float64 {
	loss := xent(m.p, m.forward(x), t, temp)
	gcw, gcb, gdw, gdb := g[0], g[1], g[2], g[3]
	n := m.f * m.np
	clear(m.dpool)
	for c := range m.k {
		dv := (m.p[c] - t[c]) * temp
		gdb[c] += dv
		row := gdw[c*n : (c+1)*n]
		wrow := m.dw[c*n : (c+1)*n]
		for i, v := range m.pooled {
			row[i] += dv * v
			m.dpool[i] += dv * wrow[i]
		}
	}
	inv := 1 / float64(m.pool)
	for f := range m.f {
		out := m.conv[f*m.lc : (f+1)*m.lc]
		for t := range m.np * m.pool {
			if out[t] <= 0 {
				continue
			}
			dc := m.dpool[f*m.np+t/m.pool] * inv
			gcb[f] += dc
			for ch := range m.c {
				gw := gcw[(f*m.c+ch)*m.ks : (f*m.c+ch+1)*m.ks]
				in := x[ch*m.l+t : ch*m.l+t+m.ks]
				for j, v := range in {
					gw[j] += dc * v
				}
			}
		}
	}
	return loss
}

// Predict implements Model; x is one raw window of Channels·L samples,
// planar.
func (m *CNN) Predict(probs, x []float64) int {
	checkPredict(probs, x, m.k, m.c*m.l)
	m.standardise(m.zin, x)
	logits := m.forward(m.zin)
	best := argmax(logits)
	if probs != nil {
		copy(probs, logits)
		softmax(probs, 1)
	}
	return best
}

// Kind implements Model.
func (m *CNN) Kind() Kind { return KindCNN }

// Classes implements Model.
func (m *CNN) Classes() int { return m.k }

// Features implements Model: Channels·L samples.
func (m *CNN) Features() int { return m.c * m.l }

// NumParams implements Model.
func (m *CNN) NumParams() int { return len(m.cw) + len(m.cb) + len(m.dw) + len(m.db) + 2*m.c }

// MarshalBinary implements Model.
func (m *CNN) MarshalBinary() ([]byte, error) {
	e := newEncoder(KindCNN)
	for _, v := range []int{m.c, m.l, m.f, m.ks, m.pool, m.k} {
		e.u32(v)
	}
	e.f64s(m.mean)
	e.f64s(m.inv)
	e.f64s(m.cw)
	e.f64s(m.cb)
	e.f64s(m.dw)
	e.f64s(m.db)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (m *CNN) UnmarshalBinary(b []byte) error {
	dc := newDecoder(b, KindCNN)
	c, l, f, ks, pool, k := dc.dim(), dc.dim(), dc.dim(), dc.dim(), dc.dim(), dc.dim()
	if dc.err == nil && (ks > l || pool > l-ks+1) {
		dc.fail("CNN kernel %d / pool %d too long for %d samples", ks, pool, l)
	}
	lc := l - ks + 1
	np := 1
	if pool > 0 {
		np = lc / pool
	}
	mean, inv := dc.f64s(c), dc.f64s(c)
	cw := dc.f64s(dc.prod(8, f, c, ks))
	cb := dc.f64s(f)
	dw := dc.f64s(dc.prod(8, k, f, np))
	db := dc.f64s(k)
	if err := dc.finish(); err != nil {
		return err
	}
	*m = CNN{c: c, l: l, f: f, ks: ks, pool: pool, k: k, lc: lc, np: np, mean: mean, inv: inv, cw: cw, cb: cb, dw: dw, db: db}
	m.alloc()
	return nil
}
