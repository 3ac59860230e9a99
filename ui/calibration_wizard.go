package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/storage"
	"myorehab/ui/plot"
)

// CalibrationStep is a step of the calibration wizard.
type CalibrationStep int

// The wizard's steps, in order.
const (
	StepPlacement CalibrationStep = iota // electrode placement check
	StepBaseline                         // relaxed rest
	StepMVC                              // maximum voluntary contraction per muscle group
	StepGestures                         // the prompted gestures (also a redo)
	StepTraining                         // training and cross-validated results
	StepSave                             // save as a new model version
	StepTry                              // live decisions with the saved model
	numCalibrationSteps
)

// String returns the step's title, e.g. "Electrode placement".
func (s CalibrationStep) String() string {
	switch s {
	case StepPlacement:
		return "Electrode placement"
	case StepBaseline:
		return "Rest baseline"
	case StepMVC:
		return "Maximum contraction"
	case StepGestures:
		return "Gestures"
	case StepTraining:
		return "Training and results"
	case StepSave:
		return "Save the model"
	case StepTry:
		return "Try it"
	}
	return "Unknown step"
}

// Limits of the gesture settings of the wizard.
const (
	maxReps      = 10
	minHoldS     = 0.2 // seconds
	maxHoldS     = 60
	maxRestS     = 60
	weakRecall   = 0.8 // a gesture recognised less often than this is "weak"
	bigTextSize  = 56  // points: the gesture prompt and the live decision
	countTextSz  = 40  // points: the countdown
	minGestures  = 2
	gestureRest  = "rest"
	noDecisionUI = "—"
)

// gestureHints are the instructions shown under the prompted gesture.
var gestureHints = map[string]string{
	"rest":            "Relax the hand completely, arm resting on the table.",
	"power grip":      "Make a fist and squeeze firmly.",
	"open hand":       "Open the hand and spread the fingers wide.",
	"pinch":           "Press the tips of the thumb and index finger together.",
	"wrist flexion":   "Bend the wrist down, palm towards the forearm.",
	"wrist extension": "Bend the wrist up, back of the hand towards the forearm.",
}

// CalibrationWizard guides the therapist through a calibration: electrode
// placement check, rest baseline, maximum voluntary contractions, the
// prompted gestures, training with cross-validated results (and "redo this
// gesture"), saving a new model version, and trying it live. It opens as a
// large dialog. Its widgets are exported so tests can drive them; touch
// them on the Fyne goroutine only.
type CalibrationWizard struct {
	Title   *widget.Label  // "Step 1 of 7 · Electrode placement"
	Message *widget.Label  // the last error or warning; hidden when none
	Next    *widget.Button // starts or continues the current step
	Close   *widget.Button // closes the wizard (stopping any recording)

	// Electrode placement: one light and line per channel, and the
	// therapist's override of a bad signal.
	Lights   []*canvas.Circle
	Channels []*widget.Label
	Override *widget.Check

	// Baseline, MVC and gestures: the prompt, its countdown, the hold's
	// progress and the step's progress.
	Prompt      *canvas.Text
	Instruction *widget.Label
	Countdown   *canvas.Text
	Hold        *widget.ProgressBar
	Overall     *widget.ProgressBar
	// Gesture settings, shown before the gestures start.
	Gestures                 *widget.CheckGroup
	Reps, HoldSecs, RestSecs *widget.Entry
	// Quick sets one repetition of each gesture; the instruction then says
	// what to expect of it (CalibrationConfig.QuickNote).
	Quick *widget.Check

	// Training and results.
	TrainProgress *widget.ProgressBar
	Accuracy      *widget.Label
	Recall        *widget.Label
	Confusion     *ConfusionGrid
	RedoGesture   *widget.Select
	Redo          *widget.Button
	// AddRep records one more repetition of each gesture, added to those
	// recorded, and trains again.
	AddRep *widget.Button

	// Saving.
	ModelName *widget.Entry
	Saved     *widget.Label

	// Trying the model: the decided gesture, its confidence and the
	// latency readout.
	Decision   *canvas.Text
	Confidence *widget.ProgressBar
	Latency    *widget.Label

	shared
	svc     service.CalibrationService
	dev     service.DeviceService
	chans   service.ChannelSetupService // nil: every channel counts as enabled
	patient storage.Patient
	cfg     service.CalibrationConfig
	enabled []bool // channels the patient's set-up enables; nil: all

	step       CalibrationStep
	busy       bool   // a Begin, End, Train or Save call runs
	performing bool   // a Perform call runs
	done       bool   // the current recording step is complete
	started    bool   // a calibration session is recording
	trying     bool   // StartTrial succeeded
	isClosed   bool   // Close was tapped: late results are dropped
	redo       string // the gesture being redone, "" when none
	adding     bool   // a repetition of each gesture is being added
	cancel     context.CancelFunc
	trainDone  atomic.Uint64 // float64 bits of the training progress
	result     *service.CalibrationResult
	saved      *service.SavedModel
	lastSeq    uint64
	qualityKey string // quality shown, to skip unchanged updates
	progress   service.CalibrationProgress

	lightsBox    *fyne.Container
	placementBox *fyne.Container // the placement view
	promptBox    *fyne.Container // the view of the recording steps
	trainBox     *fyne.Container // the results view
	buttons      *fyne.Container
	settings     fyne.CanvasObject
	views        [numCalibrationSteps]fyne.CanvasObject
	stack        *fyne.Container
	root         fyne.CanvasObject
	dialog       *dialog.CustomDialog
	onSaved      func(*service.SavedModel)
	closed       func()
}

func newCalibrationWizard(sh shared, svc service.CalibrationService, dev service.DeviceService, chans service.ChannelSetupService, pt storage.Patient, onSaved func(*service.SavedModel), closed func()) *CalibrationWizard {
	w := &CalibrationWizard{shared: sh, svc: svc, dev: dev, chans: chans, patient: pt, cfg: svc.Defaults(), onSaved: onSaved, closed: closed}
	w.Title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.Message = widget.NewLabel("")
	w.Message.Importance = widget.DangerImportance
	w.Message.Wrapping = fyne.TextWrapWord
	w.Message.Hide()
	w.Next = widget.NewButtonWithIcon("Start calibration", theme.NavigateNextIcon(), w.onNextTapped)
	w.Next.Importance = widget.HighImportance
	w.Close = widget.NewButtonWithIcon("Close", theme.CancelIcon(), w.close)

	// Electrode placement.
	w.Override = widget.NewCheck("Continue despite a bad signal (not recommended: the model learns from it)", func(bool) { w.update() })
	w.lightsBox = container.NewVBox()
	w.placementBox = container.NewVBox(
		widget.NewLabel("Check every electrode: each enabled channel must not be red. Press the electrodes on, clean the skin or replace the gel if needed."),
		w.lightsBox, w.Override)
	placement := w.placementBox

	// Prompts.
	w.Prompt = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	w.Prompt.TextSize = bigTextSize
	w.Prompt.TextStyle.Bold = true
	w.Prompt.Alignment = fyne.TextAlignCenter
	w.Instruction = widget.NewLabel("")
	w.Instruction.Alignment = fyne.TextAlignCenter
	w.Instruction.Wrapping = fyne.TextWrapWord
	w.Countdown = canvas.NewText("", theme.Color(theme.ColorNamePrimary))
	w.Countdown.TextSize = countTextSz
	w.Countdown.Alignment = fyne.TextAlignCenter
	w.Hold = widget.NewProgressBar()
	w.Hold.TextFormatter = func() string { return "" }
	w.Overall = widget.NewProgressBar()
	w.Gestures = widget.NewCheckGroup(w.cfg.Gestures, func([]string) { w.update() })
	w.Gestures.SetSelected(slices.Clone(w.cfg.Selected))
	w.Reps = widget.NewEntry()
	w.Reps.SetText(strconv.Itoa(w.cfg.Reps))
	w.HoldSecs = widget.NewEntry()
	w.HoldSecs.SetText(formatSecs(w.cfg.Hold))
	w.RestSecs = widget.NewEntry()
	w.RestSecs.SetText(formatSecs(w.cfg.Rest))
	w.Quick = widget.NewCheck("Quick calibration (one repetition)", w.onQuickChanged)
	setVisible(w.Quick, w.cfg.QuickNote != "", nil)
	w.settings = container.NewGridWithColumns(2,
		container.NewVBox(widget.NewForm(
			widget.NewFormItem("Repetitions", w.Reps),
			widget.NewFormItem("Hold (s)", w.HoldSecs),
			widget.NewFormItem("Rest (s)", w.RestSecs),
		), w.Quick),
		container.NewBorder(nil, nil, widget.NewLabelWithStyle("Gestures", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, w.Gestures),
	)
	w.promptBox = container.NewVBox(w.settings, layout.NewSpacer(), w.Prompt, w.Instruction, w.Countdown, w.Hold,
		widget.NewLabel("Step progress"), w.Overall)
	prompt := w.promptBox

	// Training.
	w.TrainProgress = widget.NewProgressBar()
	w.Accuracy = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.Accuracy.Wrapping = fyne.TextWrapWord
	w.Recall = widget.NewLabel("")
	w.Recall.Wrapping = fyne.TextWrapWord
	w.Confusion = NewConfusionGrid()
	w.RedoGesture = widget.NewSelect(nil, func(string) { w.update() })
	w.RedoGesture.PlaceHolder = "Choose a gesture"
	w.Redo = widget.NewButtonWithIcon("Redo this gesture", theme.ViewRefreshIcon(), w.onRedoTapped)
	w.AddRep = widget.NewButtonWithIcon("Add a repetition of each gesture", theme.ContentAddIcon(), w.onAddRepTapped)
	w.trainBox = container.NewVBox(w.TrainProgress, w.Accuracy,
		container.NewBorder(nil, nil, widget.NewLabel("Weak gesture?"), w.Redo, w.RedoGesture),
		container.NewHBox(w.AddRep),
		container.NewGridWithColumns(2, w.Recall, w.Confusion))
	training := container.NewVScroll(w.trainBox)

	// Saving.
	w.ModelName = widget.NewEntry()
	w.ModelName.SetText("Calibration " + w.now().Format("2006-01-02 15:04"))
	w.Saved = widget.NewLabel("")
	w.Saved.Wrapping = fyne.TextWrapWord
	save := container.NewVBox(
		widget.NewLabel("The model is saved as a new version for "+pt.Code+", with everything needed to rebuild its front end. Earlier versions are kept."),
		widget.NewForm(widget.NewFormItem("Name", w.ModelName)), w.Saved)

	// Trying.
	w.Decision = canvas.NewText(noDecisionUI, theme.Color(theme.ColorNameForeground))
	w.Decision.TextSize = bigTextSize
	w.Decision.TextStyle.Bold = true
	w.Decision.Alignment = fyne.TextAlignCenter
	w.Confidence = widget.NewProgressBar()
	w.Latency = widget.NewLabel("")
	w.Latency.Alignment = fyne.TextAlignCenter
	try := container.NewVBox(widget.NewLabel("Ask the patient to perform each gesture: the model's decision is shown live."),
		layout.NewSpacer(), w.Decision, widget.NewLabel("Confidence"), w.Confidence, w.Latency)

	w.views = [numCalibrationSteps]fyne.CanvasObject{placement, prompt, prompt, prompt, training, save, try}
	w.stack = container.NewStack(placement, prompt, training, save, try)
	w.buttons = container.NewHBox(layout.NewSpacer(), w.Close, w.Next)
	w.root = container.NewBorder(container.NewVBox(w.Title, w.Message, widget.NewSeparator()), w.buttons, nil, nil, w.stack)
	w.dialog = w.newDialog("Calibrate "+pt.Code, w.root)
	w.dialog.Resize(fyne.NewSize(900+w.estopWidth(), 660))
	w.loadSetup()
	w.show(StepPlacement)
	return w
}

// CurrentStep returns the step shown.
func (w *CalibrationWizard) CurrentStep() CalibrationStep { return w.step }

// Result returns the last training result, nil before the first.
func (w *CalibrationWizard) Result() *service.CalibrationResult { return w.result }

// SavedModel returns the model saved by the wizard, nil before Save.
func (w *CalibrationWizard) SavedModel() *service.SavedModel { return w.saved }

// Busy reports whether a service call of the wizard is running.
func (w *CalibrationWizard) Busy() bool { return w.busy || w.performing }

// loadSetup loads the patient's channel set-up (which channels are
// enabled), in the background.
func (w *CalibrationWizard) loadSetup() {
	if w.chans == nil {
		return
	}
	w.run.do(func() func() {
		ctx, cancel := w.call()
		defer cancel()
		s, err := w.chans.LoadSetup(ctx, w.patient.ID)
		return func() {
			if err != nil {
				w.log.Warn("calibration: channel set-up", "err", err)
				return
			}
			w.enabled = nil
			if len(s.Channels) > 0 {
				w.enabled = make([]bool, len(s.Channels))
				for i, c := range s.Channels {
					w.enabled[i] = c.Enabled
				}
			}
			w.qualityKey = ""
			w.poll()
		}
	})
}

// show switches to step s.
func (w *CalibrationWizard) show(s CalibrationStep) {
	w.step, w.done = s, false
	for _, v := range w.stack.Objects {
		v.Hide()
	}
	w.views[s].Show()
	w.showSettings(s == StepGestures && w.redo == "" && !w.adding)
	w.clearPrompt()
	w.stack.Refresh()
	w.update()
}

// showSettings shows the gesture settings instead of the prompt (they do
// not fit together).
func (w *CalibrationWizard) showSettings(on bool) {
	setVisible(w.settings, on, nil)
	for _, o := range []fyne.CanvasObject{w.Prompt, w.Countdown, w.Hold} {
		setVisible(o, !on, nil)
	}
	w.promptBox.Refresh()
}

// setMessage shows msg (hidden when empty).
func (w *CalibrationWizard) setMessage(msg string) {
	setLabel(w.Message, msg)
	setVisible(w.Message, msg != "", w.root)
}

// fail shows err as the message of action and logs it.
func (w *CalibrationWizard) fail(action string, err error) {
	w.log.Error("calibration: "+action, "err", err)
	w.setMessage(userMessage(action, err))
}

// poll brings the live parts up to date: channel quality, the prompt being
// performed, training progress and the live decision. MainScreen calls it
// every frame.
func (w *CalibrationWizard) poll() {
	switch {
	case w.step == StepPlacement:
		w.showQuality(w.dev.Snapshot())
	case w.performing:
		w.showProgress(w.svc.Progress())
	case w.step == StepTraining && w.busy:
		w.TrainProgress.SetValue(math.Float64frombits(w.trainDone.Load()))
	case w.step == StepTry && w.trying:
		if d, ok := w.svc.Decision(); ok && d.Seq != w.lastSeq {
			w.lastSeq = d.Seq
			w.showDecision(d)
		}
	}
	w.update()
}

// streaming reports whether the device streams.
func (w *CalibrationWizard) streaming() bool { return w.dev.Status().State == service.Streaming }

// channelOn reports whether channel c is enabled in the patient's set-up.
func (w *CalibrationWizard) channelOn(c int) bool {
	return w.enabled == nil || c >= len(w.enabled) || w.enabled[c]
}

// qualityOK reports whether every enabled channel's signal is assessed
// and not bad, and the first problem when not.
func (w *CalibrationWizard) qualityOK() (bool, string) {
	snap := w.dev.Snapshot()
	if snap == nil || len(snap.Quality) == 0 {
		return false, "Waiting for the signal quality…"
	}
	for c, q := range snap.Quality {
		if !w.channelOn(c) {
			continue
		}
		switch q.Level {
		case pipeline.QualityBad:
			return false, channelName(snap.Info.Labels, c) + ": " + plot.QualityText(q)
		case pipeline.QualityUnknown:
			return false, "Checking " + channelName(snap.Info.Labels, c) + "…"
		}
	}
	return true, ""
}

// showQuality shows the per-channel lights of snap.
func (w *CalibrationWizard) showQuality(snap *pipeline.Snapshot) {
	var b strings.Builder
	if snap != nil {
		for _, q := range snap.Quality {
			fmt.Fprintf(&b, "%d%s|", q.Level, q.Reason)
		}
		fmt.Fprintf(&b, "%v", w.enabled)
	}
	key := b.String()
	if key == w.qualityKey {
		return
	}
	w.qualityKey = key
	var qs []pipeline.ChannelQuality
	var labels []string
	if snap != nil {
		qs, labels = snap.Quality, snap.Info.Labels
	}
	if len(w.Lights) != len(qs) {
		w.lightsBox.RemoveAll()
		w.Lights, w.Channels = nil, nil
		for range qs {
			l := canvas.NewCircle(color.Transparent)
			t := widget.NewLabel("")
			w.Lights = append(w.Lights, l)
			w.Channels = append(w.Channels, t)
			w.lightsBox.Add(container.NewBorder(nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSize(22, 22), l)), nil, t))
		}
		if len(qs) == 0 {
			w.lightsBox.Add(widget.NewLabel("No signal quality yet: connect the device and wait a second."))
		}
		w.lightsBox.Refresh()
		w.placementBox.Refresh()
	}
	for c, q := range qs {
		name := channelName(labels, c)
		text := name + ": " + qualityWord(q)
		if !w.channelOn(c) {
			text = name + ": disabled in the channel set-up"
		}
		w.Lights[c].FillColor = plot.QualityColor(q.Level)
		w.Lights[c].Refresh()
		setLabel(w.Channels[c], text)
	}
}

// qualityWord is a channel's verdict in words.
func qualityWord(q pipeline.ChannelQuality) string {
	switch q.Level {
	case pipeline.QualityGood:
		return "good"
	case pipeline.QualityWarn:
		return "usable — " + plot.QualityText(q)
	case pipeline.QualityBad:
		return "BAD — " + plot.QualityText(q)
	}
	return "checking…"
}

// clearPrompt resets the prompt display to the current step's intro.
func (w *CalibrationWizard) clearPrompt() {
	intro := ""
	switch w.step {
	case StepBaseline:
		intro = fmt.Sprintf("The patient relaxes completely for %s: this measures the resting signal.", formatSecsUnit(w.cfg.Baseline))
	case StepMVC:
		var groups []string
		for _, g := range w.cfg.MVC {
			groups = append(groups, g.Name+" ("+g.Gesture+")")
		}
		intro = fmt.Sprintf("Maximum voluntary contraction: %d × %s holds as hard as possible for %s. It scales the biofeedback bars.",
			w.cfg.MVCReps, formatSecsUnit(w.cfg.MVCHold), strings.Join(groups, " and "))
	case StepGestures:
		intro = "Choose the gestures and timing, then press Start. The patient follows the prompts."
		if w.Quick.Checked {
			intro = w.cfg.QuickNote
		}
		if w.redo != "" {
			intro = "Redo " + w.redo + ": the patient performs it again; its earlier repetitions are replaced."
		}
		if w.adding {
			intro = "One more repetition of each gesture: it is added to the ones recorded and the model is trained again."
		}
	}
	w.Prompt.Text = ""
	w.Prompt.Refresh()
	w.Countdown.Text = ""
	w.Countdown.Refresh()
	setLabel(w.Instruction, intro)
	w.Hold.SetValue(0)
	w.Overall.SetValue(0)
}

// showProgress shows the prompt being performed.
func (w *CalibrationWizard) showProgress(p service.CalibrationProgress) {
	w.progress = p
	if !p.Active {
		return
	}
	big, hint := strings.ToUpper(p.Prompt.Gesture), gestureHints[p.Prompt.Gesture]
	length := p.Prompt.Hold
	switch {
	case p.Resting:
		big, hint, length = "RELAX", "Rest until the next prompt.", p.Prompt.Rest
	case p.Prompt.Kind == service.PromptBaseline:
		big, hint = "RELAX", gestureHints[gestureRest]
	case p.Prompt.Kind == service.PromptMVC:
		hint = fmt.Sprintf("As hard as you can! %s, %d of %d.", p.Prompt.Group, p.Prompt.Rep, p.Prompt.Reps)
	default:
		hint += fmt.Sprintf(" Repetition %d of %d.", p.Prompt.Rep, p.Prompt.Reps)
	}
	if w.Prompt.Text != big {
		w.Prompt.Text, w.Prompt.Color = big, theme.Color(theme.ColorNameForeground)
		w.Prompt.Refresh()
	}
	setLabel(w.Instruction, hint)
	secs := strconv.Itoa(int(math.Ceil(p.Remaining.Seconds())))
	if w.Countdown.Text != secs {
		w.Countdown.Text = secs
		w.Countdown.Refresh()
	}
	if length > 0 {
		w.Hold.SetValue(1 - min(1, float64(p.Remaining)/float64(length)))
	}
	w.Overall.SetValue(p.Done)
}

// showDecision shows a live decision.
func (w *CalibrationWizard) showDecision(d service.LiveDecision) {
	class := d.Class
	if class == "" {
		class = noDecisionUI
	}
	if w.Decision.Text != class {
		w.Decision.Text, w.Decision.Color = class, theme.Color(theme.ColorNameForeground)
		w.Decision.Refresh()
	}
	w.Confidence.SetValue(d.Confidence)
	setLabel(w.Latency, latencyText(d))
}

// latencyText is the latency readout of d.
func latencyText(d service.LiveDecision) string {
	ms := func(t time.Duration) string {
		return strconv.FormatFloat(float64(t)/float64(time.Millisecond), 'f', 2, 64)
	}
	return fmt.Sprintf("T_comp %s ms · T_trans %s ms · T_sync %s ms · T_total %s ms",
		ms(d.TComp), ms(d.TTrans), ms(d.TSync), ms(d.TComp+d.TTrans+d.TSync))
}

// update brings the title and buttons in line with the state.
func (w *CalibrationWizard) update() {
	if w.root == nil {
		return // still being built
	}
	setLabel(w.Title, fmt.Sprintf("Step %d of %d · %s", int(w.step)+1, int(numCalibrationSteps), w.step))
	text, on := "Continue", !w.busy && !w.performing
	switch w.step {
	case StepPlacement:
		text = "Start calibration"
		ok, _ := w.qualityOK()
		on = on && w.streaming() && (ok || w.Override.Checked)
		enable(w.Override, !w.busy)
	case StepBaseline, StepMVC, StepGestures:
		if !w.done {
			text = "Start"
			on = on && w.streaming()
		}
	case StepTraining:
		on = on && w.result != nil
	case StepSave:
		text = "Save model"
		if w.saved != nil {
			text = "Try it"
		}
	case StepTry:
		text = "Done"
	}
	if w.Next.Text != text {
		w.Next.SetText(text)
		w.buttons.Refresh() // the button's width follows its text
	}
	enable(w.Next, on)
	setVisible(w.Next, w.step != StepTry, nil)
	enable(w.Gestures, !w.performing)
	enable(w.RedoGesture, !w.busy && w.result != nil)
	enable(w.Redo, !w.busy && w.result != nil && w.RedoGesture.Selected != "" && w.streaming())
	enable(w.AddRep, !w.busy && w.result != nil && w.streaming())
}

// onQuickChanged sets one repetition for a quick calibration (and the
// instruction says what to expect), or the protocol's repetitions again.
func (w *CalibrationWizard) onQuickChanged(on bool) {
	if on {
		w.Reps.SetText("1")
		w.Reps.Disable()
	} else {
		w.Reps.SetText(strconv.Itoa(w.cfg.Reps))
		w.Reps.Enable()
	}
	w.clearPrompt()
}

// onAddRepTapped records one more repetition of the trained gestures.
func (w *CalibrationWizard) onAddRepTapped() {
	if w.busy || w.performing || w.result == nil {
		return
	}
	if _, _, _, _, problem := w.gestureSettings(); problem != "" {
		w.setMessage("Add a repetition: " + problem)
		return
	}
	w.setMessage("")
	w.adding = true
	w.saved = nil // a new model needs saving again
	w.show(StepGestures)
}

func (w *CalibrationWizard) onNextTapped() {
	if w.busy || w.performing {
		return
	}
	w.setMessage("")
	switch w.step {
	case StepPlacement:
		if ok, why := w.qualityOK(); !ok {
			if !w.Override.Checked {
				w.setMessage(why)
				return
			}
			w.log.Warn("calibration started despite the signal quality", "patient", w.patient.Code, "why", why)
		}
		w.begin(false, func() { w.show(StepBaseline) })
	case StepBaseline:
		if w.done {
			w.show(StepMVC)
			return
		}
		w.perform(baselinePrompts(w.cfg), nil)
	case StepMVC:
		if w.done {
			w.show(StepGestures)
			return
		}
		w.perform(mvcPrompts(w.cfg), nil)
	case StepGestures:
		w.startGestures()
	case StepTraining:
		if w.result != nil {
			w.show(StepSave)
		}
	case StepSave:
		if w.saved != nil {
			w.show(StepTry)
			w.startTrial()
			return
		}
		w.save()
	}
}

// gestureSettings reads the gesture settings, or says what is wrong.
func (w *CalibrationWizard) gestureSettings() (gestures []string, reps int, hold, rest time.Duration, problem string) {
	for _, g := range w.cfg.Gestures { // prompt order, whatever the order ticked
		if slices.Contains(w.Gestures.Selected, g) {
			gestures = append(gestures, g)
		}
	}
	if len(gestures) < minGestures {
		return nil, 0, 0, 0, "Choose at least two gestures (e.g. rest and power grip): a model needs something to tell apart."
	}
	reps, err := strconv.Atoi(strings.TrimSpace(w.Reps.Text))
	if err != nil || reps < 1 || reps > maxReps {
		return nil, 0, 0, 0, fmt.Sprintf("Repetitions must be a whole number from 1 to %d.", maxReps)
	}
	h, ok := parseSecs(w.HoldSecs.Text)
	if !ok || h < minHoldS || h > maxHoldS {
		return nil, 0, 0, 0, fmt.Sprintf("Hold must be %g to %d seconds.", minHoldS, maxHoldS)
	}
	r, ok := parseSecs(w.RestSecs.Text)
	if !ok || r < 0 || r > maxRestS {
		return nil, 0, 0, 0, fmt.Sprintf("Rest must be 0 to %d seconds.", maxRestS)
	}
	return gestures, reps, secs(h), secs(r), ""
}

func (w *CalibrationWizard) startGestures() {
	gestures, reps, hold, rest, problem := w.gestureSettings()
	if problem != "" {
		w.setMessage(problem)
		return
	}
	if w.redo != "" {
		g := w.redo
		w.begin(true, func() {
			w.perform(gesturePrompts([]string{g}, reps, hold, rest), w.endAndTrain)
		})
		return
	}
	if w.adding {
		var trained []string
		for _, g := range w.cfg.Gestures { // prompt order
			if slices.Contains(w.result.Classes, g) {
				trained = append(trained, g)
			}
		}
		w.begin(true, func() {
			w.perform(gesturePrompts(trained, 1, hold, rest), w.endAndTrain)
		})
		return
	}
	w.showSettings(false)
	w.perform(gesturePrompts(gestures, reps, hold, rest), w.endAndTrain)
}

// begin starts a calibration session, then calls next.
func (w *CalibrationWizard) begin(redo bool, next func()) {
	w.busy = true
	w.update()
	id, adding := w.patient.ID, w.adding
	w.run.do(func() func() {
		ctx, cancel := w.call()
		defer cancel()
		var sid int64
		var err error
		if adding {
			sid, err = w.svc.AddRepetitions(ctx, id)
		} else {
			sid, err = w.svc.Begin(ctx, id, redo)
		}
		return func() {
			w.busy = false
			if err != nil {
				w.fail("Could not start the calibration", err)
				w.update()
				return
			}
			w.log.Info("calibration session started", "session", sid, "patient", w.patient.Code, "redo", redo)
			w.started = true
			next()
		}
	})
}

// perform runs prompts; then marks the step done, or calls next.
func (w *CalibrationWizard) perform(prompts []service.Prompt, next func()) {
	ctx, cancel := context.WithCancel(w.ctx())
	w.cancel = cancel
	w.performing = true
	w.update()
	w.run.do(func() func() {
		defer cancel()
		err := w.svc.Perform(ctx, prompts)
		return func() {
			w.performing, w.cancel = false, nil
			if w.isClosed {
				return
			}
			if err != nil {
				w.abort(err)
				return
			}
			w.clearPrompt()
			w.Prompt.Text = "✓"
			w.Prompt.Refresh()
			setLabel(w.Instruction, "Done. Press Continue.")
			w.Overall.SetValue(1)
			if next != nil {
				next()
				return
			}
			w.done = true
			w.update()
		}
	})
}

// abort ends the session after a failed Perform and goes back: to the
// results for a failed redo, else to the start.
func (w *CalibrationWizard) abort(err error) {
	if errors.Is(err, context.Canceled) && w.ctx().Err() == nil {
		err = errors.New("stopped")
	}
	w.fail("The calibration stopped", err)
	w.end(nil)
	if (w.redo != "" || w.adding) && w.result != nil {
		w.redo, w.adding = "", false
		w.show(StepTraining)
		return
	}
	w.redo, w.adding = "", false
	w.show(StepPlacement)
}

// end stops the calibration recording, then calls next (if not nil).
func (w *CalibrationWizard) end(next func()) {
	if !w.started {
		if next != nil {
			next()
		}
		return
	}
	w.started = false
	w.busy = true
	w.update()
	w.run.do(func() func() {
		ctx, cancel := w.call()
		defer cancel()
		err := w.svc.End(ctx)
		return func() {
			w.busy = false
			if err != nil {
				w.log.Warn("calibration: end session", "err", err)
			}
			w.update()
			if next != nil {
				next()
			}
		}
	})
}

// endAndTrain stops the recording, then trains.
func (w *CalibrationWizard) endAndTrain() {
	w.end(func() {
		w.redo, w.adding = "", false
		w.show(StepTraining)
		w.train()
	})
}

func (w *CalibrationWizard) train() {
	w.busy = true
	w.trainDone.Store(0)
	w.TrainProgress.SetValue(0)
	setLabel(w.Accuracy, "Training…")
	w.update()
	w.run.do(func() func() {
		ctx, cancel := w.call()
		defer cancel()
		res, err := w.svc.Train(ctx, func(done float64) { w.trainDone.Store(math.Float64bits(done)) })
		return func() {
			w.busy = false
			if err != nil {
				w.fail("Could not train the model", err)
				setLabel(w.Accuracy, "No model: record the gestures again.")
				if w.result == nil {
					w.show(StepGestures)
				}
				w.update()
				return
			}
			w.TrainProgress.SetValue(1)
			w.showResult(res)
			w.update()
		}
	})
}

// showResult shows a training result.
func (w *CalibrationWizard) showResult(r *service.CalibrationResult) {
	w.result = r
	acc := "Cross-validated accuracy: not measured"
	if !math.IsNaN(r.Accuracy) {
		acc = fmt.Sprintf("Cross-validated accuracy (leave one repetition out, %d folds): %s", r.Folds, formatPct(r.Accuracy))
	}
	acc += fmt.Sprintf(" · %d windows · %s", r.Windows, r.Pipeline)
	if r.Note != "" {
		acc += "\n" + r.Note
	}
	setLabel(w.Accuracy, acc)
	var b strings.Builder
	b.WriteString("Recognised per gesture:\n")
	weakest, worst := "", 2.0
	for i, c := range r.Classes {
		rc := math.NaN()
		if i < len(r.Recall) {
			rc = r.Recall[i]
		}
		mark := "✓"
		if !(rc >= weakRecall) {
			mark = "⚠"
			if math.IsNaN(rc) || rc < worst {
				weakest, worst = c, rc
			}
		}
		fmt.Fprintf(&b, "%s %s: %s\n", mark, c, formatPct(rc))
	}
	if weakest != "" {
		b.WriteString("⚠ marks a weak gesture: consider redoing it.")
	}
	setLabel(w.Recall, strings.TrimRight(b.String(), "\n"))
	w.Confusion.Set(r.Classes, r.Confusion)
	w.trainBox.Refresh()
	w.RedoGesture.SetOptions(r.Classes)
	w.RedoGesture.ClearSelected()
	if weakest != "" {
		w.RedoGesture.SetSelected(weakest)
	}
}

func (w *CalibrationWizard) onRedoTapped() {
	g := w.RedoGesture.Selected
	if w.busy || w.performing || g == "" || w.result == nil {
		return
	}
	if _, _, _, _, problem := w.gestureSettings(); problem != "" {
		w.setMessage("Redo: " + problem)
		return
	}
	w.setMessage("")
	w.redo = g
	w.saved = nil // a new model needs saving again
	w.show(StepGestures)
}

func (w *CalibrationWizard) save() {
	name := strings.TrimSpace(w.ModelName.Text)
	if name == "" {
		w.setMessage("Give the model a name.")
		return
	}
	w.busy = true
	w.update()
	w.run.do(func() func() {
		ctx, cancel := w.call()
		defer cancel()
		m, err := w.svc.Save(ctx, name)
		return func() {
			w.busy = false
			if err != nil {
				w.fail("Could not save the model", err)
				w.update()
				return
			}
			w.saved = m
			w.log.Info("model saved", "patient", w.patient.Code, "version", m.Version, "accuracy", m.Accuracy)
			setLabel(w.Saved, fmt.Sprintf("Saved as version %d of %s (%q), cross-validated accuracy %s.", m.Version, w.patient.Code, m.Name, formatPct(m.Accuracy)))
			if w.onSaved != nil {
				w.onSaved(m)
			}
			w.update()
		}
	})
}

func (w *CalibrationWizard) startTrial() {
	w.busy = true
	w.update()
	w.run.do(func() func() {
		ctx, cancel := w.call()
		defer cancel()
		err := w.svc.StartTrial(ctx)
		return func() {
			w.busy = false
			if err != nil {
				w.fail("Could not run the model", err)
				w.update()
				return
			}
			w.trying = true
			w.update()
		}
	})
}

// close stops whatever runs and closes the wizard.
func (w *CalibrationWizard) close() {
	w.isClosed = true
	if w.cancel != nil {
		w.cancel()
	}
	if w.trying {
		w.trying = false
		w.svc.StopTrial()
	}
	if w.started {
		w.started = false
		svc := w.svc
		w.run.do(func() func() {
			ctx, cancel := w.call()
			defer cancel()
			if err := svc.End(ctx); err != nil {
				w.log.Warn("calibration: end session on close", "err", err)
			}
			return nil
		})
	}
	w.dialog.Hide()
	if w.closed != nil {
		w.closed()
	}
}

// baselinePrompts returns the rest baseline of c.
func baselinePrompts(c service.CalibrationConfig) []service.Prompt {
	return []service.Prompt{{Kind: service.PromptBaseline, Gesture: gestureRest, Rep: 1, Reps: 1, Hold: c.Baseline}}
}

// mvcPrompts returns the maximum contractions of c: every group's reps in
// turn.
func mvcPrompts(c service.CalibrationConfig) []service.Prompt {
	var out []service.Prompt
	for _, g := range c.MVC {
		for r := 1; r <= c.MVCReps; r++ {
			out = append(out, service.Prompt{Kind: service.PromptMVC, Gesture: g.Gesture, Group: g.Name, Rep: r, Reps: c.MVCReps, Hold: c.MVCHold, Rest: c.MVCRest})
		}
	}
	return out
}

// gesturePrompts returns reps rounds of gestures, each round prompting
// every gesture once, so that repetitions are spread over the session.
func gesturePrompts(gestures []string, reps int, hold, rest time.Duration) []service.Prompt {
	out := make([]service.Prompt, 0, reps*len(gestures))
	for r := 1; r <= reps; r++ {
		for _, g := range gestures {
			out = append(out, service.Prompt{Kind: service.PromptGesture, Gesture: g, Rep: r, Reps: reps, Hold: hold, Rest: rest})
		}
	}
	return out
}

// parseSecs parses a number of seconds ("2.5" or "2,5").
func parseSecs(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// secs converts seconds to a Duration, rounded to the millisecond.
func secs(s float64) time.Duration { return time.Duration(math.Round(s*1000)) * time.Millisecond }

// formatSecs formats d in seconds without a unit ("2.5").
func formatSecs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// formatSecsUnit formats d in seconds with the unit ("2.5 s").
func formatSecsUnit(d time.Duration) string { return formatSecs(d) + " s" }

// formatPct formats a fraction as a percentage with one decimal, "–" for NaN.
func formatPct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	return strconv.FormatFloat(100*f, 'f', 1, 64) + " %"
}
