package sim

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"myorehab/acquisition"
)

func newSource(t testing.TB, cfg SourceConfig) *Source {
	t.Helper()
	s, err := NewSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSourceInfo(t *testing.T) {
	t.Parallel()
	s := newSource(t, SourceConfig{Config: Config{Channels: 4, RateHz: 250}})
	info := s.Info()
	if info.Device != "Simulated amplifier" || info.Protocol != "sim" || info.Port != "" ||
		info.Channels != 4 || info.SampleRateHz != 250 || info.ResolutionBits != 24 ||
		!slices.Equal(info.Labels, DefaultLabels(4)) ||
		!slices.Equal(info.ScaleUV, []float64{DefaultScaleUV, DefaultScaleUV, DefaultScaleUV, DefaultScaleUV}) {
		t.Errorf("Info() = %+v", info)
	}
	if math.Abs(DefaultScaleUV-0.02235) > 1e-5 {
		t.Errorf("DefaultScaleUV = %g, want ≈ 0.02235", DefaultScaleUV)
	}
	info.Labels[0], info.ScaleUV[0] = "changed", 1
	if s.Info().Labels[0] == "changed" || s.Info().ScaleUV[0] == 1 {
		t.Error("Info shares its slices")
	}
	for _, scale := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := NewSource(SourceConfig{ScaleUV: scale}); err == nil {
			t.Errorf("scale %g: no error", scale)
		}
	}
	if _, err := NewSource(SourceConfig{Config: Config{Channels: 99}}); err == nil {
		t.Error("99 channels: no error")
	}
}

// TestSourceUnpaced checks blocks are contiguous, Data is exactly Raw × scale,
// and the samples are the Simulator's, quantised.
func TestSourceUnpaced(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Seed = 9
	const scale = 0.5
	s := newSource(t, SourceConfig{Config: cfg, ScaleUV: scale})
	ref, err := NewSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, cfg.Channels)
	b := acquisition.NewBlock(cfg.Channels, 37)
	var next uint64
	before := time.Now()
	for range 200 { // 7.4 s: through rest and grip in the demo script
		if err := s.ReadBlock(b); err != nil {
			t.Fatal(err)
		}
		if b.Start != next || b.Len != b.Cap {
			t.Fatalf("block Start %d Len %d, want Start %d Len %d", b.Start, b.Len, next, b.Cap)
		}
		if b.Received.Before(before) {
			t.Fatal("Received not set")
		}
		next = b.End()
		for i := range b.Len {
			ref.Next(x)
			for c := range b.Channels {
				raw, data := b.RawChan(c)[i], b.Chan(c)[i]
				if data != float64(raw)*scale {
					t.Fatalf("channel %d: Data %g != Raw %d × %g", c, data, raw, scale)
				}
				if want := int32(math.Round(x[c] / scale)); raw != want {
					t.Fatalf("channel %d sample %d: Raw %d, want %d (%g µV)", c, b.Start+uint64(i), raw, want, x[c])
				}
			}
		}
	}
	if st := s.Stats(); st.Samples != next || st.Lost != 0 {
		t.Errorf("Stats %+v, want %d samples", st, next)
	}
}

func TestSourceClipsCounts(t *testing.T) {
	t.Parallel()
	s := newSource(t, SourceConfig{Config: Config{Channels: 1, MaxUV: 1e6, Manual: true}})
	s.Simulator().SetGesture(PowerGrip)
	b := acquisition.NewBlock(1, 2000)
	if err := s.ReadBlock(b); err != nil {
		t.Fatal(err)
	}
	lo, hi := slices.Min(b.RawChan(0)), slices.Max(b.RawChan(0))
	if lo != -maxCount || hi != maxCount {
		t.Errorf("counts in [%d, %d], want clipped to ±%d", lo, hi, maxCount)
	}
}

func TestSourcePaced(t *testing.T) {
	t.Parallel()
	s := newSource(t, SourceConfig{Config: Config{Channels: 2}, Paced: true})
	b := acquisition.NewBlock(2, 20) // 20 ms at 1000 Hz
	start := time.Now()
	var next, lost uint64
	for i := range 10 {
		if err := s.ReadBlock(b); err != nil {
			t.Fatal(err)
		}
		// Contiguous, unless this reader fell more than a second behind
		// (only a very busy machine does that): then the gap is exactly
		// the samples counted lost (TestSourceCatchUp checks the lag
		// rule on a fake clock).
		gap := s.Stats().Lost - lost
		lost += gap
		if late := b.Received.Sub(start.Add(time.Duration(next) * time.Millisecond)); gap > 0 && late <= maxLag {
			t.Fatalf("block %d: %d samples lost although the reader was only %v behind", i, gap, late)
		}
		if b.Start != next+gap || b.Len != 20 {
			t.Fatalf("block %d: Start %d Len %d, want %d, 20", i, b.Start, b.Len, next+gap)
		}
		next = b.End()
		// A block never arrives before its last sample is due.
		if due := start.Add(time.Duration(next) * time.Millisecond); b.Received.Before(due) {
			t.Fatalf("block %d received %v before it was due", i, due.Sub(b.Received))
		}
	}
	if st := s.Stats(); st.Samples != 200 || st.Samples+st.Lost != next {
		t.Errorf("Stats %+v, want 200 samples and %d lost", st, next-200)
	}
	if lost > 0 {
		t.Logf("the reader fell behind: %d samples lost", lost)
	}
}

// TestSourceCatchUp checks a late reader gets its due blocks at once and a
// reader more than a second late loses samples, counted and visible as a gap.
func TestSourceCatchUp(t *testing.T) {
	t.Parallel()
	s := newSource(t, SourceConfig{Config: Config{Channels: 1}, Paced: true})
	clock := time.Unix(1000, 0)
	s.clock.Now = func() time.Time { return clock }
	b := acquisition.NewBlock(1, 100)

	s.clock.Start(clock)                      // the stream started at clock ...
	clock = clock.Add(400 * time.Millisecond) // ... and the reader comes 0.4 s later
	for i := range 4 {
		done := make(chan error, 1)
		go func() { done <- s.ReadBlock(b) }()
		select {
		case err := <-done:
			if err != nil || b.Start != uint64(100*i) {
				t.Fatalf("catch-up block %d: %v, Start %d", i, err, b.Start)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a block already due did not arrive at once")
		}
	}
	if s.Stats().Lost != 0 {
		t.Fatalf("lost %d samples within the allowed lag", s.Stats().Lost)
	}

	clock = clock.Add(10100 * time.Millisecond) // now 10.5 s after t0: 10.1 s behind
	if err := s.ReadBlock(b); err != nil {
		t.Fatal(err)
	}
	if b.End() != 10500 {
		t.Errorf("after the stall: block %d–%d, want it to end at the sample due now (10500)", b.Start, b.End())
	}
	if st := s.Stats(); st.Lost != b.Start-400 || st.Samples != 500 {
		t.Errorf("Stats %+v, want Lost %d (the gap) and 500 samples", st, b.Start-400)
	}
}

func TestSourceClose(t *testing.T) {
	t.Parallel()
	s := newSource(t, SourceConfig{Config: Config{Channels: 3}, Paced: true})
	b := acquisition.NewBlock(3, 60000) // a minute at 1000 Hz
	done := make(chan error, 1)
	go func() { done <- s.ReadBlock(b) }()
	go s.Stats() // concurrent Stats is safe
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, acquisition.ErrClosed) || b.Len != 0 {
			t.Errorf("pending ReadBlock after Close: %v, Len %d; want ErrClosed, 0", err, b.Len)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock ReadBlock")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.ReadBlock(b); !errors.Is(err, acquisition.ErrClosed) {
		t.Errorf("ReadBlock after Close: %v", err)
	}

	u := newSource(t, SourceConfig{})
	u.Close()
	if err := u.ReadBlock(acquisition.NewBlock(8, 4)); !errors.Is(err, acquisition.ErrClosed) {
		t.Errorf("unpaced ReadBlock after Close: %v", err)
	}
}

func TestSourceCloseConcurrent(t *testing.T) {
	t.Parallel()
	s := newSource(t, SourceConfig{Config: Config{Channels: 2}})
	done := make(chan struct{})
	for range 4 {
		go func() { s.Close(); done <- struct{}{} }()
	}
	for range 4 {
		<-done
	}
	if err := s.ReadBlock(acquisition.NewBlock(2, 1)); !errors.Is(err, acquisition.ErrClosed) {
		t.Errorf("ReadBlock: %v", err)
	}
}

func TestSourceWrongBlock(t *testing.T) {
	t.Parallel()
	s := newSource(t, SourceConfig{})
	defer func() {
		if recover() == nil {
			t.Error("ReadBlock accepted a 2-channel block on an 8-channel source")
		}
	}()
	s.ReadBlock(acquisition.NewBlock(2, 10))
}

func TestReadBlockAllocs(t *testing.T) {
	s := newSource(t, SourceConfig{Config: DefaultConfig()})
	b := acquisition.NewBlock(8, 50)
	if n := testing.AllocsPerRun(200, func() { s.ReadBlock(b) }); n != 0 {
		t.Errorf("unpaced ReadBlock allocates %g times per block", n)
	}
	p := newSource(t, SourceConfig{Config: Config{Channels: 2, RateHz: 20000}, Paced: true})
	b = acquisition.NewBlock(2, 2) // 0.1 ms blocks
	if n := testing.AllocsPerRun(200, func() { p.ReadBlock(b) }); n != 0 {
		t.Errorf("paced ReadBlock allocates %g times per block", n)
	}
}

func BenchmarkReadBlock(b *testing.B) {
	for _, n := range []int{8, 16} {
		b.Run(map[int]string{8: "ch=8", 16: "ch=16"}[n], func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Channels = n
			s := newSource(b, SourceConfig{Config: cfg})
			blk := acquisition.NewBlock(n, 50)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.ReadBlock(blk); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
