package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// Colours of the session screens: the target band green, the level bar
// blue, above 100 % MVC red, success green, a miss amber.
var (
	bandGreen   = color.NRGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0x55}
	bandEdge    = color.NRGBA{R: 0x1b, G: 0x5e, B: 0x20, A: 0xff}
	levelBlue   = color.NRGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff}
	levelRed    = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	barTrack    = color.NRGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
	successText = color.NRGBA{R: 0x1b, G: 0x6e, B: 0x20, A: 0xff}
	missText    = color.NRGBA{R: 0xa0, G: 0x52, B: 0x00, A: 0xff}
)

// Text sizes of the patient-facing screen at scale 1 (it is shown at 0.85
// to fit a 768-pixel screen), readable from two metres
// (a 36 px cap height is about 1° of visual angle at 2 m on a 1366×768
// 15" screen).
const (
	patientCueSize   = 44
	patientCountSize = 96
	patientInfoSize  = 30
)

// barMaxPct is the right end of the level bar (% MVC): readings above it
// are drawn at the end and named in the text.
const barMaxPct = 150

// LevelBar draws the live level (% MVC) as a big horizontal bar over a
// track, with the target band shaded and edged; above 100 % the bar turns
// red. Call its methods on the Fyne goroutine.
type LevelBar struct {
	widget.BaseWidget
	Level, Low, High float64
	img              *image.RGBA
}

// NewLevelBar returns an empty level bar.
func NewLevelBar() *LevelBar {
	b := &LevelBar{}
	b.ExtendBaseWidget(b)
	return b
}

// Set shows level in the band [low, high] (% MVC; high 0: no band).
func (b *LevelBar) Set(level, low, high float64) {
	if level == b.Level && low == b.Low && high == b.High {
		return
	}
	b.Level, b.Low, b.High = level, low, high
	b.Refresh()
}

// MinSize is a wide, tall bar.
func (b *LevelBar) MinSize() fyne.Size { return fyne.NewSize(200, 40) }

func (b *LevelBar) draw(w, h int) image.Image {
	w, h = max(w, 1), max(h, 1)
	if b.img == nil || b.img.Rect.Dx() != w || b.img.Rect.Dy() != h {
		b.img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	x := func(pct float64) int { return int(math.Round(min(max(pct, 0), barMaxPct) / barMaxPct * float64(w-1))) }
	fillRect := func(x0, x1, y0, y1 int, c color.Color) {
		for yy := max(y0, 0); yy < min(y1, h); yy++ {
			for xx := max(x0, 0); xx < min(x1, w); xx++ {
				b.img.Set(xx, yy, c)
			}
		}
	}
	fillRect(0, w, 0, h, barTrack)
	if b.High > b.Low {
		fillRect(x(b.Low), x(b.High)+1, 0, h, bandGreen)
	}
	col := levelBlue
	if b.Level > 100 {
		col = levelRed
	}
	if !math.IsNaN(b.Level) {
		fillRect(0, x(b.Level), h/4, h-h/4, col)
	}
	if b.High > b.Low {
		fillRect(x(b.Low)-2, x(b.Low)+2, 0, h, bandEdge)
		fillRect(x(b.High)-2, x(b.High)+2, 0, h, bandEdge)
	}
	fillRect(x(100)-1, x(100)+1, 0, h, color.Black) // the MVC line
	return b.img
}

// CreateRenderer implements fyne.Widget.
func (b *LevelBar) CreateRenderer() fyne.WidgetRenderer {
	r := canvas.NewRaster(b.draw)
	r.ScaleMode = canvas.ImageScalePixels
	return &simpleRenderer{obj: r, min: b.MinSize}
}

// HandPicture draws the cued movement as a simple hand: a palm and five
// fingers, straight and spread for opening and extension, curled into a
// fist for a grip, thumb and index meeting for a pinch.
type HandPicture struct {
	widget.BaseWidget
	Gesture string
	img     *image.RGBA
}

// NewHandPicture returns a picture of gesture.
func NewHandPicture() *HandPicture {
	p := &HandPicture{}
	p.ExtendBaseWidget(p)
	return p
}

// SetGesture changes the picture.
func (p *HandPicture) SetGesture(g string) {
	if g != p.Gesture {
		p.Gesture = g
		p.Refresh()
	}
}

// MinSize is a square picture.
func (p *HandPicture) MinSize() fyne.Size { return fyne.NewSize(150, 150) }

func (p *HandPicture) draw(w, h int) image.Image {
	w, h = max(w, 1), max(h, 1)
	if p.img == nil || p.img.Rect.Dx() != w || p.img.Rect.Dy() != h {
		p.img = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	skin := color.NRGBA{R: 0xe0, G: 0xac, B: 0x69, A: 0xff}
	bg := color.NRGBA{R: 0xf4, G: 0xf4, B: 0xf4, A: 0xff}
	for i := range p.img.Pix {
		p.img.Pix[i] = 0
	}
	s := float64(min(w, h))
	ox, oy := (float64(w)-s)/2, (float64(h)-s)/2
	rect := func(x0, y0, x1, y1 float64, c color.Color) {
		for yy := int(oy + y0*s); yy < int(oy+y1*s); yy++ {
			for xx := int(ox + x0*s); xx < int(ox+x1*s); xx++ {
				if xx >= 0 && yy >= 0 && xx < w && yy < h {
					p.img.Set(xx, yy, c)
				}
			}
		}
	}
	rect(0, 0, 1, 1, bg)
	rect(0.3, 0.5, 0.75, 0.9, skin) // palm
	g := strings.ToLower(p.Gesture)
	lengths := [4]float64{0.38, 0.42, 0.4, 0.32}
	thumb := [4]float64{0.12, 0.5, 0.3, 0.58} // x0, y0, x1, y1
	switch {
	case strings.Contains(g, "grip") || g == "wrist flexion":
		lengths = [4]float64{0.1, 0.1, 0.1, 0.1}
		thumb = [4]float64{0.3, 0.45, 0.55, 0.52}
	case strings.Contains(g, "pinch"):
		lengths = [4]float64{0.2, 0.3, 0.3, 0.25}
		thumb = [4]float64{0.22, 0.38, 0.34, 0.55}
	}
	for i, l := range lengths {
		x0 := 0.31 + float64(i)*0.11
		rect(x0, 0.5-l, x0+0.09, 0.52, skin)
	}
	rect(thumb[0], thumb[1], thumb[2], thumb[3], skin)
	return p.img
}

// CreateRenderer implements fyne.Widget.
func (p *HandPicture) CreateRenderer() fyne.WidgetRenderer {
	r := canvas.NewRaster(p.draw)
	return &simpleRenderer{obj: r, min: p.MinSize}
}

// simpleRenderer renders one object filling the widget.
type simpleRenderer struct {
	obj fyne.CanvasObject
	min func() fyne.Size
}

func (r *simpleRenderer) Layout(s fyne.Size)           { r.obj.Resize(s) }
func (r *simpleRenderer) MinSize() fyne.Size           { return r.min() }
func (r *simpleRenderer) Refresh()                     { canvas.Refresh(r.obj) }
func (r *simpleRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.obj} }
func (r *simpleRenderer) Destroy()                     {}

// PatientView is the patient-facing session screen, readable from two
// metres: the cue and a picture of the movement, a big countdown, the live
// %MVC bar with the target band, the hold's progress, the rep counter and
// clear success feedback; the E-STOP beside it when a glove is connected.
type PatientView struct {
	Cue, Count, Reps, Feedback, Level *canvas.Text
	Picture                           *HandPicture
	Bar                               *LevelBar
	Hold                              *widget.ProgressBar
	content                           fyne.CanvasObject
	fits                              map[*canvas.Text]*fyne.Container // fitText's container of each text
}

func bigText(size float32, bold bool) *canvas.Text {
	t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
	t.TextSize, t.TextStyle.Bold, t.Alignment = size, bold, fyne.TextAlignCenter
	return t
}

// newPatientView builds the view at scale (1: the full-window patient
// screen; smaller for the preview beside the therapist's controls).
func newPatientView(scale float32) *PatientView {
	v := &PatientView{
		Cue: bigText(patientCueSize*scale, true), Count: bigText(patientCountSize*scale, true), Reps: bigText(patientInfoSize*scale, false),
		Feedback: bigText((patientInfoSize+6)*scale, true), Level: bigText(patientInfoSize*scale, true),
		Picture: NewHandPicture(), Bar: NewLevelBar(), Hold: widget.NewProgressBar(),
	}
	v.Hold.TextFormatter = func() string { return "hold " + strconv.Itoa(int(math.Round(v.Hold.Value*100))) + " %" }
	pic := fyne.NewSize(130*scale, 130*scale)
	fit := func(t *canvas.Text) *fyne.Container {
		c := fitText(t)
		v.fits[t] = c
		return c
	}
	v.fits = map[*canvas.Text]*fyne.Container{}
	v.content = container.NewVBox(
		fit(v.Cue),
		container.NewHBox(layout.NewSpacer(), container.NewGridWrap(pic, v.Picture),
			container.NewGridWrap(fyne.NewSize(220*scale, 130*scale), container.NewCenter(v.Count)), layout.NewSpacer()),
		nil, // the bar, below
		fit(v.Level),
		v.Hold,
		fit(v.Reps),
		fit(v.Feedback),
	)
	// The bar takes the whole width at a height of 72 px × scale.
	v.content.(*fyne.Container).Objects[2] = container.New(&fixedHeight{h: 72 * scale}, v.Bar)
	return v
}

// fitText returns t in a container that asks for little width and, when
// the space it gets is narrower than the text at its size, draws the text
// smaller to fit: a long cue or "Great — that one counted!" never widens
// the window (a canvas.Text alone asks for its whole width).
func fitText(t *canvas.Text) *fyne.Container {
	return container.New(&fitLayout{size: t.TextSize}, t)
}

// fitLayout is fitText's layout; size is the text's own size.
type fitLayout struct{ size float32 }

func (l *fitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	t := objs[0].(*canvas.Text)
	m := fyne.MeasureText("Mg", l.size, t.TextStyle)
	return fyne.NewSize(min(80, fyne.MeasureText(t.Text, l.size, t.TextStyle).Width), m.Height)
}

func (l *fitLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	t := objs[0].(*canvas.Text)
	size := l.size
	if w := fyne.MeasureText(t.Text, l.size, t.TextStyle).Width; w > s.Width && w > 0 {
		size = max(10, l.size*s.Width/w)
	}
	if t.TextSize != size {
		t.TextSize = size
		t.Refresh()
	}
	t.Resize(s)
	t.Move(fyne.NewPos(0, 0))
}

// fixedHeight lays its objects over the full width at height h.
type fixedHeight struct{ h float32 }

func (l *fixedHeight) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(200, l.h) }
func (l *fixedHeight) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	for _, o := range objs {
		o.Resize(fyne.NewSize(s.Width, l.h))
		o.Move(fyne.NewPos(0, 0))
	}
}

// show draws l.
func (v *PatientView) show(l service.RehabLive) {
	set := func(t *canvas.Text, s string, c color.Color) {
		if t.Text != s || t.Color != c {
			t.Text, t.Color = s, c
			if f, ok := v.fits[t]; ok {
				f.Refresh() // lays the text out again: a longer one is drawn smaller
			} else {
				t.Refresh()
			}
		}
	}
	fg := theme.Color(theme.ColorNameForeground)
	cue := l.Cue
	switch {
	case l.Paused:
		cue = "Paused — relax"
	case l.Phase == "done":
		cue = "Well done — the session is over"
	case !l.Active && l.Phase == "":
		cue = "Get ready"
	}
	set(v.Cue, cue, fg)
	if l.Phase == "rest" || !l.Active {
		v.Picture.SetGesture("rest")
	} else {
		v.Picture.SetGesture(l.Exercise.Gesture)
	}
	count := ""
	if l.Active && l.Remaining > 0 {
		count = strconv.Itoa(int(math.Ceil(l.Remaining.Seconds())))
	}
	set(v.Count, count, fg)
	low, high := l.Exercise.TargetLowPct, l.Exercise.TargetHighPct
	if l.Exercise.Kind != "mvc" || l.Phase == "mvc" {
		low, high = 0, 0
	}
	v.Bar.Set(l.LevelPct, low, high)
	lvl, lc := fmt.Sprintf("%.0f %% MVC", l.LevelPct), fg
	if high > low {
		lvl += fmt.Sprintf("   (target %g–%g %%)", low, high)
	}
	if l.Over100 {
		lvl, lc = fmt.Sprintf("%.0f %% MVC — above the MVC!", l.LevelPct), levelRed
	}
	set(v.Level, lvl, lc)
	if l.Phase == "hold" || l.Phase == "mvc" {
		v.Hold.SetValue(l.HoldDone)
	} else if v.Hold.Value != 0 {
		v.Hold.SetValue(0)
	}
	reps := ""
	if l.Planned > 0 {
		reps = fmt.Sprintf("Repetition %d of %d   ·   %d done well", min(l.Done+1, l.Planned), l.Planned, l.Successes)
	}
	set(v.Reps, reps, fg)
	fb, fc := "", fg
	switch {
	case l.LastText == "":
	case l.LastSuccess:
		fb, fc = "✔ Great — that one counted!", successText
	default:
		fb, fc = "Nearly — try to stay in the green", missText
	}
	set(v.Feedback, fb, fc)
}

// RehabPanel is the "Exercises" tab: the patient's plan, the start of a
// session (with or without the MVC holds first), the patient-facing view
// and the therapist's controls (pause, repeat, skip, adjust target and
// assist live, end). Its widgets are exported for tests; touch them on
// the Fyne goroutine only.
type RehabPanel struct {
	Plan       *widget.Label  // the plan in force and its version
	MVC        *widget.Label  // the patient's MVC, or the prompt to measure it
	MeasureMVC *widget.Check  // run the MVC holds first
	Start      *widget.Button // start the session
	EditPlan   *widget.Button // opens the plan editor
	Full       *widget.Button // shows the patient view full-window
	Pause      *widget.Button // "Pause" or "Resume"
	Repeat     *widget.Button
	Skip       *widget.Button
	End        *widget.Button
	Low, High  *widget.Entry  // target band (% MVC) to apply live
	Apply      *widget.Button // applies Low/High
	Assist     *widget.Slider // assist level for the next reps
	Lock       *widget.Check  // lock the assist level
	Status     *widget.Label  // what the session is doing, the last rep, advice
	Summary    *widget.Label  // the end-of-session summary
	// Session opens the therapist's view (the controls above, DStatus and
	// DSummary, beside the patient's view) over the whole window; Start
	// opens it too.
	Session           *widget.Button
	DStatus, DSummary *widget.Label
	Note              *widget.Label // the answer to the therapist's last change
	View              *PatientView
	Editor            *PlanEditor // the open plan editor, nil when closed
	// MVCPrompt is the prompt to measure the MVC first, shown when Start
	// is tapped for a patient without MVC and a plan with %MVC exercises.
	MVCPrompt *dialog.CustomDialog

	shared
	svc        service.RehabService
	patient    func() *storage.Patient
	plan       *service.RehabPlan
	version    int
	mvc        *storage.MVCMeasurement
	live       service.RehabLive
	full       *dialog.CustomDialog
	fullView   *PatientView
	controls   *fyne.Container
	sessDialog *dialog.CustomDialog
	sessView   *PatientView
	assistSet  time.Time // when the therapist last moved the assist slider
	syncing    bool      // the slider is being set to the live level
	// ended is called when a session ends (set by MainScreen: reload the
	// patient's MVC, which the session may have measured, and sessions).
	ended   func()
	content fyne.CanvasObject
}

func newRehabPanel(sh shared, svc service.RehabService, patient func() *storage.Patient) *RehabPanel {
	p := &RehabPanel{shared: sh, svc: svc, patient: patient}
	p.Plan = widget.NewLabel("")
	p.Plan.Wrapping = fyne.TextWrapWord
	p.MVC = widget.NewLabel("")
	p.MVC.Wrapping = fyne.TextWrapWord
	p.MeasureMVC = widget.NewCheck("Measure MVC first", nil)
	p.Start = widget.NewButtonWithIcon("Start session", theme.MediaPlayIcon(), p.onStart)
	p.Start.Importance = widget.HighImportance
	p.EditPlan = widget.NewButtonWithIcon("Edit plan…", theme.DocumentCreateIcon(), p.onEditPlan)
	p.Full = widget.NewButtonWithIcon("Patient screen", theme.ViewFullScreenIcon(), p.onFull)
	p.Pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), p.onPause)
	p.Repeat = widget.NewButtonWithIcon("Repeat rep", theme.MediaReplayIcon(), func() { p.svc.Repeat() })
	p.Skip = widget.NewButtonWithIcon("Skip rep", theme.MediaSkipNextIcon(), func() { p.svc.Skip() })
	p.End = widget.NewButtonWithIcon("End session", theme.MediaStopIcon(), func() { p.svc.End() })
	p.Low, p.High = widget.NewEntry(), widget.NewEntry()
	p.Low.SetPlaceHolder("low %")
	p.High.SetPlaceHolder("high %")
	p.Apply = widget.NewButton("Set target", p.onApplyBand)
	p.Assist = widget.NewSlider(0, 100)
	p.Assist.Step = 5
	p.Lock = widget.NewCheck("Lock assist", nil)
	p.Assist.OnChangeEnded = func(v float64) { p.applyAssist() }
	p.Lock.OnChanged = func(bool) { p.applyAssist() }
	p.Status = widget.NewLabel("")
	p.Status.Wrapping = fyne.TextWrapWord
	p.Summary = widget.NewLabel("")
	p.Summary.Wrapping = fyne.TextWrapWord
	p.View = newPatientView(0.55)

	p.Session = widget.NewButtonWithIcon("Session view", theme.ComputerIcon(), p.onSessionView)
	p.DStatus, p.DSummary = widget.NewLabel(""), widget.NewLabel("")
	p.Note = widget.NewLabel("")
	p.DStatus.Wrapping, p.DSummary.Wrapping, p.Note.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord, fyne.TextWrapWord
	// The buttons first, so they are in view on a 720-pixel screen.
	setup := container.NewVBox(
		container.NewGridWithColumns(2, p.Start, p.EditPlan), container.NewGridWithColumns(2, p.Session, p.Full),
		p.MeasureMVC, p.MVC, p.Status, p.Summary,
		widget.NewLabelWithStyle("Plan", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), p.Plan)
	split := container.NewHSplit(container.NewVScroll(setup), container.NewVScroll(p.View.content))
	split.Offset = 0.4
	p.content = split
	// The therapist's view: the session over the whole window, controls
	// on the left, what the patient sees on the right (sessionView).
	p.controls = container.NewVBox(
		widget.NewLabelWithStyle("Therapist's controls", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewGridWithColumns(2, p.Pause, p.Repeat, p.Skip, p.End),
		widget.NewLabel("Target band (% MVC) for this exercise"),
		container.NewBorder(nil, nil, nil, p.Apply, container.NewGridWithColumns(2, p.Low, p.High)),
		widget.NewLabel("Glove assistance for the next reps"),
		container.NewBorder(nil, nil, nil, p.Lock, p.Assist),
		p.Note, widget.NewSeparator(), p.DStatus, p.DSummary)
	p.update()
	return p
}

// dialogFill is the size of a dialog that fills the window, leaving the
// dialog's own frame room; at most 600 px tall, so that it stays on a
// 768-pixel screen even when the window's content is taller than the
// screen (the dialog is centred on the window).
func dialogFill(w fyne.Window) fyne.Size {
	s := w.Canvas().Size()
	return fyne.NewSize(s.Width-2*theme.Padding()-16, min(600, s.Height-4*theme.Padding()-190))
}

// onSessionView shows the therapist's view of the session over the whole
// window (with the E-STOP): the controls and, beside them, what the
// patient sees.
func (p *RehabPanel) onSessionView() {
	if p.sessDialog != nil {
		return
	}
	v := newPatientView(0.75)
	closeB := widget.NewButtonWithIcon("Close (the session goes on)", theme.ViewRestoreIcon(), nil)
	patientB := widget.NewButtonWithIcon("Patient screen", theme.ViewFullScreenIcon(), nil)
	split := container.NewHSplit(container.NewVScroll(p.controls), container.NewVScroll(v.content))
	split.Offset = 0.36
	p.sessDialog = p.newDialog("Guided session", container.NewBorder(nil,
		container.NewHBox(layout.NewSpacer(), patientB, closeB), nil, nil, split))
	p.sessView = v
	closeB.OnTapped = func() {
		p.sessDialog.Hide()
		p.sessDialog, p.sessView = nil, nil
	}
	patientB.OnTapped = func() {
		closeB.OnTapped()
		p.onFull()
	}
	p.sessDialog.Resize(dialogFill(p.win))
	p.sessDialog.Show()
	v.show(p.live)
}

// setPatient loads the patient's plan (and shows their MVC, set by the
// MainScreen through setMVC).
func (p *RehabPanel) setPatient(pt *storage.Patient) {
	p.plan, p.version, p.mvc = nil, 0, nil
	p.update()
	if pt == nil {
		return
	}
	id := pt.ID
	p.run.do(func() func() {
		ctx, cancel := p.call()
		defer cancel()
		plan, v, err := p.svc.LatestPlan(ctx, id)
		return func() {
			if cur := p.patient(); cur == nil || cur.ID != id {
				return
			}
			if err != nil {
				setLabel(p.Plan, userMessage("Could not load the plan", err))
				return
			}
			p.plan, p.version = plan, v
			p.update()
		}
	})
}

// setMVC shows the selected patient's own MVC (nil: the prompt to
// measure it before a %MVC exercise).
func (p *RehabPanel) setMVC(m *storage.MVCMeasurement) {
	p.mvc = m
	p.update()
}

// needsMVC reports whether the plan has a %MVC exercise.
func (p *RehabPanel) needsMVC() bool {
	if p.plan == nil {
		return false
	}
	for _, e := range p.plan.Exercises {
		if e.Kind == "mvc" {
			return true
		}
	}
	return false
}

// update shows the plan, the MVC and the buttons' states.
func (p *RehabPanel) update() {
	pt := p.patient()
	switch {
	case pt == nil:
		setLabel(p.Plan, "Select a patient to see their exercise plan.")
	case p.plan == nil:
		setLabel(p.Plan, "Loading the plan…")
	default:
		var b strings.Builder
		if p.version == 0 {
			b.WriteString("No plan saved yet — a starter plan is shown: open the editor and save it.\n")
		} else {
			fmt.Fprintf(&b, "%s (version %d)\n", p.plan.Name, p.version)
		}
		for _, e := range p.plan.Exercises {
			fmt.Fprintf(&b, "• %s\n", exerciseLine(e))
		}
		setLabel(p.Plan, strings.TrimSpace(b.String()))
	}
	switch {
	case pt == nil:
		setLabel(p.MVC, "")
	case p.mvc == nil && p.needsMVC():
		setLabel(p.MVC, "⚠ No MVC measured for this patient. The plan has %MVC exercises: tick “Measure MVC first” before starting.")
	case p.mvc == nil:
		setLabel(p.MVC, "No MVC measured for this patient.")
	default:
		setLabel(p.MVC, fmt.Sprintf("MVC of %s: measured %s (%s).", pt.Code, p.mvc.CreatedAt.Local().Format("2 Jan 2006 15:04"), p.mvc.Source))
	}
	active := p.live.Active
	enable(p.Start, pt != nil && p.version > 0 && !active)
	enable(p.EditPlan, pt != nil && !active)
	for _, b := range []*widget.Button{p.Pause, p.Repeat, p.Skip, p.End, p.Apply} {
		enable(b, active)
	}
	if active {
		p.Assist.Enable()
	} else {
		p.Assist.Disable()
	}
}

// exerciseLine describes e in one line.
func exerciseLine(e service.RehabExercise) string {
	target := "gesture " + e.Gesture
	if e.Kind == "mvc" {
		target = fmt.Sprintf("%g–%g %% MVC on %s", e.TargetLowPct, e.TargetHighPct, strings.Join(e.Channels, ", "))
	}
	s := fmt.Sprintf("%s: %s, hold %g s, rest %g s, %d × %d", e.Name, target, e.HoldS, e.RestS, e.SetCount(), e.Reps)
	if e.Assist.Mode != "" {
		s += fmt.Sprintf(", glove %s %d %%", e.Assist.Mode, e.Assist.Level)
		if e.Assist.Locked {
			s += " (locked)"
		}
	}
	return s
}

// poll shows the live session (called every frame; Live is cheap).
func (p *RehabPanel) poll() {
	l := p.svc.Live()
	was := p.live.Active
	p.live = l
	p.View.show(l)
	if p.fullView != nil {
		p.fullView.show(l)
	}
	if p.sessView != nil {
		p.sessView.show(l)
	}
	status := ""
	switch {
	case l.Active && l.Phase == "mvc":
		status = "Measuring the MVC: " + l.Cue
	case l.Active:
		status = fmt.Sprintf("%s — set %d, rep %d (%d/%d done, %d successful). Assist %d %%.",
			l.Exercise.Name, l.Set, l.Rep, l.Done, l.Planned, l.Successes, l.AssistLevel)
		if l.Paused {
			status = "PAUSED. " + status
		}
	case l.Err != "":
		status = "The session stopped: " + l.Err
	}
	if l.LastText != "" && l.Active {
		status += "\nLast: " + l.LastText
	}
	if l.Advice != "" {
		status += "\n" + l.Advice
	}
	setLabel(p.Status, status)
	setLabel(p.DStatus, status)
	summary := ""
	if !l.Active {
		summary = l.Summary
	}
	setLabel(p.Summary, summary)
	setLabel(p.DSummary, summary)
	if l.Paused {
		p.Pause.SetText("Resume")
	} else if p.Pause.Text != "Pause" {
		p.Pause.SetText("Pause")
	}
	// The slider follows the assist-as-needed level, except for a moment
	// after the therapist moved it.
	if l.Active && p.Assist.Value != float64(l.AssistLevel) && p.now().Sub(p.assistSet) > 2*time.Second {
		p.syncing = true
		p.Assist.SetValue(float64(l.AssistLevel))
		p.syncing = false
	}
	if was != l.Active {
		p.update()
		if !l.Active && p.ended != nil {
			p.ended()
		}
	}
}

func (p *RehabPanel) onStart() {
	pt := p.patient()
	if pt == nil {
		return
	}
	if p.mvc == nil && p.needsMVC() && !p.MeasureMVC.Checked {
		p.MVCPrompt = p.confirm("Measure the MVC first",
			"This patient has no MVC measured yet, and the plan has %MVC exercises: their targets are in % of the patient's own maximum contraction. Measure it now (two maximum contractions of the flexors and of the extensors) before the exercises?",
			"Measure MVC and start", widget.HighImportance, func(ok bool) {
				if ok {
					p.MeasureMVC.SetChecked(true)
					p.start(pt.ID, true)
				}
			})
		return
	}
	p.start(pt.ID, p.MeasureMVC.Checked)
}

func (p *RehabPanel) start(id int64, measure bool) {
	enable(p.Start, false)
	p.run.do(func() func() {
		ctx, cancel := p.call()
		defer cancel()
		err := p.svc.Start(ctx, id, measure)
		return func() {
			if err != nil {
				p.showError("Session not started", userMessage("The session could not start", err), err)
				p.update()
				return
			}
			p.live.Active = true
			p.update()
			p.onSessionView()
		}
	})
}

func (p *RehabPanel) onPause() {
	if p.live.Paused {
		p.svc.Resume()
	} else {
		p.svc.Pause()
	}
}

func (p *RehabPanel) onApplyBand() {
	low, err1 := strconv.ParseFloat(strings.TrimSpace(p.Low.Text), 64)
	high, err2 := strconv.ParseFloat(strings.TrimSpace(p.High.Text), 64)
	if err1 != nil || err2 != nil {
		setLabel(p.Note, "Type the target band as two numbers in % MVC, e.g. 30 and 50.")
		return
	}
	if err := p.svc.SetBand(low, high); err != nil {
		setLabel(p.Note, err.Error())
		return
	}
	setLabel(p.Note, fmt.Sprintf("Target set to %g–%g %% MVC.", low, high))
}

func (p *RehabPanel) applyAssist() {
	if !p.live.Active || p.syncing {
		return
	}
	p.assistSet = p.now()
	if err := p.svc.SetAssist(int(p.Assist.Value), p.Lock.Checked); err != nil {
		setLabel(p.Note, err.Error())
		return
	}
	lock := "adapting rep by rep"
	if p.Lock.Checked {
		lock = "locked"
	}
	setLabel(p.Note, fmt.Sprintf("Assist %d %%, %s.", int(p.Assist.Value), lock))
}

// onFull shows the patient view over the whole window, with the E-STOP
// and a Close button for the therapist.
func (p *RehabPanel) onFull() {
	if p.full != nil {
		return
	}
	v := newPatientView(0.85)
	closeB := widget.NewButtonWithIcon("Back to the therapist's view", theme.ViewRestoreIcon(), nil)
	p.full = p.newDialog("Exercise", container.NewBorder(container.NewHBox(layout.NewSpacer(), closeB), nil, nil, nil, v.content))
	p.fullView = v
	closeB.OnTapped = func() {
		p.full.Hide()
		p.full, p.fullView = nil, nil
	}
	p.full.Resize(dialogFill(p.win))
	p.full.Show()
	v.show(p.live)
}

// onEditPlan opens the plan editor on the patient's plan.
func (p *RehabPanel) onEditPlan() {
	pt := p.patient()
	if pt == nil || p.plan == nil || p.Editor != nil {
		return
	}
	p.Editor = newPlanEditor(p.shared, p.svc, *pt, p.plan, p.version, func(plan *service.RehabPlan, version int) {
		p.plan, p.version = plan, version
		p.update()
	}, func() { p.Editor = nil })
}
