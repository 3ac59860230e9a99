package ui

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
)

// seriesColors are the progress charts' colours (Okabe–Ito, colour-blind
// safe), as in the PDF report.
var seriesColors = []color.NRGBA{
	{0, 114, 178, 255}, {213, 94, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {230, 159, 0, 255}, {120, 120, 120, 255},
}

// TimeChart draws one progress chart on a date axis: each series as a line
// with dots (or weekly bars), labelled in its colour at its last point, so
// no legend is needed. Hovering (or tapping) near a point shows its value
// and date in Tip.
type TimeChart struct {
	widget.BaseWidget
	chart    service.ProgressChart
	from, to time.Time
	// Tip is the value and date of the point under the pointer ("" when
	// none): "time in band: 45.2 % on Mon 12 Oct 2026".
	Tip   string
	tipAt fyne.Position
}

// NewTimeChart returns a chart of c over [from, to] (dates).
func NewTimeChart(c service.ProgressChart, from, to time.Time) *TimeChart {
	t := &TimeChart{chart: c, from: from, to: to.AddDate(0, 0, 1)}
	t.ExtendBaseWidget(t)
	return t
}

// plot area margins, in pixels
const (
	tcLeft, tcRight, tcTop, tcBottom = 44, 12, 24, 22
)

// yMax is the top of the y axis: the largest value (or target) plus room
// for the labels, rounded up to a nice number.
func (t *TimeChart) yMax() float64 {
	m := t.chart.Target
	for _, s := range t.chart.Series {
		for _, p := range s.Points {
			if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
				m = math.Max(m, p.Value)
			}
		}
	}
	if m <= 0 {
		return 1
	}
	m *= 1.15
	step := math.Pow(10, math.Floor(math.Log10(m)))
	for _, k := range []float64{1, 2, 2.5, 5, 10} {
		if k*step >= m {
			return k * step
		}
	}
	return 10 * step
}

// pos maps a date and value to a position in a chart of size sz.
func (t *TimeChart) pos(d time.Time, v float64, sz fyne.Size, ymax float64) fyne.Position {
	w := sz.Width - tcLeft - tcRight
	h := sz.Height - tcTop - tcBottom
	span := t.to.Sub(t.from).Seconds()
	x := tcLeft + float32(d.Sub(t.from).Seconds()/span)*w
	y := tcTop + h - float32(v/ymax)*h
	return fyne.NewPos(x, y)
}

// MinSize implements fyne.Widget.
func (t *TimeChart) MinSize() fyne.Size { return fyne.NewSize(300, 215) }

// CreateRenderer implements fyne.Widget.
func (t *TimeChart) CreateRenderer() fyne.WidgetRenderer {
	r := &timeChartRenderer{t: t}
	return r
}

// MouseIn, MouseMoved and MouseOut show the nearest point's value and
// date (desktop.Hoverable).
func (t *TimeChart) MouseIn(e *desktop.MouseEvent)    { t.hover(e.Position) }
func (t *TimeChart) MouseMoved(e *desktop.MouseEvent) { t.hover(e.Position) }
func (t *TimeChart) MouseOut() {
	if t.Tip != "" {
		t.Tip = ""
		t.Refresh()
	}
}

// Tapped shows the value under the finger (touch screens).
func (t *TimeChart) Tapped(e *fyne.PointEvent) { t.hover(e.Position) }

var _ desktop.Hoverable = (*TimeChart)(nil)
var _ fyne.Tappable = (*TimeChart)(nil)

// hover sets Tip to the point nearest to at within 24 px.
func (t *TimeChart) hover(at fyne.Position) {
	sz := t.Size()
	if sz.Width == 0 {
		return
	}
	ymax := t.yMax()
	best, tip := float32(24*24), ""
	var bestPos fyne.Position
	for _, s := range t.chart.Series {
		for _, p := range s.Points {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				continue
			}
			d := p.Date
			if t.chart.Bars {
				d = d.Add(84 * time.Hour)
			}
			q := t.pos(d, p.Value, sz, ymax)
			dx, dy := q.X-at.X, q.Y-at.Y
			if t.chart.Bars && !s.Marks && at.Y >= q.Y {
				dy = 0 // a bar answers over its whole height
			}
			if dist := dx*dx + dy*dy; dist < best {
				best, bestPos = dist, q
				when := p.Date.Format("Mon 2 Jan 2006")
				if t.chart.Bars {
					when = "week of " + p.Date.Format("2 Jan 2006")
				}
				tip = fmt.Sprintf("%s: %s %s, %s", s.Label, formatValue(p.Value), t.chart.Unit, when)
			}
		}
	}
	if tip != t.Tip || bestPos != t.tipAt {
		t.Tip, t.tipAt = tip, bestPos
		t.Refresh()
	}
}

// formatValue writes v with up to one decimal.
func formatValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e6 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

type timeChartRenderer struct {
	t       *TimeChart
	objects []fyne.CanvasObject
}

func (r *timeChartRenderer) Destroy()                     {}
func (r *timeChartRenderer) MinSize() fyne.Size           { return r.t.MinSize() }
func (r *timeChartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *timeChartRenderer) Layout(sz fyne.Size)          { r.build(sz) }
func (r *timeChartRenderer) Refresh()                     { r.build(r.t.Size()); canvas.Refresh(r.t) }

// build draws the whole chart again (a few dozen points: cheap).
func (r *timeChartRenderer) build(sz fyne.Size) {
	t := r.t
	fg := theme.Color(theme.ColorNameForeground)
	grid := theme.Color(theme.ColorNameSeparator)
	var objs []fyne.CanvasObject
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.Resize(sz)
	objs = append(objs, bg)
	text := func(s string, c color.Color, size float32, bold bool, at fyne.Position, align fyne.TextAlign) {
		l := canvas.NewText(s, c)
		l.TextSize, l.TextStyle.Bold = size, bold
		m := l.MinSize()
		switch align {
		case fyne.TextAlignTrailing:
			at.X -= m.Width
		case fyne.TextAlignCenter:
			at.X -= m.Width / 2
		}
		l.Move(at)
		l.Resize(m)
		objs = append(objs, l)
	}
	text(t.chart.Title, fg, 12, true, fyne.NewPos(6, 3), fyne.TextAlignLeading)
	if sz.Width <= tcLeft+tcRight || sz.Height <= tcTop+tcBottom {
		r.objects = objs
		return
	}
	ymax := t.yMax()
	// y grid and labels: 0, ½, max
	for _, f := range []float64{0, 0.5, 1} {
		v := f * ymax
		p := t.pos(t.from, v, sz, ymax)
		l := canvas.NewLine(grid)
		l.Position1, l.Position2 = fyne.NewPos(tcLeft, p.Y), fyne.NewPos(sz.Width-tcRight, p.Y)
		objs = append(objs, l)
		text(formatValue(v), fg, 10, false, fyne.NewPos(tcLeft-4, p.Y-7), fyne.TextAlignTrailing)
	}
	// x axis: Mondays, labelled every n weeks
	weeks := int(t.to.Sub(t.from).Hours()/168) + 1
	every := 1 + weeks/7
	d := t.from
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	for i := 0; d.Before(t.to); i, d = i+1, d.AddDate(0, 0, 7) {
		p := t.pos(d, 0, sz, ymax)
		tick := canvas.NewLine(grid)
		tick.Position1, tick.Position2 = fyne.NewPos(p.X, tcTop), fyne.NewPos(p.X, p.Y+3)
		objs = append(objs, tick)
		if i%every == 0 {
			text(d.Format("2 Jan"), fg, 10, false, fyne.NewPos(p.X, p.Y+4), fyne.TextAlignCenter)
		}
	}
	if t.chart.Target > 0 {
		y := t.pos(t.from, t.chart.Target, sz, ymax).Y
		for x := float32(tcLeft); x < sz.Width-tcRight; x += 10 {
			l := canvas.NewLine(fg)
			l.StrokeWidth = 1
			l.Position1, l.Position2 = fyne.NewPos(x, y), fyne.NewPos(min(x+6, sz.Width-tcRight), y)
			objs = append(objs, l)
		}
		text(t.chart.TargetLabel, fg, 10, false, fyne.NewPos(tcLeft+4, y-14), fyne.TextAlignLeading)
	}
	var labelled []fyne.Position
	for i, s := range t.chart.Series {
		c := seriesColors[i%len(seriesColors)]
		var prev *fyne.Position
		var last fyne.Position
		have := false
		for _, pt := range s.Points {
			if math.IsNaN(pt.Value) || math.IsInf(pt.Value, 0) {
				prev = nil
				continue
			}
			if t.chart.Bars && i == 0 {
				p0 := t.pos(pt.Date.Add(36*time.Hour), 0, sz, ymax)
				p1 := t.pos(pt.Date.Add(132*time.Hour), pt.Value, sz, ymax)
				b := canvas.NewRectangle(c)
				b.Move(fyne.NewPos(p0.X, p1.Y))
				b.Resize(fyne.NewSize(p1.X-p0.X, p0.Y-p1.Y))
				objs = append(objs, b)
				last, have = fyne.NewPos((p0.X+p1.X)/2, p1.Y), true
				continue
			}
			if s.Marks {
				d := pt.Date
				if t.chart.Bars {
					d = d.Add(84 * time.Hour)
				}
				p := t.pos(d, pt.Value, sz, ymax)
				for _, k := range []float32{-1, 1} {
					l := canvas.NewLine(c)
					l.StrokeWidth = 2.5
					l.Position1, l.Position2 = p.Add(fyne.NewPos(-5, -5*k)), p.Add(fyne.NewPos(5, 5*k))
					objs = append(objs, l)
				}
				last, have = p, true
				continue
			}
			p := t.pos(pt.Date, pt.Value, sz, ymax)
			if prev != nil {
				l := canvas.NewLine(c)
				l.StrokeWidth = 2
				l.Position1, l.Position2 = *prev, p
				objs = append(objs, l)
			}
			dot := canvas.NewCircle(c)
			dot.Move(p.Subtract(fyne.NewPos(3, 3)))
			dot.Resize(fyne.NewSize(6, 6))
			objs = append(objs, dot)
			pp := p
			prev, last, have = &pp, p, true
		}
		if have {
			at := fyne.NewPos(last.X, last.Y-16)
			for _, q := range labelled {
				if math.Abs(float64(q.X-at.X)) < 80 && math.Abs(float64(q.Y-at.Y)) < 13 {
					at.Y = q.Y + 13
				}
			}
			labelled = append(labelled, at)
			text(s.Label, c, 11, true, at, fyne.TextAlignTrailing)
		}
	}
	if t.Tip != "" {
		l := canvas.NewText(t.Tip, theme.Color(theme.ColorNameForeground))
		l.TextSize = 12
		m := l.MinSize()
		at := fyne.NewPos(min(max(t.tipAt.X-m.Width/2, 2), sz.Width-m.Width-8), max(t.tipAt.Y-m.Height-12, 2))
		box := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
		box.StrokeColor, box.StrokeWidth = fg, 1
		box.Move(at.Subtract(fyne.NewPos(4, 2)))
		box.Resize(m.Add(fyne.NewSize(8, 4)))
		l.Move(at)
		l.Resize(m)
		mark := canvas.NewCircle(color.Transparent)
		mark.StrokeColor, mark.StrokeWidth = fg, 2
		mark.Move(t.tipAt.Subtract(fyne.NewPos(6, 6)))
		mark.Resize(fyne.NewSize(12, 12))
		objs = append(objs, mark, box, l)
	}
	r.objects = objs
}
