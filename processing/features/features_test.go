package features

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randWindow returns a deterministic EMG-like window: integer-valued noise
// of varying amplitude per channel, like the Myo's 8-bit samples.
func randWindow(channels, n int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	w := make([][]float64, channels)
	for c := range w {
		amp := 5 + 20*rng.Float64()
		w[c] = make([]float64, n)
		for i := range w[c] {
			w[c][i] = math.Round(amp * rng.NormFloat64())
		}
	}
	return w
}

func allNames() []string {
	return FeatureNames()
}

func TestNewSetErrors(t *testing.T) {
	t.Parallel()
	_, err := NewSet([]string{"MAV", "FOO"}, 8, 200, DefaultParams())
	if !errors.Is(err, ErrUnknownFeature) {
		t.Fatalf("unknown name: got %v, want ErrUnknownFeature", err)
	}
	for _, want := range []string{`"FOO"`, "MAV", "FUZZYEN", "TDPSD", "LS9"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	mod := func(f func(*Params)) Params {
		p := DefaultParams()
		f(&p)
		return p
	}
	for _, test := range []struct {
		name     string
		features []string
		channels int
		n        int
		p        Params
	}{
		{"no features", nil, 8, 200, DefaultParams()},
		{"no channels", []string{"MAV"}, 0, 200, DefaultParams()},
		{"short window", []string{"MAV"}, 8, 2, DefaultParams()},
		{"AR order 0", []string{"AR"}, 8, 200, mod(func(p *Params) { p.AROrder = 0 })},
		{"AR order too high", []string{"AR"}, 8, 10, mod(func(p *Params) { p.AROrder = 9 })},
		{"AR9 short window", []string{"COMB"}, 8, 10, DefaultParams()},
		{"CC order 0", []string{"CC"}, 8, 200, mod(func(p *Params) { p.CCOrder = 0 })},
		{"MAVSLP 1 segment", []string{"MAVSLP"}, 8, 200, mod(func(p *Params) { p.MAVSLPSegments = 1 })},
		{"MAVSLP too many segments", []string{"MAVSLP"}, 8, 10, mod(func(p *Params) { p.MAVSLPSegments = 11 })},
		{"MDF zero rate", []string{"MDF"}, 8, 200, mod(func(p *Params) { p.SampleRateHz = 0 })},
		{"SM negative order", []string{"SM"}, 8, 200, mod(func(p *Params) { p.SMOrder = -1 })},
		{"TM order 0", []string{"TM"}, 8, 200, mod(func(p *Params) { p.TMOrder = 0 })},
		{"SAMPEN dim 1", []string{"SAMPEN"}, 8, 200, mod(func(p *Params) { p.SampEnDim = 1 })},
		{"SAMPEN tolerance 0", []string{"SAMPEN"}, 8, 200, mod(func(p *Params) { p.SampEnTolerance = 0 })},
		{"FUZZYEN win 0", []string{"FUZZYEN"}, 8, 200, mod(func(p *Params) { p.FuzzyEnWin = 0 })},
		{"FUZZYEN short window", []string{"FUZZYEN"}, 8, 4, DefaultParams()},
		{"WAMP NaN", []string{"WAMP"}, 8, 200, mod(func(p *Params) { p.WAMPThreshold = math.NaN() })},
	} {
		if _, err := NewSet(test.features, test.channels, test.n, test.p); err == nil {
			t.Errorf("%s: no error", test.name)
		} else if errors.Is(err, ErrUnknownFeature) {
			t.Errorf("%s: %v wraps ErrUnknownFeature", test.name, err)
		}
	}
	// A parameter only matters when its feature is requested.
	p := DefaultParams()
	p.AROrder = 0
	if _, err := NewSet([]string{"HTD"}, 8, 200, p); err != nil {
		t.Errorf("HTD with unused bad AR order: %v", err)
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		names    []string
		channels int
		features []string
		first    []string
		length   int
	}{
		{[]string{"td"}, 8, []string{"MAV", "ZC", "SSC", "WL"}, []string{"MAV_0", "MAV_1"}, 32},
		{[]string{"HTD", "TDAR"}, 2, []string{"MAV", "ZC", "SSC", "WL", "AR"}, []string{"MAV_0", "MAV_1", "ZC_0"}, 2*4 + 2*4},
		{[]string{"AR"}, 2, []string{"AR"}, []string{"AR_0_1", "AR_0_2", "AR_0_3", "AR_0_4", "AR_1_1"}, 8},
		{[]string{"RMSPHASOR"}, 3, []string{"RMSPHASOR"}, []string{"RMSPHASOR_D_0_1", "RMSPHASOR_D_0_2", "RMSPHASOR_D_1_2", "RMSPHASOR_DR_0_1"}, 6},
		{[]string{"TDPSD"}, 1, []string{"M0", "M2", "M4", "SPARSI", "IRF", "WLF"}, []string{"M0_0", "M2_0"}, 6},
		{[]string{"LS9"}, 1, []string{"LS", "MFL", "MSR", "WAMP", "ZC", "RMS", "IAV", "DASDV", "VAR"}, []string{"LS_0"}, 9},
		{[]string{"COMB"}, 1, []string{"WL", "SSC", "LD", "AR9"}, []string{"WL_0", "SSC_0", "LD_0", "AR9_0_1"}, 12},
		{[]string{"TSTD"}, 1, GroupFeatures("tstd"), []string{"MAVFD_0"}, 12},
	} {
		s, err := NewSet(test.names, test.channels, 200, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Features(); !slices.Equal(got, test.features) {
			t.Errorf("%v: features %v, want %v", test.names, got, test.features)
		}
		names := s.Names()
		if s.Len() != test.length || len(names) != test.length {
			t.Errorf("%v: Len %d, %d names, want %d", test.names, s.Len(), len(names), test.length)
		}
		if !slices.Equal(names[:len(test.first)], test.first) {
			t.Errorf("%v: names start %v, want %v", test.names, names[:len(test.first)], test.first)
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Errorf("%v: duplicate column %s", test.names, n)
			}
			seen[n] = true
		}
	}
	s, err := NewSet(allNames(), 8, 200, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	// 33 one-per-channel features (MAVSLP has one slope), AR and CC (4 each), AR9, 2 phasors (56).
	if want := 8*33 + 8*4*2 + 8*9 + 2*56; s.Len() != want {
		t.Errorf("all features: Len %d, want %d", s.Len(), want)
	}
}

func TestExtractPanics(t *testing.T) {
	t.Parallel()
	s, err := NewSet([]string{"HTD"}, 2, 10, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	good := randWindow(2, 10, 1)
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"channels", func() { s.Extract(nil, good[:1]) }},
		{"length", func() { s.Extract(nil, [][]float64{good[0], good[1][:9]}) }},
		{"dst", func() { s.Extract(make([]float64, 7), good) }},
		{"sliding channels", func() { s.ExtractSliding(nil, good[:1], 1) }},
		{"sliding unequal", func() { s.ExtractSliding(nil, [][]float64{good[0], good[1][:9]}, 1) }},
		{"sliding dst", func() { s.ExtractSliding(make([]float64, 3), good, 1) }},
		{"sliding inc", func() { s.ExtractSliding(nil, good, 0) }},
	} {
		func() {
			defer func() {
				r := recover()
				if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "features: ") {
					t.Errorf("%s: recovered %v, want a features: panic", test.name, r)
				}
			}()
			test.fn()
		}()
	}
}

// TestHudginsByHand checks MAV, ZC, SSC and WL on a hand-computed window.
func TestHudginsByHand(t *testing.T) {
	t.Parallel()
	x := []float64{1, -2, 0, 3, 3, -1, 2}
	// |x| = 1 2 0 3 3 1 2 → 12; Δx = −3 2 3 0 −4 3 → WL 15.
	// ZC: (1,−2) yes, (−2,0) no, (0,3) no, (3,3) no, (3,−1) yes, (−1,2) yes → 3.
	// SSC products at n = 1…5: (−3)(−2)=6, (2)(−3)=−6, (3)(0)=0, (0)(4)=0, (−4)(−3)=12 → 4 (≥ 0).
	s, err := NewSet([]string{"MAV", "ZC", "SSC", "WL", "IAV", "MAVFD"}, 1, len(x), DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	got := s.Extract(nil, [][]float64{x})
	want := []float64{12.0 / 7, 3, 4, 15, 12, 15.0 / 6}
	for i := range want {
		if !approxEqual(got[i], want[i], 1e-15) {
			t.Errorf("%s = %g, want %g", s.Names()[i], got[i], want[i])
		}
	}
	// Odd and even lengths take different paths through the unrolled loop.
	for n := 3; n <= 12; n++ {
		w := randWindow(1, n, uint64(n))
		s, err := NewSet([]string{"HTD"}, 1, n, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		got := s.Extract(nil, w)
		x := w[0]
		var mav, wl float64
		var zc, ssc int
		for i, v := range x {
			mav += math.Abs(v) / float64(n)
			if i > 0 {
				wl += math.Abs(v - x[i-1])
				if (v > 0 && x[i-1] < 0) || (v < 0 && x[i-1] > 0) {
					zc++
				}
			}
			if i > 0 && i < n-1 && (v-x[i-1])*(v-x[i+1]) >= 0 {
				ssc++
			}
		}
		want := []float64{mav, float64(zc), float64(ssc), wl}
		for i := range want {
			if !approxEqual(got[i], want[i], 1e-12) {
				t.Errorf("n=%d %s = %g, want %g", n, s.Names()[i], got[i], want[i])
			}
		}
	}
}

// TestMAVSLPSegments checks the channel-major layout and LibEMG's segment
// length round(N/segments) (half to even) for three segments.
func TestMAVSLPSegments(t *testing.T) {
	t.Parallel()
	w := randWindow(2, 25, 7) // m = round(25/3) = 8: [0,8) [8,16) [16,24)
	p := DefaultParams()
	p.MAVSLPSegments = 3
	s, err := NewSet([]string{"MAVSLP"}, 2, 25, p)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Extract(nil, w)
	mav := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += math.Abs(v)
		}
		return s / float64(len(x))
	}
	var want []float64
	for _, x := range w {
		want = append(want, mav(x[8:16])-mav(x[0:8]), mav(x[16:24])-mav(x[8:16]))
	}
	for i := range want {
		if !approxEqual(got[i], want[i], 1e-12) {
			t.Errorf("%s = %g, want %g", s.Names()[i], got[i], want[i])
		}
	}
}

// TestCCOrder2 pins LibEMG's quirk: for CC_order ≤ 2 only c1 is computed.
func TestCCOrder2(t *testing.T) {
	t.Parallel()
	w := randWindow(1, 50, 3)
	p := DefaultParams()
	p.CCOrder = 2
	s, err := NewSet([]string{"CC"}, 1, 50, p)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Extract(nil, w)
	ar := slowBurg(w[0], 2)
	if !approxEqual(got[0], -ar[0], 1e-9) || got[1] != 0 {
		t.Errorf("CC order 2 = %v, want [%g 0]", got, -ar[0])
	}
}

// TestSlidingMatchesExtract checks that every row of ExtractSliding equals
// Extract on the same window.
func TestSlidingMatchesExtract(t *testing.T) {
	t.Parallel()
	x := randWindow(3, 130, 5)
	s, err := NewSet([]string{"HTD", "TDPSD", "MDF", "AR", "RMSPHASOR"}, 3, 40, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	const inc = 15
	rows := NumWindows(130, 40, inc)
	if rows != 7 {
		t.Fatalf("NumWindows = %d, want 7", rows)
	}
	all := s.ExtractSliding(nil, x, inc)
	for i := range rows {
		w := [][]float64{x[0][i*inc : i*inc+40], x[1][i*inc : i*inc+40], x[2][i*inc : i*inc+40]}
		if want := s.Extract(nil, w); !slices.Equal(all[i*s.Len():(i+1)*s.Len()], want) {
			t.Errorf("row %d differs from Extract", i)
		}
	}
	if NumWindows(39, 40, 1) != 0 {
		t.Error("NumWindows of a short signal is not 0")
	}
}

func TestExtractNoAllocs(t *testing.T) {
	w := randWindow(8, 200, 1)
	s, err := NewSet(allNames(), 8, 200, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float64, s.Len())
	if n := testing.AllocsPerRun(5, func() { s.Extract(dst, w) }); n != 0 {
		t.Errorf("Extract allocates %v times per window", n)
	}
	for _, v := range dst {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("non-finite feature on random data: %v", dst)
		}
	}
	long := randWindow(8, 300, 2)
	rows := NumWindows(300, 200, 25)
	all := make([]float64, rows*s.Len())
	if n := testing.AllocsPerRun(2, func() { s.ExtractSliding(all, long, 25) }); n != 0 {
		t.Errorf("ExtractSliding allocates %v times", n)
	}
}

func benchSet(b *testing.B, names []string) {
	w := randWindow(8, 200, 1)
	s, err := NewSet(names, 8, 200, DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float64, s.Len())
	b.ReportAllocs()
	for b.Loop() {
		s.Extract(dst, w)
	}
}

// Benchmarks: one window of 8 channels × 200 samples.
func BenchmarkExtract(b *testing.B) {
	noEnt := slices.DeleteFunc(allNames(), func(n string) bool { return n == "SAMPEN" || n == "FUZZYEN" })
	for _, test := range []struct {
		name  string
		names []string
	}{
		{"HTD", []string{"HTD"}},
		{"TDPSD", []string{"TDPSD"}},
		{"LS9", []string{"LS9"}},
		{"TDAR", []string{"TDAR"}},
		{"AllButEntropies", noEnt},
		{"SAMPEN", []string{"SAMPEN"}},
		{"FUZZYEN", []string{"FUZZYEN"}},
		{"All", allNames()},
	} {
		b.Run(test.name, func(b *testing.B) { benchSet(b, test.names) })
	}
}

// FuzzHudgins checks the Hudgins features against a plain loop, and the
// basicPass kernels against each other, on arbitrary windows (bytes become
// samples −128 … 127, zeros included).
func FuzzHudgins(f *testing.F) {
	f.Add([]byte{1, 254, 0, 3, 3, 255, 2})
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{5, 5, 5, 5, 5, 250, 0, 0, 7, 7, 128})
	// Long enough for several flushes of basicPass's byte counters, with a
	// zero crossing and a slope sign change at every sample.
	alt := make([]byte, 999)
	for i := range alt {
		alt[i] = byte(1 - 2*(i%2)) // 1, 255 (−1), 1, …
	}
	f.Add(alt)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 3 || len(b) > 1000 {
			return
		}
		x := make([]float64, len(b))
		for i, v := range b {
			x[i] = float64(int8(v))
		}
		n := len(x)
		s, err := NewSet([]string{"HTD"}, 1, n, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		got := s.Extract(nil, [][]float64{x})
		var iav, wl float64
		var zc, ssc int
		for i, v := range x {
			iav += math.Abs(v)
			if i > 0 {
				wl += math.Abs(v - x[i-1])
				if (v > 0 && x[i-1] < 0) || (v < 0 && x[i-1] > 0) {
					zc++
				}
			}
			if i > 0 && i < n-1 && (v-x[i-1])*(v-x[i+1]) >= 0 {
				ssc++
			}
		}
		want := []float64{iav / float64(n), float64(zc), float64(ssc), wl}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s = %g, want %g (x = %v)", s.Names()[i], got[i], want[i], x)
			}
		}
		// The kernel Extract uses (AVX2 where available) against the
		// portable one, at a threshold taken from the data too: integer
		// samples make every sum exact, so all four agree exactly.
		for _, thr := range []float64{0, float64(b[0] % 16)} {
			ga, gw, gz, gs := basicPass(x, thr)
			wa, ww, wz, ws := basicPassGo(x, thr)
			if ga != wa || gw != ww || gz != wz || gs != ws {
				t.Fatalf("thr=%g: basicPass (%g, %g, %d, %d), basicPassGo (%g, %g, %d, %d) (x = %v)",
					thr, ga, gw, gz, gs, wa, ww, wz, ws, x)
			}
		}
	})
}
