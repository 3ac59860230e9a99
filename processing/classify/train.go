package classify

import (
	"math"
	"math/rand/v2"
)

// net is a model trained by gradient descent (MLP, CNN).
type net interface {
	// params returns views of the parameter slices and whether each is
	// subject to weight decay.
	params() (p [][]float64, decay []bool)
	// lossGrad adds into g (shaped as params) the gradient of the
	// cross-entropy between target distribution t and softmax(logits/temp),
	// scaled by temp² (Hinton et al., 2015), for one preprocessed input x,
	// and returns the loss.
	lossGrad(g [][]float64, x, t []float64, temp float64) float64
	// loss returns that loss without gradients.
	loss(x, t []float64, temp float64) float64
}

// trainOpts are the gradient-descent options shared by MLP and CNN.
type trainOpts struct {
	lr, l2   float64
	epochs   int
	batch    int
	patience int
	valFrac  float64
	keep     [][]bool // per params slice (nil = all trainable)
}

// trainNet runs mini-batch Adam on inputs Z with target distributions T,
// holding out a stratified valFrac of the rows (by the labels y) for early
// stopping; the parameters with the lowest validation loss are kept. It
// returns the number of epochs run.
func trainNet(n net, Z, T [][]float64, y []int, temp float64, o trainOpts, rng *rand.Rand) int {
	train, val := split(y, o.valFrac, rng)
	if len(val) == 0 {
		val = train
	}
	p, decay := n.params()
	g := make([][]float64, len(p))
	m1 := make([][]float64, len(p))
	m2 := make([][]float64, len(p))
	best := make([][]float64, len(p))
	for i, v := range p {
		g[i] = make([]float64, len(v))
		m1[i] = make([]float64, len(v))
		m2[i] = make([]float64, len(v))
		best[i] = append([]float64(nil), v...)
	}
	applyKeep(p, o.keep)
	valLoss := func() float64 {
		var s float64
		for _, i := range val {
			s += n.loss(Z[i], T[i], temp)
		}
		return s / float64(len(val))
	}
	const b1, b2, eps = 0.9, 0.999, 1e-8
	bestLoss := valLoss()
	step, bad, epoch := 0, 0, 0
	for epoch = 1; epoch <= o.epochs; epoch++ {
		rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
		for start := 0; start < len(train); start += o.batch {
			batch := train[start:min(start+o.batch, len(train))]
			for _, v := range g {
				clear(v)
			}
			for _, i := range batch {
				n.lossGrad(g, Z[i], T[i], temp)
			}
			step++
			c1 := 1 - math.Pow(b1, float64(step))
			c2 := 1 - math.Pow(b2, float64(step))
			inv := 1 / float64(len(batch))
			for s, v := range p {
				for j := range v {
					gr := g[s][j] * inv
					if decay[s] {
						gr += o.l2 * v[j]
					}
					m1[s][j] = b1*m1[s][j] + (1-b1)*gr
					m2[s][j] = b2*m2[s][j] + (1-b2)*gr*gr
					v[j] -= o.lr * (m1[s][j] / c1) / (math.Sqrt(m2[s][j]/c2) + eps)
				}
			}
			applyKeep(p, o.keep)
		}
		l := valLoss()
		if l < bestLoss-1e-6 {
			bestLoss, bad = l, 0
			for i, v := range p {
				copy(best[i], v)
			}
		} else if bad++; bad >= o.patience {
			break
		}
	}
	for i, v := range p {
		copy(v, best[i])
	}
	return min(epoch, o.epochs)
}

// applyKeep zeroes the parameters whose keep flag is false.
func applyKeep(p [][]float64, keep [][]bool) {
	for s, k := range keep {
		if k == nil {
			continue
		}
		for j, ok := range k {
			if !ok {
				p[s][j] = 0
			}
		}
	}
}

// split returns shuffled training and validation row indices, taking
// ⌊frac·n_c⌋ rows of each class c for validation.
func split(y []int, frac float64, rng *rand.Rand) (train, val []int) {
	k := 0
	for _, c := range y {
		k = max(k, c+1)
	}
	byClass := make([][]int, k)
	for i, c := range y {
		byClass[c] = append(byClass[c], i)
	}
	for _, rows := range byClass {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		nv := int(frac * float64(len(rows)))
		val = append(val, rows[:nv]...)
		train = append(train, rows[nv:]...)
	}
	return train, val
}

// oneHot returns the one-hot target rows of y.
func oneHot(y []int, k int) [][]float64 {
	buf := make([]float64, len(y)*k)
	T := make([][]float64, len(y))
	for i, c := range y {
		T[i] = buf[i*k : (i+1)*k : (i+1)*k]
		T[i][c] = 1
	}
	return T
}

// xent returns −Σ t·ln softmax(z/temp) and leaves softmax(z/temp) in p.
func xent(p, z, t []float64, temp float64) float64 {
	copy(p, z)
	softmax(p, temp)
	var l float64
	for c, v := range t {
		if v > 0 {
			l -= v * math.Log(math.Max(p[c], 1e-300))
		}
	}
	return l
}

// heInit fills w with N(0, 2/fanIn) draws.
func heInit(w []float64, fanIn int, rng *rand.Rand) {
	s := math.Sqrt(2 / float64(fanIn))
	for i := range w {
		w[i] = rng.NormFloat64() * s
	}
}
