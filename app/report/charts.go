package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"time"

	"myorehab/storage"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Chart is one chart of the progress: series over dates, each labelled at
// its last point (no legend to look up).
type Chart struct {
	Title, YLabel string
	Series        []Series
	// Bars, when set, draws the first series as bars per week (counts).
	Bars bool
	// Target, when positive, is drawn as a dashed horizontal line labelled
	// TargetLabel (e.g. the prescribed sessions per week).
	Target      float64
	TargetLabel string
}

// Series is one line of a chart: values at dates; NaN values are skipped.
type Series struct {
	Label  string
	Dates  []time.Time
	Values []float64
	// Marks draws the points only, as marks (no line): counts of events
	// such as interrupted sessions.
	Marks bool
}

// palette is colour-blind safe (Okabe–Ito), dark enough on white paper.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermilion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{0, 0, 0, 255},
}

// Color returns series i's colour.
func Color(i int) color.Color { return palette[i%len(palette)] }

// Plot builds the gonum plot of c over [from, to].
func (c *Chart) Plot(from, to time.Time) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = c.Title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.Text = c.YLabel
	p.X.Tick.Marker = plot.TimeTicks{Format: "2 Jan", Ticker: weekTicks{}, Time: func(v float64) time.Time { return time.Unix(int64(v), 0).In(time.Local) }}
	p.Add(plotter.NewGrid())
	p.X.Min, p.X.Max = float64(from.Unix()), float64(to.AddDate(0, 0, 1).Unix())
	p.Y.Min = 0
	var labels plotter.XYLabels
	var labelColors []color.Color
	for i, s := range c.Series {
		var xys plotter.XYs
		for k, d := range s.Dates {
			if v := s.Values[k]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				xys = append(xys, plotter.XY{X: float64(d.Unix()), Y: v})
			}
		}
		if len(xys) == 0 {
			continue
		}
		col := Color(i)
		if c.Bars && i == 0 {
			bw := vg.Points(10)
			for _, xy := range xys {
				b, err := plotter.NewBarChart(plotter.Values{xy.Y}, bw)
				if err != nil {
					return nil, err
				}
				b.Color, b.LineStyle.Width = col, 0
				b.XMin = xy.X + 3.5*86400 // the middle of the week
				b.Horizontal = false
				p.Add(b)
			}
		} else if s.Marks {
			if c.Bars {
				for k := range xys {
					xys[k].X += 3.5 * 86400 // on the week's bar
				}
			}
			pts, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, err
			}
			pts.Color, pts.Shape, pts.Radius = col, draw.PyramidGlyph{}, vg.Points(4.5)
			pts.GlyphStyle.Color = col
			p.Add(pts)
		} else {
			l, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = col, vg.Points(1.5)
			pts.Color, pts.Shape, pts.Radius = col, draw.CircleGlyph{}, vg.Points(2.2)
			p.Add(l, pts)
		}
		last := xys[len(xys)-1]
		if c.Bars && i == 0 {
			last.X += 3.5 * 86400
		}
		labels.XYs = append(labels.XYs, last)
		labels.Labels = append(labels.Labels, s.Label)
		labelColors = append(labelColors, col)
		p.Y.Max = max(p.Y.Max, maxY(xys))
	}
	if c.Target > 0 {
		t, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: c.Target}, {X: p.X.Max, Y: c.Target}})
		if err != nil {
			return nil, err
		}
		t.Color, t.Dashes = color.Gray{Y: 90}, []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(t)
		labels.XYs = append(labels.XYs, plotter.XY{X: p.X.Min, Y: c.Target})
		labels.Labels = append(labels.Labels, c.TargetLabel)
		p.Y.Max = max(p.Y.Max, c.Target)
	}
	p.Y.Max *= 1.18 // room for the labels above the highest point
	if p.Y.Max == 0 {
		p.Y.Max = 1
	}
	spread(labels.XYs, p.Y.Max*0.07)
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(8)
			l.TextStyle[i].YAlign = draw.YBottom
			l.TextStyle[i].XAlign = draw.XRight
			if i < len(labelColors) {
				l.TextStyle[i].Color = labelColors[i]
			} else { // the target's label, at its left end
				l.TextStyle[i].XAlign = draw.XLeft
			}
		}
		l.Offset = vg.Point{Y: vg.Points(3)}
		p.Add(l)
	}
	return p, nil
}

// spread moves labels whose points are close in x (within 10 days) and y
// (within gap) apart vertically, so that no two overlap.
func spread(xys plotter.XYs, gap float64) {
	for i := range xys {
		for j := range i {
			if math.Abs(xys[i].X-xys[j].X) < 10*86400 && math.Abs(xys[i].Y-xys[j].Y) < gap {
				xys[i].Y = xys[j].Y - gap
				if xys[i].Y < 0 {
					xys[i].Y = xys[j].Y + gap
				}
			}
		}
	}
}

func maxY(xys plotter.XYs) float64 {
	m := 0.0
	for _, xy := range xys {
		m = max(m, xy.Y)
	}
	return m
}

// PNG renders c at w × h millimetres and dpi dots per inch.
func (c *Chart) PNG(from, to time.Time, wMM, hMM float64, dpi int) ([]byte, error) {
	p, err := c.Plot(from, to)
	if err != nil {
		return nil, fmt.Errorf("chart %q: %w", c.Title, err)
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(wMM)*vg.Millimeter, vg.Length(hMM)*vg.Millimeter), vgimg.UseDPI(dpi))
	p.Draw(draw.New(img))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart %q: %w", c.Title, err)
	}
	return buf.Bytes(), nil
}

// weekTicks puts a major tick on each Monday (every second or fourth one
// over long periods) and minor ticks on the other Mondays.
type weekTicks struct{}

// Ticks implements plot.Ticker.
func (weekTicks) Ticks(lo, hi float64) []plot.Tick {
	start := monday(day(time.Unix(int64(lo), 0).In(time.Local)))
	weeks := int((hi-lo)/(7*86400)) + 1
	every := 1
	switch {
	case weeks > 20:
		every = 4
	case weeks > 8:
		every = 2
	}
	var ticks []plot.Tick
	for i, d := 0, start; float64(d.Unix()) <= hi; i, d = i+1, d.AddDate(0, 0, 7) {
		if float64(d.Unix()) < lo {
			continue
		}
		t := plot.Tick{Value: float64(d.Unix())}
		if i%every == 0 {
			t.Label = "x" // TimeTicks formats the label
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// Charts returns the progress charts: sessions per week by type against
// the prescription, time in band, repetitions, MVC per muscle, peak %MVC
// with co-contraction and fatigue, and the outcome measures.
func (pr *Progress) Charts() []*Chart {
	var out []*Chart
	weeks := make([]time.Time, len(pr.Weekly))
	for i, w := range pr.Weekly {
		weeks[i] = w.Start
	}
	col := func(f func(Week) float64) []float64 {
		v := make([]float64, len(pr.Weekly))
		for i, w := range pr.Weekly {
			v[i] = f(w)
		}
		return v
	}
	nonZero := func(n int) float64 {
		if n == 0 {
			return math.NaN()
		}
		return float64(n)
	}
	sess := &Chart{Title: "Sessions per week: rehabilitation completed (bars), other sessions (marks)",
		YLabel: "sessions", Bars: true,
		Series: []Series{{Label: "rehab completed", Dates: weeks, Values: col(func(w Week) float64 { return float64(w.RehabSessions) })}}}
	for _, k := range []struct{ label, typ string }{{"interrupted", ""}, {"calibration", TypeCalibration}, {"recording", TypeRecording}, {"imported", TypeImported}} {
		v := col(func(w Week) float64 {
			if k.typ == "" {
				return nonZero(w.Interrupted)
			}
			return nonZero(w.ByType[k.typ])
		})
		sess.Series = append(sess.Series, Series{Label: k.label, Dates: weeks, Values: v, Marks: true})
	}
	if pr.Prescription.SessionsPerWeek > 0 {
		sess.Target, sess.TargetLabel = pr.Prescription.SessionsPerWeek, fmt.Sprintf("prescribed %g/week", pr.Prescription.SessionsPerWeek)
	}
	out = append(out, sess)
	var rd []time.Time
	var band, peak, reps, planned, cci, slope, acc, assist []float64
	for _, s := range pr.Sessions {
		if s.Type != TypeRehab {
			continue
		}
		rd = append(rd, s.Start)
		band = append(band, float64(s.TimeInBandPct))
		peak = append(peak, float64(s.PeakPctMVC))
		reps = append(reps, float64(s.RepsCompleted))
		planned = append(planned, float64(s.RepsPlanned))
		cci = append(cci, float64(s.CoContractionPct))
		slope = append(slope, float64(s.MDFSlopeHzPerS))
		acc = append(acc, float64(s.AccuracyPct))
		assist = append(assist, float64(s.AssistPct))
	}
	out = append(out,
		&Chart{Title: "Time in the target band (%) and peak activation (% MVC)", YLabel: "%", Series: []Series{
			{Label: "time in band", Dates: rd, Values: band}, {Label: "peak %MVC", Dates: rd, Values: peak}}},
		&Chart{Title: "Repetitions per session", YLabel: "repetitions", Series: []Series{
			{Label: "completed", Dates: rd, Values: reps}, {Label: "planned", Dates: rd, Values: planned}}},
	)
	var cvDates []time.Time
	var cv []float64
	for _, s := range pr.Sessions {
		if s.CVAccuracyPct.OK() {
			cvDates = append(cvDates, s.Start)
			cv = append(cv, float64(s.CVAccuracyPct))
		}
	}
	var cal []time.Time
	mvc := map[string][]float64{}
	for _, s := range pr.Sessions {
		if len(s.MVCUV) == 0 {
			continue
		}
		cal = append(cal, s.Start)
		for _, m := range pr.Muscles {
			v, ok := s.MVCUV[m]
			if !ok {
				v = math.NaN()
			}
			mvc[m] = append(mvc[m], v)
		}
	}
	mc := &Chart{Title: "Maximum voluntary contraction per muscle (µV RMS)", YLabel: "µV"}
	for _, m := range pr.KeyMuscles() {
		mc.Series = append(mc.Series, Series{Label: m, Dates: cal, Values: mvc[m]})
	}
	out = append(out, mc,
		&Chart{Title: "Co-contraction (%), assistance (%) and recognition accuracy (%)", YLabel: "%", Series: []Series{
			{Label: "co-contraction", Dates: rd, Values: cci}, {Label: "assistance", Dates: rd, Values: assist},
			{Label: "accuracy in session", Dates: rd, Values: acc}, {Label: "calibration accuracy (CV)", Dates: cvDates, Values: cv}}},
		&Chart{Title: "Fatigue: median-frequency slope in sustained holds (Hz/s, nearer 0 is better)", YLabel: "−Hz/s", Series: []Series{
			{Label: "MDF decline", Dates: rd, Values: negate(slope)}}},
	)
	oc := &Chart{Title: "Clinical outcome measures", YLabel: "score"}
	for _, k := range []storage.OutcomeKind{storage.FuglMeyerUE, storage.ARAT, storage.FuglMeyerWH, storage.GripKg} {
		var s Series
		s.Label = k.Title()
		for _, o := range pr.Outcomes {
			if o.Kind == string(k) {
				d, _ := time.ParseInLocation(dateLayout, o.Date, time.Local)
				s.Dates = append(s.Dates, d)
				s.Values = append(s.Values, o.Value)
			}
		}
		if len(s.Dates) > 0 {
			oc.Series = append(oc.Series, s)
		}
	}
	out = append(out, oc)
	return out
}

func negate(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = -v
	}
	return out
}
