package filter_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"myorehab/acquisition"
	"myorehab/processing"
	"myorehab/processing/filter"
)

var _ processing.Stage = (*filter.Chain)(nil)

// emgSets returns the live-view design: band-pass 20–450 Hz order 4 and a
// 50 Hz notch, Q 30, at fs.
func emgSets(t testing.TB, fs float64) [][]filter.Section {
	t.Helper()
	bp, err := filter.ButterSOS(4, filter.Bandpass, fs, 20, 450)
	if err != nil {
		t.Fatal(err)
	}
	n, err := filter.NotchSOS(50, 30, fs)
	if err != nil {
		t.Fatal(err)
	}
	return [][]filter.Section{bp, {n}}
}

func randomSignal(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 100*rng.NormFloat64() + 30*math.Sin(2*math.Pi*50*float64(i)/1000) + 500
	}
	return x
}

// TestChunkInvariance filters random multichannel signals in random
// chunkings (including empty blocks) and requires output bit-identical to
// one-shot filtering, both in place and dst/src.
func TestChunkInvariance(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	sets := emgSets(t, 1000)
	const channels, n = 3, 3000
	x := make([][]float64, channels)
	want := make([][]float64, channels)
	for c := range x {
		x[c] = randomSignal(rng, n)
		want[c] = filter.NewCascade(sets...).Filter(nil, x[c])
	}
	for trial := range 20 {
		inPlace := trial%2 == 0
		chain := filter.NewChain(channels, sets...)
		maxBlock := 1 + rng.IntN(300)
		src := acquisition.NewBlock(channels, maxBlock)
		dst := src
		if !inPlace {
			dst = acquisition.NewBlock(channels, maxBlock+rng.IntN(5))
		}
		got := make([][]float64, channels)
		for i := 0; i < n; {
			l := min(rng.IntN(maxBlock+1), n-i) // may be 0
			src.Start, src.Len = uint64(i), l
			for c := range channels {
				copy(src.Chan(c), x[c][i:i+l])
			}
			chain.Process(dst, src)
			if dst.Len != l || dst.Start != uint64(i) {
				t.Fatalf("trial %d: dst header Start %d Len %d, want %d %d", trial, dst.Start, dst.Len, i, l)
			}
			for c := range channels {
				got[c] = append(got[c], dst.Chan(c)...)
			}
			i += l
		}
		for c := range channels {
			if !slices.Equal(got[c], want[c]) {
				t.Fatalf("trial %d (max block %d, in place %v): channel %d differs from one-shot", trial, maxBlock, inPlace, c)
			}
		}
	}

	// The single-channel Cascade, in random pieces, in place.
	casc := filter.NewCascade(sets...)
	y := slices.Clone(x[0])
	for i := 0; i < n; {
		l := min(1+rng.IntN(64), n-i)
		casc.Filter(y[i:i+l], y[i:i+l])
		i += l
	}
	if !slices.Equal(y, want[0]) {
		t.Error("Cascade in pieces differs from one-shot")
	}
}

// TestChainMatchesSOSFilt checks that every channel of a Chain equals
// SOSFilt of that channel with the joined sections (channels independent).
func TestChainMatchesSOSFilt(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	sets := emgSets(t, 2000)
	all := slices.Concat(sets...)
	blk := acquisition.NewBlock(4, 500)
	blk.Len = 500
	for c := range 4 {
		copy(blk.Chan(c), randomSignal(rng, 500))
	}
	ref := make([][]float64, 4)
	for c := range 4 {
		ref[c] = filter.SOSFilt(nil, all, blk.Chan(c))
	}
	filter.NewChain(4, sets...).Process(blk, blk)
	for c := range 4 {
		if !slices.Equal(blk.Chan(c), ref[c]) {
			t.Errorf("channel %d differs from SOSFilt", c)
		}
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	x := randomSignal(rng, 400)
	sets := emgSets(t, 1000)

	c := filter.NewCascade(sets...)
	first := c.Filter(nil, x)
	if second := c.Filter(nil, x); slices.Equal(first, second) {
		t.Fatal("state not carried over between calls")
	}
	c.Reset()
	if again := c.Filter(nil, x); !slices.Equal(first, again) {
		t.Error("Cascade.Reset did not restore the initial state")
	}

	ch := filter.NewChain(1, sets...)
	b := acquisition.NewBlock(1, len(x))
	run := func() []float64 {
		b.Len = copy(b.Data, x)
		ch.Process(b, b)
		return slices.Clone(b.Chan(0))
	}
	one := run()
	run()
	ch.Reset()
	if got := run(); !slices.Equal(got, one) {
		t.Error("Chain.Reset did not restore the initial state")
	}
}

func TestPassThrough(t *testing.T) {
	t.Parallel()
	x := []float64{1, -2, 3.5}
	if got := filter.NewCascade().Filter(nil, x); !slices.Equal(got, x) {
		t.Errorf("empty Cascade: %v", got)
	}
	src := acquisition.NewBlock(2, 3)
	src.Len = 3
	copy(src.Data, []float64{1, 2, 3, 4, 5, 6})
	dst := acquisition.NewBlock(2, 4)
	filter.NewChain(2).Process(dst, src)
	if !slices.Equal(dst.Chan(0), []float64{1, 2, 3}) || !slices.Equal(dst.Chan(1), []float64{4, 5, 6}) {
		t.Errorf("empty Chain: %v", dst.Data)
	}
}

func TestProcessDoesNotAllocate(t *testing.T) {
	chain := filter.NewChain(8, emgSets(t, 1000)...)
	src := acquisition.NewBlock(8, 50)
	src.Len = 50
	dst := acquisition.NewBlock(8, 50)
	for i := range src.Data {
		src.Data[i] = float64(i % 17)
	}
	if n := testing.AllocsPerRun(100, func() { chain.Process(dst, src) }); n != 0 {
		t.Errorf("Chain.Process allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { chain.Process(src, src) }); n != 0 {
		t.Errorf("Chain.Process in place allocates %v times per call", n)
	}
	casc := filter.NewCascade(emgSets(t, 1000)...)
	buf := make([]float64, 64)
	if n := testing.AllocsPerRun(100, func() { casc.Filter(buf, buf) }); n != 0 {
		t.Errorf("Cascade.Filter allocates %v times per call", n)
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	sets := emgSets(t, 1000)
	blk := func(ch, capacity, l int) *acquisition.Block {
		b := acquisition.NewBlock(ch, capacity)
		b.Len = l
		return b
	}
	for _, test := range []struct {
		name string
		fn   func()
	}{
		{"Filter dst length", func() { filter.NewCascade(sets...).Filter(make([]float64, 3), make([]float64, 4)) }},
		{"SOSFilt dst length", func() { filter.SOSFilt(make([]float64, 1), sets[0], make([]float64, 4)) }},
		{"a0 not 1", func() { filter.NewCascade([]filter.Section{{1, 0, 0, 2, 0, 0}}) }},
		{"Chain zero channels", func() { filter.NewChain(0, sets...) }},
		{"Process src channels", func() { filter.NewChain(2, sets...).Process(blk(3, 10, 5), blk(3, 10, 5)) }},
		{"Process dst channels", func() { filter.NewChain(2, sets...).Process(blk(1, 10, 5), blk(2, 10, 5)) }},
		{"Process dst too small", func() { filter.NewChain(2, sets...).Process(blk(2, 4, 0), blk(2, 10, 5)) }},
		{"SetState length", func() { filter.NewCascade(sets...).SetState(make([][2]float64, 1)) }},
		{"LFilter a0 zero", func() { filter.LFilter(nil, []float64{1}, []float64{0, 1}, []float64{1}) }},
		{"LFilter empty a", func() { filter.LFilter(nil, []float64{1}, nil, []float64{1}) }},
		{"LFilter dst length", func() { filter.LFilter(make([]float64, 2), []float64{1}, []float64{1}, []float64{1}) }},
		{"SOSFiltFilt dst length", func() { _, _ = filter.SOSFiltFilt(make([]float64, 2), sets[0], make([]float64, 100)) }},
		{"SOSFiltZI a0", func() { filter.SOSFiltZI([]filter.Section{{1, 0, 0, 0.5, 0, 0}}) }},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "filter: ") {
					t.Errorf("recover() = %v, want a \"filter: …\" panic", r)
				}
			}()
			test.fn()
		})
	}
}

// TestSOSFiltZISteadyState starts a cascade in SOSFiltZI·x0 and requires a
// constant input x0 to give the constant output DC gain·x0 at once.
func TestSOSFiltZISteadyState(t *testing.T) {
	t.Parallel()
	for _, sets := range [][][]filter.Section{emgSets(t, 1000), {mustButter(t, 3, filter.Lowpass, 1000, 100)}} {
		sos := slices.Concat(sets...)
		zi := filter.SOSFiltZI(sos)
		const x0 = 3.25
		for i := range zi {
			zi[i][0] *= x0
			zi[i][1] *= x0
		}
		dc := 1.0
		for _, s := range sos {
			dc *= (s[0] + s[1] + s[2]) / (s[3] + s[4] + s[5])
		}
		c := filter.NewCascade(sos)
		c.SetState(zi)
		x := make([]float64, 200)
		for i := range x {
			x[i] = x0
		}
		for i, y := range c.Filter(nil, x) {
			if math.Abs(y-dc*x0) > 1e-12*math.Max(1, math.Abs(dc*x0)) {
				t.Fatalf("sample %d: %g, want steady %g", i, y, dc*x0)
			}
		}
	}
}

func mustButter(t testing.TB, order int, band filter.Band, fs float64, edges ...float64) []filter.Section {
	t.Helper()
	sos, err := filter.ButterSOS(order, band, fs, edges...)
	if err != nil {
		t.Fatal(err)
	}
	return sos
}

func TestSOSFiltFilt(t *testing.T) {
	t.Parallel()
	sos := mustButter(t, 4, filter.Bandpass, 1000, 20, 450) // pad 27
	if _, err := filter.SOSFiltFilt(nil, sos, make([]float64, 27)); !errors.Is(err, filter.ErrInvalid) ||
		!strings.Contains(err.Error(), "more than 27 samples, got 27") {
		t.Errorf("short input: err = %v", err)
	}
	if _, err := filter.SOSFiltFilt(nil, sos, make([]float64, 28)); err != nil {
		t.Errorf("28 samples: %v", err)
	}

	// Zero phase: a sinusoid in the pass band comes out with no delay.
	x := make([]float64, 2000)
	for i := range x {
		x[i] = math.Sin(2 * math.Pi * 100 * float64(i) / 1000)
	}
	y, err := filter.SOSFiltFilt(nil, sos, x)
	if err != nil {
		t.Fatal(err)
	}
	for i := 500; i < 1500; i++ {
		if math.Abs(y[i]-x[i]) > 1e-3 {
			t.Fatalf("sample %d: %g, want %g (zero phase, unit gain)", i, y[i], x[i])
		}
	}
	// In place gives the same result.
	x2 := slices.Clone(x)
	if _, err := filter.SOSFiltFilt(x2, sos, x2); err != nil || !slices.Equal(x2, y) {
		t.Errorf("in place differs (err %v)", err)
	}
}

// TestLFilterMatchesSOS checks lfilter with the product polynomial of two
// sections against the cascade of those sections.
func TestLFilterMatchesSOS(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	sos := mustButter(t, 4, filter.Lowpass, 1000, 200)
	conv := func(p, q []float64) []float64 {
		out := make([]float64, len(p)+len(q)-1)
		for i, a := range p {
			for j, b := range q {
				out[i+j] += a * b
			}
		}
		return out
	}
	b := conv(sos[0][:3], sos[1][:3])
	a := conv(sos[0][3:], sos[1][3:])
	x := randomSignal(rng, 1000)
	want := filter.SOSFilt(nil, sos, x)
	// Scale a and b by 2: LFilter must normalise by a[0].
	for i := range a {
		a[i] *= 2
		b[i] *= 2
	}
	got := filter.LFilter(nil, b, a, x)
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-9*600 {
			t.Fatalf("sample %d: lfilter %g, sosfilt %g", i, got[i], want[i])
		}
	}
	// FIR only (a = [1]) is a convolution.
	if got := filter.LFilter(nil, []float64{1, 2}, []float64{1}, []float64{1, 0, 3}); !slices.Equal(got, []float64{1, 2, 3}) {
		t.Errorf("FIR lfilter = %v, want [1 2 3]", got)
	}
}
