package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MLPConfig configures TrainMLP.
type MLPConfig struct {
	// Hidden lists the hidden layer widths (1 or 2 layers are typical);
	// nil selects one layer of 64.
	Hidden []int
	// LearningRate is Adam's step size; 0 selects 1e-3.
	LearningRate float64
	// L2 is the weight decay on weights (not biases); 0 selects 1e-4,
	// negative means none.
	L2 float64
	// Epochs is the maximum number of passes; 0 selects 200.
	Epochs int
	// BatchSize is the mini-batch size; 0 selects 32.
	BatchSize int
	// Patience stops training after this many epochs without a lower
	// validation loss; 0 selects 10.
	Patience int
	// Validation is the stratified fraction held out for early stopping;
	// 0 selects 0.1, negative means none (train on all rows, stop on the
	// training loss).
	Validation float64
	Seed       uint64
}

func (c MLPConfig) opts() (trainOpts, error) {
	o := trainOpts{lr: c.LearningRate, l2: c.L2, epochs: c.Epochs, batch: c.BatchSize, patience: c.Patience, valFrac: c.Validation}
	if o.lr == 0 {
		o.lr = 1e-3
	}
	if o.l2 == 0 {
		o.l2 = 1e-4
	}
	if o.epochs == 0 {
		o.epochs = 200
	}
	if o.batch == 0 {
		o.batch = 32
	}
	if o.patience == 0 {
		o.patience = 10
	}
	if o.valFrac == 0 {
		o.valFrac = 0.1
	}
	o.l2, o.valFrac = max(o.l2, 0), max(o.valFrac, 0)
	if !(o.lr > 0) || o.epochs < 0 || o.batch < 0 || o.patience < 0 || o.valFrac >= 1 || math.IsNaN(o.l2) {
		return o, fmt.Errorf("classify: training options %+v invalid", c)
	}
	return o, nil
}

// MLP is a multilayer perceptron: standardised features, dense layers with
// ReLU, and a softmax output, trained with Adam on the cross-entropy with
// weight decay and early stopping on a stratified validation split
// (He-initialised from Seed). Prediction costs Σ In·Out multiply-adds.
type MLP struct {
	sc     scaler
	k, d   int
	layers []Layer
	acts   [][]float64 // per layer output (pre-activation for backprop)
	deltas [][]float64
	z      []float64
	p      []float64
}

// TrainMLP trains an MLP on hard labels.
func TrainMLP(X [][]float64, y []int, cfg MLPConfig) (*MLP, error) {
	_, k, _, err := checkData(X, y)
	if err != nil {
		return nil, err
	}
	return trainMLP(X, y, oneHot(y, k), 1, cfg)
}

// TrainMLPSoft trains an MLP on target distributions (rows of targets,
// each summing to one, e.g. a teacher's probabilities) at temperature
// temp: the loss is the cross-entropy between the targets and
// softmax(logits/temp), scaled by temp². Used for knowledge distillation;
// the returned model predicts at temperature 1.
func TrainMLPSoft(X [][]float64, targets [][]float64, temp float64, cfg MLPConfig) (*MLP, error) {
	if len(targets) != len(X) {
		return nil, fmt.Errorf("%w: %d rows but %d targets", ErrShape, len(X), len(targets))
	}
	if !(temp > 0) || math.IsInf(temp, 0) {
		return nil, fmt.Errorf("classify: temperature %v must be positive", temp)
	}
	y := make([]int, len(targets))
	k := 0
	if len(targets) > 0 {
		k = len(targets[0])
	}
	for i, t := range targets {
		if len(t) != k || k == 0 {
			return nil, fmt.Errorf("%w: target row %d has %d classes, row 0 has %d", ErrShape, i, len(t), k)
		}
		var s float64
		for _, v := range t {
			if !(v >= 0) || v > 1 {
				return nil, fmt.Errorf("%w: target row %d is not a distribution", ErrLabels, i)
			}
			s += v
		}
		if math.Abs(s-1) > 1e-6 {
			return nil, fmt.Errorf("%w: target row %d sums to %v", ErrLabels, i, s)
		}
		y[i] = argmax(t)
	}
	if _, err := checkX(X); err != nil {
		return nil, err
	}
	if k < 2 {
		return nil, fmt.Errorf("%w: targets have %d classes", ErrOneClass, k)
	}
	return trainMLP(X, y, targets, temp, cfg)
}

func trainMLP(X [][]float64, y []int, T [][]float64, temp float64, cfg MLPConfig) (*MLP, error) {
	o, err := cfg.opts()
	if err != nil {
		return nil, err
	}
	hidden := cfg.Hidden
	if hidden == nil {
		hidden = []int{64}
	}
	for _, h := range hidden {
		if h <= 0 {
			return nil, fmt.Errorf("classify: MLP hidden width %d must be positive", h)
		}
	}
	d, k := len(X[0]), len(T[0])
	sc := fitScaler(X)
	Z := sc.transform(X)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed3))
	m := &MLP{sc: sc, k: k, d: d}
	in := d
	for _, out := range append(append([]int(nil), hidden...), k) {
		l := Layer{In: in, Out: out, W: make([]float64, in*out), B: make([]float64, out)}
		heInit(l.W, in, rng)
		m.layers = append(m.layers, l)
		in = out
	}
	m.alloc()
	trainNet(m, Z, T, y, temp, o, rng)
	return m, nil
}

// FineTune continues training on hard labels with the weights whose keep
// flag is false held at zero (keep[l] has len Out·In of layer l, or is nil
// for a layer without a mask), e.g. after magnitude pruning. The data must
// have the model's classes and features; cfg's training options apply
// (Hidden is ignored).
func (m *MLP) FineTune(X [][]float64, y []int, keep [][]bool, cfg MLPConfig) error {
	d, k, _, err := checkData(X, y)
	if err != nil {
		return err
	}
	if d != m.d || k > m.k {
		return fmt.Errorf("%w: data has %d features and %d classes, model %d and %d", ErrShape, d, k, m.d, m.k)
	}
	if len(keep) > len(m.layers) {
		return fmt.Errorf("classify: %d masks for %d layers", len(keep), len(m.layers))
	}
	o, err := cfg.opts()
	if err != nil {
		return err
	}
	o.keep = make([][]bool, 2*len(m.layers))
	for l, mask := range keep {
		if mask != nil && len(mask) != len(m.layers[l].W) {
			return fmt.Errorf("classify: mask %d has length %d, want %d", l, len(mask), len(m.layers[l].W))
		}
		o.keep[2*l] = mask
	}
	Z := m.sc.transform(X)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed4))
	trainNet(m, Z, oneHot(y, m.k), y, 1, o, rng)
	return nil
}

func (m *MLP) alloc() {
	m.acts = make([][]float64, len(m.layers))
	m.deltas = make([][]float64, len(m.layers))
	for i, l := range m.layers {
		m.acts[i] = make([]float64, l.Out)
		m.deltas[i] = make([]float64, l.Out)
	}
	m.z = make([]float64, m.d)
	m.p = make([]float64, m.k)
}

func (m *MLP) params() ([][]float64, []bool) {
	var p [][]float64
	var decay []bool
	for _, l := range m.layers {
		p = append(p, l.W, l.B)
		decay = append(decay, true, false)
	}
	return p, decay
}

// forward fills acts from standardised z; hidden acts hold ReLU outputs.
func (m *MLP) forward(z []float64) []float64 {
	in := z
	for i, l := range m.layers {
		dense(m.acts[i], l.W, l.B, in)
		if i < len(m.layers)-1 {
			for j, v := range m.acts[i] {
				if v < 0 {
					m.acts[i][j] = 0
				}
			}
		}
		in = m.acts[i]
	}
	return in
}

func (m *MLP) loss(x, t []float64, temp float64) float64 {
	return xent(m.p, m.forward(x), t, temp)
}

func (m *MLP) lossGrad(g [][]float64, x, t []float64, temp float64) float64 {
	logits := m.forward(x)
	loss := xent(m.p, logits, t, temp)
	L := len(m.layers) - 1
	for c := range m.deltas[L] {
		m.deltas[L][c] = (m.p[c] - t[c]) * temp
	}
	for l := L; l >= 0; l-- {
		in := x
		if l > 0 {
			in = m.acts[l-1]
		}
		layer := m.layers[l]
		gw, gb := g[2*l], g[2*l+1]
		for o, dv := range m.deltas[l] {
			if dv == 0 {
				continue
			}
			gb[o] += dv
			row := gw[o*layer.In : (o+1)*layer.In]
			for i, v := range in {
				row[i] += dv * v
			}
		}
		if l == 0 {
			break
		}
		prev := m.deltas[l-1]
		clear(prev)
		for o, dv := range m.deltas[l] {
			if dv == 0 {
				continue
			}
			row := layer.W[o*layer.In : (o+1)*layer.In]
			for i, w := range row {
				prev[i] += w * dv
			}
		}
		for i, a := range m.acts[l-1] {
			if a <= 0 {
				prev[i] = 0
			}
		}
	}
	return loss
}

// Predict implements Model.
func (m *MLP) Predict(probs, x []float64) int {
	checkPredict(probs, x, m.k, m.d)
	m.sc.apply(m.z, x)
	logits := m.forward(m.z)
	best := argmax(logits)
	if probs != nil {
		copy(probs, logits)
		softmax(probs, 1)
	}
	return best
}

// Kind implements Model.
func (m *MLP) Kind() Kind { return KindMLP }

// Classes implements Model.
func (m *MLP) Classes() int { return m.k }

// Features implements Model.
func (m *MLP) Features() int { return m.d }

// NumParams implements Model.
func (m *MLP) NumParams() int {
	n := 2 * m.d
	for _, l := range m.layers {
		n += len(l.W) + len(l.B)
	}
	return n
}

// Network implements Networker.
func (m *MLP) Network() Network {
	return Network{Mean: m.sc.Mean, InvStd: m.sc.InvStd, Layers: m.layers, Temperature: 1}
}

// MarshalBinary implements Model.
func (m *MLP) MarshalBinary() ([]byte, error) {
	e := newEncoder(KindMLP)
	e.u32(m.k)
	e.u32(m.d)
	e.u32(len(m.layers))
	for _, l := range m.layers {
		e.u32(l.Out)
	}
	e.scaler(m.sc)
	for _, l := range m.layers {
		e.f64s(l.W)
		e.f64s(l.B)
	}
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (m *MLP) UnmarshalBinary(b []byte) error {
	dc := newDecoder(b, KindMLP)
	k, d := dc.dim(), dc.dim()
	nl := dc.u32(64)
	outs := make([]int, nl)
	for i := range outs {
		outs[i] = dc.dim()
	}
	sc := dc.scaler(d)
	layers := make([]Layer, nl)
	in := d
	for i, out := range outs {
		layers[i] = Layer{In: in, Out: out, W: dc.f64s(dc.prod(8, in, out)), B: dc.f64s(out)}
		in = out
	}
	if err := dc.finish(); err != nil {
		return err
	}
	if nl == 0 || outs[nl-1] != k {
		return fmt.Errorf("%w: MLP output width does not match %d classes", ErrFormat, k)
	}
	*m = MLP{sc: sc, k: k, d: d, layers: layers}
	m.alloc()
	return nil
}
