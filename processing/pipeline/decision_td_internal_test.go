package pipeline

import (
	"math"
	"math/rand/v2"
	"testing"

	"myorehab/processing/features"
)

// TestStreamTDMatchesExtract: the running TD features equal features.Set's
// after every sample, over many ring wraps, for several feature orders and
// SSC thresholds, including runs of repeated values and exact zeros.
func TestStreamTDMatchesExtract(t *testing.T) {
	t.Parallel()
	cases := []struct {
		names []string
		ssc   float64
		n     int
	}{
		{[]string{"TD"}, 0, 20},
		{[]string{"WL", "SSC", "MAV"}, 0.5, 3},
		{[]string{"ZC", "MAV"}, 0, 57},
	}
	for _, tc := range cases {
		p := features.DefaultParams()
		p.SSCThreshold = tc.ssc
		const ch = 3
		set, err := features.NewSet(tc.names, ch, tc.n, p)
		if err != nil {
			t.Fatal(err)
		}
		td := newStreamTD(set)
		if td == nil {
			t.Fatalf("%v: no streaming path", tc.names)
		}
		rng := rand.New(rand.NewPCG(1, 1))
		const total = 2000
		x := make([][]float64, ch)
		for c := range x {
			x[c] = make([]float64, total)
			for i := range x[c] {
				switch v := rng.IntN(10); {
				case v == 0:
					x[c][i] = 0
				case v == 1 && i > 0:
					x[c][i] = x[c][i-1]
				default:
					x[c][i] = math.Round(rng.NormFloat64()*1e3) / 100
				}
			}
		}
		got := make([]float64, set.Len())
		want := make([]float64, set.Len())
		win := make([][]float64, ch)
		for i := range total {
			pos := i % tc.n
			for c := range ch {
				td.push(c, pos, x[c][i])
			}
			td.advance(pos)
			if i+1 < tc.n {
				continue
			}
			for c := range ch {
				win[c] = x[c][i+1-tc.n : i+1]
			}
			set.Extract(want, win)
			td.write(got)
			for j := range got {
				if math.Abs(got[j]-want[j]) > 1e-9*(1+math.Abs(want[j])) {
					t.Fatalf("%v n=%d after sample %d: %s = %v, want %v", tc.names, tc.n, i, set.Names()[j], got[j], want[j])
				}
			}
		}
	}
	other, err := features.NewSet([]string{"MAV", "RMS"}, 2, 10, features.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if newStreamTD(other) != nil {
		t.Error("streaming path for a set with RMS")
	}
}
