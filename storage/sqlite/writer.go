package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/storage"
)

// Errors returned by Writer.Write.
var (
	// ErrQueueFull means the writer's queue was full: the block was not
	// stored and its samples were added to the dropped count.
	ErrQueueFull = errors.New("sqlite: recording queue full, block dropped")
	// ErrOutOfOrder means the block started before the end of the previous
	// one; it was not stored and was counted as dropped.
	ErrOutOfOrder = errors.New("sqlite: block out of order, dropped")
	// ErrWriterClosed is returned by Write after Close.
	ErrWriterClosed = errors.New("sqlite: recording writer closed")
	// ErrChannels means the block's channel count differs from the session's.
	ErrChannels = errors.New("sqlite: block channel count differs from session")
)

// WriterConfig tunes a Writer. Zero fields take their defaults.
type WriterConfig struct {
	// QueueBlocks is the number of Blocks the queue holds between Write and
	// the writer goroutine (default 256). When it is full Write returns
	// ErrQueueFull.
	QueueBlocks int
	// BlockLen is the largest Block.Len expected, in samples; the queue's
	// buffers are preallocated for it (default 1/10 s of samples). A
	// larger block makes Write allocate once per buffer.
	BlockLen int
	// ChunkSamples is the number of samples per stored chunk (default 1 s
	// of samples at the session's rate).
	ChunkSamples int
	// FlushEvery bounds, in wall-clock time, how long written samples wait
	// in memory before they are committed (default 250 ms). A chunk still
	// filling is committed partially and completed in place later, so
	// chunks stay ChunkSamples long while a crash loses at most about
	// FlushEvery of signal plus the queue.
	FlushEvery time.Duration
}

// chunkBuffers is the number of chunk buffers: the one filling plus the
// ones closed by a gap and waiting for the next commit.
const chunkBuffers = 4

// Writer records raw counts of acquisition Blocks into one session. Write
// copies a block into a preallocated queue buffer and returns at once; a
// goroutine coalesces consecutive blocks into chunks of ChunkSamples and
// commits them in one transaction per flush (every FlushEvery, and whenever
// a chunk is complete), updating the session's sample count. A block that
// does not continue the previous one starts a new chunk, so gaps stay gaps.
//
// A failed commit (disk full, read-only file) is reported at once through
// Err and Errors, and retried at the next flush; Write keeps accepting
// blocks until the queue fills. Nothing is dropped silently: every block
// Write refuses is counted in the session's Dropped count.
type Writer struct {
	db        *DB
	sessionID int64
	channels  int
	cfg       WriterConfig

	// Producer side, guarded by mu.
	mu      sync.Mutex
	closed  bool
	started bool
	lastEnd uint64
	free    chan *queued  // buffers ready for Write
	queue   chan *queued  // buffers waiting for the goroutine
	freed   chan struct{} // wakes WriteWait when a buffer is freed

	dropped    atomic.Int64 // samples refused by Write or lost to a failed close
	srcLost    atomic.Int64
	srcDropped atomic.Int64
	committed  atomic.Int64 // samples committed to the database
	closing    atomic.Bool

	errMu  sync.Mutex
	err    error
	errs   chan error
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	closeOnce sync.Once
	closeErr  error

	side        chan sideItem // annotations and metrics, stored by the goroutine
	sideDropped atomic.Int64

	// Owned by the goroutine.
	tick       *time.Ticker
	freeChunk  []*chunk
	pending    []*chunk // closed chunks not yet fully committed
	cur        *chunk   // chunk being filled
	scratch    []byte   // encoded chunk
	finalErr   error
	sidePend   []sideItem            // side items not yet stored
	gloveBatch []*storage.GloveFrame // storeSide's batch of consecutive glove frames
}

// sideItem is an annotation or one second's metrics queued beside the
// samples.
type sideItem struct {
	ann   *storage.Annotation
	met   *storage.SecondMetrics
	glove *storage.GloveFrame
}

// sideQueue is the number of annotations and metrics the side queue holds.
const sideQueue = 256

// queued is one block's raw counts, planar with stride n.
type queued struct {
	start uint64
	n     int
	raw   []int32
}

// chunk is a run of consecutive samples, planar with stride cap.
type chunk struct {
	start     uint64
	n         int // samples held
	committed int // samples already in the database row (0: no row yet)
	raw       []int32
}

// NewWriter starts a Writer for session sessionID, which must exist and be
// in status recording (storage.ErrNotFound, storage.ErrInvalid). The
// session's channel count and rate size the buffers. Call Close to flush
// and mark the session completed.
func NewWriter(db *DB, sessionID int64, cfg WriterConfig) (*Writer, error) {
	s, err := db.Session(context.Background(), sessionID)
	if err != nil {
		return nil, fmt.Errorf("new writer: %w", err)
	}
	if s.Status != storage.StatusRecording {
		return nil, fmt.Errorf("new writer: %w: session %d is %s", storage.ErrInvalid, sessionID, s.Status)
	}
	if cfg.QueueBlocks <= 0 {
		cfg.QueueBlocks = 256
	}
	if cfg.BlockLen <= 0 {
		cfg.BlockLen = max(1, int(math.Ceil(s.RateHz/10)))
	}
	if cfg.ChunkSamples <= 0 {
		cfg.ChunkSamples = max(1, int(math.Round(s.RateHz)))
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = 250 * time.Millisecond
	}
	w := &Writer{
		db:        db,
		sessionID: sessionID,
		channels:  s.Channels,
		cfg:       cfg,
		free:      make(chan *queued, cfg.QueueBlocks),
		queue:     make(chan *queued, cfg.QueueBlocks),
		errs:      make(chan error, 1),
		freed:     make(chan struct{}, 1),
		side:      make(chan sideItem, sideQueue),
		done:      make(chan struct{}),
		scratch:   make([]byte, 4*s.Channels*cfg.ChunkSamples),
	}
	w.committed.Store(s.Samples)
	for range cfg.QueueBlocks {
		w.free <- &queued{raw: make([]int32, s.Channels*cfg.BlockLen)}
	}
	for range chunkBuffers {
		w.freeChunk = append(w.freeChunk, &chunk{raw: make([]int32, s.Channels*cfg.ChunkSamples)})
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.tick = time.NewTicker(cfg.FlushEvery)
	go w.run()
	return w, nil
}

// Write queues a copy of b's raw counts (b.Raw; b.Data is not stored) and
// returns without waiting for the database. It does not allocate once the
// queue buffers are large enough for b.Len (see WriterConfig.BlockLen). It is
// safe for concurrent use, but blocks must arrive in order of Start.
//
// It returns ErrQueueFull when the queue is full and ErrOutOfOrder when
// b.Start is before the end of the previous block (both count b.Len dropped
// samples), ErrChannels when b.Channels differs from the session's, and
// ErrWriterClosed after Close. An empty block is ignored.
func (w *Writer) Write(b *acquisition.Block) error {
	return w.write(b, true)
}

// WriteWait is Write for callers that may wait (file import, tests): when
// the queue is full it waits for room instead of dropping the block, until
// ctx ends (then it returns ctx's error and the block is not stored or
// counted). It must not be used on the live acquisition path.
func (w *Writer) WriteWait(ctx context.Context, b *acquisition.Block) error {
	for {
		err := w.write(b, false)
		if err != ErrQueueFull {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.freed:
		}
	}
}

// write queues b. With drop set, a full queue drops b (counted, and the
// next block may start after b); otherwise it returns ErrQueueFull and
// leaves no trace, so the caller can retry b.
func (w *Writer) write(b *acquisition.Block, drop bool) error {
	if b.Channels != w.channels {
		return ErrChannels
	}
	if b.Len == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrWriterClosed
	}
	if w.started && b.Start < w.lastEnd {
		w.dropped.Add(int64(b.Len))
		return ErrOutOfOrder
	}
	var q *queued
	select {
	case q = <-w.free:
	default:
		if drop {
			w.started, w.lastEnd = true, b.End()
			w.dropped.Add(int64(b.Len))
		}
		return ErrQueueFull
	}
	w.started, w.lastEnd = true, b.End()
	n := b.Len
	if cap(q.raw) < w.channels*n {
		q.raw = make([]int32, w.channels*n)
	}
	q.raw = q.raw[:w.channels*n]
	q.start, q.n = b.Start, n
	for c := range w.channels {
		copy(q.raw[c*n:(c+1)*n], b.RawChan(c))
	}
	w.queue <- q // never blocks: the queue holds every buffer
	return nil
}

// Annotate queues annotation a of the session (a.SessionID is set to the
// writer's) to be stored by the writer goroutine with the next flush, and
// returns at once: the caller never waits for the database. It returns
// ErrQueueFull (the annotation is counted in SideDropped) when the side
// queue is full, and ErrWriterClosed after Close. Safe for concurrent use.
func (w *Writer) Annotate(a *storage.Annotation) error {
	a.SessionID = w.sessionID
	return w.queueSide(sideItem{ann: a})
}

// AddMetrics queues one second's metrics of the session like Annotate.
func (w *Writer) AddMetrics(m *storage.SecondMetrics) error {
	return w.queueSide(sideItem{met: m})
}

// AddGloveFrame queues a command sent to the glove during the session
// (f.Sample in the session's sample index) like Annotate; consecutive
// frames are stored in one transaction.
func (w *Writer) AddGloveFrame(f *storage.GloveFrame) error {
	return w.queueSide(sideItem{glove: f})
}

func (w *Writer) queueSide(it sideItem) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrWriterClosed
	}
	select {
	case w.side <- it:
		return nil
	default:
		w.sideDropped.Add(1)
		return ErrQueueFull
	}
}

// SideDropped returns the annotations and metrics refused because the side
// queue was full.
func (w *Writer) SideDropped() int64 { return w.sideDropped.Load() }

// SetSourceCounts records the samples lost by the device and dropped
// before the writer (acquisition Stats.Lost and the reader's drop count).
// They are stored in the session's Lost count and added to its Dropped
// count at each flush and at Close. Safe for concurrent use.
func (w *Writer) SetSourceCounts(lost, dropped uint64) {
	w.srcLost.Store(int64(lost))
	w.srcDropped.Store(int64(dropped))
}

// Dropped returns the samples Write refused so far (queue full, out of
// order) plus those lost to a failed final commit.
func (w *Writer) Dropped() int64 { return w.dropped.Load() }

// Samples returns the samples per channel committed to the session so far.
func (w *Writer) Samples() int64 { return w.committed.Load() }

// Err returns the first commit error, or nil.
func (w *Writer) Err() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

// Errors returns a channel that receives commit errors as they happen. It
// holds one error; errors that find it full are not queued (Err keeps the
// first).
func (w *Writer) Errors() <-chan error { return w.errs }

// Close stops accepting blocks, commits everything queued and marks the
// session completed with its final counts. If the final commit fails, the
// session is marked interrupted (best effort) and the error returned. When
// ctx ends first, the pending commit is abandoned and ctx's error returned;
// the session then stays recording until the next Open marks it
// interrupted, unless a later Close call waits for the writer goroutine and
// finishes the session (interrupted if the abandoned commit failed). Once a
// Close has finished the session, later calls return its result.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		w.closing.Store(true)
		close(w.queue)
	}
	w.mu.Unlock()
	stop := context.AfterFunc(ctx, w.cancel)
	defer stop()
	select {
	case <-w.done:
	case <-ctx.Done():
		return fmt.Errorf("close recording of session %d: %w", w.sessionID, ctx.Err())
	}
	w.closeOnce.Do(func() { w.closeErr = w.finish(ctx) })
	return w.closeErr
}

func (w *Writer) finish(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("close recording of session %d: %w", w.sessionID, err)
	}
	status := storage.StatusCompleted
	if w.finalErr != nil {
		status = storage.StatusInterrupted
	}
	err := w.db.FinishSession(ctx, w.sessionID, status, w.db.now(), w.counts(w.committed.Load()))
	if w.finalErr != nil {
		return fmt.Errorf("close recording of session %d: %w", w.sessionID, errors.Join(w.finalErr, err))
	}
	if err != nil {
		return fmt.Errorf("close recording of session %d: %w", w.sessionID, err)
	}
	return nil
}

func (w *Writer) counts(samples int64) storage.SessionCounts {
	return storage.SessionCounts{
		Samples: samples,
		Lost:    w.srcLost.Load(),
		Dropped: w.srcDropped.Load() + w.dropped.Load(),
	}
}

func (w *Writer) setErr(err error) {
	w.errMu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.errMu.Unlock()
	select {
	case w.errs <- err:
	default:
	}
}

// run is the writer goroutine: it owns the chunks and the flush state.
func (w *Writer) run() {
	defer close(w.done)
	defer w.tick.Stop()
	for {
		select {
		case q, ok := <-w.queue:
			if !ok {
				for drained := false; !drained; {
					select {
					case it := <-w.side:
						w.sidePend = append(w.sidePend, it)
					default:
						drained = true
					}
				}
				if err := w.flush(); err != nil {
					w.finalErr = err
					w.dropped.Add(int64(w.unflushed()))
				}
				return
			}
			full := w.add(q)
			w.free <- q // never blocks: free holds every buffer
			select {
			case w.freed <- struct{}{}:
			default:
			}
			if full {
				w.flush() // reported by flush; retried at the next tick
			}
		case it := <-w.side:
			w.sidePend = append(w.sidePend, it)
		case <-w.tick.C:
			w.flush()
		}
	}
}

// storeSide stores the pending annotations and metrics; what fails stays
// pending for the next flush.
func (w *Writer) storeSide() error {
	for len(w.sidePend) > 0 {
		it := w.sidePend[0]
		n := 1
		var err error
		switch {
		case it.ann != nil:
			err = w.db.AddAnnotation(w.ctx, it.ann)
		case it.met != nil:
			err = w.db.AddMetrics(w.ctx, w.sessionID, it.met)
		default:
			w.gloveBatch = w.gloveBatch[:0]
			for _, g := range w.sidePend {
				if g.glove == nil {
					break
				}
				w.gloveBatch = append(w.gloveBatch, g.glove)
			}
			n = len(w.gloveBatch)
			err = w.db.AddGloveFrames(w.ctx, w.sessionID, w.gloveBatch)
			clear(w.gloveBatch)
		}
		if err != nil {
			return err
		}
		clear(w.sidePend[:n])
		w.sidePend = w.sidePend[n:]
	}
	w.sidePend = w.sidePend[:0:cap(w.sidePend)]
	return nil
}

// add appends q to the current chunk, starting a new chunk at a gap or
// when the current one is full. It reports whether a chunk was completed.
func (w *Writer) add(q *queued) (full bool) {
	chunkCap := w.cfg.ChunkSamples
	for off := 0; off < q.n; {
		start := q.start + uint64(off)
		if c := w.cur; c != nil && c.start+uint64(c.n) != start { // gap
			w.pending = append(w.pending, c)
			w.cur = nil
		}
		if w.cur == nil {
			c := w.getChunk()
			if c == nil { // commits fail and we are closing or cancelled
				w.dropped.Add(int64(q.n - off))
				return full
			}
			c.start, c.n, c.committed = start, 0, 0
			w.cur = c
		}
		c := w.cur
		k := min(q.n-off, chunkCap-c.n)
		for ch := range w.channels {
			copy(c.raw[ch*chunkCap+c.n:ch*chunkCap+c.n+k], q.raw[ch*q.n+off:ch*q.n+off+k])
		}
		c.n += k
		off += k
		if c.n == chunkCap {
			w.pending = append(w.pending, c)
			w.cur = nil
			full = true
		}
	}
	return full
}

// getChunk returns a free chunk buffer, committing pending chunks to free
// one. While commits fail it retries at each tick; it returns nil when the
// writer is closing or cancelled and no buffer can be freed.
func (w *Writer) getChunk() *chunk {
	for len(w.freeChunk) == 0 {
		if w.flush() == nil {
			break
		}
		if w.closing.Load() {
			return nil
		}
		select {
		case <-w.ctx.Done():
			return nil
		case <-w.tick.C:
		}
	}
	c := w.freeChunk[len(w.freeChunk)-1]
	w.freeChunk = w.freeChunk[:len(w.freeChunk)-1]
	return c
}

// unflushed returns the samples held but not committed.
func (w *Writer) unflushed() int {
	n := 0
	for _, c := range w.pending {
		n += c.n - c.committed
	}
	if w.cur != nil {
		n += w.cur.n - w.cur.committed
	}
	return n
}

// flush commits every uncommitted sample in one transaction, then frees
// the pending chunks. On error nothing changes in memory, the error is
// reported and returned, and the next flush retries.
func (w *Writer) flush() error {
	if err := w.storeSide(); err != nil {
		err = fmt.Errorf("record session %d: %w", w.sessionID, mapErr(err))
		w.setErr(err)
		return err
	}
	if w.unflushed() == 0 {
		w.freeChunk = append(w.freeChunk, w.pending...)
		clear(w.pending)
		w.pending = w.pending[:0]
		return nil
	}
	err := w.commit()
	if err != nil {
		err = fmt.Errorf("record session %d: %w", w.sessionID, mapErr(err))
		w.setErr(err)
		return err
	}
	delta := 0
	for _, c := range w.pending {
		delta += c.n - c.committed
		w.freeChunk = append(w.freeChunk, c)
	}
	clear(w.pending)
	w.pending = w.pending[:0]
	if c := w.cur; c != nil {
		delta += c.n - c.committed
		c.committed = c.n
	}
	w.committed.Add(int64(delta))
	return nil
}

func (w *Writer) commit() error {
	ctx := w.ctx
	tx, err := w.db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, upsertChunk)
	if err != nil {
		return err
	}
	var delta int64
	put := func(c *chunk) error {
		if c.n == c.committed {
			return nil
		}
		delta += int64(c.n - c.committed)
		return w.putChunk(ctx, stmt, c)
	}
	for _, c := range w.pending {
		if err := put(c); err != nil {
			return err
		}
	}
	if w.cur != nil {
		if err := put(w.cur); err != nil {
			return err
		}
	}
	cnt := w.counts(w.committed.Load() + delta)
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET samples = ?, lost = ?, dropped = ? WHERE id = ?`,
		cnt.Samples, cnt.Lost, cnt.Dropped, w.sessionID); err != nil {
		return err
	}
	return tx.Commit()
}

// putChunk encodes c (planar, stride ChunkSamples) into the scratch buffer
// as planar little-endian int32 with stride c.n, and upserts it.
func (w *Writer) putChunk(ctx context.Context, stmt *sql.Stmt, c *chunk) error {
	n, stride := c.n, w.cfg.ChunkSamples
	data := w.scratch[:4*w.channels*n]
	for ch := range w.channels {
		encodeCounts(data[4*ch*n:4*(ch+1)*n], c.raw[ch*stride:ch*stride+n])
	}
	_, err := stmt.ExecContext(ctx, w.sessionID, int64(c.start), n, w.channels, data)
	return err
}
