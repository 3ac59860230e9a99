package wavelet

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Wavelet is the filter bank of an orthogonal discrete wavelet, with
// PyWavelets' conventions. All four filters have the same even length F.
//
// With h the scaling filter (rec_lo):
//
//	DecLo[i] = h[F-1-i]
//	DecHi[i] = (-1)^(F-1-i) · h[i]
//	RecLo[i] = h[i]
//	RecHi[i] = (-1)^i · h[F-1-i]
//
// A Wavelet returned by New owns its slices; treat it as read-only while
// a DWT or Denoiser built from it is in use (they keep their own copies).
type Wavelet struct {
	// Name is the short name, e.g. "db4", "sym5", "coif2" or "haar".
	Name string
	// DecLo and DecHi are the decomposition low- and high-pass filters.
	DecLo, DecHi []float64
	// RecLo and RecHi are the reconstruction low- and high-pass filters.
	RecLo, RecHi []float64
}

// Names returns the names New accepts, in family order: haar, db1…db8,
// sym2…sym8, coif1…coif5.
func Names() []string {
	names := []string{"haar"}
	for n := 1; n <= 8; n++ {
		names = append(names, "db"+strconv.Itoa(n))
	}
	for n := 2; n <= 8; n++ {
		names = append(names, "sym"+strconv.Itoa(n))
	}
	for n := 1; n <= 5; n++ {
		names = append(names, "coif"+strconv.Itoa(n))
	}
	return names
}

// New returns the named wavelet with PyWavelets 1.1's exact coefficients.
// Accepted names are listed by Names ("haar" is "db1"). It returns an error
// for any other name.
func New(name string) (*Wavelet, error) {
	var h []float64
	if name == "haar" {
		h = dbScaling(1)
	} else {
		for _, fam := range []struct {
			prefix string
			table  func(int) []float64
			scale  bool
		}{
			{"db", dbScaling, false},
			{"sym", symScaling, false},
			{"coif", coifTable, true},
		} {
			rest, ok := strings.CutPrefix(name, fam.prefix)
			if !ok {
				continue
			}
			order, err := strconv.Atoi(rest)
			if err != nil || rest != strconv.Itoa(order) {
				break
			}
			h = fam.table(order)
			if h != nil && fam.scale {
				// PyWavelets stores coiflets with sum 1 and multiplies
				// each value by the float64 √2 at run time.
				sqrt2 := math.Sqrt2
				for i := range h {
					h[i] *= sqrt2
				}
			}
			break
		}
	}
	if h == nil {
		return nil, fmt.Errorf("wavelet: unknown wavelet %q (want one of %s)", name, strings.Join(Names(), ", "))
	}
	return fromScaling(name, h), nil
}

// fromScaling derives the four filters from the scaling filter h (rec_lo)
// exactly as PyWavelets' wavelet() does.
func fromScaling(name string, h []float64) *Wavelet {
	f := len(h)
	w := &Wavelet{
		Name:  name,
		DecLo: make([]float64, f),
		DecHi: make([]float64, f),
		RecLo: make([]float64, f),
		RecHi: make([]float64, f),
	}
	for i := range f {
		w.RecLo[i] = h[i]
		w.DecLo[i] = h[f-1-i]
		if i%2 == 1 {
			w.RecHi[i] = -h[f-1-i]
		} else {
			w.RecHi[i] = h[f-1-i]
		}
		if (f-1-i)%2 == 1 {
			w.DecHi[i] = -h[i]
		} else {
			w.DecHi[i] = h[i]
		}
	}
	return w
}

// Len returns the filter length F.
func (w *Wavelet) Len() int { return len(w.DecLo) }

// clone returns a deep copy of w.
func (w *Wavelet) clone() *Wavelet {
	return &Wavelet{
		Name:  w.Name,
		DecLo: append([]float64(nil), w.DecLo...),
		DecHi: append([]float64(nil), w.DecHi...),
		RecLo: append([]float64(nil), w.RecLo...),
		RecHi: append([]float64(nil), w.RecHi...),
	}
}

// check panics if w is not a usable filter bank.
func (w *Wavelet) check() {
	f := len(w.DecLo)
	if f < 2 || f%2 != 0 || len(w.DecHi) != f || len(w.RecLo) != f || len(w.RecHi) != f {
		panic("wavelet: filters must have the same even length ≥ 2")
	}
}

// MaxLevel returns the deepest useful decomposition level for n samples and
// filter length f, as pywt.dwt_max_level:
//
//	floor(log2(n / (f-1)))   (0 when n < f-1)
//
// It panics if f < 2 or n < 1.
func MaxLevel(n, f int) int {
	if f < 2 || n < 1 {
		panic("wavelet: MaxLevel needs n ≥ 1 and f ≥ 2")
	}
	if n < f-1 {
		return 0
	}
	return bits.Len(uint(n/(f-1))) - 1
}

// CoeffLen returns the number of approximation (and of detail)
// coefficients one 'symmetric' level produces from n samples with a filter of
// length f, as pywt.dwt_coeff_len:
//
//	floor((n + f - 1) / 2)
func CoeffLen(n, f int) int { return (n + f - 1) / 2 }

// IDWTLen returns the length of one inverse 'symmetric' level from m
// approximation and m detail coefficients with a filter of length f, as
// pywt.idwt: 2m - f + 2.
func IDWTLen(m, f int) int { return 2*m - f + 2 }

// symIndex maps i to [0, n) by half-sample symmetric extension
// (… x1 x0 | x0 x1 … x(n-1) | x(n-1) x(n-2) …), repeated as often as
// needed, as PyWavelets' MODE_SYMMETRIC.
func symIndex(i, n int) int {
	for i < 0 || i >= n {
		if i < 0 {
			i = -1 - i
		} else {
			i = 2*n - 1 - i
		}
	}
	return i
}

// DWT computes one level of the discrete wavelet transform of x with
// 'symmetric' extension (pywt.dwt(x, w, mode='symmetric')) and stores the
// approximation in cA and the detail in cD:
//
//	cA[k] = Σ_j DecLo[j]·x̃[2k+1-j],  cD[k] = Σ_j DecHi[j]·x̃[2k+1-j]
//
// for k = 0 … CoeffLen(len(x), F)-1, where x̃ is x extended symmetrically.
// If cA or cD is nil a new slice is allocated; otherwise its length must be
// CoeffLen(len(x), F) or DWT panics. DWT panics if x is empty.
func (w *Wavelet) DWT(cA, cD, x []float64) (a, d []float64) {
	w.check()
	n, f := len(x), len(w.DecLo)
	if n == 0 {
		panic("wavelet: empty input")
	}
	m := CoeffLen(n, f)
	if cA == nil {
		cA = make([]float64, m)
	}
	if cD == nil {
		cD = make([]float64, m)
	}
	if len(cA) != m || len(cD) != m {
		panic("wavelet: coefficient length mismatch")
	}
	lo, hi := w.DecLo, w.DecHi
	for k := range m {
		i := 2*k + 1
		var sa, sd float64
		if i-f+1 >= 0 && i < n {
			xs := x[i-f+1 : i+1]
			for j := range f {
				v := xs[f-1-j]
				sa += lo[j] * v
				sd += hi[j] * v
			}
		} else {
			for j := range f {
				v := x[symIndex(i-j, n)]
				sa += lo[j] * v
				sd += hi[j] * v
			}
		}
		cA[k], cD[k] = sa, sd
	}
	return cA, cD
}

// IDWT computes one inverse level (pywt.idwt(cA, cD, w, mode='symmetric')):
// it upsamples cA and cD by two, convolves them with RecLo and RecHi, adds
// them and keeps samples F-2 … 2m-1 of the full convolution, m = len(cA).
// If dst is nil a new slice is allocated; otherwise its length must be
// IDWTLen(m, F) or IDWT panics. It also panics if len(cD) != len(cA) or
// IDWTLen(m, F) < 1.
func (w *Wavelet) IDWT(dst, cA, cD []float64) []float64 {
	w.check()
	m, f := len(cA), len(w.RecLo)
	if len(cD) != m {
		panic("wavelet: approximation and detail lengths differ")
	}
	out := IDWTLen(m, f)
	if out < 1 {
		panic("wavelet: too few coefficients for the filter")
	}
	if dst == nil {
		dst = make([]float64, out)
	}
	if len(dst) != out {
		panic("wavelet: destination length mismatch")
	}
	lo, hi := w.RecLo, w.RecHi
	for o := range out {
		t := o + f - 2
		var s float64
		for q := t & 1; q < f && q <= t; q += 2 {
			k := (t - q) >> 1
			s += lo[q]*cA[k] + hi[q]*cD[k]
		}
		dst[o] = s
	}
	return dst
}
