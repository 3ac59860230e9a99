package ascii

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
	"myorehab/acquisition/serialport"
)

// Defaults used by Open for zero Config fields.
const (
	DefaultBaud       = 115200
	DefaultTimeout    = 3 * time.Second
	DefaultRateWindow = 2 * time.Second
	DefaultBits       = 10
	DefaultVrefV      = 5.0
)

// ErrNoAnswer: no data lines arrived on the port.
var ErrNoAnswer = errors.New("ascii: no data lines")

// Config configures Open. Zero fields take the stream's metadata, then
// the defaults.
type Config struct {
	// Port is the serial port path; Baud its rate (0: 115200).
	Port string
	Baud int
	// Channels is the number of values per line (0: from the metadata
	// labels or the first data line).
	Channels int
	// Labels names the channels (nil: metadata labels, else "Ch1"…).
	Labels []string
	// RateHz is the sample rate (0: `# rate=`, else estimated).
	RateHz float64
	// Units ("adc", "uV", "mV"), Bits, VrefV and Gain set the transfer
	// function (defaults: metadata, else adc, 10 bits, 5 V, gain 1).
	Units       string
	Bits        int
	VrefV, Gain float64
	// Timeout bounds the wait for the first data lines (0: 3 s).
	Timeout time.Duration
	// RateWindow is how long lines are counted to estimate the rate of a
	// stream that declares none (0: 2 s).
	RateWindow time.Duration
}

// Source is the ascii driver, an acquisition.Source and StatSource. With
// a counter it is the counter's index (gaps = lost lines); without one it
// resamples host-timed lines onto a uniform grid (see the package doc).
// ReadBlock must be called from one goroutine at a time; Info, Stats and
// Close are safe from any goroutine.
type Source struct {
	drv     *link.Driver
	info    acquisition.StreamInfo
	plain   bool
	meta    Meta
	metaSet bool

	// Resampler state (plain mode), owned by ReadBlock.
	in         *acquisition.Block
	have       bool
	tPrev      float64 // seconds since origin
	origin     time.Time
	vPrev      [link.MaxChannels]float64
	pending    bool // in holds a line not yet resampled past
	k          uint64
	samples    atomic.Uint64
	resampLost atomic.Uint64
}

var (
	_ acquisition.Source     = (*Source)(nil)
	_ acquisition.StatSource = (*Source)(nil)
)

// HobbySensor reports that this source is a hobby sensor, whose use needs
// the SafetyWarning shown: always true for ascii sources.
func (s *Source) HobbySensor() bool { return true }

// Counter reports whether the stream carries a sample counter (false:
// host-timed and resampled).
func (s *Source) Counter() bool { return !s.plain }

// Meta returns the stream's metadata line, if one was seen at Open.
func (s *Source) Meta() (Meta, bool) { return s.meta, s.metaSet }

// Info describes the stream.
func (s *Source) Info() acquisition.StreamInfo { return s.info.Clone() }

// Close closes the port; idempotent, safe from any goroutine.
func (s *Source) Close() error { return s.drv.Close() }

// Stats returns the counters: CorruptPackets counts lines that did not
// parse; without a counter Lost counts grid points skipped over stalls.
func (s *Source) Stats() acquisition.Stats {
	st := s.drv.Stats()
	if s.plain {
		st.Samples = s.samples.Load()
		st.Lost = s.resampLost.Load()
	}
	return st
}

// Open opens the port, writes '\n', reads the banner and metadata and
// the first data lines, and decides between counter and host-timed modes.
// A port with no data lines gives an error matching ErrNoAnswer that says
// what to check; port errors are *serialport.Error.
func Open(cfg Config) (*Source, error) {
	if cfg.Baud == 0 {
		cfg.Baud = DefaultBaud
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	if cfg.Channels < 0 || cfg.Channels > link.MaxChannels || cfg.RateHz < 0 {
		return nil, fmt.Errorf("ascii: %d channels at %g Hz: choose 1 to %d channels and a positive rate", cfg.Channels, cfg.RateHz, link.MaxChannels)
	}
	port, err := serialport.Open(cfg.Port, cfg.Baud)
	if err != nil {
		return nil, err
	}
	s, err := start(port, cfg)
	if err != nil {
		port.Close()
		return nil, err
	}
	return s, nil
}

// probe is what Open learned from the first lines.
type probe struct {
	meta      Meta
	metaSet   bool
	afterMeta int // offset in buf after the last metadata line
	lines     int // data lines after the last metadata line
	first     time.Time
	last      time.Time
	channels  int
}

func start(port link.Port, cfg Config) (*Source, error) {
	if _, err := port.Write([]byte{'\n'}); err != nil {
		return nil, fmt.Errorf("ascii: write to %s: %w", cfg.Port, err)
	}
	var buf []byte
	var pr probe
	dec := Decoder{Channels: cfg.Channels}
	var frames [64]link.Frame
	parsed := 0
	deadline := time.Now().Add(cfg.Timeout)
	tmp := make([]byte, 1024)
	for {
		n, err := port.Read(tmp)
		if err != nil {
			return nil, fmt.Errorf("ascii: read from %s: %w", cfg.Port, err)
		}
		now := time.Now()
		buf = append(buf, tmp[:n]...)
		for {
			metas := dec.MetaLines
			k, c := dec.DecodeFrames(frames[:], buf[parsed:], false)
			if dec.MetaLines != metas {
				// Re-decode from the metadata line's end: find it.
				end := parsed + bytes.LastIndexByte(buf[parsed:parsed+c], '#')
				end += bytes.IndexByte(buf[end:], '\n') + 1
				pr.meta, pr.metaSet, pr.afterMeta, pr.lines = dec.Meta, true, end, 0
				dec.Counter = dec.Meta.Counter
				dec.Channels = cfg.Channels
				if dec.Channels == 0 && len(dec.Meta.Labels) > 0 {
					dec.Channels = len(dec.Meta.Labels)
				}
				parsed = end
				continue
			}
			if k > 0 {
				if pr.lines == 0 {
					pr.first = now
				}
				pr.lines += k
				pr.last = now
				pr.channels = dec.Channels
			}
			parsed += c
			if c == 0 || k < len(frames) {
				break
			}
		}
		rate := cfg.RateHz
		if rate == 0 && pr.metaSet {
			rate = pr.meta.RateHz
		}
		switch {
		case pr.lines >= 2 && rate > 0:
			return newSource(port, cfg, pr, rate, buf[pr.afterMeta:])
		case pr.lines >= 2 && now.Sub(pr.first) >= cfg.RateWindow:
			est := float64(pr.lines-1) / pr.last.Sub(pr.first).Seconds()
			if math.IsInf(est, 0) || est <= 0 {
				return nil, fmt.Errorf("ascii: cannot estimate the sample rate on %s: give it (lines arrived all at once)", cfg.Port)
			}
			return newSource(port, cfg, pr, math.Round(est*10)/10, nil)
		case now.After(deadline) && pr.lines < 2:
			return nil, link.OpenError(ErrNoAnswer,
				"no data lines arrived on %s within %g s (is the sensor's sketch running, is the baud rate %d, is this the right port?)",
				cfg.Port, cfg.Timeout.Seconds(), cfg.Baud)
		}
	}
}

func newSource(port link.Port, cfg Config, pr probe, rate float64, buffered []byte) (*Source, error) {
	m := pr.meta
	units, bits, vref, gain := pick(cfg.Units, m.Units, "adc"), pickInt(cfg.Bits, m.Bits, DefaultBits),
		pickF(cfg.VrefV, m.VrefV, DefaultVrefV), pickF(cfg.Gain, m.Gain, 1)
	n := pr.channels
	info := acquisition.StreamInfo{
		Device: "Hobby EMG sensor (ASCII lines)", Protocol: "ascii", Port: cfg.Port,
		Channels: n, SampleRateHz: rate, ResolutionBits: bits,
		Labels: make([]string, n), ScaleUV: make([]float64, n),
	}
	switch {
	case len(cfg.Labels) == n:
		copy(info.Labels, cfg.Labels)
	case len(cfg.Labels) != 0:
		return nil, fmt.Errorf("ascii: %d labels given, the sensor sends %d channels", len(cfg.Labels), n)
	case len(m.Labels) == n:
		copy(info.Labels, m.Labels)
	default:
		for c := range info.Labels {
			info.Labels[c] = fmt.Sprintf("Ch%d", c+1)
		}
	}
	scale, mult := 1.0, 1.0
	switch units {
	case "adc":
		scale = vref / math.Exp2(float64(bits)) / gain * 1e6
	case "uV", "µV":
	case "mV":
		mult = 1000
	default:
		return nil, fmt.Errorf("ascii: units %q: choose adc, uV or mV", units)
	}
	for c := range info.ScaleUV {
		info.ScaleUV[c] = scale
	}
	plain := !(pr.metaSet && m.Counter)
	s := &Source{info: info, plain: plain, meta: m, metaSet: pr.metaSet}
	s.drv = link.NewDriver(link.DriverConfig{
		Name: "ascii", Port: port, Info: info,
		Decoder: &Decoder{Channels: n, Counter: !plain, Mult: mult},
		Modulus: 1 << 32, Confirm: !plain, FirstIsZero: true, Buffered: buffered,
	})
	if plain {
		s.in = acquisition.NewBlock(n, 1)
	}
	return s, nil
}

func pick(a, b, def string) string {
	if a != "" {
		return a
	}
	if b != "" {
		return b
	}
	return def
}

func pickInt(a, b, def int) int {
	if a != 0 {
		return a
	}
	if b != 0 {
		return b
	}
	return def
}

func pickF(a, b, def float64) float64 {
	if a != 0 {
		return a
	}
	if b != 0 {
		return b
	}
	return def
}

// Smoothing of the host clock and the stall threshold (package doc).
const (
	clockGain   = 0.02
	minStallSec = 0.25
	stallPeriod = 10
)

// ReadBlock fills dst (see acquisition.Source). With a counter it is the
// driver's; without one it resamples (package doc). It panics if
// dst.Channels differs from Info().Channels and does not allocate.
func (s *Source) ReadBlock(dst *acquisition.Block) error {
	if !s.plain {
		return s.drv.ReadBlock(dst)
	}
	if dst.Channels != s.info.Channels {
		panic("ascii: block channel count mismatch")
	}
	dst.Len = 0
	P := 1 / s.info.SampleRateHz
	for dst.Len < dst.Cap {
		if !s.pending {
			if err := s.drv.ReadBlock(s.in); err != nil {
				if dst.Len > 0 {
					return nil
				}
				return err
			}
			s.pending = true
		}
		a := s.in.Received.Sub(s.origin).Seconds()
		if !s.have {
			s.origin = s.in.Received
			a = 0
		}
		var t float64
		switch {
		case !s.have:
			t = 0
			s.k = 0
		case a-(s.tPrev+P) > max(minStallSec, stallPeriod*P):
			// A stall: restart the clock at the arrival, on the grid.
			k := uint64(math.Round(a / P))
			if k <= s.k {
				k = s.k
			}
			if dst.Len > 0 && k != dst.End() {
				return nil // the gap ends this block; resume here next call
			}
			s.resampLost.Add(k - s.k)
			s.k = k
			t = float64(k) * P
			s.have = false // emit this line exactly at grid point k
		default:
			pred := s.tPrev + P
			t = pred + clockGain*(a-pred)
		}
		if !s.have {
			if dst.Len == 0 {
				dst.Start = s.k
			}
			s.put(dst, s.in, 1, 0)
			s.k++
			s.have = true
		} else {
			for float64(s.k)*P <= t && dst.Len < dst.Cap {
				if dst.Len == 0 {
					dst.Start = s.k
				}
				w := (float64(s.k)*P - s.tPrev) / (t - s.tPrev)
				s.put(dst, s.in, w, 1-w)
				s.k++
			}
			if float64(s.k)*P <= t {
				return nil // dst full; this line still has grid points
			}
		}
		dst.Received = s.in.Received
		for c := range s.info.Channels {
			s.vPrev[c] = float64(s.in.Raw[c*s.in.Cap])
		}
		s.tPrev = t
		s.pending = false
	}
	return nil
}

// put appends to dst w × the line in b + wPrev × the previous line.
func (s *Source) put(dst, b *acquisition.Block, w, wPrev float64) {
	for c := range s.info.Channels {
		v := w*float64(b.Raw[c*b.Cap]) + wPrev*s.vPrev[c]
		k := c*dst.Cap + dst.Len
		dst.Raw[k] = int32(math.Round(v))
		dst.Data[k] = v * s.info.ScaleUV[c]
	}
	dst.Len++
	s.samples.Add(1)
}
