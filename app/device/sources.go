package device

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"myorehab/acquisition"
	"myorehab/acquisition/cyton"
	"myorehab/acquisition/probe"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/sim"
	"myorehab/app/service"
)

// Protocols lists the sources MyoRehab can open: the simulated amplifier
// and the serial protocols.
func Protocols() []string {
	return []string{"sim", "replay", "cyton", "cyton-daisy", "bitalino", "ascii", "p2"}
}

// Open opens the source cfg names. Serial sources reopen by
// themselves when the cable is pulled (onEvent hears about it).
func Open(cfg service.DeviceConfig, onEvent func(acquisition.Event)) (acquisition.Source, error) {
	switch cfg.Protocol {
	case "replay":
		return openReplay(strings.TrimSpace(cfg.Port))
	case "sim", "":
		c := sim.DefaultConfig()
		return sim.NewSource(sim.SourceConfig{Config: c, Paced: true})
	case "cyton":
		port := strings.TrimSpace(cfg.Port)
		if port == "" {
			return nil, errors.New("choose or type the serial port of the OpenBCI dongle (e.g. /dev/ttyUSB0)")
		}
		return acquisition.NewReconnecting(acquisition.ReconnectConfig{
			Open: func() (acquisition.Source, error) {
				return cyton.Open(cyton.Config{Port: port})
			},
			OnEvent: onEvent,
		})
	}
	if src, ok, err := openSerialProtocol(cfg.Protocol, strings.TrimSpace(cfg.Port), onEvent); ok {
		return src, err
	}
	return nil, fmt.Errorf("unknown protocol %q (choose one of %s)", cfg.Protocol, strings.Join(Protocols(), ", "))
}

// listPorts lists the OS's serial ports for the device panel, naming known
// adapters.
func listPorts(log *slog.Logger) []service.PortInfo {
	ports, err := serialport.List()
	if err != nil {
		log.Warn("list serial ports", "err", err)
		return nil
	}
	out := make([]service.PortInfo, 0, len(ports))
	for _, p := range ports {
		desc := p.String()
		if p.VID == "0403" {
			desc += " — FTDI adapter, as on the OpenBCI dongle"
		}
		out = append(out, service.PortInfo{Path: p.Path, Description: desc})
	}
	return out
}

// friendly returns the message a clinician sees for err. The errors of
// the serial layer and the drivers are already written for people; the
// rest get context.
func friendly(err error) string {
	var pe *serialport.Error
	switch {
	case errors.As(err, &pe), errors.Is(err, cyton.ErrNoAnswer), errors.Is(err, cyton.ErrBoardOff), serialDriverMessage(err):
		return err.Error()
	case serialport.IsGone(err):
		return "The amplifier stopped answering (cable pulled or device switched off): " + err.Error()
	}
	return err.Error()
}

// Prober implements service.ProbeService with acquisition/probe.
type Prober struct{}

// Probe tries each protocol's handshake on the port at path and suggests
// the match.
func (Prober) Probe(ctx context.Context, path string) (service.ProbeResult, error) {
	rep, err := probe.Probe(ctx, path, nil, probe.Options{})
	if err != nil {
		return service.ProbeResult{}, err
	}
	res := service.ProbeResult{Suggested: rep.Suggested}
	for _, r := range rep.Results {
		ev := service.ProbeEvidence{Protocol: r.Protocol, Matched: r.Answered}
		if r.Sent != "" {
			ev.Lines = append(ev.Lines, "sent "+r.Sent)
		}
		if r.Evidence != "" {
			ev.Lines = append(ev.Lines, r.Evidence)
		}
		res.Evidence = append(res.Evidence, ev)
	}
	return res, nil
}
