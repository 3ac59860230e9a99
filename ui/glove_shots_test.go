package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"myorehab/app/service"
)

// midSession is a glove status in the middle of an assisted session.
func midSession() service.GloveStatus {
	st := service.GloveStatus{
		State: service.GloveArmed, Port: "/dev/ttyACM0", Armed: true, Mode: service.ModeProportional, AssistLevel: 60,
		Controller: "closing the hand: power grip decided (confidence 0.92, 3 of 3 votes)",
		Commands:   48213, Acks: 48190, Nacks: 3, FrameErrors: 12,
		TComp: 4200 * time.Microsecond, TTrans: 9 * time.Millisecond, TSync: 38 * time.Millisecond,
	}
	for i, n := range []string{"thumb", "index", "middle", "ring", "little"} {
		st.Fingers = append(st.Fingers, service.FingerStatus{Name: n, Position: float64(320 + 90*i), Target: float64(420 + 80*i), Force: float64(85 + 40*i), ForceLimit: 400})
	}
	return st
}

// saveShot writes w's canvas to $MYOREHAB_SHOTS/name.png when that
// variable is set.
func saveShot(t *testing.T, w fyne.Window, name string) {
	t.Helper()
	dir := os.Getenv("MYOREHAB_SHOTS")
	if dir == "" {
		return
	}
	// The test driver does not lay out again when a minimum size
	// changes (a real window does): do it before the capture.
	w.Content().Refresh()
	for _, o := range w.Canvas().Overlays().List() {
		o.Refresh()
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

// TestGloveScreensFit lays the main screen out with the glove at the
// clinic's smallest window sizes and checks that its minimum size fits;
// with MYOREHAB_SHOTS=<dir> it also writes PNGs of the screens there
// (look at them: the test driver cannot judge overlaps).
func TestGloveScreensFit(t *testing.T) {
	shot := saveShot
	for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 1366, Height: 768}} {
		name := func(s string) string { return s + "-" + sizeName(size) }
		t.Run(sizeName(size), func(t *testing.T) {
			// Every optional service, as the app has them: the widest
			// live bar and patient panel.
			all := func(d *Deps) {
				d.History, d.Review, d.Transfer = &fakeHistory{}, &fakeReview{}, &fakeTransfer{}
				d.Backup, d.Calibration, d.Channels, d.Probe = &fakeBackup{}, newFakeCalibration(), &fakeChannels{}, &fakeProbe{}
			}
			g := newFakeGlove()
			h := newHarnessWith(t, func(_ *harness, d *Deps) { all(d); d.Glove = g })
			base := newHarnessWith(t, func(_ *harness, d *Deps) { all(d) })
			h.w.Resize(size)
			min, was := h.m.Content().MinSize(), base.m.Content().MinSize()
			t.Logf("minimum size with the glove %v, without %v", min, was)
			if min.Width > size.Width {
				t.Errorf("with the glove the main screen needs %v wide, more than %v", min.Width, size.Width)
			}
			if min.Height > was.Height {
				t.Errorf("the glove adds to the main screen's height: %v, was %v", min.Height, was.Height)
			}
			h.connectSim()
			h.selectPatient(1)
			h.m.Live.setSnapshot(liveSnapshot(1))
			h.connectGlove("/dev/ttyACM0")
			g.set(midSession())
			h.m.Glove.armedFor = "P-001"
			h.m.Refresh()
			shot(t, h.w, name("main-signal"))
			h.m.Live.Tabs.SelectIndex(len(h.m.Live.Tabs.Items) - 1)
			h.m.Refresh()
			if min := h.m.Content().MinSize(); min.Width > size.Width || min.Height > was.Height {
				t.Errorf("armed, on the Glove tab, the main screen needs %v (without a glove %v; window %v)", min, was, size)
			}
			shot(t, h.w, name("glove-armed"))

			lost := midSession()
			lost.State, lost.Armed = service.GloveLinkLost, false
			lost.Fault = "The glove stopped answering 0.3 s ago: check its USB cable and power. The targets were stopped; motion needs a new ARM."
			g.set(lost)
			h.m.Refresh()
			shot(t, h.w, name("glove-linklost"))

			fault := midSession()
			fault.State, fault.Armed = service.GloveFault, false
			fault.Fault = "Over-force on the index finger (4.1 N, limit 4.0 N): check that nothing blocks the hand, then Clear fault and ARM again."
			fault.Controller = "ramping to safe: glove fault"
			g.set(fault)
			h.m.Refresh()
			shot(t, h.w, name("glove-fault"))

			g.set(service.GloveStatus{State: service.GloveDisconnected})
			h.m.Refresh()
			shot(t, h.w, name("glove-disconnected"))

			dis := midSession()
			dis.State, dis.Armed = service.GloveDisarmed, false
			dis.Controller = "holding still: not armed"
			g.set(dis)
			h.m.Refresh()
			test.Tap(h.m.Glove.Arm)
			shot(t, h.w, name("glove-confirm"))
			test.Tap(findButton(h.w.Canvas().Overlays().Top(), "Cancel"))

			test.Tap(h.m.Glove.LimitsButton)
			h.m.WaitIdle()
			e := h.m.Glove.Limits
			e.Rows[1].Min.SetText("95")
			test.Tap(e.Save)
			shot(t, h.w, name("glove-limits"))
			e.close()
		})
	}
}

func sizeName(s fyne.Size) string {
	return strconv.Itoa(int(s.Width)) + "x" + strconv.Itoa(int(s.Height))
}
