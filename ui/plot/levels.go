package plot

import (
	"image"
	"image/color"
	"math"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// DrawLevels clears dst to BackgroundColor and draws one vertical bar per
// channel, stacked in lanes exactly like Draw's (LaneBounds), so a Levels
// placed beside a Scope of the same height lines up with its traces. Bar c
// fills fraction[c] (clamped to [0, 1]; NaN draws nothing) of its lane from
// the bottom, in colors[c % len(colors)]. DrawLevels allocates nothing. It
// panics if dst's bounds do not start at (0, 0) or colors is empty while
// fraction is not.
func DrawLevels(dst *image.RGBA, fraction []float64, colors []color.RGBA) {
	b := dst.Bounds()
	if b.Min != (image.Point{}) {
		panic("plot: image origin not at (0, 0)")
	}
	fill(dst, BackgroundColor())
	w, h := b.Dx(), b.Dy()
	n := len(fraction)
	if n == 0 {
		return
	}
	if len(colors) == 0 {
		panic("plot: no level colours")
	}
	x0, x1 := w/4, w-w/4
	for c, f := range fraction {
		top, bottom := LaneBounds(c, n, h)
		if c > 0 {
			hline(dst, top, GridColor())
		}
		inner := bottom - top - 4
		if inner <= 0 || math.IsNaN(f) {
			continue
		}
		f = math.Min(math.Max(f, 0), 1)
		px := int(math.Round(f * float64(inner)))
		col := colors[c%len(colors)]
		for x := x0; x < x1; x++ {
			// the empty part as a dim frame, the filled part in colour
			vline(dst, x, bottom-2-inner, bottom-3, CenterColor())
			if px > 0 {
				vline(dst, x, bottom-2-px, bottom-3, col)
			}
		}
	}
}

// Levels shows per-channel RMS bars beside the scope. Each bar is the
// channel's RMS as a fraction of a reference: the channel's MVC (maximum
// voluntary contraction RMS, µV) when one was set with SetMVC, else the
// largest RMS seen since the last Reset. Under each bar the fraction is
// printed in per cent ("%MVC" or "% max").
//
// Levels is a Fyne widget: call its methods on the Fyne goroutine only.
type Levels struct {
	widget.BaseWidget

	rms, peak, mvc, frac []float64
	colors               []color.RGBA
	grey                 []color.RGBA // colors when stale
	stale                bool
	img                  *image.RGBA
}

// NewLevels returns empty levels.
func NewLevels() *Levels {
	l := &Levels{}
	l.ExtendBaseWidget(l)
	return l
}

// SetRMS shows rms (µV per channel; copied) and raises each channel's
// largest RMS seen. A change in the number of channels resets the largest
// values. It allocates only when the number of channels changes.
func (l *Levels) SetRMS(rms []float64) {
	n := len(rms)
	if len(l.rms) != n {
		l.rms, l.peak, l.frac = make([]float64, n), make([]float64, n), make([]float64, n)
		l.colors = make([]color.RGBA, n)
		for c := range l.colors {
			l.colors[c] = TraceColor(c)
		}
	}
	copy(l.rms, rms)
	for c, v := range rms {
		if v > l.peak[c] {
			l.peak[c] = v
		}
		ref := l.Reference(c)
		switch {
		case math.IsNaN(v) || !(ref > 0):
			l.frac[c] = math.NaN()
		default:
			l.frac[c] = v / ref
		}
	}
	l.Refresh()
}

// SetMVC sets the per-channel MVC RMS in µV (copied); a value ≤ 0 or a
// missing channel falls back to the largest RMS seen. nil clears all.
func (l *Levels) SetMVC(mvcUV []float64) {
	l.mvc = append(l.mvc[:0], mvcUV...)
	l.SetRMS(l.rms)
}

// SetStale greys the bars and their texts out (true) while the signal is
// not live, or shows them in colour again (false).
func (l *Levels) SetStale(stale bool) {
	if stale == l.stale {
		return
	}
	l.stale = stale
	l.Refresh()
}

// Stale reports whether the bars are greyed out (SetStale).
func (l *Levels) Stale() bool { return l.stale }

// Reset forgets the largest RMS values seen (a new session or stream).
func (l *Levels) Reset() {
	clear(l.peak)
	l.SetRMS(l.rms)
}

// Reference returns the µV value a full bar of channel c stands for: its
// MVC when set, else the largest RMS seen; 0 when neither is known.
func (l *Levels) Reference(c int) float64 {
	if c < len(l.mvc) && l.mvc[c] > 0 {
		return l.mvc[c]
	}
	if c < len(l.peak) {
		return l.peak[c]
	}
	return 0
}

// Fraction returns the bar height of channel c in [0, 1] (unclamped:
// above 1 when the RMS exceeds the MVC), NaN when unknown.
func (l *Levels) Fraction(c int) float64 {
	if c < 0 || c >= len(l.frac) {
		return math.NaN()
	}
	return l.frac[c]
}

// Label returns the text under channel c's bar, e.g. "42 %MVC" or
// "80 % max", "" when unknown; a reading above the MVC is shown as it is
// and flagged with "!" ("123 %MVC!").
func (l *Levels) Label(c int) string {
	f := l.Fraction(c)
	if math.IsNaN(f) {
		return ""
	}
	unit := " % max"
	if c < len(l.mvc) && l.mvc[c] > 0 {
		unit = " %MVC"
		if f > 1 {
			unit += "!" // above the MVC: flagged (the MVC was under-estimated)
		}
	}
	return strconv.Itoa(int(math.Round(f*100))) + unit
}

// Image renders the bars into the reused w×h buffer and returns it; it
// allocates only when the size changes.
func (l *Levels) Image(w, h int) *image.RGBA {
	w, h = max(w, 1), max(h, 1)
	if l.img == nil || l.img.Rect.Dx() != w || l.img.Rect.Dy() != h {
		l.img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	colors := l.colors
	if l.stale {
		if len(l.grey) == 0 {
			l.grey = []color.RGBA{StaleColor()}
		}
		colors = l.grey
	}
	DrawLevels(l.img, l.frac, colors)
	return l.img
}

// MinSize returns a narrow column wide enough for "100 % max".
func (l *Levels) MinSize() fyne.Size {
	l.ExtendBaseWidget(l)
	return fyne.NewSize(96, 100)
}

// CreateRenderer implements fyne.Widget.
func (l *Levels) CreateRenderer() fyne.WidgetRenderer {
	l.ExtendBaseWidget(l)
	r := &levelsRenderer{l: l}
	r.raster = canvas.NewRaster(func(w, h int) image.Image { return l.Image(w, h) })
	r.raster.ScaleMode = canvas.ImageScalePixels
	r.sync()
	return r
}

type levelsRenderer struct {
	l       *Levels
	raster  *canvas.Raster
	texts   []*canvas.Text
	boxes   []*canvas.Rectangle
	objects []fyne.CanvasObject
}

func (r *levelsRenderer) Destroy() {}

func (r *levelsRenderer) MinSize() fyne.Size { return r.l.MinSize() }

func (r *levelsRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *levelsRenderer) Layout(size fyne.Size) {
	r.raster.Resize(size)
	r.raster.Move(fyne.NewPos(0, 0))
	n := len(r.texts)
	for i, t := range r.texts {
		top := size.Height * float32(i) / float32(n)
		ts := t.MinSize()
		t.Resize(ts)
		t.Move(fyne.NewPos((size.Width-ts.Width)/2, top+2))
		r.boxes[i].Resize(fyne.NewSize(ts.Width+4, ts.Height))
		r.boxes[i].Move(fyne.NewPos((size.Width-ts.Width)/2-2, top+2))
		if t.Text == "" {
			r.boxes[i].Hide()
		} else {
			r.boxes[i].Show()
		}
	}
}

func (r *levelsRenderer) sync() (relayout bool) {
	n := len(r.l.frac)
	if len(r.texts) != n || len(r.objects) == 0 {
		r.texts, r.boxes = make([]*canvas.Text, n), make([]*canvas.Rectangle, n)
		r.objects = append(make([]fyne.CanvasObject, 0, 1+2*n), r.raster)
		for i := range r.texts {
			r.boxes[i] = canvas.NewRectangle(LabelBoxColor())
			r.boxes[i].CornerRadius = 3
			r.texts[i] = canvas.NewText("", LabelColor())
			r.objects = append(r.objects, r.boxes[i], r.texts[i])
		}
		relayout = true
	}
	size := r.l.Theme().Size(theme.SizeNameCaptionText)
	col := LabelColor()
	if r.l.stale {
		col = StaleColor()
	}
	for i, t := range r.texts {
		relayout = setText(t, r.l.Label(i), size) || relayout
		if t.Color != col {
			t.Color = col
			t.Refresh()
		}
	}
	return relayout
}

func (r *levelsRenderer) Refresh() {
	if r.sync() {
		r.Layout(r.l.Size())
	}
	r.raster.Refresh()
}
