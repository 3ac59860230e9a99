package features

import (
	"math"
	"slices"
)

// Stream computes the features of a Set on the latest window of a stream,
// sharing the work between overlapping windows. Samples arrive with Append
// (any number at a time); Extract writes the features of the last
// WindowLen samples, exactly as Set.Extract would on that window up to the
// rounding of the sums (the counts ZC, SSC and WAMP, and LS, are equal bit
// for bit).
//
// The samples appended between two calls of Extract form a chunk. Every
// additive quantity — Σ|x|, Σ|Δx|, the ZC, SSC and WAMP counts, MSR's
// Σ√x⁺ and Σ√x⁻, and the autocorrelations Σx[t−d]·x[t] for d ≤ the largest
// AR order — is kept per chunk as the sum of the terms whose last sample
// lies in the chunk, computed when the samples are appended. A window's
// value is then the sum of its chunks' partial sums, plus the terms of a
// partial chunk at its start, minus the terms that reach back before it: no
// running subtraction, so rounding never accumulates and no periodic
// recomputation adds to the tail. Per window, for a window of n samples
// that slid by k samples:
//
//   - MAV, IAV, WL, MFL, MAVFD, ZC, SSC, WAMP, MSR, RMS: O(n/k) additions;
//   - LS: the window's order statistics are kept sorted; the k new samples
//     are ranked among them by branch-free binary searches and written
//     with the kept values in one pass while the k old ones are dropped
//     (O(n + k log n) without data-dependent branches, instead of an
//     O(n log n) sort), then the L-moment sums are taken in O(n) over the
//     same sorted values as lScale, so LS is bit-identical;
//   - AR, AR9, CC: Burg's recursion (librosa.lpc, as Set) rewritten on the
//     window's autocorrelations and its first and last p samples, O(p³)
//     instead of O(n·p) (p the order).
//
// Features without an incremental form (RMSPHASOR, spectral features,
// entropies, …) are computed on the window by an inner Set. A window whose
// sums are not finite (NaN or ±Inf samples, or overflow) is computed
// entirely by the batch Set, so it gives Set.Extract's values exactly.
//
// A Stream allocates only in NewStream; it must not be used by several
// goroutines at once.
type Stream struct {
	set   *Set
	n, ch int

	basic, wamp, msr, ls bool // which incremental quantities are needed
	nLag                 int  // autocorrelation lags 0 … nLag−1 (≥ 1: SumSquares)
	span                 int  // farthest look-back of a term
	nq                   int  // quantities per channel

	// Ring of the latest samples, each channel written twice (period r) so
	// that any r consecutive samples are one slice.
	r     int
	buf   [][]float64
	total int64 // samples appended since Reset

	// Chunk partial sums: a ring of the last len(chunkStart) closed chunks
	// (chunk i at i % len), and the open chunk.
	chunkStart []int64
	chunkQ     []float64 // chunk × channel × nq
	chunks     int64     // chunks closed since Reset
	openStart  int64
	openQ      []float64 // channel × nq
	winQ       []float64 // channel × nq, the window's sums

	lsw []lsWindow

	// Burg scratch and AR outputs.
	arA, arB       []float64
	arHead, arTail []float64
	directBurg     int // AR models handed to the direct recursion (tests)
	outs           []outSlot
	rest           *Set
	restDst        []float64
	restOuts       []outSlot
	win            [][]float64
}

// Quantity slots of a channel's partial sums.
const (
	qAbs  = iota // Σ|x|
	qWL          // Σ|Δx|
	qZC          // #{x[t−1]·x[t] < 0}
	qSSC         // #{Δx[t−1]·Δx[t] ≤ −SSCThreshold}
	qWAMP        // #{|Δx[t]| > WAMPThreshold}
	qPos         // Σ√x over x ≥ 0
	qNeg         // Σ√−x over x < 0
	qLag         // Σx[t−d]·x[t], d = 0 … nLag−1
)

// burgMaxErr is the largest ratio n·ε·(Σ|a_j|)²·r_0/den at which
// Stream.burg trusts its sums (see there). The ratio is a pessimistic
// bound: on the reference recordings (../shared, 1–10 kHz) no window
// reaches it and the coefficients agree with the direct recursion within
// 1.3e-12, while windows of pure tones or periodic patterns exceed it.
const burgMaxErr = 1e-9

// maxChunks is the number of closed chunks a Stream keeps; when a window
// spans more (Extract called every few samples), its older part is summed
// directly from the samples.
const maxChunks = 64

// outSlot places one feature's values in the output vector.
type outSlot struct {
	k   kind
	pos int
}

// lsWindow is one channel's window in ascending order, each value with
// its stream index (NaN samples are left out), and the scratch of update.
type lsWindow struct {
	e, ne []lsEntry // the sorted window; the next one is built in ne
	end   int64     // stream index one past the window e holds, −1 if none
	pend  int64     // samples appended since
	in    []lsEntry // the new samples (NaN left out)
	rank  []int     // rank of each new sample among e
	cnt   []int32   // new samples per gap of e (gap r: before e[r]); zeros between updates
	gap   []int32   // first output position of each gap
}

type lsEntry struct {
	v float64
	i int64
}

// incrementalKind reports whether Stream computes feature k itself.
func incrementalKind(k kind) bool {
	switch k {
	case kMAV, kIAV, kZC, kSSC, kWL, kMFL, kMAVFD, kWAMP, kMSR, kRMS, kLS, kAR, kAR9, kCC:
		return true
	}
	return false
}

// NewStream returns a Stream computing the features of set. The Stream
// keeps set and uses its scratch, so set must not be used elsewhere while
// the Stream is in use.
func NewStream(set *Set) *Stream {
	n, ch, p := set.windowLen, set.channels, set.p
	st := &Stream{set: set, n: n, ch: ch}
	var restNames []string
	pos := 0
	maxOrder := 0
	for _, k := range set.kinds {
		w := set.width(k)
		if !incrementalKind(k) {
			restNames = append(restNames, featureNames()[k])
			st.restOuts = append(st.restOuts, outSlot{k, pos})
			pos += w
			continue
		}
		st.outs = append(st.outs, outSlot{k, pos})
		pos += w
		switch k {
		case kZC, kSSC, kWL, kMFL, kMAVFD:
			st.basic = true
		case kWAMP:
			st.wamp = true
		case kMSR:
			st.msr = true
		case kLS:
			st.ls = true
		case kRMS:
			st.nLag = max(st.nLag, 1)
		case kAR:
			maxOrder = max(maxOrder, p.AROrder)
		case kAR9:
			maxOrder = max(maxOrder, ar9Order)
		case kCC:
			maxOrder = max(maxOrder, p.CCOrder)
		}
	}
	st.win = make([][]float64, ch)
	if len(restNames) > 0 {
		rest, err := NewSet(restNames, ch, n, p)
		if err != nil {
			panic("features: inner set: " + err.Error()) // set accepted these names and parameters
		}
		st.rest = rest
		st.restDst = make([]float64, rest.Len())
	}
	if maxOrder > 0 {
		st.nLag = maxOrder + 1
		st.arA = make([]float64, maxOrder+1)
		st.arB = make([]float64, maxOrder+1)
		st.arHead = make([]float64, (maxOrder+1)*(maxOrder+1))
		st.arTail = make([]float64, (maxOrder+1)*(maxOrder+1))
	}
	st.nLag = max(st.nLag, 1)
	st.span = max(2, st.nLag-1)
	st.nq = qLag + st.nLag
	st.r = n + st.span
	st.buf = make([][]float64, ch)
	for c := range st.buf {
		st.buf[c] = make([]float64, 2*st.r)
	}
	st.chunkStart = make([]int64, maxChunks)
	st.chunkQ = make([]float64, maxChunks*ch*st.nq)
	st.openQ = make([]float64, ch*st.nq)
	st.winQ = make([]float64, ch*st.nq)
	if st.ls {
		st.lsw = make([]lsWindow, ch)
		for c := range st.lsw {
			// update writes up to n+n/2 values (a dropped one before
			// the next overwrites it).
			m := n + n/2 + 1
			st.lsw[c] = lsWindow{
				e: make([]lsEntry, 0, m), ne: make([]lsEntry, m),
				in:   make([]lsEntry, 0, n/2+1),
				rank: make([]int, 0, n/2+1),
				cnt:  make([]int32, n+1), gap: make([]int32, n+1),
				end: -1,
			}
		}
	}
	return st
}

// SumSquares returns Σx² over channel c's window at the last Extract
// (0 before the first), in the unit of the samples squared.
func (st *Stream) SumSquares(c int) float64 { return st.winQ[c*st.nq+qLag] }

// Len returns the number of values Extract writes (the Set's Len).
func (st *Stream) Len() int { return st.set.length }

// Set returns the Set whose features st computes.
func (st *Stream) Set() *Set { return st.set }

// Samples returns the number of samples per channel appended since the
// Stream was made or Reset.
func (st *Stream) Samples() int64 { return st.total }

// Reset forgets the stream: the next Append starts a new one.
func (st *Stream) Reset() {
	st.total, st.chunks, st.openStart = 0, 0, 0
	clear(st.openQ)
	for c := range st.lsw {
		w := &st.lsw[c]
		w.end = -1
	}
}

// view returns channel c's samples [a, b) of the stream (b−a ≤ r, all of
// them among the last r appended).
func (st *Stream) view(c int, a, b int64) []float64 {
	p := int(a % int64(st.r))
	return st.buf[c][p : p+int(b-a)]
}

// Append adds samples to the stream: x holds one slice per channel, all of
// the same length (possibly 0). It panics on a channel count mismatch or
// unequal lengths. It allocates nothing.
func (st *Stream) Append(x [][]float64) {
	if len(x) != st.ch {
		panic("features: channel count mismatch")
	}
	m := len(x[0])
	for _, xc := range x {
		if len(xc) != m {
			panic("features: channels of unequal length")
		}
	}
	step := st.r - st.span
	for off := 0; off < m; {
		piece := min(m-off, step)
		start := st.total
		p := int(start % int64(st.r))
		for c, xc := range x {
			seg := xc[off : off+piece]
			b := st.buf[c]
			copy(b[p:], seg)
			if p+piece <= st.r {
				copy(b[p+st.r:], seg)
			} else {
				k := st.r - p
				copy(b[p+st.r:], seg[:k])
				copy(b, seg[k:])
			}
		}
		st.total += int64(piece)
		ctx := min(int64(st.span), start)
		for c := range st.ch {
			x := st.view(c, start-ctx, st.total)
			st.terms(st.openQ[c*st.nq:(c+1)*st.nq], x, int(ctx))
			if st.ls {
				st.lsw[c].add(x[ctx:], start)
			}
		}
		off += piece
	}
}

// terms adds to q the terms whose last sample is x[i], i ≥ from, and
// whose other samples are in x.
func (st *Stream) terms(q, x []float64, from int) {
	var abs float64
	for _, v := range x[from:] {
		abs += math.Abs(v)
	}
	q[qAbs] += abs
	if st.basic || st.wamp {
		t := -st.set.p.SSCThreshold
		tw := st.set.p.WAMPThreshold
		var wl float64
		var zc, ssc, wamp int
		i := max(from, 1)
		if i == 1 && i < len(x) {
			d := x[1] - x[0]
			wl += math.Abs(d)
			zc += b2i(x[0]*x[1] < 0)
			wamp += b2i(math.Abs(d) > tw)
			i++
		}
		if i < len(x) {
			prev, dPrev := x[i-1], x[i-1]-x[i-2]
			for _, c := range x[i:] {
				d := c - prev
				ad := math.Abs(d)
				wl += ad
				zc += b2i(prev*c < 0)
				ssc += b2i(dPrev*d <= t)
				wamp += b2i(ad > tw)
				prev, dPrev = c, d
			}
		}
		q[qWL] += wl
		q[qZC] += float64(zc)
		q[qSSC] += float64(ssc)
		q[qWAMP] += float64(wamp)
	}
	if st.msr {
		var pos, neg float64
		for _, v := range x[from:] {
			// Without a branch (the sign is random): adding 0 changes
			// nothing, so this is Σ√x⁺ and Σ√x⁻ for finite samples.
			r := math.Sqrt(math.Abs(v))
			m := float64(b2i(v >= 0))
			pos += r * m
			neg += r - r*m
		}
		q[qPos] += pos
		q[qNeg] += neg
	}
	for d := range st.nLag {
		i := max(from, d)
		if i >= len(x) {
			continue
		}
		y := x[i-d : len(x)-d]
		z := x[i:]
		var a0, a1, a2, a3 float64
		j := 0
		for ; j+3 < len(z); j += 4 {
			a0 += y[j] * z[j]
			a1 += y[j+1] * z[j+1]
			a2 += y[j+2] * z[j+2]
			a3 += y[j+3] * z[j+3]
		}
		for ; j < len(z); j++ {
			a0 += y[j] * z[j]
		}
		q[qLag+d] += (a0 + a1) + (a2 + a3)
	}
}

// lead subtracts from q the terms whose last sample t lies in [c1, e) and
// that reach back to a sample before s (s ≤ c1); x holds the samples
// [lo, e), lo = max(0, s−span).
func (st *Stream) lead(q, x []float64, lo, s, c1, e int64) {
	at := func(t int64) float64 { return x[t-lo] }
	if (st.basic || st.wamp) && c1 == s && s >= 1 && s < e {
		a, b := at(s-1), at(s)
		d := b - a
		ad := math.Abs(d)
		q[qWL] -= ad
		q[qZC] -= float64(b2i(a*b < 0))
		q[qWAMP] -= float64(b2i(ad > st.set.p.WAMPThreshold))
	}
	if st.basic {
		t := -st.set.p.SSCThreshold
		for u := max(c1, 2); u < min(s+2, e); u++ {
			dPrev, d := at(u-1)-at(u-2), at(u)-at(u-1)
			q[qSSC] -= float64(b2i(dPrev*d <= t))
		}
	}
	for d := int64(1); d < int64(st.nLag); d++ {
		var sum float64
		for u := max(c1, d); u < min(s+d, e); u++ {
			sum += at(u-d) * at(u)
		}
		q[qLag+int(d)] -= sum
	}
}

// closeChunk ends the open chunk (if it holds samples).
func (st *Stream) closeChunk() {
	if st.openStart == st.total {
		return
	}
	i := int(st.chunks % maxChunks)
	st.chunkStart[i] = st.openStart
	copy(st.chunkQ[i*st.ch*st.nq:(i+1)*st.ch*st.nq], st.openQ)
	st.chunks++
	st.openStart = st.total
	clear(st.openQ)
}

// windowSums fills winQ with the sums over the window [s, e) and reports
// whether they are all finite.
func (st *Stream) windowSums(s, e int64) bool {
	// Closed chunks starting at or after s, oldest first: chunks[first:].
	first := st.chunks
	for first > 0 && st.chunks-first < maxChunks && st.chunkStart[(first-1)%maxChunks] >= s {
		first--
	}
	c1 := e
	if first < st.chunks {
		c1 = st.chunkStart[first%maxChunks]
	}
	lo := max(0, s-int64(st.span))
	clear(st.winQ)
	nq := st.nq
	w := st.ch * nq
	for j := first; j < st.chunks; j++ {
		i := int(j % maxChunks)
		for k, v := range st.chunkQ[i*w : (i+1)*w] {
			st.winQ[k] += v
		}
	}
	for c := range st.ch {
		q := st.winQ[c*nq : (c+1)*nq]
		if c1 > s {
			st.terms(q, st.view(c, s, c1), 0)
		}
		if c1 < e {
			st.lead(q, st.view(c, lo, e), lo, s, c1, e)
		}
	}
	for _, v := range st.winQ {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Extract writes the features of the last WindowLen samples to dst (length
// Len; nil allocates) in the Set's order and returns dst. It panics if
// fewer than WindowLen samples were appended since the last Reset, or on a
// dst of the wrong length. It allocates nothing when dst is given.
func (st *Stream) Extract(dst []float64) []float64 {
	if st.total < int64(st.n) {
		panic("features: Stream window not full")
	}
	if dst == nil {
		dst = make([]float64, st.set.length)
	} else if len(dst) != st.set.length {
		panic("features: dst length mismatch")
	}
	e := st.total
	s := e - int64(st.n)
	for c := range st.win {
		st.win[c] = st.view(c, s, e)
	}
	st.closeChunk()
	for c := range st.lsw {
		st.lsw[c].update(st.win[c], s, e)
	}
	if !st.windowSums(s, e) || len(st.outs) == 0 {
		return st.set.Extract(dst, st.win)
	}
	st.write(dst)
	if st.rest != nil {
		st.rest.Extract(st.restDst, st.win)
		i := 0
		for _, o := range st.restOuts {
			w := st.rest.width(o.k)
			copy(dst[o.pos:o.pos+w], st.restDst[i:i+w])
			i += w
		}
	}
	return dst
}

// write fills the incremental features from winQ, the sorted windows and
// the window samples.
func (st *Stream) write(dst []float64) {
	fn := float64(st.n)
	p := st.set.p
	for _, o := range st.outs {
		switch o.k {
		case kAR:
			for c := range st.ch {
				st.burg(dst[o.pos+c*p.AROrder:o.pos+(c+1)*p.AROrder], c)
			}
			continue
		case kAR9:
			for c := range st.ch {
				st.burg(dst[o.pos+c*ar9Order:o.pos+(c+1)*ar9Order], c)
			}
			continue
		case kCC:
			for c := range st.ch {
				cc := dst[o.pos+c*p.CCOrder : o.pos+(c+1)*p.CCOrder]
				a := st.set.ccAR
				st.burg(a, c)
				cepstrum(cc, a)
			}
			continue
		}
		for c := range st.ch {
			q := st.winQ[c*st.nq : (c+1)*st.nq]
			var v float64
			switch o.k {
			case kMAV:
				v = q[qAbs] / fn
			case kIAV:
				v = q[qAbs]
			case kZC:
				v = q[qZC]
			case kSSC:
				v = q[qSSC]
			case kWL:
				v = q[qWL]
			case kMFL:
				v = math.Log10(q[qWL])
			case kMAVFD:
				v = q[qWL] / (fn - 1)
			case kWAMP:
				v = q[qWAMP]
			case kMSR:
				v = math.Hypot(q[qPos], q[qNeg]) / fn
			case kRMS:
				v = math.Sqrt(q[qLag] / fn)
			case kLS:
				v = lScaleEntries(st.lsw[c].e)
			default:
				panic("features: unhandled incremental kind")
			}
			dst[o.pos+c] = v
		}
	}
}

// burg writes to a the Burg AR coefficients of order len(a) of channel c's
// window, as Set.burg (librosa.lpc), from the window's autocorrelations
// r_d = Σ x[t−d]·x[t] and its first and last samples.
//
// At step i the forward and backward errors over t = i+1 … n−1 are
// f_t = Σ_j a_j x[t−j] and b_t = Σ_j a_j x[t−1−i+j] (j = 0 … i), so
//
//	Σ_t f_t·b_t = Σ_{j,l} a_j a_l C(j, 1+i−l),  C(α, β) = Σ_{t=i+1}^{n−1} x[t−α]·x[t−β],
//
// and C(α, β) is r_{|α−β|} less the products that fall outside t's range,
// at most p at each end. The denominator follows Burg's recursion with the
// first forward and last backward error of the new order, each a sum of
// p+1 products.
func (st *Stream) burg(a []float64, c int) {
	order := len(a)
	x := st.win[c]
	n := len(x)
	r := st.winQ[c*st.nq+qLag : (c+1)*st.nq]
	// head[d·w+k] = Σ_{s<k} x[s]·x[s+d], tail[d·w+k] the sum of the last k
	// products x[s]·x[s+d] (s ≤ n−1−d), for d, k ≤ order.
	w := order + 1
	head, tail := st.arHead[:w*w], st.arTail[:w*w]
	for d := range w {
		h, t := head[d*w:(d+1)*w], tail[d*w:(d+1)*w]
		h[0], t[0] = 0, 0
		for k := 1; k < w && k-1+d < n; k++ { // short windows: only the entries used
			h[k] = h[k-1] + x[k-1]*x[k-1+d]
			t[k] = t[k-1] + x[n-d-k]*x[n-k]
		}
	}
	cur, prev := st.arA[:w], st.arB[:w]
	clear(cur)
	clear(prev)
	cur[0], prev[0] = 1, 1
	den := 2*r[0] - x[0]*x[0] - x[n-1]*x[n-1]
	// The sums C carry rounding errors of about n·ε·r_0 each, so num is
	// off by up to about n·ε·(Σ|a_j|)²·r_0 where the direct sum Σ f_t·b_t
	// is off by n·ε·den. When the prediction errors are small against the
	// signal (a nearly predictable window: a pure tone, a periodic
	// pattern) the ratio grows without bound; past burgMaxErr the window
	// is handed to the direct recursion (Set.burg, O(n·p)), so that the
	// two paths agree.
	errScale := float64(n) * 0x1p-52 * r[0]
	for i := range order {
		var sumA float64
		for _, v := range cur[:i+1] {
			sumA += math.Abs(v)
		}
		if !(errScale*sumA*sumA <= burgMaxErr*den) {
			st.directBurg++
			st.set.burg(a, x)
			return
		}
		var num float64
		for j := 0; j <= i; j++ {
			var row float64
			for l := 0; l <= i; l++ {
				// C(α, β) = Σ_{t=i+1}^{n−1} x[t−α]·x[t−β]: r_d less the
				// i+1−m products before t's range and the m−d after it.
				alpha, beta := j, 1+i-l
				m, d := max(alpha, beta), alpha-beta
				if d < 0 {
					d = -d
				}
				row += cur[l] * (r[d] - head[d*w+i+1-m] - tail[d*w+m-d])
			}
			num += cur[j] * row
		}
		k := -2 * num / (den + tiny)
		cur, prev = prev, cur
		for j := 1; j <= i+1; j++ {
			cur[j] = prev[j] + k*prev[i-j+1]
		}
		var f0, bl float64
		for j := 0; j <= i+1; j++ {
			f0 += cur[j] * x[i+1-j]
			bl += cur[j] * x[n-2-i+j]
		}
		den = (1-k*k)*den - bl*bl - f0*f0
	}
	copy(a, cur[1:])
}

// update brings the sorted window to the window x = samples [s, e).
//
// When the window slid by k ≤ n/2 samples, the k new samples are placed
// without sorting them and without a data-dependent branch in the long
// loops (a comparison sort or merge mispredicts about once per new value,
// which dominates at this size): add found each new value's rank r among
// the old window (the number of old values below it) as it arrived; one
// pass over the old window now writes every kept value at its final
// position — the kept values before it plus the new values of ranks ≤
// its own — and records where each gap between old values starts; the
// new values go into their gaps, the few that share a gap sorted by
// insertion. Old values (index < s) are written and overwritten, without
// a branch.
func (w *lsWindow) update(x []float64, s, e int64) {
	if w.end == e {
		return
	}
	if w.end < 0 || w.pend != e-w.end || w.pend > int64(len(x)/2) {
		w.drop()
		w.rebuild(x, s)
		w.end = e
		return
	}
	old := w.e
	nOld := len(old)
	cnt, gap := w.cnt[:nOld+1], w.gap[:nOld+1]
	next := w.ne[:cap(w.ne)]
	var kept, before int32 // kept old values and new values placed so far
	for r, o := range old {
		gap[r] = kept + before
		before += cnt[r]
		next[kept+before] = o
		kept += int32(b2i(o.i >= s))
	}
	gap[nOld] = kept + before
	total := int(kept + before + cnt[nOld])
	// Place the new values, each gap filled upward; the few that share a
	// gap are kept sorted by insertion.
	for _, r := range w.rank {
		cnt[r] = 0 // now the number placed in gap r
	}
	for j, a := range w.in {
		r := w.rank[j]
		start := int(gap[r])
		p := start + int(cnt[r])
		cnt[r]++
		for p > start && next[p-1].v > a.v {
			next[p] = next[p-1]
			p--
		}
		next[p] = a
	}
	w.e, w.ne = next[:total], old[:cap(old)]
	w.drop()
	w.end = e
}

// add takes the samples x (stream indices first, first+1, …) appended
// after the window e holds: each new value's rank among e is found now,
// while e does not change. Past half a window of new samples it gives up
// (update then rebuilds).
func (w *lsWindow) add(x []float64, first int64) {
	if w.end < 0 {
		return
	}
	w.pend += int64(len(x))
	if w.pend > int64(cap(w.in)-1) {
		w.drop()
		w.pend = int64(cap(w.in)) // too many: update rebuilds
		return
	}
	j0 := len(w.in)
	for j, a := range x {
		if a == a {
			w.in = append(w.in, lsEntry{a, first + int64(j)})
		}
	}
	w.rank = w.rank[:len(w.in)]
	for _, r := range lowerBounds(w.rank[j0:], w.e, w.in[j0:]) {
		w.cnt[r]++
	}
}

// drop forgets the new samples: cnt is all zeros again.
func (w *lsWindow) drop() {
	for _, r := range w.rank {
		w.cnt[r] = 0
	}
	w.in, w.rank = w.in[:0], w.rank[:0]
	w.pend = 0
}

// lScaleEntries is lScaleSorted of the entries' values, with the same
// additions in the same order, so that Stream's LS equals Set's bit for bit
// (TestStreamMatchesExtract checks it).
func lScaleEntries(sorted []lsEntry) float64 {
	n := len(sorted)
	var s0, s1, s2, s3, t0, t1, t2, t3 float64
	i := 0
	for f := 0.0; i+3 < n; i, f = i+4, f+4 {
		v := sorted[i : i+4 : i+4]
		s0 += v[0].v
		s1 += v[1].v
		s2 += v[2].v
		s3 += v[3].v
		t0 += f * v[0].v
		t1 += (f + 1) * v[1].v
		t2 += (f + 2) * v[2].v
		t3 += (f + 3) * v[3].v
	}
	for ; i < n; i++ {
		s0 += sorted[i].v
		t0 += float64(i) * sorted[i].v
	}
	b0, b1 := (s0+s1)+(s2+s3), (t0+t1)+(t2+t3)
	b0 /= float64(n)
	b1 /= float64(n) * float64(n-1)
	return 2*b1 - b0
}

// lowerBounds sets rank[j] to the number of values of the ascending v
// below a[j] and returns rank. The binary searches' steps depend only on
// len(v), and eight searches advance together so that their loads overlap.
func lowerBounds(rank []int, v, q []lsEntry) []int {
	n := len(v)
	if n == 0 {
		clear(rank)
		return rank
	}
	j := 0
	for ; j+7 < len(q); j += 8 {
		a := [8]float64{q[j].v, q[j+1].v, q[j+2].v, q[j+3].v, q[j+4].v, q[j+5].v, q[j+6].v, q[j+7].v}
		b0, b1, b2, b3, b4, b5, b6, b7 := 0, 0, 0, 0, 0, 0, 0, 0
		for m := n; m > 1; {
			h := m / 2
			b0 += h & -b2i(v[b0+h].v < a[0])
			b1 += h & -b2i(v[b1+h].v < a[1])
			b2 += h & -b2i(v[b2+h].v < a[2])
			b3 += h & -b2i(v[b3+h].v < a[3])
			b4 += h & -b2i(v[b4+h].v < a[4])
			b5 += h & -b2i(v[b5+h].v < a[5])
			b6 += h & -b2i(v[b6+h].v < a[6])
			b7 += h & -b2i(v[b7+h].v < a[7])
			m -= h
		}
		r := rank[j : j+8 : j+8]
		r[0] = b0 + b2i(v[b0].v < a[0])
		r[1] = b1 + b2i(v[b1].v < a[1])
		r[2] = b2 + b2i(v[b2].v < a[2])
		r[3] = b3 + b2i(v[b3].v < a[3])
		r[4] = b4 + b2i(v[b4].v < a[4])
		r[5] = b5 + b2i(v[b5].v < a[5])
		r[6] = b6 + b2i(v[b6].v < a[6])
		r[7] = b7 + b2i(v[b7].v < a[7])
	}
	for ; j < len(q); j++ {
		a := q[j].v
		b := 0
		for m := n; m > 1; {
			h := m / 2
			b += h & -b2i(v[b+h].v < a)
			m -= h
		}
		rank[j] = b + b2i(v[b].v < a)
	}
	return rank
}

// rebuild sorts the window x (samples from stream index s) from scratch.
func (w *lsWindow) rebuild(x []float64, s int64) {
	ents := w.e[:0]
	for j, v := range x {
		if v == v {
			ents = append(ents, lsEntry{v, s + int64(j)})
		}
	}
	slices.SortFunc(ents, func(a, b lsEntry) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	w.e = ents
}
