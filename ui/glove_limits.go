package ui

import (
	"fmt"
	"math"
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

// Units of the limits editor: the service stores per mille of the range,
// centinewtons and per mille per second; the therapist reads per cent,
// newtons and per cent per second.
const (
	permillePerPercent = 10
	centinewtonPerN    = 100
)

// limitsHelp explains the limits editor's columns.
const limitsHelp = "The glove keeps each finger between “most open” and “most closed”, in % of the finger's travel " +
	"(0 % = fully open, 100 % = fully closed). Force in newtons (1 N is about the weight of 100 g); " +
	"speed in % of the travel per second. New limits apply from the next ARM."

// LimitRow is one finger's row of the limits editor.
type LimitRow struct {
	Name                   string
	Min, Max, Force, Speed *widget.Entry
}

// LimitsEditor edits one patient's glove limits: range of motion, maximum
// force and maximum speed per finger. Its widgets are exported so tests
// can drive them; touch them on the Fyne goroutine only.
type LimitsEditor struct {
	Rows    []*LimitRow // thumb first; empty until the limits are loaded
	Save    *widget.Button
	Cancel  *widget.Button
	Message *widget.Label

	shared
	svc     service.GloveService
	patient storage.Patient
	names   []string
	loaded  bool
	saving  bool
	grid    *fyne.Container
	dialog  *dialog.CustomDialog
	saved   func(msg string)
	closed  func()
}

func newLimitsEditor(sh shared, svc service.GloveService, pt storage.Patient, names []string, saved func(string), closed func()) *LimitsEditor {
	e := &LimitsEditor{shared: sh, svc: svc, patient: pt, names: names, saved: saved, closed: closed}
	e.Save = widget.NewButtonWithIcon("Save limits", theme.DocumentSaveIcon(), e.onSaveTapped)
	e.Save.Importance = widget.HighImportance
	e.Save.Disable()
	e.Cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), e.close)
	e.Message = widget.NewLabel("Loading the limits of " + pt.Code + "…")
	e.Message.Wrapping = fyne.TextWrapWord
	help := widget.NewLabel(limitsHelp)
	help.Wrapping = fyne.TextWrapWord
	e.grid = container.NewVBox()
	content := container.NewVBox(
		widget.NewLabelWithStyle("Patient: "+patientRow(pt), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), help,
		e.grid, e.Message, container.NewHBox(layout.NewSpacer(), e.Cancel, e.Save))
	e.dialog = e.newDialog("Glove limits — "+pt.Code, content)
	e.dialog.Resize(fyne.NewSize(820+e.estopWidth(), 0))
	e.load()
	return e
}

// load reads the patient's limits in the background.
func (e *LimitsEditor) load() {
	id := e.patient.ID
	e.run.do(func() func() {
		ctx, cancel := e.call()
		defer cancel()
		l, err := e.svc.Limits(ctx, id)
		return func() {
			if err != nil {
				e.log.Error("glove limits", "patient", e.patient.Code, "err", err)
				e.setMessage(userMessage("Could not load the limits", err), widget.DangerImportance)
				return
			}
			e.fill(l)
			e.setMessage("", widget.MediumImportance)
		}
	})
}

// fill shows limits l, one row per finger.
func (e *LimitsEditor) fill(l []service.FingerLimit) {
	e.Rows = nil
	e.grid.Objects = nil
	bold := fyne.TextStyle{Bold: true}
	head := container.NewGridWithColumns(4)
	for _, h := range []string{"Most open (%)", "Most closed (%)", "Max force (N)", "Max speed (%/s)"} {
		head.Add(widget.NewLabelWithStyle(h, fyne.TextAlignLeading, bold))
	}
	row := func(name string, cells fyne.CanvasObject) fyne.CanvasObject {
		lb := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, bold)
		return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(90, lb.MinSize().Height), lb), nil, cells)
	}
	e.grid.Add(row("Finger", head))
	for i, f := range l {
		r := &LimitRow{Name: fingerName(e.names, i)}
		r.Min = numberEntry(formatDecimals(f.MinPosition/permillePerPercent, 1))
		r.Max = numberEntry(formatDecimals(f.MaxPosition/permillePerPercent, 1))
		r.Force = numberEntry(formatDecimals(f.MaxForce/centinewtonPerN, 2))
		r.Speed = numberEntry(formatDecimals(f.MaxSpeed/permillePerPercent, 1))
		e.Rows = append(e.Rows, r)
		e.grid.Add(row(r.Name, container.NewGridWithColumns(4, r.Min, r.Max, r.Force, r.Speed)))
	}
	e.grid.Refresh()
	// The rows arrived after the dialog took its size: let it grow to them.
	e.dialog.Resize(fyne.NewSize(820+e.estopWidth(), 0))
	e.loaded = true
	enable(e.Save, len(e.Rows) > 0)
}

func numberEntry(text string) *widget.Entry {
	en := widget.NewEntry()
	en.SetText(text)
	return en
}

// formatNumber formats v with at most dec decimals and no trailing zeros.
func formatDecimals(v float64, dec int) string {
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// parseNumber reads a number typed by a therapist ("1,5" or "1.5").
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// limitsProblem reads the editor's rows into the service's units and
// checks them: every field a number, 0 ≤ open < close ≤ 100 %, force and
// speed above zero. It returns the limits, or a sentence naming the
// finger and field to fix.
func limitsProblem(rows []*LimitRow) ([]service.FingerLimit, string) {
	out := make([]service.FingerLimit, len(rows))
	for i, r := range rows {
		var v [4]float64
		for j, f := range []struct {
			what string
			en   *widget.Entry
		}{{"most open", r.Min}, {"most closed", r.Max}, {"max force", r.Force}, {"max speed", r.Speed}} {
			x, ok := parseNumber(f.en.Text)
			if !ok {
				if strings.TrimSpace(f.en.Text) == "" {
					return nil, fmt.Sprintf("%s, %s: this field is empty: type a number.", r.Name, f.what)
				}
				return nil, fmt.Sprintf("%s, %s: %q is not a number.", r.Name, f.what, strings.TrimSpace(f.en.Text))
			}
			v[j] = x
		}
		lo, hi, force, speed := v[0], v[1], v[2], v[3]
		switch {
		case lo < 0 || lo > 100:
			return nil, fmt.Sprintf("%s: “most open” must be between 0 and 100 %% (it is %s %%).", r.Name, formatDecimals(lo, 1))
		case hi < 0 || hi > 100:
			return nil, fmt.Sprintf("%s: “most closed” must be between 0 and 100 %% (it is %s %%).", r.Name, formatDecimals(hi, 1))
		case lo >= hi:
			return nil, fmt.Sprintf("%s: “most open” (%s %%) must be less than “most closed” (%s %%).", r.Name, formatDecimals(lo, 1), formatDecimals(hi, 1))
		case force <= 0:
			return nil, fmt.Sprintf("%s: the maximum force must be more than 0 N.", r.Name)
		case speed <= 0:
			return nil, fmt.Sprintf("%s: the maximum speed must be more than 0 %%/s.", r.Name)
		}
		out[i] = service.FingerLimit{
			MinPosition: lo * permillePerPercent, MaxPosition: hi * permillePerPercent,
			MaxForce: force * centinewtonPerN, MaxSpeed: speed * permillePerPercent,
		}
	}
	return out, ""
}

func (e *LimitsEditor) setMessage(msg string, imp widget.Importance) {
	setStyled(e.Message, msg, imp)
}

func (e *LimitsEditor) onSaveTapped() {
	if e.saving || !e.loaded {
		return
	}
	l, msg := limitsProblem(e.Rows)
	if msg != "" {
		e.setMessage(msg, widget.DangerImportance)
		return
	}
	e.saving = true
	e.Save.Disable()
	e.setMessage("Saving…", widget.MediumImportance)
	pt := e.patient
	e.run.do(func() func() {
		ctx, cancel := e.call()
		defer cancel()
		err := e.svc.SaveLimits(ctx, pt.ID, l)
		return func() {
			e.saving = false
			e.Save.Enable()
			if err != nil {
				e.log.Error("save glove limits", "patient", pt.Code, "err", err)
				e.setMessage(userMessage("The limits were not saved", err), widget.DangerImportance)
				return
			}
			e.log.Info("glove limits saved", "patient", pt.Code)
			e.close()
			if e.saved != nil {
				e.saved("Limits saved for " + pt.Code + ". They apply from the next ARM.")
			}
		}
	})
}

func (e *LimitsEditor) close() {
	e.dialog.Hide()
	if e.closed != nil {
		e.closed()
	}
}
