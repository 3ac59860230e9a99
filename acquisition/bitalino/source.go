package bitalino

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.bug.st/serial"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
	"myorehab/acquisition/serialport"
)

// Defaults used by Open for zero Config fields.
const (
	DefaultCommandDelay   = 150 * time.Millisecond
	DefaultVersionTimeout = 2 * time.Second
)

// Errors from Open, for errors.Is.
var (
	// ErrNoAnswer: nothing answered the version command.
	ErrNoAnswer = errors.New("bitalino: no answer to version")
	// ErrOldFirmware: a BITalino answered with a major version below 5.
	ErrOldFirmware = errors.New("bitalino: not a (r)evolution")
)

// Config configures Open.
type Config struct {
	// Port is the serial port path (/dev/ttyUSB0, /dev/rfcomm0, COM5).
	Port string
	// Baud is the serial rate; 0 means 115200.
	Baud int
	// Inputs lists the analog inputs to acquire, 1–6 for A1–A6, in
	// increasing order; nil means all six.
	Inputs []int
	// Labels names the acquired channels; nil means "A1" … "A6".
	Labels []string
	// SampleRateHz is 1, 10, 100 or 1000; 0 means 1000.
	SampleRateHz int
	// VCC and Gain set the EMG transfer function; 0 means 3.3 V and 1009.
	VCC, Gain float64
	// CommandDelay is the pause before each command byte; 0 means 150 ms
	// (the official API's), negative means none.
	CommandDelay time.Duration
	// VersionTimeout bounds the wait for the version reply; 0 means 2 s.
	VersionTimeout time.Duration
}

// Source is the BITalino driver, an acquisition.Source and StatSource.
// ReadBlock must be called from one goroutine at a time; Info, Stats and
// Close are safe from any goroutine. Sequence gaps are lost samples left
// as gaps in the index (modulo 16, see the package doc).
type Source struct {
	*link.Driver
	version string
}

var (
	_ acquisition.Source     = (*Source)(nil)
	_ acquisition.StatSource = (*Source)(nil)
)

// Version returns the version line the device sent, e.g. "BITalino_v5.2".
func (s *Source) Version() string { return s.version }

func (cfg *Config) streamInfo() (acquisition.StreamInfo, error) {
	if cfg.Inputs == nil {
		cfg.Inputs = []int{1, 2, 3, 4, 5, 6}
	}
	if cfg.SampleRateHz == 0 {
		cfg.SampleRateHz = DefaultRateHz
	}
	if cfg.VCC == 0 {
		cfg.VCC = DefaultVCC
	}
	if cfg.Gain == 0 {
		cfg.Gain = DefaultGain
	}
	if cfg.Baud == 0 {
		cfg.Baud = Baud
	}
	if cfg.CommandDelay == 0 {
		cfg.CommandDelay = DefaultCommandDelay
	}
	if cfg.VersionTimeout <= 0 {
		cfg.VersionTimeout = DefaultVersionTimeout
	}
	n := len(cfg.Inputs)
	info := acquisition.StreamInfo{
		Device: "BITalino (r)evolution", Protocol: "bitalino", Port: cfg.Port,
		Channels: n, SampleRateHz: float64(cfg.SampleRateHz), ResolutionBits: 10,
		Labels: make([]string, n), ScaleUV: make([]float64, n),
	}
	if n < 1 || n > MaxChannels {
		return info, fmt.Errorf("bitalino: %d analog inputs chosen, choose 1 to 6", n)
	}
	for i, a := range cfg.Inputs {
		if a < 1 || a > MaxChannels || (i > 0 && a <= cfg.Inputs[i-1]) {
			return info, fmt.Errorf("bitalino: analog inputs %v must be distinct, increasing, among A1–A6", cfg.Inputs)
		}
		info.Labels[i] = fmt.Sprintf("A%d", a)
		info.ScaleUV[i] = ScaleUV(Bits(i), cfg.VCC, cfg.Gain)
	}
	switch len(cfg.Labels) {
	case 0:
	case n:
		copy(info.Labels, cfg.Labels)
	default:
		return info, fmt.Errorf("bitalino: %d labels given for %d channels", len(cfg.Labels), n)
	}
	if _, ok := RateCommand(cfg.SampleRateHz); !ok {
		return info, fmt.Errorf("bitalino: sample rate %d Hz is not one of 1, 10, 100, 1000", cfg.SampleRateHz)
	}
	if cfg.VCC < 0 || cfg.Gain < 0 {
		return info, fmt.Errorf("bitalino: negative VCC %g or gain %g", cfg.VCC, cfg.Gain)
	}
	return info, nil
}

// Open opens the port, runs the handshake (see the package doc) and
// starts acquisition. A silent port gives an error matching ErrNoAnswer
// that says what to check; a legacy BITalino gives ErrOldFirmware; port
// errors are *serialport.Error.
func Open(cfg Config) (*Source, error) {
	info, err := cfg.streamInfo()
	if err != nil {
		return nil, err
	}
	port, err := serialport.Open(cfg.Port, cfg.Baud)
	if err != nil {
		return nil, err
	}
	version, err := handshake(port, cfg)
	if err != nil {
		port.Close()
		return nil, err
	}
	return &Source{
		Driver: link.NewDriver(link.DriverConfig{
			Name: "bitalino", Port: port, Info: info, Decoder: NewDecoder(info.Channels),
			Modulus: 16, Stop: []byte{CmdStop},
		}),
		version: version,
	}, nil
}

func handshake(port serial.Port, cfg Config) (string, error) {
	send := func(b byte) error {
		if cfg.CommandDelay > 0 {
			time.Sleep(cfg.CommandDelay) // the device needs the pause, as in the official API
		}
		if _, err := port.Write([]byte{b}); err != nil {
			return fmt.Errorf("bitalino: send 0x%02X to %s: %w", b, cfg.Port, err)
		}
		return nil
	}
	// A device left acquiring by a crashed program would bury the reply.
	if err := send(CmdStop); err != nil {
		return "", err
	}
	if _, _, err := link.ReadUntil(port, 100*time.Millisecond, func([]byte) bool { return false }); err != nil {
		return "", fmt.Errorf("bitalino: read from %s: %w", cfg.Port, err)
	}
	port.ResetInputBuffer()
	if err := send(CmdVersion); err != nil {
		return "", err
	}
	got, ok, err := link.ReadUntil(port, cfg.VersionTimeout, versionLine)
	if err != nil {
		return "", fmt.Errorf("bitalino: read from %s: %w", cfg.Port, err)
	}
	if !ok {
		return "", link.OpenError(ErrNoAnswer,
			"no BITalino answered on %s within %g s (is it switched on and paired, is this the right port?)",
			cfg.Port, cfg.VersionTimeout.Seconds())
	}
	line, major := parseVersion(got)
	if major < 5 {
		return "", link.OpenError(ErrOldFirmware,
			"the BITalino on %s is %q: MyoRehab needs a BITalino (r)evolution (firmware version 5 or later)", cfg.Port, line)
	}
	rate, _ := RateCommand(cfg.SampleRateHz)
	if err := send(rate); err != nil {
		return "", err
	}
	if err := send(StartCommand(cfg.Inputs)); err != nil {
		return "", err
	}
	return line, nil
}

// versionLine reports whether b holds "BITalino" followed by a '\n'.
func versionLine(b []byte) bool {
	i := bytes.Index(b, []byte("BITalino"))
	return i >= 0 && bytes.IndexByte(b[i:], '\n') >= 0
}

// parseVersion returns the version line (from "BITalino" to before '\n')
// and its major version, or -1 when it has none.
func parseVersion(b []byte) (string, int) {
	i := bytes.Index(b, []byte("BITalino"))
	if i < 0 {
		return "", -1
	}
	line := b[i:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	line = bytes.TrimRight(line, "\r")
	major := -1
	if k := bytes.Index(line, []byte("_v")); k >= 0 {
		d := line[k+2:]
		e := 0
		for e < len(d) && d[e] >= '0' && d[e] <= '9' {
			e++
		}
		if v, err := strconv.Atoi(string(d[:e])); err == nil {
			major = v
		}
	}
	return string(line), major
}
