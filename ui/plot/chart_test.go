package plot

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"myorehab/processing/pipeline"
)

// rowsWith returns the topmost and bottommost rows of column x within
// [top, bottom) that hold colour c, or -1, -1.
func rowsWith(img *image.RGBA, x, top, bottom int, c color.RGBA) (first, last int) {
	first, last = -1, -1
	for y := top; y < bottom; y++ {
		if img.RGBAAt(x, y) == c {
			if first < 0 {
				first = y
			}
			last = y
		}
	}
	return first, last
}

func TestSeriesYRange(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, test := range []struct {
		name   string
		s      Series
		lo, hi float64
	}{
		{"padded", Series{Y: []float64{10, 20}}, 9, 21},
		{"nan ignored", Series{Y: []float64{nan, 10, math.Inf(1), 20}}, 9, 21},
		{"flat widened", Series{Y: []float64{50, 50}, MinSpanY: 20}, 38, 62},
		{"empty", Series{}, 0, 1},
		{"all nan", Series{Y: []float64{nan}}, 0, 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			lo, hi := test.s.YRange()
			if math.Abs(lo-test.lo) > 1e-9 || math.Abs(hi-test.hi) > 1e-9 {
				t.Errorf("YRange = %v, %v; want %v, %v", lo, hi, test.lo, test.hi)
			}
		})
	}
}

func TestDrawChart(t *testing.T) {
	t.Parallel()
	const w, h = 201, 200
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	up, down := TraceColor(0), TraceColor(1)
	x := []float64{0, 50, 100}
	nan := math.NaN()
	series := []Series{
		{X: x, Y: []float64{0, 5, 10}, Color: up},
		{X: x, Y: []float64{10, nan, 0}, Color: down},
	}
	DrawChart(img, series, 0, 100)

	// Lane 0 rises from the bottom left to the top right, in every column.
	top, bottom := LaneBounds(0, 2, h)
	for _, col := range []int{0, 50, 100, 150, 200} {
		first, last := rowsWith(img, col, top, bottom, up)
		if first < 0 {
			t.Fatalf("lane 0: no line in column %d", col)
		}
		if n, _ := rowsWith(img, col, bottom, h, up); n >= 0 {
			t.Errorf("lane 0 leaks into lane 1 in column %d", col)
		}
		want := float64(bottom-3) + (float64(top+2)-float64(bottom-3))*(float64(col)/200*10+1)/12
		if math.Abs(float64(first+last)/2-want) > 3 {
			t.Errorf("lane 0 column %d: line at rows %d–%d, want about %.0f", col, first, last, want)
		}
	}
	// Lane 1 has a gap where the middle point is unknown: the two known
	// points are drawn, nothing between them.
	top, bottom = LaneBounds(1, 2, h)
	for _, test := range []struct {
		col  int
		want bool
	}{{0, true}, {50, false}, {100, false}, {150, false}, {200, true}} {
		if first, _ := rowsWith(img, test.col, top, bottom, down); (first >= 0) != test.want {
			t.Errorf("lane 1 column %d: drawn %v, want %v", test.col, first >= 0, test.want)
		}
	}
}

func TestDrawChartPanics(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name string
		img  *image.RGBA
		s    []Series
	}{
		{"length mismatch", image.NewRGBA(image.Rect(0, 0, 10, 10)), []Series{{X: []float64{1}, Y: []float64{1, 2}}}},
		{"origin", image.NewRGBA(image.Rect(1, 1, 10, 10)), nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			DrawChart(test.img, test.s, 0, 1)
		})
	}
}

// trendSeries returns channels series of n 1 s points with a falling MDF.
func trendSeries(channels, n int) []Series {
	rng := rand.New(rand.NewPCG(1, 1))
	out := make([]Series, channels)
	for c := range out {
		x, y := make([]float64, n), make([]float64, n)
		for i := range n {
			x[i], y[i] = float64(i), 90-0.05*float64(i)+4*rng.NormFloat64()
		}
		out[c] = Series{X: x, Y: y, MinSpanY: 20, Points: true, Color: TraceColor(c)}
	}
	return out
}

func TestDrawChartDoesNotAllocate(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	s := trendSeries(8, 600)
	if n := testing.AllocsPerRun(20, func() { DrawChart(img, s, 0, 600) }); n != 0 {
		t.Errorf("DrawChart allocates %v times per call", n)
	}
	test.NewTempApp(t)
	c := NewChart("")
	c.SetSeries(s, 0, 600, "")
	c.Image(640, 480)
	if n := testing.AllocsPerRun(20, func() { c.Image(640, 480) }); n != 0 {
		t.Errorf("Chart.Image allocates %v times per frame", n)
	}
}

func BenchmarkDrawChart(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for _, n := range []int{60, 600, 3600} {
		s := trendSeries(8, n)
		b.Run("8ch_"+strconv.Itoa(n)+"points", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				DrawChart(img, s, 0, float64(n))
			}
		})
	}
}

func TestChartRendersTexts(t *testing.T) {
	test.NewTempApp(t)
	c := NewChart("No data")
	w := test.NewWindow(c)
	defer w.Close()
	w.Resize(fyne.NewSize(400, 300))
	s := trendSeries(2, 30)
	s[1].Title, s[1].Note, s[1].Unit = "EDC  MDF", "FATIGUE", "Hz"
	c.SetSeries(s, 0, 30, "30 s")
	var texts []string
	for _, o := range test.LaidOutObjects(c) {
		if t, ok := o.(*canvas.Text); ok && t.Visible() && t.Text != "" {
			texts = append(texts, t.Text)
		}
	}
	for _, want := range []string{"EDC  MDF", "FATIGUE", "30 s"} {
		found := false
		for _, got := range texts {
			found = found || got == want
		}
		if !found {
			t.Errorf("chart texts %q lack %q", texts, want)
		}
	}
	lo, hi := s[1].YRange()
	if want := formatAxis(hi, "Hz"); !contains(texts, want) || !contains(texts, formatAxis(lo, "Hz")) {
		t.Errorf("chart texts %q lack the y range %q", texts, want)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDrawLevels(t *testing.T) {
	const w, h = 40, 300
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cols := []color.RGBA{TraceColor(0), TraceColor(1), TraceColor(2)}
	DrawLevels(img, []float64{0.5, math.NaN(), 2}, cols)
	for c, want := range []float64{0.5, 0, 1} {
		top, bottom := LaneBounds(c, 3, h)
		first, last := rowsWith(img, w/2, top, bottom, cols[c])
		got := 0.0
		if first >= 0 {
			got = float64(last-first+1) / float64(bottom-top-4)
			if last != bottom-3 {
				t.Errorf("bar %d ends at row %d, want the lane bottom %d", c, last, bottom-3)
			}
		}
		if math.Abs(got-want) > 0.02 {
			t.Errorf("bar %d fills %.3f of its lane, want %v", c, got, want)
		}
	}
	if n := testing.AllocsPerRun(20, func() { DrawLevels(img, []float64{0.5, 0.2, 1}, cols) }); n != 0 {
		t.Errorf("DrawLevels allocates %v times per call", n)
	}
}

func TestLevelsReference(t *testing.T) {
	test.NewTempApp(t)
	l := NewLevels()
	l.SetRMS([]float64{10, 0})
	if l.Fraction(0) != 1 || !math.IsNaN(l.Fraction(1)) || l.Label(1) != "" {
		t.Errorf("first values: %v, %v (%q); want 1 and unknown", l.Fraction(0), l.Fraction(1), l.Label(1))
	}
	l.SetRMS([]float64{40, 4})
	l.SetRMS([]float64{10, 2})
	if l.Fraction(0) != 0.25 || l.Reference(0) != 40 || l.Label(0) != "25 % max" {
		t.Errorf("after a 40 µV peak: %v of %v (%q)", l.Fraction(0), l.Reference(0), l.Label(0))
	}
	l.SetMVC([]float64{0, 8})
	if l.Fraction(0) != 0.25 || l.Fraction(1) != 0.25 || l.Label(1) != "25 %MVC" {
		t.Errorf("MVC on channel 1: %v, %v (%q)", l.Fraction(0), l.Fraction(1), l.Label(1))
	}
	l.Reset()
	if l.Fraction(0) != 1 {
		t.Errorf("after Reset: %v, want 1 (the current value is the largest)", l.Fraction(0))
	}
	l.Image(96, 300)
	if n := testing.AllocsPerRun(20, func() { l.Image(96, 300) }); n != 0 {
		t.Errorf("Levels.Image allocates %v times per frame", n)
	}
}

func BenchmarkDrawLevels(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 96, 720))
	frac := []float64{0.1, 0.3, 0.5, 0.7, 0.9, 1, 0.2, 0.4}
	cols := make([]color.RGBA, 8)
	for i := range cols {
		cols[i] = TraceColor(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		DrawLevels(img, frac, cols)
	}
}

func TestQualityText(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		q    pipeline.ChannelQuality
		want string
	}{
		{pipeline.ChannelQuality{}, ""},
		{pipeline.ChannelQuality{Level: pipeline.QualityGood}, "OK"},
		{pipeline.ChannelQuality{Level: pipeline.QualityWarn, Reason: "Motion artefact"}, "Motion artefact"},
		{pipeline.ChannelQuality{Level: pipeline.QualityWarn}, "Check electrode"},
		{pipeline.ChannelQuality{Level: pipeline.QualityBad}, "Bad signal"},
	} {
		if got := QualityText(test.q); got != test.want {
			t.Errorf("QualityText(%+v) = %q, want %q", test.q, got, test.want)
		}
	}
	if QualityColor(pipeline.QualityGood) == QualityColor(pipeline.QualityBad) || QualityColor(pipeline.QualityWarn) == QualityColor(pipeline.QualityBad) {
		t.Error("quality colours not distinct")
	}
}

// TestScopeQualityAndLabelBoxes renders a scope whose traces fill the
// whole lanes and checks each lane shows its quality light and that the
// label boxes hide the trace behind the texts.
func TestScopeQualityAndLabelBoxes(t *testing.T) {
	test.NewTempApp(t)
	s := NewScope()
	w := test.NewWindow(s)
	defer w.Close()
	w.SetPadded(false)
	w.Resize(fyne.NewSize(600, 400))
	snap := snapshot(1, 3, 1250, constAmp(100), constAmp(100), 0)
	for c := range 3 { // clip: the traces cover their lanes
		for i := range snap.FilteredMin[c] {
			snap.FilteredMin[c][i], snap.FilteredMax[c][i] = -1e6, 1e6
		}
	}
	snap.Quality = []pipeline.ChannelQuality{
		{Level: pipeline.QualityGood}, {Level: pipeline.QualityWarn, Reason: "Mains hum"}, {Level: pipeline.QualityBad, Reason: "Flat signal"},
	}
	s.SetSnapshot(snap)
	img := w.Canvas().Capture()
	levels := []pipeline.QualityLevel{pipeline.QualityGood, pipeline.QualityWarn, pipeline.QualityBad}
	for c, l := range levels {
		if n, _, _ := columnsWith(img, 3, c, QualityColor(l)); n == 0 {
			t.Errorf("lane %d: no %v quality light", c, l)
		}
	}
	boxes := 0
	for _, o := range test.LaidOutObjects(s) {
		r, ok := o.(*canvas.Rectangle)
		if !ok || r.FillColor != LabelBoxColor() || !r.Visible() {
			continue
		}
		boxes++
		p, sz := o.Position(), o.Size()
		b := img.Bounds()
		sx, sy := float32(b.Dx())/w.Canvas().Size().Width, float32(b.Dy())/w.Canvas().Size().Height
		for y := int((p.Y + 1) * sy); y < int((p.Y+sz.Height-1)*sy); y++ {
			for x := int((p.X + 1) * sx); x < int((p.X+sz.Width-1)*sx); x++ {
				for c := range 3 {
					r0, g0, b0, _ := TraceColor(c).RGBA()
					if r1, g1, b1, _ := img.At(x, y).RGBA(); r1 == r0 && g1 == g0 && b1 == b0 {
						t.Fatalf("trace colour %d shows through the label box at (%d, %d)", c, x, y)
					}
				}
			}
		}
	}
	if boxes != 6 {
		t.Errorf("%d label boxes, want 2 per lane", boxes)
	}
}

// TestChartTextsBesideThePlot: with eight short lanes (the fatigue tab on
// a 720 px screen) no title or y label is drawn over the plot, and a
// lane's two y labels never overlap.
func TestChartTextsBesideThePlot(t *testing.T) {
	test.NewTempApp(t)
	c := NewChart("No data")
	w := test.NewWindow(c)
	defer w.Close()
	w.Resize(fyne.NewSize(760, 380))
	s := trendSeries(8, 30)
	for i := range s {
		s[i].Title, s[i].Detail, s[i].Unit = "FDS  MDF 89.6 Hz", "9.2 % lower than at the start", "Hz"
	}
	s[3].Note = "FATIGUE"
	c.SetSeries(s, 0, 30, "30 s")
	r := test.WidgetRenderer(c).(*chartRenderer)
	px0 := r.raster.Position().X
	px1 := px0 + r.raster.Size().Width
	if px1-px0 < 760*0.4 {
		t.Errorf("plot %v px wide of 760", px1-px0)
	}
	for i, l := range r.lanes {
		for _, tx := range []*canvas.Text{l.title, l.detail, l.note} {
			if tx.Visible() && tx.Text != "" && tx.Position().X+tx.Size().Width > px0 {
				t.Errorf("lane %d: %q reaches x %v, over the plot from %v", i, tx.Text, tx.Position().X+tx.Size().Width, px0)
			}
		}
		for _, tx := range []*canvas.Text{l.yHi, l.yLo} {
			if tx.Visible() && tx.Position().X < px1 {
				t.Errorf("lane %d: y label %q at x %v, over the plot to %v", i, tx.Text, tx.Position().X, px1)
			}
		}
		if l.yLo.Visible() && l.yHi.Position().Y+l.yHi.Size().Height > l.yLo.Position().Y {
			t.Errorf("lane %d: y labels %q and %q overlap", i, l.yHi.Text, l.yLo.Text)
		}
	}
}
