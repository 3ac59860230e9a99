package replay

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"myorehab/acquisition"
)

// recording returns a random recording of nc channels × n samples at fs Hz.
func recording(nc, n int, fs float64) Recording {
	rng := rand.New(rand.NewPCG(1, 1))
	raw := make([][]int32, nc)
	scale := make([]float64, nc)
	for c := range raw {
		raw[c] = make([]int32, n)
		for i := range raw[c] {
			raw[c][i] = rng.Int32N(1<<16) - 1<<15
		}
		scale[c] = 0.5 + float64(c)
	}
	return Recording{Raw: raw, ScaleUV: scale, SampleRateHz: fs, ResolutionBits: 16}
}

func mustNew(t *testing.T, rec Recording, cfg Config) *Source {
	t.Helper()
	s, err := New(rec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkBlock checks b holds stream samples b.Start… of rec (looped).
func checkBlock(t *testing.T, rec Recording, b *acquisition.Block) {
	t.Helper()
	n := uint64(len(rec.Raw[0]))
	for c := range b.Channels {
		raw, data := b.RawChan(c), b.Chan(c)
		for i := range b.Len {
			want := rec.Raw[c][(b.Start+uint64(i))%n]
			if raw[i] != want || data[i] != float64(want)*rec.ScaleUV[c] {
				t.Fatalf("sample %d channel %d: %d (%g µV), want %d", b.Start+uint64(i), c, raw[i], data[i], want)
			}
		}
	}
}

func TestInfo(t *testing.T) {
	t.Parallel()
	rec := recording(3, 10, 500)
	s := mustNew(t, rec, Config{})
	in := s.Info()
	if in.Protocol != Protocol || in.Device != "Recording" || in.Channels != 3 || in.SampleRateHz != 500 ||
		in.ResolutionBits != 16 || !slices.Equal(in.Labels, []string{"ch1", "ch2", "ch3"}) ||
		!slices.Equal(in.ScaleUV, rec.ScaleUV) || s.Len() != 10 {
		t.Errorf("Info %+v", in)
	}
	rec.Labels = []string{"FDS", "EDC", "FCR"}
	rec.Device = "Replay of P01.edf"
	s = mustNew(t, rec, Config{})
	rec.Labels[0], rec.ScaleUV[0] = "changed", 99
	if in := s.Info(); in.Labels[0] != "FDS" || in.ScaleUV[0] != 0.5 || in.Device != "Replay of P01.edf" {
		t.Errorf("Info shares the caller's slices: %+v", in)
	}
}

func TestUnpacedToEnd(t *testing.T) {
	t.Parallel()
	rec := recording(3, 1234, 1000)
	s := mustNew(t, rec, Config{Unpaced: true})
	b := acquisition.NewBlock(3, 100)
	var next uint64
	for {
		err := s.ReadBlock(b)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.Start != next || b.Len != min(100, 1234-int(next)) {
			t.Fatalf("block Start %d Len %d after %d", b.Start, b.Len, next)
		}
		checkBlock(t, rec, b)
		next = b.End()
		if s.Position() != next {
			t.Fatalf("Position %d, want %d", s.Position(), next)
		}
	}
	if next != 1234 || b.Len != 0 {
		t.Errorf("ended after %d samples, Len %d", next, b.Len)
	}
	if err := s.ReadBlock(b); !errors.Is(err, io.EOF) {
		t.Errorf("after the end: %v", err)
	}
	if st := s.Stats(); st.Samples != 1234 || st.Lost != 0 {
		t.Errorf("Stats %+v", st)
	}
}

func TestLoop(t *testing.T) {
	t.Parallel()
	rec := recording(2, 250, 1000)
	s := mustNew(t, rec, Config{Unpaced: true, Loop: true})
	b := acquisition.NewBlock(2, 64) // does not divide 250: blocks span the wrap
	var next uint64
	for next < 1000 {
		if err := s.ReadBlock(b); err != nil {
			t.Fatal(err)
		}
		if b.Start != next || b.Len != 64 {
			t.Fatalf("block Start %d Len %d after %d", b.Start, b.Len, next)
		}
		checkBlock(t, rec, b)
		next = b.End()
	}
}

// TestPacing checks no block arrives before its last sample is due, at 1×
// and faster, and that a faster replay is faster.
func TestPacing(t *testing.T) {
	t.Parallel()
	for _, speed := range []float64{0, 1, 4, 20} {
		t.Run("speed", func(t *testing.T) {
			t.Parallel()
			rec := recording(2, 400, 1000)
			s := mustNew(t, rec, Config{Speed: speed})
			eff := max(speed, 1)
			b := acquisition.NewBlock(2, 50)
			start := time.Now()
			for i := 0; ; i++ {
				err := s.ReadBlock(b)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				due := start.Add(time.Duration(float64(b.End()) / (1000 * eff) * float64(time.Second)))
				if b.Received.Before(due) {
					t.Fatalf("speed %g block %d received %v early", eff, i, due.Sub(b.Received))
				}
			}
			// A faster replay is faster: the last sample of the 0.4 s
			// recording is due 0.4/speed s after the first ReadBlock (the
			// schedule, not the wall time a busy machine may stretch).
			want := time.Duration(0.4 / eff * float64(time.Second))
			if d := s.clock.Due(400).Sub(s.clock.Due(0)); d < want-time.Microsecond || d > want+time.Microsecond {
				t.Errorf("speed %g: 0.4 s of recording scheduled over %v, want %v", eff, d, want)
			}
		})
	}
}

func TestAnnotations(t *testing.T) {
	t.Parallel()
	rec := recording(1, 1000, 1000)
	rec.Annotations = []Annotation{
		{Onset: 999, Text: "last"}, {Onset: 150, Text: "b"}, {Onset: 0, Text: "start"},
		{Onset: 150, DurationS: 2, Text: "c"}, {Onset: 1000, Text: "end"},
	}
	orig := slices.Clone(rec.Annotations)
	var cb []Annotation
	var cbAt []uint64 // block end when each callback ran
	var blockEnd uint64
	s := mustNew(t, rec, Config{Unpaced: true, OnAnnotation: func(a Annotation) {
		cb = append(cb, a)
		cbAt = append(cbAt, blockEnd)
	}})
	if !slices.Equal(rec.Annotations, orig) {
		t.Error("New reordered the caller's annotations")
	}
	b := acquisition.NewBlock(1, 100)
	var got [][]Annotation
	for {
		blockEnd += 100
		if err := s.ReadBlock(b); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		got = append(got, s.Annotations(nil))
	}
	texts := func(as []Annotation) (out []string) {
		for _, a := range as {
			out = append(out, a.Text)
		}
		return out
	}
	want := [][]string{{"start"}, {"b", "c"}, nil, nil, nil, nil, nil, nil, nil, {"last", "end"}}
	if len(got) != len(want) {
		t.Fatalf("%d blocks", len(got))
	}
	for i := range want {
		if g := texts(got[i]); !slices.Equal(g, want[i]) {
			t.Errorf("after block %d: %v, want %v", i, g, want[i])
		}
	}
	if got[1][1].DurationS != 2 || got[1][1].Onset != 150 {
		t.Errorf("annotation c: %+v", got[1][1])
	}
	if g := texts(cb); !slices.Equal(g, []string{"start", "b", "c", "last", "end"}) {
		t.Errorf("callback: %v", g)
	}
	for i, a := range cb {
		if end := cbAt[i]; a.Onset >= end && !(a.Onset == 1000 && end == 1000) || a.Onset+100 < end {
			t.Errorf("callback for %q (onset %d) with the block ending at %d", a.Text, a.Onset, end)
		}
	}
	if more := s.Annotations(nil); len(more) != 0 {
		t.Errorf("annotations returned twice: %v", more)
	}
}

func TestAnnotationsLoop(t *testing.T) {
	t.Parallel()
	rec := recording(1, 100, 1000)
	rec.Annotations = []Annotation{{Onset: 10, Text: "grip"}, {Onset: 60, Text: "release"}}
	s := mustNew(t, rec, Config{Unpaced: true, Loop: true})
	b := acquisition.NewBlock(1, 50)
	var got []Annotation
	for range 6 { // 3 passes
		if err := s.ReadBlock(b); err != nil {
			t.Fatal(err)
		}
		got = s.Annotations(got)
	}
	var onsets []uint64
	for _, a := range got {
		onsets = append(onsets, a.Onset)
	}
	if want := []uint64{10, 60, 110, 160, 210, 260}; !slices.Equal(onsets, want) {
		t.Errorf("onsets %v, want %v", onsets, want)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	rec := recording(2, 100, 1) // 1 Hz: a 100-sample block takes 100 s
	s := mustNew(t, rec, Config{})
	b := acquisition.NewBlock(2, 100)
	errc := make(chan error, 1)
	go func() { errc <- s.ReadBlock(b) }()
	// Close may come before or while ReadBlock waits; either way it returns.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, acquisition.ErrClosed) || b.Len != 0 {
			t.Errorf("ReadBlock after Close: %v, Len %d", err, b.Len)
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
}

// TestCloseWhileWaiting makes sure ReadBlock is waiting before Close.
func TestCloseWhileWaiting(t *testing.T) {
	t.Parallel()
	rec := recording(1, 100, 10)
	s := mustNew(t, rec, Config{})
	b := acquisition.NewBlock(1, 1)
	if err := s.ReadBlock(b); err != nil { // starts the clock
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	b50 := acquisition.NewBlock(1, 50) // due 5 s later
	go func() { errc <- s.ReadBlock(b50) }()
	select {
	case err := <-errc:
		t.Fatalf("ReadBlock returned early: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	s.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, acquisition.ErrClosed) {
			t.Errorf("ReadBlock: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock ReadBlock")
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		mod  func(*Recording, *Config)
	}{
		{"no channels", func(r *Recording, _ *Config) { r.Raw = nil }},
		{"no samples", func(r *Recording, _ *Config) { r.Raw = [][]int32{{}, {}} }},
		{"ragged", func(r *Recording, _ *Config) { r.Raw[1] = r.Raw[1][:5] }},
		{"scales", func(r *Recording, _ *Config) { r.ScaleUV = r.ScaleUV[:1] }},
		{"zero scale", func(r *Recording, _ *Config) { r.ScaleUV[1] = 0 }},
		{"NaN scale", func(r *Recording, _ *Config) { r.ScaleUV[1] = math.NaN() }},
		{"no rate", func(r *Recording, _ *Config) { r.SampleRateHz = 0 }},
		{"infinite rate", func(r *Recording, _ *Config) { r.SampleRateHz = math.Inf(1) }},
		{"labels", func(r *Recording, _ *Config) { r.Labels = []string{"a"} }},
		{"annotation after end", func(r *Recording, _ *Config) { r.Annotations = []Annotation{{Onset: 11}} }},
		{"negative speed", func(_ *Recording, c *Config) { c.Speed = -1 }},
		{"NaN speed", func(_ *Recording, c *Config) { c.Speed = math.NaN() }},
	} {
		rec, cfg := recording(2, 10, 100), Config{}
		test.mod(&rec, &cfg)
		if s, err := New(rec, cfg); err == nil || s != nil {
			t.Errorf("%s: New = %v, %v", test.name, s, err)
		}
	}
}

func TestWrongBlockPanics(t *testing.T) {
	t.Parallel()
	s := mustNew(t, recording(2, 10, 100), Config{Unpaced: true})
	defer func() {
		if r := recover(); r != "replay: block channel count mismatch" {
			t.Errorf("recover() = %v", r)
		}
	}()
	s.ReadBlock(acquisition.NewBlock(3, 4))
}

func TestReadBlockAllocs(t *testing.T) {
	rec := recording(8, 1000, 1000)
	rec.Annotations = []Annotation{{Onset: 5, Text: "x"}}
	s := mustNew(t, rec, Config{Unpaced: true, Loop: true, OnAnnotation: func(Annotation) {}})
	b := acquisition.NewBlock(8, 50)
	if a := testing.AllocsPerRun(100, func() { s.ReadBlock(b) }); a != 0 {
		t.Errorf("ReadBlock: %g allocs", a)
	}
}

func BenchmarkReadBlock(b *testing.B) {
	rec := recording(8, 10000, 1000)
	s, err := New(rec, Config{Unpaced: true, Loop: true})
	if err != nil {
		b.Fatal(err)
	}
	blk := acquisition.NewBlock(8, 50)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.ReadBlock(blk); err != nil {
			b.Fatal(err)
		}
	}
}
