package ui

import (
	"fmt"
	"image/color"
	"math"
	"slices"
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

// Badge colours of the glove states: ARMED green, DISARMED grey, the
// stopped states red, DISCONNECTED muted (dark grey on light grey).
var (
	badgeGreen     = color.NRGBA{R: 0x1b, G: 0x6e, B: 0x20, A: 0xff}
	badgeGrey      = color.NRGBA{R: 0x5c, G: 0x5c, B: 0x5c, A: 0xff}
	badgeRed       = color.NRGBA{R: 0xb0, G: 0x00, B: 0x20, A: 0xff}
	badgeMuted     = color.NRGBA{R: 0xe3, G: 0xe3, B: 0xe3, A: 0xff}
	badgeMutedText = color.NRGBA{R: 0x4d, G: 0x4d, B: 0x4d, A: 0xff}
	badgeWhite     = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

// gloveLook is how a glove state is shown: a long sentence for the panel,
// a short word for the top bar and the badge's colours.
type gloveLook struct {
	long, short string
	bg, fg      color.NRGBA
}

// gloveLooks are the glove states in words and colour.
var gloveLooks = map[string]gloveLook{
	service.GloveDisconnected: {"Not connected", "Glove: off", badgeMuted, badgeMutedText},
	service.GloveDisarmed:     {"DISARMED: holds still", "Glove: disarmed", badgeGrey, badgeWhite},
	service.GloveArmed:        {"ARMED: moving", "Glove: ARMED", badgeGreen, badgeWhite},
	service.GloveFault:        {"FAULT: stopped", "Glove: FAULT", badgeRed, badgeWhite},
	service.GloveEStop:        {"E-STOP: stopped", "Glove: E-STOP", badgeRed, badgeWhite},
	service.GloveLinkLost:     {"LINK LOST: stopped", "Glove: LINK LOST", badgeRed, badgeWhite},
}

// lookOf returns how state is shown; an unknown state is red with its
// own name.
func lookOf(state string) gloveLook {
	if l, ok := gloveLooks[state]; ok {
		return l
	}
	return gloveLook{state, "Glove: " + state, badgeRed, badgeWhite}
}

// gloveLive reports whether the glove's readouts are live in state: the
// glove reports its fingers in every state but these two.
func gloveLive(state string) bool {
	return state != service.GloveDisconnected && state != service.GloveLinkLost && state != ""
}

// gloveHints are what to do in each state when the service gives no
// fault sentence.
var gloveHints = map[string]string{
	service.GloveDisconnected: "Type or choose the glove's serial port, then Connect.",
	service.GloveDisarmed:     "Press ARM to let the glove move the patient's fingers.",
	service.GloveArmed:        "The glove moves the patient's fingers. E-STOP or the Esc key stops it at once.",
	service.GloveFault:        "The glove stopped on a fault. Check the glove and the patient, then Clear fault and ARM again.",
	service.GloveEStop:        "The emergency stop is latched: the glove will not move. When it is safe, press Release E-STOP, then ARM again.",
	service.GloveLinkLost:     "The glove does not answer: check its cable and power. Motion needs a new ARM when it is back.",
}

// modeChoices are the assist modes as the panel words them.
var modeChoices = []struct{ label, value string }{
	{"Passive (no EMG)", service.ModePassive},
	{"Assist as needed", service.ModeAssist},
	{"EMG-triggered", service.ModeTriggered},
	{"EMG-proportional", service.ModeProportional},
}

func modeLabel(mode string) string {
	for _, c := range modeChoices {
		if c.value == mode {
			return c.label
		}
	}
	return ""
}

func modeValue(label string) string {
	for _, c := range modeChoices {
		if c.label == label {
			return c.value
		}
	}
	return ""
}

// defaultFingers name the glove's fingers when the glove does not (yet).
var defaultFingers = []string{"thumb", "index", "middle", "ring", "little"}

// fingerName returns the name of finger i for the screens, e.g. "Thumb".
func fingerName(names []string, i int) string {
	n := ""
	switch {
	case i < len(names) && names[i] != "":
		n = names[i]
	case i < len(defaultFingers):
		n = defaultFingers[i]
	default:
		return "Finger " + strconv.Itoa(i+1)
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// Badge is a coloured plate with a bold word: the glove's state.
type Badge struct {
	Text *canvas.Text
	Bg   *canvas.Rectangle
	box  *fyne.Container
}

func newBadge(size float32, align fyne.TextAlign) *Badge {
	b := &Badge{Text: canvas.NewText("", badgeMutedText), Bg: canvas.NewRectangle(badgeMuted)}
	b.Text.TextStyle.Bold = true
	b.Text.TextSize = size
	b.Text.Alignment = align
	b.Bg.CornerRadius = 6
	b.box = container.NewStack(b.Bg, container.New(layout.NewCustomPaddedLayout(4, 4, 10, 10), b.Text))
	return b
}

// set shows text in fg on bg, refreshing only on a change.
func (b *Badge) set(text string, bg, fg color.NRGBA) {
	if b.Text.Text != text || b.Text.Color != fg {
		b.Text.Text, b.Text.Color = text, fg
		b.Text.Refresh()
	}
	if b.Bg.FillColor != bg {
		b.Bg.FillColor = bg
		b.Bg.Refresh()
	}
}

// FingerView is one finger of the glove panel: its name, its bar and its
// reading.
type FingerView struct {
	Name    *canvas.Text
	Bar     *FingerBar
	Reading *canvas.Text // "32 % → 42 % · 0.85 N", or "no signal" in grey
}

// GlovePanel connects, arms and monitors the rehabilitation glove. Its
// widgets are exported so tests can drive them; touch them on the Fyne
// goroutine only. It is refreshed by the MainScreen's ticker (setStatus,
// from GloveService.Status, which is cheap).
type GlovePanel struct {
	Port       *widget.SelectEntry // discovered serial ports; any typed path works
	Connect    *widget.Button
	Disconnect *widget.Button
	State      *Badge        // the state in words and colour
	Detail     *widget.Label // the fault in plain words with what to do, or the next step
	Controller *widget.Label // what the control loop does and why
	Arm        *widget.Button
	Disarm     *widget.Button
	// Clear releases a latched E-STOP or clears a fault (ClearEStop);
	// shown only then.
	Clear *widget.Button
	// LimitsButton opens Limits, the selected patient's limits editor.
	LimitsButton *widget.Button
	Mode         *widget.Select
	Assist       *widget.Slider // assist level, 0–100 %
	AssistValue  *widget.Label
	Fingers      []*FingerView // thumb first
	Latency      *widget.Label // "T_comp … + T_trans … + T_sync … = T_total …"
	Counters     *widget.Label
	Message      *widget.Label // the result of the last action

	// ArmConfirm is the open ARM confirmation, nil when none; Limits the
	// open limits editor, nil when closed.
	ArmConfirm *dialog.CustomDialog
	Limits     *LimitsEditor

	shared
	svc          service.GloveService
	ports        func() []service.PortInfo // nil: no suggestions
	patient      func() *storage.Patient
	status       service.GloveStatus
	busy         string // the blocking call running: "connect", "arm", …
	modePending  bool   // a SetMode call runs: the status does not move the choice
	syncing      bool   // the panel sets Mode/Assist itself: not the user
	armedFor     string // code of the patient the panel armed for
	msg          string
	msgImp       widget.Importance
	lostAt       time.Time // when the link was seen lost
	fingerBox    *fyne.Container
	fingerCounts int
	content      fyne.CanvasObject
}

func newGlovePanel(sh shared, svc service.GloveService, ports func() []service.PortInfo, patient func() *storage.Patient) *GlovePanel {
	p := &GlovePanel{shared: sh, svc: svc, ports: ports, patient: patient}
	p.Port = widget.NewSelectEntry(nil)
	p.Port.SetPlaceHolder("Glove port")
	p.Connect = widget.NewButtonWithIcon("Connect", theme.LoginIcon(), p.onConnectTapped)
	p.Connect.Importance = widget.HighImportance
	p.Disconnect = widget.NewButtonWithIcon("Disconnect", theme.LogoutIcon(), p.onDisconnectTapped)
	p.State = newBadge(theme.TextSize()+2, fyne.TextAlignLeading)
	p.Detail = widget.NewLabel("")
	p.Detail.Wrapping = fyne.TextWrapWord
	p.Controller = widget.NewLabel("")
	p.Controller.Wrapping = fyne.TextWrapWord
	p.Arm = widget.NewButtonWithIcon("ARM…", theme.MediaPlayIcon(), p.onArmTapped)
	p.Arm.Importance = widget.SuccessImportance
	p.Disarm = widget.NewButtonWithIcon("Disarm", theme.MediaPauseIcon(), p.onDisarmTapped)
	p.Disarm.Importance = widget.WarningImportance
	p.Clear = widget.NewButtonWithIcon("Release E-STOP", theme.ViewRefreshIcon(), p.onClearTapped)
	p.Clear.Hide()
	p.LimitsButton = widget.NewButtonWithIcon("Limits…", theme.SettingsIcon(), p.onLimitsTapped)
	p.Detail.Hide()
	p.Controller.Hide()
	labels := make([]string, len(modeChoices))
	for i, c := range modeChoices {
		labels[i] = c.label
	}
	p.Mode = widget.NewSelect(labels, func(string) { p.onModeChanged() })
	p.Mode.PlaceHolder = "Choose…" // the placeholder sets the width
	p.Assist = widget.NewSlider(0, 100)
	p.Assist.Step = 5
	p.AssistValue = widget.NewLabel("")
	p.Assist.OnChanged = func(v float64) { setLabel(p.AssistValue, fmt.Sprintf("%.0f %%", v)) }
	p.Assist.OnChangeEnded = func(float64) { p.onModeChanged() }
	p.syncing = true
	p.Assist.SetValue(50)
	p.syncing = false
	p.Latency = widget.NewLabel("")
	p.Latency.SizeName = theme.SizeNameCaptionText
	p.Latency.Wrapping = fyne.TextWrapWord
	p.Counters = widget.NewLabel("")
	p.Counters.SizeName = theme.SizeNameCaptionText
	p.Counters.Importance = widget.LowImportance
	p.Counters.Wrapping = fyne.TextWrapWord
	p.Message = widget.NewLabel("")
	p.Message.Wrapping = fyne.TextWrapWord
	p.Message.Hide()

	p.fingerBox = container.NewVBox()
	p.setFingerCount(len(defaultFingers))
	p.rescan()

	connect := container.NewBorder(nil, nil, nil, container.NewHBox(p.Connect, p.Disconnect), p.Port)
	arm := container.NewHBox(p.Arm, p.Disarm, p.Clear)
	mode := widget.NewForm(
		widget.NewFormItem("Mode", p.Mode),
		widget.NewFormItem("Assist", container.NewBorder(nil, nil, nil, p.AssistValue, p.Assist)),
	)
	// ARM and Disarm stay in one place whatever the sentences under them say.
	left := container.NewVBox(connect, p.State.box, arm, p.Detail, p.Controller, p.Message, mode)
	head := widget.NewLabelWithStyle("Fingers", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	legend := widget.NewLabel("Blue: how far each finger is bent now (0 % open, 100 % closed). Orange line: where the glove takes it.")
	legend.SizeName = theme.SizeNameCaptionText
	legend.Importance = widget.LowImportance
	legend.Wrapping = fyne.TextWrapWord
	// Both columns scroll rather than draw over each other when the
	// window is short (a 720 px laptop screen).
	right := container.NewVBox(container.NewBorder(nil, nil, nil, p.LimitsButton, head),
		p.fingerBox, legend, p.Latency, p.Counters)
	p.content = container.NewGridWithColumns(2, container.NewVScroll(left), container.NewVScroll(right))
	p.setStatus(service.GloveStatus{State: service.GloveDisconnected})
	return p
}

// Status returns the last glove status shown.
func (p *GlovePanel) Status() service.GloveStatus { return p.status }

// rescan lists the serial ports as suggestions.
func (p *GlovePanel) rescan() {
	if p.ports == nil {
		return
	}
	var paths []string
	for _, pi := range p.ports() {
		paths = append(paths, pi.Path)
	}
	p.Port.SetOptions(paths)
}

// setFingerCount builds n finger views, one row each.
func (p *GlovePanel) setFingerCount(n int) {
	if n == p.fingerCounts {
		return
	}
	p.fingerCounts = n
	p.Fingers = p.Fingers[:0]
	p.fingerBox.Objects = nil
	fg := theme.Color(theme.ColorNameForeground)
	for i := range n {
		f := &FingerView{
			Name:    canvas.NewText(fingerName(nil, i), fg),
			Bar:     NewFingerBar(),
			Reading: canvas.NewText("", fg),
		}
		f.Name.TextStyle.Bold = true
		f.Reading.TextSize = theme.CaptionTextSize()
		h := f.Name.MinSize().Height + 2
		p.Fingers = append(p.Fingers, f)
		p.fingerBox.Add(container.NewBorder(nil, nil,
			container.NewGridWrap(fyne.NewSize(76, h), f.Name),
			container.NewGridWrap(fyne.NewSize(150, h), container.NewPadded(f.Reading)), f.Bar))
	}
	p.fingerBox.Refresh()
}

// setStatus shows st; the ticker calls it every frame. Widgets are
// refreshed only where something changed.
func (p *GlovePanel) setStatus(st service.GloveStatus) {
	prev := p.status.State
	p.status = st
	if st.State == service.GloveArmed && prev != service.GloveArmed {
		// Keys typed into a text field never reach the canvas: free the
		// E-STOP key while the glove moves.
		p.win.Canvas().Unfocus()
	}
	if st.State == service.GloveLinkLost && prev != service.GloveLinkLost {
		p.lostAt = p.now()
	}
	if st.State != service.GloveArmed {
		p.armedFor = ""
	}
	p.syncMode()
	p.update()
}

// syncMode shows the glove's mode and level unless the therapist is
// changing them.
func (p *GlovePanel) syncMode() {
	if p.modePending {
		return
	}
	p.syncing = true
	defer func() { p.syncing = false }()
	if !gloveLive(p.status.State) {
		// The glove's mode is unknown: show none rather than a stale one.
		if p.Mode.Selected != "" {
			p.Mode.ClearSelected()
		}
		setLabel(p.AssistValue, "–")
		return
	}
	if l := modeLabel(p.status.Mode); l != "" && l != p.Mode.Selected {
		p.Mode.SetSelected(l)
	}
	if v := float64(p.status.AssistLevel); v != p.Assist.Value {
		p.Assist.SetValue(v)
	}
	setLabel(p.AssistValue, fmt.Sprintf("%.0f %%", p.Assist.Value))
}

// update brings the widgets in line with the panel's state.
func (p *GlovePanel) update() {
	st := p.status
	state := st.State
	if state == "" {
		state = service.GloveDisconnected
	}
	live := gloveLive(state)
	connected := state != service.GloveDisconnected
	idle := p.busy == ""
	pt := p.patient()

	look := lookOf(state)
	text := look.long
	switch {
	case p.busy == "connect":
		text = "Connecting…"
	case p.busy == "disconnect":
		text = "Disconnecting…"
	case state == service.GloveArmed && p.armedFor != "":
		text += " · " + p.armedFor
	case state == service.GloveLinkLost && !p.lostAt.IsZero():
		text += " " + formatAgo(p.now().Sub(p.lostAt))
	}
	p.State.set(text, look.bg, look.fg)

	detail, imp := st.Fault, widget.DangerImportance
	if state == service.GloveEStop {
		// The stop comes first; a fault from before it follows.
		detail = strings.TrimSpace(gloveHints[state] + "\n" + st.Fault)
	}
	if detail == "" {
		detail, imp = gloveHints[state], widget.MediumImportance
		if state == service.GloveDisarmed && pt == nil {
			detail = "Select a patient, then press ARM to let the glove move."
		}
		if state == service.GloveFault || state == service.GloveEStop || state == service.GloveLinkLost {
			imp = widget.DangerImportance
		}
	}
	setStyled(p.Detail, detail, imp)
	setVisible(p.Detail, detail != "", p.content)
	ctrl := ""
	if live && st.Controller != "" {
		ctrl = "Control: " + st.Controller
	}
	setLabel(p.Controller, ctrl)
	setVisible(p.Controller, ctrl != "", p.content)
	setStyled(p.Message, p.msg, p.msgImp)
	setVisible(p.Message, p.msg != "", p.content)

	if connected && st.Port != "" && p.Port.Text != st.Port {
		p.Port.SetText(st.Port) // connected elsewhere (--glove at start): show where
	}
	enable(p.Port, idle && !connected)
	enable(p.Connect, idle && !connected)
	enable(p.Disconnect, idle && connected)
	// One of Connect and Disconnect at a time, in the same place.
	setVisible(p.Connect, !connected, p.content)
	setVisible(p.Disconnect, connected, p.content)
	enable(p.Arm, idle && state == service.GloveDisarmed && pt != nil)
	enable(p.Disarm, idle && (state == service.GloveArmed || st.Armed))
	// Clear takes Disarm's place while the glove is stopped.
	switch state {
	case service.GloveEStop:
		setButtonText(p.Clear, "Release E-STOP")
	case service.GloveFault:
		setButtonText(p.Clear, "Clear fault")
	}
	stopped := state == service.GloveEStop || state == service.GloveFault
	setVisible(p.Clear, stopped, p.content)
	setVisible(p.Disarm, !stopped, p.content)
	enable(p.Clear, idle)
	enable(p.LimitsButton, pt != nil)
	enable(p.Mode, idle && live)
	enable(p.Assist, idle && live)

	p.updateFingers(st, live)
	if live && (st.TComp|st.TTrans|st.TSync) != 0 {
		setLabel(p.Latency, "Delay: T_comp "+formatMs(st.TComp)+" + T_trans "+formatMs(st.TTrans)+
			" + T_sync "+formatMs(st.TSync)+" = T_total "+formatMs(st.TComp+st.TTrans+st.TSync))
	} else {
		setLabel(p.Latency, "Delay: no decision yet")
	}
	setLabel(p.Counters, fmt.Sprintf("Sent %s · answered %s · refused %s · damaged %s",
		groupDigits(int64(st.Commands)), groupDigits(int64(st.Acks)), groupDigits(int64(st.Nacks)), groupDigits(int64(st.FrameErrors))))
}

// updateFingers shows the fingers: live values, or greyed "no signal".
func (p *GlovePanel) updateFingers(st service.GloveStatus, live bool) {
	if n := len(st.Fingers); n > 0 {
		p.setFingerCount(n)
	}
	names := make([]string, 0, len(st.Fingers))
	for _, f := range st.Fingers {
		names = append(names, f.Name)
	}
	fg, grey, red := theme.Color(theme.ColorNameForeground), theme.Color(theme.ColorNameDisabled), theme.Color(theme.ColorNameError)
	for i, v := range p.Fingers {
		setText(v.Name, fingerName(names, i), fg)
		if !live || i >= len(st.Fingers) {
			pos := math.NaN()
			if i < len(st.Fingers) {
				pos = st.Fingers[i].Position // last known, greyed
			}
			v.Bar.Set(pos, math.NaN(), false)
			setText(v.Reading, "no signal", grey)
			continue
		}
		f := st.Fingers[i]
		v.Bar.Set(f.Position, f.Target, true)
		col := fg
		if f.ForceLimit > 0 && f.Force >= f.ForceLimit {
			col = red
		}
		setText(v.Reading, formatPermille(f.Position)+" → "+formatPermille(f.Target)+" · "+formatForce(f.Force), col)
	}
}

// setText sets t's text and colour, refreshing only on a change.
func setText(t *canvas.Text, text string, c color.Color) {
	if t.Text != text || t.Color != c {
		t.Text, t.Color = text, c
		t.Refresh()
	}
}

// formatPermille formats a per mille value as per cent, e.g. "62 %".
func formatPermille(pm float64) string {
	if math.IsNaN(pm) || math.IsInf(pm, 0) {
		return "–"
	}
	return strconv.FormatFloat(math.Round(pm/10), 'f', 0, 64) + " %"
}

// formatForce formats centinewtons as newtons, e.g. "1.25 N".
func formatForce(cN float64) string {
	if math.IsNaN(cN) || math.IsInf(cN, 0) {
		return "–"
	}
	return strconv.FormatFloat(cN/100, 'f', 2, 64) + " N"
}

// formatAgo formats how long ago something happened, e.g. "12 s ago" or
// "3 min ago".
func formatAgo(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(int(d/time.Second)) + " s ago"
	}
	return strconv.Itoa(int(d/time.Minute)) + " min ago"
}

// formatMs formats d in milliseconds, e.g. "12 ms" or "3.4 ms".
func formatMs(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(math.Round(ms), 'f', 0, 64) + " ms"
}

// setStyled sets l's text and importance, refreshing only on a change.
func setStyled(l *widget.Label, text string, imp widget.Importance) {
	if l.Text != text || l.Importance != imp {
		l.Importance = imp
		l.Text = text
		l.Refresh()
	}
}

// setButtonText sets b's text, refreshing only on a change.
func setButtonText(b *widget.Button, text string) {
	if b.Text != text {
		b.SetText(text)
	}
}

func (p *GlovePanel) setMessage(msg string, imp widget.Importance) {
	p.msg, p.msgImp = msg, imp
	p.update()
}

func (p *GlovePanel) onConnectTapped() {
	if p.busy != "" {
		return
	}
	path := strings.TrimSpace(p.Port.Text)
	if path == "" {
		p.setMessage("Type or choose the glove's serial port first, e.g. /dev/ttyACM0.", widget.DangerImportance)
		return
	}
	p.busy = "connect"
	p.setMessage("", widget.MediumImportance)
	p.log.Info("glove connect", "port", path)
	p.run.do(func() func() {
		err := p.svc.Connect(path)
		st := p.svc.Status()
		return func() {
			p.busy = ""
			if err != nil {
				p.setMessage(userMessage("Could not connect the glove", err), widget.DangerImportance)
				p.showError("glove connect", p.msg, err)
			}
			p.setStatus(st)
		}
	})
}

func (p *GlovePanel) onDisconnectTapped() {
	if p.busy != "" {
		return
	}
	p.busy = "disconnect"
	p.setMessage("", widget.MediumImportance)
	p.run.do(func() func() {
		err := p.svc.Disconnect()
		st := p.svc.Status()
		return func() {
			p.busy = ""
			if err != nil {
				p.setMessage(userMessage("Could not disconnect the glove cleanly", err), widget.DangerImportance)
				p.log.Error("glove disconnect", "err", err)
			}
			p.setStatus(st)
		}
	})
}

// armText is the ARM confirmation's text for patient pt.
func (p *GlovePanel) armText(pt storage.Patient) string {
	mode := p.Mode.Selected
	if mode == "" {
		mode = "not chosen"
	}
	return "The glove will move the patient's fingers.\n\n" +
		"Patient: " + patientRow(pt) + "\n" +
		fmt.Sprintf("Mode: %s, assist level %.0f %%\n\n", mode, p.Assist.Value) +
		"Check that the glove fits well and the patient is comfortable and ready. " +
		"The red E-STOP button (or the Esc key) stops it at once."
}

func (p *GlovePanel) onArmTapped() {
	pt := p.patient()
	if p.busy != "" || p.ArmConfirm != nil {
		return
	}
	if pt == nil {
		p.setMessage("Select the patient who wears the glove first.", widget.DangerImportance)
		return
	}
	patient := *pt
	p.ArmConfirm = p.confirm("Arm the glove for "+patient.Code+"?", p.armText(patient), "Arm the glove", widget.SuccessImportance,
		func(ok bool) {
			p.ArmConfirm = nil
			if ok {
				p.arm(patient)
			}
		})
}

// arm arms the glove for pt, after the confirmation.
func (p *GlovePanel) arm(pt storage.Patient) {
	if cur := p.patient(); cur == nil || cur.ID != pt.ID {
		p.setMessage("The selected patient changed: the glove was not armed.", widget.DangerImportance)
		return
	}
	p.busy = "arm"
	p.setMessage("Arming…", widget.MediumImportance)
	p.log.Info("glove arm", "patient", pt.Code)
	p.run.do(func() func() {
		ctx, cancel := p.call()
		defer cancel()
		err := p.svc.Arm(ctx, pt.ID)
		st := p.svc.Status()
		return func() {
			p.busy = ""
			if err != nil {
				p.log.Error("glove arm", "err", err)
				p.setMessage(userMessage("The glove was not armed", err), widget.DangerImportance)
			} else {
				p.setMessage("", widget.MediumImportance)
			}
			p.setStatus(st)
			if err == nil && st.State == service.GloveArmed {
				p.armedFor = pt.Code
				p.update()
			}
		}
	})
}

func (p *GlovePanel) onDisarmTapped() {
	if p.busy != "" {
		return
	}
	p.busy = "disarm"
	p.update()
	p.run.do(func() func() {
		err := p.svc.Disarm()
		st := p.svc.Status()
		return func() {
			p.busy = ""
			if err != nil {
				p.log.Error("glove disarm", "err", err)
				p.setMessage(userMessage("Could not disarm: press E-STOP", err), widget.DangerImportance)
			} else {
				p.setMessage("", widget.MediumImportance)
			}
			p.setStatus(st)
		}
	})
}

func (p *GlovePanel) onClearTapped() {
	if p.busy != "" {
		return
	}
	p.busy = "clear"
	p.update()
	p.run.do(func() func() {
		err := p.svc.ClearEStop()
		st := p.svc.Status()
		return func() {
			p.busy = ""
			if err != nil {
				p.log.Error("glove clear", "err", err)
				p.setMessage(userMessage("The stop could not be released", err), widget.DangerImportance)
			} else {
				p.setMessage("Released. The glove stays still until the next ARM.", widget.MediumImportance)
			}
			p.setStatus(st)
		}
	})
}

// onModeChanged sends the chosen mode and assist level.
func (p *GlovePanel) onModeChanged() {
	if p.syncing {
		return
	}
	mode := modeValue(p.Mode.Selected)
	if mode == "" || !gloveLive(p.status.State) {
		return
	}
	level := int(math.Round(p.Assist.Value))
	p.modePending = true
	p.run.do(func() func() {
		err := p.svc.SetMode(mode, level)
		st := p.svc.Status()
		return func() {
			p.modePending = false
			if err != nil {
				p.log.Error("glove mode", "mode", mode, "level", level, "err", err)
				p.setMessage(userMessage("The mode was not changed", err), widget.DangerImportance)
			}
			p.setStatus(st)
		}
	})
}

func (p *GlovePanel) onLimitsTapped() {
	pt := p.patient()
	if pt == nil || p.Limits != nil {
		return
	}
	names := make([]string, 0, len(p.status.Fingers))
	for _, f := range p.status.Fingers {
		names = append(names, f.Name)
	}
	p.Limits = newLimitsEditor(p.shared, p.svc, *pt, slices.Clip(names),
		func(msg string) { p.setMessage(msg, widget.SuccessImportance) },
		func() { p.Limits = nil })
	p.Limits.dialog.Show()
}
