package kalman

import (
	"fmt"
	"math"

	"myorehab/acquisition"
)

// Model is the state model of a Filter.
type Model int

const (
	// RandomWalk: x[n] = x[n−1] + w, var(w) = Q.
	RandomWalk Model = iota
	// ConstantVelocity: state (x, v), x[n] = x[n−1] + v[n−1] + w/2,
	// v[n] = v[n−1] + w, var(w) = Q (piecewise-constant white acceleration
	// with a step of one sample).
	ConstantVelocity
)

// String returns "random-walk" or "constant-velocity".
func (m Model) String() string {
	switch m {
	case RandomWalk:
		return "random-walk"
	case ConstantVelocity:
		return "constant-velocity"
	}
	return fmt.Sprintf("Model(%d)", int(m))
}

// Params configures a Filter.
type Params struct {
	// Model is the state model.
	Model Model
	// Q is the process noise variance per sample, in signal units²: for
	// RandomWalk the variance of the level's change from one sample to the
	// next; for ConstantVelocity the variance of the rate's change per
	// sample ((signal units per sample)²). Q > 0.
	Q float64
	// R is the measurement noise variance in signal units², R > 0.
	R float64
}

func (p Params) check() error {
	if p.Model != RandomWalk && p.Model != ConstantVelocity {
		return fmt.Errorf("kalman: unknown model %d", int(p.Model))
	}
	if !(p.Q > 0) || math.IsInf(p.Q, 0) || !(p.R > 0) || math.IsInf(p.R, 0) {
		return fmt.Errorf("kalman: Q = %v and R = %v must be positive and finite", p.Q, p.R)
	}
	return nil
}

// SteadyStateGain returns the limit of the random-walk filter's gain,
//
//	P = (Q + √(Q² + 4QR)) / 2   (prior variance)
//	K = P / (P + R)
//
// so that the settled filter is y[n] = y[n−1] + K·(z[n] − y[n−1]).
func SteadyStateGain(q, r float64) float64 {
	p := (q + math.Sqrt(q*q+4*q*r)) / 2
	return p / (p + r)
}

// Filter is a streaming scalar Kalman filter. The first measurement
// initialises the state: level z, rate 0, covariance diag(R, R). A NaN
// measurement (a missing decision) only advances the prediction. A Filter
// does not allocate except in Smooth, and is not safe for concurrent use.
type Filter struct {
	p    Params
	init bool
	x, v float64      // level, rate per sample
	pxx  float64      // covariance: level
	pxv  float64      // covariance: level–rate
	pvv  float64      // covariance: rate
	st   [][5]float64 // Smooth scratch
}

// NewFilter returns a Filter with parameters p, or an error if Q or R is
// not positive and finite or the model is unknown.
func NewFilter(p Params) (*Filter, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return &Filter{p: p}, nil
}

// Params returns the filter's parameters.
func (f *Filter) Params() Params { return f.p }

// Reset forgets the state; the next measurement initialises it again.
func (f *Filter) Reset() { f.init = false }

// State returns the current level estimate, its rate per sample (0 for
// RandomWalk) and the level's variance (signal units²). Before the first
// measurement it returns NaNs.
func (f *Filter) State() (level, rate, variance float64) {
	if !f.init {
		return math.NaN(), math.NaN(), math.NaN()
	}
	return f.x, f.v, f.pxx
}

// Update folds in the measurement z and returns the new level estimate.
func (f *Filter) Update(z float64) float64 {
	if !f.init {
		if math.IsNaN(z) {
			return math.NaN()
		}
		f.init = true
		f.x, f.v = z, 0
		f.pxx, f.pxv, f.pvv = f.p.R, 0, 0
		if f.p.Model == ConstantVelocity {
			f.pvv = f.p.R
		}
		return z
	}
	f.predict()
	if !math.IsNaN(z) {
		f.correct(z)
	}
	return f.x
}

// predict advances the state by one sample.
func (f *Filter) predict() {
	q := f.p.Q
	if f.p.Model == RandomWalk {
		f.pxx += q
		return
	}
	// F = [[1,1],[0,1]], Q = q·[[1/4,1/2],[1/2,1]].
	f.x += f.v
	pxx := f.pxx + 2*f.pxv + f.pvv + q/4
	pxv := f.pxv + f.pvv + q/2
	f.pxx, f.pxv, f.pvv = pxx, pxv, f.pvv+q
}

// correct folds in measurement z (H = [1, 0]).
func (f *Filter) correct(z float64) {
	s := f.pxx + f.p.R
	kx, kv := f.pxx/s, f.pxv/s
	e := z - f.x
	f.x += kx * e
	f.v += kv * e
	pxx, pxv := f.pxx, f.pxv
	f.pxx = pxx - kx*pxx
	f.pxv = pxv - kx*pxv
	f.pvv -= kv * pxv
}

// Filter runs Update over src in order and stores the level estimates in
// dst, which it returns. If dst is nil a new slice is allocated; otherwise
// it must have len(src) or Filter panics. dst may be src. It continues from
// the current state.
func (f *Filter) Filter(dst, src []float64) []float64 {
	dst = makeOrCheck(dst, len(src))
	for i, z := range src {
		dst[i] = f.Update(z)
	}
	return dst
}

// Smooth resets the filter, runs it forward over z and then the
// Rauch–Tung–Striebel backward pass, and stores the smoothed levels (the
// estimates given all of z) in dst, which it returns. nil dst allocates; a
// wrong length panics; dst may be z. Smooth keeps scratch of len(z) states
// in the Filter (it allocates when z is longer than any earlier call). The
// filter is left reset.
func (f *Filter) Smooth(dst, z []float64) []float64 {
	dst = makeOrCheck(dst, len(z))
	n := len(z)
	if cap(f.st) < n {
		f.st = make([][5]float64, n)
	}
	// Filtered state and covariance per sample: x, v, pxx, pxv, pvv.
	st := f.st[:n]
	f.Reset()
	for i, zi := range z {
		f.Update(zi)
		st[i] = [5]float64{f.x, f.v, f.pxx, f.pxv, f.pvv}
	}
	f.Reset()
	first := 0
	for first < n && math.IsNaN(z[first]) {
		first++
	}
	for i := range first {
		dst[i] = math.NaN() // no estimate before the first measurement
	}
	if first == n {
		return dst
	}
	// Backward pass from the last filtered state.
	sx, sv := st[n-1][0], st[n-1][1]
	sxx, sxv, svv := st[n-1][2], st[n-1][3], st[n-1][4]
	dst[n-1] = sx
	q := f.p.Q
	for i := n - 2; i >= first; i-- {
		x, v, pxx, pxv, pvv := st[i][0], st[i][1], st[i][2], st[i][3], st[i][4]
		if f.p.Model == RandomWalk {
			pp := pxx + q // prior variance of i+1
			c := pxx / pp
			sx = x + c*(sx-x)
			sxx = pxx + c*c*(sxx-pp)
			dst[i] = sx
			continue
		}
		// Prior of i+1: m = F·[x,v], P⁻ = F·P·Fᵀ + Q.
		mx, mv := x+v, v
		axx := pxx + 2*pxv + pvv + q/4
		axv := pxv + pvv + q/2
		avv := pvv + q
		// C = P·Fᵀ·(P⁻)⁻¹ with P·Fᵀ = [[pxx+pxv, pxv],[pxv+pvv, pvv]].
		det := axx*avv - axv*axv
		ixx, ixv, ivv := avv/det, -axv/det, axx/det
		b00, b01, b10, b11 := pxx+pxv, pxv, pxv+pvv, pvv
		c00 := b00*ixx + b01*ixv
		c01 := b00*ixv + b01*ivv
		c10 := b10*ixx + b11*ixv
		c11 := b10*ixv + b11*ivv
		dx, dv := sx-mx, sv-mv
		// P_s = P + C·(P_s,next − P⁻)·Cᵀ.
		exx, exv, evv := sxx-axx, sxv-axv, svv-avv
		t00 := c00*exx + c01*exv
		t01 := c00*exv + c01*evv
		t10 := c10*exx + c11*exv
		t11 := c10*exv + c11*evv
		sxx = pxx + t00*c00 + t01*c01
		sxv = pxv + t00*c10 + t01*c11
		svv = pvv + t10*c10 + t11*c11
		sx, sv = x+c00*dx+c01*dv, v+c10*dx+c11*dv
		dst[i] = sx
	}
	return dst
}

func makeOrCheck(dst []float64, n int) []float64 {
	if dst == nil {
		return make([]float64, n)
	}
	if len(dst) != n {
		panic("kalman: dst length mismatch")
	}
	return dst
}

// Bank is one Filter per channel of a stream, a processing Stage: Process
// smooths every channel of a Block; it does not allocate.
type Bank struct {
	f []Filter
}

// NewBank returns a Bank of channels filters with parameters p, or an error
// for invalid p. It panics if channels < 1.
func NewBank(channels int, p Params) (*Bank, error) {
	if channels < 1 {
		panic("kalman: non-positive channel count")
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	b := &Bank{f: make([]Filter, channels)}
	for c := range b.f {
		b.f[c].p = p
	}
	return b, nil
}

// Channel returns the filter of channel c (for State).
func (b *Bank) Channel(c int) *Filter { return &b.f[c] }

// Process smooths every channel of src into dst (dst may be src) and copies
// Start, Len and Received. It panics if the channel counts differ from the
// Bank's or src.Len > dst.Cap.
func (b *Bank) Process(dst, src *acquisition.Block) {
	if src.Channels != len(b.f) || dst.Channels != len(b.f) {
		panic("kalman: block channel count mismatch")
	}
	if src.Len > dst.Cap {
		panic("kalman: dst block too small")
	}
	dst.Start, dst.Len, dst.Received = src.Start, src.Len, src.Received
	for c := range b.f {
		b.f[c].Filter(dst.Data[c*dst.Cap:c*dst.Cap+src.Len], src.Chan(c))
	}
}

// Reset resets every channel's filter.
func (b *Bank) Reset() {
	for c := range b.f {
		b.f[c].Reset()
	}
}
