package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// IdleLock is the idle timer the gate drives (app/auth.IdleTimer): the
// gate reports input with Activity and asks Tick every second whether the
// screen must lock now.
type IdleLock interface {
	Activity()
	Tick() bool
	Lock()
	Locked() bool
	Unlock()
}

// GateDeps are the services of the log-in gate. Accounts and Idle are
// required; Audit and Files enable the administrator's audit view and
// deleted-patients list.
type GateDeps struct {
	Accounts service.AccountService
	Audit    service.AuditService
	Files    service.PatientFileService
	Idle     IdleLock
}

// Gate modes.
const (
	GateFirstRun = "first-run" // no administrator yet: create one
	GateLogin    = "login"     // nobody logged in
	GateLocked   = "locked"    // idle lock: the logged-in therapist's password
	GateOpen     = "open"      // the main screen is usable
)

// Gate puts the log-in, the first-run screen and the idle lock in front of
// the main screen. The cover is a modal pop-up over everything (open
// dialogs too) on an opaque background; the main screen keeps running
// underneath (recording, exercise, glove loop), and the glove's E-STOP is
// on the cover. The account bar on top names the therapist and holds Lock,
// Log out and, for administrators, Users, Audit log and Deleted patients.
// Widgets are exported for tests; touch them on the Fyne goroutine.
type Gate struct {
	// The cover's form: Title, Name (hidden when locked), Password,
	// Confirm (first run only), Submit, Message (why it was refused).
	Title                   *widget.Label
	Name, Password, Confirm *widget.Entry
	Submit, SwitchUser      *widget.Button
	Message                 *widget.Label
	// EStop is the glove's E-STOP on the cover (nil without a glove).
	EStop *EStopButton
	// The account bar.
	User                                                        *widget.Label
	LockButton, LogoutButton, UsersButton, AuditButton, Deleted *widget.Button
	// Open administrator dialogs, nil when closed.
	Users        *UsersDialog
	AuditView    *AuditDialog
	DeletedFiles *DeletedDialog

	shared
	main     *MainScreen
	d        GateDeps
	mode     string
	user     *storage.Therapist
	cover    *widget.PopUp
	covered  fyne.Size // the size the cover was last given
	lockNote *widget.Label
	focus    focusState // at the last Tick
	bar      fyne.CanvasObject
	content  fyne.CanvasObject
	busy     bool
}

// NewGate wraps main (built by New on the same window) in the gate and
// asks, in the background, whether the first-run screen is needed. Set
// Content as the window's content; call Start with the main screen's.
func NewGate(w fyne.Window, main *MainScreen, d GateDeps) *Gate {
	if d.Accounts == nil || d.Idle == nil {
		panic("ui: gate without AccountService or IdleLock")
	}
	g := &Gate{shared: main.shared(), main: main, d: d, mode: GateLogin}
	g.Title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	g.Name = widget.NewEntry()
	g.Name.SetPlaceHolder("Name")
	g.Password = widget.NewPasswordEntry()
	g.Password.SetPlaceHolder("Password")
	g.Confirm = widget.NewPasswordEntry()
	g.Confirm.SetPlaceHolder("Password again")
	g.Password.OnSubmitted = func(string) { g.onSubmit() }
	g.Confirm.OnSubmitted = func(string) { g.onSubmit() }
	g.Submit = widget.NewButtonWithIcon("Log in", theme.LoginIcon(), g.onSubmit)
	g.Submit.Importance = widget.HighImportance
	g.SwitchUser = widget.NewButtonWithIcon("Log out", theme.LogoutIcon(), g.onLogout)
	g.Message = widget.NewLabel("")
	g.Message.Importance = widget.DangerImportance
	g.Message.Wrapping = fyne.TextWrapWord
	g.EStop = g.newEStopButton()

	g.User = widget.NewLabel("")
	g.User.Truncation = fyne.TextTruncateEllipsis
	g.LockButton = widget.NewButtonWithIcon("Lock", theme.VisibilityOffIcon(), g.LockNow)
	g.LogoutButton = widget.NewButtonWithIcon("Log out", theme.LogoutIcon(), g.onLogout)
	g.UsersButton = widget.NewButtonWithIcon("Users…", theme.AccountIcon(), g.openUsers)
	g.AuditButton = widget.NewButtonWithIcon("Audit log…", theme.ListIcon(), g.openAudit)
	g.Deleted = widget.NewButtonWithIcon("Deleted patients…", theme.DeleteIcon(), g.openDeleted)
	g.bar = container.NewVBox(container.NewBorder(nil, nil, nil,
		container.NewHBox(g.UsersButton, g.AuditButton, g.Deleted, g.LockButton, g.LogoutButton), g.User),
		widget.NewSeparator())
	g.content = container.NewStack(newActivityCatcher(d.Idle.Activity),
		container.NewBorder(g.bar, nil, nil, nil, main.Content()))
	g.watchKeys(w.Canvas())

	g.cover = widget.NewModalPopUp(g.coverContent(), w.Canvas())
	g.setMode(GateLogin)
	g.run.do(func() func() {
		ctx, cancel := g.call()
		defer cancel()
		need, err := d.Accounts.NeedsFirstAdmin(ctx)
		return func() {
			if err != nil {
				g.Message.SetText(shown(userMessage("Could not read the accounts", err), maxShownMessage))
				return
			}
			if need && g.mode == GateLogin {
				g.setMode(GateFirstRun)
			}
		}
	})
	return g
}

// Content returns the gate's root object (the main screen under the
// account bar).
func (g *Gate) Content() fyne.CanvasObject { return g.content }

// Mode returns GateFirstRun, GateLogin, GateLocked or GateOpen.
func (g *Gate) Mode() string { return g.mode }

// Current returns the therapist logged in, nil when none.
func (g *Gate) Current() *storage.Therapist { return g.user }

// WaitIdle waits for the gate's background calls (tests).
func (g *Gate) WaitIdle() { g.run.wait(); g.main.WaitIdle() }

// Start runs the idle check every second until ctx ends.
func (g *Gate) Start(ctx context.Context) {
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fyne.Do(g.Tick)
			}
		}
	}()
}

// Tick locks the screen when the idle time has passed (called every second
// by Start; tests call it after moving their clock) and keeps the cover
// the size of the window.
func (g *Gate) Tick() {
	if g.mode == GateOpen && g.typing() {
		g.d.Idle.Activity()
	}
	if g.mode == GateOpen && g.d.Idle.Tick() {
		g.log.Info("screen locked after idle time")
		g.setMode(GateLocked)
	}
	if g.cover.Visible() {
		g.fitCover()
	}
}

// focusState is what Tick compares between two ticks to see typing: keys
// typed into a focused field never reach the canvas's handlers.
type focusState struct {
	obj           fyne.Focusable
	row, col, len int
}

// typing reports whether the focused field changed since the last tick
// (another field focused, text typed, the cursor moved).
func (g *Gate) typing() bool {
	st := focusState{obj: g.win.Canvas().Focused()}
	if e, ok := st.obj.(*widget.Entry); ok {
		st.row, st.col, st.len = e.CursorRow, e.CursorColumn, len(e.Text)
	}
	changed := st != g.focus
	g.focus = st
	return changed && st.obj != nil
}

// LockNow locks the screen at once (the Lock button).
func (g *Gate) LockNow() {
	if g.mode != GateOpen {
		return
	}
	g.d.Idle.Lock()
	g.setMode(GateLocked)
}

// LoggedIn opens the main screen for t, who logged in without the cover
// (the demo's automatic log-in).
func (g *Gate) LoggedIn(t *storage.Therapist) {
	g.user = t
	g.d.Idle.Unlock()
	g.setMode(GateOpen)
}

func (g *Gate) coverContent() fyne.CanvasObject {
	form := container.NewVBox(g.Title, g.Name, g.Password, g.Confirm, g.Submit, g.SwitchUser, g.Message)
	card := container.NewGridWrap(fyne.NewSize(440, form.MinSize().Height+80), form)
	body := container.NewCenter(container.NewVBox(
		widget.NewLabelWithStyle("MyoRehab", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}), card))
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	g.lockNote = widget.NewLabel("The glove and any recording keep running while the screen is locked.")
	g.lockNote.Wrapping = fyne.TextWrapWord
	note := container.NewGridWrap(fyne.NewSize(150, 120), g.lockNote)
	if g.EStop != nil {
		body = container.NewBorder(nil, nil, nil, container.NewVBox(g.EStop, note), body)
	} else {
		body = container.NewBorder(nil, note, nil, nil, body)
	}
	return container.NewStack(bg, container.NewPadded(body))
}

func (g *Gate) fitCover() {
	size := g.win.Canvas().Size()
	if g.covered != size {
		g.covered = size
		g.cover.Resize(size)
		g.cover.Move(fyne.NewPos(0, 0))
	}
}

// setMode shows the cover for mode (or hides it for GateOpen) and updates
// the account bar.
func (g *Gate) setMode(mode string) {
	g.mode = mode
	g.Message.SetText("")
	g.Password.SetText("")
	g.Confirm.SetText("")
	g.Name.Show()
	g.Confirm.Hide()
	g.SwitchUser.Hide()
	show(g.lockNote, mode == GateLocked)
	switch mode {
	case GateFirstRun:
		g.Title.SetText("Welcome. Create the administrator's account")
		g.Submit.SetText("Create administrator")
		g.Confirm.Show()
	case GateLogin:
		g.Title.SetText("Log in")
		g.Submit.SetText("Log in")
	case GateLocked:
		g.Title.SetText(fmt.Sprintf("Locked. %s, enter your password", shown(g.user.Name, maxShownName)))
		g.Submit.SetText("Unlock")
		g.Name.Hide()
		g.SwitchUser.Show()
		g.closeAdminDialogs()
	}
	if mode == GateOpen {
		g.cover.Hide()
		g.bar.Show()
		t := g.user
		g.User.SetText(fmt.Sprintf("Logged in: %s (%s)", shown(t.Name, maxShownName), t.Role))
		admin := t.Role == storage.RoleAdmin
		show(g.UsersButton, admin)
		show(g.AuditButton, admin && g.d.Audit != nil)
		show(g.Deleted, admin && g.d.Files != nil)
		return
	}
	g.bar.Hide()
	g.fitCover()
	g.cover.Show()
	focus := fyne.Focusable(g.Password)
	if mode != GateLocked && g.Name.Text == "" {
		focus = g.Name
	}
	g.win.Canvas().Focus(focus)
}

func show(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

func (g *Gate) onSubmit() {
	if g.busy || g.mode == GateOpen {
		return
	}
	mode, name, pw := g.mode, strings.TrimSpace(g.Name.Text), g.Password.Text
	if mode == GateFirstRun && pw != g.Confirm.Text {
		g.Message.SetText("The two passwords differ.")
		return
	}
	if mode != GateLocked && name == "" {
		g.Message.SetText("Enter your name.")
		return
	}
	g.busy = true
	g.Submit.Disable()
	g.Message.SetText("")
	acc := g.d.Accounts
	g.run.do(func() func() {
		ctx, cancel := g.call()
		defer cancel()
		var (
			t   *storage.Therapist
			err error
		)
		switch mode {
		case GateFirstRun:
			t, err = acc.CreateFirstAdmin(ctx, name, pw)
		case GateLogin:
			t, err = acc.Login(ctx, name, pw)
		case GateLocked:
			err = acc.Unlock(ctx, pw)
			t = g.user
		}
		return func() {
			g.busy = false
			g.Submit.Enable()
			g.Password.SetText("")
			if err != nil {
				g.log.Info("log-in refused")
				g.Message.SetText(shown(err.Error(), maxShownMessage))
				return
			}
			g.log.Info("logged in", "therapist", t.ID)
			g.LoggedIn(t)
		}
	})
}

func (g *Gate) onLogout() {
	if g.busy {
		return
	}
	g.busy = true
	g.run.do(func() func() {
		ctx, cancel := g.call()
		defer cancel()
		err := g.d.Accounts.Logout(ctx)
		return func() {
			g.busy = false
			if err != nil {
				g.log.Error("log out", "err", err)
			}
			g.user = nil
			g.Name.SetText("")
			g.closeAdminDialogs()
			g.setMode(GateLogin)
		}
	})
}

func (g *Gate) closeAdminDialogs() {
	if g.Users != nil {
		g.Users.close()
	}
	if g.AuditView != nil {
		g.AuditView.close()
	}
	if g.DeletedFiles != nil {
		g.DeletedFiles.close()
	}
}

// watchKeys notes typed keys as activity, keeping the handlers already set
// (the E-STOP key).
func (g *Gate) watchKeys(c fyne.Canvas) {
	prevKey, prevRune := c.OnTypedKey(), c.OnTypedRune()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		g.d.Idle.Activity()
		if prevKey != nil {
			prevKey(ev)
		}
	})
	c.SetOnTypedRune(func(r rune) {
		g.d.Idle.Activity()
		if prevRune != nil {
			prevRune(r)
		}
	})
}

// activityCatcher lies under the whole screen and notes mouse movement
// and clicks over everything that is not itself a button or field
// (those stay fully theirs): the idle timer's view of the mouse.
type activityCatcher struct {
	widget.BaseWidget
	activity func()
}

func newActivityCatcher(activity func()) *activityCatcher {
	a := &activityCatcher{activity: activity}
	a.ExtendBaseWidget(a)
	return a
}

func (a *activityCatcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

func (a *activityCatcher) Tapped(*fyne.PointEvent)        { a.activity() }
func (a *activityCatcher) MouseIn(*desktop.MouseEvent)    { a.activity() }
func (a *activityCatcher) MouseMoved(*desktop.MouseEvent) { a.activity() }
func (a *activityCatcher) MouseOut()                      {}
