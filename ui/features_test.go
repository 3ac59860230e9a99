package ui

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"myorehab/acquisition"
	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/storage"
)

// findButton returns the visible button labelled text under o, nil when none.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	for _, x := range test.LaidOutObjects(o) {
		if b, ok := x.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
	}
	return nil
}

// trendSnapshot returns a 2-channel snapshot with RMS rms, channel 0 good
// and channel 1 bad (flat), and a 30-point fatigue trend per channel;
// channel 1 is flagged fatigued when fatigued is set.
func trendSnapshot(seq uint64, rms float64, fatigued bool) *pipeline.Snapshot {
	s := liveSnapshot(seq)
	s.Info = acquisition.StreamInfo{Channels: 2, SampleRateHz: 250, Labels: []string{"FDS", "EDC"}}
	s.RawMin, s.RawMax = append(s.RawMin, s.RawMin[0]), append(s.RawMax, s.RawMax[0])
	s.FilteredMin, s.FilteredMax = append(s.FilteredMin, s.FilteredMin[0]), append(s.FilteredMax, s.FilteredMax[0])
	s.RMSUV = []float64{rms, rms / 2}
	s.Quality = []pipeline.ChannelQuality{
		{Level: pipeline.QualityGood, OKForControl: true},
		{Level: pipeline.QualityBad, Reason: "Flat signal: electrode off?"},
	}
	for c := range 2 {
		var f pipeline.FatigueTrend
		for i := range 30 {
			f.TSeconds = append(f.TSeconds, float64(i))
			f.MDFHz = append(f.MDFHz, 90-float64(c)*0.5*float64(i))
		}
		f.SlopeHzPerS, f.DeclinePct = -0.5*float64(c), 16*float64(c)
		f.Fatigued = fatigued && c == 1
		s.Fatigue = append(s.Fatigue, f)
	}
	return s
}

func TestLiveQualityLevelsAndFatigue(t *testing.T) {
	h := newHarness(t)
	h.connectSim()
	l := h.m.Live
	h.dev.snap.Store(trendSnapshot(1, 40, false))
	h.m.Refresh()

	if got := l.Scope.QualityText(0); got != "OK" {
		t.Errorf("quality text of a good channel %q, want OK", got)
	}
	if got := l.Scope.QualityText(1); got != "Flat signal: electrode off?" {
		t.Errorf("quality text of a flat channel %q", got)
	}
	if f := l.Levels.Fraction(0); f != 1 {
		t.Errorf("first RMS: bar %v, want 1 (the largest seen)", f)
	}
	if l.Notice.Visible() {
		t.Errorf("fatigue notice %q visible without fatigue", l.Notice.Text)
	}
	series := l.Fatigue.Series()
	if len(series) != 2 || len(series[1].X) != 30 || series[1].Note != "" {
		t.Fatalf("fatigue chart %d series, want 2 with 30 points and no note", len(series))
	}
	if want := "EDC  MDF 75.5 Hz · slope −0.500 Hz/s · decline 16.0 %"; series[1].Title != want {
		t.Errorf("fatigue title %q, want %q", series[1].Title, want)
	}

	// Half the RMS: half a bar, the largest value seen is kept.
	h.dev.snap.Store(trendSnapshot(2, 20, true))
	h.m.Refresh()
	if f := l.Levels.Fraction(0); math.Abs(f-0.5) > 1e-12 {
		t.Errorf("half the RMS: bar %v, want 0.5", f)
	}
	if got := l.Levels.Label(0); got != "50 % max" {
		t.Errorf("bar label %q, want 50 %% max", got)
	}
	if !l.Notice.Visible() || !strings.Contains(l.Notice.Text, "EDC") || strings.Contains(l.Notice.Text, "FDS") {
		t.Errorf("fatigue notice visible %v, text %q: want EDC only", l.Notice.Visible(), l.Notice.Text)
	}
	if s := l.Fatigue.Series(); s[1].Note != "FATIGUE" || s[0].Note != "" {
		t.Errorf("chart notes %q, %q; want only EDC flagged", s[0].Note, s[1].Note)
	}

	// An MVC makes the bar a %MVC.
	l.SetMVC([]float64{80})
	if f := l.Levels.Fraction(0); math.Abs(f-0.25) > 1e-12 || l.Levels.Label(0) != "25 %MVC" {
		t.Errorf("with MVC 80 µV: bar %v label %q, want 0.25, 25 %%MVC", f, l.Levels.Label(0))
	}
	if f := l.Levels.Fraction(1); math.Abs(f-0.5) > 1e-12 {
		t.Errorf("channel 1 without MVC: bar %v, want 0.5 of its largest RMS", f)
	}

	// Fatigue cleared (e.g. a new session): the notice goes.
	h.dev.snap.Store(trendSnapshot(3, 20, false))
	h.m.Refresh()
	if l.Notice.Visible() {
		t.Error("fatigue notice still visible after the flag cleared")
	}
}

func TestLiveFatigueChartRebuiltOnlyOnNewPoints(t *testing.T) {
	h := newHarness(t)
	h.dev.snap.Store(trendSnapshot(1, 40, false))
	h.m.Refresh()
	first := h.m.Live.Fatigue.Series()
	h.dev.snap.Store(trendSnapshot(2, 35, false)) // same points, new RMS
	h.m.Refresh()
	if got := h.m.Live.Fatigue.Series(); &got[0] != &first[0] {
		t.Error("fatigue chart rebuilt although the trend has no new point")
	}
}

func setupHarness(t *testing.T, probe service.ProbeService, chans service.ChannelSetupService) *harness {
	t.Helper()
	return newHarnessWith(t, func(h *harness, d *Deps) {
		d.Probe, d.Channels = probe, chans
		h.dev.protocols = []string{"sim", "cyton", "cyton-daisy", "bitalino", "ascii", "p2"}
	})
}

func TestDeviceSetupProbeAndApply(t *testing.T) {
	probe := &fakeProbe{res: service.ProbeResult{Suggested: "bitalino", Evidence: []service.ProbeEvidence{
		{Protocol: "cyton", Lines: []string{"no banner after 'v' within 2 s"}},
		{Protocol: "bitalino", Matched: true, Lines: []string{"version \"BITalino_v5.2\""}},
	}}}
	h := setupHarness(t, probe, nil)
	h.dev.ports = append(h.dev.ports, service.PortInfo{Path: "/dev/rfcomm0", Description: "Bluetooth serial"})
	d := h.m.Device
	d.Protocol.SetSelected("sim")
	test.Tap(d.SetupButton)
	s := d.Setup
	if s == nil {
		t.Fatal("Set up… did not open the device set-up")
	}
	if s.Channels != nil {
		t.Error("channel set-up shown without a ChannelSetupService")
	}
	test.Tap(s.Rescan)
	if !slices.Equal(s.PortPaths, []string{"/dev/ttyUSB0", "/dev/rfcomm0"}) || len(s.Probes) != 2 {
		t.Fatalf("ports %q with %d Probe buttons", s.PortPaths, len(s.Probes))
	}
	if !slices.Equal(s.Protocol.Options, d.Protocol.Options) {
		t.Errorf("set-up protocols %q, want the device's %q", s.Protocol.Options, d.Protocol.Options)
	}
	if s.Apply.Visible() {
		t.Error("Apply visible before any probe")
	}
	test.Tap(s.Probes[1])
	h.m.WaitIdle()
	if got := probe.probed(); !slices.Equal(got, []string{"/dev/rfcomm0"}) {
		t.Fatalf("probed %q", got)
	}
	for _, want := range []string{"looks like bitalino", "✓ bitalino: version \"BITalino_v5.2\"", "✗ cyton: no banner"} {
		if !strings.Contains(s.Evidence.Text, want) {
			t.Errorf("evidence %q lacks %q", s.Evidence.Text, want)
		}
	}
	if !s.Apply.Visible() || s.Apply.Text != "Use bitalino on /dev/rfcomm0" {
		t.Fatalf("Apply visible %v text %q", s.Apply.Visible(), s.Apply.Text)
	}
	test.Tap(s.Apply)
	if d.Protocol.Selected != "bitalino" || d.Port.Text != "/dev/rfcomm0" || s.Protocol.Selected != "bitalino" {
		t.Errorf("after Apply: device bar %q on %q, set-up %q", d.Protocol.Selected, d.Port.Text, s.Protocol.Selected)
	}
	test.Tap(d.Connect)
	h.m.WaitIdle()
	if got := h.dev.calls(); len(got) != 1 || got[0] != (service.DeviceConfig{Protocol: "bitalino", Port: "/dev/rfcomm0"}) {
		t.Errorf("Connect %+v, want the probed device", got)
	}
	for i, b := range s.Probes {
		if !b.Disabled() {
			t.Errorf("Probe %d enabled while a device is connected (the port is in use)", i)
		}
	}
	test.Tap(s.Close)
	if d.Setup != nil {
		t.Error("Close left the set-up open")
	}
}

func TestDeviceSetupProbeFailsAndCancels(t *testing.T) {
	probe := &fakeProbe{err: errors.New("serial port /dev/ttyUSB0 is busy")}
	h := setupHarness(t, probe, nil)
	test.Tap(h.m.Device.SetupButton)
	s := h.m.Device.Setup
	test.Tap(s.Probes[0])
	h.m.WaitIdle()
	if !strings.Contains(s.Evidence.Text, "Could not probe /dev/ttyUSB0: serial port /dev/ttyUSB0 is busy") || s.Apply.Visible() {
		t.Errorf("evidence %q, Apply visible %v", s.Evidence.Text, s.Apply.Visible())
	}

	// A probe still running when the dialog closes is cancelled.
	probe.err, probe.gate = nil, make(chan struct{})
	test.Tap(s.Probes[0])
	if !s.Probes[0].Disabled() {
		t.Error("Probe enabled while probing")
	}
	test.Tap(s.Close)
	done := make(chan struct{})
	go func() { h.m.WaitIdle(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("closing the set-up did not cancel the probe")
	}
}

func TestDeviceSetupWithoutProbe(t *testing.T) {
	h := setupHarness(t, nil, nil)
	test.Tap(h.m.Device.SetupButton)
	for i, b := range h.m.Device.Setup.Probes {
		if !b.Disabled() {
			t.Errorf("Probe %d enabled without a ProbeService", i)
		}
	}
}

func TestHobbySensorSafetyWarning(t *testing.T) {
	h := setupHarness(t, nil, nil)
	d := h.m.Device
	for _, test_ := range []struct {
		protocol string
		warn     bool
	}{{"sim", false}, {"ascii", true}, {"cyton", false}, {"p2", true}, {"cyton-daisy", false}, {"bitalino", false}} {
		d.Protocol.SetSelected(test_.protocol)
		if d.Warning.Visible() != test_.warn {
			t.Errorf("%s: warning visible %v, want %v", test_.protocol, d.Warning.Visible(), test_.warn)
		}
	}
	if !strings.Contains(SafetyWarning, "battery only") || !strings.Contains(SafetyWarning, "not a medical device") {
		t.Errorf("warning text %q", SafetyWarning)
	}
	d.Protocol.SetSelected("ascii")
	test.Tap(d.SetupButton)
	s := d.Setup
	if !s.Warning.Visible() || s.Protocol.Selected != "ascii" {
		t.Errorf("set-up: protocol %q, warning visible %v", s.Protocol.Selected, s.Warning.Visible())
	}
	s.Protocol.SetSelected("cyton") // chosen in the set-up: the device bar follows
	if s.Warning.Visible() || d.Protocol.Selected != "cyton" || d.Warning.Visible() {
		t.Errorf("set-up cyton: warning %v, device bar %q warning %v", s.Warning.Visible(), d.Protocol.Selected, d.Warning.Visible())
	}
	s.Protocol.SetSelected("p2")
	test.Tap(s.Close)
	test.Tap(d.Connect)
	h.m.WaitIdle()
	h.m.Refresh()
	if !d.Warning.Visible() {
		t.Error("warning hidden while a hobby sensor streams")
	}
}

func TestChannelSetup(t *testing.T) {
	chans := &fakeChannels{setups: map[int64]service.ChannelSetup{
		2: {Channels: []service.ChannelConfig{{Label: "FDS", Enabled: true, Gain: 24}, {Label: "EDC", Enabled: false, Gain: 3}}},
	}}
	h := setupHarness(t, nil, chans)
	d := h.m.Device

	test.Tap(d.SetupButton)
	f := d.Setup.Channels
	if f == nil || !f.Save.Disabled() || !strings.Contains(f.Message.Text, "Select a patient") {
		t.Fatalf("no patient: form %v", f)
	}
	test.Tap(d.Setup.Close)

	// A patient without a saved set-up: one row per device channel.
	h.selectPatient(1)
	test.Tap(d.SetupButton)
	h.m.WaitIdle()
	f = d.Setup.Channels
	if len(f.Labels) != defaultChannels || f.Labels[0].Text != "Ch 1" || !f.Enabled[7].Checked || f.Gains[0].Selected != gainDefault {
		t.Fatalf("default set-up: %d rows, first %q", len(f.Labels), f.Labels[0].Text)
	}
	f.Labels[0].SetText(" APB ")
	f.Enabled[1].SetChecked(false)
	f.Gains[0].SetSelected("12")
	test.Tap(f.Save)
	h.m.WaitIdle()
	got, saves := chans.get(1)
	if saves != 1 || len(got.Channels) != 8 || got.Channels[0] != (service.ChannelConfig{Label: "APB", Enabled: true, Gain: 12}) ||
		got.Channels[1].Enabled || got.Channels[2] != (service.ChannelConfig{Label: "Ch 3", Enabled: true}) {
		t.Errorf("saved %+v (%d saves)", got, saves)
	}
	if !strings.HasPrefix(f.Message.Text, "Saved") {
		t.Errorf("message %q", f.Message.Text)
	}

	// Duplicate labels are refused before the service is called.
	f.Labels[2].SetText("apb")
	test.Tap(f.Save)
	h.m.WaitIdle()
	if _, n := chans.get(1); n != 1 || !strings.Contains(f.Message.Text, "both labelled") {
		t.Errorf("duplicate labels: %d saves, message %q", n, f.Message.Text)
	}
	test.Tap(d.Setup.Close)

	// A saved set-up is loaded as saved, odd gains included.
	h.selectPatient(2)
	test.Tap(d.SetupButton)
	h.m.WaitIdle()
	f = d.Setup.Channels
	if len(f.Labels) != 2 || f.Labels[1].Text != "EDC" || f.Enabled[1].Checked || f.Gains[0].Selected != "24" || f.Gains[1].Selected != "3" {
		t.Errorf("loaded set-up: %d rows", len(f.Labels))
	}
	if cs := f.Setup(); !slices.Equal(cs.Channels, chans.setups[2].Channels) {
		t.Errorf("form describes %+v, want the saved %+v", cs.Channels, chans.setups[2].Channels)
	}

	chans.saveErr = errors.New("database is read-only")
	test.Tap(f.Save)
	h.m.WaitIdle()
	if f.Message.Text != "Could not save the channel set-up: database is read-only" {
		t.Errorf("message %q", f.Message.Text)
	}
}

func TestSetupProblem(t *testing.T) {
	t.Parallel()
	on := func(l string) service.ChannelConfig { return service.ChannelConfig{Label: l, Enabled: true} }
	for _, test := range []struct {
		name string
		cs   service.ChannelSetup
		want string
	}{
		{"ok", service.ChannelSetup{Channels: []service.ChannelConfig{on("FDS"), on("EDC")}}, ""},
		{"empty labels allowed", service.ChannelSetup{Channels: []service.ChannelConfig{on(""), on("")}}, ""},
		{"duplicate off is fine", service.ChannelSetup{Channels: []service.ChannelConfig{on("FDS"), {Label: "FDS"}}}, ""},
		{"duplicate any case", service.ChannelSetup{Channels: []service.ChannelConfig{on("FDS"), on("fds")}}, "both labelled"},
		{"all off", service.ChannelSetup{Channels: []service.ChannelConfig{{Label: "FDS"}}}, "at least one"},
		{"too long", service.ChannelSetup{Channels: []service.ChannelConfig{on(strings.Repeat("x", 17))}}, "too long"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := setupProblem(test.cs)
			if test.want == "" && got != "" || test.want != "" && !strings.Contains(got, test.want) {
				t.Errorf("setupProblem = %q, want %q", got, test.want)
			}
		})
	}
}

// summaries returns n completed sessions of patient 1, newest first, with
// mean RMS 30+i and MDF 90-i for the i-th oldest; the second oldest has no MDF.
func summaries(n int) []service.SessionSummary {
	out := make([]service.SessionSummary, n)
	for i := range n {
		out[n-1-i] = service.SessionSummary{
			Session: storage.Session{ID: int64(i + 1), PatientID: 1, Type: storage.SessionTherapy, Status: storage.StatusCompleted,
				StartedAt: time.Date(2025, 3, 1+i, 9, 0, 0, 0, time.UTC), RateHz: 250, Samples: 250 * 60},
			MeanRMSUV: 30 + float64(i), MeanMDFHz: 90 - float64(i),
		}
	}
	out[n-2].MeanMDFHz = math.NaN()
	return out
}

func TestHistoryTableAndTrend(t *testing.T) {
	h := newHarnessWith(t, func(_ *harness, d *Deps) {
		d.History = &fakeHistory{sums: map[int64][]service.SessionSummary{1: summaries(5)}}
	})
	p := h.m.Patients
	h.selectPatient(1)
	if n := len(p.SessionList()); n != 5 || p.SessionList()[0].ID != 5 {
		t.Fatalf("history %d sessions, newest %d", n, p.SessionList()[0].ID)
	}
	if row := p.cells(0); row[5] != "34.0 µV" || row[6] != "86.0 Hz" || row[3] != "completed" || row[2] != "1:00" {
		t.Errorf("newest row %q", row)
	}
	if row := p.cells(3); row[6] != "–" {
		t.Errorf("row without MDF shows %q, want –", row[6])
	}
	if !p.Trend.Visible() {
		t.Error("trend hidden with a HistoryService")
	}
	s := p.Trend.Series()
	if len(s) != 2 || !slices.Equal(s[0].Y, []float64{30, 31, 32, 33, 34}) || !math.IsNaN(s[1].Y[1]) || s[1].Y[4] != 86 {
		t.Errorf("trend %+v, want RMS and MDF oldest first", s)
	}
	if lo, hi := p.Trend.XRange(); lo != 0.5 || hi != 5.5 {
		t.Errorf("trend x range %v–%v", lo, hi)
	}
}

func TestHistoryOptional(t *testing.T) {
	h := newHarness(t)
	p := h.m.Patients
	for name, o := range map[string]fyne.CanvasObject{
		"trend": p.Trend, "review": p.Open, "export": p.ExportButton, "import": p.ImportButton, "settings": h.m.SettingsButton,
	} {
		if o.Visible() {
			t.Errorf("%s visible without its service", name)
		}
	}
	h.connectSim()
	h.selectPatient(1)
	test.Tap(h.m.Live.Record)
	h.m.WaitIdle()
	test.Tap(h.m.Live.Record)
	h.m.WaitIdle()
	if row := p.cells(0); row[5] != "–" || row[6] != "–" {
		t.Errorf("row without a HistoryService %q, want no metrics", row)
	}
}

func reviewRecording() *service.Recording {
	rec := &service.Recording{RateHz: 100, Labels: []string{"FDS", "EDC"}}
	for c := range 2 {
		x := make([]float32, 100*120) // 2 minutes
		for i := range x {
			x[i] = float32(40 * math.Sin(float64(i)/5+float64(c)))
		}
		rec.Channels = append(rec.Channels, x)
	}
	rec.Annotations = []service.Annotation{{Sample: 6000, Kind: "gesture", Text: "Open hand"}, {Sample: 200, Kind: "prompt", Text: "Close hand"}, {Sample: 9000, Kind: "fault"}}
	return rec
}

func reviewHarness(t *testing.T, rev *fakeReview, xfer *fakeTransfer) *harness {
	t.Helper()
	h := newHarnessWith(t, func(_ *harness, d *Deps) {
		d.History = &fakeHistory{sums: map[int64][]service.SessionSummary{1: summaries(3)}}
		d.Review = rev
		if xfer != nil {
			d.Transfer = xfer
		}
	})
	h.selectPatient(1)
	return h
}

func TestReviewScreen(t *testing.T) {
	h := reviewHarness(t, &fakeReview{rec: reviewRecording()}, nil)
	p := h.m.Patients
	if !p.Open.Disabled() {
		t.Error("Review enabled without a selected session")
	}
	p.Sessions.Select(widget.TableCellID{Row: 1, Col: 0})
	if s := p.SelectedSession(); s == nil || s.ID != 2 || p.Open.Disabled() {
		t.Fatalf("selected session %+v, Review disabled %v", s, p.Open.Disabled())
	}
	test.Tap(p.Open)
	h.m.WaitIdle()
	r := p.Review
	if r == nil || r.Recording() == nil {
		t.Fatalf("review not loaded: %+v", r)
	}
	if r.Export.Visible() {
		t.Error("Export visible on the review screen without a TransferService")
	}
	v := r.Viewer
	if start, span := v.Window(); start != 0 || span != 1000 {
		t.Errorf("initial window %d+%d, want the first 10 s (0+1000)", start, span)
	}
	if got := v.VisibleMarkers(); len(got) != 1 || got[0].Text != "Close hand" {
		t.Errorf("markers in view %+v, want Close hand", got)
	}
	if !strings.HasPrefix(r.Info.Text, "0:00.0–0:10.0 of 2:00.0 · 10 s shown · 1 annotations") {
		t.Errorf("info %q", r.Info.Text)
	}
	test.Tap(r.ZoomIn)
	if start, span := v.Window(); span != 500 || start != 250 {
		t.Errorf("after zoom in: %d+%d, want 250+500 (same centre)", start, span)
	}
	test.Tap(r.ZoomOut)
	test.Tap(r.ZoomOut)
	if _, span := v.Window(); span != 2000 {
		t.Errorf("after zooming out twice: span %d, want 2000", span)
	}
	r.Position.SetValue(5500)
	if start, _ := v.Window(); start != 5500 {
		t.Errorf("slider at 5500: window starts at %d", start)
	}
	if got := v.VisibleMarkers(); len(got) != 1 || got[0].Text != "Open hand" {
		t.Errorf("markers in view %+v, want Open hand", got)
	}
	test.Tap(r.Forward)
	if start, _ := v.Window(); start != 6500 || r.Position.Value != 6500 {
		t.Errorf("after ▶: start %d, slider %v; want 6500", start, r.Position.Value)
	}
	v.ScrollTo(1 << 40) // clamped to the end
	if start, span := v.Window(); start+span != 12000 || !r.Forward.Disabled() {
		t.Errorf("scrolled past the end: %d+%d, ▶ disabled %v", start, span, r.Forward.Disabled())
	}
	v.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, 1)}) // wheel up: earlier
	if start, _ := v.Window(); start != 12000-2000-200 {
		t.Errorf("wheel: start %d, want %d", start, 12000-2000-200)
	}
	for range 20 {
		test.Tap(r.ZoomOut)
	}
	if start, span := v.Window(); start != 0 || span != 12000 || !r.ZoomOut.Disabled() {
		t.Errorf("zoomed out fully: %d+%d, Zoom out disabled %v", start, span, r.ZoomOut.Disabled())
	}
	test.Tap(r.Close)
	if p.Review != nil {
		t.Error("Close left the review open")
	}
}

func TestReviewLoadError(t *testing.T) {
	h := reviewHarness(t, &fakeReview{err: errors.New("session 3 not found")}, nil)
	h.m.Patients.Sessions.Select(widget.TableCellID{Row: 0, Col: 0})
	test.Tap(h.m.Patients.Open)
	h.m.WaitIdle()
	r := h.m.Patients.Review
	if r.Message.Text != "Could not open the session: session 3 not found" || !r.ZoomIn.Disabled() {
		t.Errorf("message %q, zoom disabled %v", r.Message.Text, r.ZoomIn.Disabled())
	}
}

func TestExport(t *testing.T) {
	xfer := &fakeTransfer{gate: make(chan struct{}), halfway: make(chan struct{})}
	h := reviewHarness(t, &fakeReview{rec: reviewRecording()}, xfer)
	p := h.m.Patients
	p.Sessions.Select(widget.TableCellID{Row: 0, Col: 0}) // session 3
	test.Tap(p.Open)
	h.m.WaitIdle()
	test.Tap(p.Review.Export) // export from the review screen
	f := p.Export
	if f == nil {
		t.Fatal("Export… did not open the form")
	}
	if name := f.defaultName(); !strings.HasPrefix(name, "P-001_") || !strings.HasSuffix(name, "_s3.edf") || !strings.HasSuffix(f.Path.Text, string(filepath.Separator)+name) {
		t.Errorf("default file name %q, proposed path %q", name, f.Path.Text)
	}
	f.Path.SetText("")
	test.Tap(f.Start)
	if !strings.Contains(f.Message.Text, "Choose the file") {
		t.Errorf("no path: message %q", f.Message.Text)
	}
	dir := t.TempDir()
	test.Type(f.Path, filepath.Join(dir, "missing", "s3.edf"))
	test.Tap(f.Start)
	if want := "The folder " + filepath.Join(dir, "missing") + " does not exist"; !strings.HasPrefix(f.Message.Text, want) {
		t.Errorf("missing folder: message %q, want %q…", f.Message.Text, want)
	}
	path := filepath.Join(dir, "s3.bdf")
	if err := os.WriteFile(path, []byte("an older export"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.Path.SetText(filepath.Join(dir, "s3.edf"))
	f.Format.SetSelected(choiceBDF)
	if f.Path.Text != path {
		t.Errorf("path after choosing BDF+ %q, want the extension to follow", f.Path.Text)
	}
	f.Deidentify.SetChecked(true)
	test.Tap(f.Start) // the file exists: asks first
	if ex, _ := xfer.calls(); len(ex) != 0 {
		t.Fatalf("exported over an existing file without asking: %+v", ex)
	}
	replace := findButton(h.w.Canvas().Overlays().Top(), "Replace")
	if replace == nil {
		t.Fatal("no Replace question for an existing file")
	}
	test.Tap(replace)
	select {
	case <-xfer.halfway:
	case <-time.After(5 * time.Second):
		t.Fatal("export never reported progress")
	}
	h.m.Refresh() // the frame shows the progress
	if f.Progress.Value != 0.5 || !f.Start.Disabled() || f.Cancel.Text != "Cancel" {
		t.Errorf("while exporting: progress %v, Start disabled %v, %q", f.Progress.Value, f.Start.Disabled(), f.Cancel.Text)
	}
	close(xfer.gate)
	h.m.WaitIdle()
	if f.Progress.Value != 1 || !strings.HasPrefix(f.Message.Text, "Exported session 3 to "+path) {
		t.Errorf("done: progress %v, message %q", f.Progress.Value, f.Message.Text)
	}
	exports, _ := xfer.calls()
	if want := (exportCall{3, service.FormatBDF, path, true}); len(exports) != 1 || exports[0] != want {
		t.Errorf("Export calls %+v, want %+v", exports, want)
	}
	test.Tap(f.Cancel)
	if p.Export != nil {
		t.Error("Close left the export form open")
	}
}

func TestExportCancelAndError(t *testing.T) {
	xfer := &fakeTransfer{gate: make(chan struct{}), halfway: make(chan struct{})}
	h := reviewHarness(t, &fakeReview{}, xfer)
	p := h.m.Patients
	p.Sessions.Select(widget.TableCellID{Row: 2, Col: 0})
	test.Tap(p.ExportButton)
	f := p.Export
	dir := t.TempDir()
	f.Path.SetText(filepath.Join(dir, "s1")) // no extension: the format's is added
	f.Format.SetSelected(choiceCSV)
	test.Tap(f.Start)
	<-xfer.halfway
	test.Tap(f.Cancel) // cancels the running export
	h.m.WaitIdle()
	if !strings.Contains(f.Message.Text, "cancelled") || f.Start.Disabled() || p.Export == nil {
		t.Errorf("after cancel: message %q, Start disabled %v, form open %v", f.Message.Text, f.Start.Disabled(), p.Export != nil)
	}
	if ex, _ := xfer.calls(); ex[0].path != filepath.Join(dir, "s1.csv") || ex[0].format != service.FormatCSV || ex[0].session != 1 {
		t.Errorf("export call %+v", ex[0])
	}
	xfer.gate, xfer.halfway, xfer.err = nil, nil, errors.New("disk full")
	test.Tap(f.Start)
	h.m.WaitIdle()
	if f.Message.Text != "Could not export: disk full" || f.Message.Importance != widget.DangerImportance {
		t.Errorf("error message %q", f.Message.Text)
	}
}

func TestImport(t *testing.T) {
	xfer := &fakeTransfer{}
	h := reviewHarness(t, &fakeReview{}, xfer)
	p := h.m.Patients
	if p.ImportButton.Disabled() {
		t.Fatal("Import disabled with a selected patient")
	}
	test.Tap(p.ImportButton)
	f := p.Import
	test.Type(f.Path, "/media/usb/notes.txt")
	test.Tap(f.Start)
	if !strings.Contains(f.Message.Text, "Only EDF+") {
		t.Errorf("txt file: message %q", f.Message.Text)
	}
	f.Path.SetText("/media/usb/S1_gestures.EDF")
	test.Tap(f.Start)
	h.m.WaitIdle()
	if _, im := xfer.calls(); !slices.Equal(im, []string{"/media/usb/S1_gestures.EDF"}) {
		t.Errorf("Import calls %q", im)
	}
	if f.Message.Text != "Imported S1_gestures.EDF as session 99." || f.Progress.Value != 1 {
		t.Errorf("message %q, progress %v", f.Message.Text, f.Progress.Value)
	}
	// A file naming another patient: asked first; Cancel imports nothing.
	xfer.mu.Lock()
	xfer.mismatch = `the file names patient "P-002", not "P-001"`
	xfer.mu.Unlock()
	f.Path.SetText("/media/usb/other.edf")
	test.Tap(f.Start)
	h.m.WaitIdle()
	top := h.w.Canvas().Overlays().Top()
	if findButton(top, "Import for P-001") == nil {
		t.Fatal("no question for a file naming another patient")
	}
	test.Tap(findButton(top, "Cancel"))
	if _, im := xfer.calls(); len(im) != 1 {
		t.Errorf("imported after Cancel: %q", im)
	}
	test.Tap(f.Start)
	h.m.WaitIdle()
	test.Tap(findButton(h.w.Canvas().Overlays().Top(), "Import for P-001"))
	h.m.WaitIdle()
	if _, im := xfer.calls(); !slices.Equal(im, []string{"/media/usb/S1_gestures.EDF", "/media/usb/other.edf"}) {
		t.Errorf("Import calls %q", im)
	}
}

func TestExportPath(t *testing.T) {
	t.Parallel()
	for _, test := range []struct{ typed, format, want string }{
		{"", service.FormatEDF, ""},
		{"  ", service.FormatEDF, ""},
		{"/x/a", service.FormatEDF, "/x/a.edf"},
		{"/x/a.bdf", service.FormatBDF, "/x/a.bdf"},
		{" /x/a.data ", service.FormatCSV, "/x/a.data"},
	} {
		if got := exportPath(test.typed, test.format); got != test.want {
			t.Errorf("exportPath(%q, %q) = %q, want %q", test.typed, test.format, got, test.want)
		}
	}
}

func TestSettingsBackupRestore(t *testing.T) {
	backup := &fakeBackup{backups: []string{"/data/backups/myorehab-old.db"}}
	h := newHarnessWith(t, func(h *harness, d *Deps) { d.Backup = backup })
	if !h.m.SettingsButton.Visible() {
		t.Fatal("Settings hidden with a BackupService")
	}
	test.Tap(h.m.SettingsButton)
	h.m.WaitIdle()
	s := h.m.Settings
	if !slices.Equal(s.Backups.Options, []string{"/data/backups/myorehab-old.db"}) || !s.Restore.Disabled() {
		t.Fatalf("backups %q, Restore disabled %v", s.Backups.Options, s.Restore.Disabled())
	}
	test.Tap(s.BackupNow)
	h.m.WaitIdle()
	if len(s.Backups.Options) != 2 || !strings.HasPrefix(s.Message.Text, "Backup written: "+s.Backups.Options[0]) {
		t.Errorf("after backup: %q, message %q", s.Backups.Options, s.Message.Text)
	}
	s.Backups.SetSelected("/data/backups/myorehab-old.db")
	lists := h.patients.lists
	test.Tap(s.Restore)
	if s.Confirm == nil {
		t.Fatal("Restore did not ask for confirmation")
	}
	if len(backup.restores()) != 0 {
		t.Fatal("restored before confirmation")
	}
	ok := findButton(h.w.Canvas().Overlays().Top(), "Restore")
	if ok == nil {
		t.Fatal("no Restore button in the confirmation")
	}
	test.Tap(ok)
	h.m.WaitIdle()
	if got := backup.restores(); !slices.Equal(got, []string{"/data/backups/myorehab-old.db"}) {
		t.Errorf("restored %q", got)
	}
	if h.patients.lists <= lists || !strings.HasPrefix(s.Message.Text, "Restored myorehab-old.db") {
		t.Errorf("after restore: patient list reloads %d→%d, message %q", lists, h.patients.lists, s.Message.Text)
	}
}

func TestRestoreRefusedWhileRecording(t *testing.T) {
	backup := &fakeBackup{backups: []string{"/b/1.db"}}
	h := newHarnessWith(t, func(h *harness, d *Deps) { d.Backup = backup })
	h.connectSim()
	h.selectPatient(1)
	test.Tap(h.m.Live.Record)
	h.m.WaitIdle()
	test.Tap(h.m.SettingsButton)
	h.m.WaitIdle()
	s := h.m.Settings
	s.Backups.SetSelected("/b/1.db")
	test.Tap(s.Restore)
	if s.Confirm != nil || !strings.Contains(s.Message.Text, "Stop the recording") {
		t.Errorf("restore while recording: confirm %v, message %q", s.Confirm != nil, s.Message.Text)
	}
}

// fakeMains keeps the mains setting.
type fakeMains struct {
	mu  sync.Mutex
	set string
}

func (f *fakeMains) Mains() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.set
}

func (f *fakeMains) SetMains(m string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.set = m
	return nil
}

// TestSettingsMains: the settings dialog shows the clinic's mains
// frequency and changes it, saying when it applies.
func TestSettingsMains(t *testing.T) {
	mains := &fakeMains{set: service.MainsAuto}
	h := newHarnessWith(t, func(h *harness, d *Deps) {
		d.Backup = &fakeBackup{}
		d.Mains = mains
	})
	test.Tap(h.m.SettingsButton)
	h.m.WaitIdle()
	s := h.m.Settings
	if s.Mains == nil || s.Mains.Selected != "Automatic (follow the signal)" {
		t.Fatalf("mains choice %v", s.Mains)
	}
	s.Mains.SetSelected("60 Hz")
	if mains.Mains() != service.Mains60 || !strings.Contains(s.Message.Text, "next connection") {
		t.Errorf("after choosing 60 Hz: setting %q, message %q", mains.Mains(), s.Message.Text)
	}
}
