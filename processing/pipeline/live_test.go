package pipeline

import (
	"math"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/processing/fatigue"
	"myorehab/processing/quality"
)

// sineBlocks feeds l with n samples of a sine of amplitude amp·(c+1) µV on
// channel c, in blocks of blockLen.
func sineBlocks(l *Live, fs float64, n, blockLen int, amp float64) {
	b := acquisition.NewBlock(l.channels, blockLen)
	for start := 0; start < n; start += blockLen {
		b.Start, b.Len = uint64(start), min(blockLen, n-start)
		for c := 0; c < b.Channels; c++ {
			for i := 0; i < b.Len; i++ {
				b.Data[c*b.Cap+i] = amp * float64(c+1) * math.Sin(2*math.Pi*50*float64(start+i)/fs)
			}
		}
		b.Received = time.Unix(0, int64(start))
		l.Process(b)
		l.Snapshot() // a screen watching, as the UI's ticker does
	}
}

// doubler is a Stage that doubles the signal.
type doubler struct{}

func (doubler) Process(dst, src *acquisition.Block) {
	dst.Start, dst.Len, dst.Received = src.Start, src.Len, src.Received
	for c := 0; c < src.Channels; c++ {
		for i := 0; i < src.Len; i++ {
			dst.Data[c*dst.Cap+i] = 2 * src.Data[c*src.Cap+i]
		}
	}
}
func (doubler) Reset() {}

func TestLiveSnapshot(t *testing.T) {
	t.Parallel()
	const fs = 1000.0
	l := NewLive(LiveConfig{
		Info:     acquisition.StreamInfo{Channels: 3, SampleRateHz: fs},
		Filter:   doubler{},
		BlockCap: 40,
	})
	if l.Snapshot() != nil {
		t.Fatal("snapshot before any data")
	}
	sineBlocks(l, fs, 7000, 40, 100)
	s := l.Snapshot()
	if s == nil {
		t.Fatal("no snapshot after 7 s")
	}
	if s.SpanSeconds != 5 || s.BinSamples != 10 || len(s.RawMin[0]) != 500 {
		t.Fatalf("span %v s, bin %d, points %d", s.SpanSeconds, s.BinSamples, len(s.RawMin[0]))
	}
	if s.End != 7000 {
		t.Fatalf("End = %d, want 7000", s.End)
	}
	for c := 0; c < 3; c++ {
		amp := 100 * float64(c+1)
		for i := range s.RawMin[c] {
			// Every 10-sample bin of a 50 Hz sine spans half a period:
			// its min/max reach within a few per cent of ±amp at most.
			if float64(s.RawMax[c][i]) > amp+1e-3 || float64(s.RawMin[c][i]) < -amp-1e-3 || s.RawMin[c][i] > s.RawMax[c][i] {
				t.Fatalf("ch %d point %d: [%v, %v] outside ±%v", c, i, s.RawMin[c][i], s.RawMax[c][i], amp)
			}
			if math.Abs(float64(s.FilteredMax[c][i])-2*float64(s.RawMax[c][i])) > 1e-3 {
				t.Fatalf("filtered trace is not the filter's output")
			}
		}
		wantRMS := 2 * amp / math.Sqrt2
		if math.Abs(s.RMSUV[c]-wantRMS) > 1e-6*wantRMS {
			t.Errorf("ch %d RMS = %v, want %v", c, s.RMSUV[c], wantRMS)
		}
	}
}

func TestLiveOldestFirst(t *testing.T) {
	t.Parallel()
	l := NewLive(LiveConfig{Info: acquisition.StreamInfo{Channels: 1, SampleRateHz: 100}, BlockCap: 7, Points: 50})
	b := acquisition.NewBlock(1, 7)
	for start := 0; start < 1234; start += 7 {
		b.Start, b.Len = uint64(start), min(7, 1234-start)
		for i := 0; i < b.Len; i++ {
			b.Data[i] = float64(start + i) // a ramp
		}
		l.Process(b)
		l.Snapshot()
	}
	s := l.Snapshot()
	for i := 1; i < len(s.RawMin[0]); i++ {
		if s.RawMin[0][i] <= s.RawMin[0][i-1] {
			t.Fatalf("points not oldest first at %d: %v then %v", i, s.RawMin[0][i-1], s.RawMin[0][i])
		}
	}
	// The newest complete bin ends at the last complete multiple of 10.
	if last := s.RawMax[0][len(s.RawMax[0])-1]; last != 1229 {
		t.Fatalf("newest point max = %v, want 1229", last)
	}
}

func TestLiveProcessDoesNotAllocate(t *testing.T) {
	l := NewLive(LiveConfig{
		Info:      acquisition.StreamInfo{Channels: 8, SampleRateHz: 1000},
		Filter:    doubler{},
		BlockCap:  50,
		PublishHz: 1e-9, // never publish during the measurement
	})
	b := acquisition.NewBlock(8, 50)
	b.Len = 50
	l.Process(b)
	if a := testing.AllocsPerRun(100, func() { l.Process(b) }); a != 0 {
		t.Fatalf("Process allocates %v times per block", a)
	}
}

func TestLiveFatigueTrend(t *testing.T) {
	t.Parallel()
	const fs = 1000.0
	tr, err := fatigue.NewTracker(fatigue.DefaultConfig(fs), 3, 600)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLive(LiveConfig{Info: acquisition.StreamInfo{Channels: 3, SampleRateHz: fs}, BlockCap: 40, Fatigue: tr})
	sineBlocks(l, fs, 5500, 40, 100)
	s := l.Snapshot()
	if len(s.Fatigue) != 3 {
		t.Fatalf("fatigue trends for %d channels, want 3", len(s.Fatigue))
	}
	for c, f := range s.Fatigue {
		if len(f.TSeconds) != 5 || len(f.MDFHz) != 5 || len(f.RMSUV) != 5 {
			t.Fatalf("ch %d: %d windows, want 5 complete 1 s windows", c, len(f.TSeconds))
		}
		for i := range f.TSeconds {
			// A 50 Hz sine: MDF within one Welch bin of 50 Hz, RMS amp/√2.
			if f.TSeconds[i] != float64(i) || math.Abs(f.MDFHz[i]-50) > 5 {
				t.Errorf("ch %d window %d: t %v MDF %v", c, i, f.TSeconds[i], f.MDFHz[i])
			}
			if want := 100 * float64(c+1) / math.Sqrt2; math.Abs(f.RMSUV[i]-want) > 0.01*want {
				t.Errorf("ch %d window %d: RMS %v, want %v", c, i, f.RMSUV[i], want)
			}
		}
		if f.Fatigued {
			t.Errorf("ch %d: a steady sine flagged as fatigue", c)
		}
	}
	// Snapshots between windows share the same immutable trend.
	before := s.Fatigue
	sineBlocks2 := acquisition.NewBlock(3, 40)
	sineBlocks2.Start, sineBlocks2.Len = 5500, 40
	l.Process(sineBlocks2)
	if got := l.Snapshot(); got != s && &got.Fatigue[0] != &before[0] {
		t.Error("trend rebuilt although no window completed")
	}
}

func TestLiveProcessWithFatigueDoesNotAllocate(t *testing.T) {
	tr, err := fatigue.NewTracker(fatigue.DefaultConfig(1000), 8, 100)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLive(LiveConfig{Info: acquisition.StreamInfo{Channels: 8, SampleRateHz: 1000}, BlockCap: 50, PublishHz: 1e-9, Fatigue: tr})
	b := acquisition.NewBlock(8, 50)
	b.Len = 50
	for i := range b.Data {
		b.Data[i] = float64(i%7) - 3
	}
	if a := testing.AllocsPerRun(200, func() { l.Process(b) }); a != 0 {
		t.Fatalf("Process with fatigue tracking allocates %v per block", a)
	}
}

func TestLiveQuality(t *testing.T) {
	t.Parallel()
	info := acquisition.StreamInfo{Channels: 2, SampleRateHz: 1000, Labels: []string{"FDS", "EDC"}, ScaleUV: []float64{1, 1}, ResolutionBits: 24}
	mon, err := quality.New(info, quality.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLive(LiveConfig{Info: info, BlockCap: 50, Quality: mon})
	// Channel 0 carries broadband noise of 50 µV; channel 1 is flat (electrode off).
	b := acquisition.NewBlock(2, 50)
	var x uint64 = 1
	for start := 0; start < 3000; start += 50 {
		b.Start, b.Len = uint64(start), 50
		for i := 0; i < 50; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			v := float64(int64(x%2001)-1000) / 20
			b.Data[i], b.Raw[i] = v, int32(v)
			b.Data[b.Cap+i], b.Raw[b.Cap+i] = 0, 0
		}
		l.Process(b)
		l.Snapshot()
	}
	q := l.Snapshot().Quality
	if len(q) != 2 {
		t.Fatalf("quality for %d channels", len(q))
	}
	if q[0].Level != QualityGood || !q[0].OKForControl || q[0].Reason != "" {
		t.Errorf("noise channel: %+v, want good", q[0])
	}
	if q[1].Level != QualityBad || q[1].OKForControl || !strings.Contains(q[1].Reason, "EDC") {
		t.Errorf("flat channel: %+v, want bad with a reason naming EDC", q[1])
	}
}
