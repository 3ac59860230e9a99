package cyton

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"go.bug.st/serial"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
	"myorehab/acquisition/serialport"
)

// Cyton+Daisy (`cyton-daisy`, PROTOCOLS.md section 1.5): the board sends
// the same 33-byte packets at 250 packets per second; packets with an odd
// sample number carry the on-board channels 1–8, the next (even) one the
// Daisy's 9–16. As in BrainFlow, one 16-channel sample is emitted per
// odd/even pair, so the effective rate is half the packet rate (125 Hz).
// The board sends each value as the average of two ADC samples; the driver
// does not undo that, and the emulator sends its generator's sample as is.

// DaisyChannels is the number of channels with the Daisy module.
const DaisyChannels = 16

// daisyChannelCodes are the CHANNEL characters of `x…X` for channels 9–16.
const daisyChannelCodes = "QWERTYUI"

// DaisyChannelCode returns the CHANNEL character of a channel-settings
// command for channel ch (1–16), and false outside 1–16.
func DaisyChannelCode(ch int) (byte, bool) {
	switch {
	case ch >= 1 && ch <= 8:
		return byte('0' + ch), true
	case ch >= 9 && ch <= 16:
		return daisyChannelCodes[ch-9], true
	}
	return 0, false
}

// daisyChannel is the inverse of DaisyChannelCode (0 when invalid).
func daisyChannel(code byte) int {
	if code >= '1' && code <= '8' {
		return int(code - '0')
	}
	if i := strings.IndexByte(daisyChannelCodes, code); i >= 0 {
		return 9 + i
	}
	return 0
}

// DaisyChannelSettingsCommand returns the 9-byte command that turns
// channel ch (1–16) on with the given gain and the board's other defaults.
func DaisyChannelSettingsCommand(ch, gain int) ([]byte, error) {
	code, ok := DaisyChannelCode(ch)
	if !ok {
		return nil, fmt.Errorf("cyton: channel %d outside 1–16", ch)
	}
	g, ok := GainCode(gain)
	if !ok {
		return nil, fmt.Errorf("cyton: gain %d not one of 1, 2, 4, 6, 8, 12, 24", gain)
	}
	return []byte{'x', code, '0', g, '0', '1', '1', '0', 'X'}, nil
}

// GainTracker follows the gain of each of 16 channels through the
// commands sent to a board, as BrainFlow's OpenBCIGainTracker: `d` resets
// every channel to 24, a complete `x C P G I B S2 S1 X` (possibly several
// concatenated, possibly split across calls) sets channel C's gain. The
// zero value is not ready: use NewGainTracker.
type GainTracker struct {
	gains [DaisyChannels]int
	cmd   []byte
}

// NewGainTracker returns a tracker with every gain at DefaultGain.
func NewGainTracker() *GainTracker {
	g := &GainTracker{cmd: make([]byte, 0, 9)}
	g.reset()
	return g
}

func (g *GainTracker) reset() {
	for c := range g.gains {
		g.gains[c] = DefaultGain
	}
}

// Observe feeds bytes sent to the board. It returns the channel (1–16)
// of every completed valid settings command through done, which may be
// nil.
func (g *GainTracker) Observe(b []byte, done func(ch int)) {
	for _, c := range b {
		if len(g.cmd) == 0 {
			switch c {
			case 'd':
				g.reset()
			case 'x':
				g.cmd = append(g.cmd, c)
			}
			continue
		}
		g.cmd = append(g.cmd, c)
		if len(g.cmd) < 9 {
			continue
		}
		ch, gain := daisyChannel(g.cmd[1]), 0
		ok := ch > 0 && g.cmd[8] == 'X'
		if ok {
			gain, ok = GainFromCode(g.cmd[3])
		}
		g.cmd = g.cmd[:0]
		if !ok {
			if done != nil {
				done(0)
			}
			continue
		}
		g.gains[ch-1] = gain
		if done != nil {
			done(ch)
		}
	}
}

// Gain returns channel ch's (1–16) current gain.
func (g *GainTracker) Gain(ch int) int { return g.gains[ch-1] }

// DaisyDecoder pairs the Cyton packets of a Daisy stream into 16-channel
// samples. An odd packet followed by the packet with the next counter
// makes a sample whose Seq is (odd counter − 1)/2, modulo 128; an unpaired
// packet is dropped (the driver sees the gap in Seq). Packet framing is
// Decoder's. The zero value is ready; it must not be copied after use.
type DaisyDecoder struct {
	dec     Decoder
	one     [1]Packet
	pending Packet
	have    bool
	// Unpaired counts packets dropped for lack of a partner (including
	// the invalid first packet, counter 0, of every stream).
	Unpaired uint64
}

var (
	_ acquisition.Decoder = (*DaisyDecoder)(nil)
	_ link.FrameDecoder   = (*DaisyDecoder)(nil)
)

// Reset clears the state and counters.
func (d *DaisyDecoder) Reset() { *d = DaisyDecoder{} }

// Counters returns the packet decoder's corrupt packets and skipped
// bytes.
func (d *DaisyDecoder) Counters() (corrupt, skipped uint64) {
	return d.dec.CorruptPackets, d.dec.SkippedBytes
}

// nextPair decodes packets from p until a pair completes (ok), returning
// the bytes consumed; the pair is d.pending (odd) and d.one[0] (even).
func (d *DaisyDecoder) nextPair(p []byte, atEOF bool) (consumed int, ok bool) {
	for {
		n, c := d.dec.DecodePackets(d.one[:], p[consumed:], atEOF)
		consumed += c
		if n == 0 {
			return consumed, false
		}
		pk := &d.one[0]
		if pk.Counter%2 == 1 {
			if d.have {
				d.Unpaired++
			}
			d.pending, d.have = *pk, true
			continue
		}
		if d.have && pk.Counter == d.pending.Counter+1 {
			d.have = false
			return consumed, true
		}
		if d.have {
			d.Unpaired++
		}
		d.have = false
		d.Unpaired++
	}
}

// DecodeFrames implements the driver's frame decoding: one Frame of 16
// counts per pair. It does not allocate.
func (d *DaisyDecoder) DecodeFrames(dst []link.Frame, p []byte, atEOF bool) (n, consumed int) {
	for n < len(dst) {
		c, ok := d.nextPair(p[consumed:], atEOF)
		consumed += c
		if !ok {
			break
		}
		dst[n].Seq = uint32(d.pending.Counter-1) / 2
		copy(dst[n].Counts[:Channels], d.pending.Counts[:])
		copy(dst[n].Counts[Channels:DaisyChannels], d.one[0].Counts[:])
		n++
	}
	return n, consumed
}

// Decode implements acquisition.Decoder: 16 counts per pair,
// channel-interleaved; a packet ending p is accepted without lookahead.
// It does not allocate.
func (d *DaisyDecoder) Decode(dst []int32, p []byte) (samples, consumed int) {
	for (samples+1)*DaisyChannels <= len(dst) {
		c, ok := d.nextPair(p[consumed:], true)
		consumed += c
		if !ok {
			break
		}
		o := samples * DaisyChannels
		copy(dst[o:o+Channels], d.pending.Counts[:])
		copy(dst[o+Channels:o+DaisyChannels], d.one[0].Counts[:])
		samples++
	}
	return samples, consumed
}

// DaisyBanner is the emulator's answer to `v` with the Daisy attached.
const DaisyBanner = "OpenBCI V3 8-16 channel\nOn Board ADS1299 Device ID: 0x3E\nOn Daisy ADS1299 Device ID: 0x3E\nLIS3DH Device ID: 0x33\nFirmware: v3.1.2\n$$$"

// ErrNoDaisy: the board answered without a Daisy module.
var ErrNoDaisy = errors.New("cyton: no Daisy module")

// DaisySource is the Cyton+Daisy driver: an acquisition.Source and
// StatSource with 16 channels at half the board's packet rate. Lost
// samples come from gaps in the pair counter (modulo 128 pairs, about
// 1 s at 125 Hz: longer gaps show up shorter by a multiple of 128); a
// jump is believed only when the next pair continues it. ReadBlock must be
// called from one goroutine at a time; Info, Stats and Close are safe from
// any goroutine.
type DaisySource struct {
	*link.Driver
	banner string
}

var (
	_ acquisition.Source     = (*DaisySource)(nil)
	_ acquisition.StatSource = (*DaisySource)(nil)
)

// Banner returns the board's answer to `v`.
func (s *DaisySource) Banner() string { return s.banner }

// OpenDaisy opens a Cyton with its Daisy module: Config as for Open, with
// Labels and Gains of 16 channels and SampleRateHz the board's packet
// rate (the stream's rate is half of it). It sends `v` (the banner must
// mention the Daisy, else `C` must attach it), `d`, an `x…X` command for
// every gain other than 24, `~N` when a rate is given, then `b`. Errors
// are as for Open, plus ErrNoDaisy.
func OpenDaisy(cfg Config) (*DaisySource, error) {
	if cfg.BannerTimeout <= 0 {
		cfg.BannerTimeout = DefaultBannerTimeout
	}
	if cfg.ReplyTimeout <= 0 {
		cfg.ReplyTimeout = DefaultReplyTimeout
	}
	info := acquisition.StreamInfo{
		Device: "OpenBCI Cyton+Daisy", Protocol: "cyton-daisy", Port: cfg.Port,
		Channels: DaisyChannels, SampleRateHz: DefaultRateHz / 2, ResolutionBits: 24,
		Labels: make([]string, DaisyChannels), ScaleUV: make([]float64, DaisyChannels),
	}
	switch len(cfg.Labels) {
	case 0:
		for c := range info.Labels {
			info.Labels[c] = fmt.Sprintf("Ch%d", c+1)
		}
	case DaisyChannels:
		copy(info.Labels, cfg.Labels)
	default:
		return nil, fmt.Errorf("cyton: %d channel labels given, the Cyton+Daisy has %d channels", len(cfg.Labels), DaisyChannels)
	}
	if cfg.Gains != nil && len(cfg.Gains) != DaisyChannels {
		return nil, fmt.Errorf("cyton: %d gains given, the Cyton+Daisy has %d channels", len(cfg.Gains), DaisyChannels)
	}
	var cmds []byte
	for c, g := range cfg.Gains {
		if g == DefaultGain {
			continue
		}
		cmd, err := DaisyChannelSettingsCommand(c+1, g)
		if err != nil {
			return nil, fmt.Errorf("%w (channel %d)", err, c+1)
		}
		cmds = append(cmds, cmd...)
	}
	if cfg.SampleRateHz != 0 {
		if _, ok := SampleRateCode(cfg.SampleRateHz); !ok {
			return nil, fmt.Errorf("cyton: sample rate %d Hz is not one of 250, 500, 1000, 2000, 4000, 8000, 16000", cfg.SampleRateHz)
		}
		info.SampleRateHz = float64(cfg.SampleRateHz) / 2
	}
	port, err := serialport.Open(cfg.Port, cfg.Baud)
	if err != nil {
		return nil, err
	}
	banner, gains, err := daisyHandshake(port, cfg, cmds)
	if err != nil {
		port.Close()
		return nil, err
	}
	for c := range info.ScaleUV {
		info.ScaleUV[c] = ScaleUV(gains.Gain(c + 1))
	}
	return &DaisySource{
		Driver: link.NewDriver(link.DriverConfig{
			Name: "cyton", Port: port, Info: info, Decoder: &DaisyDecoder{},
			Modulus: 128, Confirm: true, Stop: []byte{'s'},
		}),
		banner: banner,
	}, nil
}

// daisyHandshake runs the start-up sequence; gains tracks every command
// the board accepted.
func daisyHandshake(port serial.Port, cfg Config, settings []byte) (string, *GainTracker, error) {
	gains := NewGainTracker()
	banner, err := wake(port, cfg)
	if err != nil {
		return "", nil, err
	}
	if !strings.Contains(banner, "Daisy") {
		rep, err := exchange(port, cfg, "C", "", cfg.ReplyTimeout)
		if err != nil {
			return "", nil, err
		}
		if !strings.Contains(rep, "16") || strings.Contains(rep, "no daisy") {
			return "", nil, link.OpenError(ErrNoDaisy,
				"the OpenBCI Cyton on %s has no Daisy module attached (choose the 8-channel cyton protocol, or fit the Daisy): %s",
				cfg.Port, strings.TrimSpace(rep))
		}
	}
	if _, err := exchange(port, cfg, "d", "", cfg.ReplyTimeout); err != nil {
		return "", nil, err
	}
	gains.Observe([]byte("d"), nil)
	for i := 0; i+9 <= len(settings); i += 9 {
		cmd := string(settings[i : i+9])
		if _, err := exchange(port, cfg, cmd, "", cfg.ReplyTimeout); err != nil {
			return "", nil, err
		}
		gains.Observe(settings[i:i+9], nil)
	}
	if cfg.SampleRateHz != 0 && cfg.SampleRateHz != DefaultRateHz {
		code, _ := SampleRateCode(cfg.SampleRateHz)
		if _, err := exchange(port, cfg, "~"+string(code), "", cfg.ReplyTimeout); err != nil {
			return "", nil, err
		}
	}
	return banner, gains, send(port, cfg, "b")
}

// DaisyEmulatorConfig configures RunDaisyEmulator; fields as for
// EmulatorConfig, except that Generator produces 16 channels, RateHz is
// the board's packet rate (0: 250) and Dump has 16 channels, one line per
// pair, sample being the pair index since `b`.
type DaisyEmulatorConfig = EmulatorConfig

// RunDaisyEmulator plays a Cyton with a Daisy module on port: as
// RunEmulator, with DaisyBanner for `v`, `C` answering `daisy
// attached16$$$`, gains tracked for channels 1–16 (`x Q…I …X` for 9–16),
// and every 16-channel sample sent as an odd packet (channels 1–8)
// followed by an even one (9–16). Each run starts with the board's invalid
// first packet (counter 0, zeros). Corruption offsets run over the pair
// (0–65; 33–98 for sample 0, after the invalid packet).
func RunDaisyEmulator(ctx context.Context, port io.ReadWriter, cfg DaisyEmulatorConfig) (int, error) {
	if cfg.Generator == nil {
		return 0, errors.New("cyton-daisy emulator: no Generator")
	}
	if cfg.RateHz == 0 {
		cfg.RateHz = DefaultRateHz
	}
	if cfg.Baud == 0 {
		cfg.Baud = 115200
	}
	if cfg.RateHz*PacketSize*10 > float64(cfg.Baud) {
		return 0, fmt.Errorf("cyton-daisy emulator: %g Hz needs %g baud, the link has %d", cfg.RateHz, math.Ceil(cfg.RateHz*PacketSize*10), cfg.Baud)
	}
	return link.Run(ctx, port, link.EmulatorConfig{
		Name: "cyton-daisy emulator", Channels: DaisyChannels, RateHz: cfg.RateHz / 2, Seconds: cfg.Seconds,
		Corrupt: cfg.Corrupt, Seed: cfg.Seed, Dump: cfg.Dump, OnCorrupt: cfg.OnCorrupt,
	}, newBoard(cfg, true))
}
