package cyton

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
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
	b := newBoard(cfg, false)
	if !b.fits(cfg.RateHz) {
		return 0, fmt.Errorf("cyton emulator: %g Hz needs %d baud, the link has %d", cfg.RateHz, b.baudNeeded(cfg.RateHz), cfg.Baud)
	}
	return link.Run(ctx, port, link.EmulatorConfig{
		Name: "cyton emulator", Channels: Channels, RateHz: cfg.RateHz, Seconds: cfg.Seconds,
		Corrupt: cfg.Corrupt, Seed: cfg.Seed, Stream: 0x0bc1, Dump: cfg.Dump, OnCorrupt: cfg.OnCorrupt,
	}, b)
}

// board is the link.Device of RunEmulator and RunDaisyEmulator: a Cyton,
// with or without its Daisy module.
type board struct {
	cfg   EmulatorConfig
	daisy bool
	gains *GainTracker
	uv    [DaisyChannels]float64
	pk    Packet
	cmd   []byte // command being assembled (`x…X`, `~N`)
}

func newBoard(cfg EmulatorConfig, daisy bool) *board {
	return &board{cfg: cfg, daisy: daisy, gains: NewGainTracker()}
}

// channels returns the number of channels per sample.
func (d *board) channels() int {
	if d.daisy {
		return DaisyChannels
	}
	return Channels
}

// packets returns the number of packets per sample.
func (d *board) packets() float64 {
	if d.daisy {
		return 2
	}
	return 1
}

func (d *board) baudNeeded(packetRate float64) int {
	return int(math.Ceil(packetRate * PacketSize * 10))
}
func (d *board) fits(packetRate float64) bool { return d.baudNeeded(packetRate) <= d.cfg.Baud }

// reply sends text unless streaming (the board stays quiet then).
func (d *board) reply(em *link.Emulator, text string) error {
	if em.Streaming() {
		return nil
	}
	return em.Reply(text)
}

// Command handles bytes received from the host.
func (d *board) Command(em *link.Emulator, b []byte) error {
	for _, c := range b {
		if err := d.command(em, c); err != nil {
			return err
		}
	}
	return nil
}

// command handles one received byte.
func (d *board) command(em *link.Emulator, c byte) error {
	if len(d.cmd) > 0 {
		d.cmd = append(d.cmd, c)
		switch {
		case d.cmd[0] == '~' && len(d.cmd) == 2:
			code := d.cmd[1]
			d.cmd = d.cmd[:0]
			return d.sampleRate(em, code)
		case d.cmd[0] == 'x' && len(d.cmd) == 9:
			ch := 0
			d.gains.Observe(d.cmd, func(k int) { ch = k })
			d.cmd = d.cmd[:0]
			if ch == 0 || ch > d.channels() {
				return d.reply(em, "Failure: too few chars$$$")
			}
			return d.reply(em, fmt.Sprintf("Success: Channel set for %d$$$", ch))
		}
		return nil
	}
	switch {
	case c == 'v':
		em.Stop()
		d.gains.Observe([]byte("d"), nil)
		if d.daisy {
			return d.reply(em, DaisyBanner)
		}
		return d.reply(em, Banner)
	case c == 'd':
		d.gains.Observe([]byte("d"), nil)
		return d.reply(em, "updating channel settings to default$$$")
	case c == 'V':
		return d.reply(em, "v3.1.2$$$")
	case c == 'c' && !d.daisy:
		return d.reply(em, "daisy removed$$$")
	case c == 'C' && d.daisy:
		return d.reply(em, "daisy attached16$$$")
	case c == 'b':
		if !em.Streaming() {
			em.Start()
		}
	case c == 's':
		em.Stop()
	case c == 'x', c == '~':
		d.cmd = append(d.cmd[:0], c)
	}
	return nil
}

// sampleRate handles `~N`; N selects the packet rate.
func (d *board) sampleRate(em *link.Emulator, code byte) error {
	if code == '~' {
		return d.reply(em, fmt.Sprintf("Sample rate is %gHz$$$", em.Rate()*d.packets()))
	}
	r, ok := SampleRateFromCode(code)
	switch {
	case !ok:
		return d.reply(em, "Failure: invalid sample rate$$$")
	case !d.fits(float64(r)):
		return d.reply(em, fmt.Sprintf("Failure: %dHz does not fit the serial link$$$", r))
	}
	em.SetRate(float64(r) / d.packets())
	return d.reply(em, fmt.Sprintf("Sample rate set to %dHz$$$", r))
}

// Sample quantises the Generator's µV at each channel's gain, clamped to
// 24 bits.
func (d *board) Sample(n uint64, counts []int32) int {
	uv := d.uv[:d.channels()]
	d.cfg.Generator.Next(uv)
	for c, v := range uv {
		counts[c] = link.Quantize(v, ScaleUV(d.gains.Gain(c+1)), 0, MinCount, MaxCount)
	}
	return len(uv)
}

// Encode appends sample n's packet, or with the Daisy its pair of packets
// (after the invalid first packet of a run).
func (d *board) Encode(dst []byte, n uint64, counts []int32) []byte {
	d.pk.Footer = FooterMin
	d.pk.Aux = [6]byte{}
	if !d.daisy {
		// Accelerometer: 1 g on Z every 10th packet (25 Hz), else zeros.
		if n%10 == 9 {
			d.pk.Aux[4], d.pk.Aux[5] = byte(8000>>8), byte(8000&0xff)
		}
		d.pk.Counter = uint8(n)
		copy(d.pk.Counts[:], counts)
		return AppendPacket(dst, &d.pk)
	}
	if n == 0 {
		d.pk.Counter = 0
		d.pk.Counts = [Channels]int32{}
		dst = AppendPacket(dst, &d.pk)
	}
	d.pk.Counter = uint8(2*n + 1)
	copy(d.pk.Counts[:], counts[:Channels])
	dst = AppendPacket(dst, &d.pk)
	d.pk.Counter = uint8(2*n + 2)
	copy(d.pk.Counts[:], counts[Channels:])
	return AppendPacket(dst, &d.pk)
}
