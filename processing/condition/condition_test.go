package condition

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"myorehab/acquisition"
	"myorehab/processing/filter"
)

func randChannels(rng *rand.Rand, ch, n int, offset, scale float64) [][]float64 {
	x := make([][]float64, ch)
	for c := range x {
		x[c] = make([]float64, n)
		for i := range x[c] {
			x[c][i] = offset*float64(c+1) + scale*float64(c+1)*rng.NormFloat64()
		}
	}
	return x
}

// feed runs a Stage over x in blocks of random sizes (in place) and
// returns the planar output.
func feed(rng *rand.Rand, process func(dst, src *acquisition.Block), x [][]float64, capacity int) [][]float64 {
	ch, n := len(x), len(x[0])
	out := make([][]float64, ch)
	for c := range out {
		out[c] = make([]float64, 0, n)
	}
	blk := acquisition.NewBlock(ch, capacity)
	for start := 0; start < n; {
		blk.Len = min(1+rng.IntN(capacity), n-start)
		blk.Start = uint64(start)
		for c := range ch {
			copy(blk.Data[c*blk.Cap:], x[c][start:start+blk.Len])
		}
		process(blk, blk)
		if blk.Start != uint64(start) {
			panic("Start not copied")
		}
		for c := range ch {
			out[c] = append(out[c], blk.Chan(c)...)
		}
		start += blk.Len
	}
	return out
}

func TestZScore(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	calib := randChannels(rng, 3, 5000, 100, 7)
	z, err := FitZScore(calib)
	if err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		if math.Abs(z.Mean[c]-100*float64(c+1)) > 1*float64(c+1) || math.Abs(z.Std[c]/(7*float64(c+1))-1) > 0.05 {
			t.Errorf("ch%d: mean %v std %v", c, z.Mean[c], z.Std[c])
		}
	}
	// The calibration data itself normalises to mean 0, SD 1.
	y := feed(rng, z.Process, calib, 37)
	for c := range 3 {
		var s, ss float64
		for _, v := range y[c] {
			s += v
		}
		m := s / float64(len(y[c]))
		for _, v := range y[c] {
			ss += (v - m) * (v - m)
		}
		if math.Abs(m) > 1e-12 || math.Abs(math.Sqrt(ss/float64(len(y[c])))-1) > 1e-12 {
			t.Errorf("ch%d normalised: mean %v SD %v", c, m, math.Sqrt(ss/float64(len(y[c]))))
		}
	}
	// JSON round trip, then the same numbers.
	b, err := json.Marshal(z)
	if err != nil {
		t.Fatal(err)
	}
	var back ZScore
	if err := json.Unmarshal(b, &back); err != nil || back.Validate() != nil {
		t.Fatalf("round trip: %v %v", err, back.Validate())
	}
	row := []float64{1, 2, 3}
	if got, want := back.Normalize(nil, row), z.Normalize(nil, row); got[2] != want[2] || got[0] != (1-z.Mean[0])/z.Std[0] {
		t.Errorf("Normalize after round trip %v, want %v", got, want)
	}
}

func TestZScoreErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name  string
		calib [][]float64
		flat  bool
	}{
		{"no channels", nil, false},
		{"short channel", [][]float64{{1, 2, 3}, {1}}, false},
		{"flat channel", [][]float64{{1, 2, 3}, {5, 5, 5}}, true},
		{"NaN sample", [][]float64{{1, math.NaN(), 3}}, false},
	} {
		_, err := FitZScore(test.calib)
		if err == nil || errors.Is(err, ErrFlat) != test.flat {
			t.Errorf("%s: err = %v (ErrFlat wanted: %v)", test.name, err, test.flat)
		}
	}
	for _, z := range []ZScore{{}, {Mean: []float64{1}, Std: []float64{1, 2}}, {Mean: []float64{math.Inf(1)}, Std: []float64{1}}, {Mean: []float64{0}, Std: []float64{-1}}} {
		if z.Validate() == nil {
			t.Errorf("Validate(%+v) = nil", z)
		}
	}
}

// TestRMSEnvelope compares the streaming envelope with the direct moving
// RMS, whatever the block cut, on a signal with a large offset (round-off
// stress).
func TestRMSEnvelope(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, w := range []int{1, 7, 200} {
		x := randChannels(rng, 2, 20000, 1e4, 3)
		e := NewRMSEnvelope(2, w)
		got := feed(rng, e.Process, x, 64)
		for c := range x {
			for n := range x[c] {
				var s float64
				k := 0
				for i := max(0, n-w+1); i <= n; i++ {
					s += x[c][i] * x[c][i]
					k++
				}
				want := math.Sqrt(s / float64(k))
				if math.Abs(got[c][n]-want) > 1e-9*want {
					t.Fatalf("W=%d ch%d n=%d: %v, want %v", w, c, n, got[c][n], want)
				}
			}
		}
		e.Reset()
		blk := acquisition.NewBlock(2, 1)
		blk.Len = 1
		blk.Data[0], blk.Data[1] = 3, -4
		e.Process(blk, blk)
		if blk.Data[0] != 3 || blk.Data[1] != 4 {
			t.Errorf("after Reset: %v, want [3 4]", blk.Data)
		}
	}
}

// TestLinearEnvelope: the envelope is sosfilt(butter low-pass, |x|), and a
// sine of amplitude A settles at its rectified mean 2A/π.
func TestLinearEnvelope(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	const fs, n = 1000.0, 10000
	x := make([][]float64, 2)
	for c := range x {
		x[c] = make([]float64, n)
		for i := range x[c] {
			x[c][i] = float64(c+1) * 100 * math.Sin(2*math.Pi*80*float64(i)/fs)
		}
	}
	e, err := NewLinearEnvelope(2, fs, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := feed(rng, e.Process, x, 50)
	sos, _ := filter.ButterSOS(4, filter.Lowpass, fs, 5)
	for c := range x {
		abs := make([]float64, n)
		for i, v := range x[c] {
			abs[i] = math.Abs(v)
		}
		want := filter.SOSFilt(nil, sos, abs)
		for i := range want {
			if math.Abs(got[c][i]-want[i]) > 1e-12*float64(c+1)*100 {
				t.Fatalf("ch%d sample %d: %v, want %v", c, i, got[c][i], want[i])
			}
		}
		mean := 2 * float64(c+1) * 100 / math.Pi
		if d := math.Abs(got[c][n-1] - mean); d > 0.01*mean {
			t.Errorf("ch%d settled at %v, want ≈ %v", c, got[c][n-1], mean)
		}
	}
	if _, err := NewLinearEnvelope(1, fs, 4, 600); err == nil {
		t.Error("cut-off above Nyquist accepted")
	}
}

func TestSNR(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	rest := make([]float64, 100000)
	active := make([]float64, 100000)
	for i := range rest {
		rest[i] = 5 + rng.NormFloat64() // offset is removed
		active[i] = -3 + 10*rng.NormFloat64() + rng.NormFloat64()
	}
	for _, test := range []struct {
		name         string
		active, rest []float64
		want, tol    float64
	}{
		{"exact 20 dB", []float64{1, -1, 1, -1}, []float64{0.1, -0.1, 0.1, -0.1}, 20, 1e-12},
		{"exact 0 dB with offsets", []float64{3, 5}, []float64{-1, 1}, 0, 1e-12},
		{"noise, RMS ×√101", active, rest, 10 * math.Log10(101), 0.05},
		{"flat rest", []float64{1, 2}, []float64{4, 4}, math.Inf(1), 0},
	} {
		if got := SNRdB(test.active, test.rest); !(math.Abs(got-test.want) <= test.tol) && got != test.want {
			t.Errorf("%s: SNR %v dB, want %v", test.name, got, test.want)
		}
	}
	if !math.IsNaN(SNRdB(nil, rest)) || !math.IsNaN(SNRdB([]float64{1, 1}, []float64{2, 2})) {
		t.Error("undefined SNR not NaN")
	}
}

func TestAllocs(t *testing.T) {
	blk := acquisition.NewBlock(8, 50)
	blk.Len = 50
	z := ZScore{Mean: make([]float64, 8), Std: make([]float64, 8)}
	for c := range z.Std {
		z.Std[c] = 2
	}
	rms := NewRMSEnvelope(8, 100)
	lin, _ := NewLinearEnvelope(8, 1000, 2, 6)
	for name, s := range map[string]func(dst, src *acquisition.Block){
		"ZScore": z.Process, "RMSEnvelope": rms.Process, "LinearEnvelope": lin.Process,
	} {
		if a := testing.AllocsPerRun(100, func() { s(blk, blk) }); a != 0 {
			t.Errorf("%s.Process: %v allocs per block", name, a)
		}
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	z := ZScore{Mean: []float64{0, 0}, Std: []float64{1, 1}}
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"zero window", func() { NewRMSEnvelope(1, 0) }},
		{"block channels", func() { z.Process(acquisition.NewBlock(3, 4), acquisition.NewBlock(3, 4)) }},
		{"dst too small", func() {
			src := acquisition.NewBlock(2, 8)
			src.Len = 8
			z.Process(acquisition.NewBlock(2, 4), src)
		}},
		{"vector length", func() { z.Normalize(nil, []float64{1}) }},
		{"dst length", func() { z.Transform(make([]float64, 2), []float64{1}, 0) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", test.name)
				}
			}()
			test.fn()
		}()
	}
}

func BenchmarkStages(b *testing.B) {
	z := ZScore{Mean: make([]float64, 8), Std: make([]float64, 8)}
	for c := range z.Std {
		z.Std[c] = 2
	}
	lin, _ := NewLinearEnvelope(8, 1000, 4, 6)
	for _, bs := range []struct {
		name string
		fn   func(dst, src *acquisition.Block)
	}{
		{"ZScore", z.Process},
		{"RMSEnvelope_W200", NewRMSEnvelope(8, 200).Process},
		{"LinearEnvelope_order4", lin.Process},
	} {
		b.Run(bs.name+"_8ch_block50", func(b *testing.B) {
			src := acquisition.NewBlock(8, 50)
			src.Len = 50
			rng := rand.New(rand.NewPCG(1, 1))
			for i := range src.Data {
				src.Data[i] = rng.NormFloat64()
			}
			dst := acquisition.NewBlock(8, 50)
			b.ReportAllocs()
			for b.Loop() {
				bs.fn(dst, src)
			}
		})
	}
}
