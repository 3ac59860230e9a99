package spectrum

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// TestRealFFT checks the packed radix-2 path (and the fallback) against
// gonum's fourier.FFT.
func TestRealFFT(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{2, 3, 4, 8, 16, 100, 128, 200, 256, 512, 1024, 4096} {
		x := make([]float64, n)
		var norm float64
		for i := range x {
			x[i] = rnd.NormFloat64()
			norm += math.Abs(x[i])
		}
		want := fourier.NewFFT(n).Coefficients(nil, x)
		got := make([]complex128, n/2+1)
		newRealFFT(n).coefficients(got, x)
		for k := range want {
			if d := cmplx.Abs(got[k] - want[k]); d > 1e-14*norm {
				t.Errorf("n=%d bin %d: got %v, want %v (|diff| %.3g)", n, k, got[k], want[k], d)
			}
		}
	}
}
