package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// muscleGroups are the usual Modified Ashworth muscle groups of the hand
// and arm (others can be typed).
var muscleGroups = []string{"wrist flexors", "finger flexors", "elbow flexors", "wrist extensors", "thumb adductors", "pronators"}

// OutcomeForm enters a patient's clinical outcome measures (Fugl-Meyer UE
// and wrist/hand, ARAT, grip strength, Modified Ashworth per muscle
// group), each dated, with ranges checked, and lists those recorded.
// Widgets are exported for tests.
type OutcomeForm struct {
	Measure *widget.Select      // storage.OutcomeKind titles
	Muscle  *widget.SelectEntry // Ashworth only
	Value   *widget.Entry
	Date    *widget.Entry // YYYY-MM-DD
	Notes   *widget.Entry
	Save    *widget.Button
	Delete  *widget.Button // deletes the selected entry of List
	Close   *widget.Button
	List    *widget.List
	Message *widget.Label

	shared
	svc      service.ProgressService
	patient  storage.Patient
	entries  []storage.Outcome // newest first
	selected int
	changed  func()
	closed   func()
	dialog   interface {
		Show()
		Hide()
	}
}

func newOutcomeForm(sh shared, svc service.ProgressService, pt storage.Patient, changed, closed func()) *OutcomeForm {
	f := &OutcomeForm{shared: sh, svc: svc, patient: pt, selected: -1, changed: changed, closed: closed}
	titles := make([]string, len(storage.OutcomeKinds))
	for i, k := range storage.OutcomeKinds {
		titles[i] = k.Title()
	}
	f.Muscle = widget.NewSelectEntry(muscleGroups)
	f.Muscle.SetPlaceHolder("muscle group, e.g. wrist flexors")
	f.Value = widget.NewEntry()
	f.Measure = widget.NewSelect(titles, func(string) { f.onMeasureChanged() })
	f.Date = widget.NewEntry()
	f.Date.SetText(f.now().Format("2006-01-02"))
	f.Date.SetPlaceHolder("YYYY-MM-DD")
	f.Notes = widget.NewEntry()
	f.Notes.SetPlaceHolder("optional")
	f.Save = widget.NewButtonWithIcon("Save", theme.ConfirmIcon(), f.onSaveTapped)
	f.Save.Importance = widget.HighImportance
	f.Delete = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), f.onDeleteTapped)
	f.Close = widget.NewButtonWithIcon("Close", theme.CancelIcon(), func() {
		f.dialog.Hide()
		if f.closed != nil {
			f.closed()
		}
	})
	f.Message = widget.NewLabel("")
	f.Message.Wrapping = fyne.TextWrapWord
	f.List = widget.NewList(
		func() int { return len(f.entries) },
		func() fyne.CanvasObject {
			return widget.NewLabel("2026-01-01  Modified Ashworth (0–4)  finger flexors  1+")
		},
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(outcomeLine(f.entries[id])) },
	)
	f.List.OnSelected = func(id widget.ListItemID) { f.selected = id; enable(f.Delete, true) }
	enable(f.Delete, false)
	f.Measure.SetSelected(titles[0])

	form := widget.NewForm(
		widget.NewFormItem("Measure", f.Measure),
		widget.NewFormItem("Muscle group", f.Muscle),
		widget.NewFormItem("Score", f.Value),
		widget.NewFormItem("Date", f.Date),
		widget.NewFormItem("Notes", f.Notes),
	)
	left := container.NewBorder(nil, container.NewVBox(f.Message, container.NewHBox(f.Save)), nil, nil, form)
	right := container.NewBorder(widget.NewLabelWithStyle("Recorded", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(f.Delete), nil, nil, f.List)
	content := container.NewBorder(nil, container.NewBorder(nil, nil, nil, f.Close), nil, nil, container.NewGridWithColumns(2, left, right))
	d := f.newDialog("Outcome measures of "+patientRow(pt), content)
	d.Resize(fyne.NewSize(1000+f.estopWidth(), 480))
	f.dialog = d
	f.reload()
	return f
}

// kind returns the selected measure.
func (f *OutcomeForm) kind() storage.OutcomeKind {
	for _, k := range storage.OutcomeKinds {
		if k.Title() == f.Measure.Selected {
			return k
		}
	}
	return storage.OutcomeKinds[0]
}

func (f *OutcomeForm) onMeasureChanged() {
	k := f.kind()
	enable(f.Muscle, k == storage.Ashworth)
	if k != storage.Ashworth {
		f.Muscle.SetText("")
	}
	switch k {
	case storage.Ashworth:
		f.Value.SetPlaceHolder("0, 1, 1+, 2, 3 or 4")
	case storage.GripKg:
		f.Value.SetPlaceHolder("kg, e.g. 12.5")
	default:
		f.Value.SetPlaceHolder(strings.TrimSuffix(strings.SplitN(k.Title(), "(", 2)[1], ")") + ", whole points")
	}
}

// outcomeLine is one row of the recorded list.
func outcomeLine(o storage.Outcome) string {
	s := o.TakenOn.Format("2006-01-02") + "  " + o.Kind.Title()
	if o.Muscle != "" {
		s += "  " + o.Muscle
	}
	s += "  " + storage.FormatOutcome(o.Kind, o.Value)
	if o.Notes != "" {
		s += "  (" + o.Notes + ")"
	}
	return s
}

func (f *OutcomeForm) setMessage(msg string, imp widget.Importance) {
	f.Message.Importance = imp
	f.Message.SetText(msg)
}

func (f *OutcomeForm) reload() {
	id := f.patient.ID
	f.run.do(func() func() {
		ctx, cancel := f.call()
		defer cancel()
		list, err := f.svc.Outcomes(ctx, id)
		return func() {
			if err != nil {
				f.setMessage(userMessage("Could not load the outcome measures", err), widget.DangerImportance)
				return
			}
			f.entries = f.entries[:0]
			for i := len(list) - 1; i >= 0; i-- {
				f.entries = append(f.entries, list[i])
			}
			f.selected = -1
			f.List.UnselectAll()
			f.List.Refresh()
			enable(f.Delete, false)
		}
	})
}

func (f *OutcomeForm) onSaveTapped() {
	k := f.kind()
	v, err := storage.ParseOutcome(k, f.Value.Text)
	if err != nil {
		f.setMessage(plainInvalid(err), widget.DangerImportance)
		return
	}
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(f.Date.Text), time.Local)
	if err != nil {
		f.setMessage("Write the date as YYYY-MM-DD, e.g. "+f.now().Format("2006-01-02")+".", widget.DangerImportance)
		return
	}
	if day.After(f.now()) {
		f.setMessage("The date lies in the future.", widget.DangerImportance)
		return
	}
	o := &storage.Outcome{PatientID: f.patient.ID, Kind: k, Value: v, TakenOn: day, Muscle: strings.TrimSpace(f.Muscle.Text),
		Notes: strings.TrimSpace(f.Notes.Text)}
	if err := o.Validate(); err != nil {
		f.setMessage(plainInvalid(err), widget.DangerImportance)
		return
	}
	f.run.do(func() func() {
		ctx, cancel := f.call()
		defer cancel()
		err := f.svc.AddOutcome(ctx, o)
		return func() {
			if err != nil {
				f.setMessage(userMessage("Could not save", err), widget.DangerImportance)
				return
			}
			f.setMessage(fmt.Sprintf("Saved %s %s on %s.", k.Title(), storage.FormatOutcome(k, v), day.Format("2 Jan 2006")), widget.SuccessImportance)
			f.Value.SetText("")
			f.Notes.SetText("")
			f.reload()
			if f.changed != nil {
				f.changed()
			}
		}
	})
}

// plainInvalid drops the "invalid: " prefix of a storage.ErrInvalid
// message and capitalises it for the form.
func plainInvalid(err error) string {
	msg := err.Error()
	for {
		rest, ok := strings.CutPrefix(msg, storage.ErrInvalid.Error()+": ")
		if !ok {
			break
		}
		msg = rest
	}
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

func (f *OutcomeForm) onDeleteTapped() {
	if f.selected < 0 || f.selected >= len(f.entries) {
		return
	}
	o := f.entries[f.selected]
	f.confirm("Delete the entry?", "Delete "+outcomeLine(o)+"?", "Delete", widget.DangerImportance, func(ok bool) {
		if !ok {
			return
		}
		f.run.do(func() func() {
			ctx, cancel := f.call()
			defer cancel()
			err := f.svc.DeleteOutcome(ctx, o.ID)
			return func() {
				if err != nil {
					f.setMessage(userMessage("Could not delete", err), widget.DangerImportance)
					return
				}
				f.setMessage("Deleted.", widget.MediumImportance)
				f.reload()
				if f.changed != nil {
					f.changed()
				}
			}
		})
	})
}
