package classify

import (
	"math"
	"math/rand/v2"
	"testing"
)

// checkGrad compares lossGrad with central differences of loss.
func checkGrad(t *testing.T, n net, x, target []float64, temp float64) {
	t.Helper()
	p, _ := n.params()
	g := make([][]float64, len(p))
	for i, v := range p {
		g[i] = make([]float64, len(v))
	}
	n.lossGrad(g, x, target, temp)
	const h = 1e-6
	for s, v := range p {
		for j := range v {
			old := v[j]
			v[j] = old + h
			lp := n.loss(x, target, temp)
			v[j] = old - h
			lm := n.loss(x, target, temp)
			v[j] = old
			num := (lp - lm) / (2 * h) * temp * temp
			if math.Abs(num-g[s][j]) > 1e-5*(1+math.Abs(num)) {
				t.Fatalf("param %d[%d]: analytic %v, numeric %v", s, j, g[s][j], num)
			}
		}
	}
}

func TestGradients(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	target := []float64{0.2, 0.5, 0.3}
	mlp := &MLP{k: 3, d: 4}
	in := 4
	for _, out := range []int{5, 4, 3} {
		l := Layer{In: in, Out: out, W: make([]float64, in*out), B: make([]float64, out)}
		heInit(l.W, in, rng)
		heInit(l.B, 1, rng)
		mlp.layers = append(mlp.layers, l)
		in = out
	}
	mlp.alloc()
	x := []float64{0.3, -1, 2, 0.5}
	for _, temp := range []float64{1, 3} {
		checkGrad(t, mlp, x, target, temp)
	}
	cnn := &CNN{c: 2, l: 12, f: 3, ks: 3, pool: 3, k: 3}
	cnn.lc = cnn.l - cnn.ks + 1
	cnn.np = cnn.lc / cnn.pool
	cnn.cw, cnn.cb = make([]float64, 3*2*3), make([]float64, 3)
	cnn.dw, cnn.db = make([]float64, 3*3*cnn.np), make([]float64, 3)
	for _, v := range [][]float64{cnn.cw, cnn.cb, cnn.dw, cnn.db} {
		heInit(v, 2, rng)
	}
	cnn.alloc()
	xw := make([]float64, 24)
	for i := range xw {
		xw[i] = rng.NormFloat64()
	}
	checkGrad(t, cnn, xw, target, 2)
}
