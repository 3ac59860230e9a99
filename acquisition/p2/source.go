package p2

import (
	"errors"
	"fmt"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
	"myorehab/acquisition/serialport"
)

// DefaultFirstPacketTimeout bounds Open's wait for the first packets.
const DefaultFirstPacketTimeout = 2 * time.Second

// ErrNoAnswer: no P2 packets arrived on the port.
var ErrNoAnswer = errors.New("p2: no packets")

// Config configures Open.
type Config struct {
	// Port is the serial port path.
	Port string
	// Baud is the serial rate; 0 means 57600.
	Baud int
	// Labels names the 6 channels; nil means "Ch1" … "Ch6".
	Labels []string
	// ScaleUV is the size of one count in µV; 0 means DefaultScaleUV.
	ScaleUV float64
	// Timeout bounds the wait for the first packets; 0 means 2 s.
	Timeout time.Duration
}

// Source is the P2 driver, an acquisition.Source and StatSource.
// ReadBlock must be called from one goroutine at a time; Info, Stats and
// Close are safe from any goroutine. Counter jumps of k > 1 are k − 1
// lost samples, left as a gap in the index (see the package doc).
type Source struct {
	*link.Driver
}

var (
	_ acquisition.Source     = (*Source)(nil)
	_ acquisition.StatSource = (*Source)(nil)
)

// Open opens the port, writes a '\n' and waits for two consecutive valid
// packets. A silent port gives an error matching ErrNoAnswer that says
// what to check; port errors are *serialport.Error.
func Open(cfg Config) (*Source, error) {
	info := acquisition.StreamInfo{
		Device: "OpenEEG P2 amplifier", Protocol: "p2", Port: cfg.Port,
		Channels: Channels, SampleRateHz: RateHz, ResolutionBits: 10,
		Labels: make([]string, Channels), ScaleUV: make([]float64, Channels),
	}
	switch len(cfg.Labels) {
	case 0:
		for c := range info.Labels {
			info.Labels[c] = fmt.Sprintf("Ch%d", c+1)
		}
	case Channels:
		copy(info.Labels, cfg.Labels)
	default:
		return nil, fmt.Errorf("p2: %d channel labels given, P2 packets carry %d channels", len(cfg.Labels), Channels)
	}
	scale := cfg.ScaleUV
	if scale == 0 {
		scale = DefaultScaleUV
	}
	if scale < 0 {
		return nil, fmt.Errorf("p2: negative scale %g µV per count", scale)
	}
	for c := range info.ScaleUV {
		info.ScaleUV[c] = scale
	}
	if cfg.Baud == 0 {
		cfg.Baud = Baud
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultFirstPacketTimeout
	}
	port, err := serialport.Open(cfg.Port, cfg.Baud)
	if err != nil {
		return nil, err
	}
	if _, err := port.Write([]byte{'\n'}); err != nil {
		port.Close()
		return nil, fmt.Errorf("p2: write to %s: %w", cfg.Port, err)
	}
	got, ok, err := link.ReadUntil(port, cfg.Timeout, twoPackets)
	if err != nil {
		port.Close()
		return nil, fmt.Errorf("p2: read from %s: %w", cfg.Port, err)
	}
	if !ok {
		port.Close()
		return nil, link.OpenError(ErrNoAnswer,
			"no OpenEEG P2 amplifier is sending on %s (nothing valid within %g s: is it switched on, is this the right port, is the baud rate %d?)",
			cfg.Port, cfg.Timeout.Seconds(), cfg.Baud)
	}
	return &Source{link.NewDriver(link.DriverConfig{
		Name: "p2", Port: port, Info: info, Decoder: &Decoder{},
		Modulus: 256, Confirm: true, FirstIsZero: true, Buffered: got,
	})}, nil
}

// twoPackets reports whether b holds two packets in a row.
func twoPackets(b []byte) bool {
	var d Decoder
	var pk [2]Packet
	n, _ := d.DecodePackets(pk[:], b, false)
	return n == 2
}
