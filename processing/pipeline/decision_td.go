package pipeline

import (
	"math"

	"myorehab/processing/features"
)

// streamTD keeps Hudgins' time-domain features (MAV, ZC, SSC, WL) of the
// latest window as running sums, updated per sample, so that a decision
// reads them in O(channels) instead of O(channels·window). The definitions
// are those of package features (basicPass): over a window x_0..x_{n−1},
//
//	MAV = Σ|x_i|/n, WL = Σ_{i≥1}|x_i−x_{i−1}|, ZC = #{i: x_{i−1}·x_i < 0},
//	SSC = #{i: (x_{i−1}−x_{i−2})·(x_i−x_{i−1}) ≤ −T}.
//
// Every quantity is stored per sample (for the pair or triple ending at
// it) in a ring of n slots; a new sample adds its terms and removes those
// that leave the window. The float sums are recomputed exactly once per
// n samples so rounding does not accumulate; the counts are exact.
type streamTD struct {
	n, channels int
	t           float64 // −SSCThreshold
	kinds       []byte  // output order: 'M', 'Z', 'S', 'W'
	abs, dabs   [][]float64
	zc, ssc     [][]uint8
	sumA, sumW  []float64
	cntZ, cntS  []int
	prev, dprev []float64
	seen        int // samples since the stream (re)started, capped at 2
}

// newStreamTD returns a streamTD for set, or nil when set computes
// anything but MAV, ZC, SSC and WL.
func newStreamTD(set *features.Set) *streamTD {
	names := set.Features()
	kinds := make([]byte, len(names))
	for i, f := range names {
		switch f {
		case "MAV":
			kinds[i] = 'M'
		case "ZC":
			kinds[i] = 'Z'
		case "SSC":
			kinds[i] = 'S'
		case "WL":
			kinds[i] = 'W'
		default:
			return nil
		}
	}
	n, ch := set.WindowLen(), set.Channels()
	if n < 3 || set.Len() != len(kinds)*ch {
		return nil
	}
	s := &streamTD{
		n: n, channels: ch, t: -set.Params().SSCThreshold, kinds: kinds,
		abs: make([][]float64, ch), dabs: make([][]float64, ch),
		zc: make([][]uint8, ch), ssc: make([][]uint8, ch),
		sumA: make([]float64, ch), sumW: make([]float64, ch),
		cntZ: make([]int, ch), cntS: make([]int, ch),
		prev: make([]float64, ch), dprev: make([]float64, ch),
	}
	for c := range ch {
		s.abs[c], s.dabs[c] = make([]float64, n), make([]float64, n)
		s.zc[c], s.ssc[c] = make([]uint8, n), make([]uint8, n)
	}
	return s
}

// reset empties the window.
func (s *streamTD) reset() {
	for c := range s.channels {
		clear(s.abs[c])
		clear(s.dabs[c])
		clear(s.zc[c])
		clear(s.ssc[c])
	}
	clear(s.sumA)
	clear(s.sumW)
	clear(s.cntZ)
	clear(s.cntS)
	s.seen = 0
}

// push adds sample v of channel c at ring slot p.
func (s *streamTD) push(c, p int, v float64) {
	n := s.n
	p1, p2 := p+1, p+2
	if p1 >= n {
		p1 -= n
	}
	if p2 >= n {
		p2 -= n
	}
	a, da, z, sc := s.abs[c], s.dabs[c], s.zc[c], s.ssc[c]
	var d, ad float64
	var zi, si uint8
	if s.seen > 0 {
		d = v - s.prev[c]
		ad = math.Abs(d)
		if s.prev[c]*v < 0 {
			zi = 1
		}
		if s.seen > 1 && s.dprev[c]*d <= s.t {
			si = 1
		}
	}
	av := math.Abs(v)
	s.sumA[c] += av - a[p]
	s.sumW[c] += ad - da[p1]
	s.cntZ[c] += int(zi) - int(z[p1])
	s.cntS[c] += int(si) - int(sc[p2])
	a[p], da[p], z[p], sc[p] = av, ad, zi, si
	s.prev[c], s.dprev[c] = v, d
}

// advance ends a sample of all channels written at slot p.
func (s *streamTD) advance(p int) {
	if s.seen < 2 {
		s.seen++
	}
	if p == s.n-1 {
		s.resum()
	}
}

// resum recomputes the float sums exactly: MAV over all n slots, WL over
// the n−1 pairs inside the window (all slots but the oldest sample's,
// slot 0 after a wrap).
func (s *streamTD) resum() {
	for c := range s.channels {
		var a, w float64
		for _, v := range s.abs[c] {
			a += v
		}
		for _, v := range s.dabs[c][1:] {
			w += v
		}
		s.sumA[c], s.sumW[c] = a, w
	}
}

// write puts the features of the window in dst in the Set's layout.
func (s *streamTD) write(dst []float64) {
	fn := float64(s.n)
	i := 0
	for _, k := range s.kinds {
		for c := range s.channels {
			switch k {
			case 'M':
				dst[i] = s.sumA[c] / fn
			case 'Z':
				dst[i] = float64(s.cntZ[c])
			case 'S':
				dst[i] = float64(s.cntS[c])
			case 'W':
				dst[i] = s.sumW[c]
			}
			i++
		}
	}
}
