package wavelet

import (
	"myorehab/processing/internal/reftest"

	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// filterTol is the accuracy of PyWavelets' tables: the Daubechies and
// coiflet literals are exact to double precision, but its symlet tables
// (17 significant digits, sym2/sym3 being the old db2/db3 values) satisfy
// orthonormality only to about 1e-12.
func filterTol(name string) float64 {
	if strings.HasPrefix(name, "sym") {
		return 1e-11
	}
	return 1e-14
}

// vanishingMoments returns how many moments of the wavelet vanish:
// N for dbN and symN, 2N for coifN.
func vanishingMoments(t *testing.T, name string) int {
	t.Helper()
	switch {
	case name == "haar":
		return 1
	case strings.HasPrefix(name, "coif"):
		n, _ := strconv.Atoi(strings.TrimPrefix(name, "coif"))
		return 2 * n
	case strings.HasPrefix(name, "sym"):
		n, _ := strconv.Atoi(strings.TrimPrefix(name, "sym"))
		return n
	default:
		n, _ := strconv.Atoi(strings.TrimPrefix(name, "db"))
		return n
	}
}

func TestFilterProperties(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			tol := filterTol(name)
			w, err := New(name)
			if err != nil {
				t.Fatal(err)
			}
			f := w.Len()
			p := vanishingMoments(t, name)
			wantLen := 2 * p
			if strings.HasPrefix(name, "coif") {
				wantLen = 3 * p
			}
			if f != wantLen {
				t.Fatalf("filter length %d, want %d", f, wantLen)
			}
			var sum, sq float64
			for _, h := range w.DecLo {
				sum += h
				sq += h * h
			}
			if math.Abs(sum-math.Sqrt2) > tol {
				t.Errorf("Σ dec_lo = %.17g, want √2 (error %.3g)", sum, sum-math.Sqrt2)
			}
			if math.Abs(sq-1) > tol {
				t.Errorf("Σ dec_lo² = %.17g, want 1", sq)
			}
			// Orthogonality of even shifts: Σ_k h[k]·h[k+2m] = 0 for m ≠ 0,
			// and of the low/high pair at every even shift.
			for m := 1; 2*m < f; m++ {
				var s float64
				for k := 0; k+2*m < f; k++ {
					s += w.DecLo[k] * w.DecLo[k+2*m]
				}
				if math.Abs(s) > tol {
					t.Errorf("Σ h[k]h[k+%d] = %.3g, want 0", 2*m, s)
				}
			}
			for m := -(f / 2); m <= f/2; m++ {
				var c float64
				for k := 0; k < f; k++ {
					if j := k + 2*m; j >= 0 && j < f {
						c += w.DecLo[k] * w.DecHi[j]
					}
				}
				if math.Abs(c) > tol {
					t.Errorf("Σ lo[k]hi[k+%d] = %.3g, want 0", 2*m, c)
				}
			}
			// Vanishing moments of the wavelet: Σ_k k^q·dec_hi[k] = 0 for
			// q < p, relative to the size of the terms.
			for q := 0; q < p; q++ {
				var s, mag float64
				for k, g := range w.DecHi {
					term := math.Pow(float64(k), float64(q)) * g
					s += term
					mag += math.Abs(term)
				}
				if math.Abs(s) > 1e-10*mag {
					t.Errorf("moment %d of dec_hi = %.3g (terms up to %.3g), want 0", q, s, mag)
				}
			}
			// The first moment that should not vanish does not.
			var s, mag float64
			for k, g := range w.DecHi {
				term := math.Pow(float64(k), float64(p)) * g
				s += term
				mag += math.Abs(term)
			}
			if math.Abs(s) < 1e-6*mag {
				t.Errorf("moment %d of dec_hi = %.3g vanishes: too many moments for %s", p, s, name)
			}
			// PyWavelets' derived filters.
			for i := range f {
				if w.RecLo[i] != w.DecLo[f-1-i] {
					t.Fatalf("rec_lo[%d] != dec_lo[%d]", i, f-1-i)
				}
				if w.RecHi[i] != w.DecHi[f-1-i] {
					t.Fatalf("rec_hi[%d] != dec_hi[%d]", i, f-1-i)
				}
				want := w.DecLo[f-1-i]
				if (i+1)%2 == 1 {
					want = -want
				}
				if w.DecHi[i] != want {
					t.Fatalf("dec_hi[%d] = %v, want (−1)^(i+1)·dec_lo[F−1−i] = %v", i, w.DecHi[i], want)
				}
			}
		})
	}
}

// TestDB4README checks db4 against the values quoted in the reference README
// (PyWavelets 1.1.1's dec_lo), bit for bit.
func TestDB4README(t *testing.T) {
	t.Parallel()
	readme := []string{
		"-0.010597401785069032", "0.0328830116668852", "0.030841381835560764",
		"-0.18703481171909309", "-0.027983769416859854", "0.6308807679298589",
		"0.7148465705529157", "0.2303778133088965",
	}
	w, err := New("db4")
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range readme {
		want, _ := strconv.ParseFloat(s, 64)
		if w.DecLo[i] != want {
			t.Errorf("db4 dec_lo[%d] = %v, want %v", i, w.DecLo[i], want)
		}
	}
}

func TestNewNames(t *testing.T) {
	t.Parallel()
	haar, _ := New("haar")
	db1, _ := New("db1")
	if haar.Name != "haar" || haar.Len() != 2 || haar.DecLo[0] != db1.DecLo[0] || haar.DecHi[1] != db1.DecHi[1] {
		t.Errorf("haar = %+v, want db1's filters", haar)
	}
	for _, bad := range []string{"", "db", "db0", "db9", "db04", "sym1", "sym9", "coif0", "coif6", "bior2.2", "DB4", "db4 "} {
		if w, err := New(bad); err == nil {
			t.Errorf("New(%q) = %v, want error", bad, w.Name)
		}
	}
}

func TestMaxLevel(t *testing.T) {
	t.Parallel()
	for _, test := range []struct{ n, f, want int }{
		{8000, 8, 10}, // 8000/7 = 1142 → floor(log2) = 10
		{4000, 8, 9},
		{1000, 2, 9},
		{1024, 2, 10},
		{7, 8, 0},
		{6, 8, 0},
		{14, 8, 1},
		{13, 8, 0},
		{1, 2, 0},
		{30, 30, 0},
		{58, 30, 1},
		{116, 30, 2},
	} {
		if got := MaxLevel(test.n, test.f); got != test.want {
			t.Errorf("MaxLevel(%d, %d) = %d, want %d", test.n, test.f, got, test.want)
		}
	}
}

// slowDWT is an independent single-level reference: it builds the
// 2n-periodic symmetric sequence x ++ reverse(x), extends explicitly by F−1
// on each side and convolves, following the README's wording.
func slowDWT(w *Wavelet, x []float64) (cA, cD []float64) {
	n, f := len(x), w.Len()
	period := append(append([]float64(nil), x...), make([]float64, n)...)
	for i := range n {
		period[n+i] = x[n-1-i]
	}
	at := func(i int) float64 { return period[((i%(2*n))+2*n)%(2*n)] }
	e := make([]float64, n+2*(f-1))
	for i := range e {
		e[i] = at(i - (f - 1))
	}
	m := (n + f - 1) / 2
	cA, cD = make([]float64, m), make([]float64, m)
	for k := range m {
		for j := range f {
			cA[k] += w.DecLo[j] * e[2*k+f-j]
			cD[k] += w.DecHi[j] * e[2*k+f-j]
		}
	}
	return cA, cD
}

func TestDWTMatchesSlowReference(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, name := range Names() {
		w, _ := New(name)
		for _, n := range []int{1, 2, 3, 5, w.Len() - 1, w.Len(), w.Len() + 1, 2*w.Len() + 3, 64} {
			if n < 1 {
				continue
			}
			x := make([]float64, n)
			for i := range x {
				x[i] = rnd.NormFloat64()
			}
			gotA, gotD := w.DWT(nil, nil, x)
			wantA, wantD := slowDWT(w, x)
			if ok, e := reftest.Within(gotA, wantA, 1e-13, 1e-13); !ok {
				t.Errorf("%s n=%d: cA error %.3g", name, n, e)
			}
			if ok, e := reftest.Within(gotD, wantD, 1e-13, 1e-13); !ok {
				t.Errorf("%s n=%d: cD error %.3g", name, n, e)
			}
		}
	}
}

// TestPerfectReconstruction checks waverec(wavedec(x)) == x for every
// wavelet over random lengths and every allowed level, to 1e-13·max|x| for
// Daubechies and coiflets and 1e-10·max|x| for the less precise symlet
// tables (see filterTol).
func TestPerfectReconstruction(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, name := range Names() {
		w, _ := New(name)
		for trial := 0; trial < 12; trial++ {
			n := 2*w.Len() + rnd.IntN(600)
			x := make([]float64, n)
			for i := range x {
				x[i] = 100 * rnd.NormFloat64()
			}
			for level := 1; level <= MaxLevel(n, w.Len()); level++ {
				tr, err := NewTransform(w, n, level)
				if err != nil {
					t.Fatalf("%s n=%d level=%d: %v", name, n, level, err)
				}
				c := tr.Decompose(nil, x)
				y := tr.Reconstruct(nil, c)
				if ok, e := reftest.Within(y, x, 10*filterTol(name), 0); !ok {
					t.Errorf("%s n=%d level=%d: reconstruction error %.3g", name, n, level, e)
				}
			}
		}
		// Single level, including lengths shorter than the filter.
		for n := 1; n < 3*w.Len(); n++ {
			x := make([]float64, n)
			for i := range x {
				x[i] = rnd.NormFloat64()
			}
			a, d := w.DWT(nil, nil, x)
			y := w.IDWT(nil, a, d)
			if len(y) < n {
				t.Fatalf("%s n=%d: idwt length %d < n", name, n, len(y))
			}
			if ok, e := reftest.Within(y[:n], x, 10*filterTol(name), 0); !ok {
				t.Errorf("%s n=%d single level: reconstruction error %.3g", name, n, e)
			}
		}
	}
}

func TestTransformShape(t *testing.T) {
	t.Parallel()
	w, _ := New("db4")
	tr, err := NewTransform(w, 8000, 4)
	if err != nil {
		t.Fatal(err)
	}
	// pywt.wavedec(np.zeros(8000), 'db4', level=4) lengths: 4003, 2005, 1006, 506.
	want := []int{506, 506, 1006, 2005, 4003}
	got := tr.CoeffLens()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("CoeffLens = %v, want %v", got, want)
		}
	}
	tr0, _ := NewTransform(w, 8000, 0)
	if tr0.Level() != MaxLevel(8000, 8) {
		t.Errorf("level 0 gives %d levels, want MaxLevel = %d", tr0.Level(), MaxLevel(8000, 8))
	}
	for _, test := range []struct{ n, level int }{{0, 1}, {100, -1}, {100, 4}, {13, 1}} {
		if _, err := NewTransform(w, test.n, test.level); err == nil {
			t.Errorf("NewTransform(db4, %d, %d) succeeded, want error", test.n, test.level)
		}
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	w, _ := New("db2")
	tr, _ := NewTransform(w, 64, 3)
	c := tr.NewCoeffs()
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"DWT empty", func() { w.DWT(nil, nil, nil) }},
		{"DWT short dst", func() { w.DWT(make([]float64, 1), nil, make([]float64, 10)) }},
		{"IDWT mismatched", func() { w.IDWT(nil, make([]float64, 5), make([]float64, 4)) }},
		{"IDWT dst", func() { w.IDWT(make([]float64, 3), make([]float64, 5), make([]float64, 5)) }},
		{"Decompose input", func() { tr.Decompose(c, make([]float64, 63)) }},
		{"Decompose shape", func() { tr.Decompose(c[:3], make([]float64, 64)) }},
		{"Reconstruct shape", func() { tr.Reconstruct(nil, append(c[:1:1], make([]float64, 1), c[2], c[3])) }},
		{"Reconstruct dst", func() { tr.Reconstruct(make([]float64, 65), c) }},
		{"MaxLevel", func() { MaxLevel(10, 1) }},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s: no panic", test.name)
				} else if s, ok := r.(string); !ok || !strings.HasPrefix(s, "wavelet: ") {
					t.Errorf("%s: panic %v, want \"wavelet: …\"", test.name, r)
				}
			}()
			test.fn()
		}()
	}
}

func TestTransformAllocs(t *testing.T) {
	w, _ := New("sym5")
	tr, _ := NewTransform(w, 1001, 4)
	x := make([]float64, 1001)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	c := tr.NewCoeffs()
	y := make([]float64, len(x))
	if a := testing.AllocsPerRun(50, func() {
		tr.Decompose(c, x)
		tr.Reconstruct(y, c)
	}); a != 0 {
		t.Errorf("Decompose+Reconstruct allocate %v times per run, want 0", a)
	}
}

// TestReferenceWavedec checks pywt.wavedec(x, 'db4', level=4,
// mode='symmetric') for every reference input.
func TestReferenceWavedec(t *testing.T) {
	ref := reftest.Dir(t)
	m := reftest.ReadManifest(t, ref)
	w, _ := New("db4")
	found := 0
	for _, c := range m.Cases {
		if c.Kind != "wavedec" {
			continue
		}
		found++
		t.Run(c.ID, func(t *testing.T) {
			x := reftest.ReadColumn(t, filepath.Join(ref, "inputs", c.Input+".csv"))
			tr, err := NewTransform(w, len(x), 4)
			if err != nil {
				t.Fatal(err)
			}
			coeffs := tr.Decompose(nil, x)
			for i, key := range []string{"cA4", "cD4", "cD3", "cD2", "cD1"} {
				out, ok := c.Outputs[key]
				if !ok {
					t.Fatalf("manifest lacks output %s", key)
				}
				want := reftest.ReadColumn(t, filepath.Join(ref, out.File))
				if ok, e := reftest.Within(coeffs[i], want, out.Tolerance.Rtol, out.Tolerance.Atol); !ok {
					t.Errorf("%s: len %d (want %d), max error %.3g exceeds rtol %g", key, len(coeffs[i]), len(want), e, out.Tolerance.Rtol)
				}
			}
		})
	}
	if found != 3 {
		t.Errorf("found %d wavedec cases in the manifest, want 3", found)
	}
}
