package pipeline_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/processing/classify"
	"myorehab/processing/features"
	"myorehab/processing/filter"
	"myorehab/processing/pipeline"
)

// gestureStream returns a planar recording of channels channels in which
// class g (0..classes-1) is held for hold samples in turn: white noise whose
// per-channel amplitude depends on the class, and the class of every
// sample.
func gestureStream(channels, classes, hold, holds int, seed uint64) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := hold * holds
	x := make([][]float64, channels)
	for c := range x {
		x[c] = make([]float64, n)
	}
	lab := make([]int, n)
	for h := range holds {
		g := h % classes
		for i := h * hold; i < (h+1)*hold; i++ {
			lab[i] = g
			for c := range x {
				amp := 10 + 40*math.Abs(math.Sin(float64(g+1)*float64(c+1)))
				x[c][i] = amp*rng.NormFloat64() + 2*math.Sin(float64(i)/7)
			}
		}
	}
	return x, lab
}

// trainLDA trains an LDA on the sliding windows of x labelled by the class
// of their last sample.
func trainLDA(t testing.TB, set *features.Set, x [][]float64, lab []int, inc int) classify.Model {
	t.Helper()
	d, w := set.Len(), set.WindowLen()
	flat := set.ExtractSliding(nil, x, inc)
	rows := len(flat) / d
	X := make([][]float64, rows)
	y := make([]int, rows)
	for i := range X {
		X[i] = flat[i*d : (i+1)*d]
		y[i] = lab[i*inc+w-1]
	}
	m, err := classify.TrainLDA(X, y, classify.LDAConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// feed streams x through d in blocks of blockLen samples starting at
// sample index start and returns all decisions.
func feed(d *pipeline.Decider, x [][]float64, blockLen int, start uint64, received time.Time) []pipeline.Decision {
	b := acquisition.NewBlock(len(x), blockLen)
	var out []pipeline.Decision
	n := len(x[0])
	for s := 0; s < n; s += blockLen {
		b.Start, b.Len, b.Received = start+uint64(s), min(blockLen, n-s), received
		for c := range x {
			copy(b.Data[c*b.Cap:c*b.Cap+b.Len], x[c][s:s+b.Len])
		}
		out = d.Process(out, b)
	}
	return out
}

const (
	tChannels = 4
	tClasses  = 3
	tWindow   = 100
	tInc      = 25
	tFs       = 1000.0
)

func newSet(t testing.TB, channels, window int) *features.Set {
	t.Helper()
	set, err := features.NewSet([]string{"TD"}, channels, window, features.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestDeciderMatchesOffline: whatever the block size, the decisions fall on
// the grid k·inc from the stream start and equal the offline model's
// prediction of the same window (class and probability), with and without
// a filter, for the TD features, the default pipeline's (LS4 + TDAR) and
// a set mixing incremental and batch features.
func TestDeciderMatchesOffline(t *testing.T) {
	t.Parallel()
	x, lab := gestureStream(tChannels, tClasses, 600, 9, 1)
	test, _ := gestureStream(tChannels, tClasses, 600, 6, 2)
	n := len(test[0])
	for _, names := range [][]string{{"TD"}, {"LS4", "TDAR"}, {"LS", "SKEW", "AR"}} {
		newSet := func(t testing.TB, channels, window int) *features.Set {
			t.Helper()
			set, err := features.NewSet(names, channels, window, features.DefaultParams())
			if err != nil {
				t.Fatal(err)
			}
			return set
		}
		testDeciderMatchesOffline(t, names, newSet, x, lab, test, n)
	}
}

func testDeciderMatchesOffline(t *testing.T, names []string, newSet func(testing.TB, int, int) *features.Set,
	x [][]float64, lab []int, test [][]float64, n int) {
	for _, filtered := range []bool{false, true} {
		for _, blockLen := range []int{1, 7, tInc, 64, 1000} {
			set := newSet(t, tChannels, tWindow)
			model := trainLDA(t, set, x, lab, tInc)
			want := test
			cfg := pipeline.DeciderConfig{
				Channels: tChannels, RateHz: tFs, BlockCap: blockLen,
				Window: tWindow, Increment: tInc,
				Features: set, Model: model, Classes: tClasses,
			}
			if filtered {
				sos, err := filter.ButterSOS(4, filter.Highpass, tFs, 20)
				if err != nil {
					t.Fatal(err)
				}
				cfg.Filter = filter.NewChain(tChannels, sos)
				want = make([][]float64, tChannels)
				for c := range want {
					want[c] = filter.SOSFilt(nil, sos, test[c])
				}
			}
			d := pipeline.NewDecider(cfg)
			got := feed(d, test, blockLen, 0, time.Time{})
			if len(got) != features.NumWindows(n, tWindow, tInc) {
				t.Fatalf("%v filter %v block %d: %d decisions, want %d", names, filtered, blockLen, len(got), features.NumWindows(n, tWindow, tInc))
			}
			offline := newSet(t, tChannels, tWindow)
			rows := offline.ExtractSliding(nil, want, tInc)
			probs := make([]float64, tClasses)
			for k, dec := range got {
				if dec.Sample != uint64(k*tInc+tWindow) {
					t.Fatalf("decision %d at sample %d, want %d", k, dec.Sample, k*tInc+tWindow)
				}
				c := model.Predict(probs, rows[k*offline.Len():(k+1)*offline.Len()])
				if dec.Class != c || math.Abs(dec.Confidence-probs[c]) > 1e-9 {
					t.Fatalf("%v filter %v block %d window %d: class %d (%.6f), offline %d (%.6f)",
						names, filtered, blockLen, k, dec.Class, dec.Confidence, c, probs[c])
				}
			}
		}
	}
}

// TestDeciderPostProcessing: rejection and vote match classify.Reject and
// classify.Vote applied to the offline decisions.
func TestDeciderPostProcessing(t *testing.T) {
	t.Parallel()
	x, lab := gestureStream(tChannels, tClasses, 600, 9, 3)
	test, _ := gestureStream(tChannels, tClasses, 300, 12, 4)
	set := newSet(t, tChannels, tWindow)
	model := trainLDA(t, set, x, lab, tInc)
	rows := newSet(t, tChannels, tWindow).ExtractSliding(nil, test, tInc)
	d := set.Len()
	probs := make([]float64, tClasses)
	const threshold, votes = 0.9, 5
	vote := classify.NewVote(votes, tClasses)
	var want []int
	rejected := 0
	for k := 0; k < len(rows)/d; k++ {
		c := classify.Reject(model.Predict(probs, rows[k*d:(k+1)*d]), probs, threshold)
		if c == classify.NoDecision {
			rejected++
		}
		want = append(want, vote.Push(c))
	}
	if rejected == 0 || rejected == len(want) {
		t.Fatalf("threshold %v rejects %d of %d windows: the test needs some of both", threshold, rejected, len(want))
	}
	dec := pipeline.NewDecider(pipeline.DeciderConfig{
		Channels: tChannels, RateHz: tFs, Window: tWindow, Increment: tInc,
		Features: set, Model: model, Classes: tClasses, Reject: threshold, Votes: votes,
	})
	if dec.VoteDelay() != votes/2 {
		t.Errorf("VoteDelay %d, want %d", dec.VoteDelay(), votes/2)
	}
	got := feed(dec, test, 33, 0, time.Time{})
	if len(got) != len(want) {
		t.Fatalf("%d decisions, want %d", len(got), len(want))
	}
	for k := range got {
		if got[k].Class != want[k] {
			t.Fatalf("decision %d: class %d, want %d", k, got[k].Class, want[k])
		}
		if (got[k].Class == classify.NoDecision) != (got[k].Confidence == 0) {
			t.Fatalf("decision %d: class %d with confidence %v", k, got[k].Class, got[k].Confidence)
		}
	}
}

// constantModel always predicts class 0 with probability 1.
type constantModel struct{ d int }

func (m constantModel) Predict(probs, x []float64) int {
	clear(probs)
	probs[0] = 1
	return 0
}
func (m constantModel) Features() int { return m.d }

// sine returns channels channels of n samples of sines of amplitude amp[c].
func sine(amp []float64, n int) [][]float64 {
	x := make([][]float64, len(amp))
	for c := range x {
		x[c] = make([]float64, n)
		for i := range x[c] {
			x[c][i] = amp[c] * math.Sin(2*math.Pi*40*float64(i)/tFs)
		}
	}
	return x
}

// TestDeciderLevel: the level is the window RMS over the MVC RMS (mean over
// channels, clamped to 1), or over the largest RMS seen without MVC.
func TestDeciderLevel(t *testing.T) {
	t.Parallel()
	set := newSet(t, 2, tWindow)
	amp := []float64{100, 10}
	rms := []float64{100 / math.Sqrt2, 10 / math.Sqrt2}
	cases := []struct {
		name string
		mvc  []float64
		want float64
	}{
		{"half of MVC", []float64{2 * rms[0], 2 * rms[1]}, 0.5},
		{"quarter and clamped", []float64{4 * rms[0], rms[1] / 2}, (0.25 + 1) / 2},
	}
	for _, tc := range cases {
		d := pipeline.NewDecider(pipeline.DeciderConfig{
			Channels: 2, RateHz: tFs, Window: tWindow, Increment: tInc,
			Features: set, Model: constantModel{set.Len()}, Classes: 2, MVC: tc.mvc,
		})
		got := feed(d, sine(amp, 1000), 50, 0, time.Time{})
		last := got[len(got)-1].Level
		if math.Abs(last-tc.want) > 0.01 {
			t.Errorf("%s: level %.4f, want %.4f", tc.name, last, tc.want)
		}
	}
	// Without MVC: full level on the loud part, a third when the amplitude
	// drops to a third.
	d := pipeline.NewDecider(pipeline.DeciderConfig{
		Channels: 2, RateHz: tFs, Window: tWindow, Increment: tInc,
		Features: set, Model: constantModel{set.Len()}, Classes: 2,
	})
	loud := feed(d, sine(amp, 1000), 50, 0, time.Time{})
	quiet := feed(d, sine([]float64{amp[0] / 3, amp[1] / 3}, 1000), 50, 1000, time.Time{})
	if l := loud[len(loud)-1].Level; math.Abs(l-1) > 0.01 {
		t.Errorf("loud level %.4f, want 1", l)
	}
	if l := quiet[len(quiet)-1].Level; math.Abs(l-1.0/3) > 0.01 {
		t.Errorf("quiet level %.4f, want 1/3", l)
	}
}

// TestDeciderGapAndLatency: after lost samples the ring refills before the
// next decision, whose grid restarts at the block after the gap; the
// latency terms follow their definitions.
func TestDeciderGapAndLatency(t *testing.T) {
	t.Parallel()
	set := newSet(t, 2, tWindow)
	trans := pipeline.SerialTransfer(33, 115200)
	if want := 33 * 10 * time.Second / 115200; trans != want {
		t.Fatalf("SerialTransfer = %v, want %v", trans, want)
	}
	d := pipeline.NewDecider(pipeline.DeciderConfig{
		Channels: 2, RateHz: tFs, Window: tWindow, Increment: tInc,
		Features: set, Model: constantModel{set.Len()}, Classes: 2, TTrans: trans,
	})
	x := sine([]float64{5, 7}, 150)
	received := time.Now().Add(-time.Hour)
	first := feed(d, x, 50, 0, received)
	if len(first) != 3 || first[0].Sample != 100 || first[2].Sample != 150 {
		t.Fatalf("before the gap: %+v", first)
	}
	// The window ending at sample 100 ended 50 samples (50 ms) before the
	// block's Received time, which is an hour ago.
	if s := first[0].TSync; s < time.Hour-50*time.Millisecond || s > time.Hour+time.Minute {
		t.Errorf("TSync %v, want about an hour", s)
	}
	for _, dec := range first {
		if dec.TTrans != trans || dec.TComp <= 0 || dec.Class != 0 || dec.Confidence != 1 {
			t.Errorf("decision %+v", dec)
		}
	}
	after := feed(d, sine([]float64{5, 7}, 200), 40, 1000, time.Time{})
	if len(after) != 5 || after[0].Sample != 1100 || after[1].Sample != 1125 {
		t.Fatalf("after the gap: %d decisions, first at %v", len(after), after)
	}
	if after[0].TSync != 0 {
		t.Errorf("TSync %v without a Received time, want 0", after[0].TSync)
	}
}

func TestDeciderPanicsOnMisuse(t *testing.T) {
	t.Parallel()
	set := newSet(t, 2, tWindow)
	good := pipeline.DeciderConfig{
		Channels: 2, RateHz: tFs, Window: tWindow, Increment: tInc,
		Features: set, Model: constantModel{set.Len()}, Classes: 2,
	}
	cases := map[string]func(c *pipeline.DeciderConfig){
		"no rate":         func(c *pipeline.DeciderConfig) { c.RateHz = 0 },
		"window mismatch": func(c *pipeline.DeciderConfig) { c.Window = 50 },
		"model mismatch":  func(c *pipeline.DeciderConfig) { c.Model = constantModel{3} },
		"no classes":      func(c *pipeline.DeciderConfig) { c.Classes = 0 },
		"mvc length":      func(c *pipeline.DeciderConfig) { c.MVC = []float64{1} },
		"filter no cap":   func(c *pipeline.DeciderConfig) { c.Filter = filter.NewChain(2) },
	}
	for name, mutate := range cases {
		cfg := good
		mutate(&cfg)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			pipeline.NewDecider(cfg)
		}()
	}
	d := pipeline.NewDecider(good)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("wrong block channels: no panic")
			}
		}()
		d.Process(nil, acquisition.NewBlock(3, 10))
	}()
}

// newBenchDecider returns the benchmark's Decider: 8 channels at 1000 Hz,
// 200-sample windows every 50 samples, TD features, LDA over 6 classes,
// and a block of 50 samples (one decision per block).
func newBenchDecider(t testing.TB, filtered bool) (*pipeline.Decider, *acquisition.Block) {
	const ch, w, inc = 8, 200, 50
	x, lab := gestureStream(ch, 6, 1000, 12, 5)
	set := newSet(t, ch, w)
	model := trainLDA(t, set, x, lab, inc)
	cfg := pipeline.DeciderConfig{
		Channels: ch, RateHz: 1000, BlockCap: inc, Window: w, Increment: inc,
		Features: set, Model: model, Classes: 6, Votes: 3, Reject: 0.5,
	}
	if filtered {
		c, err := filter.NewEMGChain(1000, ch, 20, 450, 4, 50, 30)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Filter = c
	}
	d := pipeline.NewDecider(cfg)
	b := acquisition.NewBlock(ch, inc)
	b.Len = inc
	for c := range ch {
		copy(b.Data[c*inc:(c+1)*inc], x[c][:inc])
	}
	return d, b
}

func TestDeciderProcessDoesNotAllocate(t *testing.T) {
	for _, filtered := range []bool{false, true} {
		d, b := newBenchDecider(t, filtered)
		dst := make([]pipeline.Decision, 0, 4)
		b.Received = time.Now()
		allocs := testing.AllocsPerRun(100, func() {
			dst = d.Process(dst[:0], b)
			b.Start += uint64(b.Len)
		})
		if allocs != 0 {
			t.Errorf("filter %v: %v allocations per block", filtered, allocs)
		}
		if len(dst) != 1 {
			t.Errorf("filter %v: %d decisions per %d-sample block, want 1", filtered, len(dst), b.Len)
		}
	}
}

// BenchmarkDecision measures one decision of the reference path:
// a 50-sample block of 8 channels at 1000 Hz in, 200-sample window → TD →
// LDA → reject → vote → Decision out (one decision per op). ns/op is the
// whole block (ingest of 50 samples, ring, running features, filter when
// set); tcomp-median-ns is the median T_comp, the compute of the decision
// itself (features, model, post-processing).
func BenchmarkDecision(b *testing.B) {
	for _, filtered := range []bool{false, true} {
		name := "TD-LDA"
		if filtered {
			name += "/filtered"
		}
		b.Run(name, func(b *testing.B) {
			d, blk := newBenchDecider(b, filtered)
			dst := make([]pipeline.Decision, 0, 4)
			tcomp := make([]time.Duration, 0, 1<<16)
			b.ReportAllocs()
			for b.Loop() {
				dst = d.Process(dst[:0], blk)
				blk.Start += uint64(blk.Len)
				if len(dst) > 0 && len(tcomp) < cap(tcomp) {
					tcomp = append(tcomp, dst[0].TComp)
				}
			}
			slices.Sort(tcomp)
			b.ReportMetric(float64(tcomp[len(tcomp)/2].Nanoseconds()), "tcomp-median-ns")
			b.ReportMetric(float64(tcomp[len(tcomp)*99/100].Nanoseconds()), "tcomp-p99-ns")
		})
	}
}
