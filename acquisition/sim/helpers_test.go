package sim

import (
	"math"
	"testing"
)

// record runs s for n samples and returns them per channel.
func record(s *Simulator, n int) [][]float64 {
	out := make([][]float64, s.Channels())
	for c := range out {
		out[c] = make([]float64, n)
	}
	x := make([]float64, s.Channels())
	for i := range n {
		s.Next(x)
		for c, v := range x {
			out[c][i] = v
		}
	}
	return out
}

// skip runs s for n samples, discarding them.
func skip(s *Simulator, n int) {
	x := make([]float64, s.Channels())
	for range n {
		s.Next(x)
	}
}

// periodogram returns the power |X_k|²/N of bins k = 0..N/2 of x's plain
// DFT (bin width rate/N).
func periodogram(x []float64) []float64 {
	n := len(x)
	cos, sin := make([]float64, n), make([]float64, n)
	for m := range n {
		sin[m], cos[m] = math.Sincos(2 * math.Pi * float64(m) / float64(n))
	}
	p := make([]float64, n/2+1)
	for k := range p {
		var re, im float64
		idx := 0
		for _, v := range x {
			re += v * cos[idx]
			im -= v * sin[idx]
			if idx += k; idx >= n {
				idx -= n
			}
		}
		p[k] = (re*re + im*im) / float64(n)
	}
	return p
}

// averagePeriodogram averages the periodograms of consecutive windows of
// length win of x.
func averagePeriodogram(x []float64, win int) []float64 {
	var avg []float64
	nw := len(x) / win
	for w := range nw {
		p := periodogram(x[w*win : (w+1)*win])
		if avg == nil {
			avg = make([]float64, len(p))
		}
		for k, v := range p {
			avg[k] += v / float64(nw)
		}
	}
	return avg
}

// medianFrequency returns the frequency below which half of the power of p
// (bins of width df, DC excluded) lies.
func medianFrequency(p []float64, df float64) float64 {
	var total float64
	for _, v := range p[1:] {
		total += v
	}
	var cum float64
	for k := 1; k < len(p); k++ {
		if cum+p[k] >= total/2 {
			return float64(k) * df
		}
		cum += p[k]
	}
	return float64(len(p)-1) * df
}

// meanBins returns the mean of p over bins lo..hi inclusive.
func meanBins(p []float64, lo, hi int) float64 {
	var s float64
	for k := lo; k <= hi; k++ {
		s += p[k]
	}
	return s / float64(hi-lo+1)
}

// slope returns the least-squares slope of y against its index.
func slope(y []float64) float64 {
	n := float64(len(y))
	var sx, sy, sxx, sxy float64
	for i, v := range y {
		x := float64(i)
		sx, sy, sxx, sxy = sx+x, sy+v, sxx+x*x, sxy+x*v
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// rms returns the root mean square of x.
func rms(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(len(x)))
}

// manual returns a manual-control simulator for cfg (Manual forced on).
func manual(t testing.TB, cfg Config) *Simulator {
	t.Helper()
	cfg.Manual = true
	s, err := NewSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHelpers checks the test's own DFT and median frequency on a pure tone.
func TestHelpers(t *testing.T) {
	x := make([]float64, 200)
	for i := range x {
		x[i] = 3 * math.Cos(2*math.Pi*17*float64(i)/200)
	}
	p := periodogram(x)
	for k, v := range p {
		want := 0.0
		if k == 17 {
			want = 9.0 / 4 * 200
		}
		if math.Abs(v-want) > 1e-9*200 {
			t.Fatalf("bin %d: power %g, want %g", k, v, want)
		}
	}
	if got := medianFrequency(p, 5); got != 85 {
		t.Errorf("median frequency %g, want 85", got)
	}
	if got := slope([]float64{1, 3, 5, 7}); math.Abs(got-2) > 1e-12 {
		t.Errorf("slope %g, want 2", got)
	}
}
