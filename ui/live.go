package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/processing/pipeline"
	"myorehab/storage"
	"myorehab/ui/plot"
)

// Mode choices of LivePanel.Mode.
const (
	modeFiltered = "Filtered"
	modeRaw      = "Raw"
)

// LivePanel shows the live scope (with per-channel quality lights), the
// RMS bars, the fatigue trend, and records sessions. Its widgets are
// exported so tests can drive them; touch them on the Fyne goroutine only.
type LivePanel struct {
	Scope      *plot.Scope
	Levels     *plot.Levels       // per-channel RMS bars beside the scope
	Fatigue    *plot.Chart        // per-channel median-frequency trend of the session
	Notice     *widget.Label      // the fatigue notice; hidden when no channel is fatigued
	Tabs       *container.AppTabs // "Signal" (scope and bars) and "Fatigue"
	Mode       *widget.RadioGroup // "Filtered" or "Raw"
	Record     *widget.Button     // "Record", or "Stop" while recording
	RecordInfo *widget.Label      // elapsed time and samples, or why Record is disabled

	// Calibrate opens the calibration wizard; hidden without a
	// CalibrationService.
	Calibrate *widget.Button
	// Marker places a numbered marker ("Marker 3") in the recording;
	// NoteEntry and AddNote add a typed note (Enter adds it too). Both
	// are stored as "note" annotations and enabled only while recording.
	Marker    *widget.Button
	NoteEntry *widget.Entry
	AddNote   *widget.Button

	shared
	rec        service.RecordingService
	patient    *storage.Patient // selected patient
	recPatient string           // code of the patient being recorded
	streaming  bool
	recording  bool
	busy       bool // a Start/StopRecording call is running
	started    time.Time
	sessionID  int64
	samples    int64
	note       string // shown when idle: the last saved session or error
	markers    int    // markers placed in the recording in progress
	lastNote   string // the last note or marker added to it
	snap       *pipeline.Snapshot
	trendKey   [2]int // points and fatigued channels of the fatigue chart shown
	// mvc is the selected patient's own newest MVC (nil: none measured);
	// mvcLabels the stream labels it was last mapped onto.
	mvc       *storage.MVCMeasurement
	mvcLabels []string
	// changed is called after recording starts or stops (set by MainScreen).
	changed func()
	// calibrate opens the calibration wizard (set by MainScreen; nil hides Calibrate).
	calibrate func()
	content   fyne.CanvasObject
}

func newLivePanel(sh shared, rec service.RecordingService) *LivePanel {
	p := &LivePanel{shared: sh, rec: rec}
	p.Scope = plot.NewScope()
	p.Mode = widget.NewRadioGroup([]string{modeFiltered, modeRaw}, p.onModeChanged)
	p.Mode.Horizontal = true
	p.Mode.Required = true
	p.Mode.SetSelected(modeFiltered)
	p.Record = widget.NewButtonWithIcon("Record", theme.MediaRecordIcon(), p.onRecordTapped)
	p.Record.Importance = widget.HighImportance
	p.RecordInfo = widget.NewLabel("")
	p.RecordInfo.Truncation = fyne.TextTruncateEllipsis
	p.Levels = plot.NewLevels()
	p.Fatigue = plot.NewChart("No fatigue trend yet: it starts after the first seconds of signal.")
	p.Notice = widget.NewLabel("")
	p.Notice.Importance = widget.DangerImportance
	p.Notice.TextStyle.Bold = true
	p.Notice.Wrapping = fyne.TextWrapWord
	p.Notice.Hide()
	p.Tabs = container.NewAppTabs(
		container.NewTabItem("Signal", container.NewBorder(nil, nil, nil, p.Levels, p.Scope)),
		container.NewTabItem("Fatigue", p.Fatigue),
	)
	p.Calibrate = widget.NewButtonWithIcon("Calibrate…", theme.ListIcon(), func() {
		if p.calibrate != nil {
			p.calibrate()
		}
	})
	p.Calibrate.Hide()
	p.Marker = widget.NewButtonWithIcon("Marker", theme.ContentAddIcon(), p.onMarkerTapped)
	p.NoteEntry = widget.NewEntry()
	p.NoteEntry.OnSubmitted = func(string) { p.onAddNoteTapped() }
	p.AddNote = widget.NewButtonWithIcon("Add note", theme.DocumentCreateIcon(), p.onAddNoteTapped)
	// Two lines that are always there, so nothing moves when a recording
	// starts: the recording's buttons and state, then the trace mode and
	// the note field.
	bar := container.NewBorder(nil, nil, container.NewHBox(p.Record, p.Marker, p.Calibrate), nil, p.RecordInfo)
	notes := container.NewBorder(nil, nil, p.Mode, p.AddNote, p.NoteEntry)
	p.content = container.NewBorder(container.NewVBox(bar, notes, p.Notice), nil, nil, nil, p.Tabs)
	p.update()
	return p
}

// Recording reports whether the panel shows a recording in progress.
func (p *LivePanel) Recording() bool { return p.recording }

func (p *LivePanel) onModeChanged(mode string) {
	p.Scope.SetFiltered(mode != modeRaw)
}

// setPatient sets the patient a new recording is for (nil: none).
func (p *LivePanel) setPatient(pt *storage.Patient) {
	p.patient = pt
	if !p.recording {
		p.note = ""
	}
	p.update()
}

// setStreaming says whether the device streams. A new stream resets the
// RMS bars' "largest seen" reference.
func (p *LivePanel) setStreaming(on bool) {
	if on != p.streaming {
		p.streaming = on
		if on {
			p.Levels.Reset()
		}
		p.update()
	}
}

// setPatientMVC makes the bars read in % of m, the selected patient's own
// MVC, mapped onto the stream's channels by label; nil (a patient without
// MVC) shows "% max" again. Switching patients always calls it, so a bar
// never reads against another patient's MVC.
func (p *LivePanel) setPatientMVC(m *storage.MVCMeasurement) {
	p.mvc, p.mvcLabels = m, nil
	p.applyMVC()
}

// applyMVC maps the patient's MVC onto the current stream's labels.
func (p *LivePanel) applyMVC() {
	if p.mvc == nil {
		p.Levels.SetMVC(nil)
		return
	}
	if p.snap == nil || len(p.snap.Info.Labels) == 0 { // no stream labels: in the measurement's own order
		p.mvcLabels = nil
		p.Levels.SetMVC(p.mvc.MVCUV)
		return
	}
	p.mvcLabels = p.snap.Info.Labels
	p.Levels.SetMVC(p.mvc.For(p.mvcLabels))
}

// SetMVC sets the per-channel MVC RMS in µV that full RMS bars stand for
// (nil or 0: the largest RMS seen). Call it on the Fyne goroutine.
func (p *LivePanel) SetMVC(mvcUV []float64) { p.Levels.SetMVC(mvcUV) }

// setSnapshot shows snap (nil: none) in the scope, the RMS bars and, when
// the trend gained a point or a channel's fatigue flag changed, the
// fatigue chart and notice. It is called every frame; an unchanged
// snapshot costs nothing.
func (p *LivePanel) setSnapshot(snap *pipeline.Snapshot) {
	p.Scope.SetSnapshot(snap)
	if snap == p.snap {
		return
	}
	p.snap = snap
	if snap == nil {
		return
	}
	if p.mvc != nil && !slices.Equal(p.mvcLabels, snap.Info.Labels) {
		p.applyMVC()
	}
	p.Levels.SetRMS(snap.RMSUV)
	key := [2]int{0, 0}
	for c, f := range snap.Fatigue {
		key[0] += len(f.TSeconds)
		if f.Fatigued {
			key[1] |= 1 << (c % 31)
		}
	}
	if key == p.trendKey && p.Fatigue.Series() != nil {
		return
	}
	p.trendKey = key
	series, lo, hi, fatigued := fatigueSeries(snap)
	xLabel := ""
	if len(series) > 0 {
		xLabel = fmt.Sprintf("median frequency, 1 s points, %s to %s since the stream began", formatSeconds(lo), formatSeconds(hi))
	}
	p.Fatigue.SetSeries(series, lo, hi, xLabel)
	if len(fatigued) == 0 {
		setVisible(p.Notice, false, p.content)
		return
	}
	setLabel(p.Notice, "⚠ Muscle fatigue: "+strings.Join(fatigued, ", ")+
		" — the median frequency keeps falling while the muscle works. Consider a rest.")
	setVisible(p.Notice, true, p.content)
}

// staleAfter is how long a streaming device may go without a new snapshot
// before the traces are shown as not live.
const staleAfter = 2 * time.Second

// setLive shows the traces and bars as live or, when the device does not
// stream or no new sample arrived for staleAfter, greyed with a note
// saying why and how long ago the last sample came. Called every frame.
func (p *LivePanel) setLive(st service.DeviceStatus) {
	note := staleNote(st, p.snap, p.now())
	p.Scope.SetStale(note)
	p.Levels.SetStale(note != "")
}

// staleNote returns the note over not-live traces, "" when snap is live.
func staleNote(st service.DeviceStatus, snap *pipeline.Snapshot, now time.Time) string {
	if snap == nil {
		return ""
	}
	ago := ""
	if !snap.Published.IsZero() {
		ago = " · last sample " + formatAgo(now.Sub(snap.Published))
	}
	switch st.State {
	case service.Streaming:
		if snap.Published.IsZero() || now.Sub(snap.Published) < staleAfter {
			return ""
		}
		return "No new samples" + ago
	case service.Reconnecting:
		return "No signal — reconnecting" + ago
	case service.Connecting:
		return "No signal — connecting" + ago
	case service.Failed:
		return "No signal — the device failed" + ago
	}
	return "No signal — disconnected" + ago
}

// poll takes the recorder's state (RecordingService.Recording); a
// recording that ended or started elsewhere (device lost, app) is followed.
func (p *LivePanel) poll(active bool, sessionID, samples int64) {
	if p.busy {
		return
	}
	switch {
	case p.recording && !active:
		p.recording = false
		p.note = "Recording ended."
		p.log.Warn("recording ended outside the UI", "session", p.sessionID)
		p.notify()
	case !p.recording && active:
		p.recording, p.sessionID, p.started = true, sessionID, p.now()
		p.notify()
	}
	p.samples = samples
	p.update()
}

func (p *LivePanel) onRecordTapped() {
	if p.busy {
		return
	}
	if p.recording {
		p.stop()
		return
	}
	if p.patient == nil || !p.streaming {
		return
	}
	p.busy = true
	p.update()
	pt := *p.patient
	p.run.do(func() func() {
		ctx, cancel := p.call()
		defer cancel()
		id, err := p.rec.StartRecording(ctx, pt.ID)
		return func() {
			p.busy = false
			if err != nil {
				p.note = userMessage("Could not start recording", err)
				p.showError("start recording", p.note, err)
				p.update()
				return
			}
			p.log.Info("recording started", "session", id, "patient", pt.Code)
			p.recording, p.sessionID, p.samples, p.started, p.recPatient = true, id, 0, p.now(), pt.Code
			p.note, p.markers, p.lastNote = "", 0, ""
			p.update()
			p.notify()
		}
	})
}

func (p *LivePanel) stop() {
	p.busy = true
	p.update()
	p.run.do(func() func() {
		ctx, cancel := p.call()
		defer cancel()
		s, err := p.rec.StopRecording(ctx)
		return func() {
			p.busy = false
			if err != nil {
				p.note = userMessage("Could not stop recording", err)
				p.showError("stop recording", p.note, err)
				p.update()
				return
			}
			p.recording = false
			p.note = ""
			if s != nil {
				p.log.Info("recording stopped", "session", s.ID, "samples", s.Samples)
				p.note = fmt.Sprintf("Saved session %d: %s, %s samples.", s.ID, formatDuration(s.Duration()), groupDigits(s.Samples))
			}
			p.update()
			p.notify()
		}
	})
}

// onMarkerTapped places the next numbered marker in the recording.
func (p *LivePanel) onMarkerTapped() {
	if !p.recording {
		return
	}
	p.markers++
	p.addNote(fmt.Sprintf("Marker %d", p.markers))
}

// onAddNoteTapped adds the typed note to the recording and clears the field.
func (p *LivePanel) onAddNoteTapped() {
	text := strings.TrimSpace(p.NoteEntry.Text)
	if !p.recording || text == "" {
		return
	}
	p.NoteEntry.SetText("")
	p.addNote(text)
}

// addNote stores text as a note at the recording's newest sample and says
// so in the note field's placeholder.
func (p *LivePanel) addNote(text string) {
	if err := p.rec.Note(text); err != nil {
		p.log.Error("note", "err", err)
		p.showError("note", userMessage("Could not add the note", err), err)
		return
	}
	p.log.Info("note", "session", p.sessionID, "text", text)
	p.lastNote = text
	p.update()
}

func (p *LivePanel) notify() {
	if p.changed != nil {
		p.changed()
	}
}

// recordText returns the text of RecordInfo.
func (p *LivePanel) recordText() string {
	switch {
	case p.recording:
		who := ""
		if p.recPatient != "" {
			who = " · " + p.recPatient
		}
		return fmt.Sprintf("● REC %s%s · %s samples", formatDuration(p.now().Sub(p.started)), who, groupDigits(p.samples))
	case p.busy:
		return "Please wait…"
	case p.note != "":
		return p.note
	case p.patient == nil:
		return "Select or add a patient on the left, then press Record."
	case !p.streaming:
		return "Connect a device to record."
	}
	return "Ready to record " + p.patient.Code + "."
}

// update brings the widgets in line with the panel's state.
func (p *LivePanel) update() {
	if p.recording {
		if p.Record.Text != "Stop" {
			p.Record.SetText("Stop")
			p.Record.SetIcon(theme.MediaStopIcon())
			p.Record.Importance = widget.DangerImportance
			p.Record.Refresh()
		}
		enable(p.Record, !p.busy)
	} else {
		if p.Record.Text != "Record" {
			p.Record.SetText("Record")
			p.Record.SetIcon(theme.MediaRecordIcon())
			p.Record.Importance = widget.HighImportance
			p.Record.Refresh()
		}
		enable(p.Record, !p.busy && p.patient != nil && p.streaming)
	}
	setLabel(p.RecordInfo, p.recordText())
	enable(p.Marker, p.recording && !p.busy)
	enable(p.NoteEntry, p.recording && !p.busy)
	enable(p.AddNote, p.recording && !p.busy)
	ph := "Notes and markers while recording"
	switch {
	case p.recording && p.lastNote != "": // said in the wide note field, not the narrow info line
		ph = "✓ Noted: " + p.lastNote
	case p.recording:
		ph = "Note for this recording, then Enter"
	}
	if p.NoteEntry.PlaceHolder != ph {
		p.NoteEntry.SetPlaceHolder(ph)
	}
	enable(p.Calibrate, !p.busy && !p.recording && p.patient != nil && p.streaming)
}
