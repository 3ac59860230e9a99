package link

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/serialport"
)

// MaxChannels is the largest channel count a Frame holds.
const MaxChannels = 16

// Frame is one decoded sample instant.
type Frame struct {
	// Seq is the device's sample counter as sent (modulo the protocol's
	// counter period).
	Seq uint32
	// Counts holds the channels' raw counts; only the first
	// StreamInfo.Channels are meaningful.
	Counts [MaxChannels]int32
}

// FrameDecoder is a pure decoder of a protocol's frames, with counters.
type FrameDecoder interface {
	// DecodeFrames decodes frames from p into dst and returns the number
	// written and bytes consumed (consumed ≤ len(p)). atEOF false lets a
	// decoder wait for lookahead bytes; a partial frame is never consumed.
	DecodeFrames(dst []Frame, p []byte, atEOF bool) (n, consumed int)
	// Counters returns the frames rejected and bytes skipped so far.
	Counters() (corrupt, skipped uint64)
}

// Port is what Driver needs of a serial port (go.bug.st/serial.Port
// satisfies it). Read returns (0, nil) after a read timeout.
type Port interface {
	io.ReadWriteCloser
}

// DriverConfig configures NewDriver.
type DriverConfig struct {
	// Name prefixes error messages, e.g. "bitalino".
	Name string
	// Port is the open port; the Driver owns it from now on.
	Port Port
	// Info describes the stream; Info.Channels ≤ MaxChannels.
	Info acquisition.StreamInfo
	// Decoder decodes the wire bytes.
	Decoder FrameDecoder
	// Modulus is the period of Frame.Seq (16, 256, 1<<32).
	Modulus uint64
	// Confirm makes the driver believe a counter jump only when the next
	// frame continues from it (for protocols without a checksum);
	// otherwise the frame is dropped as corrupt.
	Confirm bool
	// FirstIsZero makes the first frame's counter index 0 (devices whose
	// counter runs from power-up); otherwise the counter is taken to start
	// at 0 when streaming starts, and a first frame with counter k means k
	// samples were lost.
	FirstIsZero bool
	// Stop is written by Close (best effort, at most 0.5 s), e.g. the
	// device's stop command; nil writes nothing.
	Stop []byte
	// Buffered holds bytes already read during the handshake that belong
	// to the stream.
	Buffered []byte
}

// Driver is an acquisition.Source and StatSource over a FrameDecoder.
// ReadBlock must be called from one goroutine at a time; Info, Stats and
// Close are safe from any goroutine.
type Driver struct {
	cfg  DriverConfig
	info acquisition.StreamInfo

	buf     []byte
	r, w    int
	fr      []Frame
	at      []time.Time
	ph, pt  int
	next    uint64
	started bool
	shift   uint64 // counter value of index 0
	gone    error
	drops   uint64

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	samples, lost, corrupt, skipped atomic.Uint64
}

// bufSize is the read buffer; frames are at most a few dozen bytes.
const bufSize = 4096

// NewDriver returns a Driver reading cfg.Port. It panics on a programmer
// error in cfg (no port or decoder, too many channels, zero modulus).
func NewDriver(cfg DriverConfig) *Driver {
	if cfg.Port == nil || cfg.Decoder == nil || cfg.Info.Channels <= 0 || cfg.Info.Channels > MaxChannels || cfg.Modulus == 0 {
		panic("link: invalid DriverConfig")
	}
	d := &Driver{
		cfg:  cfg,
		info: cfg.Info.Clone(),
		buf:  make([]byte, bufSize),
		fr:   make([]Frame, bufSize/2),
		at:   make([]time.Time, bufSize/2),
	}
	d.w = copy(d.buf, cfg.Buffered)
	return d
}

// Info describes the stream.
func (d *Driver) Info() acquisition.StreamInfo { return d.info.Clone() }

// Stats returns the running counters. CorruptPackets counts frames the
// decoder rejected plus frames dropped for an unconfirmed counter jump.
func (d *Driver) Stats() acquisition.Stats {
	return acquisition.Stats{
		Samples:        d.samples.Load(),
		Lost:           d.lost.Load(),
		CorruptPackets: d.corrupt.Load(),
		SkippedBytes:   d.skipped.Load(),
	}
}

// ReadBlock implements acquisition.Source: consecutive samples into dst,
// a gap in the counter ends the block and leaves a gap in the index; so
// does a read timeout (serialport.ReadTimeout) with nothing new, so the
// last samples of a stream that stops are delivered at once. It
// panics if dst.Channels differs from Info().Channels. It does not
// allocate.
func (d *Driver) ReadBlock(dst *acquisition.Block) error {
	if dst.Channels != d.info.Channels {
		panic("link: block channel count mismatch")
	}
	dst.Len = 0
	for dst.Len < dst.Cap {
		if d.closed.Load() {
			break
		}
		i, idx, err := d.peek(dst.Len > 0)
		if err == errIdle {
			return nil
		}
		if err != nil {
			if dst.Len > 0 {
				return nil
			}
			return err
		}
		if dst.Len == 0 {
			dst.Start = idx
		} else if idx != dst.End() {
			return nil
		}
		if idx > d.next {
			d.lost.Add(idx - d.next)
		}
		d.next = idx + 1
		f := &d.fr[i]
		for c := range d.info.Channels {
			k := c*dst.Cap + dst.Len
			dst.Raw[k] = f.Counts[c]
			dst.Data[k] = float64(f.Counts[c]) * d.info.ScaleUV[c]
		}
		dst.Received = d.at[i]
		dst.Len++
		d.ph++
		d.samples.Add(1)
	}
	if d.closed.Load() && dst.Len == 0 {
		return acquisition.ErrClosed
	}
	return nil
}

// errIdle tells ReadBlock to return the partial block it holds: the
// device sent nothing for a read timeout (a stream that ended or
// stalled), so waiting to fill the block would only add latency.
var errIdle = errors.New("link: idle")

// peek returns the position of the next frame to deliver and its index.
// With partial set, an idle read with nothing pending returns errIdle.
func (d *Driver) peek(partial bool) (int, uint64, error) {
	m := d.cfg.Modulus
	for {
		if d.closed.Load() {
			return 0, 0, acquisition.ErrClosed
		}
		if d.ph < d.pt {
			f := &d.fr[d.ph]
			if !d.started {
				d.started = true
				if d.cfg.FirstIsZero {
					d.shift = uint64(f.Seq) % m // this frame is index 0
				}
			}
			k := (uint64(f.Seq) + 2*m - d.shift - d.next%m) % m
			if k == 0 || !d.cfg.Confirm {
				return d.ph, d.next + k, nil
			}
			if d.ph+1 < d.pt {
				if (uint64(d.fr[d.ph+1].Seq)+m-uint64(f.Seq))%m == 1 {
					return d.ph, d.next + k, nil
				}
				d.dropPending()
				continue
			}
			if d.gone != nil {
				d.dropPending()
				continue
			}
		} else if d.gone != nil {
			return 0, 0, d.gone
		}
		if idle := d.fill(); idle && partial && d.ph == d.pt {
			return 0, 0, errIdle
		}
	}
}

func (d *Driver) dropPending() {
	d.ph++
	d.drops++
	d.corrupt.Add(1)
}

// fill reads once and decodes what arrived; idle reports a read that
// timed out with nothing.
func (d *Driver) fill() (idle bool) {
	if d.ph == d.pt {
		d.ph, d.pt = 0, 0
	} else if d.ph > 0 && d.pt == len(d.fr) {
		n := copy(d.fr, d.fr[d.ph:d.pt])
		copy(d.at, d.at[d.ph:d.pt])
		d.ph, d.pt = 0, n
	}
	if d.r > 0 {
		d.w = copy(d.buf, d.buf[d.r:d.w])
		d.r = 0
	}
	atEOF := false
	if d.w < len(d.buf) && d.pt < len(d.fr) {
		n, err := d.cfg.Port.Read(d.buf[d.w:])
		d.w += n
		switch {
		case err != nil && !d.closed.Load():
			atEOF = true
			if serialport.IsGone(err) {
				d.gone = fmt.Errorf("%s: %s disconnected (%v): %w", d.cfg.Name, d.info.Port, err, io.ErrUnexpectedEOF)
			} else {
				d.gone = fmt.Errorf("%s: read from %s: %w", d.cfg.Name, d.info.Port, err)
			}
		case n == 0:
			atEOF, idle = true, true
		}
	}
	now := time.Now()
	n, c := d.cfg.Decoder.DecodeFrames(d.fr[d.pt:], d.buf[d.r:d.w], atEOF)
	for i := d.pt; i < d.pt+n; i++ {
		d.at[i] = now
	}
	d.pt += n
	d.r += c
	corrupt, skipped := d.cfg.Decoder.Counters()
	d.corrupt.Store(corrupt + d.drops)
	d.skipped.Store(skipped)
	return idle
}

// Close writes the stop bytes (waiting at most 0.5 s) and closes the
// port. It is idempotent, safe from any goroutine, and makes a pending
// ReadBlock return.
func (d *Driver) Close() error {
	d.closeOnce.Do(func() {
		d.closed.Store(true)
		if len(d.cfg.Stop) > 0 {
			done := make(chan struct{})
			go func() {
				defer close(done)
				d.cfg.Port.Write(d.cfg.Stop)
			}()
			t := time.NewTimer(500 * time.Millisecond)
			select {
			case <-done:
			case <-t.C:
			}
			t.Stop()
		}
		if err := d.cfg.Port.Close(); err != nil {
			d.closeErr = fmt.Errorf("%s: close %s: %w", d.cfg.Name, d.info.Port, err)
		}
	})
	return d.closeErr
}

// ReadUntil reads from port until the bytes read so far satisfy done
// (which gets everything read), or timeout. It returns what was read and
// whether done was satisfied; an error only when Read fails.
func ReadUntil(port io.Reader, timeout time.Duration, done func([]byte) bool) ([]byte, bool, error) {
	var got []byte
	tmp := make([]byte, 256)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		n, err := port.Read(tmp)
		got = append(got, tmp[:n]...)
		if n > 0 && done(got) {
			return got, true, nil
		}
		if err != nil {
			return got, false, err
		}
	}
	return got, false, nil
}

// HasLine reports whether b holds a complete line ending in '\n'.
func HasLine(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }

var (
	_ acquisition.Source     = (*Driver)(nil)
	_ acquisition.StatSource = (*Driver)(nil)
)

// OpenError returns an Open failure with a clinician-facing message (from
// format and args, as fmt.Sprintf) that matches kind under errors.Is.
func OpenError(kind error, format string, args ...any) error {
	return &openError{msg: fmt.Sprintf(format, args...), kind: kind}
}

// openError is an Open failure: its message is the whole text the user
// sees, and errors.Is tells its kind (ErrNoAnswer, ErrBoardOff, …).
type openError struct {
	msg  string
	kind error
}

func (e *openError) Error() string        { return e.msg }
func (e *openError) Is(target error) bool { return target == e.kind }

// Scan is the decoding loop of the fixed-size frame decoders (cyton, p2,
// bitalino). From offset 0 of p, next returns the start of the next frame
// to accept, having skipped and counted the bytes that cannot start one,
// or with ok false where decoding must wait for more bytes; emit takes the
// frame at p[i:] as output number n. Scan stops after max frames or when
// next fails, and returns the frames emitted and the bytes consumed (up
// to the end of the last frame, or to where next stopped). It allocates
// nothing itself (next and emit do not escape).
func Scan(p []byte, max, size int, atEOF bool, next func(p []byte, i int, atEOF bool) (int, bool), emit func(n, i int)) (n, consumed int) {
	i := 0
	for n < max {
		var ok bool
		if i, ok = next(p, i, atEOF); !ok {
			break
		}
		emit(n, i)
		n++
		i += size
	}
	return n, i
}
