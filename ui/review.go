package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
	"myorehab/ui/plot"
)

// Zoom steps of the review screen.
const (
	zoomStep   = 2.0 // span factor per Zoom in/out tap
	scrollStep = 0.5 // fraction of the span per ◀/▶ tap
)

// ReviewScreen shows a stored session for review: every channel with its
// annotations, a position slider, zoom and page buttons. It opens as a
// large dialog and loads the recording in the background. Its widgets are
// exported so tests can drive them; touch them on the Fyne goroutine only.
type ReviewScreen struct {
	Viewer   *plot.Viewer
	Position *widget.Slider // first sample shown
	ZoomIn   *widget.Button
	ZoomOut  *widget.Button
	Back     *widget.Button // one half window earlier
	Forward  *widget.Button // one half window later
	Export   *widget.Button // opens the export form; hidden without a TransferService
	Close    *widget.Button
	Info     *widget.Label // the window shown, e.g. "0:10–0:20 of 5:00 · 10 s shown · 12 annotations"
	Message  *widget.Label // loading, or why the session could not be opened

	shared
	session  storage.Session
	rec      *service.Recording
	syncing  bool // Position is being set from the viewer
	onExport func(storage.Session)
	dialog   *dialog.CustomDialog
	closed   func()
}

func newReviewScreen(sh shared, svc service.ReviewService, s storage.Session, onExport func(storage.Session), closed func()) *ReviewScreen {
	r := &ReviewScreen{shared: sh, session: s, onExport: onExport, closed: closed}
	r.Viewer = plot.NewViewer()
	r.Viewer.OnChanged = r.sync
	r.Position = widget.NewSlider(0, 1)
	r.Position.Step = 1
	r.Position.OnChanged = func(v float64) {
		if !r.syncing {
			r.Viewer.ScrollTo(int64(v))
		}
	}
	r.ZoomIn = widget.NewButtonWithIcon("Zoom in", theme.ZoomInIcon(), func() { r.Viewer.Zoom(1 / zoomStep) })
	r.ZoomOut = widget.NewButtonWithIcon("Zoom out", theme.ZoomOutIcon(), func() { r.Viewer.Zoom(zoomStep) })
	r.Back = widget.NewButtonWithIcon("", theme.MediaFastRewindIcon(), func() { r.page(-scrollStep) })
	r.Forward = widget.NewButtonWithIcon("", theme.MediaFastForwardIcon(), func() { r.page(scrollStep) })
	r.Export = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), func() {
		if r.onExport != nil {
			r.onExport(r.session)
		}
	})
	if onExport == nil {
		r.Export.Hide()
	}
	r.Close = widget.NewButtonWithIcon("Close", theme.CancelIcon(), r.close)
	r.Info = widget.NewLabel("")
	r.Message = widget.NewLabel("Loading session " + fmt.Sprint(s.ID) + "…")
	r.Message.Wrapping = fyne.TextWrapWord
	r.enable(false)

	nav := container.NewBorder(nil, nil, container.NewHBox(r.Back, r.ZoomOut, r.ZoomIn), r.Forward, visibleTrack(r.Position))
	bottom := container.NewVBox(nav, container.NewBorder(nil, nil, nil, container.NewHBox(r.Export, r.Close), r.Info))
	content := container.NewBorder(r.Message, bottom, nil, nil, r.Viewer)
	title := fmt.Sprintf("Session %d", s.ID)
	if row := sessionCells(s); row[0] != "" {
		title += " — " + row[0] + " · " + row[1]
	}
	r.dialog = r.newDialog(title, content)
	r.dialog.Resize(dialogSize(r.win, 1500+r.estopWidth(), 960)) // as large as the window allows

	id := s.ID
	r.run.do(func() func() {
		ctx, cancel := r.call()
		defer cancel()
		rec, err := svc.LoadSession(ctx, id)
		return func() {
			if err != nil {
				r.log.Error("load session", "session", id, "err", err)
				r.Message.Importance = widget.DangerImportance
				r.Message.SetText(userMessage("Could not open the session", err))
				return
			}
			r.setRecording(rec)
		}
	})
	return r
}

// Recording returns the recording shown, nil while loading or after an error.
func (r *ReviewScreen) Recording() *service.Recording { return r.rec }

func (r *ReviewScreen) setRecording(rec *service.Recording) {
	if rec == nil || len(rec.Channels) == 0 || len(rec.Channels[0]) == 0 || !(rec.RateHz > 0) {
		r.Message.Importance = widget.WarningImportance
		r.Message.SetText("This session holds no samples.")
		return
	}
	r.rec = rec
	markers := make([]plot.Marker, len(rec.Annotations))
	for i, a := range rec.Annotations {
		text := a.Text
		if text == "" {
			text = a.Kind
		}
		markers[i] = plot.Marker{Sample: a.Sample, Duration: a.Duration, Text: text}
	}
	r.Message.SetText(fmt.Sprintf("%d channels · %s · %s. Scroll with the mouse wheel or the slider.",
		len(rec.Channels), formatDuration(time.Duration(float64(len(rec.Channels[0]))/rec.RateHz*float64(time.Second))), plural(len(rec.Annotations), "note or event", "notes and events")))
	r.Message.Importance = widget.MediumImportance
	r.Viewer.SetRecording(rec.Channels, rec.RateHz, rec.Labels, markers)
	r.enable(true)
}

func (r *ReviewScreen) enable(on bool) {
	for _, w := range []disabler{r.ZoomIn, r.ZoomOut, r.Back, r.Forward, r.Position} {
		enable(w, on)
	}
}

// page moves the window by frac of its span.
func (r *ReviewScreen) page(frac float64) {
	start, span := r.Viewer.Window()
	r.Viewer.ScrollTo(start + int64(frac*float64(span)))
}

// sync brings the slider and the info line in line with the viewer.
func (r *ReviewScreen) sync() {
	if r.rec == nil {
		return
	}
	start, span := r.Viewer.Window()
	total := r.Viewer.Samples()
	r.syncing = true
	r.Position.Max = float64(max(total-span, 1))
	r.Position.SetValue(float64(start))
	r.Position.Refresh()
	r.syncing = false
	enable(r.ZoomIn, span > 16)
	enable(r.ZoomOut, span < total)
	enable(r.Back, start > 0)
	enable(r.Forward, start+span < total)
	setLabel(r.Info, reviewInfo(start, span, total, r.rec.RateHz, len(r.Viewer.VisibleMarkers())))
}

// reviewInfo is the review screen's info line, e.g.
// "0:10.0–0:20.0 of 5:00.0 · 10 s shown · 3 annotations in view".
func reviewInfo(start, span, total int64, rateHz float64, markers int) string {
	at := func(n int64) string { return formatClock(float64(n) / rateHz) }
	return fmt.Sprintf("%s–%s of %s · %s s shown · %s in view",
		at(start), at(start+span), at(total), formatNumber(float64(span)/rateHz), plural(markers, "note or event", "notes and events"))
}

// plural returns "1 <one>" or "<n> <many>".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprint(n) + " " + many
}

// formatClock formats seconds as m:ss.s.
func formatClock(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	return fmt.Sprintf("%s.%d", formatDuration(d), int64(d/(100*time.Millisecond))%10)
}

// formatNumber formats v with at most 3 decimals and no trailing zeros.
func formatNumber(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func (r *ReviewScreen) close() {
	r.dialog.Hide()
	if r.closed != nil {
		r.closed()
	}
}
