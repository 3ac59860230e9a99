package wavelet

import (
	"myorehab/processing/internal/reftest"

	"encoding/binary"
	"math"
	"testing"
)

// FuzzRoundTrip checks that any finite signal of any length survives a
// single-level and a multilevel round trip with every wavelet, and that
// DWT agrees with the slow reference.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(4))
	f.Add(make([]byte, 8*40), uint8(0))
	f.Add([]byte("a longer seed to give a few float64 values of junk!!"), uint8(20))
	names := Names()
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		w, err := New(names[int(which)%len(names)])
		if err != nil {
			t.Fatal(err)
		}
		var x []float64
		var maxAbs float64
		for len(data) >= 8 && len(x) < 512 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(data))
			data = data[8:]
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e100 || (v != 0 && math.Abs(v) < 1e-100) {
				v = 0
			}
			x = append(x, v)
			maxAbs = math.Max(maxAbs, math.Abs(v))
		}
		if len(x) == 0 {
			return
		}
		tol := 10 * filterTol(w.Name) * maxAbs * float64(w.Len())
		a, d := w.DWT(nil, nil, x)
		wa, wd := slowDWT(w, x)
		if ok, e := reftest.Within(a, wa, 0, tol); !ok {
			t.Fatalf("%s n=%d: cA differs from slow reference by %.3g", w.Name, len(x), e)
		}
		if ok, e := reftest.Within(d, wd, 0, tol); !ok {
			t.Fatalf("%s n=%d: cD differs from slow reference by %.3g", w.Name, len(x), e)
		}
		y := w.IDWT(nil, a, d)
		if ok, e := reftest.Within(y[:len(x)], x, 0, tol); !ok {
			t.Fatalf("%s n=%d: single-level round trip error %.3g", w.Name, len(x), e)
		}
		if MaxLevel(len(x), w.Len()) < 1 {
			return
		}
		tr, err := NewTransform(w, len(x), 0)
		if err != nil {
			t.Fatal(err)
		}
		z := tr.Reconstruct(nil, tr.Decompose(nil, x))
		if ok, e := reftest.Within(z, x, 0, tol*float64(tr.Level())); !ok {
			t.Fatalf("%s n=%d level %d: round trip error %.3g", w.Name, len(x), tr.Level(), e)
		}
	})
}
