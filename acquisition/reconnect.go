package acquisition

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"
)

// EventKind says what happened to a reconnecting source's device.
type EventKind int

// Event kinds.
const (
	// EventDisconnected: the device disappeared (cable pulled, port gone).
	EventDisconnected EventKind = iota + 1
	// EventReconnected: the device is streaming again; Event.Gap samples
	// were lost while it was away.
	EventReconnected
)

func (k EventKind) String() string {
	switch k {
	case EventDisconnected:
		return "disconnected"
	case EventReconnected:
		return "reconnected"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event reports a disconnection or reconnection. Sample is the stream index
// at which it happened (the first index after the last sample received).
type Event struct {
	Kind     EventKind
	Sample   uint64
	Gap      uint64        // samples lost during the outage (EventReconnected)
	Downtime time.Duration // from losing the device to streaming again (EventReconnected)
	Err      error         // the error that ended the stream (EventDisconnected)
}

// ReconnectConfig configures a Reconnecting source.
type ReconnectConfig struct {
	// Open opens the device (including any handshake). Required.
	Open func() (Source, error)
	// RetryEvery is the pause between attempts to reopen; default 100 ms.
	RetryEvery time.Duration
	// OnEvent, if set, is called on the reading goroutine for every event.
	OnEvent func(Event)
}

// Reconnecting is a Source that reopens its device by itself when it
// disappears and keeps one continuous sample index: the samples missed
// while the device was away (estimated from the downtime and the sample
// rate) are left as a gap in the index, never closed.
type Reconnecting struct {
	cfg  ReconnectConfig
	info StreamInfo

	mu       sync.Mutex
	cur      Source
	closed   bool
	done     chan struct{}
	offset   uint64 // added to the current source's indices
	end      uint64 // index one past the last delivered sample
	previous Stats  // counters of sources already replaced
	events   []Event
}

// NewReconnecting opens the device once; a failure here is returned as is
// (a port that does not exist is not worth retrying).
func NewReconnecting(cfg ReconnectConfig) (*Reconnecting, error) {
	if cfg.Open == nil {
		panic("acquisition: ReconnectConfig.Open is nil")
	}
	if cfg.RetryEvery <= 0 {
		cfg.RetryEvery = 100 * time.Millisecond
	}
	src, err := cfg.Open()
	if err != nil {
		return nil, err
	}
	return &Reconnecting{cfg: cfg, info: src.Info(), cur: src, done: make(chan struct{})}, nil
}

// Info describes the stream (that of the first opening).
func (r *Reconnecting) Info() StreamInfo { return r.info }

// ReadBlock reads from the current device; when it disappears, ReadBlock
// reopens it (retrying until Close) and carries on with a gap in the index.
func (r *Reconnecting) ReadBlock(dst *Block) error {
	for {
		r.mu.Lock()
		cur, offset := r.cur, r.offset
		r.mu.Unlock()
		err := cur.ReadBlock(dst)
		if dst.Len > 0 {
			dst.Start += offset
			r.mu.Lock()
			r.end = dst.End()
			r.mu.Unlock()
		}
		if err == nil {
			return nil
		}
		if r.isClosed() {
			return ErrClosed
		}
		// An inner source closed under us counts as a lost device too.
		if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrClosed) {
			return err
		}
		r.lost(cur, err)
		if dst.Len > 0 {
			return nil // deliver what arrived before the outage; the next call reconnects
		}
		if err := r.reopen(); err != nil {
			return err
		}
	}
}

func (r *Reconnecting) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// lost records the disconnection of cur (once).
func (r *Reconnecting) lost(cur Source, err error) {
	r.mu.Lock()
	if r.cur != cur {
		r.mu.Unlock()
		return
	}
	if s, ok := cur.(StatSource); ok {
		r.previous = addStats(r.previous, s.Stats())
	}
	r.cur = closedSource{}
	ev := Event{Kind: EventDisconnected, Sample: r.end, Err: err}
	r.events = append(r.events, ev)
	r.mu.Unlock()
	cur.Close()
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(ev)
	}
}

// reopen retries Open until it succeeds or the source is closed.
func (r *Reconnecting) reopen() error {
	since := time.Now()
	for {
		r.mu.Lock()
		closed := r.closed
		_, dead := r.cur.(closedSource)
		r.mu.Unlock()
		if closed {
			return ErrClosed
		}
		if !dead {
			return nil
		}
		src, err := r.cfg.Open()
		if err == nil {
			if src.Info().Channels != r.info.Channels {
				src.Close()
				return fmt.Errorf("device came back with %d channels instead of %d", src.Info().Channels, r.info.Channels)
			}
			down := time.Since(since)
			gap := uint64(math.Round(down.Seconds() * r.info.SampleRateHz))
			r.mu.Lock()
			if r.closed {
				r.mu.Unlock()
				src.Close()
				return ErrClosed
			}
			r.cur = src
			r.offset = r.end + gap
			ev := Event{Kind: EventReconnected, Sample: r.end, Gap: gap, Downtime: down}
			r.previous.Reconnects++
			r.previous.ReconnectSeconds = append(r.previous.ReconnectSeconds, down.Seconds())
			r.previous.Lost += gap
			r.events = append(r.events, ev)
			r.mu.Unlock()
			if r.cfg.OnEvent != nil {
				r.cfg.OnEvent(ev)
			}
			return nil
		}
		select {
		case <-r.done:
			return ErrClosed
		case <-time.After(r.cfg.RetryEvery):
		}
	}
}

// Events returns a copy of every disconnection and reconnection so far.
func (r *Reconnecting) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Stats returns the counters summed over every opening of the device,
// including the samples lost during outages.
func (r *Reconnecting) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.previous
	s.ReconnectSeconds = append([]float64(nil), s.ReconnectSeconds...)
	if ss, ok := r.cur.(StatSource); ok {
		s = addStats(s, ss.Stats())
	}
	return s
}

// Close closes the device and stops reconnecting. It is idempotent.
func (r *Reconnecting) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.done)
	cur := r.cur
	r.mu.Unlock()
	return cur.Close()
}

func addStats(a, b Stats) Stats {
	a.Samples += b.Samples
	a.Lost += b.Lost
	a.CorruptPackets += b.CorruptPackets
	a.SkippedBytes += b.SkippedBytes
	a.Reconnects += b.Reconnects
	a.ReconnectSeconds = append(a.ReconnectSeconds, b.ReconnectSeconds...)
	return a
}

// closedSource stands in while the device is away.
type closedSource struct{}

func (closedSource) Info() StreamInfo { return StreamInfo{} }
func (closedSource) ReadBlock(dst *Block) error {
	dst.Len = 0
	return ErrClosed
}
func (closedSource) Close() error { return nil }

var (
	_ Source     = (*Reconnecting)(nil)
	_ StatSource = (*Reconnecting)(nil)
)
