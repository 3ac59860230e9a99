package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// LinearSVMConfig configures TrainLinearSVM.
type LinearSVMConfig struct {
	// C is the inverse regularisation strength; 0 selects 1.
	C    float64
	Seed uint64
}

// LinearSVM is a one-vs-rest linear support vector machine with the
// squared hinge loss (liblinear's default L2-loss SVM): for each class k,
//
//	min ½‖(w_k, b_k)‖² + C Σ_i max(0, 1 − s_ik (w_k·z_i + b_k))²,  s_ik = ±1,
//
// on standardised features z (the bias is a weight on a constant feature
// 1, as liblinear's -B 1), solved with dual coordinate descent (Hsieh et
// al., 2008) in an order shuffled from Seed. The class is the argmax of the
// decision values f_k; the probabilities are softmax(f/T) with a
// temperature T fitted by minimising the training log-loss (temperature
// scaling; training-set calibration is somewhat over-confident).
type LinearSVM struct {
	sc   scaler
	k, d int
	w    []float64 // K×d
	b    []float64
	temp float64
	z    []float64
}

// TrainLinearSVM fits a one-vs-rest linear SVM.
func TrainLinearSVM(X [][]float64, y []int, cfg LinearSVMConfig) (*LinearSVM, error) {
	d, k, _, err := checkData(X, y)
	if err != nil {
		return nil, err
	}
	c := cfg.C
	if c == 0 {
		c = 1
	}
	if !(c > 0) || math.IsInf(c, 0) {
		return nil, fmt.Errorf("classify: SVM C %v must be positive", cfg.C)
	}
	sc := fitScaler(X)
	Z := sc.transform(X)
	n := len(Z)
	m := &LinearSVM{sc: sc, k: k, d: d, w: make([]float64, k*d), b: make([]float64, k), z: make([]float64, d)}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed1))
	qd := make([]float64, n)
	diag := 1 / (2 * c)
	for i, z := range Z {
		qd[i] = dot(z, z) + 1 + diag
	}
	alpha := make([]float64, n)
	order := make([]int, n)
	for cls := range k {
		w := m.w[cls*d : (cls+1)*d]
		var b float64
		clear(alpha)
		for i := range order {
			order[i] = i
		}
		for range 1000 {
			rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
			pgMax, pgMin := math.Inf(-1), math.Inf(1)
			for _, i := range order {
				si := -1.0
				if y[i] == cls {
					si = 1
				}
				g := si*(dot(w, Z[i])+b) - 1 + diag*alpha[i]
				pg := g
				if alpha[i] == 0 {
					pg = min(g, 0)
				}
				pgMax, pgMin = max(pgMax, pg), min(pgMin, pg)
				if math.Abs(pg) > 1e-12 {
					old := alpha[i]
					alpha[i] = max(alpha[i]-g/qd[i], 0)
					delta := (alpha[i] - old) * si
					for j, v := range Z[i] {
						w[j] += delta * v
					}
					b += delta
				}
			}
			if pgMax-pgMin < 1e-3 {
				break
			}
		}
		m.b[cls] = b
	}
	F := make([][]float64, n)
	for i, z := range Z {
		F[i] = make([]float64, k)
		for cls := range k {
			F[i][cls] = dot(m.w[cls*d:(cls+1)*d], z) + m.b[cls]
		}
	}
	m.temp = fitTemperature(F, y)
	return m, nil
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// fitTemperature returns the T in [1e-3, 1e3] minimising the mean negative
// log-likelihood of softmax(F/T) (golden-section search on ln T).
func fitTemperature(F [][]float64, y []int) float64 {
	p := make([]float64, len(F[0]))
	nll := func(lt float64) float64 {
		t := math.Exp(lt)
		var s float64
		for i, f := range F {
			copy(p, f)
			softmax(p, t)
			s -= math.Log(math.Max(p[y[i]], 1e-300))
		}
		return s
	}
	a, b := math.Log(1e-3), math.Log(1e3)
	g := (math.Sqrt(5) - 1) / 2
	x1, x2 := b-g*(b-a), a+g*(b-a)
	f1, f2 := nll(x1), nll(x2)
	for range 60 {
		if f1 < f2 {
			b, x2, f2 = x2, x1, f1
			x1 = b - g*(b-a)
			f1 = nll(x1)
		} else {
			a, x1, f1 = x1, x2, f2
			x2 = a + g*(b-a)
			f2 = nll(x2)
		}
	}
	return math.Exp((a + b) / 2)
}

// Predict implements Model.
func (m *LinearSVM) Predict(probs, x []float64) int {
	checkPredict(probs, x, m.k, m.d)
	m.sc.apply(m.z, x)
	best, bestV := 0, math.Inf(-1)
	for c := range m.k {
		s := m.b[c] + dot(m.w[c*m.d:(c+1)*m.d:(c+1)*m.d], m.z)
		if probs != nil {
			probs[c] = s
		}
		if s > bestV {
			best, bestV = c, s
		}
	}
	if probs != nil {
		softmax(probs, m.temp)
	}
	return best
}

// Kind implements Model.
func (m *LinearSVM) Kind() Kind { return KindLinearSVM }

// Classes implements Model.
func (m *LinearSVM) Classes() int { return m.k }

// Features implements Model.
func (m *LinearSVM) Features() int { return m.d }

// NumParams implements Model.
func (m *LinearSVM) NumParams() int { return m.k*m.d + m.k + 2*m.d + 1 }

// Network implements Networker: one dense layer of decision values.
func (m *LinearSVM) Network() Network {
	return Network{Mean: m.sc.Mean, InvStd: m.sc.InvStd, Temperature: m.temp,
		Layers: []Layer{{In: m.d, Out: m.k, W: m.w, B: m.b}}}
}

// MarshalBinary implements Model.
func (m *LinearSVM) MarshalBinary() ([]byte, error) {
	e := newEncoder(KindLinearSVM)
	e.u32(m.k)
	e.u32(m.d)
	e.f64(m.temp)
	e.scaler(m.sc)
	e.f64s(m.w)
	e.f64s(m.b)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (m *LinearSVM) UnmarshalBinary(b []byte) error {
	dc := newDecoder(b, KindLinearSVM)
	k, d := dc.dim(), dc.dim()
	t := dc.f64()
	sc := dc.scaler(d)
	w := dc.f64s(dc.prod(8, k, d))
	bias := dc.f64s(k)
	if err := dc.finish(); err != nil {
		return err
	}
	if !(t > 0) {
		return fmt.Errorf("%w: temperature %v", ErrFormat, t)
	}
	*m = LinearSVM{sc: sc, k: k, d: d, w: w, b: bias, temp: t, z: make([]float64, d)}
	return nil
}

// RBFSVMConfig configures TrainRBFSVM.
type RBFSVMConfig struct {
	// C is the box constraint; 0 selects 1.
	C float64
	// Gamma is the kernel width in exp(−γ‖z−z'‖²) on standardised
	// features; 0 selects 1/d.
	Gamma float64
	// MaxSamples caps the training rows (the kernel matrix is n² float32):
	// larger sets are subsampled per class, proportionally and
	// deterministically from Seed. 0 selects 2000.
	MaxSamples int
	// Tol is the SMO stopping tolerance on the KKT violation; 0 selects
	// 1e-3.
	Tol  float64
	Seed uint64
}

// RBFSVM is a one-vs-rest kernel support vector machine with a Gaussian
// (RBF) kernel, each binary problem solved with SMO using LIBSVM's
// second-order working-set selection (Fan, Chen and Lin, 2005). The support
// vectors of all classes are stored once; prediction costs nSV·d
// multiply-adds plus nSV exponentials. Probabilities are softmax(f/T) with
// T fitted on the training decision values, as for LinearSVM.
type RBFSVM struct {
	sc    scaler
	k, d  int
	nsv   int
	gamma float64
	temp  float64
	sv    []float64 // nsv×d standardised support vectors
	coef  []float64 // K×nsv, α_i·s_i
	rho   []float64 // K
	z, kv []float64
}

// TrainRBFSVM fits a one-vs-rest RBF SVM.
func TrainRBFSVM(X [][]float64, y []int, cfg RBFSVMConfig) (*RBFSVM, error) {
	d, k, counts, err := checkData(X, y)
	if err != nil {
		return nil, err
	}
	c, gamma, maxN, tol := cfg.C, cfg.Gamma, cfg.MaxSamples, cfg.Tol
	if c == 0 {
		c = 1
	}
	if gamma == 0 {
		gamma = 1 / float64(d)
	}
	if maxN == 0 {
		maxN = 2000
	}
	if tol == 0 {
		tol = 1e-3
	}
	if !(c > 0) || !(gamma > 0) || !(tol > 0) || maxN < k || math.IsInf(c+gamma+tol, 0) {
		return nil, fmt.Errorf("classify: RBF SVM options C=%v Gamma=%v Tol=%v MaxSamples=%d invalid", c, gamma, tol, maxN)
	}
	sc := fitScaler(X)
	idx := subsample(y, counts, maxN, cfg.Seed)
	n := len(idx)
	Z := make([][]float64, n)
	ys := make([]int, n)
	for i, r := range idx {
		Z[i] = make([]float64, d)
		sc.apply(Z[i], X[r])
		ys[i] = y[r]
	}
	// Kernel matrix, shared by the K binary problems.
	K := make([]float32, n*n)
	for i := range n {
		K[i*n+i] = 1
		for j := range i {
			v := float32(math.Exp(-gamma * sqDist(Z[i], Z[j])))
			K[i*n+j], K[j*n+i] = v, v
		}
	}
	alphas := make([][]float64, k)
	rho := make([]float64, k)
	isSV := make([]bool, n)
	for cls := range k {
		s := make([]float64, n)
		for i := range s {
			s[i] = -1
			if ys[i] == cls {
				s[i] = 1
			}
		}
		alphas[cls], rho[cls] = smo(K, s, c, tol)
		for i, a := range alphas[cls] {
			if a > 0 {
				isSV[i] = true
			}
		}
	}
	m := &RBFSVM{sc: sc, k: k, d: d, gamma: gamma, rho: rho}
	var svIdx []int
	for i, ok := range isSV {
		if ok {
			svIdx = append(svIdx, i)
		}
	}
	m.nsv = len(svIdx)
	if m.nsv == 0 {
		return nil, fmt.Errorf("classify: RBF SVM found no support vectors")
	}
	m.sv = make([]float64, m.nsv*d)
	m.coef = make([]float64, k*m.nsv)
	for j, i := range svIdx {
		copy(m.sv[j*d:], Z[i])
		for cls := range k {
			sign := -1.0
			if ys[i] == cls {
				sign = 1
			}
			m.coef[cls*m.nsv+j] = alphas[cls][i] * sign
		}
	}
	m.alloc()
	// Temperature on the training decision values.
	F := make([][]float64, n)
	for i := range n {
		F[i] = make([]float64, k)
		m.decision(F[i], Z[i])
	}
	m.temp = fitTemperature(F, ys)
	return m, nil
}

// subsample returns row indices, all of them when len(y) ≤ maxN, else a
// per-class proportional random subset (at least one row per class), in
// increasing order.
func subsample(y, counts []int, maxN int, seed uint64) []int {
	n := len(y)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if n <= maxN {
		return idx
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed5))
	rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	quota := make([]int, len(counts))
	for c, cnt := range counts {
		quota[c] = max(1, cnt*maxN/n)
	}
	out := idx[:0:0]
	for _, i := range idx {
		if quota[y[i]] > 0 {
			quota[y[i]]--
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

func sqDist(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		e := v - b[i]
		s += e * e
	}
	return s
}

// smo solves the SVM dual min ½αᵀQα − eᵀα, 0 ≤ α ≤ C, sᵀα = 0, with
// Q_ij = s_i s_j K_ij, as LIBSVM's Solver (WSS 2), and returns α and ρ
// (f(x) = Σ α_i s_i K(x_i, x) − ρ).
func smo(K []float32, s []float64, c, eps float64) ([]float64, float64) {
	const tau = 1e-12
	n := len(s)
	alpha := make([]float64, n)
	G := make([]float64, n)
	for i := range G {
		G[i] = -1
	}
	upper := func(t int) bool { return alpha[t] >= c }
	lower := func(t int) bool { return alpha[t] <= 0 }
	maxIter := max(10_000_000, 100*n)
	for range maxIter {
		// Working set selection.
		gmax, gmax2 := math.Inf(-1), math.Inf(-1)
		i := -1
		for t := range n {
			if s[t] > 0 {
				if !upper(t) && -G[t] >= gmax {
					gmax, i = -G[t], t
				}
			} else if !lower(t) && G[t] >= gmax {
				gmax, i = G[t], t
			}
		}
		if i < 0 {
			break
		}
		Ki := K[i*n : (i+1)*n]
		j, objMin := -1, math.Inf(1)
		for t := range n {
			kit := float64(Ki[t])
			if s[t] > 0 {
				if !lower(t) {
					diff := gmax + G[t]
					gmax2 = max(gmax2, G[t])
					if diff > 0 {
						quad := 2 - 2*kit // K_ii + K_tt − 2K_it, RBF K_ii = 1
						if quad <= 0 {
							quad = tau
						}
						if obj := -diff * diff / quad; obj <= objMin {
							j, objMin = t, obj
						}
					}
				}
			} else if !upper(t) {
				diff := gmax - G[t]
				gmax2 = max(gmax2, -G[t])
				if diff > 0 {
					quad := 2 - 2*kit
					if quad <= 0 {
						quad = tau
					}
					if obj := -diff * diff / quad; obj <= objMin {
						j, objMin = t, obj
					}
				}
			}
		}
		if gmax+gmax2 < eps || j < 0 {
			break
		}
		Kj := K[j*n : (j+1)*n]
		// Two-variable update.
		oi, oj := alpha[i], alpha[j]
		qij := s[i] * s[j] * float64(Ki[j])
		if s[i] != s[j] {
			quad := 2 + 2*qij
			if quad <= 0 {
				quad = tau
			}
			delta := (-G[i] - G[j]) / quad
			diff := alpha[i] - alpha[j]
			alpha[i] += delta
			alpha[j] += delta
			if diff > 0 {
				if alpha[j] < 0 {
					alpha[j], alpha[i] = 0, diff
				}
			} else if alpha[i] < 0 {
				alpha[i], alpha[j] = 0, -diff
			}
			if diff > 0 {
				if alpha[i] > c {
					alpha[i], alpha[j] = c, c-diff
				}
			} else if alpha[j] > c {
				alpha[j], alpha[i] = c, c+diff
			}
		} else {
			quad := 2 - 2*qij
			if quad <= 0 {
				quad = tau
			}
			delta := (G[i] - G[j]) / quad
			sum := alpha[i] + alpha[j]
			alpha[i] -= delta
			alpha[j] += delta
			if sum > c {
				if alpha[i] > c {
					alpha[i], alpha[j] = c, sum-c
				}
			} else if alpha[j] < 0 {
				alpha[j], alpha[i] = 0, sum
			}
			if sum > c {
				if alpha[j] > c {
					alpha[j], alpha[i] = c, sum-c
				}
			} else if alpha[i] < 0 {
				alpha[i], alpha[j] = 0, sum
			}
		}
		di, dj := alpha[i]-oi, alpha[j]-oj
		for t := range n {
			G[t] += s[t] * (s[i]*float64(Ki[t])*di + s[j]*float64(Kj[t])*dj)
		}
	}
	// ρ.
	ub, lb := math.Inf(1), math.Inf(-1)
	var sumFree float64
	nFree := 0
	for t := range n {
		yg := s[t] * G[t]
		switch {
		case upper(t):
			if s[t] < 0 {
				ub = min(ub, yg)
			} else {
				lb = max(lb, yg)
			}
		case lower(t):
			if s[t] > 0 {
				ub = min(ub, yg)
			} else {
				lb = max(lb, yg)
			}
		default:
			nFree++
			sumFree += yg
		}
	}
	rho := (ub + lb) / 2
	if nFree > 0 {
		rho = sumFree / float64(nFree)
	}
	return alpha, rho
}

func (m *RBFSVM) alloc() {
	m.z = make([]float64, m.d)
	m.kv = make([]float64, m.nsv)
}

// decision writes the K decision values of standardised z into f.
func (m *RBFSVM) decision(f, z []float64) {
	d := m.d
	for j := range m.nsv {
		m.kv[j] = math.Exp(-m.gamma * sqDist(m.sv[j*d:(j+1)*d:(j+1)*d], z))
	}
	for c := range m.k {
		f[c] = dot(m.coef[c*m.nsv:(c+1)*m.nsv:(c+1)*m.nsv], m.kv) - m.rho[c]
	}
}

// Predict implements Model.
func (m *RBFSVM) Predict(probs, x []float64) int {
	checkPredict(probs, x, m.k, m.d)
	m.sc.apply(m.z, x)
	d := m.d
	for j := range m.nsv {
		m.kv[j] = math.Exp(-m.gamma * sqDist(m.sv[j*d:(j+1)*d:(j+1)*d], m.z))
	}
	best, bestV := 0, math.Inf(-1)
	for c := range m.k {
		s := dot(m.coef[c*m.nsv:(c+1)*m.nsv:(c+1)*m.nsv], m.kv) - m.rho[c]
		if probs != nil {
			probs[c] = s
		}
		if s > bestV {
			best, bestV = c, s
		}
	}
	if probs != nil {
		softmax(probs, m.temp)
	}
	return best
}

// SupportVectors returns the number of stored support vectors.
func (m *RBFSVM) SupportVectors() int { return m.nsv }

// Kind implements Model.
func (m *RBFSVM) Kind() Kind { return KindRBFSVM }

// Classes implements Model.
func (m *RBFSVM) Classes() int { return m.k }

// Features implements Model.
func (m *RBFSVM) Features() int { return m.d }

// NumParams implements Model.
func (m *RBFSVM) NumParams() int { return m.nsv*m.d + m.k*m.nsv + m.k + 2*m.d + 2 }

// MarshalBinary implements Model.
func (m *RBFSVM) MarshalBinary() ([]byte, error) {
	e := newEncoder(KindRBFSVM)
	e.u32(m.k)
	e.u32(m.d)
	e.u32(m.nsv)
	e.f64(m.gamma)
	e.f64(m.temp)
	e.scaler(m.sc)
	e.f64s(m.sv)
	e.f64s(m.coef)
	e.f64s(m.rho)
	return e.b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (m *RBFSVM) UnmarshalBinary(b []byte) error {
	dc := newDecoder(b, KindRBFSVM)
	k, d, nsv := dc.dim(), dc.dim(), dc.dim()
	gamma, t := dc.f64(), dc.f64()
	sc := dc.scaler(d)
	sv := dc.f64s(dc.prod(8, nsv, d))
	coef := dc.f64s(dc.prod(8, k, nsv))
	rho := dc.f64s(k)
	if err := dc.finish(); err != nil {
		return err
	}
	if !(t > 0) || !(gamma > 0) {
		return fmt.Errorf("%w: RBF SVM gamma %v temperature %v", ErrFormat, gamma, t)
	}
	*m = RBFSVM{sc: sc, k: k, d: d, nsv: nsv, gamma: gamma, temp: t, sv: sv, coef: coef, rho: rho}
	m.alloc()
	return nil
}
