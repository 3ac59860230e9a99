package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// SafetyWarning is shown, persistently, whenever a hobby EMG sensor
// protocol is chosen or streaming.
const SafetyWarning = "⚠ Hobby EMG sensor: run this PC on battery only — unplug the charger, dock and monitor (not a medical device)"

// hobbyProtocol reports whether protocol is a hobby sensor without
// isolation (EMG-ASCII/Arduino, OpenEEG P2), which needs the battery-only
// warning.
func hobbyProtocol(protocol string) bool {
	return protocol == "ascii" || protocol == "p2"
}

// defaultChannels is the number of channel rows offered when neither a
// saved set-up nor the device says how many channels there are.
const defaultChannels = 8

// gainChoices are the gains offered per channel (the Cyton's set); a saved
// gain outside the list is offered as well. "Default" stands for 0.
var gainChoices = []string{gainDefault, "1", "2", "4", "6", "8", "12", "24"}

const gainDefault = "Default"

// DeviceSetup is the device set-up dialog: the discovered ports with a
// Probe button each, the probe's evidence and suggested protocol, the
// protocol choice with the hobby-sensor safety warning, and the selected
// patient's channel set-up. Its widgets are exported so tests can drive
// them; touch them on the Fyne goroutine only.
type DeviceSetup struct {
	Protocol *widget.Select // mirrors the device bar's protocol
	Warning  *widget.Label  // SafetyWarning, shown for hobby protocols
	Rescan   *widget.Button
	// PortPaths and Probes are the discovered ports and their Probe
	// buttons, in the same order (Probes disabled without a ProbeService
	// or while a device is connected).
	PortPaths []string
	Probes    []*widget.Button
	Evidence  *widget.Label  // what the last probe found, per protocol
	Apply     *widget.Button // "Use <protocol> on <port>": sets the device bar
	// Channels is the channel set-up of the selected patient; nil without
	// a ChannelSetupService.
	Channels *ChannelForm
	Close    *widget.Button

	panel   *DevicePanel
	ports   *fyne.Container
	box     *fyne.Container     // the Device tab
	root    *fyne.Container     // the dialog's content
	probing string              // path being probed
	result  service.ProbeResult // last result
	resPath string              // port of result
	cancel  context.CancelFunc
	dialog  *dialog.CustomDialog
}

func newDeviceSetup(p *DevicePanel) *DeviceSetup {
	s := &DeviceSetup{panel: p}
	s.Protocol = widget.NewSelect(p.Protocol.Options, func(proto string) {
		if p.Protocol.Selected != proto && !p.Protocol.Disabled() {
			p.Protocol.SetSelected(proto)
		}
		s.update()
	})
	s.Protocol.Selected = p.Protocol.Selected
	s.Warning = widget.NewLabel(SafetyWarning)
	s.Warning.Importance = widget.DangerImportance
	s.Warning.TextStyle.Bold = true
	s.Warning.Wrapping = fyne.TextWrapWord
	s.Rescan = widget.NewButtonWithIcon("Rescan ports", theme.ViewRefreshIcon(), func() {
		p.onRescanTapped()
		s.listPorts()
	})
	s.Evidence = widget.NewLabel("")
	s.Evidence.Wrapping = fyne.TextWrapWord
	s.Apply = widget.NewButtonWithIcon("", theme.ConfirmIcon(), s.onApplyTapped)
	s.Apply.Importance = widget.HighImportance
	s.Apply.Hide()
	s.Close = widget.NewButtonWithIcon("Close", theme.CancelIcon(), s.close)
	s.ports = container.NewVBox()
	s.listPorts()

	protocol := container.NewBorder(nil, nil, widget.NewLabelWithStyle("Device type", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, s.Protocol)
	s.box = container.NewVBox(
		protocol, s.Warning, widget.NewSeparator(),
		container.NewBorder(nil, nil, widget.NewLabelWithStyle("Serial ports", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.Rescan),
		s.ports, s.Evidence, s.Apply)
	tabs := container.NewAppTabs(container.NewTabItem("Device", container.NewVScroll(s.box)))
	if p.chans != nil {
		s.Channels = newChannelForm(p.shared, p.chans, p.patient(), p.status)
		tabs.Append(container.NewTabItem("Channels", s.Channels.content))
	}
	content := container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), s.Close), nil, nil, tabs)
	s.root = content
	s.dialog = p.newDialog("Device set-up", content)
	s.dialog.Resize(dialogSize(p.win, 860+p.estopWidth(), 620))
	s.update()
	return s
}

// listPorts rebuilds the port rows from the device panel's ports.
func (s *DeviceSetup) listPorts() {
	s.ports.RemoveAll()
	s.PortPaths, s.Probes = nil, nil
	if len(s.panel.ports) == 0 {
		s.ports.Add(widget.NewLabel("No serial port found. Plug in the device and press Rescan, or type the port path in the device bar."))
	}
	for _, pi := range s.panel.ports {
		path := pi.Path
		b := widget.NewButtonWithIcon("Probe", theme.SearchIcon(), func() { s.probe(path) })
		text := pi.Path
		if d := strings.TrimSpace(pi.Description); d != "" && d != pi.Path { // never "/dev/ttyS0 — /dev/ttyS0"
			text += " — " + d
		}
		desc := widget.NewLabel(text)
		desc.Truncation = fyne.TextTruncateEllipsis
		s.ports.Add(container.NewBorder(nil, nil, nil, b, desc))
		s.PortPaths = append(s.PortPaths, path)
		s.Probes = append(s.Probes, b)
	}
	s.ports.Refresh()
	s.update()
}

// probe probes the port at path in the background.
func (s *DeviceSetup) probe(path string) {
	p := s.panel
	if p.probe == nil || s.probing != "" {
		return
	}
	s.probing = path
	s.Evidence.SetText("Probing " + path + "… (a few seconds)")
	ctx, cancel := p.call()
	s.cancel = cancel
	s.update()
	p.run.do(func() func() {
		defer cancel()
		res, err := p.probe.Probe(ctx, path)
		return func() {
			s.probing = ""
			if err != nil {
				msg := userMessage("Could not probe "+path, err)
				p.log.Error("probe", "port", path, "err", err)
				s.Evidence.SetText(msg)
				s.update()
				return
			}
			p.log.Info("probe", "port", path, "suggested", res.Suggested)
			s.result, s.resPath = res, path
			s.Evidence.SetText(probeText(path, res))
			s.update()
		}
	})
}

// probeText is the evidence of res as shown to the user.
func probeText(path string, res service.ProbeResult) string {
	var b strings.Builder
	if res.Suggested != "" {
		fmt.Fprintf(&b, "%s: looks like %s.\n", path, res.Suggested)
	} else {
		fmt.Fprintf(&b, "%s: no known device answered. Check that it is switched on, or choose the type by hand.\n", path)
	}
	for _, e := range res.Evidence {
		mark := "✗"
		if e.Matched {
			mark = "✓"
		}
		fmt.Fprintf(&b, "%s %s", mark, e.Protocol)
		if len(e.Lines) > 0 {
			b.WriteString(": " + strings.Join(e.Lines, "; "))
		}
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *DeviceSetup) onApplyTapped() {
	proto, path := s.result.Suggested, s.resPath
	if proto == "" || !slices.Contains(s.panel.Protocol.Options, proto) {
		return
	}
	s.panel.Protocol.SetSelected(proto)
	if proto != simProtocol {
		s.panel.Port.SetText(path)
	}
	s.Protocol.SetSelected(proto)
	s.update()
}

// update brings the widgets in line with the state.
func (s *DeviceSetup) update() {
	p := s.panel
	idle := p.busy == "" && (p.status.State == service.Disconnected || p.status.State == service.Failed)
	for _, b := range s.Probes {
		enable(b, p.probe != nil && idle && s.probing == "")
	}
	enable(s.Protocol, idle)
	enable(s.Rescan, idle)
	setVisible(s.Warning, hobbyProtocol(s.Protocol.Selected), s.rootObject())
	proto := s.result.Suggested
	if proto != "" && s.probing == "" && slices.Contains(p.Protocol.Options, proto) {
		s.Apply.SetText("Use " + proto + " on " + s.resPath)
		enable(s.Apply, idle)
		setVisible(s.Apply, true, s.rootObject())
	} else {
		setVisible(s.Apply, false, s.rootObject())
	}
}

// rootObject returns the dialog's content, nil before it is built.
func (s *DeviceSetup) rootObject() fyne.CanvasObject {
	if s.root == nil {
		return nil
	}
	return s.root
}

func (s *DeviceSetup) close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.dialog.Hide()
	if s.panel.Setup == s {
		s.panel.Setup = nil
	}
}

// ChannelForm edits a patient's channel set-up: one row per channel with
// its label (muscle), on/off and gain. Its widgets are exported for tests.
type ChannelForm struct {
	Labels  []*widget.Entry
	Enabled []*widget.Check
	Gains   []*widget.Select
	Save    *widget.Button
	Message *widget.Label // the patient, a load/save error or "Saved."

	shared
	svc     service.ChannelSetupService
	patient *storage.Patient
	status  service.DeviceStatus
	rows    *fyne.Container
	saving  bool
	content fyne.CanvasObject
}

func newChannelForm(sh shared, svc service.ChannelSetupService, pt *storage.Patient, st service.DeviceStatus) *ChannelForm {
	f := &ChannelForm{shared: sh, svc: svc, patient: pt, status: st}
	f.Save = widget.NewButtonWithIcon("Save channel set-up", theme.DocumentSaveIcon(), f.onSaveTapped)
	f.Save.Importance = widget.HighImportance
	f.Message = widget.NewLabel("")
	f.Message.Wrapping = fyne.TextWrapWord
	f.rows = container.NewVBox()
	head := container.NewGridWithColumns(4,
		widget.NewLabelWithStyle("Channel", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Muscle / label", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("On", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Gain", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	f.content = container.NewBorder(container.NewVBox(f.Message, head), f.Save, nil, nil, container.NewVScroll(f.rows))
	if pt == nil {
		f.Message.SetText("Select a patient first: the channel set-up is saved per patient.")
		f.Save.Disable()
		return f
	}
	f.Message.SetText("Loading the channel set-up of " + pt.Code + "…")
	f.Save.Disable()
	id := pt.ID
	f.run.do(func() func() {
		ctx, cancel := f.call()
		defer cancel()
		cs, err := svc.LoadSetup(ctx, id)
		return func() {
			if err != nil {
				f.log.Error("load channel set-up", "patient", id, "err", err)
				f.Message.SetText(userMessage("Could not load the channel set-up", err))
				return
			}
			f.setSetup(cs)
			f.Message.SetText("Channel set-up of " + pt.Code + ".")
			f.Save.Enable()
		}
	})
	return f
}

// setSetup shows cs; an empty set-up offers the device's channels (its
// labels), or defaultChannels.
func (f *ChannelForm) setSetup(cs service.ChannelSetup) {
	chans := cs.Channels
	if len(chans) == 0 {
		n := f.status.Info.Channels
		if n <= 0 {
			n = defaultChannels
		}
		chans = make([]service.ChannelConfig, n)
		for i := range chans {
			chans[i] = service.ChannelConfig{Label: channelName(f.status.Info.Labels, i), Enabled: true}
		}
	}
	f.rows.RemoveAll()
	f.Labels, f.Enabled, f.Gains = nil, nil, nil
	for i, c := range chans {
		label := widget.NewEntry()
		label.SetText(c.Label)
		label.SetPlaceHolder("e.g. FDS")
		on := widget.NewCheck("", nil)
		on.SetChecked(c.Enabled)
		opts := gainChoices
		g := gainText(c.Gain)
		if !slices.Contains(opts, g) {
			opts = append(slices.Clone(opts), g)
		}
		gain := widget.NewSelect(opts, nil)
		gain.SetSelected(g)
		f.Labels, f.Enabled, f.Gains = append(f.Labels, label), append(f.Enabled, on), append(f.Gains, gain)
		f.rows.Add(container.NewGridWithColumns(4, widget.NewLabel("Ch "+strconv.Itoa(i+1)), label, on, gain))
	}
	f.rows.Refresh()
}

func gainText(g int) string {
	if g <= 0 {
		return gainDefault
	}
	return strconv.Itoa(g)
}

// Setup returns the set-up the form describes.
func (f *ChannelForm) Setup() service.ChannelSetup {
	cs := service.ChannelSetup{Channels: make([]service.ChannelConfig, len(f.Labels))}
	for i := range f.Labels {
		g, _ := strconv.Atoi(f.Gains[i].Selected) // "Default" → 0
		cs.Channels[i] = service.ChannelConfig{Label: strings.TrimSpace(f.Labels[i].Text), Enabled: f.Enabled[i].Checked, Gain: g}
	}
	return cs
}

// setupProblem returns why cs cannot be saved, "" when it can: at least
// one channel on, labels at most 16 characters and unique among the
// enabled channels.
func setupProblem(cs service.ChannelSetup) string {
	seen := map[string]int{}
	on := 0
	for i, c := range cs.Channels {
		if len([]rune(c.Label)) > 16 {
			return fmt.Sprintf("Label of Ch %d is too long: use at most 16 characters.", i+1)
		}
		if !c.Enabled {
			continue
		}
		on++
		if c.Label == "" {
			continue
		}
		k := strings.ToLower(c.Label)
		if j, ok := seen[k]; ok {
			return fmt.Sprintf("Ch %d and Ch %d are both labelled %q: give each muscle its own label.", j+1, i+1, c.Label)
		}
		seen[k] = i
	}
	if on == 0 && len(cs.Channels) > 0 {
		return "Switch on at least one channel."
	}
	return ""
}

func (f *ChannelForm) onSaveTapped() {
	if f.saving || f.patient == nil {
		return
	}
	cs := f.Setup()
	if msg := setupProblem(cs); msg != "" {
		f.Message.Importance = widget.DangerImportance
		f.Message.SetText(msg)
		return
	}
	f.saving = true
	f.Save.Disable()
	id, code := f.patient.ID, f.patient.Code
	f.run.do(func() func() {
		ctx, cancel := f.call()
		defer cancel()
		err := f.svc.SaveSetup(ctx, id, cs)
		return func() {
			f.saving = false
			f.Save.Enable()
			if err != nil {
				f.log.Error("save channel set-up", "patient", id, "err", err)
				f.Message.Importance = widget.DangerImportance
				f.Message.SetText(userMessage("Could not save the channel set-up", err))
				return
			}
			f.log.Info("channel set-up saved", "patient", id)
			f.Message.Importance = widget.SuccessImportance
			f.Message.SetText("Saved the channel set-up of " + code + ". It applies from the next connection.")
		}
	})
}
