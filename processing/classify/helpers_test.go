package classify_test

import (
	"math"
	"math/rand/v2"

	"myorehab/processing/classify"
)

// blobs draws perClass rows of each of k isotropic unit-variance Gaussian
// classes in d dimensions with means sep·e_c, then scales and offsets every
// feature (as raw EMG features are) so that models must standardise.
func blobs(rng *rand.Rand, k, d, perClass int, sep float64) (X [][]float64, y []int, means [][]float64) {
	means = make([][]float64, k)
	for c := range means {
		means[c] = make([]float64, d)
		means[c][c%d] = sep
	}
	for range perClass {
		for c := range k {
			x := make([]float64, d)
			for j := range x {
				x[j] = means[c][j] + rng.NormFloat64()
			}
			X = append(X, x)
			y = append(y, c)
		}
	}
	for _, x := range X {
		for j := range x {
			x[j] = x[j]*float64(1+10*j) + 100*float64(j)
		}
	}
	return X, y, means
}

// bayes is the accuracy of the optimal rule (nearest true mean, in the
// unscaled space) for blobs.
func bayes(X [][]float64, y []int, means [][]float64) float64 {
	ok := 0
	for i, x := range X {
		best, bestD := 0, math.Inf(1)
		for c, mu := range means {
			var s float64
			for j, v := range x {
				e := (v-100*float64(j))/float64(1+10*j) - mu[j]
				s += e * e
			}
			if s < bestD {
				best, bestD = c, s
			}
		}
		if best == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(X))
}

// xor draws the 2-D XOR problem (corners (±1, ±1), label = sign product)
// with Gaussian noise and two irrelevant noise features.
func xor(rng *rand.Rand, n int) (X [][]float64, y []int) {
	for i := range n {
		a, b := float64(2*(i%2)-1), float64(2*((i/2)%2)-1)
		X = append(X, []float64{a + 0.35*rng.NormFloat64(), b + 0.35*rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()})
		c := 0
		if a*b < 0 {
			c = 1
		}
		y = append(y, c)
	}
	return X, y
}

func accuracy(m classify.Model, X [][]float64, y []int) float64 {
	ok := 0
	for i, x := range X {
		if m.Predict(nil, x) == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(X))
}

// small returns a Config with training sizes suited to unit tests.
func small(seed uint64) classify.Config {
	return classify.Config{
		Seed:   seed,
		Forest: classify.ForestConfig{Trees: 30},
		MLP:    classify.MLPConfig{Hidden: []int{16}, Epochs: 200},
		CNN:    classify.CNNConfig{Channels: 4},
	}
}

var featureKinds = []classify.Kind{
	classify.KindLDA, classify.KindQDA, classify.KindKNN, classify.KindLinearSVM,
	classify.KindRBFSVM, classify.KindForest, classify.KindMLP,
}

// windows draws raw 4-channel windows of length l: class c has a 1.5×
// stronger band-limited oscillation on channel c (c < 4) on top of white
// noise on every channel; class 4 (if k = 5) differs only by the
// oscillation's frequency on channel 0 (high instead of low), same power.
func windows(rng *rand.Rand, k, l, perClass int) (X [][]float64, y []int) {
	const ch = 4
	for range perClass {
		for c := range k {
			x := make([]float64, ch*l)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			target, freq := c%ch, 0.05
			if c == 4 {
				target, freq = 0, 0.3
			}
			ph := rng.Float64() * 2 * math.Pi
			for t := range l {
				x[target*l+t] += 1.5 * math.Sin(2*math.Pi*freq*float64(t)+ph)
			}
			for i := range x {
				x[i] = 50*x[i] + 3 // raw µV-like scale and offset
			}
			X = append(X, x)
			y = append(y, c)
		}
	}
	return X, y
}

// correlated draws two classes in d dimensions whose within-class
// covariance A·Aᵀ is far from spherical (A lower triangular with decaying
// diagonal), means differing by sep along the first axis.
func correlated(rng *rand.Rand, d, perClass int, sep float64) (X [][]float64, y []int) {
	A := make([]float64, d*d)
	r := rand.New(rand.NewPCG(9, 9)) // fixed mixing
	for i := range d {
		for j := 0; j <= i; j++ {
			A[i*d+j] = 0.5 * r.NormFloat64()
		}
		A[i*d+i] = 3 / float64(1+i)
	}
	g := make([]float64, d)
	for range perClass {
		for c := range 2 {
			for j := range g {
				g[j] = rng.NormFloat64()
			}
			x := make([]float64, d)
			for i := range d {
				for j := 0; j <= i; j++ {
					x[i] += A[i*d+j] * g[j]
				}
			}
			x[0] += sep * float64(c)
			X = append(X, x)
			y = append(y, c)
		}
	}
	return X, y
}
