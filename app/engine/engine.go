// Package engine runs one live stream: a source, the one conditioning stage
// of its blocks and the consumers that read them, each a peer with its own
// bounded queue and drop policy, all under one errgroup.
//
//	source ─ReadBlock─▶ conditioning (filter, quality, fatigue: once) ─Frame─┬─▶ queue ─▶ live view
//	                                                                         ├─▶ queue ─▶ recorder
//	                                                                         ├─▶ queue ─▶ decider
//	                                                                         └─▶ …
//
// The reading goroutine never waits for a consumer: a full queue drops the
// frame for that consumer only and counts it. What a drop means is the
// consumer's policy: a display skips (DropAndCount); a consumer that feeds
// an actuator is told at once (DropIsFault) and its next frame says how
// many samples it missed, so the control layer can ramp the glove to safe.
// The engine knows nothing of what a consumer does: adding one never edits
// this package.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"myorehab/acquisition"
	"myorehab/processing/pipeline"
)

// DropPolicy says what a full queue means for a consumer.
type DropPolicy int

const (
	// DropAndCount skips the frame for this consumer and counts its
	// samples (a display that may lag).
	DropAndCount DropPolicy = iota
	// DropIsFault also signals Input.Overflow at once: a consumer that
	// feeds an actuator treats any lost frame as a fault.
	DropIsFault
)

// String returns the policy's name.
func (p DropPolicy) String() string {
	if p == DropIsFault {
		return "fault"
	}
	return "count"
}

// Spec is what the engine needs to know of a consumer.
type Spec struct {
	// Name identifies the consumer in counters and logs, e.g. "live".
	Name string
	// Queue is the number of frames its queue holds (≥ 1).
	Queue int
	// Policy is what a full queue means.
	Policy DropPolicy
}

// Consumer reads the frames of a stream on its own goroutine.
type Consumer interface {
	// Spec returns the consumer's name, queue depth and drop policy.
	Spec() Spec
	// Run takes frames from in until in's channel is closed (the stream
	// ended; Run then returns nil); the channel is closed soon after ctx
	// is done. It must hand every frame back with in.Release. An error
	// stops the whole engine.
	Run(ctx context.Context, in *Input) error
}

// Frame is one block of the stream as every consumer sees it.
type Frame struct {
	// Raw is the block as read: µV and raw counts; Raw.Start is the index
	// of its first sample since the stream began.
	Raw *acquisition.Block
	// Clean is the same samples after conditioning (band-pass and notch),
	// in µV.
	Clean *acquisition.Block
	// Cond is the stream's conditions (quality, fatigue, notch) after
	// this block; immutable and shared.
	Cond *pipeline.Conditions
	// Missed is the number of samples per channel this consumer's queue
	// dropped since the previous frame it received.
	Missed uint64
	// Event, when Raw.Len is 0, is a device event (lost, reconnected)
	// delivered as soon as it happened, in order with the blocks.
	Event acquisition.Event
}

// Input is one consumer's queue.
type Input struct {
	spec     Spec
	ch       chan *Frame
	free     chan *Frame
	overflow chan struct{}
	released chan struct{} // Lockstep only
	dropped  atomic.Uint64 // samples per channel
	sent     atomic.Uint64 // frames queued
	missed   uint64        // owned by the reading goroutine
}

// Sent returns the number of frames queued to this consumer so far
// (blocks and events): a consumer that counts the frames it took can wait
// until it has taken everything sent before a given moment.
func (in *Input) Sent() uint64 { return in.sent.Load() }

// C is the queue of frames; it is closed when the stream ends.
func (in *Input) C() <-chan *Frame { return in.ch }

// Release hands a frame back for reuse.
func (in *Input) Release(f *Frame) {
	select {
	case in.free <- f:
	default:
		panic("engine: frame released twice")
	}
	if in.released != nil {
		in.released <- struct{}{}
	}
}

// Overflow is signalled (capacity 1, never blocks the engine) each time
// the queue drops a frame, for DropIsFault consumers; nil otherwise.
func (in *Input) Overflow() <-chan struct{} { return in.overflow }

// Dropped returns the samples per channel the queue dropped so far.
func (in *Input) Dropped() uint64 { return in.dropped.Load() }

// Name returns the consumer's name.
func (in *Input) Name() string { return in.spec.Name }

// Config configures an Engine.
type Config struct {
	// Source is the stream; the engine closes it when it stops.
	Source acquisition.Source
	// BlockLen is the block length read from the source, in samples per
	// channel.
	BlockLen int
	// Conditioner conditions every block once; nil passes the raw signal
	// on as clean.
	Conditioner *pipeline.Conditioner
	// Consumers read the frames. Their order is the fan-out order.
	Consumers []Consumer
	// Lockstep makes the reader wait, after each block, until every
	// consumer has released its frame: nothing is ever dropped and the
	// stream goes as fast as its slowest consumer. For an unpaced source
	// (a file processed as fast as possible, the simulator in --fast
	// mode, benchmarks); never for a live amplifier.
	Lockstep bool
}

// Engine runs one stream. Build it with New, run it with Run once.
type Engine struct {
	src      acquisition.Source
	info     acquisition.StreamInfo
	cond     *pipeline.Conditioner
	cons     []Consumer
	ins      []*Input
	scratch  *acquisition.Block
	passCond *pipeline.Conditions
	released chan struct{} // Lockstep: one token per released frame

	end      atomic.Uint64 // index one past the last sample read
	received atomic.Uint64 // samples read
	rate     rateMeter
	started  atomic.Bool

	fanMu      sync.Mutex // serialises fan-outs of blocks and of events
	eventsLost atomic.Uint64
}

// New returns an Engine for cfg; nothing runs until Run.
func New(cfg Config) (*Engine, error) {
	if cfg.Source == nil || cfg.BlockLen < 1 {
		return nil, errors.New("engine: a source and a block length are required")
	}
	info := cfg.Source.Info()
	if info.Channels < 1 {
		return nil, fmt.Errorf("engine: source %q has no channels", info.Device)
	}
	e := &Engine{
		src:      cfg.Source,
		info:     info,
		cond:     cfg.Conditioner,
		cons:     cfg.Consumers,
		scratch:  acquisition.NewBlock(info.Channels, cfg.BlockLen),
		passCond: &pipeline.Conditions{},
	}
	if cfg.Lockstep {
		// Room for a token per frame that exists, so Release never waits
		// (event frames add tokens the reader does not wait for).
		n := 0
		for _, c := range cfg.Consumers {
			n += c.Spec().Queue + 1
		}
		e.released = make(chan struct{}, n)
	}
	seen := map[string]bool{}
	for _, c := range cfg.Consumers {
		s := c.Spec()
		if s.Queue < 1 || s.Name == "" || seen[s.Name] {
			return nil, fmt.Errorf("engine: consumer %q needs a unique name and a queue of at least 1 (has %d)", s.Name, s.Queue)
		}
		seen[s.Name] = true
		in := &Input{spec: s, ch: make(chan *Frame, s.Queue), free: make(chan *Frame, s.Queue+1), released: e.released}
		if s.Policy == DropIsFault {
			in.overflow = make(chan struct{}, 1)
		}
		for range s.Queue + 1 {
			f := &Frame{Raw: acquisition.NewBlock(info.Channels, cfg.BlockLen), Clean: acquisition.NewBlock(info.Channels, cfg.BlockLen)}
			in.free <- f
		}
		e.ins = append(e.ins, in)
	}
	return e, nil
}

// Info describes the stream.
func (e *Engine) Info() acquisition.StreamInfo { return e.info }

// Source returns the stream's source.
func (e *Engine) Source() acquisition.Source { return e.src }

// Event hands a device event (acquisition.Reconnecting's OnEvent) to
// every consumer at once, as a frame without samples (Raw.Len 0,
// Raw.Start the index of the next sample) in order with the blocks. Safe
// from any goroutine; it never blocks on a consumer and does no I/O. An
// event that finds a consumer's queue full is counted in
// Stats.EventsLost.
func (e *Engine) Event(ev acquisition.Event) {
	e.fanMu.Lock()
	defer e.fanMu.Unlock()
	for _, in := range e.ins {
		var f *Frame
		select {
		case f = <-in.free:
		default:
			e.eventsLost.Add(1)
			continue
		}
		f.Raw.Start, f.Raw.Len = e.end.Load(), 0
		f.Clean.Start, f.Clean.Len = f.Raw.Start, 0
		f.Cond, f.Missed, f.Event = e.passCond, 0, ev
		select {
		case in.ch <- f:
			in.sent.Add(1)
		default:
			in.free <- f
			e.eventsLost.Add(1)
		}
	}
}

// Run reads the source and feeds the consumers until ctx is done (it then
// returns nil), the source fails (its error) or a consumer fails. Every
// goroutine has ended when it returns, and the source is closed.
func (e *Engine) Run(ctx context.Context) error {
	if !e.started.CompareAndSwap(false, true) {
		return errors.New("engine: Run called twice")
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, c := range e.cons {
		in := e.ins[i]
		g.Go(func() error {
			if err := c.Run(gctx, in); err != nil && gctx.Err() == nil {
				return fmt.Errorf("%s: %w", in.spec.Name, err)
			}
			return nil
		})
	}
	g.Go(func() error { return e.read(ctx, gctx) })
	return g.Wait()
}

// read is the reading goroutine: read, condition once, fan out.
func (e *Engine) read(parent, ctx context.Context) error {
	defer func() {
		for _, in := range e.ins {
			close(in.ch)
		}
	}()
	stop := context.AfterFunc(ctx, func() { e.src.Close() })
	defer stop()
	defer e.src.Close()
	for {
		err := e.src.ReadBlock(e.scratch)
		if b := e.scratch; b.Len > 0 {
			clean, cond := b, e.passCond
			if e.cond != nil {
				clean, cond = e.cond.Process(b)
			}
			sent := e.fanOut(b, clean, cond)
			e.end.Store(b.End())
			if e.released != nil {
				for range sent {
					select {
					case <-e.released:
					case <-ctx.Done():
					}
				}
			}
			e.received.Add(uint64(b.Len))
			e.rate.add(b.Len, b.Received)
		}
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, acquisition.ErrClosed) {
				if parent.Err() != nil {
					return nil
				}
				return ctx.Err() // a consumer failed: its error is the group's
			}
			return err
		}
	}
}

// fanOut hands the block to every consumer and returns how many took it.
func (e *Engine) fanOut(raw, clean *acquisition.Block, cond *pipeline.Conditions) (sent int) {
	e.fanMu.Lock()
	defer e.fanMu.Unlock()
	for _, in := range e.ins {
		var f *Frame
		select {
		case f = <-in.free:
		default:
		}
		if f != nil {
			f.Raw.CopyFrom(raw)
			f.Clean.CopyFrom(clean)
			f.Cond, f.Missed, f.Event = cond, in.missed, acquisition.Event{}
			select {
			case in.ch <- f:
				in.sent.Add(1)
				in.missed = 0
				sent++
				continue
			default:
				in.free <- f // never blocks: free has room for every frame
			}
		}
		in.missed += uint64(raw.Len)
		in.dropped.Add(uint64(raw.Len))
		if in.overflow != nil {
			select {
			case in.overflow <- struct{}{}:
			default:
			}
		}
	}
	return sent
}

// End returns the index one past the last sample read and handed to the
// consumers (0 before the first block). Safe from any goroutine.
func (e *Engine) End() uint64 { return e.end.Load() }

// Stats are the engine's counters.
type Stats struct {
	// Received is the number of samples per channel read.
	Received uint64
	// MeasuredRateHz is the rate of arrival over the last seconds.
	MeasuredRateHz float64
	// Dropped maps each consumer's name to the samples per channel its
	// queue dropped.
	Dropped map[string]uint64
	// EventsLost counts device events that did not fit in a frame.
	EventsLost uint64
}

// Stats returns the counters. Safe from any goroutine; it allocates the
// map, so call it at display rate, not per block.
func (e *Engine) Stats() Stats {
	s := Stats{Received: e.received.Load(), MeasuredRateHz: e.rate.hz(), Dropped: make(map[string]uint64, len(e.ins)), EventsLost: e.eventsLost.Load()}
	for _, in := range e.ins {
		s.Dropped[in.spec.Name] = in.dropped.Load()
	}
	return s
}

// Dropped returns the samples per channel the named consumer's queue
// dropped (0 for an unknown name). Safe from any goroutine.
func (e *Engine) Dropped(name string) uint64 {
	for _, in := range e.ins {
		if in.spec.Name == name {
			return in.dropped.Load()
		}
	}
	return 0
}

// rateMeter estimates the received sample rate from block arrival times
// over about two seconds.
type rateMeter struct {
	mu      sync.Mutex
	t0      time.Time
	n       int
	current float64
}

func (m *rateMeter) add(n int, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t0.IsZero() {
		m.t0 = at
		return
	}
	m.n += n
	if dt := at.Sub(m.t0); dt >= 2*time.Second {
		m.current = float64(m.n) / dt.Seconds()
		m.t0, m.n = at, 0
	}
}

func (m *rateMeter) hz() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}

// Each runs fn on every frame of in, releasing it afterwards, until the
// stream ends and in's channel is closed: the loop of most consumers' Run.
// A consumer draining its queue this way keeps every frame read before the
// stream stopped; the engine closes the queues promptly when its context
// ends, so Each needs no context of its own.
func Each(in *Input, fn func(*Frame)) error {
	for f := range in.C() {
		fn(f)
		in.Release(f)
	}
	return nil
}
