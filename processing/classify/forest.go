package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// ForestConfig configures TrainForest.
type ForestConfig struct {
	// Trees is the number of trees; 0 selects 100.
	Trees int
	// MaxDepth limits the depth of each tree; 0 selects 20.
	MaxDepth int
	// MinLeaf is the minimum number of (bootstrap) rows in a leaf; 0
	// selects 1.
	MinLeaf int
	// MaxFeatures is the number of features tried at each split; 0 selects
	// ⌈√d⌉.
	MaxFeatures int
	Seed        uint64
}

// Forest is a random forest of CART trees (Gini impurity), each grown on a
// bootstrap sample with MaxFeatures features drawn at random per split.
// The probabilities are the mean of the trees' leaf class frequencies and
// the class is their argmax. Trees split raw features (they are invariant
// to scaling). Prediction costs one root-to-leaf walk per tree.
type Forest struct {
	k, d  int
	roots []int32
	// Node i is a leaf when feat[i] < 0; then child[i] is the offset of
	// its K class frequencies in leaf. Otherwise x[feat] ≤ thr goes to
	// child[i], else to child[i]+1.
	feat  []int32
	thr   []float64
	child []int32
	leaf  []float64
	acc   []float64
}

type forestBuilder struct {
	X        [][]float64
	y        []int
	k, d     int
	cfg      ForestConfig
	rng      *rand.Rand
	f        *Forest
	features []int
	pairs    []pair
	cntL     []float64
	cntR     []float64
}

type pair struct {
	v float64
	c int
}

// TrainForest grows a random forest.
func TrainForest(X [][]float64, y []int, cfg ForestConfig) (*Forest, error) {
	d, k, _, err := checkData(X, y)
	if err != nil {
		return nil, err
	}
	if cfg.Trees < 0 || cfg.MaxDepth < 0 || cfg.MinLeaf < 0 || cfg.MaxFeatures < 0 || cfg.MaxFeatures > d {
		return nil, fmt.Errorf("classify: forest options %+v invalid for %d features", cfg, d)
	}
	if cfg.Trees == 0 {
		cfg.Trees = 100
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = 20
	}
	if cfg.MinLeaf == 0 {
		cfg.MinLeaf = 1
	}
	if cfg.MaxFeatures == 0 {
		cfg.MaxFeatures = int(math.Ceil(math.Sqrt(float64(d))))
	}
	b := &forestBuilder{X: X, y: y, k: k, d: d, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed2)),
		f: &Forest{k: k, d: d}, features: make([]int, d), pairs: make([]pair, 0, len(X)),
		cntL: make([]float64, k), cntR: make([]float64, k)}
	for j := range b.features {
		b.features[j] = j
	}
	n := len(X)
	idx := make([]int, n)
	for range cfg.Trees {
		for i := range idx {
			idx[i] = b.rng.IntN(n)
		}
		b.f.roots = append(b.f.roots, b.grow(idx, 0))
	}
	b.f.acc = make([]float64, k)
	return b.f, nil
}

// newNode appends count nodes and returns the index of the first.
func (b *forestBuilder) newNodes(count int) int32 {
	i := int32(len(b.f.feat))
	for range count {
		b.f.feat = append(b.f.feat, -1)
		b.f.thr = append(b.f.thr, 0)
		b.f.child = append(b.f.child, 0)
	}
	return i
}

// grow builds the subtree of rows idx and returns its node index.
func (b *forestBuilder) grow(idx []int, depth int) int32 {
	node := b.newNodes(1)
	b.fill(node, idx, depth)
	return node
}

func (b *forestBuilder) fill(node int32, idx []int, depth int) {
	counts := make([]float64, b.k)
	for _, i := range idx {
		counts[b.y[i]]++
	}
	pure := slices.Max(counts) == float64(len(idx))
	if pure || depth >= b.cfg.MaxDepth || len(idx) < 2*b.cfg.MinLeaf {
		b.makeLeaf(node, counts, len(idx))
		return
	}
	feat, thr, ok := b.bestSplit(idx, counts)
	if !ok {
		b.makeLeaf(node, counts, len(idx))
		return
	}
	// Partition idx in place: ≤ thr first.
	p := 0
	for q, i := range idx {
		if b.X[i][feat] <= thr {
			idx[p], idx[q] = idx[q], idx[p]
			p++
		}
	}
	left := b.newNodes(2)
	b.f.feat[node], b.f.thr[node], b.f.child[node] = int32(feat), thr, left
	b.fill(left, idx[:p], depth+1)
	b.fill(left+1, idx[p:], depth+1)
}

func (b *forestBuilder) makeLeaf(node int32, counts []float64, n int) {
	b.f.feat[node] = -1
	b.f.child[node] = int32(len(b.f.leaf))
	for _, c := range counts {
		b.f.leaf = append(b.f.leaf, c/float64(n))
	}
}

// bestSplit searches MaxFeatures random features for the split that
// maximises Σ_c nL_c²/nL + Σ_c nR_c²/nR (the Gini decrease).
func (b *forestBuilder) bestSplit(idx []int, total []float64) (feat int, thr float64, ok bool) {
	minLeaf := b.cfg.MinLeaf
	best := -1.0
	var parent float64
	for _, c := range total {
		parent += c * c
	}
	parent /= float64(len(idx))
	// Partial Fisher–Yates: the first MaxFeatures entries are the draw.
	for t := range b.cfg.MaxFeatures {
		r := t + b.rng.IntN(b.d-t)
		b.features[t], b.features[r] = b.features[r], b.features[t]
	}
	for _, j := range b.features[:b.cfg.MaxFeatures] {
		b.pairs = b.pairs[:0]
		for _, i := range idx {
			b.pairs = append(b.pairs, pair{b.X[i][j], b.y[i]})
		}
		slices.SortFunc(b.pairs, func(p, q pair) int {
			switch {
			case p.v < q.v:
				return -1
			case p.v > q.v:
				return 1
			}
			return p.c - q.c
		})
		clear(b.cntL)
		copy(b.cntR, total)
		var sL, sR float64 // Σ counts²
		for _, c := range total {
			sR += c * c
		}
		n := len(b.pairs)
		for p := 0; p < n-1; p++ {
			c := b.pairs[p].c
			sL += 2*b.cntL[c] + 1
			b.cntL[c]++
			sR -= 2*b.cntR[c] - 1
			b.cntR[c]--
			nl := p + 1
			if b.pairs[p].v == b.pairs[p+1].v || nl < minLeaf || n-nl < minLeaf {
				continue
			}
			score := sL/float64(nl) + sR/float64(n-nl)
			if score > best+1e-12 {
				best, feat, ok = score, j, true
				thr = b.pairs[p].v + (b.pairs[p+1].v-b.pairs[p].v)/2
				if thr >= b.pairs[p+1].v { // rounding between adjacent floats
					thr = b.pairs[p].v
				}
			}
		}
	}
	if ok && best <= parent+1e-12 {
		ok = false
	}
	return feat, thr, ok
}

// Predict implements Model.
func (m *Forest) Predict(probs, x []float64) int {
	checkPredict(probs, x, m.k, m.d)
	clear(m.acc)
	for _, n := range m.roots {
		for m.feat[n] >= 0 {
			c := m.child[n]
			if x[m.feat[n]] > m.thr[n] {
				c++
			}
			n = c
		}
		leaf := m.leaf[m.child[n] : int(m.child[n])+m.k]
		for c, v := range leaf {
			m.acc[c] += v
		}
	}
	best := argmax(m.acc)
	if probs != nil {
		inv := 1 / float64(len(m.roots))
		for c, v := range m.acc {
			probs[c] = v * inv
		}
	}
	return best
}

// Nodes returns the total number of nodes of all trees.
func (m *Forest) Nodes() int { return len(m.feat) }

// Kind implements Model.
func (m *Forest) Kind() Kind { return KindForest }

// Classes implements Model.
func (m *Forest) Classes() int { return m.k }

// Features implements Model.
func (m *Forest) Features() int { return m.d }

// NumParams implements Model: three numbers per node plus the leaf class
// frequencies.
func (m *Forest) NumParams() int { return 3*len(m.feat) + len(m.leaf) }

// MarshalBinary implements Model.
func (m *Forest) MarshalBinary() ([]byte, error) {
	e := newEncoder(KindForest)
	e.u32(m.k)
	e.u32(m.d)
	e.i32s(m.roots)
	e.i32s(m.feat)
	e.f64s(m.thr)
	e.i32s(m.child)
	e.f64s(m.leaf)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote and checks that every
// tree is well formed (indices in range, children after their parent, so
// that prediction terminates).
func (m *Forest) UnmarshalBinary(b []byte) error {
	dc := newDecoder(b, KindForest)
	k, d := dc.dim(), dc.dim()
	roots := dc.i32s(-1)
	feat := dc.i32s(-1)
	nr, nn := len(roots), len(feat)
	thr := dc.f64s(nn)
	child := dc.i32s(nn)
	leaf := dc.f64s(-1)
	nl := len(leaf)
	if err := dc.finish(); err != nil {
		return err
	}
	if nr == 0 {
		return fmt.Errorf("%w: forest has no trees", ErrFormat)
	}
	for _, r := range roots {
		if r < 0 || int(r) >= nn {
			return fmt.Errorf("%w: forest root %d out of range", ErrFormat, r)
		}
	}
	for i, f := range feat {
		c := int(child[i])
		switch {
		case f < 0:
			if c < 0 || c+k > nl {
				return fmt.Errorf("%w: forest leaf %d out of range", ErrFormat, i)
			}
		case int(f) >= d || c <= i || c+1 >= nn:
			return fmt.Errorf("%w: forest node %d malformed", ErrFormat, i)
		}
	}
	*m = Forest{k: k, d: d, roots: roots, feat: feat, thr: thr, child: child, leaf: leaf, acc: make([]float64, k)}
	return nil
}
