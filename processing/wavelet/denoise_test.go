package wavelet

import (
	"myorehab/processing/internal/reftest"

	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// TestReferenceDenoise checks the universal soft-threshold denoiser against
// the wavelet_denoise_db4_L4_soft_universal cases (y, sigma, threshold).
func TestReferenceDenoise(t *testing.T) {
	ref := reftest.Dir(t)
	m := reftest.ReadManifest(t, ref)
	w, _ := New("db4")
	found := 0
	for _, c := range m.Cases {
		if c.Kind != "wavelet_denoise" {
			continue
		}
		found++
		t.Run(c.ID, func(t *testing.T) {
			x := reftest.ReadColumn(t, filepath.Join(ref, "inputs", c.Input+".csv"))
			d, err := NewDenoiser(w, len(x), 4, Universal, Soft)
			if err != nil {
				t.Fatal(err)
			}
			y := d.Denoise(nil, x)
			out := c.Outputs["y"]
			want := reftest.ReadColumn(t, filepath.Join(ref, out.File))
			if ok, e := reftest.Within(y, want, out.Tolerance.Rtol, out.Tolerance.Atol); !ok {
				t.Errorf("y: len %d (want %d), max error %.3g exceeds rtol %g", len(y), len(want), e, out.Tolerance.Rtol)
			}
			sc := c.Outputs["scalars"]
			s := reftest.ReadScalars(t, filepath.Join(ref, sc.File))
			thr := d.Thresholds(nil)
			for _, check := range []struct {
				name string
				got  float64
			}{
				{"sigma", d.Sigma()},
				{"threshold", thr[0]},
				{"n", float64(d.Len())},
				// Raw waverec length before truncation to N.
				{"waverec_length", float64(IDWTLen(d.t.CoeffLens()[d.Level()], w.Len()))},
			} {
				want, ok := s[check.name]
				if !ok {
					t.Fatalf("scalars lack %s", check.name)
				}
				if ok, e := reftest.Within([]float64{check.got}, []float64{want}, sc.Tolerance.Rtol, sc.Tolerance.Atol); !ok {
					t.Errorf("%s = %.17g, want %.17g (error %.3g)", check.name, check.got, want, e)
				}
			}
			for i, v := range thr {
				if v != thr[0] {
					t.Errorf("universal threshold of level %d = %v, want the same %v for all", i, v, thr[0])
				}
			}
		})
	}
	if found != 3 {
		t.Errorf("found %d wavelet_denoise cases in the manifest, want 3", found)
	}
}

func TestThresholdFunctions(t *testing.T) {
	t.Parallel()
	x := []float64{-3, -1, -0.5, 0, 0.5, 1, 2.5}
	for _, test := range []struct {
		name string
		fn   func(dst, x []float64, t float64) []float64
		t    float64
		want []float64
	}{
		{"soft 1", SoftThreshold, 1, []float64{-2, 0, 0, 0, 0, 0, 1.5}},
		{"soft 0", SoftThreshold, 0, x},
		{"hard 1", HardThreshold, 1, []float64{-3, -1, 0, 0, 0, 1, 2.5}}, // |d| ≥ t kept, as pywt
		{"hard 0.6", HardThreshold, 0.6, []float64{-3, -1, 0, 0, 0, 1, 2.5}},
		{"soft 10", SoftThreshold, 10, make([]float64, len(x))},
	} {
		got := test.fn(nil, x, test.t)
		for i := range got {
			if got[i] != test.want[i] {
				t.Errorf("%s: got %v, want %v", test.name, got, test.want)
				break
			}
		}
	}
}

// bruteSURE minimises SURE(t) = n − 2·#{|x_i| ≤ t} + Σ min(|x_i|, t)² by
// direct evaluation at t = 0 and every |x_i| ≤ tMax (O(n²)).
func bruteSURE(x []float64, tMax float64) float64 {
	n := float64(len(x))
	risk := func(t float64) float64 {
		r := n
		for _, v := range x {
			a := math.Abs(v)
			if a <= t {
				r -= 2
			}
			m := math.Min(a, t)
			r += m * m
		}
		return r
	}
	bestT, best := 0.0, risk(0)
	for _, v := range x {
		if a := math.Abs(v); a <= tMax {
			if r := risk(a); r < best || (r == best && a < bestT) {
				bestT, best = a, r
			}
		}
	}
	return bestT
}

func TestSureShrink(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, test := range []struct {
		name   string
		n      int
		signal func(i int) float64
		sparse bool
	}{
		{"pure noise", 512, func(int) float64 { return 0 }, true},
		{"dense", 512, func(i int) float64 { return 3 * math.Sin(float64(i)) }, false},
		{"two spikes", 512, func(i int) float64 {
			if i%256 == 0 {
				return 10
			}
			return 0
		}, true},
		{"dense small", 64, func(i int) float64 { return 2 + float64(i%3) }, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			const sigma = 2.0
			x := make([]float64, test.n)
			for i := range x {
				x[i] = sigma * (test.signal(i) + rnd.NormFloat64())
			}
			got := sureShrink(make([]float64, test.n), x, sigma)
			tF := math.Sqrt(2 * math.Log(float64(test.n)))
			z := make([]float64, len(x))
			for i, v := range x {
				z[i] = v / sigma
			}
			if test.sparse {
				if got != tF {
					t.Errorf("sparse level: threshold %v, want universal %v", got, tF)
				}
				return
			}
			want := bruteSURE(z, tF)
			if math.Abs(got-want) > 1e-12*want {
				t.Errorf("threshold %v, want brute-force SURE minimiser %v", got, want)
			}
			if got >= tF {
				t.Errorf("dense level threshold %v not below universal %v", got, tF)
			}
		})
	}
	if got := sureShrink(make([]float64, 4), []float64{1, 2, 3, 4}, 0); got != 0 {
		t.Errorf("sigma 0: threshold %v, want 0", got)
	}
}

func TestDenoiserRules(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	const n = 2048
	clean := make([]float64, n)
	noisy := make([]float64, n)
	for i := range clean {
		clean[i] = 10 * math.Sin(2*math.Pi*float64(i)/256)
		noisy[i] = clean[i] + rnd.NormFloat64()
	}
	rms := func(a, b []float64) float64 {
		var s float64
		for i := range a {
			s += (a[i] - b[i]) * (a[i] - b[i])
		}
		return math.Sqrt(s / float64(len(a)))
	}
	before := rms(noisy, clean)
	for _, rule := range []Rule{Universal, SureShrink} {
		for _, mode := range []Mode{Soft, Hard} {
			name := fmt.Sprintf("%v/%v", rule, mode)
			for _, wname := range []string{"db4", "sym8", "coif3"} {
				w, _ := New(wname)
				d, err := NewDenoiser(w, n, 5, rule, mode)
				if err != nil {
					t.Fatal(err)
				}
				y := d.Denoise(nil, noisy)
				if after := rms(y, clean); !(after < before/2) {
					t.Errorf("%s %s: rms error %.3g, want < half of the noise %.3g", name, wname, after, before)
				}
				if s := d.Sigma(); math.Abs(s-1) > 0.15 {
					t.Errorf("%s %s: sigma %.3g, want ≈ 1", name, wname, s)
				}
				// In-place use gives the same result.
				x := append([]float64(nil), noisy...)
				d.Denoise(x, x)
				for i := range x {
					if x[i] != y[i] {
						t.Fatalf("%s %s: in-place result differs at %d", name, wname, i)
					}
				}
			}
		}
	}
}

func TestNewDenoiserErrors(t *testing.T) {
	t.Parallel()
	w, _ := New("db4")
	for _, test := range []struct {
		n, level int
		rule     Rule
		mode     Mode
	}{
		{0, 1, Universal, Soft},
		{100, 9, Universal, Soft},
		{100, 2, Rule(7), Soft},
		{100, 2, Universal, Mode(-1)},
	} {
		if _, err := NewDenoiser(w, test.n, test.level, test.rule, test.mode); err == nil {
			t.Errorf("NewDenoiser(n=%d, level=%d, %v, %v) succeeded, want error", test.n, test.level, test.rule, test.mode)
		}
	}
	d, _ := NewDenoiser(w, 100, 2, Universal, Soft)
	func() {
		defer func() {
			if r, _ := recover().(string); !strings.HasPrefix(r, "wavelet: ") {
				t.Errorf("Denoise with a wrong length: panic %q, want \"wavelet: …\"", r)
			}
		}()
		d.Denoise(nil, make([]float64, 99))
	}()
}

func TestDenoiserAllocs(t *testing.T) {
	w, _ := New("db4")
	rnd := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 1000)
	for i := range x {
		x[i] = rnd.NormFloat64()
	}
	y := make([]float64, len(x))
	for _, rule := range []Rule{Universal, SureShrink} {
		d, _ := NewDenoiser(w, len(x), 4, rule, Soft)
		if a := testing.AllocsPerRun(50, func() { d.Denoise(y, x) }); a != 0 {
			t.Errorf("%v: Denoise allocates %v times per run, want 0", rule, a)
		}
	}
}

func BenchmarkDenoise(b *testing.B) {
	w, _ := New("db4")
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{256, 1000, 4000} {
		for _, rule := range []Rule{Universal, SureShrink} {
			b.Run(fmt.Sprintf("n=%d/%v", n, rule), func(b *testing.B) {
				x := make([]float64, n)
				for i := range x {
					x[i] = rnd.NormFloat64()
				}
				y := make([]float64, n)
				d, err := NewDenoiser(w, n, 4, rule, Soft)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					d.Denoise(y, x)
				}
			})
		}
	}
}

func BenchmarkTransform(b *testing.B) {
	for _, name := range []string{"haar", "db4", "sym8", "coif5"} {
		b.Run(name, func(b *testing.B) {
			w, _ := New(name)
			tr, _ := NewTransform(w, 1000, 4)
			x := make([]float64, 1000)
			for i := range x {
				x[i] = math.Sin(float64(i))
			}
			c := tr.NewCoeffs()
			y := make([]float64, len(x))
			b.ReportAllocs()
			for b.Loop() {
				tr.Decompose(c, x)
				tr.Reconstruct(y, c)
			}
		})
	}
}
