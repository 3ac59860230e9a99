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

// Series is one lane of a Chart: a line through the points (X[i], Y[i]),
// X increasing. Non-finite Y values (NaN: unknown) leave a gap.
type Series struct {
	// Title is shown left of the lane, e.g. "FDS  MDF 82.1 Hz", and
	// Detail under it in smaller type (e.g. "8 % lower than at the start").
	Title, Detail string
	// Note is shown after the title on an alert-coloured box when not
	// empty, e.g. "FATIGUE".
	Note string
	// Unit is appended to the y-axis labels, e.g. "Hz".
	Unit string
	// X and Y are the points, equal lengths.
	X, Y []float64
	// MinSpanY is the smallest y range shown, so that a flat series is not
	// magnified into noise (≤ 0: 1).
	MinSpanY float64
	// Points draws a small square at every point as well as the line.
	Points bool
	// Color is the line colour.
	Color color.RGBA
}

// YRange returns the y range drawn for s: the range of its finite values,
// widened to MinSpanY around their middle and padded by 10 % on each side.
// It returns (0, 1) for a series without finite values.
func (s *Series) YRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, y := range s.Y {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	if lo > hi {
		return 0, 1
	}
	span := s.MinSpanY
	if !(span > 0) {
		span = 1
	}
	if hi-lo < span {
		m := (lo + hi) / 2
		lo, hi = m-span/2, m+span/2
	}
	pad := (hi - lo) * 0.1
	return lo - pad, hi + pad
}

// DrawChart clears dst to BackgroundColor and draws each series in its own
// lane (LaneBounds), x from xMin (left edge) to xMax (right edge) and y over
// the series' YRange, with a separator above every lane but the first and a
// faint line at the middle of each lane. Consecutive finite points are
// joined by straight lines. DrawChart allocates nothing. It panics if dst's
// bounds do not start at (0, 0) or a series' X and Y differ in length.
func DrawChart(dst *image.RGBA, series []Series, xMin, xMax float64) {
	b := dst.Bounds()
	if b.Min != (image.Point{}) {
		panic("plot: image origin not at (0, 0)")
	}
	fill(dst, BackgroundColor())
	w, h := b.Dx(), b.Dy()
	if w < 2 || len(series) == 0 {
		return
	}
	if !(xMax > xMin) {
		xMax = xMin + 1
	}
	for i := range series {
		s := &series[i]
		if len(s.X) != len(s.Y) {
			panic("plot: series length mismatch")
		}
		top, bottom := LaneBounds(i, len(series), h)
		if bottom-top < 5 {
			continue
		}
		if i > 0 {
			hline(dst, top, GridColor())
		}
		hline(dst, (top+bottom)/2, CenterColor())
		lo, hi := s.YRange()
		y0, y1 := float64(bottom-3), float64(top+2)
		kx := float64(w-1) / (xMax - xMin)
		ky := (y1 - y0) / (hi - lo)
		px, py, have := 0, 0, false
		for j, x := range s.X {
			y := s.Y[j]
			if math.IsNaN(y) || math.IsInf(y, 0) || math.IsNaN(x) {
				have = false
				continue
			}
			cx := int(math.Round((x - xMin) * kx))
			cy := int(math.Round(y0 + (y-lo)*ky))
			cy = min(max(cy, top+1), bottom-2)
			if have {
				line(dst, px, py, cx, cy, top+1, bottom-2, s.Color)
			} else {
				plot(dst, cx, cy, top+1, bottom-2, s.Color)
			}
			if s.Points {
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						plot(dst, cx+dx, cy+dy, top+1, bottom-2, s.Color)
					}
				}
			}
			px, py, have = cx, cy, true
		}
	}
}

// plot sets pixel (x, y) if it lies in dst and in rows [top, bottom].
func plot(dst *image.RGBA, x, y, top, bottom int, c color.RGBA) {
	if x < 0 || x >= dst.Rect.Dx() || y < top || y > bottom || y < 0 || y >= dst.Rect.Dy() {
		return
	}
	i := y*dst.Stride + x*4
	dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = c.R, c.G, c.B, c.A
}

// line draws a 1-pixel line from (x0, y0) to (x1, y1) (Bresenham), clipped
// to dst and rows [top, bottom].
func line(dst *image.RGBA, x0, y0, x1, y1, top, bottom int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		plot(dst, x0, y0, top, bottom, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Chart is a small multi-lane line chart: one Series per lane, a shared x
// axis; each lane's title (and note) in a column on its left and its y
// range in a column on its right, so no text is drawn over a line. It draws the
// lines into one reused raster, so a redraw costs one image upload whatever
// the number of points; only the texts (a few per lane) are canvas objects.
//
// Chart is a Fyne widget: call its methods on the Fyne goroutine only.
type Chart struct {
	widget.BaseWidget

	series     []Series
	xMin, xMax float64
	xLabel     string
	empty      string
	img        *image.RGBA
}

// NewChart returns an empty chart that shows empty (e.g. "No data yet")
// until SetSeries gives it data.
func NewChart(empty string) *Chart {
	c := &Chart{empty: empty}
	c.ExtendBaseWidget(c)
	return c
}

// SetSeries shows series over x in [xMin, xMax], with xLabel under the
// chart (e.g. "last 120 s"). The chart keeps series and reads it at every
// redraw: the caller must not modify it afterwards (pass a new slice).
func (c *Chart) SetSeries(series []Series, xMin, xMax float64, xLabel string) {
	c.series, c.xMin, c.xMax, c.xLabel = series, xMin, xMax, xLabel
	c.Refresh()
}

// Series returns the series shown (do not modify).
func (c *Chart) Series() []Series { return c.series }

// XRange returns the x range shown.
func (c *Chart) XRange() (xMin, xMax float64) { return c.xMin, c.xMax }

// Image renders the chart into its reused w×h buffer and returns it; it
// allocates only when the size changes. The image is overwritten by the
// next call.
func (c *Chart) Image(w, h int) *image.RGBA {
	w, h = max(w, 1), max(h, 1)
	if c.img == nil || c.img.Rect.Dx() != w || c.img.Rect.Dy() != h {
		c.img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	DrawChart(c.img, c.series, c.xMin, c.xMax)
	return c.img
}

// MinSize returns a size in which two lanes stay readable.
func (c *Chart) MinSize() fyne.Size {
	c.ExtendBaseWidget(c)
	return fyne.NewSize(240, 140)
}

// CreateRenderer implements fyne.Widget.
func (c *Chart) CreateRenderer() fyne.WidgetRenderer {
	c.ExtendBaseWidget(c)
	r := &chartRenderer{c: c}
	r.raster = canvas.NewRaster(func(w, h int) image.Image { return c.Image(w, h) })
	r.raster.ScaleMode = canvas.ImageScalePixels
	r.empty = canvas.NewText(c.empty, LabelColor())
	r.empty.Alignment = fyne.TextAlignCenter
	r.x = canvas.NewText("", LabelColor())
	r.bg = canvas.NewRectangle(BackgroundColor())
	r.sync()
	return r
}

// chartLane holds the texts of one lane.
type chartLane struct {
	title, detail, note, yHi, yLo *canvas.Text
	noteBox                       *canvas.Rectangle
}

type chartRenderer struct {
	c       *Chart
	bg      *canvas.Rectangle // behind the x label
	raster  *canvas.Raster
	empty   *canvas.Text
	x       *canvas.Text
	lanes   []chartLane
	objects []fyne.CanvasObject
}

func (r *chartRenderer) Destroy() {}

func (r *chartRenderer) MinSize() fyne.Size { return r.c.MinSize() }

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Layout(size fyne.Size) {
	pad := r.c.Theme().Size(theme.SizeNamePadding)
	xs := r.x.MinSize()
	plotH := size.Height
	if r.x.Text != "" {
		plotH -= xs.Height
	}
	// the columns: titles on the left, y ranges on the right
	var left, right float32
	for i := range r.lanes {
		l := &r.lanes[i]
		w := l.title.MinSize().Width
		if l.note.Text != "" {
			w += l.note.MinSize().Width + 3*pad
		}
		left = max(left, w, l.detail.MinSize().Width)
		right = max(right, l.yHi.MinSize().Width, l.yLo.MinSize().Width)
	}
	if left > 0 {
		left = min(left+3*pad, size.Width*0.45)
	}
	right += 2 * pad
	plotW := max(size.Width-left-right, 1)
	r.bg.Resize(size)
	r.bg.Move(fyne.NewPos(0, 0))
	r.raster.Resize(fyne.NewSize(plotW, plotH))
	r.raster.Move(fyne.NewPos(left, 0))
	r.x.Resize(xs)
	r.x.Move(fyne.NewPos(size.Width-xs.Width-pad, plotH))
	ms := r.empty.MinSize()
	r.empty.Resize(ms)
	r.empty.Move(fyne.NewPos((size.Width-ms.Width)/2, (plotH-ms.Height)/2))
	n := len(r.lanes)
	for i := range r.lanes {
		l := &r.lanes[i]
		top := plotH * float32(i) / float32(n)
		bottom := plotH * float32(i+1) / float32(n)
		ts, ds := l.title.MinSize(), l.detail.MinSize()
		l.title.Resize(ts)
		l.title.Move(fyne.NewPos(pad, top+1))
		ns := l.note.MinSize()
		l.note.Resize(ns)
		l.note.Move(fyne.NewPos(pad+ts.Width+2*pad, top+1))
		l.noteBox.Resize(fyne.NewSize(ns.Width+2*pad, ns.Height))
		l.noteBox.Move(fyne.NewPos(pad+ts.Width+pad, top+1))
		l.detail.Resize(ds)
		l.detail.Move(fyne.NewPos(pad, top+1+ts.Height))
		fits := func(h float32) bool { return h <= bottom-top-2 }
		setShown(l.detail, l.detail.Text != "" && fits(ts.Height+ds.Height))
		hs, ls := l.yHi.MinSize(), l.yLo.MinSize()
		l.yHi.Resize(hs)
		l.yHi.Move(fyne.NewPos(size.Width-right+pad, top+1))
		l.yLo.Resize(ls)
		l.yLo.Move(fyne.NewPos(size.Width-right+pad, bottom-ls.Height-1))
		setShown(l.yLo, fits(hs.Height+ls.Height))
	}
}

// setShown shows or hides o.
func setShown(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// sync brings the texts in line with the chart and reports whether the
// layout must be redone.
func (r *chartRenderer) sync() (relayout bool) {
	n := len(r.c.series)
	th := r.c.Theme()
	small := th.Size(theme.SizeNameCaptionText)
	if len(r.lanes) != n || len(r.objects) == 0 {
		r.lanes = make([]chartLane, n)
		r.objects = append(make([]fyne.CanvasObject, 0, 4+6*n), r.bg, r.raster, r.empty, r.x)
		for i := range r.lanes {
			l := &r.lanes[i]
			l.noteBox = canvas.NewRectangle(AlertColor())
			l.noteBox.CornerRadius = 4
			l.title = canvas.NewText("", LabelColor())
			l.title.TextStyle.Bold = true
			l.detail = canvas.NewText("", LabelColor())
			l.note = canvas.NewText("", color.White)
			l.note.TextStyle.Bold = true
			l.yHi = canvas.NewText("", LabelColor())
			l.yLo = canvas.NewText("", LabelColor())
			r.objects = append(r.objects, l.title, l.detail, l.noteBox, l.note, l.yHi, l.yLo)
		}
		relayout = true
	}
	if n == 0 {
		r.empty.Show()
	} else {
		r.empty.Hide()
	}
	relayout = setText(r.x, r.c.xLabel, small) || relayout
	for i := range r.lanes {
		l, s := &r.lanes[i], &r.c.series[i]
		lo, hi := s.YRange()
		relayout = setText(l.title, s.Title, small) || relayout
		relayout = setText(l.detail, s.Detail, small) || relayout
		relayout = setText(l.note, s.Note, small) || relayout
		relayout = setText(l.yHi, formatAxis(hi, s.Unit), small) || relayout
		relayout = setText(l.yLo, formatAxis(lo, s.Unit), small) || relayout
		if s.Note == "" {
			l.noteBox.Hide()
		} else {
			l.noteBox.Show()
		}
	}
	return relayout
}

func (r *chartRenderer) Refresh() {
	if r.sync() {
		r.Layout(r.c.Size())
	}
	r.raster.Refresh()
}

// formatAxis formats an axis value with 3 significant digits and its unit.
func formatAxis(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'g', 3, 64)
	if math.Abs(v) >= 1000 {
		s = strconv.FormatFloat(v, 'f', 0, 64)
	}
	if unit != "" {
		s += " " + unit
	}
	return s
}
