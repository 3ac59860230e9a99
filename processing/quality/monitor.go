package quality

import (
	"fmt"
	"math"

	"myorehab/acquisition"
	"myorehab/processing/filter"
)

// Config configures a Monitor. The zero Config is ready to use.
type Config struct {
	// WindowSeconds is the sliding window's length in seconds; 0 means
	// DefaultWindowSeconds. It is rounded up to whole segments.
	WindowSeconds float64
	// MainsHz is the mains frequency in hertz to check (50 or 60); 0 checks
	// both and reports the stronger, for an unknown country.
	MainsHz float64
	// MinCount and MaxCount are the ADC rails in raw counts. When both are
	// 0 they follow from StreamInfo.ResolutionBits as a signed converter,
	// [−2^(bits−1), 2^(bits−1)−1]; set them for an unsigned one (a 10-bit
	// BITalino or Arduino: 0 and 1023). With neither, clipping is not
	// checked.
	MinCount, MaxCount int64
}

// segment holds the statistics of one run of consecutive samples of one
// channel. While it fills, sum and sq are Σ(x−ref) and Σ(x−ref)², shifted by
// the segment's first value for accuracy; close turns them into the mean
// and the sum of squared deviations (m2).
type segment struct {
	n               int
	ref, sum, sq    float64 // signal (µV)
	lref, lsum, lsq float64 // below 20 Hz (µV)
	band            float64 // Σ EMG band²
	minRaw, maxRaw  int32
	clipped         int
	mean, m2        float64
	lowMean, lowM2  float64
}

func (s *segment) add(x, low, band float64, raw int32, clipped bool) {
	if s.n == 0 {
		s.ref, s.lref, s.minRaw, s.maxRaw = x, low, raw, raw
	}
	s.n++
	d, l := x-s.ref, low-s.lref
	s.sum += d
	s.sq += d * d
	s.lsum += l
	s.lsq += l * l
	s.band += band * band
	s.minRaw = min(s.minRaw, raw)
	s.maxRaw = max(s.maxRaw, raw)
	if clipped {
		s.clipped++
	}
}

func (s *segment) close() {
	n := float64(s.n)
	s.mean = s.ref + s.sum/n
	s.m2 = max(0, s.sq-s.sum*s.sum/n)
	s.lowMean = s.lref + s.lsum/n
	s.lowM2 = max(0, s.lsq-s.lsum*s.lsum/n)
}

// channel is the state of one channel.
type channel struct {
	bz    [2][2]float64 // band-pass sections
	lz    [2]float64    // low-pass section
	cur   segment
	ring  []segment
	head  int // next ring slot to write
	count int // closed segments in the ring
	// band holds the latest EMG-band samples (window + one segment);
	// bandPos is the next slot to write, bandEnd the slot after the last
	// sample of the latest closed segment. Segments are aligned in it:
	// each occupies segLen consecutive slots without wrapping.
	// closeSpectrum reads each segment from it as it closes; the rest of
	// the window is kept so that the tests can measure the mains directly
	// (directMains), at 8 bytes per sample of window.
	band             []float64
	bandPos, bandEnd int
	// spec holds, per ring slot, the nbin sums of that segment (spec[slot*
	// nbin+b], phase relative to the segment's first sample); win holds the
	// same sums over the segments in the ring, phase relative to the
	// oldest segment's first sample (see Monitor.closeSpectrum).
	spec []complex128
	win  []complex128
}

// Monitor assesses the quality of every channel of one stream. Feed it
// every Block with Process; read the verdicts with Status, OKForControl or
// Statuses. It is not safe for concurrent use.
type Monitor struct {
	channels int
	fs       float64
	segLen   int
	nseg     int

	spectral bool
	bp       [2]filter.Section
	bpZI     [2][2]float64 // steady state per unit input
	lp       filter.Section
	lpZI     [2]float64
	// Mains: a sliding DFT of the EMG band over the window (see
	// closeSpectrum and mains). Bins 5f..5f+4 are mains frequency f − 2,
	// −1, 0, +1, +2 bins (1/window Hz); the last two are the window's
	// fundamental and its second harmonic, applied to the band's square.
	// cosTab and sinTab hold cos ωj and −sin ωj for j < segLen (row b);
	// twid holds e^{−iωkL} for k < nseg segments (row b), L = segLen;
	// rot is e^{iωL}.
	hannSq  float64 // Σ hann² of the periodic Hann window
	mainsHz [2]float64
	nmains  int
	nbin    int
	cosTab  []float64
	sinTab  []float64
	twid    []complex128
	rot     []complex128

	clipOn       bool
	clipLo       int32 // a raw count ≤ clipLo or ≥ clipHi is clipped
	clipHi       int32
	ch           []channel
	status       []Status
	reasons      [][numCodes]Reason
	next         uint64
	started      bool
	windowSample int
}

// New returns a Monitor for a stream described by info, or an error when
// info or cfg cannot be assessed (no channels, no sample rate, a window or
// mains frequency out of range, rails in the wrong order).
func New(info acquisition.StreamInfo, cfg Config) (*Monitor, error) {
	fs := info.SampleRateHz
	switch {
	case info.Channels <= 0:
		return nil, fmt.Errorf("quality: %d channels", info.Channels)
	case !(fs > 0) || math.IsInf(fs, 0):
		return nil, fmt.Errorf("quality: sample rate %g Hz", fs)
	case !(cfg.WindowSeconds >= 0) || math.IsInf(cfg.WindowSeconds, 0):
		return nil, fmt.Errorf("quality: window %g s", cfg.WindowSeconds)
	case !(cfg.MainsHz >= 0) || math.IsInf(cfg.MainsHz, 0):
		return nil, fmt.Errorf("quality: mains frequency %g Hz", cfg.MainsHz)
	case cfg.MinCount > cfg.MaxCount:
		return nil, fmt.Errorf("quality: ADC rails %d > %d", cfg.MinCount, cfg.MaxCount)
	}
	if cfg.WindowSeconds == 0 {
		cfg.WindowSeconds = DefaultWindowSeconds
	}
	m := &Monitor{channels: info.Channels, fs: fs}
	m.segLen = max(1, int(math.Round(SegmentSeconds*fs)))
	m.windowSample = max(1, int(math.Round(cfg.WindowSeconds*fs)))
	m.nseg = (m.windowSample + m.segLen - 1) / m.segLen

	lo, hi := cfg.MinCount, cfg.MaxCount
	if lo == 0 && hi == 0 && info.ResolutionBits > 1 && info.ResolutionBits <= 32 {
		lo, hi = -(int64(1) << (info.ResolutionBits - 1)), int64(1)<<(info.ResolutionBits-1)-1
	}
	if hi > lo {
		margin := int64(ClipMarginFraction * float64(hi-lo))
		m.clipOn = true
		m.clipLo = int32(max(math.MinInt32, lo+margin))
		m.clipHi = int32(min(math.MaxInt32, hi-margin))
	}

	if err := m.design(cfg.MainsHz); err != nil {
		return nil, err
	}
	m.ch = make([]channel, m.channels)
	for c := range m.ch {
		m.ch[c].ring = make([]segment, m.nseg)
		if m.spectral {
			m.ch[c].band = make([]float64, (m.nseg+1)*m.segLen)
			m.ch[c].spec = make([]complex128, m.nseg*m.nbin)
			m.ch[c].win = make([]complex128, m.nbin)
		}
	}
	m.status = make([]Status, m.channels)
	m.reasons = make([][numCodes]Reason, m.channels)
	for c := range m.status {
		m.status[c].Reasons = m.reasons[c][:0]
	}
	return m, nil
}

// design builds the filters of the spectral checks, if the rate allows.
func (m *Monitor) design(mainsHz float64) error {
	if m.fs < MinSpectralRateHz {
		return nil
	}
	hiHz := min(EMGBandHiHz, 0.45*m.fs)
	bp, err := filter.ButterSOS(2, filter.Bandpass, m.fs, EMGBandLoHz, hiHz)
	if err != nil {
		return fmt.Errorf("quality: %w", err)
	}
	lp, err := filter.ButterSOS(2, filter.Lowpass, m.fs, MotionCutoffHz)
	if err != nil {
		return fmt.Errorf("quality: %w", err)
	}
	copy(m.bp[:], bp)
	copy(m.bpZI[:], filter.SOSFiltZI(bp))
	m.lp = lp[0]
	m.lpZI = filter.SOSFiltZI(lp)[0]
	freqs := []float64{50, 60}
	if mainsHz != 0 {
		freqs = []float64{mainsHz}
	}
	n := m.nseg * m.segLen
	df := m.fs / float64(n) // bin spacing: 1 Hz for a 1 s window
	var omega []float64     // radians per sample of each bin
	for _, f := range freqs {
		if f+df >= hiHz || f-df <= EMGBandLoHz {
			continue // outside the EMG band at this rate: nothing to compare
		}
		for k := -2; k <= 2; k++ {
			omega = append(omega, 2*math.Pi*(f+float64(k)*df)/m.fs)
		}
		m.mainsHz[m.nmains] = f
		m.nmains++
	}
	if m.nmains > 0 {
		omega = append(omega, 2*math.Pi/float64(n), 4*math.Pi/float64(n))
	}
	m.nbin = len(omega)
	L := m.segLen
	m.cosTab = make([]float64, m.nbin*L)
	m.sinTab = make([]float64, m.nbin*L)
	m.twid = make([]complex128, m.nbin*m.nseg)
	m.rot = make([]complex128, m.nbin)
	for b, w := range omega {
		for j := range L {
			s, c := math.Sincos(w * float64(j))
			m.cosTab[b*L+j], m.sinTab[b*L+j] = c, -s
		}
		for k := range m.nseg {
			s, c := math.Sincos(w * float64(k*L))
			m.twid[b*m.nseg+k] = complex(c, -s)
		}
		s, c := math.Sincos(w * float64(L))
		m.rot[b] = complex(c, s)
	}
	// Periodic Hann window, as scipy.signal.get_window('hann', n).
	for i := range n {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
		m.hannSq += w * w
	}
	m.spectral = true
	return nil
}

// WindowSeconds returns the window's length in seconds (whole segments).
func (m *Monitor) WindowSeconds() float64 {
	return float64(m.nseg*m.segLen) / m.fs
}

// Reset forgets all data, as at the start of a stream: every channel is
// Unknown until a new window has filled.
func (m *Monitor) Reset() {
	for c := range m.ch {
		ch := &m.ch[c]
		ring, band, spec, win := ch.ring, ch.band, ch.spec, ch.win
		clear(ring)
		clear(band)
		clear(spec)
		clear(win)
		*ch = channel{ring: ring, band: band, spec: spec, win: win}
		m.status[c] = Status{Reasons: m.reasons[c][:0]}
	}
	m.started, m.next = false, 0
}

// Process adds the samples of b and reports whether the statuses were
// refreshed (each time a segment of SegmentSeconds completes). Samples
// after a gap in b.Start shorter than the window continue the window as if
// contiguous; a longer gap, or a Start that goes back, restarts it (Reset).
// It panics if b.Channels differs from the stream's. It does not allocate.
func (m *Monitor) Process(b *acquisition.Block) (updated bool) {
	if b.Channels != m.channels {
		panic("quality: block channel count mismatch")
	}
	if m.started && (b.Start < m.next || b.Start-m.next >= uint64(m.windowSample)) {
		m.Reset()
	}
	if b.Len == 0 {
		return false
	}
	first := !m.started
	m.started, m.next = true, b.End()
	closed := false
	for c := range m.channels {
		if m.processChannel(c, b.Chan(c), b.RawChan(c), first) {
			closed = true
		}
	}
	if closed {
		for c := range m.channels {
			m.evaluate(c)
		}
	}
	return closed
}

// processChannel filters and accumulates one channel's samples and reports
// whether a segment closed.
func (m *Monitor) processChannel(c int, x []float64, raw []int32, first bool) bool {
	ch := &m.ch[c]
	if first && m.spectral {
		x0 := x[0]
		for s := range ch.bz {
			ch.bz[s] = [2]float64{m.bpZI[s][0] * x0, m.bpZI[s][1] * x0}
		}
		ch.lz = [2]float64{m.lpZI[0] * x0, m.lpZI[1] * x0}
	}
	closed := false
	for i, v := range x {
		var band, low float64
		if m.spectral {
			band = step(&m.bp[0], &ch.bz[0], v)
			band = step(&m.bp[1], &ch.bz[1], band)
			low = step(&m.lp, &ch.lz, v)
			ch.band[ch.bandPos] = band
			if ch.bandPos++; ch.bandPos == len(ch.band) {
				ch.bandPos = 0
			}
		}
		r := raw[i]
		ch.cur.add(v, low, band, r, m.clipOn && (r <= m.clipLo || r >= m.clipHi))
		if ch.cur.n == m.segLen {
			ch.cur.close()
			ch.ring[ch.head] = ch.cur
			if m.nbin > 0 {
				m.closeSpectrum(ch)
			}
			ch.head = (ch.head + 1) % m.nseg
			ch.count = min(ch.count+1, m.nseg)
			if m.nbin > 0 && ch.head == 0 {
				m.resumSpectrum(ch)
			}
			ch.cur = segment{}
			ch.bandEnd = ch.bandPos
			closed = true
		}
	}
	return closed
}

// step runs one sample through a second-order section in transposed
// direct form II.
func step(s *filter.Section, z *[2]float64, x float64) float64 {
	y := s[0]*x + z[0]
	z[0] = s[1]*x - s[4]*y + z[1]
	z[1] = s[2]*x - s[5]*y
	return y
}

// evaluate recomputes channel c's Status from the closed segments.
func (m *Monitor) evaluate(c int) {
	ch := &m.ch[c]
	st := &m.status[c]
	st.Reasons = st.Reasons[:0]
	var (
		n                    int
		mean, m2, lmean, lm2 float64
		band                 float64
		minRaw, maxRaw       int32
		clipped              int
	)
	for k := range ch.count {
		s := &ch.ring[(ch.head-1-k+2*m.nseg)%m.nseg]
		if n == 0 {
			minRaw, maxRaw = s.minRaw, s.maxRaw
		}
		// Chan et al.'s pairwise update of mean and sum of squares.
		na, nb := float64(n), float64(s.n)
		nt := na + nb
		d, dl := s.mean-mean, s.lowMean-lmean
		mean += d * nb / nt
		m2 += s.m2 + d*d*na*nb/nt
		lmean += dl * nb / nt
		lm2 += s.lowM2 + dl*dl*na*nb/nt
		n += s.n
		band += s.band
		minRaw, maxRaw = min(minRaw, s.minRaw), max(maxRaw, s.maxRaw)
		clipped += s.clipped
	}
	met := &st.Metrics
	*met = Metrics{Seconds: float64(n) / m.fs}
	if n == 0 {
		st.Level, st.OKForControl = Unknown, false
		return
	}
	fn := float64(n)
	met.StdUV = math.Sqrt(m2 / fn)
	met.RangeCounts = int64(maxRaw) - int64(minRaw)
	met.ClipFraction = float64(clipped) / fn
	pBand := band / fn
	met.BandRMSUV = math.Sqrt(pBand)
	pLow := lm2 / fn
	met.LowRMSUV = math.Sqrt(pLow)
	if pLow+pBand > 0 {
		met.LowFraction = pLow / (pLow + pBand)
	}
	if ch.count < m.nseg {
		st.Level, st.OKForControl = Unknown, false
		return
	}
	if m.nmains > 0 {
		m.mains(ch, met, band)
	}
	flat := false
	switch {
	case met.RangeCounts == 0:
		st.Reasons = append(st.Reasons, Reason{Code: Flat, Level: Bad})
		flat = true
	case met.StdUV < FlatStdUV:
		st.Reasons = append(st.Reasons, Reason{Code: Flat, Level: Bad, Value: met.StdUV})
		flat = true
	}
	if m.clipOn {
		if l := grade(met.ClipFraction, ClipWarnFraction, ClipBadFraction); l != Good {
			st.Reasons = append(st.Reasons, Reason{Code: Clipping, Level: l, Value: met.ClipFraction})
		}
	}
	if m.spectral && !flat {
		l := mainsLevel(met.MainsFraction, met.MainsRMSUV)
		if l != Good && m.nmains > 0 {
			st.Reasons = append(st.Reasons, Reason{Code: Mains, Level: l, Value: met.MainsFraction, Hz: met.MainsHz})
		}
		l = Good
		switch {
		case met.LowFraction >= MotionBadFraction && met.LowRMSUV >= MotionBadUV:
			l = Bad
		case met.LowFraction >= MotionWarnFraction && met.LowRMSUV >= MotionWarnUV:
			l = Warn
		}
		if l != Good {
			st.Reasons = append(st.Reasons, Reason{Code: Motion, Level: l, Value: met.LowFraction})
		}
	}
	// Worst first, keeping check order among equals (insertion sort).
	rs := st.Reasons
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Level > rs[j-1].Level; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	st.Level = Good
	if len(rs) > 0 {
		st.Level = rs[0].Level
	}
	st.OKForControl = st.Level != Bad
}

// closeSpectrum sums the segment that just closed (the EMG band's slots
// bandEnd to bandEnd+segLen) into the spectral slot ch.head of the ring,
// and slides the window's sums over it. With L = segLen, S_b the sum of the
// new segment at bin b (of its samples v_j for the mains bins, of v_j² for
// the last two) and S'_b the one it replaces:
//
//	S_b = Σ_j v_j·e^{−iω_b j},  j = 0 … L−1
//	W_b ← W_b + e^{−iω_b cL}·S_b                         while the ring fills (c segments in it)
//	W_b ← e^{iω_b L}·(W_b − S'_b) + e^{−iω_b (nseg−1)L}·S_b  once it is full
//
// so that W_b = Σ_k e^{−iω_b kL}·S_b,k over the ring's segments, oldest
// first: the DFT at ω_b of the window with its first sample at phase 0. It
// costs nbin·(segLen + 3) multiply-adds per segment, whatever the window's
// length. Rounding errors of the slide are wiped out once per window, when
// resumSpectrum recomputes W from the segments' sums.
func (m *Monitor) closeSpectrum(ch *channel) {
	L, nb := m.segLen, m.nbin
	seg := ch.band[ch.bandEnd : ch.bandEnd+L]
	spec := ch.spec[ch.head*nb : (ch.head+1)*nb]
	full := ch.count == m.nseg
	k := ch.count // twiddle of the new segment: its place in the window
	if full {
		k = m.nseg - 1
	}
	nv := 5 * m.nmains
	for b := range nb {
		cs, sn := m.cosTab[b*L:(b+1)*L], m.sinTab[b*L:(b+1)*L]
		cs, sn = cs[:len(seg)], sn[:len(seg)]
		var re, im float64
		if b < nv {
			for j, v := range seg {
				re += v * cs[j]
				im += v * sn[j]
			}
		} else {
			for j, v := range seg {
				v *= v
				re += v * cs[j]
				im += v * sn[j]
			}
		}
		sum := complex(re, im)
		if full {
			ch.win[b] = m.rot[b]*(ch.win[b]-spec[b]) + m.twid[b*m.nseg+k]*sum
		} else {
			ch.win[b] += m.twid[b*m.nseg+k] * sum
		}
		spec[b] = sum
	}
}

// resumSpectrum recomputes the window's sums W_b = Σ_k e^{−iω_b kL}·S_b,k
// from the segments' sums; it is called when the ring's oldest segment is
// in slot 0 (once per window), so the slide's rounding cannot accumulate.
func (m *Monitor) resumSpectrum(ch *channel) {
	nb := m.nbin
	for b := range nb {
		var w complex128
		for k, t := range m.twid[b*m.nseg : (b+1)*m.nseg] {
			w += t * ch.spec[k*nb+b]
		}
		ch.win[b] = w
	}
}

// mains measures the mains interference of a channel whose window is full:
// the power within one bin (1/window Hz) of each mains frequency under a
// Hann window, against the Hann-weighted power of the band (the same
// weighting, so pure mains gives a fraction of 1 and white noise 3 bins'
// share of the band). The stronger mains frequency is reported. bandSq is
// Σ v² over the window.
//
// Both come from the window's sliding DFT (closeSpectrum) with the periodic
// Hann window h_i = 0.5 − 0.5·cos(Ωi), Ω = 2π/n, n the window's length: its
// spectrum is three rectangular bins, and its square a sum of cosines,
//
//	X_hann(ω) = 0.5·X(ω) − 0.25·(X(ω−Ω) + X(ω+Ω))
//	Σ (h_i·v_i)² = 0.375·Σ v_i² − 0.5·Re Σ v_i²·e^{−iΩi} + 0.125·Re Σ v_i²·e^{−2iΩi}
//
// The result equals the direct computation (a Goertzel filter per bin over
// the Hann-windowed window, O(n)) to rounding: within 1e-9 relative in the
// tests (TestMainsMatchesDirect).
func (m *Monitor) mains(ch *channel, met *Metrics, bandSq float64) {
	w := ch.win
	q := 5 * m.nmains
	wsq := max(0, 0.375*bandSq-0.5*real(w[q])+0.125*real(w[q+1]))
	pBand := wsq / m.hannSq
	norm := 2 / (float64(m.nseg*m.segLen) * m.hannSq) // one-sided power per bin
	best, bestP := 0, -1.0
	for f := range m.nmains {
		r := w[5*f : 5*f+5]
		var p float64
		for k := 1; k <= 3; k++ {
			h := 0.5*r[k] - 0.25*(r[k-1]+r[k+1])
			p += (real(h)*real(h) + imag(h)*imag(h)) * norm
		}
		if p > bestP {
			best, bestP = f, p
		}
	}
	met.MainsHz = m.mainsHz[best]
	met.MainsRMSUV = math.Sqrt(bestP)
	if pBand > 0 {
		met.MainsFraction = min(1, bestP/pBand)
	}
}

// mainsLevel grades a mains measurement: its fraction of the band's power
// and its RMS in µV must both reach the Warn or the Bad thresholds.
func mainsLevel(fraction, rmsUV float64) Level {
	switch {
	case fraction >= MainsBadFraction && rmsUV >= MainsBadUV:
		return Bad
	case fraction >= MainsWarnFraction && rmsUV >= MainsWarnUV:
		return Warn
	}
	return Good
}

// grade returns Bad when v ≥ bad, Warn when v ≥ warn, else Good.
func grade(v, warn, bad float64) Level {
	switch {
	case v >= bad:
		return Bad
	case v >= warn:
		return Warn
	}
	return Good
}

// Channels returns the number of channels.
func (m *Monitor) Channels() int { return m.channels }

// Status returns channel c's current status. The pointer aliases the
// Monitor's state: it is valid until the next Process or Reset and must not
// be modified; copy it (Status.CopyFrom, Statuses) to hand it to another
// goroutine. It panics if c is out of range.
func (m *Monitor) Status(c int) *Status { return &m.status[c] }

// OKForControl reports whether channel c may drive the glove now: its
// window has filled and no check is Bad. It panics if c is out of range.
func (m *Monitor) OKForControl(c int) bool { return m.status[c].OKForControl }

// Statuses copies every channel's status into dst and returns it. If dst
// is nil a new slice is allocated; otherwise it must have Channels()
// elements or Statuses panics. Reasons are deep-copied into dst's own
// storage, so dst may be handed to another goroutine; reusing a dst from
// an earlier call does not allocate.
func (m *Monitor) Statuses(dst []Status) []Status {
	if dst == nil {
		dst = make([]Status, m.channels)
		for i := range dst {
			dst[i].Reasons = make([]Reason, 0, numCodes)
		}
	} else if len(dst) != m.channels {
		panic("quality: dst length mismatch")
	}
	for c := range dst {
		if cap(dst[c].Reasons) < numCodes {
			dst[c].Reasons = make([]Reason, 0, numCodes)
		}
		dst[c].CopyFrom(&m.status[c])
	}
	return dst
}
