package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/ascii"
	"myorehab/acquisition/bitalino"
	"myorehab/acquisition/cyton"
	"myorehab/acquisition/p2"
	"myorehab/acquisition/sim"
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

// StepEvent is one script step reaching the wire (`emulate --events`).
type StepEvent struct {
	// At is when the write holding the step's first sample returned.
	At time.Time
	// Sample is the index of the step's first sample among all the samples
	// the emulator generated (the host's sample index when the stream was
	// started once).
	Sample uint64
	// Step is the step's index in the script, Cycle how many times the
	// script ran before (it repeats).
	Step, Cycle int
	// Gesture and Level are the step's.
	Gesture sim.Gesture
	Level   float64
}

// StepWatch reports when each step of a simulator's script is first
// written to an emulator's port. It sits between the emulator and both its
// Generator (counting the samples generated: a step starts at the sample
// Script.Ends says) and its port: an emulator generates the samples that are
// due, then writes them in one Write, so the step event fires when the
// Write that follows its first sample returns. Steps whose first sample
// was generated but never written (a failed write) are not reported.
//
// Pass Generator() and Port() to the emulator instead of the simulator and
// the port. Both are used from the emulator's goroutine only, and neither
// allocates per sample.
type StepWatch struct {
	gen     acquisition.Generator
	port    io.ReadWriter
	script  sim.Script
	starts  []uint64 // first sample of each step within the script
	period  uint64   // samples per run of the script
	n       uint64   // samples generated
	next    uint64   // first sample of step (of cycle)
	step    int
	cycle   int
	pending []StepEvent
	onStep  func(StepEvent)
}

// NewStepWatch watches gen, a simulator running script at rateHz (sim.Config
// Script and RateHz; nil script means sim.DefaultScript), writing to port,
// and calls onStep for every step that reaches the wire, on the emulator's
// goroutine, in order. It panics if script is not valid or rateHz ≤ 0.
func NewStepWatch(gen acquisition.Generator, port io.ReadWriter, script sim.Script, rateHz float64, onStep func(StepEvent)) *StepWatch {
	if script == nil {
		script = sim.DefaultScript()
	}
	ends := script.Ends(rateHz)
	w := &StepWatch{
		gen: gen, port: port, script: script, onStep: onStep,
		starts:  make([]uint64, len(ends)),
		period:  ends[len(ends)-1],
		pending: make([]StepEvent, 0, 8),
	}
	copy(w.starts[1:], ends)
	return w
}

// Generator returns the generator to hand to the emulator.
func (w *StepWatch) Generator() acquisition.Generator { return (*stepGen)(w) }

// Port returns the port to hand to the emulator.
func (w *StepWatch) Port() io.ReadWriter { return (*stepPort)(w) }

type (
	stepGen  StepWatch
	stepPort StepWatch
)

func (g *stepGen) Next(dst []float64) {
	w := (*StepWatch)(g)
	w.gen.Next(dst)
	if w.n == w.next {
		st := w.script[w.step]
		w.pending = append(w.pending, StepEvent{Sample: w.n, Step: w.step, Cycle: w.cycle, Gesture: st.Gesture, Level: st.Level})
		if w.step++; w.step == len(w.script) {
			w.step = 0
			w.cycle++
		}
		w.next = uint64(w.cycle)*w.period + w.starts[w.step]
	}
	w.n++
}

func (p *stepPort) Read(b []byte) (int, error) { return p.port.Read(b) }

func (p *stepPort) Write(b []byte) (int, error) {
	w := (*StepWatch)(p)
	n, err := w.port.Write(b)
	if len(w.pending) > 0 {
		if err == nil {
			at := time.Now()
			for _, e := range w.pending {
				e.At = at
				w.onStep(e)
			}
		}
		w.pending = w.pending[:0]
	}
	return n, err
}
