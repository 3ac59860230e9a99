package cyton

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"myorehab/acquisition"
)

// Banner is the text the emulator sends in answer to `v`, modelled on a
// Cyton with firmware v3.
const Banner = "OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\nLIS3DH Device ID: 0x33\nFirmware: v3.1.2\n$$$"

// EmulatorConfig configures RunEmulator.
type EmulatorConfig struct {
	// Generator produces the signal in µV, 8 channels per sample. Required.
	Generator acquisition.Generator
	// RateHz is the sample rate in hertz; 0 means 250. `~N` changes it.
	RateHz float64
	// Baud is the link's rate, 0 meaning 115200: a sample rate whose
	// packets would not fit (33 bytes × 10 bits × RateHz > Baud) is refused,
	// so the stream stays honest to a real serial link.
	Baud int
	// Seconds is how long to stream after `b` (in total, over all `b`…`s`
	// runs); RunEmulator returns when it is reached. 0 means until ctx ends.
	Seconds float64
	// Corrupt is the probability, per byte sent while streaming, that the
	// byte is replaced by a different random byte.
	Corrupt float64
	// Seed seeds the corruption's random numbers.
	Seed uint64
	// Dump, when not nil, receives CSV `sample,ch1,…,ch8`: the clean counts
	// of every packet sent, sample being the index since the latest `b`.
	Dump io.Writer
	// OnCorrupt, when not nil, is called for every corrupted byte with the
	// sample index of its packet and the byte's offset in it (0–32).
	OnCorrupt func(sample uint64, offset int)
}

// emulator is the state of one RunEmulator call.
type emulator struct {
	cfg    EmulatorConfig
	port   io.ReadWriter
	rng    *rand.Rand
	gains  [Channels]int
	rate   float64
	total  int // samples to send in all; 0 = unlimited
	sent   int
	stream bool
	t0     time.Time
	n      uint64 // samples sent since the latest `b`
	cmd    []byte // command being assembled (`x…X`, `~N`)
	uv     [Channels]float64
	pk     Packet
	wire   []byte
	dump   *bufio.Writer
	line   []byte
}

// RunEmulator plays an OpenBCI Cyton on port (a serial.Port, or any
// io.ReadWriter): it answers `v` with Banner, `d` with `updating channel
// settings to default$$$`, `x…X` with `Success: Channel set for N$$$`,
// `~N` with `Sample rate set to …Hz$$$`; `b` starts streaming packets
// paced against the wall clock (packet n of a run leaves at (n+1)/RateHz
// after `b`, so there is no drift), `s` stops. Counts are the Generator's µV
// quantised at each channel's gain (24 after `d`) and clamped to 24 bits;
// the packet counter restarts at 0 on every `b`.
//
// It returns the number of samples sent when Seconds of streaming are done,
// or with ctx.Err() when ctx ends, or with an error when the port fails.
// Reads continue in a goroutine until the port's Read returns an error or,
// for a port with a read timeout, returns (0, nil) after RunEmulator has
// finished; the caller closes the port after RunEmulator returns.
func RunEmulator(ctx context.Context, port io.ReadWriter, cfg EmulatorConfig) (samplesSent int, err error) {
	if cfg.Generator == nil {
		return 0, errors.New("cyton emulator: no Generator")
	}
	if cfg.RateHz == 0 {
		cfg.RateHz = DefaultRateHz
	}
	if cfg.Baud == 0 {
		cfg.Baud = 115200
	}
	if cfg.RateHz < 0 || cfg.Seconds < 0 || cfg.Corrupt < 0 || cfg.Corrupt > 1 {
		return 0, fmt.Errorf("cyton emulator: invalid config (rate %g Hz, %g s, corrupt %g)", cfg.RateHz, cfg.Seconds, cfg.Corrupt)
	}
	e := &emulator{
		cfg:   cfg,
		port:  port,
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x0bc1)),
		rate:  cfg.RateHz,
		total: int(math.Round(cfg.Seconds * cfg.RateHz)),
		wire:  make([]byte, 0, PacketSize),
	}
	if !e.fits(e.rate) {
		return 0, fmt.Errorf("cyton emulator: %g Hz needs %d baud, the link has %d", e.rate, e.baudNeeded(e.rate), cfg.Baud)
	}
	e.resetGains()
	if cfg.Dump != nil {
		e.dump = bufio.NewWriter(cfg.Dump)
		e.dump.WriteString("sample,ch1,ch2,ch3,ch4,ch5,ch6,ch7,ch8\n")
		defer e.dump.Flush()
	}
	if cfg.Seconds > 0 && e.total == 0 {
		return 0, nil
	}

	in := make(chan []byte, 16)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go readCommands(port, in, readErr, stop)

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var tick <-chan time.Time
		if e.stream {
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return e.sent, ctx.Err()
		case err := <-readErr:
			return e.sent, fmt.Errorf("cyton emulator: read: %w", err)
		case b := <-in:
			for _, c := range b {
				if err := e.command(c); err != nil {
					return e.sent, err
				}
			}
		case <-tick:
		}
		if !e.stream {
			continue
		}
		done, err := e.sendDue()
		if err != nil || done {
			return e.sent, err
		}
		timer.Reset(time.Until(e.due(e.n)))
	}
}

// readCommands forwards what port receives to in until stop is closed or
// Read fails.
func readCommands(port io.Reader, in chan<- []byte, readErr chan<- error, stop <-chan struct{}) {
	buf := make([]byte, 64)
	for {
		n, err := port.Read(buf)
		if n > 0 {
			select {
			case in <- append([]byte(nil), buf[:n]...):
			case <-stop:
				return
			}
		}
		if err != nil {
			select {
			case readErr <- err:
			case <-stop:
			}
			return
		}
		select {
		case <-stop:
			return
		default:
		}
	}
}

func (e *emulator) baudNeeded(rate float64) int { return int(math.Ceil(rate * PacketSize * 10)) }
func (e *emulator) fits(rate float64) bool      { return e.baudNeeded(rate) <= e.cfg.Baud }

func (e *emulator) resetGains() {
	for c := range e.gains {
		e.gains[c] = DefaultGain
	}
}

// due returns the wall-clock time at which sample n of the run is sent.
func (e *emulator) due(n uint64) time.Time {
	return e.t0.Add(time.Duration(float64(n+1) / e.rate * float64(time.Second)))
}

// command handles one received byte.
func (e *emulator) command(c byte) error {
	if len(e.cmd) > 0 {
		e.cmd = append(e.cmd, c)
		switch {
		case e.cmd[0] == '~' && len(e.cmd) == 2:
			defer func() { e.cmd = e.cmd[:0] }()
			return e.sampleRate(e.cmd[1])
		case e.cmd[0] == 'x' && len(e.cmd) == 9:
			defer func() { e.cmd = e.cmd[:0] }()
			ch, gain, ok := ParseChannelSettings(e.cmd)
			if !ok {
				return e.reply("Failure: too few chars$$$")
			}
			e.gains[ch-1] = gain
			return e.reply(fmt.Sprintf("Success: Channel set for %d$$$", ch))
		}
		return nil
	}
	switch c {
	case 'v':
		e.stream = false
		e.resetGains()
		return e.reply(Banner)
	case 'd':
		e.resetGains()
		return e.reply("updating channel settings to default$$$")
	case 'V':
		return e.reply("v3.1.2$$$")
	case 'c':
		return e.reply("daisy removed$$$")
	case 'b':
		if !e.stream {
			e.stream, e.t0, e.n = true, time.Now(), 0
		}
	case 's':
		e.stream = false
	case 'x', '~':
		e.cmd = append(e.cmd[:0], c)
	}
	return nil
}

// sampleRate handles `~N`.
func (e *emulator) sampleRate(code byte) error {
	if code == '~' {
		return e.reply(fmt.Sprintf("Sample rate is %gHz$$$", e.rate))
	}
	r, ok := SampleRateFromCode(code)
	switch {
	case !ok:
		return e.reply("Failure: invalid sample rate$$$")
	case !e.fits(float64(r)):
		return e.reply(fmt.Sprintf("Failure: %dHz does not fit the serial link$$$", r))
	}
	e.rate = float64(r)
	return e.reply(fmt.Sprintf("Sample rate set to %dHz$$$", r))
}

// reply sends text unless streaming (the board stays quiet then).
func (e *emulator) reply(text string) error {
	if e.stream {
		return nil
	}
	if _, err := io.WriteString(e.port, text); err != nil {
		return fmt.Errorf("cyton emulator: write: %w", err)
	}
	return nil
}

// sendDue sends every packet whose time has come; done is true once the
// configured number of samples has been sent.
func (e *emulator) sendDue() (done bool, err error) {
	now := time.Now()
	for e.stream && !e.due(e.n).After(now) {
		if err := e.sendPacket(); err != nil {
			return false, err
		}
		if e.total > 0 && e.sent >= e.total {
			e.stream = false
			return true, nil
		}
	}
	return false, nil
}

// sendPacket builds, dumps, corrupts and writes the next packet.
func (e *emulator) sendPacket() error {
	e.cfg.Generator.Next(e.uv[:])
	e.pk.Counter = uint8(e.n)
	for c, v := range e.uv {
		q := math.Round(v / ScaleUV(e.gains[c]))
		e.pk.Counts[c] = int32(max(MinCount, min(MaxCount, q)))
	}
	// Accelerometer: 1 g on Z every 10th packet (25 Hz), else zeros.
	e.pk.Aux = [6]byte{}
	if e.n%10 == 9 {
		e.pk.Aux[4], e.pk.Aux[5] = byte(8000>>8), byte(8000&0xff)
	}
	e.pk.Footer = FooterMin
	if e.dump != nil {
		e.line = strconv.AppendUint(e.line[:0], e.n, 10)
		for _, c := range e.pk.Counts {
			e.line = append(e.line, ',')
			e.line = strconv.AppendInt(e.line, int64(c), 10)
		}
		e.line = append(e.line, '\n')
		if _, err := e.dump.Write(e.line); err != nil {
			return fmt.Errorf("cyton emulator: dump: %w", err)
		}
	}
	e.wire = AppendPacket(e.wire[:0], &e.pk)
	if e.cfg.Corrupt > 0 {
		for i := range e.wire {
			if e.rng.Float64() < e.cfg.Corrupt {
				e.wire[i] ^= byte(1 + e.rng.IntN(255))
				if e.cfg.OnCorrupt != nil {
					e.cfg.OnCorrupt(e.n, i)
				}
			}
		}
	}
	if _, err := e.port.Write(e.wire); err != nil {
		return fmt.Errorf("cyton emulator: write: %w", err)
	}
	e.n++
	e.sent++
	return nil
}
