package plot

import (
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Marker is an annotation drawn on a Viewer: a vertical line at sample
// Sample and, when Duration > 0, a bar along the top up to Sample+Duration.
type Marker struct {
	Sample, Duration int64
	Text             string
}

// MarkerColor returns the colour of annotation markers.
func MarkerColor() color.RGBA { return color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff} }

// View is what DrawRecording draws: a window of a recording.
type View struct {
	// Channels are the samples per channel in µV, equal lengths.
	Channels [][]float32
	// Start is the first sample shown at the left edge, Span the number of
	// samples across the width (> 0).
	Start, Span int64
	// HalfRangeUV is the half-range of each channel's lane (lanes are
	// centred on 0 µV after CenterUV is subtracted); CenterUV its centre.
	HalfRangeUV, CenterUV []float64
	// Markers are drawn where they fall in [Start, Start+Span), sorted by Sample.
	Markers []Marker
}

// DrawRecording clears dst and draws the samples [Start, Start+Span) of
// every channel in its own lane (LaneBounds), each pixel column showing the
// min/max of the samples it covers, then the markers in view. It allocates
// nothing. It panics if dst's origin is not (0, 0), Span ≤ 0, or the
// scales are shorter than Channels.
func DrawRecording(dst *image.RGBA, v *View) {
	b := dst.Bounds()
	if b.Min != (image.Point{}) {
		panic("plot: image origin not at (0, 0)")
	}
	if v.Span <= 0 {
		panic("plot: non-positive view span")
	}
	if len(v.HalfRangeUV) < len(v.Channels) || len(v.CenterUV) < len(v.Channels) {
		panic("plot: missing channel scales")
	}
	fill(dst, BackgroundColor())
	w, h := b.Dx(), b.Dy()
	n := len(v.Channels)
	if w == 0 || n == 0 {
		return
	}
	for c, ch := range v.Channels {
		top, bottom := LaneBounds(c, n, h)
		if bottom-top < 3 {
			continue
		}
		hline(dst, (top+bottom)/2, CenterColor())
		if c > 0 {
			hline(dst, top, GridColor())
		}
		half := v.HalfRangeUV[c]
		if !(half > 0) {
			continue
		}
		mid := float64(top+bottom-1) / 2
		k := (float64(bottom-top)/2 - 1.5) / half
		y := func(s float32) int {
			p := math.Round(mid - (float64(s)-v.CenterUV[c])*k)
			return int(math.Min(math.Max(p, float64(top+1)), float64(bottom-2)))
		}
		col := TraceColor(c)
		prevTop, prevBottom, havePrev := 0, 0, false
		total := int64(len(ch))
		for x := range w {
			a := v.Start + int64(x)*v.Span/int64(w)
			e := v.Start + int64(x+1)*v.Span/int64(w)
			if e <= a {
				e = a + 1
			}
			a, e = max(a, 0), min(e, total)
			if e <= a {
				havePrev = false
				continue
			}
			lo, hi := ch[a], ch[a]
			for _, s := range ch[a+1 : e] {
				lo, hi = min(lo, s), max(hi, s)
			}
			if lo != lo || hi != hi {
				havePrev = false
				continue
			}
			yt, yb := y(hi), y(lo)
			t, bt := yt, yb
			if havePrev {
				t, bt = min(t, prevBottom), max(bt, prevTop)
			}
			vline(dst, x, t, bt, col)
			prevTop, prevBottom, havePrev = yt, yb, true
		}
	}
	mc := MarkerColor()
	for _, m := range v.Markers {
		if m.Sample >= v.Start+v.Span || m.Sample+max(m.Duration, 0) < v.Start {
			continue
		}
		x0 := markerX(m.Sample, v, w)
		if x0 >= 0 && x0 < w {
			for y := 0; y < h; y += 4 { // dashed
				vline(dst, x0, y, min(y+1, h-1), mc)
			}
		}
		if m.Duration > 0 {
			x1 := min(markerX(m.Sample+m.Duration, v, w), w-1)
			for x := max(x0, 0); x <= x1; x++ {
				vline(dst, x, 0, min(3, h-1), mc)
			}
		}
	}
}

// markerX returns the pixel column of sample s.
func markerX(s int64, v *View, w int) int {
	return int((s - v.Start) * int64(w) / v.Span)
}

// Viewer shows a stored recording for review: every channel in its own
// lane with a fixed per-channel scale, a window of the recording that the
// user scrolls (mouse wheel or ScrollTo) and zooms (Zoom), and the
// annotations as dashed lines with their text. Like Scope it draws into one
// reused raster; at most maxMarkerTexts annotation texts are shown at once.
//
// Viewer is a Fyne widget: call its methods on the Fyne goroutine only.
type Viewer struct {
	widget.BaseWidget

	view   View
	rateHz float64
	labels []string
	img    *image.RGBA
	// OnChanged, if set, is called after the view moved or zoomed.
	OnChanged func()
}

// maxMarkerTexts bounds the annotation texts shown at once.
const maxMarkerTexts = 32

// minSpan is the smallest number of samples shown across the width.
const minSpan = 16

// NewViewer returns an empty viewer.
func NewViewer() *Viewer {
	v := &Viewer{}
	v.ExtendBaseWidget(v)
	return v
}

// SetRecording shows channels (µV per channel, equal lengths, kept by
// reference: do not modify) sampled at rateHz, named labels, with markers,
// from the start with a 10 s window (or the whole recording if shorter).
// Each lane is scaled once, from the recording's own amplitude.
func (v *Viewer) SetRecording(channels [][]float32, rateHz float64, labels []string, markers []Marker) {
	v.rateHz, v.labels = rateHz, labels
	v.view.Channels = channels
	v.view.Markers = slices.SortedFunc(slices.Values(markers), func(a, b Marker) int {
		switch {
		case a.Sample < b.Sample:
			return -1
		case a.Sample > b.Sample:
			return 1
		}
		return 0
	})
	v.view.HalfRangeUV = make([]float64, len(channels))
	v.view.CenterUV = make([]float64, len(channels))
	for c, ch := range channels {
		v.view.CenterUV[c], v.view.HalfRangeUV[c] = fixedScale(ch)
	}
	v.view.Start = 0
	v.view.Span = max(min(int64(10*rateHz), v.Samples()), minSpan)
	v.changed()
}

// fixedScale returns the centre (median) and half-range (1-2-5 rounded
// 99.5th percentile of the deviation, ×1.2) of ch, estimated on at most
// 20 000 evenly spaced samples.
func fixedScale(ch []float32) (center, half float64) {
	if len(ch) == 0 {
		return 0, MinHalfRangeUV
	}
	step := max(len(ch)/20000, 1)
	s := make([]float64, 0, len(ch)/step+1)
	for i := 0; i < len(ch); i += step {
		if x := float64(ch[i]); !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return 0, MinHalfRangeUV
	}
	slices.Sort(s)
	center = s[len(s)/2]
	for i := range s {
		s[i] = math.Abs(s[i] - center)
	}
	slices.Sort(s)
	peak := s[int(0.995*float64(len(s)-1))]
	return center, niceCeil(math.Max(peak*Headroom, MinHalfRangeUV))
}

// Samples returns the length of the recording in samples per channel.
func (v *Viewer) Samples() int64 {
	if len(v.view.Channels) == 0 {
		return 0
	}
	return int64(len(v.view.Channels[0]))
}

// Window returns the samples shown: the first one and how many.
func (v *Viewer) Window() (start, span int64) { return v.view.Start, v.view.Span }

// HalfRangeUV returns the half-range of channel c's lane, in µV.
func (v *Viewer) HalfRangeUV(c int) float64 { return v.view.HalfRangeUV[c] }

// ScrollTo moves the window to start at sample start, clamped so that the
// window stays within the recording.
func (v *Viewer) ScrollTo(start int64) {
	start = min(start, v.Samples()-v.view.Span)
	v.view.Start = max(start, 0)
	v.changed()
}

// Zoom multiplies the span shown by factor (< 1 zooms in), keeping the
// centre of the window; the span stays between 16 samples and the whole
// recording.
func (v *Viewer) Zoom(factor float64) {
	if !(factor > 0) {
		return
	}
	centre := v.view.Start + v.view.Span/2
	span := int64(math.Round(float64(v.view.Span) * factor))
	v.view.Span = max(min(span, v.Samples()), minSpan)
	v.ScrollTo(centre - v.view.Span/2)
}

// Scrolled implements fyne.Scrollable: the wheel moves the window by a
// tenth of its span per notch.
func (v *Viewer) Scrolled(e *fyne.ScrollEvent) {
	d := e.Scrolled.DY
	if d == 0 {
		d = -e.Scrolled.DX
	}
	step := max(v.view.Span/10, 1)
	if d > 0 {
		v.ScrollTo(v.view.Start - step)
	} else if d < 0 {
		v.ScrollTo(v.view.Start + step)
	}
}

// VisibleMarkers returns the markers in the window (do not modify).
func (v *Viewer) VisibleMarkers() []Marker {
	ms := v.view.Markers
	lo, _ := slices.BinarySearchFunc(ms, v.view.Start, func(m Marker, s int64) int { return cmpInt(m.Sample, s) })
	hi, _ := slices.BinarySearchFunc(ms, v.view.Start+v.view.Span, func(m Marker, s int64) int { return cmpInt(m.Sample, s) })
	return ms[lo:hi]
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (v *Viewer) changed() {
	v.Refresh()
	if v.OnChanged != nil {
		v.OnChanged()
	}
}

// Image renders the window into the reused w×h buffer and returns it; it
// allocates only when the size changes.
func (v *Viewer) Image(w, h int) *image.RGBA {
	w, h = max(w, 1), max(h, 1)
	if v.img == nil || v.img.Rect.Dx() != w || v.img.Rect.Dy() != h {
		v.img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	if v.view.Span <= 0 {
		fill(v.img, BackgroundColor())
		return v.img
	}
	DrawRecording(v.img, &v.view)
	return v.img
}

// MinSize returns a size in which a few lanes stay readable.
func (v *Viewer) MinSize() fyne.Size {
	v.ExtendBaseWidget(v)
	return fyne.NewSize(480, 320)
}

// CreateRenderer implements fyne.Widget.
func (v *Viewer) CreateRenderer() fyne.WidgetRenderer {
	v.ExtendBaseWidget(v)
	r := &viewerRenderer{v: v}
	r.raster = canvas.NewRaster(func(w, h int) image.Image { return v.Image(w, h) })
	r.raster.ScaleMode = canvas.ImageScalePixels
	r.marks = make([]*canvas.Text, maxMarkerTexts)
	r.markBoxes = make([]*canvas.Rectangle, maxMarkerTexts)
	r.objects = []fyne.CanvasObject{r.raster}
	for i := range r.marks {
		r.markBoxes[i] = canvas.NewRectangle(LabelBoxColor())
		r.marks[i] = canvas.NewText("", MarkerColor())
		r.objects = append(r.objects, r.markBoxes[i], r.marks[i])
	}
	r.ticks = make([]*canvas.Text, maxTicks)
	r.tickLines = make([]*canvas.Line, maxTicks)
	for i := range r.ticks {
		r.ticks[i] = canvas.NewText("", LabelColor())
		r.tickLines[i] = canvas.NewLine(GridColor())
		r.objects = append(r.objects, r.tickLines[i], r.ticks[i])
	}
	r.fixed = len(r.objects)
	r.sync()
	return r
}

// maxTicks bounds the time axis labels.
const maxTicks = 16

// tickSeconds returns a round tick interval (1, 2, 5 × 10^k s) that puts
// about one label per 110 px on a width of px pixels covering spanS seconds.
func tickSeconds(spanS float64, px float32) float64 {
	n := max(1, math.Floor(float64(px)/110))
	raw := spanS / n
	if !(raw > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// formatTick formats a time axis label: m:ss, or m:ss.f / m:ss.ff when
// the interval step is below a second.
func formatTick(sec, step float64) string {
	neg := sec < 0
	sec = math.Abs(sec)
	m := int(sec / 60)
	rest := sec - float64(m*60)
	dec := 0
	switch {
	case step < 0.1:
		dec = 2
	case step < 1:
		dec = 1
	}
	w := 2
	if dec > 0 {
		w = 3 + dec
	}
	s := strconv.Itoa(m) + ":" + leftPad(strconv.FormatFloat(rest, 'f', dec, 64), w)
	if neg {
		s = "-" + s
	}
	return s
}

func leftPad(s string, w int) string {
	for len(s) < w {
		s = "0" + s
	}
	return s
}

type viewerRenderer struct {
	v         *Viewer
	raster    *canvas.Raster
	names     []*canvas.Text
	nameBoxes []*canvas.Rectangle
	marks     []*canvas.Text
	markBoxes []*canvas.Rectangle
	ticks     []*canvas.Text // time axis labels under the traces
	tickLines []*canvas.Line
	fixed     int // objects before the channel names
	objects   []fyne.CanvasObject
}

func (r *viewerRenderer) Destroy() {}

func (r *viewerRenderer) MinSize() fyne.Size { return r.v.MinSize() }

func (r *viewerRenderer) Objects() []fyne.CanvasObject { return r.objects }

// Layout puts the traces on top and, under them, a band with the
// annotation texts (one row; a text that would overlap its neighbour is
// left out, its dashed line stays) and the time axis.
func (r *viewerRenderer) Layout(size fyne.Size) {
	pad := r.v.Theme().Size(theme.SizeNamePadding)
	textH := r.ticks[0].MinSize().Height
	if textH <= 0 {
		textH = r.v.Theme().Size(theme.SizeNameCaptionText) * 1.4
	}
	band := 2*textH + 2*pad
	traceH := max(size.Height-band, 1)
	r.raster.Resize(fyne.NewSize(size.Width, traceH))
	r.raster.Move(fyne.NewPos(0, 0))
	n := len(r.names)
	for i, t := range r.names {
		top := traceH * float32(i) / float32(n)
		ts := t.MinSize()
		t.Resize(ts)
		t.Move(fyne.NewPos(2*pad, top+pad+6))
		r.nameBoxes[i].Resize(fyne.NewSize(ts.Width+2*pad, ts.Height))
		r.nameBoxes[i].Move(fyne.NewPos(pad, top+pad+6))
	}
	start, span := r.v.Window()
	vis := r.v.VisibleMarkers()
	right := float32(-1) // right edge of the last text placed
	for i, t := range r.marks {
		if i >= len(vis) || span <= 0 {
			continue
		}
		x := float32(vis[i].Sample-start) * size.Width / float32(span)
		ts := t.MinSize()
		x = min(x, size.Width-ts.Width-pad)
		if t.Text == "" || x < right+pad {
			t.Hide()
			r.markBoxes[i].Hide()
			continue
		}
		t.Show()
		r.markBoxes[i].Show()
		y := traceH + pad/2
		t.Resize(ts)
		t.Move(fyne.NewPos(x+pad/2, y))
		r.markBoxes[i].Resize(fyne.NewSize(ts.Width+pad, ts.Height))
		r.markBoxes[i].Move(fyne.NewPos(x, y))
		right = x + ts.Width + pad
	}
	r.layoutTicks(size, traceH+textH+pad, textH)
}

// layoutTicks places the time axis labels (seconds from the recording's
// start) at round intervals along y.
func (r *viewerRenderer) layoutTicks(size fyne.Size, y, textH float32) {
	start, span := r.v.Window()
	rate := r.v.rateHz
	for i := range r.ticks {
		r.ticks[i].Hide()
		r.tickLines[i].Hide()
	}
	if span <= 0 || !(rate > 0) || size.Width <= 0 {
		return
	}
	t0, spanS := float64(start)/rate, float64(span)/rate
	step := tickSeconds(spanS, size.Width)
	size14 := r.v.Theme().Size(theme.SizeNameCaptionText)
	first := math.Ceil(t0/step) * step
	for i := range r.ticks {
		sec := first + float64(i)*step
		if sec > t0+spanS {
			break
		}
		x := float32((sec - t0) / spanS * float64(size.Width))
		t := r.ticks[i]
		setText(t, formatTick(sec, step), size14)
		ts := t.MinSize()
		t.Resize(ts)
		t.Move(fyne.NewPos(min(max(x-ts.Width/2, 0), size.Width-ts.Width), y))
		t.Show()
		l := r.tickLines[i]
		l.Position1 = fyne.NewPos(x, y-textH/3)
		l.Position2 = fyne.NewPos(x, y)
		l.Show()
	}
}

func (r *viewerRenderer) sync() {
	n := len(r.v.view.Channels)
	size := r.v.Theme().Size(theme.SizeNameText)
	if len(r.names) != n {
		r.names = make([]*canvas.Text, n)
		r.nameBoxes = make([]*canvas.Rectangle, n)
		r.objects = r.objects[:r.fixed]
		for i := range r.names {
			r.nameBoxes[i] = canvas.NewRectangle(LabelBoxColor())
			r.nameBoxes[i].CornerRadius = 4
			r.names[i] = canvas.NewText("", LabelColor())
			r.names[i].TextStyle.Bold = true
			r.objects = append(r.objects, r.nameBoxes[i], r.names[i])
		}
	}
	for i, t := range r.names {
		name := "Ch " + strconv.Itoa(i+1)
		if i < len(r.v.labels) && r.v.labels[i] != "" {
			name = r.v.labels[i]
		}
		setText(t, name+"  ±"+formatUV(r.v.view.HalfRangeUV[i])+" µV", size)
	}
	vis := r.v.VisibleMarkers()
	for i, t := range r.marks {
		if i < len(vis) {
			setText(t, vis[i].Text, r.v.Theme().Size(theme.SizeNameCaptionText))
		} else {
			setText(t, "", size)
			t.Hide()
			r.markBoxes[i].Hide()
		}
	}
}

func (r *viewerRenderer) Refresh() {
	r.sync()
	r.Layout(r.v.Size())
	r.raster.Refresh()
}
