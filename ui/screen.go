package ui

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// Refresh rates of MainScreen.Start.
const (
	// FrameHz is how often the ticker refreshes the scope, per second.
	FrameHz = 30
	// slowEvery is how many frames pass between refreshes of the text
	// (status lines, recording counters): 6 frames, 5 times a second.
	slowEvery = 6
)

// MainScreen is the main window's content: the patient panel on the left,
// the device panel on top, the live scope filling the rest and a status bar.
type MainScreen struct {
	Patients  *PatientPanel
	Device    *DevicePanel
	Live      *LivePanel
	StatusBar *widget.Label
	// SettingsButton opens Settings (backup and restore); hidden without
	// a BackupService.
	SettingsButton *widget.Button
	// Settings is the open settings dialog, nil when closed.
	Settings *SettingsDialog
	// Calibration is the open calibration wizard, nil when closed
	// (LivePanel.Calibrate opens it; hidden without a CalibrationService).
	Calibration *CalibrationWizard
	// Glove is the glove panel (the live view's "Glove" tab), EStop the
	// E-STOP button in the top bar and GloveState the glove's state
	// beside it; all nil without a GloveService.
	Glove      *GlovePanel
	EStop      *EStopButton
	GloveState *Badge
	// Rehab is the "Exercises" tab; nil without a RehabService.
	Rehab *RehabPanel
	// Notice is the banner above the panels (sessions a crash
	// interrupted); hidden until ShowInterrupted.
	Notice *Notice

	// mvcPatient is the patient whose MVC the live bars show (0: none).
	mvcPatient int64
	deps       Deps
	win        fyne.Window
	run        runner
	ctx        atomic.Pointer[context.Context]
	queued     atomic.Bool // a frame is queued on the Fyne goroutine
	frames     int
	done       chan struct{} // closed when the ticker goroutine of Start exits
	content    fyne.CanvasObject
}

// New builds the main screen on window w, applies the clinic theme to a,
// and starts loading the patient list in the background. It panics if a
// service in d is nil. Call it on the Fyne goroutine (or before the app
// runs); the app then sets Content as the window's content and calls Start.
func New(a fyne.App, w fyne.Window, d Deps) *MainScreen {
	switch {
	case d.Patients == nil:
		panic("ui: nil PatientService")
	case d.Device == nil:
		panic("ui: nil DeviceService")
	case d.Recorder == nil:
		panic("ui: nil RecordingService")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	a.Settings().SetTheme(newRehabTheme())

	m := &MainScreen{deps: d, done: make(chan struct{}), win: w}
	m.run.deferred = isTestDriver(a.Driver())
	sh := m.shared()
	m.Patients = newPatientPanel(sh, d.Patients, d.Recorder, d)
	m.Device = newDevicePanel(sh, d.Device, d.Probe, d.Channels, func() *storage.Patient { return m.Patients.selected })
	m.Live = newLivePanel(sh, d.Recorder)
	m.StatusBar = widget.NewLabel("")
	m.StatusBar.Truncation = fyne.TextTruncateEllipsis

	m.Patients.onSelect = func(p *storage.Patient) {
		m.Live.setPatient(p)
		if m.Rehab != nil {
			m.Rehab.setPatient(p)
		}
		m.loadPatientMVC(p)
		if m.Glove != nil {
			m.Glove.update()
		}
		m.updateStatusBar()
	}
	m.Device.changed = m.Refresh
	m.Live.changed = func() {
		m.Device.setRecording(m.Live.recording)
		m.Patients.ReloadSessions()
		m.updateStatusBar()
	}

	if d.Calibration != nil {
		m.Live.calibrate = m.onCalibrateTapped
		m.Live.Calibrate.Show()
	}

	m.SettingsButton = widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), m.onSettingsTapped)
	if d.Backup == nil {
		m.SettingsButton.Hide()
	}

	right := container.NewHBox(container.NewVBox(m.SettingsButton))
	if d.Glove != nil {
		m.Glove = newGlovePanel(sh, d.Glove, d.Device.Ports, func() *storage.Patient { return m.Patients.selected })
		m.Live.Tabs.Append(container.NewTabItem("Glove", m.Glove.content))
		m.EStop = sh.newEStopButton()
		m.GloveState = newBadge(theme.CaptionTextSize()+1, fyne.TextAlignCenter)
		right = container.NewHBox(container.NewVBox(m.EStop, m.GloveState.box), container.NewVBox(m.SettingsButton))
		prev := w.Canvas().OnTypedKey()
		w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
			if ev.Name == EStopKey {
				sh.estop()
				return
			}
			if prev != nil {
				prev(ev)
			}
		})
	}

	if d.Rehab != nil {
		m.Rehab = newRehabPanel(sh, d.Rehab, func() *storage.Patient { return m.Patients.selected })
		m.Rehab.ended = func() {
			m.loadPatientMVC(m.Patients.selected)
			m.Patients.ReloadSessions()
		}
		m.Live.Tabs.Append(container.NewTabItem("Exercises", m.Rehab.content))
	}

	split := container.NewHSplit(m.Patients.content, m.Live.content)
	split.Offset = 0.4
	top := container.NewBorder(nil, nil, nil, right, m.Device.content)
	m.Notice = newNotice(func() fyne.CanvasObject { return m.content })
	m.content = container.NewBorder(
		container.NewVBox(top, widget.NewSeparator(), m.Notice.box),
		container.NewVBox(widget.NewSeparator(), m.StatusBar),
		nil, nil, split)

	m.Refresh()
	m.Patients.Reload()
	return m
}

// ShowInterrupted tells the therapist, in a banner until dismissed, which
// recordings a crash interrupted (storage marks them at Open). An empty
// list shows nothing. Call it on the Fyne goroutine.
func (m *MainScreen) ShowInterrupted(list []Interrupted) {
	if len(list) == 0 {
		return
	}
	m.Notice.Text.SetText(interruptedText(list))
	setVisible(m.Notice.box, true, m.content)
}

// Content returns the screen's root object.
func (m *MainScreen) Content() fyne.CanvasObject { return m.content }

// Start starts the refresh ticker: FrameHz times a second it queues one
// refresh on the Fyne goroutine with fyne.Do, reading only
// DeviceService.Snapshot and Status (and RecordingService.Recording five
// times a second). A frame is not queued while the previous one has not
// run, so a busy Fyne goroutine is never flooded. The goroutine exits when
// ctx is done; ctx also bounds the screens' service calls. Call Start once.
// Under Fyne's test driver fyne.Do runs on the ticker goroutine itself, so
// UI tests call Refresh instead.
func (m *MainScreen) Start(ctx context.Context) {
	m.ctx.Store(&ctx)
	go func() {
		defer close(m.done)
		t := time.NewTicker(time.Second / FrameHz)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if m.queued.CompareAndSwap(false, true) {
					fyne.Do(m.frame)
				}
			}
		}
	}()
}

// Refresh reads the device status, the latest snapshot and the recorder's
// state once and updates every panel. Call it on the Fyne goroutine; Start
// does so FrameHz times a second (the text five times a second).
func (m *MainScreen) Refresh() { m.update(true) }

// WaitIdle blocks until every background service call started by the
// screens has returned and its result is on screen. It is meant for tests
// and must not be called on the Fyne goroutine.
//
// Under Fyne's test driver (fyne.io/fyne/v2/test), which has no Fyne
// goroutine, results are applied only by WaitIdle, on the goroutine that
// calls it, so a test's widget calls never race with them: call WaitIdle
// after each action that starts a service call (New, Connect, Record, Save,
// a search, selecting a patient).
func (m *MainScreen) WaitIdle() { m.run.wait() }

// shared returns what the panels and dialogs share.
func (m *MainScreen) shared() shared {
	return shared{win: m.win, log: m.deps.Log, run: &m.run, ctx: m.context, now: time.Now, glove: m.deps.Glove}
}

func (m *MainScreen) context() context.Context {
	if p := m.ctx.Load(); p != nil {
		return *p
	}
	return context.Background()
}

func (m *MainScreen) frame() {
	m.queued.Store(false)
	m.frames++
	m.update(m.frames%slowEvery == 0)
}

func (m *MainScreen) onSettingsTapped() {
	if m.deps.Backup == nil || m.Settings != nil {
		return
	}
	sh := m.shared()
	m.Settings = newSettingsDialog(sh, m.deps.Backup, m.deps.Mains, m.Live.Recording,
		func() { // restored: everything shown may be stale
			m.Patients.Reload()
			m.Patients.ReloadSessions()
		},
		func() { m.Settings = nil })
	m.Settings.dialog.Show()
}

func (m *MainScreen) onCalibrateTapped() {
	pt := m.Patients.selected
	if m.deps.Calibration == nil || m.Calibration != nil || pt == nil {
		return
	}
	sh := m.shared()
	m.Calibration = newCalibrationWizard(sh, m.deps.Calibration, m.deps.Device, m.deps.Channels, *pt,
		func(sm *service.SavedModel) {
			// The new model's MVC is now the patient's newest.
			var mvc *storage.MVCMeasurement
			if len(sm.MVCUV) > 0 {
				mvc = &storage.MVCMeasurement{PatientID: pt.ID, Source: "calibration", MVCUV: sm.MVCUV, CreatedAt: m.shared().now()}
			}
			m.Live.setPatientMVC(mvc)
			if m.Rehab != nil {
				m.Rehab.setMVC(mvc)
			}
		},
		func() { m.Calibration = nil })
	m.Calibration.dialog.Show()
}

// loadPatientMVC shows the live bars in % of patient p's own newest MVC
// (none: "% max" at once, so another patient's MVC is never shown).
func (m *MainScreen) loadPatientMVC(p *storage.Patient) {
	var id int64
	if p != nil {
		id = p.ID
	}
	if id != m.mvcPatient { // another patient: never show the previous one's
		m.Live.setPatientMVC(nil)
		m.mvcPatient = id
	}
	if p == nil || m.deps.Rehab == nil {
		return
	}
	ctx := m.context()
	m.run.do(func() func() {
		mvc, err := m.deps.Rehab.PatientMVC(ctx, id)
		return func() {
			if err != nil {
				m.deps.Log.Warn("load the patient's MVC", "err", err)
				return
			}
			if cur := m.Patients.selected; cur != nil && cur.ID == id {
				m.Live.setPatientMVC(mvc)
				if m.Rehab != nil {
					m.Rehab.setMVC(mvc)
				}
			}
		}
	})
}

// update refreshes the scope, the RMS bars, the fatigue trend and any
// transfer progress and, when full or the device state changed, the text
// and buttons.
func (m *MainScreen) update(full bool) {
	m.Live.setSnapshot(m.deps.Device.Snapshot())
	if m.Calibration != nil {
		m.Calibration.poll()
	}
	m.Patients.poll()
	if m.Glove != nil {
		m.updateGlove()
	}
	if m.Rehab != nil {
		m.Rehab.poll()
	}
	st := m.deps.Device.Status()
	m.Live.setLive(st)
	if !full && st.State == m.Device.status.State {
		return
	}
	m.Device.setStatus(st)
	m.Live.setStreaming(st.State == service.Streaming)
	m.Live.poll(m.deps.Recorder.Recording())
	m.Device.setRecording(m.Live.recording)
	m.updateStatusBar()
}

// updateGlove shows the glove's status (GloveService.Status is cheap) in
// the panel and the top bar; called every frame.
func (m *MainScreen) updateGlove() {
	m.Glove.setStatus(m.deps.Glove.Status())
	look := lookOf(m.Glove.status.State)
	if m.Glove.status.State == "" {
		look = lookOf(service.GloveDisconnected)
	}
	m.GloveState.set(look.short, look.bg, look.fg)
}

func (m *MainScreen) updateStatusBar() {
	st := m.Device.status
	parts := []string{"Device: " + st.State.String()}
	if st.State == service.Streaming {
		parts[0] += " " + strings.TrimSpace(formatRate(st.MeasuredRateHz))
		if n := st.Lost + st.Dropped; n > 0 {
			parts[0] += " · " + groupDigits(int64(n)) + " samples missing"
		}
	}
	if p := m.Patients.selected; p != nil {
		parts = append(parts, "Patient: "+p.Code)
	} else {
		parts = append(parts, "No patient")
	}
	if m.Live.recording {
		parts = append(parts, "● Recording "+formatDuration(m.Live.now().Sub(m.Live.started)))
	}
	setLabel(m.StatusBar, strings.Join(parts, "    |    "))
}
