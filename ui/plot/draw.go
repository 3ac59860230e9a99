package plot

import (
	"image"
	"image/color"
	"math"

	"myorehab/processing/pipeline"
)

// Scope colours: a dark background with bright traces, for contrast under
// clinic lighting and on projectors.

// BackgroundColor returns the colour that fills the scope.
func BackgroundColor() color.RGBA { return color.RGBA{R: 0x0b, G: 0x0d, B: 0x10, A: 0xff} }

// GridColor returns the colour of the lane separators.
func GridColor() color.RGBA { return color.RGBA{R: 0x4a, G: 0x50, B: 0x58, A: 0xff} }

// CenterColor returns the colour of each lane's centre line.
func CenterColor() color.RGBA { return color.RGBA{R: 0x26, G: 0x2b, B: 0x31, A: 0xff} }

// LabelColor returns the colour of the channel labels.
func LabelColor() color.RGBA { return color.RGBA{R: 0xf2, G: 0xf2, B: 0xf2, A: 0xff} }

// StaleColor is the grey of traces, lights and bars that are not live.
func StaleColor() color.RGBA { return color.RGBA{R: 0x6a, G: 0x6e, B: 0x74, A: 0xff} }

// LabelBoxColor returns the dark translucent colour of the boxes behind the
// scope's texts, so labels stay legible over a trace.
func LabelBoxColor() color.NRGBA { return color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xc8} }

// QualityColor returns the colour of a signal-quality light: green for
// good, amber for warn, red for bad, grey when unknown.
func QualityColor(l pipeline.QualityLevel) color.RGBA {
	switch l {
	case pipeline.QualityGood:
		return color.RGBA{R: 0x2e, G: 0xd1, B: 0x4b, A: 0xff}
	case pipeline.QualityWarn:
		return color.RGBA{R: 0xff, G: 0xb0, B: 0x00, A: 0xff}
	case pipeline.QualityBad:
		return color.RGBA{R: 0xff, G: 0x3b, B: 0x30, A: 0xff}
	}
	return color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
}

// AlertColor returns the background of alert notes (e.g. "FATIGUE"): the
// red of a bad quality light.
func AlertColor() color.RGBA { return QualityColor(pipeline.QualityBad) }

// qualityTextColor is the colour of a quality reason on the label box:
// the light's colour for warn and bad (legible on the dark box), the label
// colour otherwise.
func qualityTextColor(l pipeline.QualityLevel) color.Color {
	if l == pipeline.QualityWarn || l == pipeline.QualityBad {
		return QualityColor(l)
	}
	return LabelColor()
}

// TraceColor returns the trace colour of channel c (c ≥ 0); the palette
// repeats every eight channels.
func TraceColor(c int) color.RGBA {
	switch c % 8 {
	case 0:
		return color.RGBA{R: 0xff, G: 0xd7, B: 0x00, A: 0xff} // yellow
	case 1:
		return color.RGBA{R: 0x00, G: 0xe5, B: 0xff, A: 0xff} // cyan
	case 2:
		return color.RGBA{R: 0x5c, G: 0xff, B: 0x5c, A: 0xff} // green
	case 3:
		return color.RGBA{R: 0xff, G: 0x6e, B: 0xe8, A: 0xff} // magenta
	case 4:
		return color.RGBA{R: 0xff, G: 0x9a, B: 0x2e, A: 0xff} // orange
	case 5:
		return color.RGBA{R: 0x8c, G: 0xb4, B: 0xff, A: 0xff} // light blue
	case 6:
		return color.RGBA{R: 0xc8, G: 0xff, B: 0x8c, A: 0xff} // lime
	default:
		return color.RGBA{R: 0xff, G: 0x8c, B: 0x8c, A: 0xff} // salmon
	}
}

// Lane is one channel's trace as Draw needs it.
type Lane struct {
	// Min and Max are the envelope in µV, oldest first, equal lengths.
	Min, Max []float32
	// Full is the number of envelope points in the whole time span
	// (≥ len(Min)); a shorter envelope is drawn right-aligned, so the
	// newest point is always at the right edge.
	Full int
	// CenterUV is drawn at the middle of the lane and CenterUV±HalfRangeUV
	// at its edges; values beyond are clipped. HalfRangeUV > 0.
	CenterUV, HalfRangeUV float64
	// Color is the trace colour.
	Color color.RGBA
}

// LaneBounds returns the pixel rows [top, bottom) of lane i of n in an
// image h pixels high. Lanes differ in height by at most one pixel.
func LaneBounds(i, n, h int) (top, bottom int) {
	return i * h / n, (i + 1) * h / n
}

// Draw clears dst to BackgroundColor and draws lanes stacked from top to bottom,
// each lane LaneBounds high, with a separator line above every lane but the
// first and a centre line. Each pixel column shows the min/max range of the
// envelope points that fall in it, joined to the previous column so the
// trace is continuous. Draw allocates nothing. It panics if dst's bounds
// do not start at (0, 0) or a lane's Min and Max differ in length.
func Draw(dst *image.RGBA, lanes []Lane) {
	b := dst.Bounds()
	if b.Min != (image.Point{}) {
		panic("plot: image origin not at (0, 0)")
	}
	fill(dst, BackgroundColor())
	w, h := b.Dx(), b.Dy()
	if w == 0 || len(lanes) == 0 {
		return
	}
	for i := range lanes {
		top, bottom := LaneBounds(i, len(lanes), h)
		if bottom-top < 3 {
			continue
		}
		hline(dst, (top+bottom)/2, CenterColor())
		if i > 0 {
			hline(dst, top, GridColor())
		}
		drawLane(dst, &lanes[i], top, bottom)
	}
}

func drawLane(dst *image.RGBA, l *Lane, top, bottom int) {
	if len(l.Min) != len(l.Max) {
		panic("plot: envelope length mismatch")
	}
	n := len(l.Min)
	full := max(l.Full, n)
	if n == 0 || !(l.HalfRangeUV > 0) {
		return
	}
	w := dst.Bounds().Dx()
	mid := float64(top+bottom-1) / 2
	k := (float64(bottom-top)/2 - 1.5) / l.HalfRangeUV // pixels per µV
	y := func(v float32) int {
		p := math.Round(mid - (float64(v)-l.CenterUV)*k)
		return int(math.Min(math.Max(p, float64(top+1)), float64(bottom-2)))
	}
	offset := full - n
	prevTop, prevBottom, havePrev := 0, 0, false
	for x := 0; x < w; x++ {
		a := x * full / w
		e := (x + 1) * full / w
		if e <= a {
			e = a + 1
		}
		p0, p1 := max(a-offset, 0), min(e-offset, n)
		if p1 <= p0 {
			continue
		}
		lo, hi := l.Min[p0], l.Max[p0]
		for p := p0 + 1; p < p1; p++ {
			lo = min(lo, l.Min[p])
			hi = max(hi, l.Max[p])
		}
		if lo != lo || hi != hi { // NaN: leave a gap
			havePrev = false
			continue
		}
		yt, yb := y(hi), y(lo)
		t, bt := yt, yb
		if havePrev {
			if t > prevBottom {
				t = prevBottom
			}
			if bt < prevTop {
				bt = prevTop
			}
		}
		vline(dst, x, t, bt, l.Color)
		prevTop, prevBottom, havePrev = yt, yb, true
	}
}

// fill sets every pixel of dst to c.
func fill(dst *image.RGBA, c color.RGBA) {
	b := dst.Bounds()
	if b.Empty() {
		return
	}
	row := dst.Pix[:b.Dx()*4]
	for i := 0; i < len(row); i += 4 {
		row[i], row[i+1], row[i+2], row[i+3] = c.R, c.G, c.B, c.A
	}
	for y := 1; y < b.Dy(); y++ {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+len(row)], row)
	}
}

func hline(dst *image.RGBA, y int, c color.RGBA) {
	row := dst.Pix[y*dst.Stride : y*dst.Stride+dst.Bounds().Dx()*4]
	for i := 0; i < len(row); i += 4 {
		row[i], row[i+1], row[i+2], row[i+3] = c.R, c.G, c.B, c.A
	}
}

// vline draws pixels (x, y0..y1) inclusive, in either order.
func vline(dst *image.RGBA, x, y0, y1 int, c color.RGBA) {
	if y0 > y1 {
		y0, y1 = y1, y0
	}
	for y := y0; y <= y1; y++ {
		i := y*dst.Stride + x*4
		dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = c.R, c.G, c.B, c.A
	}
}
