package wavelet

import "fmt"

// Transform is a preallocated multilevel 'symmetric' wavelet transform for
// inputs of a fixed length: Decompose is pywt.wavedec(x, w, level=L,
// mode='symmetric') and Reconstruct is pywt.waverec(coeffs, w,
// mode='symmetric')[:n]. After NewTransform neither allocates.
//
// Coefficients are in PyWavelets' order: coeffs[0] = cA_L, coeffs[1] = cD_L,
// …, coeffs[L] = cD_1 (finest detail last).
//
// A Transform is not safe for concurrent use.
type Transform struct {
	w     *Wavelet
	n     int
	level int
	lens  []int     // lens[i] = len(coeffs[i])
	bufA  []float64 // scratch approximations, capacity n+1
	bufB  []float64
}

// NewTransform returns a transform of n-sample inputs with wavelet w and
// the given number of levels. Level 0 means MaxLevel(n, w.Len()), as
// pywt.wavedec with level=None. It returns an error if n < 1, level < 0,
// or level > MaxLevel(n, w.Len()) (PyWavelets only warns about the latter;
// such levels are dominated by boundary effects). It panics if w's filters
// are malformed. w is copied.
func NewTransform(w *Wavelet, n, level int) (*Transform, error) {
	w.check()
	if n < 1 {
		return nil, fmt.Errorf("wavelet: input length %d < 1", n)
	}
	f := w.Len()
	maxLevel := MaxLevel(n, f)
	if level == 0 {
		level = maxLevel
	}
	if level < 1 || level > maxLevel {
		return nil, fmt.Errorf("wavelet: level %d outside 1…%d for %d samples with %s", level, maxLevel, n, w.Name)
	}
	t := &Transform{w: w.clone(), n: n, level: level, lens: make([]int, level+1)}
	m := n
	for j := 1; j <= level; j++ {
		m = CoeffLen(m, f)
		t.lens[level-j+1] = m // cD_j
	}
	t.lens[0] = m // cA_L
	t.bufA = make([]float64, n+1)
	t.bufB = make([]float64, n+1)
	return t, nil
}

// Wavelet returns a copy of the transform's wavelet.
func (t *Transform) Wavelet() *Wavelet { return t.w.clone() }

// Len returns the input length n.
func (t *Transform) Len() int { return t.n }

// Level returns the number of levels L.
func (t *Transform) Level() int { return t.level }

// CoeffLens returns the lengths of coeffs[0] … coeffs[L] (cA_L, cD_L, …, cD_1).
func (t *Transform) CoeffLens() []int { return append([]int(nil), t.lens...) }

// NewCoeffs allocates coefficient slices of the right lengths, backed by one
// array.
func (t *Transform) NewCoeffs() [][]float64 {
	total := 0
	for _, l := range t.lens {
		total += l
	}
	buf := make([]float64, total)
	c := make([][]float64, len(t.lens))
	for i, l := range t.lens {
		c[i], buf = buf[:l:l], buf[l:]
	}
	return c
}

// checkCoeffs panics unless c has the transform's shape.
func (t *Transform) checkCoeffs(c [][]float64) {
	if len(c) != len(t.lens) {
		panic("wavelet: coefficient level count mismatch")
	}
	for i, l := range t.lens {
		if len(c[i]) != l {
			panic("wavelet: coefficient length mismatch")
		}
	}
}

// Decompose computes the L-level decomposition of x into dst and returns
// it. If dst is nil it is allocated with NewCoeffs; otherwise it must have
// the shape of CoeffLens or Decompose panics. It panics if len(x) != Len().
func (t *Transform) Decompose(dst [][]float64, x []float64) [][]float64 {
	if len(x) != t.n {
		panic("wavelet: input length mismatch")
	}
	if dst == nil {
		dst = t.NewCoeffs()
	}
	t.checkCoeffs(dst)
	a := x
	for j := 1; j <= t.level; j++ {
		d := dst[t.level-j+1]
		var next []float64
		if j == t.level {
			next = dst[0]
		} else if j%2 == 1 {
			next = t.bufA[:len(d)]
		} else {
			next = t.bufB[:len(d)]
		}
		t.w.DWT(next, d, a)
		a = next
	}
	return dst
}

// Reconstruct inverts a decomposition: it applies the inverse levels from
// coarsest to finest, dropping the last approximation value whenever the
// approximation is one longer than the next detail (pywt.waverec), and
// writes the first Len() samples of the result to dst. The raw waverec
// output has Len() samples for even inputs and may have one more for odd
// ones. If dst is nil a new slice is allocated; otherwise len(dst) must be
// Len(). Reconstruct panics if coeffs does not have the shape of CoeffLens.
// coeffs is not modified.
func (t *Transform) Reconstruct(dst []float64, coeffs [][]float64) []float64 {
	t.checkCoeffs(coeffs)
	if dst == nil {
		dst = make([]float64, t.n)
	}
	if len(dst) != t.n {
		panic("wavelet: destination length mismatch")
	}
	f := t.w.Len()
	a := coeffs[0]
	for i := 1; i <= t.level; i++ {
		d := coeffs[i]
		if len(a) == len(d)+1 {
			a = a[:len(d)]
		}
		out := t.bufA
		if i%2 == 0 {
			out = t.bufB
		}
		out = out[:IDWTLen(len(d), f)]
		t.w.IDWT(out, a, d)
		a = out
	}
	copy(dst, a[:t.n])
	return dst
}
