package plot

import (
	"image"
	"math"
	"strconv"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// sine returns channels channels of n samples of a ±amp µV sine.
func sine(channels, n int, amp float64) [][]float32 {
	out := make([][]float32, channels)
	for c := range out {
		out[c] = make([]float32, n)
		for i := range n {
			out[c][i] = float32(amp * math.Sin(float64(i)/3+float64(c)))
		}
	}
	return out
}

func TestDrawRecording(t *testing.T) {
	const w, h = 200, 200
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	ch := sine(2, 1000, 50)
	for i := 500; i < 1000; i++ {
		ch[1][i] = float32(math.NaN()) // a gap
	}
	v := &View{
		Channels: ch, Start: 400, Span: 200,
		HalfRangeUV: []float64{100, 100}, CenterUV: []float64{0, 0},
		Markers: []Marker{{Sample: 450, Text: "a"}, {Sample: 900, Text: "out of view"}, {Sample: 350, Duration: 100, Text: "b"}},
	}
	DrawRecording(img, v)
	// Channel 0 is drawn in every column; channel 1 only before its gap.
	for c, want := range []int{w, w / 2} {
		if n, _, _ := columnsWith(img, 2, c, TraceColor(c)); n != want {
			t.Errorf("channel %d drawn in %d columns, want %d", c, n, want)
		}
	}
	// ±50 µV on a ±100 µV lane: about half the lane.
	top, bottom := LaneBounds(0, 2, h)
	first, last := h, 0
	for x := range w {
		a, b := rowsWith(img, x, top, bottom, TraceColor(0))
		if a >= 0 {
			first, last = min(first, a), max(last, b)
		}
	}
	if span := last - first; span < (bottom-top)*4/10 || span > (bottom-top)*6/10 {
		t.Errorf("trace spans %d of %d rows, want about half", span, bottom-top)
	}
	// The marker at 450 is a dashed line at column 50; the one out of view
	// is not drawn; the duration of the one at 350 reaches column 50 at the top.
	mc := MarkerColor()
	if a, _ := rowsWith(img, 50, 4, h, mc); a < 0 {
		t.Error("no marker line at column 50")
	}
	for x := range w {
		if x == 50 {
			continue
		}
		if a, _ := rowsWith(img, x, 4, h, mc); a >= 0 {
			t.Errorf("marker colour in column %d below the duration bar", x)
		}
	}
	for _, x := range []int{0, 25, 50} {
		if a, _ := rowsWith(img, x, 0, 4, mc); a < 0 {
			t.Errorf("no duration bar at column %d", x)
		}
	}
	if a, _ := rowsWith(img, 60, 0, 4, mc); a >= 0 {
		t.Error("duration bar beyond its end (column 50)")
	}
	if n := testing.AllocsPerRun(20, func() { DrawRecording(img, v) }); n != 0 {
		t.Errorf("DrawRecording allocates %v times per call", n)
	}
}

func TestDrawRecordingPanics(t *testing.T) {
	t.Parallel()
	img := image.NewRGBA(image.Rect(0, 0, 10, 10))
	for _, test := range []struct {
		name string
		v    View
	}{
		{"zero span", View{Span: 0}},
		{"missing scale", View{Channels: sine(2, 10, 1), Span: 10, HalfRangeUV: []float64{1}, CenterUV: []float64{0}}},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			DrawRecording(img, &test.v)
		})
	}
}

func TestViewerNavigation(t *testing.T) {
	test.NewTempApp(t)
	v := NewViewer()
	w := test.NewWindow(v)
	defer w.Close()
	w.Resize(fyne.NewSize(600, 300))
	changes := 0
	v.OnChanged = func() { changes++ }
	v.SetRecording(sine(2, 5000, 80), 100, []string{"FDS"}, []Marker{{Sample: 4000, Text: "late"}, {Sample: 100, Text: "early"}})
	if start, span := v.Window(); start != 0 || span != 1000 || changes != 1 {
		t.Fatalf("initial window %d+%d (%d changes), want 0+1000", start, span, changes)
	}
	if got := v.HalfRangeUV(0); got != 100 {
		t.Errorf("fixed scale of a ±80 µV channel: ±%v, want ±100", got)
	}
	if m := v.VisibleMarkers(); len(m) != 1 || m[0].Text != "early" {
		t.Errorf("visible markers %+v (sorted by sample), want early", m)
	}
	for _, test := range []struct {
		name                string
		do                  func()
		wantStart, wantSpan int64
	}{
		{"zoom in keeps the centre", func() { v.Zoom(0.5) }, 250, 500},
		{"scroll", func() { v.ScrollTo(3800) }, 3800, 500},
		{"scroll clamps at the end", func() { v.ScrollTo(4900) }, 4500, 500},
		{"scroll clamps at 0", func() { v.ScrollTo(-7) }, 0, 500},
		{"zoom out clamps to the recording", func() { v.Zoom(100) }, 0, 5000},
		{"zoom in clamps to 16 samples", func() { v.Zoom(1e-9) }, 2492, 16},
		{"wheel down moves later", func() { v.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -1)}) }, 2493, 16},
	} {
		test.do()
		if start, span := v.Window(); start != test.wantStart || span != test.wantSpan {
			t.Errorf("%s: window %d+%d, want %d+%d", test.name, start, span, test.wantStart, test.wantSpan)
		}
	}
	v.ScrollTo(3990)
	if m := v.VisibleMarkers(); len(m) != 1 || m[0].Text != "late" {
		t.Errorf("visible markers %+v, want late", m)
	}
	img := w.Canvas().Capture()
	if n, _, _ := columnsWith(img, 2, 0, TraceColor(0)); n == 0 {
		t.Error("the viewer shows no trace")
	}
}

func TestFixedScale(t *testing.T) {
	t.Parallel()
	ch := sine(1, 10000, 300)[0]
	for i := range ch {
		ch[i] += 5000 // DC offset
	}
	ch[10] = 1e6 // one spike is ignored
	c, half := fixedScale(ch)
	if math.Abs(c-5000) > 30 || half != 500 {
		t.Errorf("fixedScale = %v, %v; want about 5000, 500", c, half)
	}
	if c, half := fixedScale(nil); c != 0 || half != MinHalfRangeUV {
		t.Errorf("fixedScale(nil) = %v, %v", c, half)
	}
}

func BenchmarkDrawRecording(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 600))
	for _, span := range []int64{2000, 200000} {
		ch := sine(8, int(span), 100)
		v := &View{Channels: ch, Span: span, HalfRangeUV: make([]float64, 8), CenterUV: make([]float64, 8)}
		for c := range v.HalfRangeUV {
			v.HalfRangeUV[c] = 200
		}
		b.Run("8ch_span"+formatUV(float64(span)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				DrawRecording(img, v)
			}
		})
	}
}

func TestTimeAxisTicks(t *testing.T) {
	for _, tc := range []struct {
		span  float64
		px    float32
		want  float64
		label string // formatTick(3*want, want)
	}{
		{10, 1000, 2, "0:06"},
		{300, 1000, 50, "2:30"},
		{0.5, 1000, 0.1, "0:00.3"},
		{0.05, 1000, 0.01, "0:00.03"},
	} {
		if got := tickSeconds(tc.span, tc.px); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("tickSeconds(%v, %v) = %v, want %v", tc.span, tc.px, got, tc.want)
		}
		if got := formatTick(3*tc.want, tc.want); got != tc.label {
			t.Errorf("formatTick(%v) = %q, want %q", 3*tc.want, got, tc.label)
		}
	}
}

// TestViewerAxisAndMarkerTexts: the viewer shows a time axis under the
// traces, and annotation texts never overlap each other nor the traces.
func TestViewerAxisAndMarkerTexts(t *testing.T) {
	test.NewTempApp(t)
	v := NewViewer()
	var ms []Marker
	for i := range 40 { // 40 annotations 0.25 s apart: most texts cannot fit
		ms = append(ms, Marker{Sample: int64(i * 250), Text: "Marker " + strconv.Itoa(i+1)})
	}
	v.SetRecording(sine(2, 10000, 50), 1000, []string{"A", "B"}, ms)
	w := test.NewWindow(v)
	defer w.Close()
	w.Resize(fyne.NewSize(800, 400))
	r := test.WidgetRenderer(v).(*viewerRenderer)
	traceBottom := r.raster.Position().Y + r.raster.Size().Height
	var shown []*canvas.Text
	for _, m := range r.marks {
		if m.Visible() && m.Text != "" {
			shown = append(shown, m)
		}
	}
	if len(shown) < 2 || len(shown) >= 40 {
		t.Fatalf("%d annotation texts shown of 40", len(shown))
	}
	for i, m := range shown {
		if m.Position().Y < traceBottom {
			t.Errorf("text %q at y %v, over the traces (bottom %v)", m.Text, m.Position().Y, traceBottom)
		}
		if i > 0 {
			prev := shown[i-1]
			if prev.Position().X+prev.Size().Width > m.Position().X {
				t.Errorf("texts %q and %q overlap", prev.Text, m.Text)
			}
		}
	}
	var ticks []string
	for _, tk := range r.ticks {
		if tk.Visible() {
			ticks = append(ticks, tk.Text)
		}
	}
	if len(ticks) < 3 || ticks[0] != "0:00" {
		t.Errorf("time axis %q", ticks)
	}
}
