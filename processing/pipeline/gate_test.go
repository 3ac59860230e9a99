package pipeline_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/processing/classify"
	"myorehab/processing/pipeline"
)

// restMotionStream returns channels of holds alternating rest (class 0:
// noise of 2 µV; every sample carries an amplifier offset of 20 µV that the gate must ignore) and
// the motion classes 1 and 2 in turn (class-dependent amplitudes of
// 15–50 µV), each hold samples long, and the class of every sample.
func restMotionStream(channels, hold, holds int, seed uint64) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := make([][]float64, channels)
	for c := range x {
		x[c] = make([]float64, hold*holds)
	}
	lab := make([]int, hold*holds)
	for h := range holds {
		g := 0
		if h%2 == 1 {
			g = 1 + (h/2)%2
		}
		for i := h * hold; i < (h+1)*hold; i++ {
			lab[i] = g
			for c := range x {
				amp := 2.0
				if g > 0 {
					amp = 15 + 35*math.Abs(math.Sin(float64(g+1)*float64(c+1)))
				}
				x[c][i] = 20 + amp*rng.NormFloat64()
			}
		}
	}
	return x, lab
}

// gatedDecider returns a Decider with an onset gate for the stream: the
// model is an LDA over the windows inside one hold and those whose newest
// gateLen samples (at least) are a motion, the gate's resting level the
// measured standard deviation of the first hold.
func gatedDecider(t testing.TB, x [][]float64, lab []int, hold, gateLen int) *pipeline.Decider {
	t.Helper()
	set := newSet(t, len(x), tWindow)
	d, w := set.Len(), set.WindowLen()
	flat := set.ExtractSliding(nil, x, tInc)
	var X [][]float64
	var y []int
	for i := range len(flat) / d {
		// Motion windows, including those whose newest gateLen samples
		// (at least) are motion: the model learns the onsets too.
		g := lab[i*tInc+w-1]
		if g == lab[i*tInc] || (g > 0 && g == lab[i*tInc+w-gateLen]) {
			X, y = append(X, flat[i*d:(i+1)*d]), append(y, g)
		}
	}
	m, err := classify.TrainLDA(X, y, classify.LDAConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rest := make([]float64, len(x))
	for c := range x {
		var s, q float64
		for _, v := range x[c][:hold] {
			s += v
			q += v * v
		}
		n := float64(hold)
		rest[c] = math.Sqrt(q/n - (s/n)*(s/n))
	}
	return pipeline.NewDecider(pipeline.DeciderConfig{
		Channels: len(x), RateHz: tFs, Window: w, Increment: tInc, Features: set, Model: m, Classes: 3,
		Gate: &pipeline.Gate{RestSD: rest, Threshold: 3, Len: gateLen, Rest: 0},
	})
}

// TestGatedDecider: the gate keeps steady holds right (rest stays rest
// whatever the amplifier's offset), and every rest → motion step is recognised within the
// gate's length plus two increments and never later than by a single
// model over the window (rest included), which needs about half the
// window.
func TestGatedDecider(t *testing.T) {
	const hold, holds, gateLen = 600, 12, 20
	x, lab := restMotionStream(tChannels, hold, holds, 3)
	gated := feed(gatedDecider(t, x, lab, hold, gateLen), x, 7, 0, time.Time{})
	whole := feed(pipeline.NewDecider(pipeline.DeciderConfig{
		Channels: tChannels, RateHz: tFs, Window: tWindow, Increment: tInc, Features: newSet(t, tChannels, tWindow),
		Model: trainLDA(t, newSet(t, tChannels, tWindow), x, lab, tInc), Classes: 3,
	}), x, 7, 0, time.Time{})

	steady, right := 0, 0
	for _, dec := range gated {
		end := int(dec.Sample)
		if lab[end-tWindow] != lab[end-1] {
			continue // a window across a change
		}
		steady++
		if dec.Class == lab[end-1] {
			right++
		}
	}
	if right < steady*98/100 {
		t.Errorf("%d of %d steady windows right, want ≥ 98 %%", right, steady)
	}
	first := func(decs []pipeline.Decision, onset, class int) int {
		for _, dec := range decs {
			if int(dec.Sample) > onset && dec.Class == class {
				return int(dec.Sample) - onset
			}
		}
		return math.MaxInt
	}
	var sumG, sumW int
	for h := 1; h < holds; h += 2 {
		onset, class := h*hold, lab[h*hold]
		g, w := first(gated, onset, class), first(whole, onset, class)
		if g > gateLen+2*tInc || g > w {
			t.Errorf("onset at %d: the gated decider took %d samples (want ≤ %d and ≤ the whole-window model's %d)", onset, g, gateLen+2*tInc, w)
		}
		sumG, sumW = sumG+g, sumW+w
	}
	if sumG >= sumW {
		t.Errorf("onsets took %d samples in all gated, %d with the whole-window model: the gate should be faster", sumG, sumW)
	}
	t.Logf("onsets: %d samples in all gated, %d whole-window", sumG, sumW)
}

func TestGatedDeciderDoesNotAllocate(t *testing.T) {
	const hold = 600
	x, lab := restMotionStream(tChannels, hold, 4, 5)
	d := gatedDecider(t, x, lab, hold, 20)
	b := acquisition.NewBlock(tChannels, tInc)
	b.Len = tInc
	dst := make([]pipeline.Decision, 0, 4)
	s := 0
	allocs := testing.AllocsPerRun(200, func() {
		for c := range x {
			copy(b.Data[c*tInc:(c+1)*tInc], x[c][s:s+tInc])
		}
		dst = d.Process(dst[:0], b)
		b.Start += uint64(b.Len)
		s = (s + tInc) % (len(x[0]) - tInc)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per block", allocs)
	}
}

func TestGatePanicsOnMisuse(t *testing.T) {
	x, lab := restMotionStream(tChannels, 600, 4, 5)
	gatedDecider(t, x, lab, 600, 20) // the valid configuration builds
	good := func() pipeline.DeciderConfig {
		return pipeline.DeciderConfig{Channels: tChannels, RateHz: tFs, Window: tWindow, Increment: tInc,
			Features: newSet(t, tChannels, tWindow), Classes: 3}
	}
	for name, g := range map[string]pipeline.Gate{
		"short RestSD":   {RestSD: []float64{1, 1}, Threshold: 3, Len: 20, Rest: 0},
		"zero RestSD":    {RestSD: []float64{1, 0, 1, 1}, Threshold: 3, Len: 20, Rest: 0},
		"zero threshold": {RestSD: []float64{1, 1, 1, 1}, Threshold: 0, Len: 20, Rest: 0},
		"long":           {RestSD: []float64{1, 1, 1, 1}, Threshold: 3, Len: tWindow + 1, Rest: 0},
		"rest outside":   {RestSD: []float64{1, 1, 1, 1}, Threshold: 3, Len: 20, Rest: 3},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := good()
			cfg.Model = trainLDA(t, cfg.Features, x, lab, tInc)
			cfg.Gate = &g
			defer func() {
				if recover() == nil {
					t.Errorf("NewDecider accepted gate %+v", g)
				}
			}()
			pipeline.NewDecider(cfg)
		})
	}
}
