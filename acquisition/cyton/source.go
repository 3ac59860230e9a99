package cyton

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.bug.st/serial"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
	"myorehab/acquisition/serialport"
)

// Defaults used by Open for zero Config fields.
const (
	DefaultBannerTimeout = 3 * time.Second
	DefaultReplyTimeout  = time.Second
)

// Errors from Open that a caller may want to tell apart with errors.Is.
var (
	// ErrNoAnswer: nothing answered the soft reset `v` with a banner.
	ErrNoAnswer = errors.New("cyton: no answer to soft reset")
	// ErrBoardOff: the dongle answered but reported the board unreachable.
	ErrBoardOff = errors.New("cyton: dongle answered, board did not")
	// ErrRefused: the board answered a configuration command with Failure.
	ErrRefused = errors.New("cyton: command refused")
)

// Config configures Open.
type Config struct {
	// Port is the serial port path, e.g. "/dev/ttyUSB0" or "COM3"; any path
	// works, listed or not.
	Port string
	// Baud is the serial rate; 0 means 115200, the dongle's rate.
	Baud int
	// Labels names the 8 channels (muscles); nil means "Ch1" … "Ch8".
	Labels []string
	// Gains sets the ADS1299 gain of each channel (1, 2, 4, 6, 8, 12 or
	// 24); nil means 24 for all. Channels at a gain other than 24 are
	// configured with an `x…X` command after `d`.
	Gains []int
	// SampleRateHz selects the rate with the `~N` command when it is
	// neither 0 nor 250 (the board's power-up rate). Over the USB dongle
	// the Cyton cannot stream faster than 250 Hz.
	SampleRateHz int
	// BannerTimeout bounds the wait for the banner after `v`; 0 means 3 s.
	BannerTimeout time.Duration
	// ReplyTimeout bounds the wait for the reply to each later command;
	// 0 means 1 s.
	ReplyTimeout time.Duration
}

// Source is the Cyton driver: an acquisition.Source and
// acquisition.StatSource. ReadBlock fills a block with consecutive
// samples: Raw holds the counts and Data the µV (Raw × Info().ScaleUV[c]).
// dst.Start is the sample index since streaming started, from the board's
// 8-bit counter: a counter jump of k > 1 means k − 1 lost samples, which
// leave a gap in the index and end the block early. A packet whose counter
// jumps is only believed when the next packet continues from it; otherwise
// it is dropped as corrupt. (A gap of 256 samples or more, over a second
// of radio silence, cannot be seen in an 8-bit counter and shows up
// shorter by a multiple of 256.) A read timeout with nothing new also ends
// a block early, so the last samples of a stream that stops are delivered
// at once. dst.Received is the host's monotonic time when the block's last
// sample became available. ReadBlock returns acquisition.ErrClosed after
// Close, and an error wrapping io.ErrUnexpectedEOF once the device has
// gone (cable pulled); a partly filled block is returned first with a nil
// error. It panics if dst.Channels is not 8 and does not allocate.
//
// Stats: Lost counts samples the board sent that never arrived intact,
// from gaps in the sample counter; CorruptPackets counts decoder
// resynchronisations plus packets dropped for an inconsistent counter.
// Close stops the stream with `s` (waiting at most 0.5 s for the write)
// and releases the port; it is idempotent and makes a pending ReadBlock
// return.
//
// ReadBlock must be called from one goroutine at a time; Info, Stats and
// Close are safe from any goroutine.
type Source struct {
	*link.Driver
	banner string
}

var (
	_ acquisition.Source     = (*Source)(nil)
	_ acquisition.StatSource = (*Source)(nil)
)

// Open opens the port, wakes the board with `v` and waits for its banner,
// resets the channels with `d`, applies Gains and SampleRateHz, and starts
// streaming with `b`. Errors name the port and say what to check: port
// errors are *serialport.Error; a silent port gives an error matching
// ErrNoAnswer ("no OpenBCI Cyton answered on PORT within 3 s (is it
// switched on, is this the right port?)"); a dongle whose board is off
// gives ErrBoardOff.
func Open(cfg Config) (*Source, error) {
	info, err := cfg.streamInfo()
	if err != nil {
		return nil, err
	}
	port, err := serialport.Open(cfg.Port, cfg.Baud)
	if err != nil {
		return nil, err
	}
	banner, err := handshake(port, cfg)
	if err != nil {
		port.Close()
		return nil, err
	}
	return &Source{
		Driver: link.NewDriver(link.DriverConfig{
			Name: "cyton", Port: port, Info: info, Decoder: &Decoder{},
			Modulus: 256, Confirm: true, Stop: []byte{'s'},
		}),
		banner: banner,
	}, nil
}

// streamInfo validates cfg, fills its defaults and returns the StreamInfo.
func (cfg *Config) streamInfo() (acquisition.StreamInfo, error) {
	if cfg.BannerTimeout <= 0 {
		cfg.BannerTimeout = DefaultBannerTimeout
	}
	if cfg.ReplyTimeout <= 0 {
		cfg.ReplyTimeout = DefaultReplyTimeout
	}
	info := acquisition.StreamInfo{
		Device:         "OpenBCI Cyton",
		Protocol:       "cyton",
		Port:           cfg.Port,
		Channels:       Channels,
		SampleRateHz:   DefaultRateHz,
		ResolutionBits: 24,
		Labels:         make([]string, Channels),
		ScaleUV:        make([]float64, Channels),
	}
	switch len(cfg.Labels) {
	case 0:
		for c := range info.Labels {
			info.Labels[c] = fmt.Sprintf("Ch%d", c+1)
		}
	case Channels:
		copy(info.Labels, cfg.Labels)
	default:
		return info, fmt.Errorf("cyton: %d channel labels given, the Cyton has %d channels", len(cfg.Labels), Channels)
	}
	if cfg.Gains != nil && len(cfg.Gains) != Channels {
		return info, fmt.Errorf("cyton: %d gains given, the Cyton has %d channels", len(cfg.Gains), Channels)
	}
	for c := range info.ScaleUV {
		g := DefaultGain
		if cfg.Gains != nil {
			g = cfg.Gains[c]
		}
		if _, ok := GainCode(g); !ok {
			return info, fmt.Errorf("cyton: gain %d for channel %d is not one of 1, 2, 4, 6, 8, 12, 24", g, c+1)
		}
		info.ScaleUV[c] = ScaleUV(g)
	}
	if cfg.SampleRateHz != 0 {
		if _, ok := SampleRateCode(cfg.SampleRateHz); !ok {
			return info, fmt.Errorf("cyton: sample rate %d Hz is not one of 250, 500, 1000, 2000, 4000, 8000, 16000", cfg.SampleRateHz)
		}
		info.SampleRateHz = float64(cfg.SampleRateHz)
	}
	return info, nil
}

// handshake runs the start-up sequence of PROTOCOLS.md 1.2 and returns
// the banner.
func handshake(port serial.Port, cfg Config) (string, error) {
	banner, err := wake(port, cfg)
	if err != nil {
		return "", err
	}
	if strings.Contains(banner, "Daisy") {
		// 16-channel packets interleave; this driver reads 8 channels.
		if _, err := exchange(port, cfg, "c", "", cfg.ReplyTimeout); err != nil {
			return "", err
		}
	}
	if _, err := exchange(port, cfg, "d", "", cfg.ReplyTimeout); err != nil {
		return "", err
	}
	for c, g := range cfg.Gains {
		if g == DefaultGain {
			continue
		}
		cmd, err := ChannelSettingsCommand(c+1, g)
		if err != nil {
			return "", err
		}
		if _, err := exchange(port, cfg, string(cmd), "Success", cfg.ReplyTimeout); err != nil {
			return "", err
		}
	}
	if cfg.SampleRateHz != 0 && cfg.SampleRateHz != DefaultRateHz {
		code, _ := SampleRateCode(cfg.SampleRateHz)
		if _, err := exchange(port, cfg, "~"+string(code), "Sample rate set", cfg.ReplyTimeout); err != nil {
			return "", err
		}
	}
	return banner, send(port, cfg, "b")
}

// wake stops a board left streaming by a crashed program (its packets
// would bury the banner), drops what it already sent, and returns the
// banner the board sends in answer to `v`.
func wake(port serial.Port, cfg Config) (string, error) {
	if err := send(port, cfg, "s"); err != nil {
		return "", err
	}
	port.ResetInputBuffer() // best effort; a pty may refuse
	return exchange(port, cfg, "v", "", cfg.BannerTimeout)
}

// send writes a command string.
func send(port io.Writer, cfg Config, cmd string) error {
	if _, err := port.Write([]byte(cmd)); err != nil {
		return fmt.Errorf("cyton: send %q to %s: %w", cmd, cfg.Port, err)
	}
	return nil
}

// exchange sends cmd and waits up to timeout for its `$$$`-terminated
// reply, which it returns as printable text. A reply reporting Failure
// gives ErrBoardOff for `v` and `d` (the dongle answers for a board it
// cannot reach) and ErrRefused otherwise, as does a reply lacking want
// (when not empty); silence gives ErrNoAnswer.
func exchange(port io.ReadWriter, cfg Config, cmd, want string, timeout time.Duration) (string, error) {
	if err := send(port, cfg, cmd); err != nil {
		return "", err
	}
	got, ok, err := link.ReadUntil(port, timeout, func(b []byte) bool { return bytes.Contains(b, []byte("$$$")) })
	if err != nil {
		return "", fmt.Errorf("cyton: read from %s: %w", cfg.Port, err)
	}
	if !ok {
		if cmd == "v" {
			return "", link.OpenError(ErrNoAnswer,
				"no OpenBCI Cyton answered on %s within %s (is it switched on, is this the right port?)", cfg.Port, seconds(timeout))
		}
		return "", link.OpenError(ErrNoAnswer,
			"the OpenBCI Cyton on %s stopped answering (no reply to %q within %s)", cfg.Port, cmd, seconds(timeout))
	}
	rep := printable(got[:bytes.Index(got, []byte("$$$"))+3])
	switch {
	case strings.Contains(rep, "Failure") && (cmd == "v" || cmd == "d"):
		return "", link.OpenError(ErrBoardOff,
			"the OpenBCI dongle on %s answered but the Cyton board did not (is the board switched on and set to PC?): %s",
			cfg.Port, strings.TrimSpace(rep))
	case strings.Contains(rep, "Failure") || !strings.Contains(rep, want):
		return "", link.OpenError(ErrRefused,
			"the OpenBCI Cyton on %s refused %q: %s", cfg.Port, cmd, strings.TrimSpace(rep))
	}
	return rep, nil
}

// printable keeps the text characters of b.
func printable(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f) {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// seconds formats d as "3 s" or "0.2 s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%g s", d.Seconds())
}

// Banner returns the text the board sent in answer to `v`, ending `$$$`.
func (s *Source) Banner() string { return s.banner }
