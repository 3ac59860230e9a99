package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// gestureChoices are the gestures a plan may name.
var gestureChoices = []string{"power grip", "open hand", "pinch", "wrist flexion", "wrist extension"}

// assistChoices are the glove modes of an exercise, "none" first.
var assistChoices = []string{"none", service.ModePassive, service.ModeAssist, service.ModeTriggered, service.ModeProportional}

// PlanEditor edits a patient's exercise plan: exercises added from the
// templates, their numbers edited, the result saved as the plan's next
// version. Its widgets are exported for tests.
type PlanEditor struct {
	Name      *widget.Entry
	Exercises *widget.List
	Template  *widget.Select // a template to add
	Add       *widget.Button
	Remove    *widget.Button
	// The selected exercise's fields.
	ExName, Channels, Antagonist, Low, High, Hold, Rest, Reps, Sets, Level *widget.Entry
	Kind, Gesture, Mode                                                    *widget.Select
	Locked                                                                 *widget.Check
	Message                                                                *widget.Label
	Save                                                                   *widget.Button

	shared
	svc      service.RehabService
	patient  storage.Patient
	plan     service.RehabPlan // the working copy
	selected int               // -1 none
	dialog   *dialog.CustomDialog
	saved    func(*service.RehabPlan, int)
	closed   func()
}

func newPlanEditor(sh shared, svc service.RehabService, pt storage.Patient, plan *service.RehabPlan, version int,
	saved func(*service.RehabPlan, int), closed func()) *PlanEditor {
	e := &PlanEditor{shared: sh, svc: svc, patient: pt, selected: -1, saved: saved, closed: closed}
	e.plan = service.RehabPlan{Name: plan.Name, Exercises: append([]service.RehabExercise(nil), plan.Exercises...)}
	e.Name = widget.NewEntry()
	e.Name.SetText(plan.Name)
	e.Exercises = widget.NewList(func() int { return len(e.plan.Exercises) },
		func() fyne.CanvasObject { return widget.NewLabel("exercise name here") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(e.plan.Exercises[i].Name) })
	e.Exercises.OnSelected = func(i widget.ListItemID) { e.commit(); e.load(i) }
	var names []string
	for _, t := range svc.Templates() {
		names = append(names, t.Template)
	}
	e.Template = widget.NewSelect(names, nil)
	e.Template.PlaceHolder = "template…"
	e.Add = widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), e.onAdd)
	e.Remove = widget.NewButtonWithIcon("Remove", theme.ContentRemoveIcon(), e.onRemove)
	entry := func() *widget.Entry { return widget.NewEntry() }
	e.ExName, e.Channels, e.Antagonist = entry(), entry(), entry()
	e.Low, e.High, e.Hold, e.Rest, e.Reps, e.Sets, e.Level = entry(), entry(), entry(), entry(), entry(), entry(), entry()
	e.Kind = widget.NewSelect([]string{"mvc", "gesture"}, nil)
	e.Gesture = widget.NewSelect(gestureChoices, nil)
	e.Mode = widget.NewSelect(assistChoices, nil)
	e.Locked = widget.NewCheck("lock (no assist-as-needed)", nil)
	e.Message = widget.NewLabel("")
	e.Message.Wrapping = fyne.TextWrapWord
	e.Save = widget.NewButtonWithIcon(fmt.Sprintf("Save as version %d", version+1), theme.DocumentSaveIcon(), e.onSave)
	e.Save.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), e.close)

	form := widget.NewForm(
		widget.NewFormItem("Name", e.ExName),
		widget.NewFormItem("Kind", e.Kind),
		widget.NewFormItem("Muscles (channels)", e.Channels),
		widget.NewFormItem("Antagonist", e.Antagonist),
		widget.NewFormItem("Gesture", e.Gesture),
		widget.NewFormItem("Target low / high % MVC", container.NewGridWithColumns(2, e.Low, e.High)),
		widget.NewFormItem("Hold / rest (s)", container.NewGridWithColumns(2, e.Hold, e.Rest)),
		widget.NewFormItem("Reps × sets", container.NewGridWithColumns(2, e.Reps, e.Sets)),
		widget.NewFormItem("Glove assist", container.NewGridWithColumns(2, e.Mode, e.Level)),
		widget.NewFormItem("", e.Locked),
	)
	left := container.NewBorder(
		container.NewVBox(widget.NewForm(widget.NewFormItem("Plan name", e.Name)), widget.NewLabel("Exercises")),
		container.NewVBox(container.NewBorder(nil, nil, nil, e.Add, e.Template), e.Remove), nil, nil, e.Exercises)
	body := container.NewBorder(nil, container.NewVBox(e.Message, container.NewHBox(layout.NewSpacer(), cancel, e.Save)), nil, nil,
		container.NewHSplit(left, container.NewVScroll(form)))
	e.dialog = e.newDialog("Exercise plan of "+pt.Code, body)
	fill := dialogFill(e.win)
	e.dialog.Resize(fyne.NewSize(min(1100+e.estopWidth(), fill.Width), min(620, fill.Height)))
	e.dialog.Show()
	if len(e.plan.Exercises) > 0 {
		e.Exercises.Select(0)
	}
	return e
}

// load shows exercise i in the form.
func (e *PlanEditor) load(i int) {
	e.selected = i
	x := e.plan.Exercises[i]
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	e.ExName.SetText(x.Name)
	e.Kind.SetSelected(x.Kind)
	e.Channels.SetText(strings.Join(x.Channels, ", "))
	e.Antagonist.SetText(strings.Join(x.Antagonist, ", "))
	e.Gesture.SetSelected(x.Gesture)
	e.Low.SetText(num(x.TargetLowPct))
	e.High.SetText(num(x.TargetHighPct))
	e.Hold.SetText(num(x.HoldS))
	e.Rest.SetText(num(x.RestS))
	e.Reps.SetText(strconv.Itoa(x.Reps))
	e.Sets.SetText(strconv.Itoa(x.SetCount()))
	mode := x.Assist.Mode
	if mode == "" {
		mode = "none"
	}
	e.Mode.SetSelected(mode)
	e.Level.SetText(strconv.Itoa(x.Assist.Level))
	e.Locked.SetChecked(x.Assist.Locked)
}

// commit reads the form into the selected exercise; it returns a message
// for a number that does not parse ("" when all do).
func (e *PlanEditor) commit() string {
	if e.selected < 0 || e.selected >= len(e.plan.Exercises) {
		return ""
	}
	x := &e.plan.Exercises[e.selected]
	var bad []string
	f := func(w *widget.Entry, what string, dst *float64) {
		v, err := strconv.ParseFloat(strings.TrimSpace(w.Text), 64)
		if err != nil {
			bad = append(bad, what)
			return
		}
		*dst = v
	}
	n := func(w *widget.Entry, what string, dst *int) {
		v, err := strconv.Atoi(strings.TrimSpace(w.Text))
		if err != nil {
			bad = append(bad, what)
			return
		}
		*dst = v
	}
	x.Name, x.Kind, x.Gesture = strings.TrimSpace(e.ExName.Text), e.Kind.Selected, e.Gesture.Selected
	x.Channels, x.Antagonist = splitLabels(e.Channels.Text), splitLabels(e.Antagonist.Text)
	f(e.Low, "target low", &x.TargetLowPct)
	f(e.High, "target high", &x.TargetHighPct)
	f(e.Hold, "hold", &x.HoldS)
	f(e.Rest, "rest", &x.RestS)
	n(e.Reps, "reps", &x.Reps)
	n(e.Sets, "sets", &x.Sets)
	n(e.Level, "assist level", &x.Assist.Level)
	x.Assist.Mode, x.Assist.Locked = e.Mode.Selected, e.Locked.Checked
	if x.Assist.Mode == "none" {
		x.Assist.Mode = ""
	}
	if x.Kind == "gesture" {
		x.TargetLowPct, x.TargetHighPct = 0, 0
	}
	e.Exercises.RefreshItem(e.selected)
	if len(bad) > 0 {
		return fmt.Sprintf("%s of “%s”: type a number.", strings.Join(bad, ", "), x.Name)
	}
	return ""
}

func splitLabels(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

func (e *PlanEditor) onAdd() {
	for _, t := range e.svc.Templates() {
		if t.Template == e.Template.Selected {
			e.commit()
			e.plan.Exercises = append(e.plan.Exercises, t)
			e.Exercises.Refresh()
			e.Exercises.Select(len(e.plan.Exercises) - 1)
			return
		}
	}
	setLabel(e.Message, "Choose a template to add.")
}

func (e *PlanEditor) onRemove() {
	i := e.selected
	if i < 0 || i >= len(e.plan.Exercises) {
		return
	}
	e.plan.Exercises = append(e.plan.Exercises[:i], e.plan.Exercises[i+1:]...)
	e.selected = -1
	e.Exercises.UnselectAll()
	e.Exercises.Refresh()
	if len(e.plan.Exercises) > 0 {
		e.Exercises.Select(min(i, len(e.plan.Exercises)-1))
	}
}

// onSave saves the plan as the patient's next version.
func (e *PlanEditor) onSave() {
	if msg := e.commit(); msg != "" {
		setLabel(e.Message, msg)
		return
	}
	e.plan.Name = strings.TrimSpace(e.Name.Text)
	plan := e.plan
	plan.Exercises = append([]service.RehabExercise(nil), e.plan.Exercises...)
	id := e.patient.ID
	enable(e.Save, false)
	e.run.do(func() func() {
		ctx, cancel := e.call()
		defer cancel()
		v, err := e.svc.SavePlan(ctx, id, &plan)
		return func() {
			enable(e.Save, true)
			if err != nil {
				setLabel(e.Message, "Not saved: "+err.Error())
				return
			}
			e.saved(&plan, v)
			e.close()
		}
	})
}

func (e *PlanEditor) close() {
	e.dialog.Hide()
	e.closed()
}
