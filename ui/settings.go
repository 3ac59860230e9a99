package ui

import (
	"fmt"
	"path/filepath"
	"slices"

	"myorehab/app/service"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// restoreExplanation is the confirmation text shown before a restore.
const restoreExplanation = "The current database will be replaced by this backup.\n" +
	"Everything recorded after the backup was made is lost.\n" +
	"MyoRehab then reloads all patients and sessions (or restarts)."

// SettingsDialog holds the database backup and restore. Its widgets are
// exported so tests can drive them; touch them on the Fyne goroutine only.
type SettingsDialog struct {
	BackupNow *widget.Button
	Backups   *widget.Select // existing backups, newest first
	Restore   *widget.Button // asks for confirmation, then restores
	Message   *widget.Label
	Close     *widget.Button
	// Mains chooses the mains frequency of the notch filter; nil without
	// a MainsService.
	Mains *widget.RadioGroup
	// Confirm is the open restore confirmation, nil when none.
	Confirm *dialog.CustomDialog

	shared
	svc       service.BackupService
	mains     service.MainsService
	busy      bool
	recording func() bool // a restore is refused while recording
	restored  func()      // called after a successful restore
	dialog    *dialog.CustomDialog
	closed    func()
}

// mainsChoices are the mains settings as the dialog words them.
var mainsChoices = []struct{ label, value string }{
	{"Automatic (follow the signal)", service.MainsAuto},
	{"50 Hz", service.Mains50},
	{"60 Hz", service.Mains60},
}

func newSettingsDialog(sh shared, svc service.BackupService, mains service.MainsService, recording func() bool, restored, closed func()) *SettingsDialog {
	s := &SettingsDialog{shared: sh, svc: svc, mains: mains, recording: recording, restored: restored, closed: closed}
	s.BackupNow = widget.NewButtonWithIcon("Back up now", theme.DocumentSaveIcon(), s.onBackupTapped)
	s.BackupNow.Importance = widget.HighImportance
	s.Backups = widget.NewSelect(nil, func(string) { s.update() })
	s.Backups.PlaceHolder = "Choose a backup"
	s.Restore = widget.NewButtonWithIcon("Restore…", theme.HistoryIcon(), s.onRestoreTapped)
	s.Restore.Importance = widget.DangerImportance
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Close = widget.NewButtonWithIcon("Close", theme.CancelIcon(), s.close)
	content := container.NewVBox()
	if mains != nil {
		labels := make([]string, len(mainsChoices))
		for i, c := range mainsChoices {
			labels[i] = c.label
		}
		s.Mains = widget.NewRadioGroup(labels, s.onMainsChanged)
		s.Mains.Horizontal = true
		for _, c := range mainsChoices {
			if c.value == mains.Mains() {
				s.Mains.Selected = c.label
			}
		}
		s.Mains.Required = true
		content.Add(widget.NewLabelWithStyle("Mains frequency (notch filter)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		content.Add(widget.NewLabel("The power-line frequency of this clinic. It applies from the next connection of the amplifier."))
		content.Add(s.Mains)
		content.Add(widget.NewSeparator())
	}
	for _, o := range []fyne.CanvasObject{
		widget.NewLabelWithStyle("Database backup", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("A backup is a complete, consistent copy of all patients and sessions, readable only by this user."),
		s.BackupNow,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Restore", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, nil, s.Restore, s.Backups),
		s.Message,
		container.NewHBox(s.Close),
	} {
		content.Add(o)
	}
	s.dialog = s.newDialog("Settings", content)
	s.dialog.Resize(fyne.NewSize(720+s.estopWidth(), 0))
	s.update()
	s.reload()
	return s
}

// onMainsChanged stores the chosen mains frequency.
func (s *SettingsDialog) onMainsChanged(label string) {
	for _, c := range mainsChoices {
		if c.label != label || c.value == s.mains.Mains() {
			continue
		}
		if err := s.mains.SetMains(c.value); err != nil {
			s.log.Error("mains setting", "err", err)
			s.setMessage(userMessage("Could not change the mains frequency", err), widget.DangerImportance)
			return
		}
		s.setMessage("Mains frequency: "+label+". It applies from the next connection.", widget.MediumImportance)
	}
}

// reload lists the backups in the background.
func (s *SettingsDialog) reload() {
	s.run.do(func() func() {
		ctx, cancel := s.call()
		defer cancel()
		list, err := s.svc.ListBackups(ctx)
		return func() {
			if err != nil {
				s.log.Error("list backups", "err", err)
				s.setMessage(userMessage("Could not list the backups", err), widget.DangerImportance)
				return
			}
			s.Backups.SetOptions(list)
			// The placeholder follows the list: "No backup yet" must not
			// stay once a backup was made while the dialog is open.
			s.Backups.PlaceHolder = "Choose a backup"
			if len(list) == 0 {
				s.Backups.PlaceHolder = "No backup yet"
			}
			if s.Backups.Selected != "" && !slices.Contains(list, s.Backups.Selected) {
				s.Backups.ClearSelected()
			}
			s.Backups.Refresh()
			s.update()
		}
	})
}

func (s *SettingsDialog) setMessage(msg string, imp widget.Importance) {
	s.Message.Importance = imp
	s.Message.SetText(msg)
}

func (s *SettingsDialog) update() {
	enable(s.BackupNow, !s.busy)
	enable(s.Backups, !s.busy)
	enable(s.Restore, !s.busy && s.Backups.Selected != "")
}

func (s *SettingsDialog) onBackupTapped() {
	if s.busy {
		return
	}
	s.busy = true
	s.update()
	s.setMessage("Backing up…", widget.MediumImportance)
	s.run.do(func() func() {
		ctx, cancel := s.call()
		defer cancel()
		path, err := s.svc.Backup(ctx)
		return func() {
			s.busy = false
			s.update()
			if err != nil {
				s.log.Error("backup", "err", err)
				s.setMessage(userMessage("Could not back up", err), widget.DangerImportance)
				return
			}
			s.log.Info("backup", "path", path)
			s.setMessage("Backup written: "+path, widget.SuccessImportance)
			s.reload()
		}
	})
}

func (s *SettingsDialog) onRestoreTapped() {
	path := s.Backups.Selected
	if s.busy || path == "" {
		return
	}
	if s.recording != nil && s.recording() {
		s.setMessage("Stop the recording before restoring a backup.", widget.DangerImportance)
		return
	}
	s.Confirm = s.confirm("Restore "+filepath.Base(path)+"?", restoreExplanation, "Restore", widget.DangerImportance, func(ok bool) {
		s.Confirm = nil
		if ok {
			s.restore(path)
		}
	})
}

// restore restores the backup at path, after the confirmation.
func (s *SettingsDialog) restore(path string) {
	s.busy = true
	s.update()
	s.setMessage("Restoring "+path+"…", widget.MediumImportance)
	s.run.do(func() func() {
		ctx, cancel := s.call()
		defer cancel()
		err := s.svc.Restore(ctx, path)
		return func() {
			s.busy = false
			s.update()
			if err != nil {
				s.log.Error("restore", "path", path, "err", err)
				s.setMessage(userMessage("Could not restore", err), widget.DangerImportance)
				return
			}
			s.log.Warn("database restored", "path", path)
			s.setMessage(fmt.Sprintf("Restored %s. The patient list has been reloaded.", filepath.Base(path)), widget.SuccessImportance)
			if s.restored != nil {
				s.restored()
			}
		}
	})
}

func (s *SettingsDialog) close() {
	s.dialog.Hide()
	if s.closed != nil {
		s.closed()
	}
}
