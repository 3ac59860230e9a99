package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/processing/pipeline"
)

// Scope is a live multi-channel EMG scope. It shows the last
// Snapshot.SpanSeconds of every channel as a min/max envelope trace in its
// own lane, with the channel label, the lane's half-range (±µV, chosen per
// channel by an Autoscale), the channel's signal-quality light and reason
// (Snapshot.Quality) and the channel's RMS. The texts sit on dark
// translucent boxes so they stay legible over the trace.
//
// Scope is a Fyne widget: call its methods on the Fyne goroutine only.
type Scope struct {
	widget.BaseWidget

	snap     *pipeline.Snapshot
	stale    string // "" while live; else the note shown over greyed traces
	filtered bool
	raw      []Autoscale // per channel, for RawMin/RawMax
	filt     []Autoscale // per channel, for FilteredMin/FilteredMax
	scratch  []float32
	lanes    []Lane
	img      *image.RGBA
}

// NewScope returns an empty scope showing filtered traces.
func NewScope() *Scope {
	s := &Scope{filtered: true}
	s.ExtendBaseWidget(s)
	return s
}

// SetSnapshot shows snap; nil shows "No signal". Passing the snapshot
// already shown does nothing, so a caller polling at the frame rate redraws
// only when the pipeline published new data. Both autoscales (raw and
// filtered) of every channel follow each new snapshot.
func (s *Scope) SetSnapshot(snap *pipeline.Snapshot) {
	if snap == s.snap {
		return
	}
	s.snap = snap
	if snap != nil {
		s.updateScales(snap)
	}
	s.Refresh()
}

// SetStale marks the traces as not live: note (e.g. "No signal · last
// sample 12 s ago") is drawn over them, the traces and quality lights turn
// grey and the quality texts read "no signal". An empty note shows them as
// live again. Setting the note already shown does nothing.
func (s *Scope) SetStale(note string) {
	if note == s.stale {
		return
	}
	s.stale = note
	s.Refresh()
}

// Stale returns the note shown over not-live traces, "" while live.
func (s *Scope) Stale() string { return s.stale }

// Snapshot returns the snapshot shown, nil when none.
func (s *Scope) Snapshot() *pipeline.Snapshot { return s.snap }

// SetFiltered selects the filtered (true) or raw (false) envelopes.
func (s *Scope) SetFiltered(filtered bool) {
	if filtered == s.filtered {
		return
	}
	s.filtered = filtered
	s.Refresh()
}

// Filtered reports whether the filtered envelopes are shown.
func (s *Scope) Filtered() bool { return s.filtered }

// Channels returns the number of channels shown (0 without a snapshot).
func (s *Scope) Channels() int {
	if s.snap == nil {
		return 0
	}
	return len(s.snap.RawMin)
}

// HalfRangeUV returns the half-range of channel c's lane in the current
// mode, in µV: the lane spans centre ± HalfRangeUV. It panics if c is out
// of range.
func (s *Scope) HalfRangeUV(c int) float64 {
	return s.scale(c).HalfRangeUV()
}

// LaneLabel returns the text shown at the top left of channel c's lane:
// the channel label and the half-range, e.g. "FDS  ±200 µV".
func (s *Scope) LaneLabel(c int) string {
	name := "Ch " + strconv.Itoa(c+1)
	if c < len(s.snap.Info.Labels) && s.snap.Info.Labels[c] != "" {
		name = s.snap.Info.Labels[c]
	}
	return name + "  ±" + formatUV(s.HalfRangeUV(c)) + " µV"
}

// Quality returns the signal quality of channel c, the zero value
// (QualityUnknown) when the snapshot does not assess it or the traces are
// not live (SetStale).
func (s *Scope) Quality(c int) pipeline.ChannelQuality {
	if s.snap == nil || s.stale != "" || c < 0 || c >= len(s.snap.Quality) {
		return pipeline.ChannelQuality{}
	}
	return s.snap.Quality[c]
}

// QualityText returns the short text shown beside channel c's quality
// light: "no signal" when not live, "" when unknown, "OK" when good, else
// the reason (or a generic "Check electrode" / "Bad signal" when the
// pipeline gave none).
func (s *Scope) QualityText(c int) string {
	if s.stale != "" && s.snap != nil {
		return "no signal"
	}
	return QualityText(s.Quality(c))
}

// QualityText returns the short clinician-facing text of q: "" when
// unknown, "OK" when good, else q.Reason or a generic sentence.
func QualityText(q pipeline.ChannelQuality) string {
	switch q.Level {
	case pipeline.QualityGood:
		return "OK"
	case pipeline.QualityWarn:
		if q.Reason == "" {
			return "Check electrode"
		}
		return q.Reason
	case pipeline.QualityBad:
		if q.Reason == "" {
			return "Bad signal"
		}
		return q.Reason
	}
	return ""
}

// RMSLabel returns the RMS text of channel c, e.g. "RMS 35.2 µV", or "" if
// the snapshot has no RMS for c.
func (s *Scope) RMSLabel(c int) string {
	if s.snap == nil || c >= len(s.snap.RMSUV) {
		return ""
	}
	return fmt.Sprintf("RMS %.1f µV", s.snap.RMSUV[c])
}

func (s *Scope) scale(c int) *Autoscale {
	if s.filtered {
		return &s.filt[c]
	}
	return &s.raw[c]
}

// envelope returns the envelope of channel c in the current mode.
func (s *Scope) envelope(c int) (lo, hi []float32) {
	if s.filtered {
		if c < len(s.snap.FilteredMin) && c < len(s.snap.FilteredMax) {
			return s.snap.FilteredMin[c], s.snap.FilteredMax[c]
		}
		return nil, nil
	}
	if c < len(s.snap.RawMax) {
		return s.snap.RawMin[c], s.snap.RawMax[c]
	}
	return nil, nil
}

func (s *Scope) updateScales(snap *pipeline.Snapshot) {
	n := len(snap.RawMin)
	if len(s.raw) != n {
		s.raw = make([]Autoscale, n)
		s.filt = make([]Autoscale, n)
		s.lanes = make([]Lane, n)
	}
	for c := range n {
		if c < len(snap.RawMax) && len(snap.RawMin[c]) == len(snap.RawMax[c]) {
			s.raw[c].Update(snap.RawMin[c], snap.RawMax[c], s.scratchFor(len(snap.RawMin[c])))
		}
		if c < len(snap.FilteredMin) && c < len(snap.FilteredMax) && len(snap.FilteredMin[c]) == len(snap.FilteredMax[c]) {
			s.filt[c].Update(snap.FilteredMin[c], snap.FilteredMax[c], s.scratchFor(len(snap.FilteredMin[c])))
		}
	}
}

func (s *Scope) scratchFor(n int) []float32 {
	if cap(s.scratch) < n {
		s.scratch = make([]float32, n)
	}
	return s.scratch[:n]
}

// fullPoints returns the number of envelope points in the whole span.
func fullPoints(snap *pipeline.Snapshot, n int) int {
	if snap.BinSamples <= 0 || !(snap.SpanSeconds > 0) || !(snap.Info.SampleRateHz > 0) {
		return n
	}
	full := int(math.Round(snap.SpanSeconds * snap.Info.SampleRateHz / float64(snap.BinSamples)))
	return max(full, n)
}

// Image renders the traces into the scope's reused w×h pixel buffer and
// returns it. It is the generator of the scope's raster; it allocates only
// when the size changes. The returned image is overwritten by the next call.
func (s *Scope) Image(w, h int) *image.RGBA {
	w, h = max(w, 1), max(h, 1)
	if s.img == nil || s.img.Rect.Dx() != w || s.img.Rect.Dy() != h {
		s.img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	n := s.Channels()
	lanes := s.lanes[:0]
	for c := range n {
		lo, hi := s.envelope(c)
		if len(lo) != len(hi) {
			lo, hi = nil, nil
		}
		sc := s.scale(c)
		col := TraceColor(c)
		if s.stale != "" {
			col = StaleColor()
		}
		lanes = append(lanes, Lane{
			Min: lo, Max: hi, Full: fullPoints(s.snap, len(lo)),
			CenterUV: sc.CenterUV(), HalfRangeUV: sc.HalfRangeUV(),
			Color: col,
		})
	}
	Draw(s.img, lanes)
	return s.img
}

// MinSize returns a size in which a few lanes stay readable.
func (s *Scope) MinSize() fyne.Size {
	s.ExtendBaseWidget(s)
	return fyne.NewSize(320, 200)
}

// CreateRenderer implements fyne.Widget.
func (s *Scope) CreateRenderer() fyne.WidgetRenderer {
	s.ExtendBaseWidget(s)
	r := &scopeRenderer{s: s}
	r.raster = canvas.NewRaster(func(w, h int) image.Image { return s.Image(w, h) })
	r.raster.ScaleMode = canvas.ImageScalePixels
	r.empty = canvas.NewText("No signal — connect a device", LabelColor())
	r.empty.Alignment = fyne.TextAlignCenter
	r.empty2 = canvas.NewText("", LabelColor())
	r.empty2.Alignment = fyne.TextAlignCenter
	r.emptyBox = canvas.NewRectangle(LabelBoxColor())
	r.emptyBox.CornerRadius = 4
	r.sync()
	return r
}

type scopeRenderer struct {
	s        *Scope
	raster   *canvas.Raster
	empty    *canvas.Text      // "No signal — …", or the stale note over greyed traces
	emptyBox *canvas.Rectangle // behind empty
	names    []*canvas.Text
	rms      []*canvas.Text
	reasons  []*canvas.Text      // quality text beside the light
	dots     []*canvas.Circle    // quality lights
	boxes    []*canvas.Rectangle // 2 per lane: behind the name and behind the RMS
	objects  []fyne.CanvasObject
	// The note (empty, and empty2 when it is split in two lines): its
	// text, the theme's text size, and whether it is shown; Layout fits it.
	empty2   *canvas.Text
	note     string
	noteSize float32
	noteOn   bool
}

func (r *scopeRenderer) Destroy() {}

func (r *scopeRenderer) MinSize() fyne.Size { return r.s.MinSize() }

func (r *scopeRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *scopeRenderer) Layout(size fyne.Size) {
	r.raster.Resize(size)
	r.raster.Move(fyne.NewPos(0, 0))
	pad := r.s.Theme().Size(theme.SizeNamePadding)
	n := len(r.names)
	// the lanes' texts: left column up to labelEnd, RMS from rmsStart
	labelEnd, rmsStart := float32(0), size.Width
	for i := range n {
		top := size.Height * float32(i) / float32(n)
		ns := r.names[i].MinSize()
		d := ns.Height * 0.6 // light diameter
		x, y := 2*pad, top+pad
		r.dots[i].Resize(fyne.NewSize(d, d))
		r.dots[i].Move(fyne.NewPos(x+pad, y+(ns.Height-d)/2))
		r.names[i].Resize(ns)
		r.names[i].Move(fyne.NewPos(x+2*pad+d, y))
		end := x + 2*pad + d + ns.Width
		if r.reasons[i].Text != "" {
			qs := r.reasons[i].MinSize()
			r.reasons[i].Resize(qs)
			r.reasons[i].Move(fyne.NewPos(end+2*pad, y))
			end += 2*pad + qs.Width
		}
		r.boxes[2*i].Resize(fyne.NewSize(end+pad-x, ns.Height))
		r.boxes[2*i].Move(fyne.NewPos(x, y))
		rs := r.rms[i].MinSize()
		r.rms[i].Resize(rs)
		r.rms[i].Move(fyne.NewPos(size.Width-rs.Width-2*pad, y))
		r.boxes[2*i+1].Resize(fyne.NewSize(rs.Width+2*pad, rs.Height))
		r.boxes[2*i+1].Move(fyne.NewPos(size.Width-rs.Width-3*pad, y))
		labelEnd = max(labelEnd, end+pad)
		if rs.Width > 0 {
			rmsStart = min(rmsStart, size.Width-rs.Width-3*pad)
		}
	}
	r.layoutNote(size, labelEnd, rmsStart, n > 0)
}

// layoutNote places the note ("No signal — …") between the lanes' texts
// (labelEnd to rmsStart), so it covers only greyed trace, never a label:
// on two lines (split at " · ") where one does not fit, drawn down to
// 65 % of the text size where two lines do not fit either, and centred
// when even that does not fit (or there are no lanes).
func (r *scopeRenderer) layoutNote(size fyne.Size, labelEnd, rmsStart float32, lanes bool) {
	pad := r.s.Theme().Size(theme.SizeNamePadding)
	free := rmsStart - labelEnd
	style := r.empty.TextStyle
	width := func(lines []string, sz float32) (w float32) {
		for _, l := range lines {
			w = max(w, fyne.MeasureText(l, sz, style).Width)
		}
		return w
	}
	lines := []string{r.note}
	if i := strings.Index(r.note, " · "); lanes && i > 0 && free < width(lines, r.noteSize)+6*pad {
		lines = []string{r.note[:i], r.note[i+len(" · "):]}
	}
	sz := r.noteSize
	if w := width(lines, sz); lanes && w > 0 && free < w+6*pad {
		sz *= max(0.65, min(1, (free-6*pad)/w))
	}
	second := ""
	if len(lines) == 2 {
		second = lines[1]
	}
	setText(r.empty, lines[0], sz)
	setText(r.empty2, second, sz)
	show := func(o fyne.CanvasObject, on bool) {
		if on {
			o.Show()
		} else {
			o.Hide()
		}
	}
	show(r.empty, r.noteOn)
	show(r.emptyBox, r.noteOn)
	show(r.empty2, r.noteOn && second != "")
	w := width(lines, sz)
	h := r.empty.MinSize().Height
	total := h * float32(len(lines))
	x := (size.Width - w) / 2
	if lanes && free >= w+6*pad {
		x = labelEnd + (free-w)/2
	}
	y := (size.Height - total) / 2
	r.empty.Resize(fyne.NewSize(w, h))
	r.empty.Move(fyne.NewPos(x, y))
	r.empty2.Resize(fyne.NewSize(w, h))
	r.empty2.Move(fyne.NewPos(x, y+h))
	r.emptyBox.Resize(fyne.NewSize(w+4*pad, total+2*pad))
	r.emptyBox.Move(fyne.NewPos(x-2*pad, y-pad))
}

// sync brings the label objects in line with the scope's state and
// reports whether their layout must be redone.
func (r *scopeRenderer) sync() (relayout bool) {
	n := r.s.Channels()
	size := r.s.Theme().Size(theme.SizeNameText)
	if len(r.names) != n || len(r.objects) == 0 {
		r.names, r.rms, r.reasons = make([]*canvas.Text, n), make([]*canvas.Text, n), make([]*canvas.Text, n)
		r.dots, r.boxes = make([]*canvas.Circle, n), make([]*canvas.Rectangle, 2*n)
		r.objects = append(make([]fyne.CanvasObject, 0, 3+6*n), r.raster)
		for i := range n {
			for j := range 2 {
				b := canvas.NewRectangle(LabelBoxColor())
				b.CornerRadius = 4
				r.boxes[2*i+j] = b
			}
			r.dots[i] = canvas.NewCircle(QualityColor(pipeline.QualityUnknown))
			r.names[i] = canvas.NewText("", LabelColor())
			r.names[i].TextStyle.Bold = true
			r.reasons[i] = canvas.NewText("", LabelColor())
			r.rms[i] = canvas.NewText("", LabelColor())
			r.objects = append(r.objects, r.boxes[2*i], r.boxes[2*i+1], r.dots[i], r.names[i], r.reasons[i], r.rms[i])
		}
		r.objects = append(r.objects, r.emptyBox, r.empty, r.empty2) // on top of the lanes' texts
		relayout = true
	}
	note := "No signal — connect a device"
	if r.s.stale != "" {
		note = r.s.stale
	}
	if on := n == 0 || r.s.stale != ""; note != r.note || size != r.noteSize || on != r.noteOn {
		r.note, r.noteSize, r.noteOn = note, size, on
		relayout = true // layoutNote fits the note and shows or hides it
	}
	for i := range n {
		relayout = setText(r.names[i], r.s.LaneLabel(i), size) || relayout
		relayout = setText(r.rms[i], r.s.RMSLabel(i), size) || relayout
		if c := r.s.textColor(); r.rms[i].Color != c {
			r.rms[i].Color = c
			r.rms[i].Refresh()
		}
		relayout = setText(r.reasons[i], r.s.QualityText(i), size) || relayout
		q := r.s.Quality(i).Level
		if c := QualityColor(q); r.dots[i].FillColor != c {
			r.dots[i].FillColor = c
			r.dots[i].Refresh()
		}
		if c := qualityTextColor(q); r.reasons[i].Color != c {
			r.reasons[i].Color = c
			r.reasons[i].Refresh()
		}
	}
	return relayout
}

// textColor is the colour of the RMS texts: grey when not live.
func (s *Scope) textColor() color.Color {
	if s.stale != "" {
		return StaleColor()
	}
	return LabelColor()
}

// setText updates t and reports whether it changed.
func setText(t *canvas.Text, s string, size float32) bool {
	if t.Text == s && t.TextSize == size {
		return false
	}
	t.Text, t.TextSize = s, size
	t.Refresh()
	return true
}

func (r *scopeRenderer) Refresh() {
	if r.sync() {
		r.Layout(r.s.Size())
	}
	r.raster.Refresh()
}

// formatUV formats a half-range in µV without trailing zeros.
func formatUV(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
