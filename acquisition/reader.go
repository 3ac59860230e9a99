package acquisition

import (
	"context"
	"errors"
	"sync/atomic"
)

// Output is one consumer's bounded queue of Blocks fed by a Reader. The
// consumer receives from C and must hand every block back with Release.
// When the queue is full (or all its blocks are in use) the Reader drops
// the block for this consumer only and counts the dropped samples: the
// Reader never waits for a consumer.
type Output struct {
	name    string
	ch      chan *Block
	pool    *Pool
	dropped atomic.Uint64
}

// C is the queue of blocks. It is closed when the Reader stops.
func (o *Output) C() <-chan *Block { return o.ch }

// Release gives a block received from C back for reuse.
func (o *Output) Release(b *Block) { o.pool.Put(b) }

// Dropped returns the number of samples (per channel) this consumer missed
// because its queue was full.
func (o *Output) Dropped() uint64 { return o.dropped.Load() }

// Name returns the name given to Subscribe.
func (o *Output) Name() string { return o.name }

// Reader moves Blocks from a Source to its consumers: one goroutine
// (Run) reads, and each Output gets its own copy of every block.
type Reader struct {
	src     Source
	scratch *Block
	outs    []*Output
	running atomic.Bool
	end     atomic.Uint64 // index one past the last sample read
}

// NewReader returns a Reader that reads src in blocks of up to blockLen
// samples per channel.
func NewReader(src Source, blockLen int) *Reader {
	return &Reader{src: src, scratch: NewBlock(src.Info().Channels, blockLen)}
}

// Subscribe adds a consumer with room for queue blocks. It must be called
// before Run; it panics afterwards.
func (r *Reader) Subscribe(name string, queue int) *Output {
	if r.running.Load() {
		panic("acquisition: Subscribe after Run")
	}
	o := &Output{
		name: name,
		ch:   make(chan *Block, queue),
		pool: NewPool(queue+2, r.scratch.Channels, r.scratch.Cap),
	}
	r.outs = append(r.outs, o)
	return o
}

// End returns the index one past the last sample read from the source and
// handed to the outputs (0 before the first block). Safe from any goroutine.
func (r *Reader) End() uint64 { return r.end.Load() }

// Run reads until ctx is cancelled (it then closes the source and returns
// nil) or the source fails (it returns the error). It closes every Output's
// channel on return. The per-block loop does not allocate.
func (r *Reader) Run(ctx context.Context) error {
	r.running.Store(true)
	defer func() {
		for _, o := range r.outs {
			close(o.ch)
		}
	}()
	stop := context.AfterFunc(ctx, func() { r.src.Close() })
	defer stop()
	for {
		err := r.src.ReadBlock(r.scratch)
		if r.scratch.Len > 0 {
			r.fanOut(r.scratch)
			r.end.Store(r.scratch.End())
		}
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, ErrClosed) {
				return nil
			}
			return err
		}
	}
}

func (r *Reader) fanOut(src *Block) {
	for _, o := range r.outs {
		b := o.pool.TryGet()
		if b == nil {
			o.dropped.Add(uint64(src.Len))
			continue
		}
		b.CopyFrom(src)
		select {
		case o.ch <- b:
		default:
			o.dropped.Add(uint64(src.Len))
			o.pool.Put(b)
		}
	}
}
