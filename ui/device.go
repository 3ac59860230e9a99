package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// simProtocol is the protocol that needs no port.
const simProtocol = "sim"

// DevicePanel chooses, connects and monitors the amplifier. Its widgets are
// exported so tests can drive them; touch them on the Fyne goroutine only.
type DevicePanel struct {
	Protocol   *widget.Select      // DeviceService.Protocols
	Port       *widget.SelectEntry // discovered ports; any typed path is accepted
	PortHint   *widget.Label       // the port's description or a hint
	Rescan     *widget.Button      // lists the ports again
	Connect    *widget.Button
	Disconnect *widget.Button
	State      *widget.Label // state and device in plain words; samples missing
	Message    *widget.Label // the last error or a warning; hidden when none
	// Details is the disclosure holding DetailText: the rate, the loss
	// counters and the filters in technical terms.
	Details    *widget.Accordion
	DetailText *widget.Label
	// Warning is the hobby-sensor SafetyWarning, shown while a hobby
	// protocol is chosen or streams.
	Warning *widget.Label
	// SetupButton opens the device set-up dialog (Setup).
	SetupButton *widget.Button
	// Setup is the open device set-up dialog, nil when closed.
	Setup *DeviceSetup

	shared
	svc       service.DeviceService
	ports     []service.PortInfo
	status    service.DeviceStatus
	busy      string                      // "connect" or "disconnect" while that call runs
	errMsg    string                      // the last Connect/Disconnect error, until the next attempt
	recording bool                        // Disconnect is locked while a session records
	probe     service.ProbeService        // nil: no Probe buttons
	chans     service.ChannelSetupService // nil: no channel set-up
	patient   func() *storage.Patient
	// changed is called after Connect or Disconnect returned (set by MainScreen).
	changed func()
	content fyne.CanvasObject
}

func newDevicePanel(sh shared, svc service.DeviceService, probe service.ProbeService, chans service.ChannelSetupService, patient func() *storage.Patient) *DevicePanel {
	p := &DevicePanel{shared: sh, svc: svc, probe: probe, chans: chans, patient: patient}
	p.Protocol = widget.NewSelect(svc.Protocols(), p.onProtocolChanged)
	p.Port = widget.NewSelectEntry(nil)
	p.Port.SetPlaceHolder("Serial port, e.g. /dev/ttyUSB0")
	p.Port.OnChanged = func(string) { p.updateHint() }
	p.PortHint = widget.NewLabel("")
	p.PortHint.Importance = widget.LowImportance
	p.Rescan = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), p.onRescanTapped)
	p.Connect = widget.NewButtonWithIcon("Connect", theme.LoginIcon(), p.onConnectTapped)
	p.Connect.Importance = widget.HighImportance
	p.Disconnect = widget.NewButtonWithIcon("Disconnect", theme.LogoutIcon(), p.onDisconnectTapped)
	p.State = widget.NewLabel("")
	p.State.TextStyle.Bold = true
	p.State.Truncation = fyne.TextTruncateEllipsis
	p.Message = widget.NewLabel("")
	p.Message.Wrapping = fyne.TextWrapWord
	p.Message.Hide()
	p.DetailText = widget.NewLabel("")
	p.DetailText.Wrapping = fyne.TextWrapWord
	p.DetailText.SizeName = theme.SizeNameCaptionText
	p.Details = widget.NewAccordion(widget.NewAccordionItem("Details", p.DetailText))
	p.Warning = widget.NewLabel(SafetyWarning)
	p.Warning.Importance = widget.DangerImportance
	p.Warning.TextStyle.Bold = true
	p.Warning.Wrapping = fyne.TextWrapWord
	p.Warning.Hide()
	p.SetupButton = widget.NewButtonWithIcon("Set up…", theme.SettingsIcon(), p.onSetupTapped)

	p.onRescanTapped()
	if len(p.Protocol.Options) > 0 {
		p.Protocol.SetSelectedIndex(0)
	}
	protocol := container.NewHBox(widget.NewLabelWithStyle("Device", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), p.Protocol)
	buttons := container.NewHBox(p.Rescan, p.Connect, p.Disconnect, p.SetupButton)
	row := container.NewBorder(nil, nil, protocol, buttons, p.Port)
	// The state on one line; the technical detail (rates, counters,
	// filters) stays behind "Details" so it never takes the screen.
	state := container.NewBorder(nil, nil, nil, p.Details, p.State)
	p.content = container.NewVBox(row, p.Warning, p.PortHint, state, p.Message)
	p.update()
	return p
}

// Status returns the last device status shown.
func (p *DevicePanel) Status() service.DeviceStatus { return p.status }

// setStatus shows st.
func (p *DevicePanel) setStatus(st service.DeviceStatus) {
	p.status = st
	if st.State == service.Streaming {
		p.errMsg = ""
	}
	p.update()
}

// setRecording locks Disconnect while a session records.
func (p *DevicePanel) setRecording(on bool) {
	if on != p.recording {
		p.recording = on
		p.update()
	}
}

// config returns the configuration the panel describes.
func (p *DevicePanel) config() service.DeviceConfig {
	cfg := service.DeviceConfig{Protocol: p.Protocol.Selected}
	if cfg.Protocol != simProtocol {
		cfg.Port = strings.TrimSpace(p.Port.Text)
	}
	return cfg
}

func (p *DevicePanel) onProtocolChanged(proto string) {
	p.errMsg = ""
	if p.Setup != nil && p.Setup.Protocol.Selected != proto {
		p.Setup.Protocol.SetSelected(proto)
	}
	p.update()
}

func (p *DevicePanel) onSetupTapped() {
	if p.Setup != nil {
		return
	}
	p.Setup = newDeviceSetup(p)
	p.Setup.dialog.Show()
}

func (p *DevicePanel) onRescanTapped() {
	p.ports = p.svc.Ports()
	paths := make([]string, len(p.ports))
	for i, pi := range p.ports {
		paths[i] = pi.Path
	}
	p.Port.SetOptions(paths)
	if p.Port.Text == "" && len(paths) > 0 {
		p.Port.SetText(paths[0])
	}
	p.updateHint()
}

func (p *DevicePanel) updateHint() {
	path := strings.TrimSpace(p.Port.Text)
	i := slices.IndexFunc(p.ports, func(pi service.PortInfo) bool { return pi.Path == path })
	switch {
	case p.Protocol.Selected == simProtocol:
		p.PortHint.SetText("")
	case i >= 0:
		p.PortHint.SetText(p.ports[i].Description)
	case len(p.ports) == 0:
		p.PortHint.SetText("No serial port found: plug in the dongle and press ⟳, or type the port path.")
	case path != "":
		p.PortHint.SetText("Not among the ports found; it will be tried as typed.")
	default:
		p.PortHint.SetText("")
	}
	setVisible(p.PortHint, p.PortHint.Text != "", p.win.Content())
}

func (p *DevicePanel) onConnectTapped() {
	if p.busy != "" {
		return
	}
	cfg := p.config()
	switch {
	case cfg.Protocol == "":
		p.errMsg = "Choose the device type first."
		p.update()
		return
	case cfg.Protocol != simProtocol && cfg.Port == "":
		p.errMsg = "Choose or type the serial port of the amplifier, e.g. /dev/ttyUSB0."
		p.update()
		return
	}
	p.busy, p.errMsg = "connect", ""
	p.update()
	p.log.Info("connect", "protocol", cfg.Protocol, "port", cfg.Port)
	p.run.do(func() func() {
		err := p.svc.Connect(cfg)
		st := p.svc.Status()
		return func() {
			p.busy = ""
			if err != nil {
				// Said once, in the red message under the buttons (it stays
				// until the next attempt); no dialog repeating it.
				p.errMsg = userMessage("Could not connect", err)
				p.log.Error("connect", "err", err)
			}
			p.setStatus(st)
			p.notify()
		}
	})
}

func (p *DevicePanel) onDisconnectTapped() {
	if p.busy != "" || p.recording {
		return
	}
	p.busy, p.errMsg = "disconnect", ""
	p.update()
	p.run.do(func() func() {
		err := p.svc.Disconnect()
		st := p.svc.Status()
		return func() {
			p.busy = ""
			if err != nil {
				p.errMsg = userMessage("Could not disconnect cleanly", err)
				p.log.Error("disconnect", "err", err)
			}
			p.setStatus(st)
			p.notify()
		}
	})
}

func (p *DevicePanel) notify() {
	if p.changed != nil {
		p.changed()
	}
}

// update brings the widgets in line with the panel's state.
func (p *DevicePanel) update() {
	st := p.status.State
	idle := p.busy == "" && (st == service.Disconnected || st == service.Failed)
	enable(p.Connect, idle)
	enable(p.Disconnect, p.busy == "" && st != service.Disconnected && !p.recording)
	enable(p.Protocol, idle)
	enable(p.Port, idle)
	enable(p.Rescan, idle)
	sim := p.Protocol.Selected == simProtocol // the simulator needs no port: none shown
	setVisible(p.Port, !sim, p.win.Content())
	setVisible(p.Rescan, !sim, p.win.Content())
	p.updateHint()
	setVisible(p.Warning, hobbyProtocol(p.Protocol.Selected) || (st != service.Disconnected && hobbyProtocol(p.status.Info.Protocol)), p.win.Content())
	if p.Setup != nil {
		p.Setup.update()
	}

	switch p.busy {
	case "connect":
		cfg := p.config()
		text := "Connecting…"
		if cfg.Port != "" {
			text = "Connecting to " + cfg.Port + "…"
		}
		setLabel(p.State, text)
	case "disconnect":
		setLabel(p.State, "Disconnecting…")
	default:
		setLabel(p.State, plainDeviceLine(p.status))
	}
	detail := deviceLine(p.status)
	if p.status.Message != "" {
		detail += "\n" + p.status.Message
	}
	setLabel(p.DetailText, detail)
	// The message line is for what needs attention; the app's routine
	// message ("Streaming from … (filters)") is a detail.
	msg, imp := "", widget.MediumImportance
	switch {
	case p.errMsg != "":
		msg, imp = p.errMsg, widget.DangerImportance
	case st == service.Failed:
		msg, imp = p.status.Message, widget.DangerImportance
	case st == service.Reconnecting:
		msg, imp = p.status.Message, widget.WarningImportance
	}
	// (Disconnect is disabled while recording; no extra line appears for
	// it, so the window does not jump when a recording starts.)
	if p.Message.Text != msg || p.Message.Importance != imp {
		p.Message.Importance = imp
		p.Message.SetText(msg)
	}
	setVisible(p.Message, msg != "", p.win.Content())
}

// disabler is a widget that can be enabled and disabled.
type disabler interface {
	Enable()
	Disable()
	Disabled() bool
}

// enable enables or disables w, refreshing it only on a change.
func enable(w disabler, on bool) {
	switch {
	case on && w.Disabled():
		w.Enable()
	case !on && !w.Disabled():
		w.Disable()
	}
}

// setVisible shows or hides o, only on a change, and then lays out
// parent again (nil: not built yet; typically the window's or the dialog's
// root) so the space o takes follows.
func setVisible(o fyne.CanvasObject, on bool, parent fyne.CanvasObject) {
	if o.Visible() == on {
		return
	}
	if on {
		o.Show()
	} else {
		o.Hide()
	}
	if parent != nil {
		parent.Refresh()
	}
}

// setLabel sets l's text, refreshing it only on a change.
func setLabel(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}
