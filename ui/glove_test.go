package ui

import (
	"context"
	"errors"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
)

// fakeGlove is an in-memory GloveService: Connect succeeds (DISARMED)
// unless connectErr is set, Arm arms unless armErr is set; it records
// every call by name.
type fakeGlove struct {
	mu         sync.Mutex
	status     service.GloveStatus
	calls      []string
	connectErr error
	armErr     error
	armedFor   int64
	limits     map[int64][]service.FingerLimit
	saved      []service.FingerLimit
	saveErr    error
	mode       string
	level      int
}

func newFakeGlove() *fakeGlove {
	return &fakeGlove{status: service.GloveStatus{State: service.GloveDisconnected}, limits: map[int64][]service.FingerLimit{}}
}

func (f *fakeGlove) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

// called returns the calls so far.
func (f *fakeGlove) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeGlove) count(call string) int {
	n := 0
	for _, c := range f.called() {
		if c == call {
			n++
		}
	}
	return n
}

// fiveFingers is a live glove's fingers, thumb first.
func fiveFingers() []service.FingerStatus {
	var out []service.FingerStatus
	for i, n := range []string{"thumb", "index", "middle", "ring", "little"} {
		out = append(out, service.FingerStatus{Name: n, Position: float64(100 + 150*i), Target: float64(200 + 150*i), Force: 120, ForceLimit: 400})
	}
	return out
}

func (f *fakeGlove) Connect(path string) error {
	f.record("Connect " + path)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.connectErr != nil {
		return f.connectErr
	}
	f.status = service.GloveStatus{State: service.GloveDisarmed, Port: path, Mode: service.ModeAssist, AssistLevel: 40,
		Controller: "holding still: not armed", Fingers: fiveFingers()}
	return nil
}

func (f *fakeGlove) Disconnect() error {
	f.record("Disconnect")
	f.set(service.GloveStatus{State: service.GloveDisconnected})
	return nil
}

func (f *fakeGlove) Status() service.GloveStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.status
	st.Fingers = slices.Clone(st.Fingers)
	return st
}

func (f *fakeGlove) set(st service.GloveStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = st
}

func (f *fakeGlove) Arm(_ context.Context, patientID int64) error {
	f.record("Arm")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.armErr != nil {
		return f.armErr
	}
	f.armedFor = patientID
	f.status.State, f.status.Armed = service.GloveArmed, true
	return nil
}

func (f *fakeGlove) Disarm() error {
	f.record("Disarm")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status.State, f.status.Armed = service.GloveDisarmed, false
	return nil
}

func (f *fakeGlove) EStop() {
	f.record("EStop")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status.State != service.GloveDisconnected {
		f.status.State, f.status.Armed = service.GloveEStop, false
	}
}

func (f *fakeGlove) ClearEStop() error {
	f.record("ClearEStop")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status.State = service.GloveDisarmed
	return nil
}

func (f *fakeGlove) SetMode(mode string, level int) error {
	f.record("SetMode")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode, f.level = mode, level
	f.status.Mode, f.status.AssistLevel = mode, level
	return nil
}

func (f *fakeGlove) Limits(_ context.Context, patientID int64) ([]service.FingerLimit, error) {
	f.record("Limits")
	f.mu.Lock()
	defer f.mu.Unlock()
	if l, ok := f.limits[patientID]; ok {
		return slices.Clone(l), nil
	}
	out := make([]service.FingerLimit, 5)
	for i := range out {
		out[i] = service.FingerLimit{MinPosition: 0, MaxPosition: 900, MaxForce: 500, MaxSpeed: 400}
	}
	return out, nil
}

func (f *fakeGlove) SaveLimits(_ context.Context, patientID int64, l []service.FingerLimit) error {
	f.record("SaveLimits")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.saveErr != nil {
		return f.saveErr
	}
	f.limits[patientID] = slices.Clone(l)
	f.saved = slices.Clone(l)
	return nil
}

// newGloveHarness is a harness with a fake glove.
func newGloveHarness(t *testing.T) (*harness, *fakeGlove) {
	t.Helper()
	g := newFakeGlove()
	h := newHarnessWith(t, func(_ *harness, d *Deps) { d.Glove = g })
	return h, g
}

// connectGlove connects the fake glove on path through the panel.
func (h *harness) connectGlove(path string) {
	h.t.Helper()
	p := h.m.Glove
	p.Port.SetText(path)
	test.Tap(p.Connect)
	h.m.WaitIdle()
	h.m.Refresh()
}

// findEStop returns the visible E-STOP buttons laid out under o.
func findEStops(o fyne.CanvasObject) []*EStopButton {
	var out []*EStopButton
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*EStopButton); ok && b.Visible() {
			out = append(out, b)
		}
	}
	return out
}

func TestNoGloveNoGloveWidgets(t *testing.T) {
	h := newHarness(t)
	if h.m.Glove != nil || h.m.EStop != nil || h.m.GloveState != nil {
		t.Fatal("glove widgets built without a GloveService")
	}
	if n := len(findEStops(h.w.Canvas().Content())); n != 0 {
		t.Errorf("%d E-STOP buttons without a glove", n)
	}
	for _, it := range h.m.Live.Tabs.Items {
		if it.Text == "Glove" {
			t.Error("Glove tab shown without a glove")
		}
	}
	if h.w.Canvas().OnTypedKey() != nil {
		t.Error("a key handler is registered without a glove")
	}
}

func TestGloveConnect(t *testing.T) {
	h, g := newGloveHarness(t)
	p := h.m.Glove
	if p.Disconnect.Disabled() == false || p.Arm.Disabled() == false {
		t.Error("Disconnect or ARM enabled while disconnected")
	}
	test.Tap(p.Connect) // no port typed
	h.m.WaitIdle()
	if len(g.called()) != 0 || !strings.Contains(p.Message.Text, "serial port") {
		t.Errorf("connect without a port: calls %v, message %q", g.called(), p.Message.Text)
	}
	h.connectGlove("/dev/pts/7") // a typed path that is not among the ports found
	if c := g.called(); len(c) != 1 || c[0] != "Connect /dev/pts/7" {
		t.Fatalf("calls %v, want Connect /dev/pts/7", c)
	}
	if p.Status().State != service.GloveDisarmed || !strings.HasPrefix(p.State.Text.Text, "DISARMED") {
		t.Errorf("after connect: state %q, badge %q", p.Status().State, p.State.Text.Text)
	}
	if !p.Connect.Disabled() || p.Disconnect.Disabled() || !p.Port.Disabled() {
		t.Error("after connect: Connect/port enabled or Disconnect disabled")
	}
	if p.Mode.Selected != modeLabel(service.ModeAssist) || p.Assist.Value != 40 {
		t.Errorf("mode %q level %v, want the glove's (assist, 40)", p.Mode.Selected, p.Assist.Value)
	}
	if g.count("SetMode") != 0 {
		t.Error("showing the glove's mode sent SetMode")
	}
	if h.m.GloveState.Text.Text != "Glove: disarmed" {
		t.Errorf("top bar %q", h.m.GloveState.Text.Text)
	}

	// Mode and level go to the glove.
	p.Mode.SetSelected(modeLabel(service.ModeProportional))
	h.m.WaitIdle()
	p.Assist.SetValue(70)
	h.m.WaitIdle()
	g.mu.Lock()
	mode, level := g.mode, g.level
	g.mu.Unlock()
	if mode != service.ModeProportional || level != 70 {
		t.Errorf("SetMode got %q %d, want proportional 70", mode, level)
	}

	test.Tap(p.Disconnect)
	h.m.WaitIdle()
	h.m.Refresh()
	if g.count("Disconnect") != 1 || p.Status().State != service.GloveDisconnected || p.Connect.Disabled() {
		t.Errorf("after disconnect: calls %v, state %q", g.called(), p.Status().State)
	}
}

func TestGloveConnectError(t *testing.T) {
	h, g := newGloveHarness(t)
	g.connectErr = errors.New("no answer on /dev/ttyACM0: is the glove switched on?")
	h.connectGlove("/dev/ttyACM0")
	p := h.m.Glove
	if !strings.Contains(p.Message.Text, "is the glove switched on?") || p.Message.Importance != widget.DangerImportance {
		t.Errorf("message %q (%v)", p.Message.Text, p.Message.Importance)
	}
	if h.w.Canvas().Overlays().Top() == nil {
		t.Error("no error dialog")
	} else if len(findEStops(h.w.Canvas().Overlays().Top())) != 1 {
		t.Error("the error dialog has no E-STOP")
	}
	if p.Connect.Disabled() {
		t.Error("cannot retry")
	}
}

func TestGloveStatesInWordsAndColour(t *testing.T) {
	h, g := newGloveHarness(t)
	cases := []struct {
		state string
		word  string // the badge starts with it
		bg    color.NRGBA
		live  bool
	}{
		{service.GloveDisconnected, "Not connected", badgeMuted, false},
		{service.GloveDisarmed, "DISARMED", badgeGrey, true},
		{service.GloveArmed, "ARMED", badgeGreen, true},
		{service.GloveFault, "FAULT", badgeRed, true},
		{service.GloveEStop, "E-STOP", badgeRed, true},
		{service.GloveLinkLost, "LINK LOST", badgeRed, false},
	}
	for _, c := range cases {
		st := service.GloveStatus{State: c.state, Fingers: fiveFingers(), Controller: "following EMG-proportional closing"}
		if c.state == service.GloveFault {
			st.Fault = "Over-force on the index finger: check that nothing blocks the hand, then Clear fault and ARM again."
		}
		g.set(st)
		h.m.Refresh()
		p := h.m.Glove
		if !strings.HasPrefix(p.State.Text.Text, c.word) || p.State.Bg.FillColor != c.bg {
			t.Errorf("%s: badge %q on %v, want %q… on %v", c.state, p.State.Text.Text, p.State.Bg.FillColor, c.word, c.bg)
		}
		if top := h.m.GloveState; top.Bg.FillColor != c.bg || !strings.HasPrefix(top.Text.Text, "Glove: ") {
			t.Errorf("%s: top bar %q on %v", c.state, top.Text.Text, top.Bg.FillColor)
		}
		for i, f := range p.Fingers {
			if f.Bar.Live() != c.live {
				t.Errorf("%s: finger %d live %v, want %v", c.state, i, f.Bar.Live(), c.live)
			}
			if got := f.Reading.Text == "no signal"; got == c.live {
				t.Errorf("%s: finger %d reads %q", c.state, i, f.Reading.Text)
			}
		}
		if c.state == service.GloveFault && p.Detail.Text != st.Fault {
			t.Errorf("fault shown as %q, want %q", p.Detail.Text, st.Fault)
		}
		if (c.state == service.GloveFault || c.state == service.GloveEStop) != p.Clear.Visible() {
			t.Errorf("%s: Clear visible %v", c.state, p.Clear.Visible())
		}
		if c.live != strings.Contains(p.Controller.Text, "EMG-proportional") {
			t.Errorf("%s: controller line %q", c.state, p.Controller.Text)
		}
	}
}

func TestGloveNotLiveLooksNotLive(t *testing.T) {
	h, g := newGloveHarness(t)
	h.connectGlove("/dev/ttyACM0")
	p := h.m.Glove
	st := g.Status()
	st.TComp, st.TTrans, st.TSync = 12e6, 8e6, 20e6
	g.set(st)
	h.m.Refresh()
	if got := p.Fingers[0].Name.Text; got != "Thumb" {
		t.Errorf("first finger %q, want Thumb", got)
	}
	if r := p.Fingers[1].Reading.Text; !strings.Contains(r, "25 %") || !strings.Contains(r, "→ 35 %") || !strings.Contains(r, "1.20 N") {
		t.Errorf("index reads %q, want 25 %%, → 35 %%, 1.20 N", r)
	}
	if want := "T_comp 12 ms + T_trans 8.0 ms + T_sync 20 ms = T_total 40 ms"; !strings.Contains(p.Latency.Text, want) {
		t.Errorf("latency %q, want %q", p.Latency.Text, want)
	}
	// The cable is pulled: the last values stay in the status but must not look live.
	st.State = service.GloveLinkLost
	g.set(st)
	h.m.Refresh()
	for i, f := range p.Fingers {
		if f.Bar.Live() || f.Reading.Text != "no signal" || f.Reading.Color != theme.Color(theme.ColorNameDisabled) {
			t.Errorf("link lost: finger %d live %v, reads %q", i, f.Bar.Live(), f.Reading.Text)
		}
	}
	if p.Latency.Text != "Delay: no decision yet" || p.Controller.Visible() {
		t.Errorf("link lost: latency %q, controller shown %v", p.Latency.Text, p.Controller.Visible())
	}
	if !strings.Contains(p.Detail.Text, "does not answer") {
		t.Errorf("link lost: detail %q", p.Detail.Text)
	}
	g.set(service.GloveStatus{State: service.GloveDisconnected})
	h.m.Refresh()
	for i, f := range p.Fingers {
		if f.Bar.Live() || f.Reading.Text != "no signal" {
			t.Errorf("disconnected: finger %d live %v, reads %q", i, f.Bar.Live(), f.Reading.Text)
		}
	}
}

func TestGloveArmAsksFirst(t *testing.T) {
	h, g := newGloveHarness(t)
	h.connectGlove("/dev/ttyACM0")
	p := h.m.Glove
	if !p.Arm.Disabled() {
		t.Error("ARM enabled without a patient")
	}
	h.selectPatient(1)
	if p.Arm.Disabled() {
		t.Fatal("ARM disabled with a patient and a disarmed glove")
	}

	// Cancel: nothing is sent.
	test.Tap(p.Arm)
	if p.ArmConfirm == nil {
		t.Fatal("ARM did not ask for confirmation")
	}
	top := h.w.Canvas().Overlays().Top()
	if !strings.Contains(labelsText(top), "The glove will move the patient's fingers") || !strings.Contains(labelsText(top), "P-001") {
		t.Errorf("confirmation says %q", labelsText(top))
	}
	if len(findEStops(top)) != 1 {
		t.Error("the confirmation has no E-STOP")
	}
	if g.count("Arm") != 0 {
		t.Fatal("Arm called before the confirmation")
	}
	test.Tap(findButton(top, "Cancel"))
	h.m.WaitIdle()
	if g.count("Arm") != 0 || p.ArmConfirm != nil {
		t.Fatalf("after Cancel: calls %v", g.called())
	}

	// Confirm: Arm for the selected patient.
	test.Tap(p.Arm)
	test.Tap(findButton(h.w.Canvas().Overlays().Top(), "Arm the glove"))
	h.m.WaitIdle()
	h.m.Refresh()
	if g.count("Arm") != 1 || g.armedFor != 1 {
		t.Fatalf("after confirming: calls %v, armed for %d", g.called(), g.armedFor)
	}
	if !strings.HasPrefix(p.State.Text.Text, "ARMED") || !strings.Contains(p.State.Text.Text, "P-001") || p.State.Bg.FillColor != badgeGreen {
		t.Errorf("armed badge %q", p.State.Text.Text)
	}
	if p.Disarm.Disabled() || !p.Arm.Disabled() {
		t.Error("armed: Disarm disabled or ARM enabled")
	}
	test.Tap(p.Disarm)
	h.m.WaitIdle()
	h.m.Refresh()
	if g.count("Disarm") != 1 || p.Status().State != service.GloveDisarmed {
		t.Errorf("after Disarm: calls %v", g.called())
	}
}

func TestGloveArmRefused(t *testing.T) {
	h, g := newGloveHarness(t)
	h.connectGlove("/dev/ttyACM0")
	h.selectPatient(2)
	g.armErr = errors.New("electrode off on FDS: fix the signal first")
	p := h.m.Glove
	test.Tap(p.Arm)
	test.Tap(findButton(h.w.Canvas().Overlays().Top(), "Arm the glove"))
	h.m.WaitIdle()
	h.m.Refresh()
	if p.Status().State != service.GloveDisarmed || !strings.Contains(p.Message.Text, "electrode off on FDS") || p.Message.Importance != widget.DangerImportance {
		t.Errorf("refused arm: state %q, message %q", p.Status().State, p.Message.Text)
	}
}

func TestEStopButtonOnMainScreen(t *testing.T) {
	h, g := newGloveHarness(t)
	h.connectGlove("/dev/ttyACM0")
	if h.m.EStop == nil || len(findEStops(h.w.Canvas().Content())) != 1 {
		t.Fatal("no E-STOP on the main screen")
	}
	test.Tap(h.m.EStop)
	if g.count("EStop") != 1 {
		t.Fatalf("calls %v, want EStop", g.called())
	}
	h.m.Refresh()
	p := h.m.Glove
	if !strings.HasPrefix(p.State.Text.Text, "E-STOP") || !p.Clear.Visible() || p.Clear.Text != "Release E-STOP" {
		t.Errorf("after E-STOP: badge %q, clear %v %q", p.State.Text.Text, p.Clear.Visible(), p.Clear.Text)
	}
	test.Tap(p.Clear)
	h.m.WaitIdle()
	h.m.Refresh()
	if g.count("ClearEStop") != 1 || p.Status().State != service.GloveDisarmed || p.Clear.Visible() {
		t.Errorf("after release: calls %v, state %q", g.called(), p.Status().State)
	}
}

func TestEStopKey(t *testing.T) {
	h, g := newGloveHarness(t)
	h.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyA})
	if g.count("EStop") != 0 {
		t.Fatal("a key other than Esc sent EStop")
	}
	h.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: EStopKey})
	if g.count("EStop") != 1 {
		t.Fatalf("Esc: calls %v, want EStop", g.called())
	}
	// Over an open dialog too: the key is the canvas's.
	test.Tap(h.m.SettingsButton) // hidden without backups, but the handler opens nothing then
	h.selectPatient(1)
	test.Tap(h.m.Glove.LimitsButton)
	h.m.WaitIdle()
	h.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: EStopKey})
	if g.count("EStop") != 2 {
		t.Fatalf("Esc over a dialog: calls %v", g.called())
	}
}

func TestGloveArmedFreesTheEStopKey(t *testing.T) {
	h, g := newGloveHarness(t)
	h.connectGlove("/dev/ttyACM0")
	h.w.Canvas().Focus(h.m.Patients.Search)
	if h.w.Canvas().Focused() == nil {
		t.Fatal("search field not focused")
	}
	st := g.Status()
	st.State = service.GloveArmed
	g.set(st)
	h.m.Refresh()
	if h.w.Canvas().Focused() != nil {
		t.Error("a text field keeps the focus while the glove is armed: Esc would not reach the E-STOP")
	}
}

// TestEStopInEveryDialog opens each dialog that covers the window and
// taps the E-STOP inside it.
func TestEStopInEveryDialog(t *testing.T) {
	g := newFakeGlove()
	h := newHarnessWith(t, func(h *harness, d *Deps) {
		d.Glove = g
		d.Backup = &fakeBackup{}
		d.Calibration = newFakeCalibration()
		d.Transfer = &fakeTransfer{}
	})
	h.w.Resize(fyne.NewSize(1280, 720))
	h.connectSim()
	h.selectPatient(1)
	open := []struct {
		name string
		open func()
	}{
		{"settings", func() { test.Tap(h.m.SettingsButton) }},
		{"calibration", func() { test.Tap(h.m.Live.Calibrate) }},
		{"add patient", func() { test.Tap(h.m.Patients.AddButton) }},
		{"device set-up", func() { test.Tap(h.m.Device.SetupButton) }},
		{"import", func() { test.Tap(h.m.Patients.ImportButton) }},
		{"glove limits", func() { test.Tap(h.m.Glove.LimitsButton) }},
	}
	for i, o := range open {
		before := g.count("EStop")
		o.open()
		h.m.WaitIdle()
		top := h.w.Canvas().Overlays().Top()
		if top == nil {
			t.Errorf("%s: no dialog opened", o.name)
			continue
		}
		saveShot(t, h.w, "dialog-"+strings.ReplaceAll(o.name, " ", "-"))
		es := findEStops(top)
		if len(es) != 1 {
			t.Errorf("%s: %d E-STOP buttons in the dialog, want 1", o.name, len(es))
			continue
		}
		test.Tap(es[0])
		if g.count("EStop") != before+1 {
			t.Errorf("%s: the dialog's E-STOP did not call EStop", o.name)
		}
		h.w.Canvas().Overlays().Remove(top)
		_ = i
	}
}

func TestGloveLimitsEditor(t *testing.T) {
	h, g := newGloveHarness(t)
	h.selectPatient(2)
	p := h.m.Glove
	if p.LimitsButton.Disabled() {
		t.Fatal("Limits disabled with a patient selected")
	}
	test.Tap(p.LimitsButton)
	h.m.WaitIdle()
	e := p.Limits
	if e == nil || len(e.Rows) != 5 {
		t.Fatalf("editor %v", e)
	}
	if e.Rows[0].Name != "Thumb" || e.Rows[0].Max.Text != "90" || e.Rows[0].Force.Text != "5" || e.Rows[0].Speed.Text != "40" {
		t.Errorf("thumb row %q: %q %q %q %q", e.Rows[0].Name, e.Rows[0].Min.Text, e.Rows[0].Max.Text, e.Rows[0].Force.Text, e.Rows[0].Speed.Text)
	}
	bad := []struct {
		row   int
		field func(*LimitRow) *widget.Entry
		text  string
		want  string
	}{
		{1, func(r *LimitRow) *widget.Entry { return r.Min }, "95", "Index: “most open” (95 %) must be less than “most closed” (90 %)."},
		{2, func(r *LimitRow) *widget.Entry { return r.Max }, "120", "Middle: “most closed” must be between 0 and 100 % (it is 120 %)."},
		{0, func(r *LimitRow) *widget.Entry { return r.Min }, "-5", "Thumb: “most open” must be between 0 and 100 % (it is -5 %)."},
		{3, func(r *LimitRow) *widget.Entry { return r.Force }, "0", "Ring: the maximum force must be more than 0 N."},
		{4, func(r *LimitRow) *widget.Entry { return r.Speed }, "-1", "Little: the maximum speed must be more than 0 %/s."},
		{4, func(r *LimitRow) *widget.Entry { return r.Speed }, "fast", "Little, max speed: \"fast\" is not a number."},
		{1, func(r *LimitRow) *widget.Entry { return r.Force }, "", "Index, max force: this field is empty: type a number."},
		{1, func(r *LimitRow) *widget.Entry { return r.Force }, "NaN", "Index, max force: \"NaN\" is not a number."},
	}
	for _, b := range bad {
		en := b.field(e.Rows[b.row])
		old := en.Text
		en.SetText(b.text)
		test.Tap(e.Save)
		h.m.WaitIdle()
		if e.Message.Text != b.want || e.Message.Importance != widget.DangerImportance {
			t.Errorf("%q: message %q, want %q", b.text, e.Message.Text, b.want)
		}
		if g.count("SaveLimits") != 0 {
			t.Fatalf("%q was saved", b.text)
		}
		en.SetText(old)
	}
	e.Rows[1].Min.SetText("10")
	e.Rows[1].Max.SetText("75,5") // a decimal comma is accepted
	e.Rows[1].Force.SetText("3.25")
	e.Rows[1].Speed.SetText("25")
	test.Tap(e.Save)
	h.m.WaitIdle()
	if g.count("SaveLimits") != 1 {
		t.Fatalf("calls %v", g.called())
	}
	want := service.FingerLimit{MinPosition: 100, MaxPosition: 755, MaxForce: 325, MaxSpeed: 250}
	if got := g.limits[2][1]; got != want {
		t.Errorf("index saved as %+v, want %+v (per mille, cN, per mille/s)", got, want)
	}
	if len(g.limits[2]) != 5 || len(g.limits[1]) != 0 {
		t.Errorf("saved for the wrong patient: %v", g.limits)
	}
	if p.Limits != nil || !strings.Contains(p.Message.Text, "Limits saved for P-002") {
		t.Errorf("after save: editor open %v, message %q", p.Limits != nil, p.Message.Text)
	}
}

func TestGloveLimitsSaveRefused(t *testing.T) {
	h, g := newGloveHarness(t)
	g.saveErr = errors.New("max force 90 N is above the glove's 40 N")
	h.selectPatient(1)
	test.Tap(h.m.Glove.LimitsButton)
	h.m.WaitIdle()
	e := h.m.Glove.Limits
	test.Tap(e.Save)
	h.m.WaitIdle()
	if h.m.Glove.Limits == nil || !strings.Contains(e.Message.Text, "above the glove's 40 N") || e.Save.Disabled() {
		t.Errorf("refused save: open %v, message %q", h.m.Glove.Limits != nil, e.Message.Text)
	}
}

// labelsText joins the texts of the labels laid out under o.
func labelsText(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, x := range test.LaidOutObjects(o) {
		if l, ok := x.(*widget.Label); ok && l.Visible() {
			b.WriteString(l.Text)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestDialogsGoThroughNewDialog checks the screens' sources: every dialog
// that covers the window is built by newDialog, confirm or showError
// (estop.go), which put the E-STOP in it. Fyne's file pickers are the
// exception: the Esc key works over them.
func TestDialogsGoThroughNewDialog(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "estop.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range []string{"dialog.NewCustom", "dialog.NewConfirm", "dialog.NewError", "dialog.NewInformation",
			"dialog.ShowCustom", "dialog.ShowConfirm", "dialog.ShowError", "dialog.ShowInformation", "dialog.NewForm", "dialog.ShowForm"} {
			if strings.Contains(string(src), call) {
				t.Errorf("%s calls %s: build the dialog with newDialog/confirm/showError so it carries the E-STOP", f, call)
			}
		}
	}
}

// TestGloveConnectedElsewhereShowsItsPort: a glove connected at start
// (myorehab --glove PATH) shows its port in the panel.
func TestGloveConnectedElsewhereShowsItsPort(t *testing.T) {
	h, g := newGloveHarness(t)
	g.set(service.GloveStatus{State: service.GloveDisarmed, Port: "/dev/ttyACM3", Mode: service.ModeTriggered, AssistLevel: 50})
	h.m.Refresh()
	if p := h.m.Glove; p.Port.Text != "/dev/ttyACM3" || !p.Connect.Disabled() && p.Connect.Visible() {
		t.Errorf("port field %q, Connect enabled %v", p.Port.Text, !p.Connect.Disabled())
	}
}
