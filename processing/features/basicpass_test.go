package features

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// basicCase is one input family for the basicPass kernels.
type basicCase struct {
	name string
	gen  func(rng *rand.Rand, x []float64)
}

// basicCases covers ordinary, tie-heavy, zero, subnormal, underflowing,
// overflowing and non-finite samples.
var basicCases = []basicCase{
	{"normal", func(rng *rand.Rand, x []float64) {
		for i := range x {
			x[i] = 30 * rng.NormFloat64()
		}
	}},
	{"integers", func(rng *rand.Rand, x []float64) { // ties, Δx = 0, products = ±threshold
		for i := range x {
			x[i] = float64(rng.IntN(7) - 3)
		}
	}},
	{"zeros", func(rng *rand.Rand, x []float64) {
		for i := range x {
			x[i] = 0
			if rng.IntN(2) == 0 {
				x[i] = math.Copysign(0, -1)
			}
		}
	}},
	{"subnormal", func(rng *rand.Rand, x []float64) {
		for i := range x {
			x[i] = float64(rng.IntN(2001)-1000) * 5e-324
		}
	}},
	{"underflow", func(rng *rand.Rand, x []float64) { // products below the smallest subnormal
		for i := range x {
			x[i] = 1e-170 * rng.NormFloat64()
		}
	}},
	{"huge", func(rng *rand.Rand, x []float64) { // products and sums overflow to ±Inf
		for i := range x {
			x[i] = 1e300 * rng.NormFloat64()
		}
	}},
	{"nan", func(rng *rand.Rand, x []float64) {
		for i := range x {
			x[i] = rng.NormFloat64()
			if rng.IntN(50) == 0 {
				x[i] = math.NaN()
			}
		}
	}},
	{"inf", func(rng *rand.Rand, x []float64) {
		for i := range x {
			x[i] = rng.NormFloat64()
			if rng.IntN(30) == 0 {
				x[i] = math.Inf(1 - 2*rng.IntN(2))
			}
		}
	}},
}

// basicThresholds are the SSC thresholds tried on every case; 1 and 4 are
// hit exactly by the integer case.
var basicThresholds = []float64{0, 1, 4, -2, 1e-3}

// sameSum reports whether two sums of the same terms agree up to rounding:
// both NaN, equal, or within 1e-12 relative.
func sameSum(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b || math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}

// basicNaive is basicPass as LibEMG states it, one sample at a time.
func basicNaive(x []float64, sscT float64) (sumAbs, wl float64, zc, ssc int) {
	for n, v := range x {
		sumAbs += math.Abs(v)
		if n == 0 {
			continue
		}
		wl += math.Abs(v - x[n-1])
		if x[n-1]*v < 0 {
			zc++
		}
		if n+1 < len(x) && (v-x[n-1])*(v-x[n+1]) >= sscT {
			ssc++
		}
	}
	return sumAbs, wl, zc, ssc
}

type basicKernel func(x []float64, sscT float64) (sumAbs, wl float64, zc, ssc int)

// checkKernel compares got with want on every case, threshold and length
// minLen … 1000: counts exactly, sums with sameSum.
func checkKernel(t *testing.T, got, want basicKernel, minLen int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	buf := make([]float64, 1000)
	for _, c := range basicCases {
		for n := minLen; n <= len(buf); n++ {
			x := buf[:n]
			c.gen(rng, x)
			for _, thr := range basicThresholds {
				ga, gw, gz, gs := got(x, thr)
				wa, ww, wz, ws := want(x, thr)
				if gz != wz || gs != ws || !sameSum(ga, wa) || !sameSum(gw, ww) {
					t.Fatalf("%s n=%d thr=%g: got (%g, %g, %d, %d), want (%g, %g, %d, %d)",
						c.name, n, thr, ga, gw, gz, gs, wa, ww, wz, ws)
				}
			}
		}
	}
}

// TestBasicPassGo checks the portable kernel (the fallback of every build)
// against the sample-by-sample definition.
func TestBasicPassGo(t *testing.T) {
	t.Parallel()
	checkKernel(t, basicPassGo, basicNaive, 1)
}

// TestBasicPass checks the kernel Extract uses (AVX2 where available)
// against the sample-by-sample definition.
func TestBasicPass(t *testing.T) {
	t.Parallel()
	checkKernel(t, basicPass, basicNaive, 1)
}

// TestBasicPassNonFinite pins the NaN and ±Inf behaviour on hand-made
// windows long enough for the AVX2 kernel (threshold 0.5, so the flat
// stretches add no slope sign change), for the kernel Extract uses and the
// portable one.
func TestBasicPassNonFinite(t *testing.T) {
	t.Parallel()
	inf, nan := math.Inf(1), math.NaN()
	pad := func(v float64, x ...float64) []float64 {
		for len(x) < 16 {
			x = append(x, v)
		}
		return x
	}
	tests := []struct {
		x          []float64
		sumAbs, wl float64
		zc, ssc    int
	}{
		// A NaN takes part in no comparison: of the crossings only 1→−1,
		// −1→2, −1→2, 2→−3 count; of the slope changes only those at −1
		// ((−2)(−3) = 6) and at the second 2 (3·5 = 15). Both sums are NaN.
		{pad(-3, 1, -1, 2, nan, -1, 2, -3), nan, nan, 4, 2},
		// 2·(−Inf) and (−Inf)·3 are crossings; the slope products at 2 and
		// −Inf are +Inf; at 3 it is Inf·0 = NaN.
		{pad(3, 1, 2, -inf, 3), inf, inf, 2, 2},
		// Inf − Inf is NaN: WL is NaN and no slope test around it holds.
		{pad(1, 1, inf, inf, 1), inf, nan, 0, 0},
	}
	for _, k := range []struct {
		name string
		f    basicKernel
	}{{"basicPass", basicPass}, {"basicPassGo", basicPassGo}} {
		for i, test := range tests {
			a, w, z, s := k.f(test.x, 0.5)
			if z != test.zc || s != test.ssc || !sameSum(a, test.sumAbs) || !sameSum(w, test.wl) {
				t.Errorf("%s case %d = (%g, %g, %d, %d), want (%g, %g, %d, %d)",
					k.name, i, a, w, z, s, test.sumAbs, test.wl, test.zc, test.ssc)
			}
		}
	}
}

// FuzzBasicPass compares the kernel Extract uses with the portable one on
// arbitrary float64 bit patterns (NaNs, infinities, subnormals included).
func FuzzBasicPass(f *testing.F) {
	add := func(thr float64, x ...float64) {
		b := make([]byte, 8*(len(x)+1))
		for i, v := range append([]float64{thr}, x...) {
			bits := math.Float64bits(v)
			for j := range 8 {
				b[8*i+j] = byte(bits >> (8 * j))
			}
		}
		f.Add(b)
	}
	add(0, 1, -2, 0, 3, 3, -1, 2)
	add(0, make([]float64, 40)...)
	ramp := make([]float64, 37)
	for i := range ramp {
		ramp[i] = float64(i%5) - 2
	}
	add(1, ramp...)
	ramp[20] = math.NaN()
	ramp[7] = math.Inf(-1)
	ramp[8] = 5e-324
	add(0, ramp...)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 16 || len(b) > 8*1001 {
			return
		}
		v := make([]float64, len(b)/8)
		for i := range v {
			var bits uint64
			for j := range 8 {
				bits |= uint64(b[8*i+j]) << (8 * j)
			}
			v[i] = math.Float64frombits(bits)
		}
		thr, x := v[0], v[1:]
		if math.IsNaN(thr) { // NewSet rejects a NaN threshold
			return
		}
		ga, gw, gz, gs := basicPass(x, thr)
		wa, ww, wz, ws := basicPassGo(x, thr)
		if gz != wz || gs != ws || !sameSum(ga, wa) || !sameSum(gw, ww) {
			t.Fatalf("thr=%g x=%v: basicPass (%g, %g, %d, %d), basicPassGo (%g, %g, %d, %d)",
				thr, x, ga, gw, gz, gs, wa, ww, wz, ws)
		}
	})
}

func BenchmarkBasicPass(b *testing.B) {
	for _, n := range []int{50, 200, 1000} {
		x := randWindow(1, n, 1)[0]
		for _, k := range []struct {
			name string
			f    basicKernel
		}{{"dispatch", basicPass}, {"go", basicPassGo}} {
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					k.f(x, 0)
				}
			})
		}
	}
}
