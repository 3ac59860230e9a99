package cyton

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.bug.st/serial"

	"myorehab/acquisition"
	"myorehab/acquisition/serialport"
)

// Defaults used by Open for zero Config fields.
const (
	DefaultBannerTimeout = 3 * time.Second
	DefaultReplyTimeout  = time.Second
	// closeWriteTimeout bounds the wait for the `s` that Close sends:
	// Close on a go.bug.st/serial port does not unblock a Write.
	closeWriteTimeout = 500 * time.Millisecond
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

// openError is an Open failure with a clinician-facing message.
type openError struct {
	msg  string
	kind error
}

func (e *openError) Error() string        { return e.msg }
func (e *openError) Is(target error) bool { return target == e.kind }

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
// acquisition.StatSource. ReadBlock must be called from one goroutine at a
// time; Info, Stats and Close are safe from any goroutine.
type Source struct {
	port   serial.Port
	info   acquisition.StreamInfo
	banner string

	// Reader state, owned by the goroutine in ReadBlock.
	dec    Decoder
	buf    []byte // bytes read: buf[r:w] not yet decoded
	r, w   int
	pk     []Packet    // decoded packets: pk[ph:pt] pending
	at     []time.Time // host time each pending packet became decodable
	ph, pt int
	next   uint64 // index the next sample should have
	gone   error  // sticky error once the device has disappeared
	drops  uint64 // packets dropped for an inconsistent counter

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	samples, lost, corrupt, skipped atomic.Uint64
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
	s := &Source{
		port: port,
		info: info,
		buf:  make([]byte, 4096),
		pk:   make([]Packet, 4096/PacketSize+2),
		at:   make([]time.Time, 4096/PacketSize+2),
	}
	if err := s.handshake(cfg); err != nil {
		port.Close()
		return nil, err
	}
	return s, nil
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

// handshake runs the start-up sequence of PROTOCOLS.md 1.2.
func (s *Source) handshake(cfg Config) error {
	// A board left streaming by a crashed program would bury the banner:
	// stop it and drop what it already sent.
	if err := s.write("s"); err != nil {
		return err
	}
	s.port.ResetInputBuffer() // best effort; a pty may refuse
	if err := s.write("v"); err != nil {
		return err
	}
	banner, ok, err := s.reply(cfg.BannerTimeout)
	if err != nil {
		return err
	}
	if !ok {
		return &openError{kind: ErrNoAnswer, msg: fmt.Sprintf(
			"no OpenBCI Cyton answered on %s within %s (is it switched on, is this the right port?)",
			cfg.Port, seconds(cfg.BannerTimeout))}
	}
	if strings.Contains(banner, "Failure") {
		return &openError{kind: ErrBoardOff, msg: fmt.Sprintf(
			"the OpenBCI dongle on %s answered but the Cyton board did not (is the board switched on and set to PC?): %s",
			cfg.Port, strings.TrimSpace(banner))}
	}
	s.banner = banner
	if strings.Contains(banner, "Daisy") {
		// 16-channel packets interleave; this driver reads 8 channels.
		if err := s.command(cfg, "c", ""); err != nil {
			return err
		}
	}
	if err := s.command(cfg, "d", ""); err != nil {
		return err
	}
	for c, g := range cfg.Gains {
		if g == DefaultGain {
			continue
		}
		cmd, err := ChannelSettingsCommand(c+1, g)
		if err != nil {
			return err
		}
		if err := s.command(cfg, string(cmd), "Success"); err != nil {
			return err
		}
	}
	if cfg.SampleRateHz != 0 && cfg.SampleRateHz != DefaultRateHz {
		code, _ := SampleRateCode(cfg.SampleRateHz)
		if err := s.command(cfg, "~"+string(code), "Sample rate set"); err != nil {
			return err
		}
	}
	return s.write("b")
}

// command sends cmd and waits for its `$$$`-terminated reply, which must
// contain want (when not empty) and must not report Failure.
func (s *Source) command(cfg Config, cmd, want string) error {
	if err := s.write(cmd); err != nil {
		return err
	}
	rep, ok, err := s.reply(cfg.ReplyTimeout)
	switch {
	case err != nil:
		return err
	case !ok:
		return &openError{kind: ErrNoAnswer, msg: fmt.Sprintf(
			"the OpenBCI Cyton on %s stopped answering (no reply to %q within %s)", cfg.Port, cmd, seconds(cfg.ReplyTimeout))}
	case strings.Contains(rep, "Failure") && cmd == "d":
		return &openError{kind: ErrBoardOff, msg: fmt.Sprintf(
			"the OpenBCI dongle on %s answered but the Cyton board did not (is the board switched on and set to PC?): %s",
			cfg.Port, strings.TrimSpace(rep))}
	case strings.Contains(rep, "Failure") || !strings.Contains(rep, want):
		return &openError{kind: ErrRefused, msg: fmt.Sprintf(
			"the OpenBCI Cyton on %s refused %q: %s", cfg.Port, cmd, strings.TrimSpace(rep))}
	}
	return nil
}

// write sends a command string.
func (s *Source) write(cmd string) error {
	if _, err := s.port.Write([]byte(cmd)); err != nil {
		return fmt.Errorf("cyton: send %q to %s: %w", cmd, s.info.Port, err)
	}
	return nil
}

// reply reads until `$$$` or timeout and returns the printable text up to
// and including `$$$`; ok is false on timeout.
func (s *Source) reply(timeout time.Duration) (text string, ok bool, err error) {
	var got []byte
	tmp := make([]byte, 256)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		n, err := s.port.Read(tmp)
		if err != nil {
			return "", false, fmt.Errorf("cyton: read from %s: %w", s.info.Port, err)
		}
		got = append(got, tmp[:n]...)
		if i := bytes.Index(got, []byte("$$$")); i >= 0 {
			return printable(got[:i+3]), true, nil
		}
	}
	return "", false, nil
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

// Info describes the stream.
func (s *Source) Info() acquisition.StreamInfo { return s.info.Clone() }

// Banner returns the text the board sent in answer to `v`, ending `$$$`.
func (s *Source) Banner() string { return s.banner }

// Stats returns the running counters. Lost counts samples the board sent
// that never arrived intact, from gaps in the sample counter;
// CorruptPackets counts decoder resynchronisations plus packets dropped for
// an inconsistent counter.
func (s *Source) Stats() acquisition.Stats {
	return acquisition.Stats{
		Samples:        s.samples.Load(),
		Lost:           s.lost.Load(),
		CorruptPackets: s.corrupt.Load(),
		SkippedBytes:   s.skipped.Load(),
	}
}

// ReadBlock fills dst with consecutive samples: Raw holds the counts and
// Data the µV (Raw × Info().ScaleUV[c]). dst.Start is the sample index
// since streaming started, from the board's 8-bit counter: a counter jump of
// k > 1 means k − 1 lost samples, which leave a gap in the index and end the
// block early. A packet whose counter jumps is only believed when the next
// packet continues from it; otherwise it is dropped as corrupt. (A gap of
// 256 samples or more, over a second of radio silence, cannot be seen in an
// 8-bit counter and shows up shorter by a multiple of 256.)
// dst.Received is the host's monotonic time when the block's last sample
// became available. ReadBlock returns acquisition.ErrClosed after Close, and
// an error wrapping io.ErrUnexpectedEOF once the device has gone (cable
// pulled); a partly filled block is returned first with a nil error.
// It panics if dst.Channels is not 8. It does not allocate.
func (s *Source) ReadBlock(dst *acquisition.Block) error {
	if dst.Channels != Channels {
		panic("cyton: block channel count mismatch")
	}
	dst.Len = 0
	for dst.Len < dst.Cap {
		if s.closed.Load() {
			break
		}
		i, idx, err := s.peek()
		if err != nil {
			if dst.Len > 0 {
				return nil
			}
			return err
		}
		if dst.Len == 0 {
			dst.Start = idx
		} else if idx != dst.End() {
			return nil // gap: the next block starts after it
		}
		if idx > s.next {
			s.lost.Add(idx - s.next)
		}
		s.next = idx + 1
		pk := &s.pk[i]
		for c := range Channels {
			k := c*dst.Cap + dst.Len
			dst.Raw[k] = pk.Counts[c]
			dst.Data[k] = float64(pk.Counts[c]) * s.info.ScaleUV[c]
		}
		dst.Received = s.at[i]
		dst.Len++
		s.ph++
		s.samples.Add(1)
	}
	if s.closed.Load() && dst.Len == 0 {
		return acquisition.ErrClosed
	}
	return nil
}

// peek returns the position in s.pk of the next packet to deliver and its
// sample index, reading from the port as needed. Packets with an
// unconfirmed counter jump are dropped here.
func (s *Source) peek() (int, uint64, error) {
	for {
		if s.closed.Load() {
			return 0, 0, acquisition.ErrClosed
		}
		if s.ph < s.pt {
			pk := &s.pk[s.ph]
			k := uint64(pk.Counter - uint8(s.next))
			if k == 0 {
				return s.ph, s.next, nil
			}
			if s.ph+1 < s.pt {
				if s.pk[s.ph+1].Counter == pk.Counter+1 {
					return s.ph, s.next + k, nil
				}
				s.dropPending()
				continue
			}
			if s.gone != nil {
				s.dropPending() // no confirmation will come
				continue
			}
		} else if s.gone != nil {
			return 0, 0, s.gone
		}
		s.fill()
	}
}

// dropPending discards the first pending packet as corrupt.
func (s *Source) dropPending() {
	s.ph++
	s.drops++
	s.corrupt.Add(1)
}

// fill reads once from the port and decodes what arrived. A read that
// times out with nothing flushes a packet waiting for its lookahead byte.
// A read error is stored in s.gone.
func (s *Source) fill() {
	if s.ph == s.pt {
		s.ph, s.pt = 0, 0
	} else if s.ph > 0 && s.pt == len(s.pk) {
		n := copy(s.pk, s.pk[s.ph:s.pt])
		copy(s.at, s.at[s.ph:s.pt])
		s.ph, s.pt = 0, n
	}
	if s.r > 0 {
		s.w = copy(s.buf, s.buf[s.r:s.w])
		s.r = 0
	}
	atEOF := false
	if s.w < len(s.buf) {
		n, err := s.port.Read(s.buf[s.w:])
		s.w += n
		switch {
		case err != nil && !s.closed.Load():
			atEOF = true
			if serialport.IsGone(err) {
				s.gone = fmt.Errorf("cyton: %s disconnected (%v): %w", s.info.Port, err, io.ErrUnexpectedEOF)
			} else {
				s.gone = fmt.Errorf("cyton: read from %s: %w", s.info.Port, err)
			}
		case n == 0:
			atEOF = true // idle: nothing more is coming soon
		}
	}
	now := time.Now()
	n, c := s.dec.DecodePackets(s.pk[s.pt:], s.buf[s.r:s.w], atEOF)
	for i := s.pt; i < s.pt+n; i++ {
		s.at[i] = now
	}
	s.pt += n
	s.r += c
	s.corrupt.Store(s.dec.CorruptPackets + s.drops)
	s.skipped.Store(s.dec.SkippedBytes)
}

// Close stops the stream with `s` (waiting at most 0.5 s for the write) and
// releases the port. It is idempotent, safe from any goroutine, and makes a
// pending ReadBlock return.
func (s *Source) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.port.Write([]byte{'s'})
		}()
		t := time.NewTimer(closeWriteTimeout)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
		if err := s.port.Close(); err != nil {
			s.closeErr = fmt.Errorf("cyton: close %s: %w", s.info.Port, err)
		}
	})
	return s.closeErr
}
