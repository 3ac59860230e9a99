package plot

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"myorehab/acquisition"
	"myorehab/processing/pipeline"
)

// envelope returns n min/max points around offset whose deviation peaks at
// amp µV, drawn with a deterministic RNG.
func envelope(rng *rand.Rand, n int, offset, amp float64) (lo, hi []float32) {
	lo, hi = make([]float32, n), make([]float32, n)
	for i := range n {
		a := amp * (0.3 + 0.7*math.Abs(math.Sin(2*math.Pi*float64(i)/97)))
		lo[i] = float32(offset - a*(0.8+0.2*rng.Float64()))
		hi[i] = float32(offset + a*(0.8+0.2*rng.Float64()))
	}
	return lo, hi
}

// snapshot returns a 250 Hz, 5 s, bin-1 snapshot of channels channels with
// n points; channel c has filtered peak filtAmp(c) and raw peak rawAmp(c)
// around a DC offset of rawOffset.
func snapshot(seq uint64, channels, n int, filtAmp, rawAmp func(c int) float64, rawOffset float64) *pipeline.Snapshot {
	rng := rand.New(rand.NewPCG(1, seq))
	s := &pipeline.Snapshot{
		Seq: seq,
		Info: acquisition.StreamInfo{
			Device: "test", Protocol: "sim", Channels: channels, SampleRateHz: 250,
			Labels: []string{"FDS", "EDC", "FCU", "ECR", "APB", "ADM", "BIC", "TRI"}[:channels],
		},
		SpanSeconds: 5, BinSamples: 1,
		RawMin: make([][]float32, channels), RawMax: make([][]float32, channels),
		FilteredMin: make([][]float32, channels), FilteredMax: make([][]float32, channels),
		RMSUV: make([]float64, channels),
	}
	for c := range channels {
		s.FilteredMin[c], s.FilteredMax[c] = envelope(rng, n, 0, filtAmp(c))
		s.RawMin[c], s.RawMax[c] = envelope(rng, n, rawOffset, rawAmp(c))
		s.RMSUV[c] = filtAmp(c) / 2
	}
	return s
}

func constAmp(a float64) func(int) float64 { return func(int) float64 { return a } }

func TestNiceCeil(t *testing.T) {
	t.Parallel()
	for _, test := range []struct{ in, want float64 }{
		{1, 1}, {1.01, 2}, {2, 2}, {2.5, 5}, {5, 5}, {7, 10}, {10, 10}, {12, 20}, {120, 200}, {0.3, 0.5}, {4999, 5000},
	} {
		if got := niceCeil(test.in); math.Abs(got-test.want) > 1e-9*test.want {
			t.Errorf("niceCeil(%v) = %v, want %v", test.in, got, test.want)
		}
	}
}

func TestAutoscale(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	scratch := make([]float32, 1250)
	for _, test := range []struct {
		name         string
		offset, amp  float64
		wantHalf     float64
		wantCenterUV float64
	}{
		{"small", 0, 30, 50, 0},
		{"medium", 0, 150, 200, 0},
		{"large", 0, 900, 2000, 0},
		{"dc offset", -12000, 80, 100, -12000},
		{"flat is floored", 0, 0, MinHalfRangeUV, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			var a Autoscale
			lo, hi := envelope(rng, 1250, test.offset, test.amp)
			a.Update(lo, hi, scratch)
			if got := a.HalfRangeUV(); got != test.wantHalf {
				t.Errorf("HalfRangeUV = %v, want %v (peak %v)", got, test.wantHalf, a.PeakUV())
			}
			if got := a.CenterUV(); math.Abs(got-test.wantCenterUV) > 0.1*test.amp+1 {
				t.Errorf("CenterUV = %v, want %v", got, test.wantCenterUV)
			}
		})
	}
}

func TestAutoscaleIgnoresSpikes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi := envelope(rng, 1250, 0, 100)
	hi[600], lo[601] = 50000, -50000 // two electrode pops
	var a Autoscale
	a.Update(lo, hi, make([]float32, 1250))
	if got := a.HalfRangeUV(); got != 200 {
		t.Errorf("HalfRangeUV with spikes = %v, want 200", got)
	}
}

func TestAutoscaleAttackAndRelease(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 3))
	scratch := make([]float32, 500)
	var a Autoscale
	quietLo, quietHi := envelope(rng, 500, 0, 40)
	loudLo, loudHi := envelope(rng, 500, 0, 1500)
	a.Update(quietLo, quietHi, scratch)
	quiet := a.HalfRangeUV()
	a.Update(loudLo, loudHi, scratch)
	if got := a.HalfRangeUV(); got < 1500 {
		t.Fatalf("after a loud envelope HalfRangeUV = %v, want ≥ 1500 at once (no clipping)", got)
	}
	a.Update(quietLo, quietHi, scratch)
	if got := a.HalfRangeUV(); got < 1000 {
		t.Errorf("one quiet update after loud: HalfRangeUV = %v, want a slow release (≥ 1000)", got)
	}
	for range 200 {
		a.Update(quietLo, quietHi, scratch)
	}
	if got := a.HalfRangeUV(); got != quiet {
		t.Errorf("after 200 quiet updates HalfRangeUV = %v, want %v", got, quiet)
	}
}

func TestAutoscalePanics(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name            string
		lo, hi, scratch []float32
	}{
		{"length mismatch", make([]float32, 3), make([]float32, 2), make([]float32, 3)},
		{"short scratch", make([]float32, 3), make([]float32, 3), make([]float32, 2)},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			var a Autoscale
			a.Update(test.lo, test.hi, test.scratch)
		})
	}
}

// columnsWith returns, per lane, the number of pixel columns that contain
// colour c within the lane's rows.
func columnsWith(img image.Image, lanes, lane int, c color.Color) (cols int, first, last int) {
	b := img.Bounds()
	top, bottom := LaneBounds(lane, lanes, b.Dy())
	r0, g0, b0, _ := c.RGBA()
	first, last = -1, -1
	for x := b.Min.X; x < b.Max.X; x++ {
		for y := top; y < bottom; y++ {
			r, g, bb, _ := img.At(x, b.Min.Y+y).RGBA()
			if r == r0 && g == g0 && bb == b0 {
				cols++
				if first < 0 {
					first = x - b.Min.X
				}
				last = x - b.Min.X
				break
			}
		}
	}
	return cols, first, last
}

func TestDraw(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 4))
	const w, h = 400, 300
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	lanes := make([]Lane, 3)
	for c := range lanes {
		lo, hi := envelope(rng, 1250, 0, 100)
		lanes[c] = Lane{Min: lo, Max: hi, Full: 1250, HalfRangeUV: 200, Color: TraceColor(c)}
	}
	lanes[2].Min, lanes[2].Max = lanes[2].Min[:625], lanes[2].Max[:625] // half the span so far
	Draw(img, lanes)
	for c := range lanes {
		cols, first, last := columnsWith(img, len(lanes), c, TraceColor(c))
		wantFirst := 0
		if c == 2 {
			wantFirst = w / 2
		}
		if cols != w-wantFirst || first != wantFirst || last != w-1 {
			t.Errorf("lane %d: trace in %d columns [%d, %d], want %d columns [%d, %d]", c, cols, first, last, w-wantFirst, wantFirst, w-1)
		}
		for other := range lanes {
			if other == c {
				continue
			}
			if n, _, _ := columnsWith(img, len(lanes), other, TraceColor(c)); n != 0 {
				t.Errorf("trace %d leaks into lane %d (%d columns)", c, other, n)
			}
		}
	}
	// A ±100 µV trace on a ±200 µV lane spans about half the lane height.
	top, bottom := LaneBounds(0, 3, h)
	minY, maxY := h, 0
	for y := top; y < bottom; y++ {
		for x := range w {
			if img.RGBAAt(x, y) == TraceColor(0) {
				minY, maxY = min(minY, y), max(maxY, y)
			}
		}
	}
	if span, lane := maxY-minY, bottom-top; span < lane*4/10 || span > lane*6/10 {
		t.Errorf("trace spans %d of %d lane pixels, want about half", span, lane)
	}
}

func TestDrawClipsToLane(t *testing.T) {
	t.Parallel()
	img := image.NewRGBA(image.Rect(0, 0, 50, 100))
	lo, hi := make([]float32, 50), make([]float32, 50)
	for i := range lo {
		lo[i], hi[i] = -1e6, 1e6
	}
	Draw(img, []Lane{{Min: lo, Max: hi, Full: 50, HalfRangeUV: 10, Color: TraceColor(0)}, {Full: 50, HalfRangeUV: 10}})
	if n, _, _ := columnsWith(img, 2, 1, TraceColor(0)); n != 0 {
		t.Errorf("clipped trace leaks into the next lane in %d columns", n)
	}
	if n, _, _ := columnsWith(img, 2, 0, TraceColor(0)); n != 50 {
		t.Errorf("clipped trace covers %d columns, want 50", n)
	}
}

func TestDrawDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 5))
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	lanes := make([]Lane, 8)
	for c := range lanes {
		lo, hi := envelope(rng, 1250, 0, 100)
		lanes[c] = Lane{Min: lo, Max: hi, Full: 1250, HalfRangeUV: 200, Color: TraceColor(c)}
	}
	if n := testing.AllocsPerRun(20, func() { Draw(img, lanes) }); n != 0 {
		t.Errorf("Draw allocates %v times per call", n)
	}
	var a Autoscale
	scratch := make([]float32, 1250)
	if n := testing.AllocsPerRun(20, func() { a.Update(lanes[0].Min, lanes[0].Max, scratch) }); n != 0 {
		t.Errorf("Autoscale.Update allocates %v times per call", n)
	}
}

func TestScopeImageDoesNotAllocate(t *testing.T) {
	test.NewTempApp(t)
	s := NewScope()
	s.SetSnapshot(snapshot(1, 8, 1250, constAmp(100), constAmp(300), 0))
	s.Image(640, 480)
	if n := testing.AllocsPerRun(20, func() { s.Image(640, 480) }); n != 0 {
		t.Errorf("Scope.Image allocates %v times per frame", n)
	}
}

// TestScopeRenders captures the rendered window and checks every channel's
// lane holds its trace and label.
func TestScopeRenders(t *testing.T) {
	test.NewTempApp(t)
	s := NewScope()
	w := test.NewWindow(s)
	defer w.Close()
	w.SetPadded(false)
	w.Resize(fyne.NewSize(500, 400))

	empty := w.Canvas().Capture()
	if n, _, _ := columnsWith(empty, 1, 0, TraceColor(0)); n != 0 {
		t.Errorf("scope without a snapshot shows a trace in %d columns", n)
	}

	const channels = 4
	s.SetSnapshot(snapshot(1, channels, 1250, func(c int) float64 { return 50 * float64(c+1) }, constAmp(500), 3000))
	img := w.Canvas().Capture()
	wantW := img.Bounds().Dx()
	for c := range channels {
		cols, _, _ := columnsWith(img, channels, c, TraceColor(c))
		if cols < wantW*9/10 {
			t.Errorf("channel %d: trace in %d of %d columns of its lane", c, cols, wantW)
		}
	}
	for c, want := range []string{"FDS  ±100 µV", "EDC  ±200 µV", "FCU  ±200 µV", "ECR  ±500 µV"} {
		if got := s.LaneLabel(c); got != want {
			t.Errorf("LaneLabel(%d) = %q, want %q", c, got, want)
		}
	}
	if got := s.RMSLabel(3); got != "RMS 100.0 µV" {
		t.Errorf("RMSLabel(3) = %q", got)
	}
}

// TestScopeRawFilteredToggle checks the toggle draws the other envelopes
// with their own scale: filtered data fill only the newest half of the
// span, raw data the whole span.
func TestScopeRawFilteredToggle(t *testing.T) {
	test.NewTempApp(t)
	s := NewScope()
	w := test.NewWindow(s)
	defer w.Close()
	w.SetPadded(false)
	w.Resize(fyne.NewSize(400, 200))

	snap := snapshot(1, 1, 1250, constAmp(40), constAmp(2000), -25000)
	for i := range 625 { // the filter has not settled: no filtered data in the older half
		snap.FilteredMin[0][i], snap.FilteredMax[0][i] = float32(math.NaN()), float32(math.NaN())
	}
	s.SetSnapshot(snap)
	if !s.Filtered() || s.HalfRangeUV(0) != 50 {
		t.Fatalf("default: Filtered = %v, HalfRangeUV = %v; want true, 50", s.Filtered(), s.HalfRangeUV(0))
	}
	_, first, _ := columnsWith(w.Canvas().Capture(), 1, 0, TraceColor(0))
	if first < 190 || first > 210 {
		t.Errorf("filtered trace starts at column %d, want about 200", first)
	}

	s.SetFiltered(false)
	if got := s.HalfRangeUV(0); got != 5000 {
		t.Errorf("raw HalfRangeUV = %v, want 5000", got)
	}
	cols, first, _ := columnsWith(w.Canvas().Capture(), 1, 0, TraceColor(0))
	if first != 0 || cols < 390 {
		t.Errorf("raw trace: %d columns from %d, want the whole width", cols, first)
	}
}

func TestScopeAutoscaleFollowsAmplitude(t *testing.T) {
	test.NewTempApp(t)
	s := NewScope()
	seq := uint64(0)
	show := func(amp float64) float64 {
		seq++
		s.SetSnapshot(snapshot(seq, 2, 1250, func(c int) float64 { return amp * float64(c+1) }, constAmp(100), 0))
		return s.HalfRangeUV(0)
	}
	if got := show(30); got != 50 {
		t.Fatalf("30 µV: HalfRangeUV = %v, want 50", got)
	}
	if got := show(700); got != 1000 {
		t.Fatalf("700 µV: HalfRangeUV = %v, want 1000 at once", got)
	}
	if got := s.HalfRangeUV(1); got != 2000 {
		t.Errorf("channel 1 (1400 µV): HalfRangeUV = %v, want 2000 (per-channel scale)", got)
	}
	var got float64
	for range 150 {
		got = show(30)
	}
	if got != 50 {
		t.Errorf("back to 30 µV for 5 s: HalfRangeUV = %v, want 50", got)
	}
	// The same snapshot again is not a new update.
	before := s.HalfRangeUV(0)
	s.SetSnapshot(s.Snapshot())
	if s.HalfRangeUV(0) != before {
		t.Error("re-setting the same snapshot changed the scale")
	}
}

func BenchmarkScopeImage(b *testing.B) {
	test.NewTempApp(b)
	for _, size := range []struct {
		name string
		w, h int
	}{{"1280x720", 1280, 720}, {"1920x1080", 1920, 1080}} {
		b.Run(size.name, func(b *testing.B) {
			s := NewScope()
			s.SetSnapshot(snapshot(1, 8, 1250, constAmp(100), constAmp(300), 0))
			b.ReportAllocs()
			for b.Loop() {
				s.Image(size.w, size.h)
			}
		})
	}
}

func BenchmarkAutoscaleUpdate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 6))
	lo, hi := envelope(rng, 1250, 0, 100)
	scratch := make([]float32, len(lo))
	var a Autoscale
	b.ReportAllocs()
	for b.Loop() {
		a.Update(lo, hi, scratch)
	}
}

func TestAutoscaleIgnoresNaN(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 7))
	lo, hi := envelope(rng, 1000, 4000, 100)
	for i := range 700 {
		lo[i], hi[i] = float32(math.NaN()), float32(math.NaN())
	}
	var a Autoscale
	a.Update(lo, hi, make([]float32, 1000))
	if a.HalfRangeUV() != 200 || math.Abs(a.CenterUV()-4000) > 20 {
		t.Errorf("HalfRangeUV, CenterUV = %v, %v; want 200, about 4000", a.HalfRangeUV(), a.CenterUV())
	}
	nan := []float32{float32(math.NaN())}
	a.Update(nan, nan, make([]float32, 1))
	if a.HalfRangeUV() != 200 {
		t.Errorf("an all-NaN envelope changed the scale to %v", a.HalfRangeUV())
	}
}

// TestScopeStaleNoteBesideTheLabels: the note over not-live traces covers
// no lane text.
func TestScopeStaleNoteBesideTheLabels(t *testing.T) {
	test.NewTempApp(t)
	s := NewScope()
	w := test.NewWindow(s)
	defer w.Close()
	w.Resize(fyne.NewSize(840, 400))
	snap := &pipeline.Snapshot{Seq: 1, Info: acquisition.StreamInfo{Channels: 8, SampleRateHz: 1000}}
	for range 8 {
		snap.RawMin = append(snap.RawMin, []float32{-1, -1})
		snap.RawMax = append(snap.RawMax, []float32{1, 1})
		snap.FilteredMin = append(snap.FilteredMin, []float32{-1, -1})
		snap.FilteredMax = append(snap.FilteredMax, []float32{1, 1})
		snap.RMSUV = append(snap.RMSUV, 155)
		snap.Quality = append(snap.Quality, pipeline.ChannelQuality{Level: pipeline.QualityGood})
	}
	s.SetSnapshot(snap)
	s.SetStale("No signal — disconnected · last sample 8 s ago")
	r := test.WidgetRenderer(s).(*scopeRenderer)
	if !r.empty.Visible() || r.empty.Text != s.Stale() {
		t.Fatalf("note %q shown %v", r.empty.Text, r.empty.Visible())
	}
	note := rect{r.emptyBox.Position(), r.emptyBox.Size()}
	for i := range r.names {
		for _, o := range []fyne.CanvasObject{r.names[i], r.reasons[i], r.rms[i]} {
			if note.overlaps(rect{o.Position(), o.Size()}) {
				t.Errorf("the note covers lane %d's text %q", i, o.(*canvas.Text).Text)
			}
		}
	}
}

// TestScopeStaleNoteNarrow: in a scope as narrow as on a 1280 px window,
// the note goes on two lines between the lane texts and still covers
// none of them.
func TestScopeStaleNoteNarrow(t *testing.T) {
	test.NewTempApp(t)
	s := NewScope()
	w := test.NewWindow(s)
	defer w.Close()
	w.Resize(fyne.NewSize(620, 320))
	snap := &pipeline.Snapshot{Seq: 1, Info: acquisition.StreamInfo{Channels: 8, SampleRateHz: 1000}}
	for range 8 {
		snap.RawMin = append(snap.RawMin, []float32{-1, -1})
		snap.RawMax = append(snap.RawMax, []float32{1, 1})
		snap.FilteredMin = append(snap.FilteredMin, []float32{-1, -1})
		snap.FilteredMax = append(snap.FilteredMax, []float32{1, 1})
		snap.RMSUV = append(snap.RMSUV, 155)
		snap.Quality = append(snap.Quality, pipeline.ChannelQuality{Level: pipeline.QualityGood})
	}
	s.SetSnapshot(snap)
	s.SetStale("No signal — disconnected · last sample 8 s ago")
	r := test.WidgetRenderer(s).(*scopeRenderer)
	if !r.empty2.Visible() || r.empty.Text+" · "+r.empty2.Text != s.Stale() {
		t.Fatalf("note %q / %q (second line shown %v), want %q on two lines", r.empty.Text, r.empty2.Text, r.empty2.Visible(), s.Stale())
	}
	note := rect{r.emptyBox.Position(), r.emptyBox.Size()}
	for i := range r.names {
		for _, o := range []fyne.CanvasObject{r.names[i], r.reasons[i], r.rms[i]} {
			if note.overlaps(rect{o.Position(), o.Size()}) {
				t.Errorf("the note covers lane %d's text %q", i, o.(*canvas.Text).Text)
			}
		}
	}
	s.SetStale("")
	if r.empty.Visible() || r.empty2.Visible() {
		t.Error("the note stays once live again")
	}
}

type rect struct {
	p fyne.Position
	s fyne.Size
}

func (a rect) overlaps(b rect) bool {
	return a.p.X < b.p.X+b.s.Width && b.p.X < a.p.X+a.s.Width && a.p.Y < b.p.Y+b.s.Height && b.p.Y < a.p.Y+a.s.Height
}
