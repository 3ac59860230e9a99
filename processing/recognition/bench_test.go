package recognition_test

import (
	"slices"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/processing/pipeline"
	"myorehab/processing/recognition"
)

// BenchmarkDecision measures one decision of the live path (8 channels,
// 1000 Hz, one 50-sample block per decision) for the reference TD + LDA at
// 200/50 and the default pipeline, float and INT8. ns/op is the whole
// block (ingest of 50 samples, whose share of the features' work is done
// as they arrive, and the decision); tcomp-median-ns and tcomp-p99-ns the
// median and 99th percentile of T_comp, the decision's own compute
// (features of the window, model, post-processing).
func BenchmarkDecision(b *testing.B) {
	td := recognition.HudginsLDA()
	tdInt8 := td
	tdInt8.Int8 = true
	cases := []struct {
		name string
		spec recognition.Spec
	}{
		{"TD-LDA-200", td},
		{"TD-LDA-200-int8", tdInt8},
		{"default", recognition.Default()},
		{"default-int8", recognition.DefaultInt8()},
	}
	train := synthetic("train", 8, 1500, 2, 1)
	test := synthetic("test", 8, 1500, 1, 2)
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			p, err := recognition.Train(tc.spec, []recognition.Recording{train})
			if err != nil {
				b.Fatal(err)
			}
			inc := p.Spec.Increment
			d, err := p.NewDecider(recognition.LiveOptions{BlockCap: inc})
			if err != nil {
				b.Fatal(err)
			}
			blk := acquisition.NewBlock(8, inc)
			n := test.Len() / inc * inc
			dst := make([]pipeline.Decision, 0, 2)
			tcomp := make([]time.Duration, 0, 1<<16)
			off := 0
			b.ReportAllocs()
			for b.Loop() {
				blk.Len = inc
				for c := range 8 {
					copy(blk.Data[c*inc:(c+1)*inc], test.Channels[c][off:off+inc])
				}
				off = (off + inc) % n
				dst = d.Process(dst[:0], blk)
				blk.Start += uint64(inc)
				if len(dst) > 0 && len(tcomp) < cap(tcomp) {
					tcomp = append(tcomp, dst[0].TComp)
				}
			}
			if len(tcomp) > 0 {
				slices.Sort(tcomp)
				b.ReportMetric(float64(tcomp[len(tcomp)/2].Nanoseconds()), "tcomp-median-ns")
				b.ReportMetric(float64(tcomp[len(tcomp)*99/100].Nanoseconds()), "tcomp-p99-ns")
			}
			b.ReportMetric(float64(p.ModelBytes()), "model-bytes")
		})
	}
}

// TestDeciderDoesNotAllocate: the default pipeline's live path, float and
// INT8, allocates nothing per block.
func TestDeciderDoesNotAllocate(t *testing.T) {
	train := synthetic("train", 8, 800, 2, 1)
	for _, spec := range []recognition.Spec{recognition.Default(), recognition.DefaultInt8()} {
		p, err := recognition.Train(spec, []recognition.Recording{train})
		if err != nil {
			t.Fatal(err)
		}
		d, err := p.NewDecider(recognition.LiveOptions{BlockCap: p.Spec.Increment})
		if err != nil {
			t.Fatal(err)
		}
		blk := acquisition.NewBlock(8, p.Spec.Increment)
		blk.Len = p.Spec.Increment
		for c := range 8 {
			copy(blk.Data[c*blk.Cap:(c+1)*blk.Cap], train.Channels[c][:blk.Cap])
		}
		dst := make([]pipeline.Decision, 0, 2)
		for range 10 { // fill the window
			dst = d.Process(dst[:0], blk)
			blk.Start += uint64(blk.Len)
		}
		allocs := testing.AllocsPerRun(50, func() {
			dst = d.Process(dst[:0], blk)
			blk.Start += uint64(blk.Len)
		})
		if allocs != 0 || len(dst) != 1 {
			t.Errorf("%s: %v allocations per block, %d decisions", spec, allocs, len(dst))
		}
	}
}
