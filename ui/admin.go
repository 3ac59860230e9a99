package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/storage"
)

// UsersDialog is the administrator's account list: add, disable or
// enable, reset a password.
type UsersDialog struct {
	List *widget.Table
	// The add form.
	Name, Login, Password *widget.Entry
	Role                  *widget.Select
	Add                   *widget.Button
	// On the selected account.
	Toggle, Reset *widget.Button
	Message       *widget.Label

	g      *Gate
	users  []storage.Therapist
	sel    int
	dialog *dialog.CustomDialog
}

var userColumns = [...]string{"Name", "Log-in", "Role", "State"}

func (g *Gate) openUsers() {
	if g.Users != nil || g.user == nil || g.user.Role != storage.RoleAdmin {
		return
	}
	u := &UsersDialog{g: g, sel: -1}
	u.List = widget.NewTableWithHeaders(
		func() (int, int) { return len(u.users), len(userColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("a therapist's full name")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			t := u.users[id.Row]
			state := "active"
			if !t.Active {
				state = "disabled"
			}
			o.(*widget.Label).SetText([...]string{shown(t.Name, maxShownName), shown(t.Login, maxShownName), t.Role, state}[id.Col])
		})
	u.List.ShowHeaderColumn = false
	u.List.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(userColumns[id.Col])
		}
	}
	for i, w := range []float32{220, 160, 100, 90} {
		u.List.SetColumnWidth(i, w)
	}
	u.List.OnSelected = func(id widget.TableCellID) { u.sel = id.Row; u.update() }
	u.Name = widget.NewEntry()
	u.Name.SetPlaceHolder("Full name")
	u.Login = widget.NewEntry()
	u.Login.SetPlaceHolder("Log-in name")
	u.Password = widget.NewPasswordEntry()
	u.Password.SetPlaceHolder("Password (at least 8 characters)")
	u.Role = widget.NewSelect([]string{storage.RoleTherapist, storage.RoleAdmin}, nil)
	u.Role.SetSelected(storage.RoleTherapist)
	u.Add = widget.NewButtonWithIcon("Add account", theme.ContentAddIcon(), u.onAdd)
	u.Toggle = widget.NewButton("Disable", u.onToggle)
	u.Reset = widget.NewButtonWithIcon("Reset password…", theme.ViewRefreshIcon(), u.onReset)
	u.Message = widget.NewLabel("")
	u.Message.Wrapping = fyne.TextWrapWord
	closeB := widget.NewButtonWithIcon("Close", theme.CancelIcon(), u.close)
	add := container.NewVBox(widget.NewLabelWithStyle("New account", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewGridWithColumns(2, u.Name, u.Login, u.Password, u.Role))
	bottom := container.NewVBox(container.NewHBox(u.Toggle, u.Reset), widget.NewSeparator(), add, u.Message,
		container.NewBorder(nil, nil, closeB, u.Add))
	u.dialog = g.newDialog("Users", container.NewBorder(nil, bottom, nil, nil, u.List))
	u.dialog.Resize(fyne.NewSize(640+g.estopWidth(), 560))
	g.Users = u
	u.update()
	u.reload()
	u.dialog.Show()
}

func (u *UsersDialog) close() {
	u.dialog.Hide()
	if u.g.Users == u {
		u.g.Users = nil
	}
}

func (u *UsersDialog) selected() *storage.Therapist {
	if u.sel < 0 || u.sel >= len(u.users) {
		return nil
	}
	return &u.users[u.sel]
}

func (u *UsersDialog) update() {
	t := u.selected()
	enable(u.Toggle, t != nil)
	enable(u.Reset, t != nil)
	if t != nil && !t.Active {
		u.Toggle.SetText("Enable")
	} else {
		u.Toggle.SetText("Disable")
	}
}

func (u *UsersDialog) say(msg string, bad bool) {
	u.Message.Importance = widget.MediumImportance
	if bad {
		u.Message.Importance = widget.DangerImportance
	}
	u.Message.SetText(shown(msg, maxShownMessage))
}

func (u *UsersDialog) reload() {
	g := u.g
	g.run.do(func() func() {
		ctx, cancel := g.call()
		defer cancel()
		list, err := g.d.Accounts.Users(ctx)
		return func() {
			if err != nil {
				u.say(userMessage("Could not list the accounts", err), true)
				return
			}
			u.users = list
			u.sel = -1
			u.List.UnselectAll()
			u.List.Refresh()
			u.update()
		}
	})
}

// act runs one account change and reloads the list.
func (u *UsersDialog) act(what, done string, fn func() error) {
	u.g.run.do(func() func() {
		err := fn()
		return func() {
			if err != nil {
				u.say(userMessage(what, err), true)
				return
			}
			u.say(done, false)
			u.reload()
		}
	})
}

func (u *UsersDialog) onAdd() {
	name, login, pw, role := strings.TrimSpace(u.Name.Text), strings.TrimSpace(u.Login.Text), u.Password.Text, u.Role.Selected
	if login == "" {
		u.say("Give the log-in name.", true)
		return
	}
	u.Password.SetText("")
	u.act("Could not add the account", fmt.Sprintf("Account %s added.", shown(login, maxShownName)), func() error {
		ctx, cancel := u.g.call()
		defer cancel()
		return u.g.d.Accounts.AddUser(ctx, name, login, role, pw)
	})
	u.Name.SetText("")
	u.Login.SetText("")
}

func (u *UsersDialog) onToggle() {
	t := u.selected()
	if t == nil {
		return
	}
	id, active := t.ID, !t.Active
	verb := "disabled"
	if active {
		verb = "enabled"
	}
	u.act("Could not change the account", fmt.Sprintf("Account %s %s.", shown(t.Login, maxShownName), verb), func() error {
		ctx, cancel := u.g.call()
		defer cancel()
		return u.g.d.Accounts.SetActive(ctx, id, active)
	})
}

func (u *UsersDialog) onReset() {
	t := u.selected()
	if t == nil {
		return
	}
	id, login := t.ID, t.Login
	pw := widget.NewPasswordEntry()
	pw.SetPlaceHolder("New password (at least 8 characters)")
	var d *dialog.CustomDialog
	ok := widget.NewButtonWithIcon("Set password", theme.ConfirmIcon(), func() {
		d.Hide()
		p := pw.Text
		u.act("Could not reset the password", fmt.Sprintf("New password set for %s.", shown(login, maxShownName)), func() error {
			ctx, cancel := u.g.call()
			defer cancel()
			return u.g.d.Accounts.ResetPassword(ctx, id, p)
		})
	})
	ok.Importance = widget.HighImportance
	cancelB := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { d.Hide() })
	d = u.g.newDialog("Reset password of "+shown(login, maxShownName), container.NewVBox(pw, container.NewHBox(cancelB, ok)))
	d.Resize(fyne.NewSize(420+u.g.estopWidth(), 0))
	d.Show()
}

// AuditDialog is the administrator's view of the audit log, with filters
// and CSV export.
type AuditDialog struct {
	Actor, ObjectID, Since, Until, CSVPath *widget.Entry
	Action, Object                         *widget.Select
	Apply, Export, Verify                  *widget.Button
	Table                                  *widget.Table
	Message                                *widget.Label

	g       *Gate
	entries []storage.AuditEntry
	dialog  *dialog.CustomDialog
}

// auditLimit bounds the rows the view loads (the CSV export has no limit).
const auditLimit = 2000

var auditColumns = [...]string{"Time", "Who", "Action", "Object", "Detail"}

const anyChoice = "(any)"

func (g *Gate) openAudit() {
	if g.AuditView != nil || g.d.Audit == nil || g.user == nil || g.user.Role != storage.RoleAdmin {
		return
	}
	a := &AuditDialog{g: g}
	a.Actor = widget.NewEntry()
	a.Actor.SetPlaceHolder("who (exact)")
	actions := []string{anyChoice}
	for _, x := range storage.AuditActions() {
		actions = append(actions, string(x))
	}
	a.Action = widget.NewSelect(actions, nil)
	a.Action.SetSelected(anyChoice)
	a.Object = widget.NewSelect([]string{anyChoice, storage.ObjectPatient, storage.ObjectSession, storage.ObjectTherapist,
		storage.ObjectModel, storage.ObjectGlove, storage.ObjectDatabase, storage.ObjectChannelSetup, storage.ObjectGloveLimits}, nil)
	a.Object.SetSelected(anyChoice)
	a.ObjectID = widget.NewEntry()
	a.ObjectID.SetPlaceHolder("object id")
	a.Since = widget.NewEntry()
	a.Since.SetPlaceHolder("from YYYY-MM-DD")
	a.Until = widget.NewEntry()
	a.Until.SetPlaceHolder("to YYYY-MM-DD")
	a.Apply = widget.NewButtonWithIcon("Show", theme.SearchIcon(), a.reload)
	a.CSVPath = widget.NewEntry()
	a.CSVPath.SetPlaceHolder("file for the CSV, e.g. /home/me/audit.csv")
	a.Export = widget.NewButtonWithIcon("Export CSV", theme.DocumentSaveIcon(), a.onExport)
	a.Verify = widget.NewButtonWithIcon("Check integrity", theme.ConfirmIcon(), a.onVerify)
	a.Message = widget.NewLabel("")
	a.Message.Wrapping = fyne.TextWrapWord
	a.Table = widget.NewTableWithHeaders(
		func() (int, int) { return len(a.entries), len(auditColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("2006-01-02 15:04:05")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(auditCells(a.entries[id.Row])[id.Col])
		})
	a.Table.ShowHeaderColumn = false
	a.Table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(auditColumns[id.Col])
		}
	}
	for i, w := range []float32{180, 120, 125, 110, 350} {
		a.Table.SetColumnWidth(i, w)
	}
	filters := container.NewGridWithColumns(4, a.Actor, a.Action, a.Object, a.ObjectID)
	dates := container.NewBorder(nil, nil, nil, a.Apply, container.NewGridWithColumns(2, a.Since, a.Until))
	closeB := widget.NewButtonWithIcon("Close", theme.CancelIcon(), a.close)
	bottom := container.NewVBox(a.Message,
		container.NewBorder(nil, nil, nil, container.NewHBox(a.Export, a.Verify, closeB), a.CSVPath))
	a.dialog = g.newDialog("Audit log", container.NewBorder(container.NewVBox(filters, dates), bottom, nil, nil, a.Table))
	a.dialog.Resize(fyne.NewSize(960+g.estopWidth(), 560))
	g.AuditView = a
	a.reload()
	a.dialog.Show()
}

// auditCells returns the table cells of e (one line each, see shown).
func auditCells(e storage.AuditEntry) [len(auditColumns)]string {
	obj := e.ObjectType
	if e.ObjectID != 0 {
		obj += " " + strconv.FormatInt(e.ObjectID, 10)
	}
	return [...]string{e.At.Local().Format("2006-01-02 15:04:05"), shown(e.Actor, maxShownName), string(e.Action),
		shown(obj, maxShownName), shown(e.Detail, maxShownDetail)}
}

func (a *AuditDialog) close() {
	a.dialog.Hide()
	if a.g.AuditView == a {
		a.g.AuditView = nil
	}
}

func (a *AuditDialog) say(msg string, bad bool) {
	a.Message.Importance = widget.MediumImportance
	if bad {
		a.Message.Importance = widget.DangerImportance
	}
	a.Message.SetText(shown(msg, maxShownMessage))
}

// filter reads the filter fields; the error names the field to fix.
func (a *AuditDialog) filter() (storage.AuditFilter, error) {
	f := storage.AuditFilter{Actor: strings.TrimSpace(a.Actor.Text)}
	if a.Action.Selected != anyChoice {
		f.Action = storage.AuditAction(a.Action.Selected)
	}
	if a.Object.Selected != anyChoice {
		f.ObjectType = a.Object.Selected
	}
	if s := strings.TrimSpace(a.ObjectID.Text); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return f, fmt.Errorf("object id %q is not a number", shown(s, 20))
		}
		f.ObjectID = id
	}
	for _, d := range []struct {
		e    *widget.Entry
		t    *time.Time
		next bool
	}{{a.Since, &f.Since, false}, {a.Until, &f.Until, true}} {
		s := strings.TrimSpace(d.e.Text)
		if s == "" {
			continue
		}
		t, err := time.ParseInLocation(dateLayout, s, time.Local)
		if err != nil {
			return f, fmt.Errorf("date %q: write it as YYYY-MM-DD", shown(s, 20))
		}
		if d.next {
			t = t.AddDate(0, 0, 1) // "to" includes the whole day
		}
		*d.t = t
	}
	return f, nil
}

func (a *AuditDialog) reload() {
	f, err := a.filter()
	if err != nil {
		a.say(err.Error(), true)
		return
	}
	f.Limit = auditLimit
	g := a.g
	g.run.do(func() func() {
		ctx, cancel := g.call()
		defer cancel()
		es, err := g.d.Audit.Audit(ctx, f)
		return func() {
			if err != nil {
				a.say(userMessage("Could not read the audit log", err), true)
				return
			}
			a.entries = es
			a.Table.Refresh()
			msg := fmt.Sprintf("%d entries, newest first.", len(es))
			if len(es) == auditLimit {
				msg = fmt.Sprintf("The newest %d entries: narrow the filters, or export them all as CSV.", auditLimit)
			}
			a.say(msg, false)
		}
	})
}

func (a *AuditDialog) onExport() {
	path := strings.TrimSpace(a.CSVPath.Text)
	if path == "" {
		a.say("Give the file to write the CSV to.", true)
		return
	}
	f, err := a.filter()
	if err != nil {
		a.say(err.Error(), true)
		return
	}
	g := a.g
	g.run.do(func() func() {
		ctx, cancel := g.call()
		defer cancel()
		n, err := g.d.Audit.ExportAuditCSV(ctx, f, path)
		return func() {
			if err != nil {
				a.say(userMessage("Could not export the audit log", err), true)
				return
			}
			a.say(fmt.Sprintf("%d entries written to %s (readable by you only).", n, shown(path, maxShownDetail)), false)
		}
	})
}

func (a *AuditDialog) onVerify() {
	g := a.g
	g.run.do(func() func() {
		ctx, cancel := g.call()
		defer cancel()
		res, err := g.d.Audit.VerifyAudit(ctx)
		return func() {
			switch {
			case err != nil:
				a.say(userMessage("Could not check the audit log", err), true)
			case res.OK:
				a.say(fmt.Sprintf("The audit log is intact: %d entries, none changed, removed or moved.", res.Rows), false)
			default:
				a.say(fmt.Sprintf("The audit log was changed outside MyoRehab: entry %d (of %d) is not as written. Keep this database and tell your data protection officer.", res.FirstBadRow, res.Rows), true)
			}
		}
	})
}

// DeletedDialog lists deleted patients for an administrator: bring one
// back, or purge it with every recording.
type DeletedDialog struct {
	List            *widget.List
	Undelete, Purge *widget.Button
	Message         *widget.Label
	g               *Gate
	patients        []storage.Patient
	sel             int
	dialog          *dialog.CustomDialog
}

func (g *Gate) openDeleted() {
	if g.DeletedFiles != nil || g.d.Files == nil || g.user == nil || g.user.Role != storage.RoleAdmin {
		return
	}
	dd := &DeletedDialog{g: g, sel: -1}
	dd.List = widget.NewList(func() int { return len(dd.patients) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("P-0000 — Firstname Lastname (1960), deleted 2006-01-02")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			p := dd.patients[id]
			o.(*widget.Label).SetText(patientRow(p) + ", deleted " + p.DeletedAt.Local().Format(dateLayout))
		})
	dd.List.OnSelected = func(id widget.ListItemID) { dd.sel = id; dd.update() }
	dd.Undelete = widget.NewButtonWithIcon("Bring back", theme.ContentUndoIcon(), dd.onUndelete)
	dd.Purge = widget.NewButtonWithIcon("Purge for good…", theme.DeleteIcon(), dd.onPurge)
	dd.Purge.Importance = widget.DangerImportance
	dd.Message = widget.NewLabel("")
	dd.Message.Wrapping = fyne.TextWrapWord
	closeB := widget.NewButtonWithIcon("Close", theme.CancelIcon(), dd.close)
	dd.dialog = g.newDialog("Deleted patients", container.NewBorder(nil,
		container.NewVBox(dd.Message, container.NewHBox(dd.Undelete, dd.Purge, closeB)), nil, nil, dd.List))
	dd.dialog.Resize(fyne.NewSize(620+g.estopWidth(), 480))
	g.DeletedFiles = dd
	dd.update()
	dd.reload()
	dd.dialog.Show()
}

func (dd *DeletedDialog) close() {
	dd.dialog.Hide()
	if dd.g.DeletedFiles == dd {
		dd.g.DeletedFiles = nil
	}
}

func (dd *DeletedDialog) update() {
	ok := dd.sel >= 0 && dd.sel < len(dd.patients)
	enable(dd.Undelete, ok)
	enable(dd.Purge, ok)
}

func (dd *DeletedDialog) reload() {
	g := dd.g
	g.run.do(func() func() {
		ctx, cancel := g.call()
		defer cancel()
		list, err := g.d.Files.DeletedPatients(ctx)
		return func() {
			if err != nil {
				dd.Message.SetText(shown(userMessage("Could not list the deleted patients", err), maxShownMessage))
				return
			}
			dd.patients, dd.sel = list, -1
			dd.List.UnselectAll()
			dd.List.Refresh()
			dd.update()
		}
	})
}

func (dd *DeletedDialog) run(what string, fn func() error) {
	g := dd.g
	g.run.do(func() func() {
		err := fn()
		return func() {
			if err != nil {
				dd.Message.SetText(shown(userMessage(what, err), maxShownMessage))
				return
			}
			dd.Message.SetText("")
			dd.reload()
			g.main.Patients.Reload()
		}
	})
}

func (dd *DeletedDialog) onUndelete() {
	if dd.sel < 0 || dd.sel >= len(dd.patients) {
		return
	}
	id := dd.patients[dd.sel].ID
	dd.run("Could not bring the patient back", func() error {
		ctx, cancel := dd.g.call()
		defer cancel()
		return dd.g.d.Files.UndeletePatient(ctx, id)
	})
}

func (dd *DeletedDialog) onPurge() {
	if dd.sel < 0 || dd.sel >= len(dd.patients) {
		return
	}
	p := dd.patients[dd.sel]
	dd.g.confirm("Purge patient", fmt.Sprintf("Remove %s for good, with every recording, model and setting? This cannot be undone (a backup made before still holds them).", patientRow(p)),
		"Purge", widget.DangerImportance, func(ok bool) {
			if !ok {
				return
			}
			dd.run("Could not purge the patient", func() error {
				ctx, cancel := dd.g.call()
				defer cancel()
				return dd.g.d.Files.PurgePatient(ctx, p.ID)
			})
		})
}
