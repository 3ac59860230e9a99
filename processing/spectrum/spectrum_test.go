package spectrum

import (
	"myorehab/processing/internal/reftest"

	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// TestReferenceWelch checks the welch_hann_256_128 cases: f, PSD and the
// MDF/MNF scalars over all bins and over 20–450 Hz.
func TestReferenceWelch(t *testing.T) {
	ref := reftest.Dir(t)
	m := reftest.ReadManifest(t, ref)
	found := 0
	for _, c := range m.Cases {
		if c.Kind != "welch_psd" {
			continue
		}
		found++
		t.Run(c.ID, func(t *testing.T) {
			x := reftest.ReadColumn(t, filepath.Join(ref, "inputs", c.Input+".csv"))
			w, err := NewWelch(c.Fs, 256, 128)
			if err != nil {
				t.Fatal(err)
			}
			f := w.Freqs(nil)
			psd := w.PSD(nil, x)
			out := c.Outputs["psd"]
			_, rows, _ := reftest.ReadCSV(t, filepath.Join(ref, out.File))
			wantF, wantP := make([]float64, len(rows)), make([]float64, len(rows))
			for i, r := range rows {
				wantF[i], wantP[i] = r[0], r[1]
			}
			if ok, e := reftest.Within(f, wantF, out.Tolerance.Rtol, out.Tolerance.Atol); !ok {
				t.Errorf("f: max error %.3g", e)
			}
			if ok, e := reftest.Within(psd, wantP, out.Tolerance.Rtol, out.Tolerance.Atol); !ok {
				t.Errorf("psd: len %d (want %d), max error %.3g exceeds rtol %g", len(psd), len(wantP), e, out.Tolerance.Rtol)
			}
			sc := c.Outputs["scalars"]
			s := reftest.ReadScalars(t, filepath.Join(ref, sc.File))
			inf := math.Inf(1)
			for _, check := range []struct {
				name string
				got  float64
			}{
				{"mdf_full_hz", MedianFrequency(f, psd, -inf, inf)},
				{"mnf_full_hz", MeanFrequency(f, psd, -inf, inf)},
				{"mdf_20_450_hz", MedianFrequency(f, psd, 20, 450)},
				{"mnf_20_450_hz", MeanFrequency(f, psd, 20, 450)},
				{"n_segments", float64(w.Segments(len(x)))},
			} {
				want, ok := s[check.name]
				if !ok {
					t.Fatalf("scalars lack %s", check.name)
				}
				if ok, e := reftest.Within([]float64{check.got}, []float64{want}, sc.Tolerance.Rtol, sc.Tolerance.Atol); !ok {
					t.Errorf("%s = %.17g, want %.17g (error %.3g)", check.name, check.got, want, e)
				}
			}
		})
	}
	if found != 3 {
		t.Errorf("found %d welch cases in the manifest, want 3", found)
	}
}

// TestReferenceSTFT checks the stft_hann_128_64 cases: f, t and |Z|.
func TestReferenceSTFT(t *testing.T) {
	ref := reftest.Dir(t)
	m := reftest.ReadManifest(t, ref)
	found := 0
	for _, c := range m.Cases {
		if c.Kind != "stft_magnitude" {
			continue
		}
		found++
		t.Run(c.ID, func(t *testing.T) {
			x := reftest.ReadColumn(t, filepath.Join(ref, "inputs", c.Input+".csv"))
			s, err := NewSTFT(c.Fs, 128, 64)
			if err != nil {
				t.Fatal(err)
			}
			check := func(name string, got []float64) {
				t.Helper()
				out := c.Outputs[name]
				want := reftest.ReadColumn(t, filepath.Join(ref, out.File))
				if ok, e := reftest.Within(got, want, out.Tolerance.Rtol, out.Tolerance.Atol); !ok {
					t.Errorf("%s: len %d (want %d), max error %.3g exceeds rtol %g", name, len(got), len(want), e, out.Tolerance.Rtol)
				}
			}
			check("f", s.Freqs(nil))
			check("t", s.Times(nil, len(x)))
			mag := s.Magnitude(nil, x)
			out := c.Outputs["mag"]
			header, rows, _ := reftest.ReadCSV(t, filepath.Join(ref, out.File))
			frames, bins := s.Frames(len(x)), s.Bins()
			if len(rows) != bins || len(header) != frames {
				t.Fatalf("reference is %d×%d, STFT gives %d bins × %d frames", len(rows), len(header), bins, frames)
			}
			got, want := make([]float64, 0, frames*bins), make([]float64, 0, frames*bins)
			for k := range bins {
				for j := range frames {
					got = append(got, mag[j*bins+k])
					want = append(want, rows[k][j])
				}
			}
			if ok, e := reftest.Within(got, want, out.Tolerance.Rtol, out.Tolerance.Atol); !ok {
				t.Errorf("mag: max error %.3g exceeds rtol %g", e, out.Tolerance.Rtol)
			}
		})
	}
	if found != 3 {
		t.Errorf("found %d stft cases in the manifest, want 3", found)
	}
}

// dft returns the non-negative-frequency bins of the DFT of x (O(n²)).
func dft(x []float64) []complex128 {
	n := len(x)
	out := make([]complex128, n/2+1)
	for k := range out {
		var s complex128
		for i, v := range x {
			s += complex(v, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*i)/float64(n)))
		}
		out[k] = s
	}
	return out
}

// slowWelch follows the README's description literally, with a plain DFT
// and the textbook window formula.
func slowWelch(x []float64, fs float64, nperseg, noverlap int) []float64 {
	step := nperseg - noverlap
	nseg := (len(x) - noverlap) / step
	win := make([]float64, nperseg)
	var s2 float64
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(nperseg))
		s2 += win[i] * win[i]
	}
	psd := make([]float64, nperseg/2+1)
	for j := range nseg {
		seg := append([]float64(nil), x[j*step:j*step+nperseg]...)
		var mean float64
		for _, v := range seg {
			mean += v / float64(nperseg)
		}
		for i := range seg {
			seg[i] = (seg[i] - mean) * win[i]
		}
		for k, c := range dft(seg) {
			p := real(c)*real(c) + imag(c)*imag(c)
			p /= fs * s2
			if k > 0 && (k < nperseg/2 || nperseg%2 == 1) {
				p *= 2
			}
			psd[k] += p / float64(nseg)
		}
	}
	return psd
}

func TestWelchMatchesSlowReference(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, test := range []struct {
		n, nperseg, noverlap int
		fs                   float64
	}{
		{1000, 256, 128, 1000},
		{1000, 200, 100, 1000},
		{777, 101, 30, 2048}, // odd nfft: no Nyquist bin
		{64, 64, 0, 1},
		{300, 90, 89, 500},
	} {
		t.Run(fmt.Sprintf("n=%d/nperseg=%d/noverlap=%d", test.n, test.nperseg, test.noverlap), func(t *testing.T) {
			x := make([]float64, test.n)
			for i := range x {
				x[i] = 5 + 50*rnd.NormFloat64() // offset exercises the mean removal
			}
			w, err := NewWelch(test.fs, test.nperseg, test.noverlap)
			if err != nil {
				t.Fatal(err)
			}
			got := w.PSD(nil, x)
			want := slowWelch(x, test.fs, test.nperseg, test.noverlap)
			if ok, e := reftest.Within(got, want, 1e-11, 0); !ok {
				t.Errorf("max error %.3g", e)
			}
		})
	}
}

// slowSTFT follows the README: explicit zero padding, Hann, DFT, /Σw.
func slowSTFT(x []float64, nperseg, noverlap int) [][]float64 {
	step := nperseg - noverlap
	half := nperseg / 2
	p := append(append(make([]float64, half), x...), make([]float64, half)...)
	for (len(p)-nperseg)%step != 0 {
		p = append(p, 0)
	}
	win := make([]float64, nperseg)
	var sum float64
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(nperseg))
		sum += win[i]
	}
	var frames [][]float64
	for start := 0; start+nperseg <= len(p); start += step {
		seg := make([]float64, nperseg)
		for i := range seg {
			seg[i] = p[start+i] * win[i]
		}
		var mag []float64
		for _, c := range dft(seg) {
			mag = append(mag, cmplx.Abs(c)/sum)
		}
		frames = append(frames, mag)
	}
	return frames
}

func TestSTFTMatchesSlowReference(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, test := range []struct{ n, nperseg, noverlap int }{
		{1000, 128, 64},
		{1, 16, 8},
		{100, 33, 10},
		{129, 64, 0},
		{50, 128, 64}, // shorter than a frame
	} {
		t.Run(fmt.Sprintf("n=%d/nperseg=%d/noverlap=%d", test.n, test.nperseg, test.noverlap), func(t *testing.T) {
			x := make([]float64, test.n)
			for i := range x {
				x[i] = rnd.NormFloat64()
			}
			s, err := NewSTFT(1000, test.nperseg, test.noverlap)
			if err != nil {
				t.Fatal(err)
			}
			want := slowSTFT(x, test.nperseg, test.noverlap)
			if s.Frames(test.n) != len(want) {
				t.Fatalf("Frames = %d, want %d", s.Frames(test.n), len(want))
			}
			got := s.Magnitude(nil, x)
			var flat []float64
			for _, f := range want {
				flat = append(flat, f...)
			}
			if ok, e := reftest.Within(got, flat, 1e-11, 0); !ok {
				t.Errorf("max error %.3g", e)
			}
			times := s.Times(nil, test.n)
			for j, tj := range times {
				if want := float64(j*(test.nperseg-test.noverlap)) / 1000; math.Abs(tj-want) > 1e-12 {
					t.Errorf("t[%d] = %v, want %v", j, tj, want)
				}
			}
		})
	}
}

func TestFrameCounts(t *testing.T) {
	t.Parallel()
	// Segment and frame counts stated in the reference README.
	w, _ := NewWelch(1000, 256, 128)
	s, _ := NewSTFT(1000, 128, 64)
	for _, test := range []struct{ n, segments, frames int }{
		{8000, 61, 126},
		{4000, 30, 64},
		{20000, 155, 314},
		{255, 0, 5},
	} {
		if got := w.Segments(test.n); got != test.segments {
			t.Errorf("Segments(%d) = %d, want %d", test.n, got, test.segments)
		}
		if got := s.Frames(test.n); got != test.frames {
			t.Errorf("Frames(%d) = %d, want %d", test.n, got, test.frames)
		}
	}
}

func TestHann(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 3, 8, 128, 256, 201} {
		w := Hann(make([]float64, n))
		for i, v := range w {
			want := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
			if math.Abs(v-want) > 1e-15 {
				t.Errorf("Hann(%d)[%d] = %v, want %v", n, i, v, want)
			}
		}
		if w[0] != 0 {
			t.Errorf("Hann(%d)[0] = %v, want 0", n, w[0])
		}
	}
}

func TestMedianMeanFrequencyTable(t *testing.T) {
	t.Parallel()
	inf := math.Inf(1)
	f := []float64{0, 10, 20, 30, 40}
	for _, test := range []struct {
		name     string
		psd      []float64
		lo, hi   float64
		mdf, mnf float64
	}{
		// H = 2.5: c = 1,2,3 → k = 2, MDF = 10 + (2.5−2)/(3−2)·10.
		{"flat", []float64{1, 1, 1, 1, 1}, -inf, inf, 15, 20},
		// All power in bin 2: c = 0,0,4 → k = 2, MDF = 10 + (2−0)/4·10.
		{"single bin", []float64{0, 0, 4, 0, 0}, -inf, inf, 15, 20},
		// H = 0.5 reached at bin 0.
		{"first bin", []float64{1, 0, 0, 0, 0}, -inf, inf, 0, 0},
		// Band [10, 30] inclusive: bins 10, 20, 30 with 1, 2, 1; H = 2,
		// c = 1, 3 → MDF = 10 + (2−1)/(3−1)·10.
		{"band", []float64{100, 1, 2, 1, 100}, 10, 30, 15, 20},
		{"empty band", []float64{1, 1, 1, 1, 1}, 11, 19, math.NaN(), math.NaN()},
		{"zero power", []float64{0, 0, 0, 0, 0}, -inf, inf, math.NaN(), math.NaN()},
	} {
		mdf := MedianFrequency(f, test.psd, test.lo, test.hi)
		mnf := MeanFrequency(f, test.psd, test.lo, test.hi)
		if !same(mdf, test.mdf) || !same(mnf, test.mnf) {
			t.Errorf("%s: MDF, MNF = %v, %v, want %v, %v", test.name, mdf, mnf, test.mdf, test.mnf)
		}
	}
}

func same(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-12*math.Abs(b)
}

// TestPureSine: a sine at a bin centre spreads, through the Hann window,
// over exactly three bins with powers 1:4:1, so MNF is its frequency and
// the README's running-sum interpolation puts MDF half a bin below it. An
// off-centre sine has MDF and MNF within one bin of its frequency.
func TestPureSine(t *testing.T) {
	t.Parallel()
	const fs, nperseg = 1000.0, 256
	df := fs / nperseg
	w, _ := NewWelch(fs, nperseg, nperseg/2)
	f := w.Freqs(nil)
	inf := math.Inf(1)
	for _, test := range []struct {
		f0      float64
		centred bool
		lo, hi  float64
	}{
		{20 * df, true, -inf, inf},
		{37 * df, true, 20, 450},
		{100 * df, true, 20, 450},
		{60, false, -inf, inf},
		{123.4, false, 20, 450},
	} {
		x := make([]float64, 4000)
		for i := range x {
			x[i] = 3 * math.Sin(2*math.Pi*test.f0*float64(i)/fs)
		}
		psd := w.PSD(nil, x)
		mdf := MedianFrequency(f, psd, test.lo, test.hi)
		mnf := MeanFrequency(f, psd, test.lo, test.hi)
		if test.centred {
			if math.Abs(mnf-test.f0) > 1e-9*test.f0 {
				t.Errorf("f0 %v Hz: MNF %v", test.f0, mnf)
			}
			if want := test.f0 - df/2; math.Abs(mdf-want) > 1e-9*test.f0 {
				t.Errorf("f0 %v Hz: MDF %v, want f0 − Δf/2 = %v", test.f0, mdf, want)
			}
			continue
		}
		if math.Abs(mdf-test.f0) > df || math.Abs(mnf-test.f0) > df {
			t.Errorf("f0 %v Hz: MDF %v, MNF %v, want within %v Hz", test.f0, mdf, mnf, df)
		}
	}
}

// TestParseval: for white noise the one-sided density integrates to the
// variance.
func TestParseval(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	const fs = 2000.0
	x := make([]float64, 200000)
	for i := range x {
		x[i] = 4 * rnd.NormFloat64()
	}
	w, _ := NewWelch(fs, 256, 128)
	psd := w.PSD(nil, x)
	var power float64
	for _, p := range psd {
		power += p * fs / 256
	}
	if math.Abs(power-16) > 0.3 {
		t.Errorf("∫PSD = %v, want variance 16", power)
	}
}

func TestConstructorErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		fs                float64
		nperseg, noverlap int
	}{
		{0, 256, 128}, {-1, 256, 128}, {math.NaN(), 256, 128}, {math.Inf(1), 256, 128},
		{1000, 1, 0}, {1000, 256, 256}, {1000, 256, -1},
	} {
		if _, err := NewWelch(test.fs, test.nperseg, test.noverlap); err == nil {
			t.Errorf("NewWelch(%v, %d, %d) succeeded, want error", test.fs, test.nperseg, test.noverlap)
		}
		if _, err := NewSTFT(test.fs, test.nperseg, test.noverlap); err == nil {
			t.Errorf("NewSTFT(%v, %d, %d) succeeded, want error", test.fs, test.nperseg, test.noverlap)
		}
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	w, _ := NewWelch(1000, 256, 128)
	s, _ := NewSTFT(1000, 128, 64)
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"PSD short input", func() { w.PSD(nil, make([]float64, 255)) }},
		{"PSD dst", func() { w.PSD(make([]float64, 128), make([]float64, 256)) }},
		{"Freqs dst", func() { w.Freqs(make([]float64, 1)) }},
		{"Magnitude empty", func() { s.Magnitude(nil, nil) }},
		{"Magnitude dst", func() { s.Magnitude(make([]float64, 65), make([]float64, 1000)) }},
		{"Times dst", func() { s.Times(make([]float64, 2), 1000) }},
		{"MDF lengths", func() { MedianFrequency(make([]float64, 3), make([]float64, 4), 0, 1) }},
		{"MNF lengths", func() { MeanFrequency(make([]float64, 3), make([]float64, 4), 0, 1) }},
		{"Hann empty", func() { Hann(nil) }},
	} {
		func() {
			defer func() {
				if r, ok := recover().(string); !ok || !strings.HasPrefix(r, "spectrum: ") {
					t.Errorf("%s: panic %q, want \"spectrum: …\"", test.name, r)
				}
			}()
			test.fn()
		}()
	}
}

func TestAllocs(t *testing.T) {
	x := make([]float64, 1000)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	w, _ := NewWelch(1000, 256, 128)
	f := w.Freqs(nil)
	psd := make([]float64, w.Bins())
	var sink float64
	if a := testing.AllocsPerRun(100, func() {
		w.PSD(psd, x)
		sink += MedianFrequency(f, psd, 20, 450) + MeanFrequency(f, psd, 20, 450)
	}); a != 0 {
		t.Errorf("PSD+MDF+MNF allocate %v times per run, want 0", a)
	}
	s, _ := NewSTFT(1000, 128, 64)
	mag := make([]float64, s.Frames(len(x))*s.Bins())
	if a := testing.AllocsPerRun(100, func() { s.Magnitude(mag, x) }); a != 0 {
		t.Errorf("Magnitude allocates %v times per run, want 0", a)
	}
	_ = sink
}

// BenchmarkWelchMDF: Welch PSD + MDF + MNF of 1 s of 8 channels at 1000 Hz.
func BenchmarkWelchMDF(b *testing.B) {
	const fs, n, channels = 1000.0, 1000, 8
	rnd := rand.New(rand.NewPCG(1, 1))
	data := make([]float64, channels*n)
	for i := range data {
		data[i] = rnd.NormFloat64()
	}
	for _, seg := range []struct{ nperseg, noverlap int }{{256, 128}, {200, 100}} {
		b.Run(fmt.Sprintf("nperseg=%d", seg.nperseg), func(b *testing.B) {
			w, err := NewWelch(fs, seg.nperseg, seg.noverlap)
			if err != nil {
				b.Fatal(err)
			}
			f := w.Freqs(nil)
			psd := make([]float64, w.Bins())
			mdf := make([]float64, channels)
			mnf := make([]float64, channels)
			b.ReportAllocs()
			for b.Loop() {
				for c := range channels {
					w.PSD(psd, data[c*n:(c+1)*n])
					mdf[c] = MedianFrequency(f, psd, 20, 450)
					mnf[c] = MeanFrequency(f, psd, 20, 450)
				}
			}
		})
	}
}

func BenchmarkSTFT(b *testing.B) {
	x := make([]float64, 4000)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	s, _ := NewSTFT(1000, 128, 64)
	mag := make([]float64, s.Frames(len(x))*s.Bins())
	b.ReportAllocs()
	for b.Loop() {
		s.Magnitude(mag, x)
	}
}
