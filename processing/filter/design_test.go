package filter_test

import (
	"errors"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"

	"myorehab/processing/filter"
)

// sosResponse returns H(e^{iω}) of a cascade at f Hz.
func sosResponse(sos []filter.Section, f, fs float64) complex128 {
	zi := cmplx.Exp(complex(0, -2*math.Pi*f/fs)) // z⁻¹
	h := complex(1, 0)
	for _, s := range sos {
		num := complex(s[0], 0) + complex(s[1], 0)*zi + complex(s[2], 0)*zi*zi
		den := complex(s[3], 0) + complex(s[4], 0)*zi + complex(s[5], 0)*zi*zi
		h *= num / den
	}
	return h
}

// zpkResponse returns H(e^{iω}) of a zpk filter at f Hz.
func zpkResponse(f filter.ZPK, hz, fs float64) complex128 {
	z := cmplx.Exp(complex(0, 2*math.Pi*hz/fs))
	h := complex(f.K, 0)
	for _, v := range f.Z {
		h *= z - v
	}
	for _, v := range f.P {
		h /= z - v
	}
	return h
}

// digitalCentre returns the digital frequency whose pre-warped value is
// the geometric mean of the pre-warped edges (the centre of a Butterworth
// band-pass or band-stop).
func digitalCentre(lo, hi, fs float64) float64 {
	w := func(f float64) float64 { return math.Tan(math.Pi * f / fs) }
	return fs / math.Pi * math.Atan(math.Sqrt(w(lo)*w(hi)))
}

// TestButterProperties checks orders 1…16 of every band type: section
// count, a0 = 1, stable sections, the Butterworth −3 dB points at the
// edges, unit gain in the pass band, and that the sections realise the
// same transfer function as the zpk form.
func TestButterProperties(t *testing.T) {
	t.Parallel()
	const tol = 1e-8
	rng := rand.New(rand.NewPCG(1, 1))
	for _, test := range []struct {
		name  string
		band  filter.Band
		fs    float64
		edges []float64
	}{
		{"lowpass 450 @ 4000", filter.Lowpass, 4000, []float64{450}},
		{"lowpass 100 @ 250", filter.Lowpass, 250, []float64{100}},
		{"highpass 20 @ 1000", filter.Highpass, 1000, []float64{20}},
		{"highpass 10 @ 250", filter.Highpass, 250, []float64{10}},
		{"bandpass 20-450 @ 1000", filter.Bandpass, 1000, []float64{20, 450}},
		{"bandpass 20-120 @ 250", filter.Bandpass, 250, []float64{20, 120}},
		{"bandstop 45-55 @ 1000", filter.Bandstop, 1000, []float64{45, 55}},
		{"bandstop 100-300 @ 2000", filter.Bandstop, 2000, []float64{100, 300}},
	} {
		for order := 1; order <= 16; order++ {
			zpk, err := filter.ButterZPK(order, test.band, test.fs, test.edges...)
			if err != nil {
				t.Fatalf("%s order %d: %v", test.name, order, err)
			}
			sos, err := filter.ButterSOS(order, test.band, test.fs, test.edges...)
			if err != nil {
				t.Fatalf("%s order %d: %v", test.name, order, err)
			}
			poles := order
			if len(test.edges) == 2 {
				poles *= 2
			}
			if len(zpk.P) != poles || len(zpk.Z) != poles {
				t.Errorf("%s order %d: %d zeros, %d poles, want %d each", test.name, order, len(zpk.Z), len(zpk.P), poles)
			}
			if want := (poles + 1) / 2; len(sos) != want {
				t.Errorf("%s order %d: %d sections, want %d", test.name, order, len(sos), want)
			}
			for i, s := range sos {
				// Biquad stability triangle: |a2| < 1 and |a1| < 1 + a2.
				if s[3] != 1 || !(math.Abs(s[5]) < 1) || !(math.Abs(s[4]) < 1+s[5]) {
					t.Errorf("%s order %d: section %d %v not normalised or unstable", test.name, order, i, s)
				}
			}
			for _, p := range zpk.P {
				if !(cmplx.Abs(p) < 1) {
					t.Errorf("%s order %d: pole %v outside the unit circle", test.name, order, p)
				}
			}
			mag := func(f float64) float64 { return cmplx.Abs(sosResponse(sos, f, test.fs)) }
			for _, e := range test.edges {
				if got := mag(e); math.Abs(got-math.Sqrt2/2) > tol {
					t.Errorf("%s order %d: |H(%g Hz)| = %.12f, want 1/√2", test.name, order, e, got)
				}
			}
			var pass []float64
			switch test.band {
			case filter.Lowpass:
				pass = []float64{0}
			case filter.Highpass:
				pass = []float64{test.fs / 2}
			case filter.Bandpass:
				pass = []float64{digitalCentre(test.edges[0], test.edges[1], test.fs)}
			case filter.Bandstop:
				pass = []float64{0, test.fs / 2}
				c := digitalCentre(test.edges[0], test.edges[1], test.fs)
				if got := mag(c); got > tol {
					t.Errorf("%s order %d: |H(centre %g Hz)| = %g, want 0", test.name, order, c, got)
				}
			}
			for _, f := range pass {
				if got := mag(f); math.Abs(got-1) > tol {
					t.Errorf("%s order %d: |H(%g Hz)| = %.12f, want 1", test.name, order, f, got)
				}
			}
			for range 20 {
				f := rng.Float64() * test.fs / 2
				hs, hz := sosResponse(sos, f, test.fs), zpkResponse(zpk, f, test.fs)
				if d := cmplx.Abs(hs - hz); d > tol*math.Max(1, cmplx.Abs(hz)) {
					t.Errorf("%s order %d: H(%g Hz) sos %v, zpk %v", test.name, order, f, hs, hz)
				}
			}
		}
	}
}

// TestZPKToSOSPairing checks SciPy's "nearest" pairing on a low-pass: the
// pole pair closest to the unit circle is in the last section, the whole
// gain is in the first, and odd orders are padded with a pole and a zero
// at the origin.
func TestZPKToSOSPairing(t *testing.T) {
	t.Parallel()
	sos, err := filter.ButterSOS(5, filter.Lowpass, 1000, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(sos) != 3 {
		t.Fatalf("%d sections, want 3", len(sos))
	}
	// A section's pole radius is √a2 for a complex pair.
	if !(sos[2][5] > sos[1][5]) {
		t.Errorf("last section a2 %g not above middle %g: worst poles not last", sos[2][5], sos[1][5])
	}
	// First section: the real pole and the padding pole at 0, so a2 = 0;
	// the padding zero at 0 goes to the nearest complex pole, so one
	// section has b2 = 0.
	if sos[0][5] != 0 {
		t.Errorf("first section %v, want a2 = 0", sos[0])
	}
	if sos[1][2] != 0 && sos[2][2] != 0 {
		t.Errorf("no section holds the padding zero: %v", sos)
	}
	for i := 1; i < 3; i++ {
		if sos[i][0] != 1 {
			t.Errorf("section %d b0 = %g, want 1 (gain only in the first)", i, sos[i][0])
		}
	}
	if got := filter.PadLen(sos); got != 3*(2*3+1-1) {
		t.Errorf("PadLen = %d, want 18", got)
	}

	if got := filter.ZPKToSOS(filter.ZPK{K: 2.5}); len(got) != 1 || got[0] != (filter.Section{2.5, 0, 0, 1, 0, 0}) {
		t.Errorf("empty zpk: %v", got)
	}
}

func TestZPKToSOSPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "filter: ") {
			t.Errorf("recover() = %v, want a filter: panic", r)
		}
	}()
	filter.ZPKToSOS(filter.ZPK{P: []complex128{complex(0.5, 0.5), complex(0.5, -0.4)}, K: 1})
}

func TestButterErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name  string
		order int
		band  filter.Band
		fs    float64
		edges []float64
		msg   string
	}{
		{"order 0", 0, filter.Lowpass, 1000, []float64{100}, "order 0"},
		{"order negative", -2, filter.Lowpass, 1000, []float64{100}, "order -2"},
		{"order too high", filter.MaxOrder + 1, filter.Lowpass, 1000, []float64{100}, "order 33"},
		{"unknown band", 4, filter.Band(9), 1000, []float64{100}, "band"},
		{"fs zero", 4, filter.Lowpass, 0, []float64{100}, "sampling rate 0"},
		{"fs NaN", 4, filter.Lowpass, math.NaN(), []float64{100}, "sampling rate NaN"},
		{"fs Inf", 4, filter.Lowpass, math.Inf(1), []float64{100}, "sampling rate +Inf"},
		{"edge zero", 4, filter.Highpass, 1000, []float64{0}, "edge 0 Hz"},
		{"edge negative", 4, filter.Highpass, 1000, []float64{-5}, "edge -5 Hz"},
		{"edge NaN", 4, filter.Highpass, 1000, []float64{math.NaN()}, "edge NaN Hz"},
		{"edge at Nyquist", 4, filter.Lowpass, 1000, []float64{500}, "Nyquist frequency 500 Hz"},
		{"edge above Nyquist", 4, filter.Bandpass, 250, []float64{20, 450}, "edge 450 Hz"},
		{"lo equals hi", 4, filter.Bandpass, 1000, []float64{100, 100}, "low edge 100 Hz must be below high edge 100 Hz"},
		{"lo above hi", 2, filter.Bandstop, 1000, []float64{300, 100}, "below high edge"},
		{"one edge for bandpass", 4, filter.Bandpass, 1000, []float64{100}, "needs 2 edge"},
		{"two edges for lowpass", 4, filter.Lowpass, 1000, []float64{100, 200}, "needs 1 edge"},
		{"no edges", 4, filter.Highpass, 1000, nil, "got 0"},
	} {
		t.Run(test.name, func(t *testing.T) {
			sos, err := filter.ButterSOS(test.order, test.band, test.fs, test.edges...)
			if !errors.Is(err, filter.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if sos != nil {
				t.Errorf("sos = %v on error", sos)
			}
			if !strings.Contains(err.Error(), test.msg) {
				t.Errorf("err = %q, want it to mention %q", err, test.msg)
			}
			if _, err := filter.ButterZPK(test.order, test.band, test.fs, test.edges...); !errors.Is(err, filter.ErrInvalid) {
				t.Errorf("ButterZPK err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestNotchErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name      string
		f0, q, fs float64
		msg       string
	}{
		{"f0 zero", 0, 30, 1000, "notch frequency 0 Hz"},
		{"f0 at Nyquist", 500, 30, 1000, "Nyquist"},
		{"f0 above Nyquist", 60, 30, 100, "notch frequency 60 Hz"},
		{"q zero", 50, 0, 1000, "Q 0"},
		{"q negative", 50, -1, 1000, "Q -1"},
		{"q NaN", 50, math.NaN(), 1000, "Q NaN"},
		{"fs negative", 50, 30, -1000, "sampling rate -1000"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, _, err := filter.Notch(test.f0, test.q, test.fs)
			if !errors.Is(err, filter.ErrInvalid) || !strings.Contains(err.Error(), test.msg) {
				t.Errorf("Notch err = %v, want ErrInvalid mentioning %q", err, test.msg)
			}
			if _, err := filter.NotchSOS(test.f0, test.q, test.fs); !errors.Is(err, filter.ErrInvalid) {
				t.Errorf("NotchSOS err = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestNotchResponse checks the notch's zero on the unit circle at f0, its
// −3 dB width f0/Q and unit gain at DC and Nyquist.
func TestNotchResponse(t *testing.T) {
	t.Parallel()
	for _, test := range []struct{ f0, q, fs float64 }{{50, 30, 1000}, {60, 30, 4000}, {50, 10, 250}} {
		s, err := filter.NotchSOS(test.f0, test.q, test.fs)
		if err != nil {
			t.Fatal(err)
		}
		mag := func(f float64) float64 { return cmplx.Abs(sosResponse([]filter.Section{s}, f, test.fs)) }
		if got := mag(test.f0); got > 1e-9 {
			t.Errorf("%+v: |H(f0)| = %g, want 0", test, got)
		}
		for _, f := range []float64{0, test.fs / 2} {
			if got := mag(f); math.Abs(got-1) > 1e-12 {
				t.Errorf("%+v: |H(%g)| = %g, want 1", test, f, got)
			}
		}
		// The −3 dB points are f0 ± bw/2 in pre-warped terms; check the
		// width by bisection on each side.
		edge := func(lo, hi float64) float64 {
			inLo := mag(lo) < math.Sqrt2/2
			for range 200 {
				mid := (lo + hi) / 2
				if (mag(mid) < math.Sqrt2/2) == inLo {
					lo = mid
				} else {
					hi = mid
				}
			}
			return lo
		}
		width := edge(test.f0, test.fs/2) - edge(test.f0, 0)
		if want := test.f0 / test.q; math.Abs(width-want)/want > 0.02 {
			t.Errorf("%+v: −3 dB width %g Hz, want ≈ %g", test, width, want)
		}
	}
}

func TestBandString(t *testing.T) {
	t.Parallel()
	for b, want := range map[filter.Band]string{filter.Lowpass: "lowpass", filter.Highpass: "highpass",
		filter.Bandpass: "bandpass", filter.Bandstop: "bandstop", filter.Band(0): "Band(0)"} {
		if got := b.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(b), got, want)
		}
	}
}

// FuzzButterSOS checks that any parameters give either an ErrInvalid error
// or finite, normalised sections; never a panic.
func FuzzButterSOS(f *testing.F) {
	f.Add(4, 3, 1000.0, 20.0, 450.0)
	f.Add(2, 1, 4000.0, 450.0, 0.0)
	f.Add(16, 2, 250.0, 20.0, 0.0)
	f.Add(7, 4, 2000.0, 45.0, 55.0)
	f.Add(0, 3, 250.0, 20.0, 450.0)
	f.Fuzz(func(t *testing.T, order, band int, fs, lo, hi float64) {
		edges := []float64{lo}
		if band == int(filter.Bandpass) || band == int(filter.Bandstop) {
			edges = append(edges, hi)
		}
		sos, err := filter.ButterSOS(order, filter.Band(band), fs, edges...)
		if err != nil {
			if !errors.Is(err, filter.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		for _, s := range sos {
			if s[3] != 1 {
				t.Fatalf("a0 = %g", s[3])
			}
			for _, v := range s {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite coefficient in %v", s)
				}
			}
		}
	})
}
