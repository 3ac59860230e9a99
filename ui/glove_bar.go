package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Colours of the finger bars.
var (
	fingerFill     = color.NRGBA{R: 0x0b, G: 0x5c, B: 0xad, A: 0xff} // position, live
	fingerTarget   = color.NRGBA{R: 0xe0, G: 0x6c, B: 0x00, A: 0xff} // target marker
	fingerStale    = color.NRGBA{R: 0xb0, G: 0xb0, B: 0xb0, A: 0xff} // position, not live
	fingerTrack    = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x30}
	fingerTrackRim = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
)

// FingerBar is one finger's horizontal bar: how far the finger is flexed
// (filled from the left, 0 ‰ extended to 1000 ‰ flexed) and, as an
// orange upright line, where it is told to go. When not live the fill is
// grey and the target is not drawn.
type FingerBar struct {
	widget.BaseWidget

	position, target float64 // per mille; NaN: none
	live             bool
}

// NewFingerBar returns an empty, not live bar.
func NewFingerBar() *FingerBar {
	b := &FingerBar{position: math.NaN(), target: math.NaN()}
	b.ExtendBaseWidget(b)
	return b
}

// Set shows position and target (per mille; NaN: none) and whether they
// are live; it refreshes only on a change.
func (b *FingerBar) Set(position, target float64, live bool) {
	if same(position, b.position) && same(target, b.target) && live == b.live {
		return
	}
	b.position, b.target, b.live = position, target, live
	b.Refresh()
}

// Live reports whether the bar shows live values.
func (b *FingerBar) Live() bool { return b.live }

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// CreateRenderer draws the track, the fill and the target line.
func (b *FingerBar) CreateRenderer() fyne.WidgetRenderer {
	track := canvas.NewRectangle(fingerTrack)
	track.StrokeColor = fingerTrackRim
	track.StrokeWidth = 1
	track.CornerRadius = 4
	fill := canvas.NewRectangle(fingerFill)
	fill.CornerRadius = 3
	target := canvas.NewRectangle(fingerTarget)
	r := &fingerBarRenderer{b: b, track: track, fill: fill, target: target}
	r.Refresh()
	return r
}

type fingerBarRenderer struct {
	b                   *FingerBar
	track, fill, target *canvas.Rectangle
	size                fyne.Size
}

func (r *fingerBarRenderer) Layout(s fyne.Size) {
	r.size = s
	r.track.Resize(s)
	r.track.Move(fyne.NewPos(0, 0))
	r.place()
}

// place positions the fill and the target line for the bar's values.
func (r *fingerBarRenderer) place() {
	s := r.size
	inner := s.Width - 4
	at := func(pm float64) float32 { return float32(math.Min(math.Max(pm, 0), 1000) / 1000 * float64(inner)) }
	if math.IsNaN(r.b.position) {
		r.fill.Hide()
	} else {
		w := at(r.b.position)
		r.fill.Resize(fyne.NewSize(w, s.Height-4))
		r.fill.Move(fyne.NewPos(2, 2))
		r.fill.Show()
	}
	if math.IsNaN(r.b.target) || !r.b.live {
		r.target.Hide()
	} else {
		x := 2 + at(r.b.target)
		r.target.Resize(fyne.NewSize(4, s.Height+6))
		r.target.Move(fyne.NewPos(x-2, -3))
		r.target.Show()
	}
}

func (r *fingerBarRenderer) MinSize() fyne.Size {
	return fyne.NewSize(80, 2*theme.Padding()+8)
}

func (r *fingerBarRenderer) Refresh() {
	if r.b.live {
		r.fill.FillColor = fingerFill
	} else {
		r.fill.FillColor = fingerStale
	}
	r.place()
	r.fill.Refresh()
	r.target.Refresh()
	r.track.Refresh()
}

func (r *fingerBarRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.track, r.fill, r.target}
}

func (r *fingerBarRenderer) Destroy() {}
