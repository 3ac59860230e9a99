package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// ProgressScreen shows a patient's progress over weeks: summary, charts on
// a date axis (hover or tap a point for its value and date), the sessions
// with the therapist's notes, and the Report… and Outcome measures…
// buttons. Its widgets are exported for tests.
type ProgressScreen struct {
	// Summary (period, sessions, adherence), Plan and Trends (trends and
	// outcome measures) are one line each.
	Summary, Plan, Trends *widget.Label
	Charts                []*TimeChart
	Sessions              *widget.List
	Notes                 *widget.Entry  // notes of the selected session
	SaveNote              *widget.Button // saves Notes
	Report                *widget.Button // opens ReportForm
	Outcomes              *widget.Button // opens OutcomeForm
	Close                 *widget.Button
	Message               *widget.Label
	// ReportForm and OutcomeForm are the open forms, nil when closed.
	ReportForm  *ReportForm
	OutcomeForm *OutcomeForm

	shared
	svc      service.ProgressService
	patient  storage.Patient
	view     *service.ProgressView
	selected int
	charts   *fyne.Container
	dialog   *dialog.CustomDialog
	closed   func()
}

func newProgressScreen(sh shared, svc service.ProgressService, pt storage.Patient, closed func()) *ProgressScreen {
	s := &ProgressScreen{shared: sh, svc: svc, patient: pt, selected: -1, closed: closed}
	s.Summary = widget.NewLabel("Loading…")
	s.Summary.Wrapping = fyne.TextWrapWord
	s.Plan = widget.NewLabel("")
	s.Plan.Wrapping = fyne.TextWrapWord
	s.Trends = widget.NewLabel("")
	s.Trends.Wrapping = fyne.TextWrapWord
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Message.Hide()
	s.Report = widget.NewButtonWithIcon("Report…", theme.DocumentPrintIcon(), s.onReportTapped)
	s.Report.Importance = widget.HighImportance
	s.Outcomes = widget.NewButtonWithIcon("Outcome measures…", theme.ContentAddIcon(), s.onOutcomesTapped)
	s.Close = widget.NewButtonWithIcon("Close", theme.CancelIcon(), func() {
		s.dialog.Hide()
		if s.closed != nil {
			s.closed()
		}
	})
	s.Sessions = widget.NewList(
		func() int {
			if s.view == nil {
				return 0
			}
			return len(s.view.Sessions)
		},
		func() fyne.CanvasObject {
			return widget.NewLabel("Mon 12 Oct 2026 10:15 · calibration · INTERRUPTED · 10/10 reps")
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(sessionLine(s.view.Sessions[id]))
		},
	)
	s.Sessions.OnSelected = func(id widget.ListItemID) {
		s.selected = id
		s.Notes.SetText(s.view.Sessions[id].Notes)
		enable(s.Notes, true)
		enable(s.SaveNote, true)
	}
	s.Notes = widget.NewMultiLineEntry()
	s.Notes.SetPlaceHolder("Therapist's notes on the selected session")
	s.Notes.Wrapping = fyne.TextWrapWord
	s.Notes.SetMinRowsVisible(3)
	s.SaveNote = widget.NewButtonWithIcon("Save notes", theme.DocumentSaveIcon(), s.onSaveNote)
	enable(s.Notes, false)
	enable(s.SaveNote, false)
	enable(s.Report, false)

	s.charts = container.NewGridWithColumns(2)
	sessions := container.NewBorder(nil, container.NewBorder(nil, nil, nil, s.SaveNote, s.Notes), nil, nil, s.Sessions)
	tabs := container.NewAppTabs(
		container.NewTabItem("Charts", container.NewVScroll(s.charts)),
		container.NewTabItem("Sessions and notes", sessions),
	)
	buttons := container.NewVBox(s.Report, s.Outcomes, s.Close)
	top := container.NewBorder(nil, nil, nil, buttons, container.NewVBox(s.Summary, s.Plan, s.Trends, s.Message))
	content := container.NewBorder(top, nil, nil, nil, tabs)
	s.dialog = s.newDialog("Progress of "+patientRow(pt), content)
	s.dialog.Resize(dialogSize(s.win, 1300, 860))
	s.Reload()
	return s
}

// dialogSize is w × h, or less on a smaller window (a dialog larger than
// its window cuts off its buttons): Resize sizes the whole dialog, title
// included, so a margin of 24 keeps it inside the window.
func dialogSize(win fyne.Window, w, h float32) fyne.Size {
	if win == nil || win.Canvas() == nil {
		return fyne.NewSize(w, h)
	}
	c := win.Canvas().Size()
	if c.Width > 100 && c.Height > 100 {
		w, h = min(w, c.Width-24), min(h, c.Height-24)
	}
	return fyne.NewSize(w, h)
}

// sessionLine is one row of the sessions list.
func sessionLine(s service.ProgressSession) string {
	parts := []string{s.Start.Format("Mon 2 Jan 2006 15:04"), s.Type}
	if s.Status != string(storage.StatusCompleted) {
		parts = append(parts, strings.ToUpper(s.Status))
	}
	if s.Reps != "" {
		parts = append(parts, s.Reps+" reps")
	}
	if s.TimeInBand != "" && s.TimeInBand != "–" {
		parts = append(parts, s.TimeInBand+" % in band")
	}
	if n := strings.TrimSpace(s.Notes); n != "" {
		if len([]rune(n)) > 60 {
			n = string([]rune(n)[:60]) + "…"
		}
		parts = append(parts, "“"+n+"”")
	}
	return strings.Join(parts, " · ")
}

// Reload computes the progress again in the background.
func (s *ProgressScreen) Reload() {
	id := s.patient.ID
	s.run.do(func() func() {
		ctx, cancel := s.call()
		defer cancel()
		v, err := s.svc.Progress(ctx, id)
		return func() {
			if err != nil {
				s.log.Error("progress", "patient", id, "err", err)
				s.setMessage(userMessage("Could not compute the progress", err))
				return
			}
			s.setMessage("")
			s.setView(v)
		}
	})
}

func (s *ProgressScreen) setMessage(msg string) {
	s.Message.Importance = widget.DangerImportance
	s.Message.SetText(msg)
	if msg == "" {
		s.Message.Hide()
	} else {
		s.Message.Show()
	}
}

// View returns the progress shown (nil while loading).
func (s *ProgressScreen) View() *service.ProgressView { return s.view }

func (s *ProgressScreen) setView(v *service.ProgressView) {
	s.view = v
	if len(v.Sessions) == 0 && v.From.IsZero() {
		s.Summary.SetText("No sessions or outcome measures yet.")
	} else {
		var plan, sum, trends []string
		for _, l := range v.Summary {
			switch {
			case strings.HasPrefix(l, "Plan: "):
				plan = append(plan, l)
			case strings.HasPrefix(l, "Sessions: "), strings.HasPrefix(l, "Adherence: "):
				sum = append(sum, l)
			default:
				trends = append(trends, l)
			}
		}
		s.Summary.SetText(fmt.Sprintf("%s to %s.  ", v.From.Format("2 Jan 2006"), v.To.Format("2 Jan 2006")) + strings.Join(sum, ".  "))
		s.Plan.SetText(strings.Join(plan, ".  "))
		s.Trends.SetText(strings.Join(trends, ".  "))
	}
	s.charts.RemoveAll()
	s.Charts = nil
	for _, c := range v.Charts {
		if !chartHasData(c) {
			continue
		}
		tc := NewTimeChart(c, v.From, v.To)
		s.Charts = append(s.Charts, tc)
		s.charts.Add(tc)
	}
	s.charts.Refresh()
	s.selected = -1
	s.Sessions.UnselectAll()
	s.Sessions.Refresh()
	enable(s.Report, !v.From.IsZero())
}

func chartHasData(c service.ProgressChart) bool {
	for _, sr := range c.Series {
		for _, p := range sr.Points {
			if p.Value == p.Value { // not NaN
				return true
			}
		}
	}
	return false
}

func (s *ProgressScreen) onSaveNote() {
	if s.view == nil || s.selected < 0 || s.selected >= len(s.view.Sessions) {
		return
	}
	id, text := s.view.Sessions[s.selected].ID, s.Notes.Text
	row := s.selected
	s.run.do(func() func() {
		ctx, cancel := s.call()
		defer cancel()
		err := s.svc.SetSessionNotes(ctx, id, text)
		return func() {
			if err != nil {
				s.setMessage(userMessage("Could not save the notes", err))
				return
			}
			s.setMessage("")
			if row < len(s.view.Sessions) && s.view.Sessions[row].ID == id {
				s.view.Sessions[row].Notes = text
				s.Sessions.RefreshItem(row)
			}
		}
	})
}

func (s *ProgressScreen) onReportTapped() {
	if s.view == nil || s.ReportForm != nil {
		return
	}
	s.ReportForm = newReportForm(s.shared, s.svc, s.patient, s.view.ReportName, func() { s.ReportForm = nil })
	s.ReportForm.dialog.Show()
}

func (s *ProgressScreen) onOutcomesTapped() {
	if s.OutcomeForm != nil {
		return
	}
	s.OutcomeForm = newOutcomeForm(s.shared, s.svc, s.patient, s.Reload, func() { s.OutcomeForm = nil })
	s.OutcomeForm.dialog.Show()
}

// poll shows the progress of a report being written; called every frame.
func (s *ProgressScreen) poll() {
	if s.ReportForm != nil {
		s.ReportForm.poll()
	}
}

// ReportForm writes the patient's PDF report: the file (a default name is
// proposed), de-identified or not, a progress bar.
type ReportForm struct {
	Deidentify *widget.Check
	transfer
	svc     service.ProgressService
	patient storage.Patient
	name    string
}

func newReportForm(sh shared, svc service.ProgressService, pt storage.Patient, name string, closed func()) *ReportForm {
	f := &ReportForm{svc: svc, patient: pt, name: name}
	f.init(sh, nil, "Write report", f.onStartTapped, closed)
	f.Deidentify = widget.NewCheck("De-identified (patient code only: no name, birth date, diagnosis or notes)", func(on bool) {
		f.syncName(on)
	})
	f.Path.SetText(filepath.Join(exportFolder(), name))
	f.Browse = widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), f.onBrowseTapped)
	form := widget.NewForm(
		widget.NewFormItem("Patient", widget.NewLabel(patientRow(pt))),
		widget.NewFormItem("", f.Deidentify),
		widget.NewFormItem("File", container.NewBorder(nil, nil, nil, f.Browse, f.Path)),
	)
	content := container.NewVBox(form, f.Progress, f.Message, container.NewGridWithColumns(2, f.Cancel, f.Start))
	f.dialog = f.newDialog("Progress report (PDF)", content)
	f.dialog.Resize(fyne.NewSize(760+f.estopWidth(), 0))
	return f
}

// syncName adds or removes "_deid" before ".pdf" in a proposed name.
func (f *ReportForm) syncName(deid bool) {
	p := f.Path.Text
	base := strings.TrimSuffix(strings.TrimSuffix(p, ".pdf"), "_deid")
	if deid {
		f.Path.SetText(base + "_deid.pdf")
	} else {
		f.Path.SetText(base + ".pdf")
	}
}

func (f *ReportForm) onBrowseTapped() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		_ = w.Close()
		f.Path.SetText(path)
	}, f.win)
	d.SetFileName(filepath.Base(f.Path.Text))
	d.Show()
}

func (f *ReportForm) onStartTapped() {
	if f.running {
		return
	}
	f.writeTo("pdf", "report", f.start)
}

func (f *ReportForm) start(path string) {
	deid, id := f.Deidentify.Checked, f.patient.ID
	f.done.set(0)
	f.Progress.SetValue(0)
	f.setRunning(true)
	f.setMessage("Writing the report…", widget.MediumImportance)
	ctx, cancel := context.WithCancel(f.ctx())
	f.cancel = cancel
	f.log.Info("report", "patient", id, "path", path, "deidentify", deid)
	f.run.do(func() func() {
		defer cancel()
		pages, err := f.svc.WriteReport(ctx, id, path, deid, f.done.set)
		return func() {
			f.setRunning(false)
			if err != nil {
				f.log.Error("report", "patient", id, "err", err)
				f.setMessage(userMessage("Could not write the report", err), widget.DangerImportance)
				return
			}
			f.Progress.SetValue(1)
			f.setMessage(fmt.Sprintf("Wrote the report (%d pages) to %s.", pages, path), widget.SuccessImportance)
		}
	})
}
