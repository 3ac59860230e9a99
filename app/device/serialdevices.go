package device

import (
	"context"
	"errors"
	"fmt"
	"io"

	"myorehab/acquisition"
	"myorehab/acquisition/ascii"
	"myorehab/acquisition/bitalino"
	"myorehab/acquisition/cyton"
	"myorehab/acquisition/p2"
)

// serialProtocol describes one serial amplifier besides the Cyton: how to
// open it, and how to emulate it for `myorehab emulate`.
type serialProtocol struct {
	// portHint completes "choose or type the serial port of …".
	portHint string
	open     func(port string) (acquisition.Source, error)
	// channels and rateHz are the emulator's defaults; fixedChannels says
	// the protocol allows no other channel count.
	channels      int
	rateHz        float64
	fixedChannels bool
	// emulate runs the emulator; gen produces channels channels at
	// rateHz (the stream's sample rate).
	emulate func(ctx context.Context, port io.ReadWriter, gen acquisition.Generator, e EmulateOptions) (int, error)
}

// EmulateOptions are the emulate flags passed on to an emulator.
type EmulateOptions struct {
	RateHz   float64
	Channels int
	Seconds  float64
	Corrupt  float64
	Seed     uint64
	Dump     io.Writer
}

// serialProtocols are the serial protocols wired through this file.
func serialProtocols() map[string]serialProtocol {
	return map[string]serialProtocol{
		"cyton-daisy": {
			portHint: "OpenBCI dongle (e.g. /dev/ttyUSB0)",
			open:     func(port string) (acquisition.Source, error) { return cyton.OpenDaisy(cyton.Config{Port: port}) },
			channels: cyton.DaisyChannels, rateHz: cyton.DefaultRateHz / 2, fixedChannels: true,
			emulate: func(ctx context.Context, port io.ReadWriter, gen acquisition.Generator, e EmulateOptions) (int, error) {
				return cyton.RunDaisyEmulator(ctx, port, cyton.DaisyEmulatorConfig{
					Generator: gen, RateHz: 2 * e.RateHz, Seconds: e.Seconds, Corrupt: e.Corrupt, Seed: e.Seed, Dump: e.Dump})
			},
		},
		"bitalino": {
			portHint: "BITalino (e.g. /dev/rfcomm0 or /dev/ttyUSB0)",
			open:     func(port string) (acquisition.Source, error) { return bitalino.Open(bitalino.Config{Port: port}) },
			channels: bitalino.MaxChannels, rateHz: bitalino.DefaultRateHz, fixedChannels: true,
			emulate: func(ctx context.Context, port io.ReadWriter, gen acquisition.Generator, e EmulateOptions) (int, error) {
				return bitalino.RunEmulator(ctx, port, bitalino.EmulatorConfig{
					Generator: gen, Seconds: e.Seconds, Corrupt: e.Corrupt, Seed: e.Seed, Dump: e.Dump})
			},
		},
		"ascii": {
			portHint: "sensor's Arduino (e.g. /dev/ttyACM0)",
			open:     func(port string) (acquisition.Source, error) { return ascii.Open(ascii.Config{Port: port}) },
			channels: ascii.DefaultEmulatorChannels, rateHz: ascii.DefaultEmulatorRateHz,
			emulate: func(ctx context.Context, port io.ReadWriter, gen acquisition.Generator, e EmulateOptions) (int, error) {
				return ascii.RunEmulator(ctx, port, ascii.EmulatorConfig{
					Generator: gen, Channels: e.Channels, RateHz: e.RateHz, Seconds: e.Seconds, Corrupt: e.Corrupt, Seed: e.Seed, Dump: e.Dump})
			},
		},
		"p2": {
			portHint: "OpenEEG/Olimex board (e.g. /dev/ttyUSB0)",
			open:     func(port string) (acquisition.Source, error) { return p2.Open(p2.Config{Port: port}) },
			channels: p2.Channels, rateHz: p2.RateHz, fixedChannels: true,
			emulate: func(ctx context.Context, port io.ReadWriter, gen acquisition.Generator, e EmulateOptions) (int, error) {
				return p2.RunEmulator(ctx, port, p2.EmulatorConfig{
					Generator: gen, Seconds: e.Seconds, Corrupt: e.Corrupt, Seed: e.Seed, Dump: e.Dump})
			},
		},
	}
}

// openSerialProtocol opens one of serialProtocols, reconnecting by itself
// when the cable is pulled. ok is false for other protocols.
func openSerialProtocol(protocol, port string, onEvent func(acquisition.Event)) (src acquisition.Source, ok bool, err error) {
	sp, ok := serialProtocols()[protocol]
	if !ok {
		return nil, false, nil
	}
	if port == "" {
		return nil, true, fmt.Errorf("choose or type the serial port of the %s", sp.portHint)
	}
	r, err := acquisition.NewReconnecting(acquisition.ReconnectConfig{
		Open:    func() (acquisition.Source, error) { return sp.open(port) },
		OnEvent: onEvent,
	})
	if err != nil {
		return nil, true, err
	}
	return r, true, nil
}

// EmulatorSetup checks the emulate flags for a serial protocol and fills
// their defaults: the stream's rate and channel count.
func EmulatorSetup(protocol string, rateHz float64, channels int) (float64, int, error) {
	sp, ok := serialProtocols()[protocol]
	if !ok {
		return 0, 0, fmt.Errorf("unknown protocol %q", protocol)
	}
	if channels == 0 {
		channels = sp.channels
	}
	if sp.fixedChannels && channels != sp.channels {
		return 0, 0, fmt.Errorf("the %s emulator has %d channels", protocol, sp.channels)
	}
	if rateHz == 0 {
		rateHz = sp.rateHz
	}
	if protocol != "ascii" && protocol != "cyton-daisy" && rateHz != sp.rateHz {
		return 0, 0, fmt.Errorf("the %s emulator streams at %g Hz (the host chooses the rate)", protocol, sp.rateHz)
	}
	return rateHz, channels, nil
}

// RunSerialEmulator runs the emulator of a serial protocol.
func RunSerialEmulator(ctx context.Context, protocol string, port io.ReadWriter, gen acquisition.Generator, e EmulateOptions) (int, error) {
	sp, ok := serialProtocols()[protocol]
	if !ok {
		return 0, fmt.Errorf("unknown protocol %q", protocol)
	}
	return sp.emulate(ctx, port, gen, e)
}

// serialDriverMessage reports whether err is an open error of these
// drivers, already written for people.
func serialDriverMessage(err error) bool {
	for _, target := range []error{cyton.ErrNoDaisy, bitalino.ErrNoAnswer, bitalino.ErrOldFirmware, ascii.ErrNoAnswer, p2.ErrNoAnswer} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
