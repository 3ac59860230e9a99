package ui

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
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

// callTimeout bounds every database call the UI makes.
const callTimeout = 15 * time.Second

// shared is what every panel needs from the MainScreen.
type shared struct {
	win fyne.Window
	log *slog.Logger
	run *runner
	ctx func() context.Context // the MainScreen's context (Background before Start)
	now func() time.Time
	// glove is the glove's service, nil without a glove: then no E-STOP
	// is shown (withEStop, newDialog).
	glove service.GloveService
}

// call returns a context for one service call, bounded by callTimeout.
func (s *shared) call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx(), callTimeout)
}

// PatientPanel lists and searches patients, registers new ones and shows the
// sessions of the selected patient. Its widgets are exported so tests can
// drive them; touch them on the Fyne goroutine only.
type PatientPanel struct {
	Search    *widget.Entry  // filters the list by code or name
	List      *widget.List   // the patients matching Search
	AddButton *widget.Button // opens Form
	Current   *widget.Label  // the selected patient
	// Details shows the selected patient's sex, affected side and
	// diagnosis under Current.
	Details *widget.Label
	// EditButton opens Form on the selected patient; DeleteButton deletes
	// it (soft: an administrator can bring it back or purge it). Both
	// hidden without a PatientFileService.
	EditButton, DeleteButton *widget.Button
	Sessions                 *widget.Table // the selected patient's sessions with their metrics
	Message                  *widget.Label // the last error, empty when none
	// Trend charts mean RMS and MDF across the sessions, oldest to newest;
	// hidden without a HistoryService.
	Trend *plot.Chart
	// Open reviews the selected session (hidden without a ReviewService);
	// ExportButton exports it and ImportButton imports a file as a new
	// session of the patient (both hidden without a TransferService).
	Open, ExportButton, ImportButton *widget.Button
	// ProgressButton opens Progress (hidden without a ProgressService).
	ProgressButton *widget.Button
	Progress       *ProgressScreen
	// Form is the open "Add patient" form, nil when closed.
	Form *PatientForm
	// Review, Export and Import are the open review screen and transfer
	// forms, nil when closed.
	Review *ReviewScreen
	Export *ExportForm
	Import *ImportForm

	shared
	svc      service.PatientService
	rec      service.RecordingService
	hist     service.HistoryService     // nil: sessions from rec, without metrics
	review   service.ReviewService      // nil: no review
	xfer     service.TransferService    // nil: no export/import
	files    service.PatientFileService // nil: no edit/delete, views not audited
	progress service.ProgressService    // nil: no progress view
	patients []storage.Patient
	sessions []storage.Session
	metrics  []service.SessionSummary // parallel to sessions when hist != nil
	selected *storage.Patient
	session  int    // selected row of Sessions, -1 when none
	listGen  uint64 // drops list results older than the last request
	sessGen  uint64
	onSelect func(p *storage.Patient)
	content  fyne.CanvasObject
}

func newPatientPanel(sh shared, svc service.PatientService, rec service.RecordingService, d Deps) *PatientPanel {
	p := &PatientPanel{shared: sh, svc: svc, rec: rec, hist: d.History, review: d.Review, xfer: d.Transfer, files: d.PatientFiles,
		progress: d.Progress, session: -1}
	p.Search = widget.NewEntry()
	p.Search.SetPlaceHolder("Search code or name")
	p.Search.OnChanged = func(string) { p.Reload() }
	p.List = widget.NewList(
		func() int { return len(p.patients) },
		func() fyne.CanvasObject { return widget.NewLabel("P-0000 — Firstname Lastname (1960)") },
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(patientRow(p.patients[id])) },
	)
	p.List.OnSelected = p.onListSelected
	p.AddButton = widget.NewButtonWithIcon("Add patient", theme.ContentAddIcon(), p.onAddTapped)
	p.Current = widget.NewLabel("No patient selected")
	p.Current.TextStyle.Bold = true
	p.Current.Truncation = fyne.TextTruncateEllipsis
	// Always laid out (empty without a patient), in caption size, so that
	// selecting a patient never changes the panel's height.
	p.Details = widget.NewLabel("")
	p.Details.Truncation = fyne.TextTruncateEllipsis
	p.Details.SizeName = theme.SizeNameCaptionText
	p.EditButton = widget.NewButtonWithIcon("Edit…", theme.DocumentCreateIcon(), p.onEditTapped)
	p.DeleteButton = widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), p.onDeleteTapped)
	if p.files == nil {
		p.EditButton.Hide()
		p.DeleteButton.Hide()
	}
	p.Message = widget.NewLabel("")
	p.Message.Importance = widget.DangerImportance
	p.Message.Wrapping = fyne.TextWrapWord
	p.Message.Hide()

	p.Sessions = widget.NewTableWithHeaders(
		func() (int, int) { return len(p.sessions), len(historyColumns) },
		func() fyne.CanvasObject { return widget.NewLabel("2006-01-02 15:04") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(p.cells(id.Row)[id.Col])
		},
	)
	p.Sessions.OnSelected = func(id widget.TableCellID) {
		p.session = id.Row
		p.updateButtons()
	}
	p.Sessions.OnUnselected = func(widget.TableCellID) {
		p.session = -1
		p.updateButtons()
	}
	p.Sessions.ShowHeaderColumn = false
	p.Sessions.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	p.Sessions.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(historyColumns[id.Col])
		}
	}
	for i, w := range []float32{160, 105, 85, 110, 100, 95, 95} {
		p.Sessions.SetColumnWidth(i, w)
	}
	p.Trend = plot.NewChart("No session metrics yet.")
	p.Open = widget.NewButtonWithIcon("Review", theme.VisibilityIcon(), p.onOpenTapped)
	p.ExportButton = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), p.onExportTapped)
	p.ImportButton = widget.NewButtonWithIcon("Import…", theme.DownloadIcon(), p.onImportTapped)
	p.ProgressButton = widget.NewButtonWithIcon("Progress…", theme.ListIcon(), p.onProgressTapped)
	if p.progress == nil {
		p.ProgressButton.Hide()
	}
	if p.hist == nil {
		p.Trend.Hide()
	}
	if p.review == nil {
		p.Open.Hide()
	}
	if p.xfer == nil {
		p.ExportButton.Hide()
		p.ImportButton.Hide()
	}
	p.updateButtons()

	patients := container.NewBorder(
		container.NewVBox(widget.NewLabelWithStyle("Patients", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), p.Search),
		container.NewVBox(p.AddButton, p.Message), nil, nil, p.List)
	trend := container.NewGridWrap(fyne.NewSize(560, 170), p.Trend)
	if p.hist == nil {
		trend.Hide()
	}
	sessionButtons := container.NewHBox(p.Open, p.ExportButton, p.ImportButton, p.ProgressButton)
	header := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(p.EditButton, p.DeleteButton), p.Current),
		p.Details)
	sessions := container.NewBorder(header, container.NewVBox(sessionButtons, trend), nil, nil, p.Sessions)
	split := container.NewVSplit(patients, sessions)
	split.Offset = 0.4
	p.content = split
	return p
}

// Patients returns the patients in the list (do not modify).
func (p *PatientPanel) Patients() []storage.Patient { return p.patients }

// SessionList returns the sessions shown for the selected patient (do not modify).
func (p *PatientPanel) SessionList() []storage.Session { return p.sessions }

// Selected returns the selected patient, nil when none (do not modify).
func (p *PatientPanel) Selected() *storage.Patient { return p.selected }

// Select selects the listed patient with ID id and reports whether it is listed.
func (p *PatientPanel) Select(id int64) bool {
	i := slices.IndexFunc(p.patients, func(x storage.Patient) bool { return x.ID == id })
	if i < 0 {
		return false
	}
	p.List.Select(i)
	return true
}

// Reload lists the patients matching Search again, in the background.
func (p *PatientPanel) Reload() {
	p.listGen++
	gen, search := p.listGen, strings.TrimSpace(p.Search.Text)
	p.run.do(func() func() {
		ctx, cancel := p.call()
		defer cancel()
		list, err := p.svc.ListPatients(ctx, search)
		return func() {
			if gen != p.listGen {
				return // a newer search is on its way
			}
			if err != nil {
				p.log.Error("list patients", "err", err)
				p.setMessage(userMessage("Could not load the patients", err))
				return
			}
			p.setMessage("")
			p.patients = list
			p.List.UnselectAll()
			p.List.Refresh()
			if p.selected != nil {
				p.Select(p.selected.ID)
			}
		}
	})
}

// Summaries returns the sessions with their metrics shown (do not
// modify); nil without a HistoryService.
func (p *PatientPanel) Summaries() []service.SessionSummary { return p.metrics }

// SelectedSession returns the session of the selected history row, nil when none.
func (p *PatientPanel) SelectedSession() *storage.Session {
	if p.session < 0 || p.session >= len(p.sessions) {
		return nil
	}
	return &p.sessions[p.session]
}

// cells returns the history row i.
func (p *PatientPanel) cells(i int) [len(historyColumns)]string {
	if i < len(p.metrics) {
		return historyCells(p.metrics[i])
	}
	return historyCells(service.SessionSummary{Session: p.sessions[i], MeanRMSUV: math.NaN(), MeanMDFHz: math.NaN()})
}

// ReloadSessions lists the selected patient's sessions again (with their
// metrics when a HistoryService is set), in the background.
func (p *PatientPanel) ReloadSessions() {
	p.sessGen++
	if p.selected == nil {
		p.setSessions(nil, nil)
		return
	}
	gen, id := p.sessGen, p.selected.ID
	p.run.do(func() func() {
		ctx, cancel := p.call()
		defer cancel()
		var list []storage.Session
		var sums []service.SessionSummary
		var err error
		if p.hist != nil {
			sums, err = p.hist.SessionSummaries(ctx, id)
			list = make([]storage.Session, len(sums))
			for i := range sums {
				list[i] = sums[i].Session
			}
		} else {
			list, err = p.rec.ListSessions(ctx, id)
		}
		return func() {
			if gen != p.sessGen {
				return
			}
			if err != nil {
				p.log.Error("list sessions", "patient", id, "err", err)
				p.setMessage(userMessage("Could not load the sessions", err))
				return
			}
			p.setSessions(list, sums)
		}
	})
}

// setSessions shows list (with their metrics sums, or nil), keeping the
// selected row on the same session when it is still listed.
func (p *PatientPanel) setSessions(list []storage.Session, sums []service.SessionSummary) {
	var keep int64 = -1
	if s := p.SelectedSession(); s != nil {
		keep = s.ID
	}
	p.sessions, p.metrics = list, sums
	p.session = slices.IndexFunc(list, func(s storage.Session) bool { return s.ID == keep })
	if p.session < 0 {
		p.Sessions.UnselectAll()
	}
	p.Sessions.Refresh()
	if p.hist != nil {
		series, n := historySeries(sums)
		p.Trend.SetSeries(series, 0.5, float64(n)+0.5, fmt.Sprintf("%d sessions, oldest to newest", n))
	}
	p.updateButtons()
}

// updateButtons enables the session buttons for the selection.
func (p *PatientPanel) updateButtons() {
	sel := p.SelectedSession() != nil && p.SelectedSession().Status != storage.StatusRecording
	enable(p.Open, sel)
	enable(p.ExportButton, sel)
	enable(p.ImportButton, p.selected != nil)
	enable(p.ProgressButton, p.selected != nil)
	enable(p.EditButton, p.selected != nil)
	enable(p.DeleteButton, p.selected != nil)
}

func (p *PatientPanel) onOpenTapped() {
	s := p.SelectedSession()
	if s == nil || p.review == nil || p.Review != nil {
		return
	}
	var onExport func(storage.Session)
	if p.xfer != nil {
		onExport = p.openExport
	}
	p.Review = newReviewScreen(p.shared, p.review, *s, onExport, func() { p.Review = nil })
	p.Review.dialog.Show()
}

func (p *PatientPanel) onExportTapped() {
	if s := p.SelectedSession(); s != nil {
		p.openExport(*s)
	}
}

func (p *PatientPanel) openExport(s storage.Session) {
	if p.xfer == nil || p.Export != nil {
		return
	}
	if s.PatientCode == "" && p.selected != nil {
		s.PatientCode = p.selected.Code
	}
	p.Export = newExportForm(p.shared, p.xfer, s, func() { p.Export = nil })
	p.Export.dialog.Show()
}

func (p *PatientPanel) onImportTapped() {
	if p.xfer == nil || p.selected == nil || p.Import != nil {
		return
	}
	p.Import = newImportForm(p.shared, p.xfer, *p.selected, func(int64) { p.ReloadSessions() }, func() { p.Import = nil })
	p.Import.dialog.Show()
}

// poll shows the progress of a running export or import; called every frame.
func (p *PatientPanel) poll() {
	if p.Export != nil {
		p.Export.poll()
	}
	if p.Import != nil {
		p.Import.poll()
	}
	if p.Progress != nil {
		p.Progress.poll()
	}
}

func (p *PatientPanel) onProgressTapped() {
	if p.progress == nil || p.selected == nil || p.Progress != nil {
		return
	}
	p.Progress = newProgressScreen(p.shared, p.progress, *p.selected, func() { p.Progress = nil })
	p.Progress.dialog.Show()
}

func (p *PatientPanel) setMessage(msg string) {
	p.Message.SetText(msg)
	if msg == "" {
		p.Message.Hide()
	} else {
		p.Message.Show()
	}
}

func (p *PatientPanel) onListSelected(id widget.ListItemID) {
	if id < 0 || id >= len(p.patients) {
		return
	}
	if p.selected != nil && p.selected.ID == p.patients[id].ID {
		return
	}
	p.choose(p.patients[id])
}

// choose makes pt the selected patient and, with a PatientFileService,
// records that their file was opened (audit).
func (p *PatientPanel) choose(pt storage.Patient) {
	p.selected = &pt
	p.showHeader(pt)
	if p.onSelect != nil {
		p.onSelect(p.selected)
	}
	p.setSessions(nil, nil)
	p.ReloadSessions()
	if p.files != nil {
		id := pt.ID
		p.run.do(func() func() {
			ctx, cancel := p.call()
			defer cancel()
			if _, err := p.files.OpenPatient(ctx, id); err != nil {
				p.log.Error("open patient", "id", id, "err", err)
				return func() { p.setMessage(userMessage("Could not open the patient's file", err)) }
			}
			return nil
		})
	}
}

// showHeader shows pt in Current and Details.
func (p *PatientPanel) showHeader(pt storage.Patient) {
	p.Current.SetText("Patient: " + patientRow(pt))
	p.Details.SetText(patientDetails(pt))
}

// clearSelection shows no patient (after a delete).
func (p *PatientPanel) clearSelection() {
	p.selected = nil
	p.Current.SetText("No patient selected")
	p.Details.SetText("")
	p.List.UnselectAll()
	if p.onSelect != nil {
		p.onSelect(nil)
	}
	p.setSessions(nil, nil)
	p.updateButtons()
}

// patientDetails is the header line under the patient's name: sex,
// affected side and diagnosis, each only when known.
func patientDetails(pt storage.Patient) string {
	var parts []string
	switch pt.Sex {
	case "F":
		parts = append(parts, sexFemale)
	case "M":
		parts = append(parts, sexMale)
	case "X":
		parts = append(parts, sexOther)
	}
	switch pt.AffectedSide {
	case "left", "right":
		parts = append(parts, pt.AffectedSide+" side affected")
	case "both":
		parts = append(parts, "both sides affected")
	}
	if d := shown(pt.Diagnosis, maxShownDetail); d != "" {
		parts = append(parts, "Diagnosis: "+d)
	}
	return strings.Join(parts, " · ")
}

func (p *PatientPanel) onEditTapped() {
	if p.Form != nil || p.selected == nil || p.files == nil {
		return
	}
	p.Form = newPatientFormTitled(p, "Edit patient")
	p.Form.edit(*p.selected)
	p.Form.dialog.Show()
}

func (p *PatientPanel) onDeleteTapped() {
	if p.selected == nil || p.files == nil {
		return
	}
	pt := *p.selected
	p.confirm("Delete patient",
		fmt.Sprintf("Delete %s? The patient disappears from the list; an administrator can bring the file back or remove it for good with its recordings.", patientRow(pt)),
		"Delete", widget.DangerImportance, func(ok bool) {
			if !ok {
				return
			}
			p.run.do(func() func() {
				ctx, cancel := p.call()
				defer cancel()
				err := p.files.DeletePatient(ctx, pt.ID)
				return func() {
					if err != nil {
						p.setMessage(userMessage("Could not delete the patient", err))
						return
					}
					p.log.Info("patient deleted", "id", pt.ID)
					if p.selected != nil && p.selected.ID == pt.ID {
						p.clearSelection()
					}
					p.Reload()
				}
			})
		})
}

func (p *PatientPanel) onAddTapped() {
	if p.Form != nil {
		return
	}
	p.Form = newPatientForm(p)
	p.Form.dialog.Show()
}

// PatientForm is the "Add patient" dialog, or "Edit patient" on a patient.
type PatientForm struct {
	Code, Name, BirthDate, Diagnosis *widget.Entry
	Sex, Side                        *widget.RadioGroup
	Save, Cancel                     *widget.Button
	Message                          *widget.Label // why the form was refused

	panel   *PatientPanel
	dialog  *dialog.CustomDialog
	saving  bool
	editing *storage.Patient // the patient being edited; nil when adding
}

// edit fills the form with pt for editing.
func (f *PatientForm) edit(pt storage.Patient) {
	f.editing = &pt
	f.Code.SetText(pt.Code)
	f.Name.SetText(pt.Name)
	f.BirthDate.SetText(pt.BirthDate)
	f.Diagnosis.SetText(pt.Diagnosis)
	switch pt.Sex {
	case "F":
		f.Sex.SetSelected(sexFemale)
	case "M":
		f.Sex.SetSelected(sexMale)
	case "X":
		f.Sex.SetSelected(sexOther)
	}
	switch pt.AffectedSide {
	case "left":
		f.Side.SetSelected(sideLeft)
	case "right":
		f.Side.SetSelected(sideRight)
	case "both":
		f.Side.SetSelected(sideBoth)
	}
}

// Radio labels and the stored codes they stand for.
const (
	sexFemale, sexMale, sexOther  = "Female", "Male", "Other"
	sideLeft, sideRight, sideBoth = "Left", "Right", "Both"
)

func newPatientForm(p *PatientPanel) *PatientForm { return newPatientFormTitled(p, "Add patient") }

func newPatientFormTitled(p *PatientPanel, title string) *PatientForm {
	f := &PatientForm{panel: p}
	f.Code = widget.NewEntry()
	f.Code.SetPlaceHolder("e.g. P-0042 (required)")
	f.Name = widget.NewEntry()
	f.Name.SetPlaceHolder("Full name")
	f.BirthDate = widget.NewEntry()
	f.BirthDate.SetPlaceHolder("YYYY-MM-DD")
	f.Sex = widget.NewRadioGroup([]string{sexFemale, sexMale, sexOther}, nil)
	f.Sex.Horizontal = true
	f.Side = widget.NewRadioGroup([]string{sideLeft, sideRight, sideBoth}, nil)
	f.Side.Horizontal = true
	f.Diagnosis = widget.NewMultiLineEntry()
	f.Diagnosis.SetPlaceHolder("e.g. ischaemic stroke, 2024-11")
	f.Diagnosis.SetMinRowsVisible(2)
	f.Message = widget.NewLabel("")
	f.Message.Importance = widget.DangerImportance
	f.Message.Wrapping = fyne.TextWrapWord
	f.Save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), f.onSaveTapped)
	f.Save.Importance = widget.HighImportance
	f.Cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), f.close)

	form := widget.NewForm(
		widget.NewFormItem("Clinic code", f.Code),
		widget.NewFormItem("Name", f.Name),
		widget.NewFormItem("Birth date", f.BirthDate),
		widget.NewFormItem("Sex", f.Sex),
		widget.NewFormItem("Affected side", f.Side),
		widget.NewFormItem("Diagnosis", f.Diagnosis),
	)
	content := container.NewVBox(form, f.Message, container.NewGridWithColumns(2, f.Cancel, f.Save))
	f.dialog = p.newDialog(title, content)
	f.dialog.Resize(fyne.NewSize(620+p.estopWidth(), 0))
	return f
}

// patient returns the patient described by the form.
func (f *PatientForm) patient() storage.Patient {
	pt := storage.Patient{
		Code:      strings.TrimSpace(f.Code.Text),
		Name:      strings.TrimSpace(f.Name.Text),
		BirthDate: strings.TrimSpace(f.BirthDate.Text),
		Diagnosis: strings.TrimSpace(f.Diagnosis.Text),
	}
	switch f.Sex.Selected {
	case sexFemale:
		pt.Sex = "F"
	case sexMale:
		pt.Sex = "M"
	case sexOther:
		pt.Sex = "X"
	}
	pt.AffectedSide = strings.ToLower(f.Side.Selected)
	return pt
}

func (f *PatientForm) onSaveTapped() {
	if f.saving {
		return
	}
	pt := f.patient()
	known := f.panel.patients
	if f.editing != nil {
		// Editing keeps the ID, creation time and notes; the patient's own
		// code is not a clash.
		pt.ID, pt.CreatedAt, pt.Notes = f.editing.ID, f.editing.CreatedAt, f.editing.Notes
		known = slices.DeleteFunc(slices.Clone(known), func(k storage.Patient) bool { return k.ID == pt.ID })
	}
	if msg := patientProblem(pt, known, f.panel.now()); msg != "" {
		f.Message.SetText(msg)
		return
	}
	f.saving = true
	f.Save.Disable()
	f.Message.SetText("")
	p := f.panel
	p.run.do(func() func() {
		ctx, cancel := p.call()
		defer cancel()
		var err error
		if f.editing != nil {
			err = p.files.UpdatePatient(ctx, &pt)
		} else {
			err = p.svc.AddPatient(ctx, &pt)
		}
		return func() {
			f.saving = false
			f.Save.Enable()
			if err != nil {
				p.log.Error("save patient", "id", pt.ID, "err", err)
				f.Message.SetText(userMessage("Could not save the patient", err))
				return
			}
			f.close()
			if f.editing != nil {
				p.log.Info("patient changed", "id", pt.ID)
				p.selected = &pt
				p.showHeader(pt)
				if p.onSelect != nil {
					p.onSelect(p.selected)
				}
				p.Reload()
				return
			}
			p.log.Info("patient added", "id", pt.ID)
			p.choose(pt)
			if p.Search.Text != "" {
				p.Search.SetText("") // reloads, so the new patient is listed
			} else {
				p.Reload()
			}
		}
	})
}

func (f *PatientForm) close() {
	f.dialog.Hide()
	if f.panel.Form == f {
		f.panel.Form = nil
	}
}
