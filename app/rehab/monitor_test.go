package rehab

import (
	"math"
	"testing"

	"myorehab/acquisition"
	"myorehab/app/engine"
	"myorehab/processing/pipeline"
)

// monitorFrame returns a monitor on an 8-channel 1 kHz stream and a 20 ms
// frame of a sine on every channel.
func monitorFrame() (*Monitor, *engine.Frame) {
	info := acquisition.StreamInfo{SampleRateHz: 1000, Channels: 8}
	m := NewMonitor()
	m.Consumer(info, 20)
	b := acquisition.NewBlock(8, 20)
	b.Len = 20
	for ch := range 8 {
		for i, x := 0, b.Chan(ch); i < len(x); i++ {
			x[i] = 50 * math.Sin(float64(i))
		}
	}
	return m, &engine.Frame{Raw: b, Clean: b, Cond: &pipeline.Conditions{}}
}

// TestMonitorTakeAllocatesNothing: the monitor's per-block work on the
// stream's path allocates nothing.
func TestMonitorTakeAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	m, f := monitorFrame()
	allocs := testing.AllocsPerRun(200, func() {
		f.Raw.Start += 20
		m.take(f)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per block, want 0", allocs)
	}
}

func BenchmarkMonitorTake(b *testing.B) {
	m, f := monitorFrame()
	b.ReportAllocs()
	for b.Loop() {
		f.Raw.Start += 20
		m.take(f)
	}
}
