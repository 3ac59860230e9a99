package ui

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	store "myorehab/storage"
)

// Export format choices of ExportForm.Format and the formats and file
// extensions they stand for.
const (
	choiceEDF = "EDF+ (16-bit)"
	choiceBDF = "BDF+ (24-bit)"
	choiceCSV = "CSV"
)

var exportFormats = map[string]string{choiceEDF: service.FormatEDF, choiceBDF: service.FormatBDF, choiceCSV: service.FormatCSV}

// progress is a fraction done written by a service from any goroutine and
// shown by the frame ticker (MainScreen.Refresh).
type progress struct{ bits atomic.Uint64 }

func (p *progress) set(v float64) {
	if !math.IsNaN(v) {
		p.bits.Store(math.Float64bits(math.Min(math.Max(v, 0), 1)))
	}
}

func (p *progress) get() float64 { return math.Float64frombits(p.bits.Load()) }

// transfer is what ExportForm and ImportForm share: a path with a Browse
// button, a start button, a progress bar and a message; one call at a time.
type transfer struct {
	Path     *widget.Entry
	Browse   *widget.Button // opens the file dialog
	Start    *widget.Button
	Cancel   *widget.Button // cancels a running transfer, else closes the form
	Progress *widget.ProgressBar
	Message  *widget.Label

	shared
	svc     service.TransferService
	running bool
	done    progress
	cancel  context.CancelFunc
	dialog  *dialog.CustomDialog
	closed  func()
}

func (t *transfer) init(sh shared, svc service.TransferService, start string, onStart func(), closed func()) {
	t.shared, t.svc, t.closed = sh, svc, closed
	t.Path = widget.NewEntry()
	t.Start = widget.NewButtonWithIcon(start, theme.ConfirmIcon(), onStart)
	t.Start.Importance = widget.HighImportance
	t.Cancel = widget.NewButtonWithIcon("Close", theme.CancelIcon(), t.onCancelTapped)
	t.Progress = widget.NewProgressBar()
	t.Message = widget.NewLabel("")
	t.Message.Wrapping = fyne.TextWrapWord
}

// poll shows the progress written by the service; called every frame.
func (t *transfer) poll() {
	if t.running {
		if v := t.done.get(); v != t.Progress.Value {
			t.Progress.SetValue(v)
		}
	}
}

func (t *transfer) setRunning(on bool) {
	t.running = on
	enable(t.Start, !on)
	enable(t.Browse, !on)
	enable(t.Path, !on)
	if on {
		t.Cancel.SetText("Cancel")
	} else {
		t.Cancel.SetText("Close")
	}
}

func (t *transfer) setMessage(msg string, imp widget.Importance) {
	t.Message.Importance = imp
	t.Message.SetText(msg)
}

func (t *transfer) onCancelTapped() {
	if t.running {
		if t.cancel != nil {
			t.cancel()
		}
		return
	}
	t.dialog.Hide()
	if t.closed != nil {
		t.closed()
	}
}

// ExportForm is the export dialog of one session: format, de-identified
// or not, the file, and a progress bar. Its widgets are exported so tests
// can drive them (the OS file dialog is not needed: type the path).
type ExportForm struct {
	Format     *widget.RadioGroup // choiceEDF, choiceBDF or choiceCSV
	Deidentify *widget.Check
	transfer
	session store.Session
}

func newExportForm(sh shared, svc service.TransferService, s store.Session, closed func()) *ExportForm {
	f := &ExportForm{session: s}
	f.init(sh, svc, "Export", f.onExportTapped, closed)
	f.Format = widget.NewRadioGroup([]string{choiceEDF, choiceBDF, choiceCSV}, f.onFormatChanged)
	f.Format.Required = true
	f.Deidentify = widget.NewCheck("De-identify (patient code only: no name, no birth date)", nil)
	f.Path.SetPlaceHolder("File to write, e.g. /home/clinic/exports/P-001_s12.edf")
	f.Browse = widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), f.onBrowseTapped)
	f.Format.SetSelected(choiceEDF)
	if s.ResolutionBits > 16 {
		f.Format.SetSelected(choiceBDF) // native for 24-bit amplifiers
	}
	f.Path.SetText(filepath.Join(exportFolder(), f.defaultName()))
	form := widget.NewForm(
		widget.NewFormItem("Format", f.Format),
		widget.NewFormItem("", f.Deidentify),
		widget.NewFormItem("File", container.NewBorder(nil, nil, nil, f.Browse, f.Path)),
	)
	content := container.NewVBox(form, f.Progress, f.Message, container.NewGridWithColumns(2, f.Cancel, f.Start))
	f.dialog = f.newDialog(fmt.Sprintf("Export session %d", s.ID), content)
	f.dialog.Resize(fyne.NewSize(720+f.estopWidth(), 0))
	return f
}

// format returns the service format of the chosen format.
func (f *ExportForm) format() string { return exportFormats[f.Format.Selected] }

// defaultName is the suggested file name: patient code, start date and
// time, session ID, e.g. "P-017_2026-05-04_0930_s12.edf".
func (f *ExportForm) defaultName() string {
	return store.ExportFileName(&f.session, f.format())
}

// exportFolder is the folder proposed for exports: the user's Documents
// folder when it exists, else the home folder, else the working folder.
func exportFolder() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return "."
	}
	if fi, err := os.Stat(filepath.Join(home, "Documents")); err == nil && fi.IsDir() {
		return filepath.Join(home, "Documents")
	}
	return home
}

// onFormatChanged keeps a typed path's extension in line with the format.
func (f *ExportForm) onFormatChanged(string) {
	path := strings.TrimSpace(f.Path.Text)
	if path == "" {
		return
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".edf" || ext == ".bdf" || ext == ".csv" {
		f.Path.SetText(strings.TrimSuffix(path, filepath.Ext(path)) + "." + f.format())
	}
}

func (f *ExportForm) onBrowseTapped() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		_ = w.Close() // the service rewrites the file
		f.Path.SetText(path)
	}, f.win)
	d.SetFileName(f.defaultName())
	d.Show()
}

// writeTo checks the typed output path before start writes it: the
// extension ext is added when the path has none, the folder must exist,
// a folder is refused, and an existing file is replaced only once the
// therapist confirms ("Replace it with this <what>?"). Each refusal says
// what to do in the message line.
func (t *transfer) writeTo(ext, what string, start func(path string)) {
	path := exportPath(t.Path.Text, ext)
	if path == "" {
		t.setMessage("Choose the file to write (Choose…) or type its path.", widget.DangerImportance)
		return
	}
	if path != t.Path.Text {
		t.Path.SetText(path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.setMessage("The folder "+dir+" does not exist. Choose another folder (Choose…) or create it first.", widget.DangerImportance)
		return
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			t.setMessage(path+" is a folder: add a file name.", widget.DangerImportance)
			return
		}
		t.confirm("Replace the file?", filepath.Base(path)+" already exists in "+dir+". Replace it with this "+what+"?",
			"Replace", widget.DangerImportance, func(ok bool) {
				if ok {
					start(path)
				}
			})
		return
	}
	start(path)
}

// exportPath returns the path to write: the typed path with the format's
// extension added when it has none. "" when no path was given.
func exportPath(typed, format string) string {
	p := strings.TrimSpace(typed)
	if p == "" {
		return ""
	}
	if filepath.Ext(p) == "" {
		p += "." + format
	}
	return p
}

func (f *ExportForm) onExportTapped() {
	if f.running {
		return
	}
	format := f.format()
	f.writeTo(format, "export", func(path string) { f.startExport(format, path) })
}

// startExport runs the export of the form's session to path in format.
func (f *ExportForm) startExport(format, path string) {
	deid, id := f.Deidentify.Checked, f.session.ID
	f.done.set(0)
	f.Progress.SetValue(0)
	f.setRunning(true)
	f.setMessage("Exporting…", widget.MediumImportance)
	ctx, cancel := context.WithCancel(f.ctx())
	f.cancel = cancel
	f.log.Info("export", "session", id, "format", format, "path", path, "deidentify", deid)
	f.run.do(func() func() {
		defer cancel()
		err := f.svc.Export(ctx, id, format, path, deid, f.done.set)
		return func() {
			f.setRunning(false)
			if err != nil {
				f.log.Error("export", "session", id, "err", err)
				f.setMessage(userMessage("Could not export", err), widget.DangerImportance)
				return
			}
			f.Progress.SetValue(1)
			f.setMessage("Exported session "+fmt.Sprint(id)+" to "+path+".", widget.SuccessImportance)
		}
	})
}

// ImportForm is the import dialog: an EDF+/BDF+ file becomes a new
// session of the selected patient. Its widgets are exported for tests.
type ImportForm struct {
	transfer
	patient  store.Patient
	imported func(sessionID int64)
}

func newImportForm(sh shared, svc service.TransferService, pt store.Patient, imported func(int64), closed func()) *ImportForm {
	f := &ImportForm{patient: pt, imported: imported}
	f.init(sh, svc, "Import", f.onImportTapped, closed)
	f.Path.SetPlaceHolder("EDF+ or BDF+ file, e.g. /media/usb/recording.edf")
	f.Browse = widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), f.onBrowseTapped)
	form := widget.NewForm(
		widget.NewFormItem("Patient", widget.NewLabel(patientRow(pt))),
		widget.NewFormItem("File", container.NewBorder(nil, nil, nil, f.Browse, f.Path)),
	)
	content := container.NewVBox(form, f.Progress, f.Message, container.NewGridWithColumns(2, f.Cancel, f.Start))
	f.dialog = f.newDialog("Import a recording", content)
	f.dialog.Resize(fyne.NewSize(720+f.estopWidth(), 0))
	return f
}

func (f *ImportForm) onBrowseTapped() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		f.Path.SetText(path)
	}, f.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".edf", ".bdf", ".EDF", ".BDF"}))
	d.Show()
}

func (f *ImportForm) onImportTapped() {
	if f.running {
		return
	}
	path := strings.TrimSpace(f.Path.Text)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".edf", ".bdf":
	default:
		if path == "" {
			f.setMessage("Choose the EDF+ or BDF+ file to import.", widget.DangerImportance)
		} else {
			f.setMessage("Only EDF+ (.edf) and BDF+ (.bdf) files can be imported.", widget.DangerImportance)
		}
		return
	}
	pid := f.patient.ID
	f.setRunning(true)
	f.setMessage("Reading "+filepath.Base(path)+"…", widget.MediumImportance)
	ctx := f.ctx()
	f.run.do(func() func() {
		warn, err := f.svc.CheckImport(ctx, pid, path)
		return func() {
			f.setRunning(false)
			switch {
			case err != nil:
				f.log.Error("import", "path", path, "err", err)
				f.setMessage(userMessage("Could not import", err), widget.DangerImportance)
			case warn != "":
				f.setMessage("", widget.MediumImportance)
				f.confirm("Another patient?", "Careful: "+warn+". Import it as a recording of "+f.patient.Code+" anyway?",
					"Import for "+f.patient.Code, widget.WarningImportance, func(ok bool) {
						if ok {
							f.startImport(pid, path)
						}
					})
			default:
				f.startImport(pid, path)
			}
		}
	})
}

// startImport runs the import of path as a session of patient pid.
func (f *ImportForm) startImport(pid int64, path string) {
	f.done.set(0)
	f.Progress.SetValue(0)
	f.setRunning(true)
	f.setMessage("Importing…", widget.MediumImportance)
	ctx, cancel := context.WithCancel(f.ctx())
	f.cancel = cancel
	f.log.Info("import", "patient", pid, "path", path)
	f.run.do(func() func() {
		defer cancel()
		id, err := f.svc.Import(ctx, pid, path, f.done.set)
		return func() {
			f.setRunning(false)
			if err != nil {
				f.log.Error("import", "path", path, "err", err)
				f.setMessage(userMessage("Could not import", err), widget.DangerImportance)
				return
			}
			f.Progress.SetValue(1)
			f.setMessage(fmt.Sprintf("Imported %s as session %d.", filepath.Base(path), id), widget.SuccessImportance)
			if f.imported != nil {
				f.imported(id)
			}
		}
	})
}
