package kalman

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"myorehab/acquisition"
)

func mse(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s / float64(len(a))
}

// noisySine returns a slow sine (a stand-in for an envelope) and the same
// with white noise of SD sigma.
func noisySine(n int, sigma float64) (truth, z []float64) {
	rng := rand.New(rand.NewPCG(1, 1))
	truth, z = make([]float64, n), make([]float64, n)
	for i := range truth {
		truth[i] = 10 + 5*math.Sin(2*math.Pi*float64(i)/2000)
		z[i] = truth[i] + sigma*rng.NormFloat64()
	}
	return truth, z
}

// TestNoiseReduction: filtering cuts the error of a noisy slow signal well
// below the noise, and the RTS smoother (no lag) cuts it further.
func TestNoiseReduction(t *testing.T) {
	t.Parallel()
	const sigma = 1.0
	truth, z := noisySine(10000, sigma)
	for _, test := range []struct {
		name           string
		p              Params
		maxFilt, maxSm float64 // error variance as a fraction of sigma²
	}{
		{"random walk", Params{RandomWalk, 0.002, sigma * sigma}, 0.1, 0.03},
		{"constant velocity", Params{ConstantVelocity, 1e-5, sigma * sigma}, 0.1, 0.03},
	} {
		t.Run(test.name, func(t *testing.T) {
			f, err := NewFilter(test.p)
			if err != nil {
				t.Fatal(err)
			}
			y := f.Filter(nil, z)
			s := f.Smooth(nil, z)
			// Skip the start-up transient.
			ef, es := mse(y[200:], truth[200:]), mse(s[200:], truth[200:])
			raw := mse(z, truth)
			t.Logf("error variance: raw %.3f, filtered %.3f, smoothed %.3f", raw, ef, es)
			if ef > test.maxFilt*sigma*sigma {
				t.Errorf("filtered error variance %.3f > %.3f", ef, test.maxFilt)
			}
			if es > test.maxSm*sigma*sigma || es >= ef {
				t.Errorf("smoothed error variance %.3f, want < %.3f and < filtered %.3f", es, test.maxSm, ef)
			}
		})
	}
}

// TestStepLag: once settled, the random-walk filter is an exponential
// average with gain SteadyStateGain: the step response is 1 − (1−K)^n and
// reaches half the step after ceil(ln ½ / ln(1−K)) samples.
func TestStepLag(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{{RandomWalk, 1e-3, 1}, {RandomWalk, 0.1, 1}, {RandomWalk, 1, 0.01}} {
		f, _ := NewFilter(p)
		for range 2000 {
			f.Update(0)
		}
		k := SteadyStateGain(p.Q, p.R)
		half := int(math.Ceil(math.Log(0.5) / math.Log(1-k)))
		got := 0
		for n := 1; n <= 10*half+10; n++ {
			y := f.Update(1)
			if want := 1 - math.Pow(1-k, float64(n)); math.Abs(y-want) > 1e-9 {
				t.Fatalf("%+v: step response at %d = %v, want %v", p, n, y, want)
			}
			if got == 0 && y >= 0.5 {
				got = n
			}
		}
		if got != half {
			t.Errorf("%+v: half the step after %d samples, want %d", p, got, half)
		}
	}
}

// TestRampLag: on a ramp the random walk lags by slope·(1−K)/K while the
// constant-velocity model's lag dies out.
func TestRampLag(t *testing.T) {
	t.Parallel()
	const slope = 0.01
	rw, _ := NewFilter(Params{RandomWalk, 1e-3, 1})
	cv, _ := NewFilter(Params{ConstantVelocity, 1e-6, 1})
	var x, yr, yc float64
	for n := range 20000 {
		x = slope * float64(n)
		yr, yc = rw.Update(x), cv.Update(x)
	}
	k := SteadyStateGain(1e-3, 1)
	if want := slope * (1 - k) / k; math.Abs((x-yr)-want) > 1e-6 {
		t.Errorf("random-walk ramp lag %v, want %v", x-yr, want)
	}
	if lag := x - yc; math.Abs(lag) > 1e-6 {
		t.Errorf("constant-velocity ramp lag %v, want 0", lag)
	}
	if _, rate, _ := cv.State(); math.Abs(rate-slope) > 1e-9 {
		t.Errorf("constant-velocity rate %v, want %v", rate, slope)
	}
}

// TestSmoothIsMAP: the random-walk RTS smoother equals the minimiser of
// Σ(z−x)²/R + Σ(x[i+1]−x[i])²/Q (a tridiagonal system solved with gonum).
func TestSmoothIsMAP(t *testing.T) {
	t.Parallel()
	const n, q, r = 60, 0.05, 2.0
	_, z := noisySine(n, 1)
	a := mat.NewDense(n, n, nil)
	b := mat.NewVecDense(n, nil)
	for i := range n {
		a.Set(i, i, a.At(i, i)+1/r)
		b.SetVec(i, z[i]/r)
		if i+1 < n {
			a.Set(i, i, a.At(i, i)+1/q)
			a.Set(i+1, i+1, a.At(i+1, i+1)+1/q)
			a.Set(i, i+1, -1/q)
			a.Set(i+1, i, -1/q)
		}
	}
	var want mat.VecDense
	if err := want.SolveVec(a, b); err != nil {
		t.Fatal(err)
	}
	f, _ := NewFilter(Params{RandomWalk, q, r})
	got := f.Smooth(nil, z)
	for i := range n {
		if math.Abs(got[i]-want.AtVec(i)) > 1e-9 {
			t.Fatalf("sample %d: smoothed %v, MAP %v", i, got[i], want.AtVec(i))
		}
	}
}

// TestMissing: NaN measurements only predict; leading NaNs give NaN.
func TestMissing(t *testing.T) {
	t.Parallel()
	f, _ := NewFilter(Params{RandomWalk, 0.1, 1})
	y := f.Filter(nil, []float64{math.NaN(), 3, math.NaN(), math.NaN(), 5})
	if !math.IsNaN(y[0]) || y[1] != 3 || y[2] != 3 || y[3] != 3 || !(y[4] > 3 && y[4] < 5) {
		t.Errorf("filtered %v", y)
	}
	if _, _, v := f.State(); !(v > 0) {
		t.Errorf("variance %v", v)
	}
	s := f.Smooth(nil, []float64{math.NaN(), 3, math.NaN(), 5})
	if !math.IsNaN(s[0]) || !(s[1] > 3 && s[2] > s[1] && s[3] > s[2] && s[3] < 5) {
		t.Errorf("smoothed %v", s)
	}
	all := f.Smooth(nil, []float64{math.NaN(), math.NaN()})
	if !math.IsNaN(all[0]) || !math.IsNaN(all[1]) {
		t.Errorf("all-missing smoothed %v", all)
	}
}

func TestParamsErrors(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{
		{RandomWalk, 0, 1}, {RandomWalk, 1, 0}, {RandomWalk, -1, 1},
		{RandomWalk, math.NaN(), 1}, {RandomWalk, 1, math.Inf(1)}, {Model(7), 1, 1},
	} {
		if _, err := NewFilter(p); err == nil {
			t.Errorf("NewFilter(%+v): no error", p)
		}
		if _, err := NewBank(2, p); err == nil {
			t.Errorf("NewBank(%+v): no error", p)
		}
	}
}

// TestBank: the Bank equals one Filter per channel, whatever the block cut.
func TestBank(t *testing.T) {
	t.Parallel()
	p := Params{ConstantVelocity, 1e-4, 0.5}
	rng := rand.New(rand.NewPCG(1, 1))
	const ch, n = 3, 1000
	x := make([][]float64, ch)
	want := make([][]float64, ch)
	for c := range x {
		x[c] = make([]float64, n)
		for i := range x[c] {
			x[c][i] = float64(c) + rng.NormFloat64()
		}
		f, _ := NewFilter(p)
		want[c] = f.Filter(nil, x[c])
	}
	bank, _ := NewBank(ch, p)
	blk := acquisition.NewBlock(ch, 64)
	for start := 0; start < n; {
		blk.Len = min(1+rng.IntN(blk.Cap), n-start)
		for c := range ch {
			copy(blk.Data[c*blk.Cap:], x[c][start:start+blk.Len])
		}
		bank.Process(blk, blk)
		for c := range ch {
			for i, v := range blk.Chan(c) {
				if v != want[c][start+i] {
					t.Fatalf("ch%d sample %d: %v, want %v", c, start+i, v, want[c][start+i])
				}
			}
		}
		start += blk.Len
	}
	bank.Reset()
	if l, _, _ := bank.Channel(0).State(); !math.IsNaN(l) {
		t.Error("Reset kept the state")
	}
}

func TestAllocs(t *testing.T) {
	f, _ := NewFilter(Params{ConstantVelocity, 1e-4, 1})
	x := make([]float64, 256)
	if a := testing.AllocsPerRun(100, func() { f.Filter(x, x) }); a != 0 {
		t.Errorf("Filter: %v allocs", a)
	}
	f.Smooth(x, x)
	if a := testing.AllocsPerRun(100, func() { f.Smooth(x, x) }); a != 0 {
		t.Errorf("Smooth with warm scratch: %v allocs", a)
	}
	bank, _ := NewBank(8, Params{RandomWalk, 1e-3, 1})
	blk := acquisition.NewBlock(8, 50)
	blk.Len = 50
	if a := testing.AllocsPerRun(100, func() { bank.Process(blk, blk) }); a != 0 {
		t.Errorf("Bank.Process: %v allocs", a)
	}
}

func BenchmarkBank(b *testing.B) {
	for _, m := range []Model{RandomWalk, ConstantVelocity} {
		b.Run(m.String()+"_8ch_block50", func(b *testing.B) {
			bank, _ := NewBank(8, Params{m, 1e-3, 1})
			blk := acquisition.NewBlock(8, 50)
			blk.Len = 50
			rng := rand.New(rand.NewPCG(1, 1))
			for i := range blk.Data {
				blk.Data[i] = rng.NormFloat64()
			}
			dst := acquisition.NewBlock(8, 50)
			b.ReportAllocs()
			for b.Loop() {
				bank.Process(dst, blk)
			}
		})
	}
}
