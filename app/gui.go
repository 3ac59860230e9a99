package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/dialog"

	"myorehab/app/auth"
	"myorehab/app/device"
	"myorehab/app/records"
	"myorehab/app/rehab"
	"myorehab/app/service"
	"myorehab/assets"
	"myorehab/storage"
	"myorehab/storage/sqlite"
	"myorehab/ui"
)

// AppID is MyoRehab's application identifier (FyneApp.toml).
const AppID = "org.myorehab.app"

// GUIOptions configures the desktop app.
type GUIOptions struct {
	// DataDir holds the database and the log; empty means DefaultDataDir.
	DataDir string
	// Demo opens the app with a demo patient selected and the simulated
	// amplifier streaming.
	Demo bool
	// Glove, when set, is the serial port of the glove, connected at start
	// (disarmed: moving needs the therapist's ARM).
	Glove string
	// LockAfter is the idle time after which the screen locks (≤ 0:
	// auth.DefaultIdleTimeout, 10 minutes).
	LockAfter time.Duration
}

// DemoPatientCode is the clinic code of the demo patient.
const DemoPatientCode = "DEMO-001"

// runGUI opens the desktop app and blocks until its window closes or ctx
// ends, then shuts down in order: stop the recording, stop the reader,
// close the database.
func runGUI(ctx context.Context, opts GUIOptions) error {
	dir := opts.DataDir
	if dir == "" {
		var err error
		if dir, err = DefaultDataDir(); err != nil {
			return err
		}
	}
	log, logFile, err := openLog(dir)
	if err != nil {
		return err
	}
	defer logFile.Close()
	log.Info("start", "data_dir", dir, "demo", opts.Demo)
	db, err := sqlite.Open(filepath.Join(dir, "myorehab.db"))
	if err != nil {
		log.Error("open database", "err", err)
		return fmt.Errorf("open the MyoRehab database in %s: %w", dir, err)
	}
	recovered := db.Recovered()
	if len(recovered) > 0 {
		log.Warn("sessions interrupted by a crash were marked interrupted", "sessions", recovered)
	}
	svc := NewServices(ctx, log, db)
	accounts := auth.NewApp(&auth.Accounts{DB: db}, opts.LockAfter)
	idle := auth.NewIdleTimer(accounts.IdleTimeout(), nil)
	var restart atomic.Bool
	defer func() {
		if err := svc.Close(); err != nil {
			log.Error("shutdown", "err", err)
		}
		log.Info("stopped")
		if restart.Load() {
			// A restored database: start again on it, in this process's place.
			logFile.Close()
			if exe, err := os.Executable(); err == nil {
				err = syscall.Exec(exe, os.Args, os.Environ())
				fmt.Fprintln(os.Stderr, "myorehab: restart after restore failed:", err, "- start MyoRehab again")
			}
		}
	}()

	if path, err := fynePrefsPath(AppID); err == nil {
		if did, err := repairPrefs(path); err != nil {
			log.Warn("preferences", "err", err)
		} else if did != "" {
			log.Warn(did)
		}
	}
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	w := a.NewWindow("MyoRehab")
	svc.restart = func() {
		restart.Store(true)
		fyne.Do(a.Quit)
	}
	loadMains(svc.Device, a.Preferences())
	svc.mains = mainsSetting{dev: svc.Device, prefs: a.Preferences()}
	scr, gate := BuildGatedUI(a, w, svc, accounts, idle)
	// The smallest screen MyoRehab is made for (a 1280×720 laptop panel);
	// the window can be enlarged, and its content never needs more.
	w.Resize(fyne.NewSize(1280, 720))
	if len(recovered) > 0 {
		scr.ShowInterrupted(interruptedSessions(ctx, db, recovered))
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	scr.Start(ctx)
	gate.Start(ctx)
	defer func() {
		if err := accounts.Logout(context.WithoutCancel(ctx)); err != nil {
			log.Error("log out at exit", "err", err)
		}
	}()
	go func() {
		<-ctx.Done() // Ctrl-C or SIGTERM: close the window like the user would
		fyne.Do(a.Quit)
	}()
	if opts.Demo {
		go func() {
			demoLogin(ctx, svc, accounts, gate)
			startDemo(ctx, svc, scr)
			runSteps(ctx, svc, scr, os.Getenv(StepsEnv))
		}()
	}
	if opts.Glove != "" {
		go func() {
			if err := svc.Glove.Connect(opts.Glove); err != nil {
				log.Error("glove at start", "port", opts.Glove, "err", err)
			}
		}()
	}
	// The full integrity check reads the whole file: run it in the
	// background so the app starts at once, and say so if it fails.
	go func() {
		if err := db.Check(ctx); err != nil && ctx.Err() == nil {
			log.Error("integrity check", "err", err)
			fyne.Do(func() {
				dialog.ShowError(fmt.Errorf("the database check found a problem: %w. Your recent data is still shown; "+
					"ask your clinical engineer to restore the latest backup (Settings → Backups)", err), w)
			})
		}
	}()
	w.ShowAndRun()
	return nil
}

// MainScreen and Gate are the window's screens as BuildUI and BuildGatedUI
// return them (so that tests need not import ui: gui.go is its one
// importer).
type (
	MainScreen = ui.MainScreen
	Gate       = ui.Gate
)

// BuildUI builds the main screen for svc on window w and sets it as the
// window's content, without the log-in gate (tests of the screens).
func BuildUI(a fyne.App, w fyne.Window, svc *Services) *ui.MainScreen {
	scr := ui.New(a, w, svc.Deps())
	w.SetContent(scr.Content())
	return scr
}

// BuildGatedUI builds the main screen behind the log-in gate (first-run
// screen, log-in, idle lock, administrator screens) and sets it as the
// window's content. The gate's idle lock is idle.
func BuildGatedUI(a fyne.App, w fyne.Window, svc *Services, accounts *auth.App, idle *auth.IdleTimer) (*ui.MainScreen, *ui.Gate) {
	scr := ui.New(a, w, svc.Deps())
	gate := ui.NewGate(w, scr, ui.GateDeps{Accounts: accounts, Audit: accounts, Files: records.PatientFiles{DB: svc.DB}, Idle: idle})
	w.SetContent(gate.Content())
	return scr, gate
}

// demoLogin logs the demo in as the demo administrator when the database
// has no administrator of its own (a demo or test data folder); otherwise
// the log-in screen stays (see auth.Accounts.DemoLogin).
func demoLogin(ctx context.Context, svc *Services, accounts *auth.App, gate *ui.Gate) {
	t, err := accounts.DemoLogin(ctx)
	if err != nil {
		svc.Log.Error("demo log-in", "err", err)
		return
	}
	if t == nil {
		svc.Log.Info("demo: this database has administrators: log in")
		return
	}
	fyne.Do(func() { gate.LoggedIn(t) })
}

// Deps returns the UI's view of the services.
func (s *Services) Deps() ui.Deps {
	return ui.Deps{
		Patients:     records.Patients{DB: s.DB},
		Device:       s.Device,
		Recorder:     records.Recordings{DB: s.DB, Recorder: s.Recorder, Filter: s.Device.FilterDescription},
		Log:          s.Log,
		Probe:        device.Prober{},
		Channels:     records.ChannelSetups{DB: s.DB},
		History:      records.History{DB: s.DB},
		Review:       records.Review{DB: s.DB},
		Transfer:     records.Transfer{DB: s.DB},
		PatientFiles: records.PatientFiles{DB: s.DB},
		Progress:     records.Progress{DB: s.DB, Clinic: clinicName()},
		Backup: &records.Backups{DB: s.DB, Log: s.Log, Recording: s.Recorder.Active,
			Disconnect: func() { s.Device.Disconnect() }, Restart: s.restartApp},

		Calibration: s.Calibration,
		Mains:       s.mains,
		Glove:       s.Glove,
		Rehab:       s.Rehab,
	}
}

// mainsPref is the preference key of the mains frequency setting.
const mainsPref = "mains_hz"

// mainsSetting implements service.MainsService on the device, kept in the
// app's preferences (nil preferences: not kept).
type mainsSetting struct {
	dev   *device.Device
	prefs fyne.Preferences
}

func (m mainsSetting) Mains() string { return m.dev.Mains().String() }

func (m mainsSetting) SetMains(v string) error {
	mains, err := device.ParseMains(v)
	if err != nil {
		return err
	}
	m.dev.SetMains(mains)
	if m.prefs != nil {
		m.prefs.SetString(mainsPref, mains.String())
	}
	return nil
}

// loadMains applies the stored mains setting, if any.
func loadMains(dev *device.Device, prefs fyne.Preferences) {
	if mains, err := device.ParseMains(prefs.StringWithFallback(mainsPref, "auto")); err == nil {
		dev.SetMains(mains)
	}
}

// startDemo makes sure the demo patient exists, selects it and connects
// the simulated amplifier.
func startDemo(ctx context.Context, svc *Services, scr *ui.MainScreen) {
	p, err := ensureDemoPatient(ctx, svc.DB)
	if err != nil {
		svc.Log.Error("demo patient", "err", err)
		return
	}
	if err := svc.Device.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		svc.Log.Error("demo connect", "err", err)
	}
	fyne.DoAndWait(scr.Patients.Reload)
	scr.WaitIdle() // the list is loaded: the demo patient can be selected
	fyne.Do(func() {
		scr.Device.Protocol.SetSelected("sim")
		scr.Patients.Select(p.ID)
		scr.Refresh()
	})
}

// interruptedSessions describes the sessions Open marked interrupted for
// the crash notice (a session that cannot be read is described by its ID).
func interruptedSessions(ctx context.Context, db *sqlite.DB, ids []int64) []ui.Interrupted {
	out := make([]ui.Interrupted, 0, len(ids))
	for _, id := range ids {
		it := ui.Interrupted{SessionID: id}
		if s, err := db.Session(ctx, id); err == nil {
			it.Patient, it.Started, it.Kept = s.PatientCode, s.StartedAt, s.Duration()
		}
		out = append(out, it)
	}
	return out
}

// StepsEnv names the environment variable with the steps the demo takes
// once it streams (make screenshots uses it): comma-separated
// ui.MainScreen.Step names and "wait:N" pauses of N seconds, e.g.
// "record,wait:5,stop,review".
const StepsEnv = "MYOREHAB_STEPS"

// runSteps takes the demo's steps (StepsEnv); a step that fails is logged
// and the rest still run.
func runSteps(ctx context.Context, svc *Services, scr *ui.MainScreen, steps string) {
	for _, st := range strings.Split(steps, ",") {
		st = strings.TrimSpace(st)
		if st == "" {
			continue
		}
		if n, ok := strings.CutPrefix(st, "wait:"); ok {
			sec, err := strconv.ParseFloat(n, 64)
			if err != nil {
				svc.Log.Error("demo step", "step", st, "err", err)
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(sec * float64(time.Second))):
			}
			continue
		}
		var err error
		fyne.DoAndWait(func() { err = scr.Step(st) })
		if err != nil {
			svc.Log.Error("demo step", "step", st, "err", err)
		}
	}
}

// ensureDemoPatient returns the demo patient, creating it if needed, with
// the starter exercise plan (rehab.DefaultPlan) when it has none, so the
// demo's Exercises tab can start a session at once.
func ensureDemoPatient(ctx context.Context, db *sqlite.DB) (*storage.Patient, error) {
	p, err := db.PatientByCode(ctx, DemoPatientCode)
	if err != nil {
		p = &storage.Patient{
			Code:         DemoPatientCode,
			Name:         "Demo Patient",
			AffectedSide: "right",
			Diagnosis:    "Demonstration record (simulated EMG)",
		}
		if err := db.CreatePatient(ctx, p); err != nil {
			return nil, err
		}
	}
	if _, err := db.LatestRehabPlan(ctx, p.ID); errors.Is(err, storage.ErrNotFound) {
		plan := rehab.DefaultPlan()
		if err := db.SaveRehabPlan(ctx, &storage.RehabPlan{PatientID: p.ID, Name: plan.Name, JSON: rehab.PlanJSON(plan)}); err != nil {
			return nil, err
		}
	}
	return p, nil
}
