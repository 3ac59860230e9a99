package quality

import (
	"testing"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
)

// BenchmarkMonitorProcess measures one 50-sample block of 8 channels at
// 1 kHz in steady state: the window full, a segment (and so a mains
// measurement) completing at every block, as in the live engine.
func BenchmarkMonitorProcess(b *testing.B) {
	src := simSource(b, sim.DefaultConfig(), 0)
	m := mustNew(b, src.Info(), Config{})
	blocks := make([]*acquisition.Block, 100)
	for i := range blocks {
		blocks[i] = acquisition.NewBlock(8, 50)
		if err := src.ReadBlock(blocks[i]); err != nil {
			b.Fatal(err)
		}
	}
	var start uint64
	i := 0
	feed := func() bool {
		blk := blocks[i%len(blocks)]
		blk.Start = start
		start += uint64(blk.Len)
		i++
		return m.Process(blk)
	}
	for range 2 * m.nseg { // fill the window
		feed()
	}
	b.ReportAllocs()
	for b.Loop() {
		if !feed() {
			b.Fatal("no update")
		}
	}
}
