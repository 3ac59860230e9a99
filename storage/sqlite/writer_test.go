package sqlite

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/storage"
)

// countAt is the raw count the tests store for sample i of channel c: every
// stored value can be checked without remembering what was written.
func countAt(i uint64, c int) int32 {
	x := i*0x9e3779b97f4a7c15 + uint64(c)*0xbf58476d1ce4e5b9
	x ^= x >> 31
	return int32(x)
}

func fillBlock(b *acquisition.Block, start uint64, n int) {
	b.Start, b.Len = start, n
	for c := range b.Channels {
		raw := b.Raw[c*b.Cap : c*b.Cap+n]
		for i := range raw {
			raw[i] = countAt(start+uint64(i), c)
		}
	}
}

// checkStored reads the session back, checks every stored count against
// countAt and returns the set of stored sample indices.
func checkStored(t *testing.T, db *DB, id int64, maxChunk int) map[uint64]bool {
	t.Helper()
	have := map[uint64]bool{}
	err := db.ReadSamples(context.Background(), id, func(start uint64, chans [][]int32) error {
		if len(chans[0]) > maxChunk {
			t.Errorf("chunk at %d has %d samples, more than %d", start, len(chans[0]), maxChunk)
		}
		for c, ch := range chans {
			for i, v := range ch {
				if want := countAt(start+uint64(i), c); v != want {
					t.Fatalf("sample %d channel %d = %d, want %d", start+uint64(i), c, v, want)
				}
			}
		}
		for i := range chans[0] {
			if have[start+uint64(i)] {
				t.Fatalf("sample %d stored twice", start+uint64(i))
			}
			have[start+uint64(i)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return have
}

func newTestWriter(t *testing.T, db *DB, channels int, cfg WriterConfig) (*storage.Session, *Writer) {
	t.Helper()
	s := mustCreateSession(t, db, &storage.Session{Channels: channels, RateHz: 1000})
	w, err := NewWriter(db, s.ID, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(context.Background()) })
	return s, w
}

func TestWriter(t *testing.T) {
	ctx := context.Background()

	t.Run("RoundTripWithGaps", func(t *testing.T) {
		db := MustOpenDB(t)
		const chunk = 100
		s, w := newTestWriter(t, db, 4, WriterConfig{ChunkSamples: chunk, BlockLen: 37})
		b := acquisition.NewBlock(4, 37)
		want := map[uint64]bool{}
		start := uint64(0)
		for i := range 100 {
			if i == 30 || i == 71 {
				start += 5 // lost samples
			}
			if i == 50 {
				start += 1000
			}
			n := 37 - i%3
			fillBlock(b, start, n)
			if err := w.Write(b); err != nil {
				t.Fatal(err)
			}
			for k := range n {
				want[start+uint64(k)] = true
			}
			start += uint64(n)
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		have := checkStored(t, db, s.ID, chunk)
		if len(have) != len(want) {
			t.Fatalf("stored %d samples, want %d", len(have), len(want))
		}
		for i := range want {
			if !have[i] {
				t.Fatalf("sample %d missing", i)
			}
		}
		// Chunks never bridge a gap, and are full except at gaps and the end.
		var starts []uint64
		var lens []int
		db.ReadSamples(ctx, s.ID, func(start uint64, chans [][]int32) error {
			starts, lens = append(starts, start), append(lens, len(chans[0]))
			return nil
		})
		for i := 0; i+1 < len(starts); i++ {
			end := starts[i] + uint64(lens[i])
			if end == starts[i+1] && lens[i] != chunk {
				t.Errorf("chunk at %d has %d samples but the next one continues it", starts[i], lens[i])
			}
		}
		got, err := db.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != storage.StatusCompleted || got.Samples != int64(len(want)) || got.Dropped != 0 || got.EndedAt.IsZero() {
			t.Fatalf("session after Close: %+v", got)
		}
		if err := w.Close(ctx); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if err := w.Write(b); !errors.Is(err, ErrWriterClosed) {
			t.Errorf("Write after Close: %v", err)
		}
	})

	t.Run("ConcurrentWrites", func(t *testing.T) {
		db := MustOpenDB(t)
		const (
			goroutines = 4
			perG       = 200
			blockLen   = 16
		)
		s, w := newTestWriter(t, db, 3, WriterConfig{QueueBlocks: 32, ChunkSamples: 250, FlushEvery: time.Millisecond})
		w.SetSourceCounts(11, 22)
		var (
			mu       sync.Mutex // orders index allocation and Write, as one Reader would
			next     uint64
			accepted atomic.Int64
			refused  atomic.Int64
			wg       sync.WaitGroup
		)
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := acquisition.NewBlock(3, blockLen)
				rng := rand.New(rand.NewPCG(uint64(g), 1))
				for range perG {
					mu.Lock()
					start := next
					next += blockLen + uint64(rng.IntN(2)) // sometimes a one-sample gap
					fillBlock(b, start, blockLen)
					err := w.Write(b)
					mu.Unlock()
					switch {
					case err == nil:
						accepted.Add(blockLen)
					case errors.Is(err, ErrQueueFull), errors.Is(err, ErrOutOfOrder):
						refused.Add(blockLen)
					default:
						t.Error(err)
						return
					}
				}
			}()
		}
		// Out-of-order writes race with the ordered ones: each is either
		// refused (counted) or, if it happens to come after, accepted.
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := acquisition.NewBlock(3, blockLen)
			for range 50 {
				fillBlock(b, 0, blockLen)
				if err := w.Write(b); errors.Is(err, ErrOutOfOrder) || errors.Is(err, ErrQueueFull) {
					refused.Add(blockLen)
				} else if err == nil {
					accepted.Add(blockLen)
				} else {
					t.Error(err)
				}
			}
		}()
		wg.Wait()
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		have := checkStored(t, db, s.ID, 250)
		if int64(len(have)) != accepted.Load() {
			t.Fatalf("stored %d samples, Write accepted %d", len(have), accepted.Load())
		}
		if w.Dropped() != refused.Load() {
			t.Fatalf("Dropped() = %d, Write refused %d", w.Dropped(), refused.Load())
		}
		got, err := db.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Samples != accepted.Load() || got.Dropped != 22+refused.Load() || got.Lost != 11 {
			t.Fatalf("session counts samples %d dropped %d lost %d, want %d, %d, 11",
				got.Samples, got.Dropped, got.Lost, accepted.Load(), 22+refused.Load())
		}
	})

	t.Run("ErrQueueFull", func(t *testing.T) {
		db := MustOpenDB(t)
		const (
			queue    = 4
			chunk    = 20
			blockLen = 10
		)
		s, w := newTestWriter(t, db, 2, WriterConfig{QueueBlocks: queue, ChunkSamples: chunk, BlockLen: blockLen, FlushEvery: time.Hour})
		// Hold the write lock: the writer goroutine blocks in its first
		// commit (the busy timeout is 5 s), so the queue must fill.
		tx, err := db.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := acquisition.NewBlock(2, blockLen)
		// The goroutine takes at most chunk/blockLen blocks before it
		// commits; then the queue holds `queue` more.
		limit := chunk/blockLen + queue + 2
		var full []uint64
		written := map[uint64]bool{}
		for i := 0; i < limit && len(full) < 3; i++ {
			start := uint64(i * blockLen)
			fillBlock(b, start, blockLen)
			switch err := w.Write(b); {
			case err == nil:
				for k := range blockLen {
					written[start+uint64(k)] = true
				}
			case errors.Is(err, ErrQueueFull):
				full = append(full, start)
			default:
				t.Fatal(err)
			}
		}
		if len(full) == 0 {
			t.Fatalf("no ErrQueueFull after %d blocks into a queue of %d with the database locked", limit, queue)
		}
		if got, want := w.Dropped(), int64(len(full)*blockLen); got != want {
			t.Fatalf("Dropped() = %d, want %d", got, want)
		}
		tx.Rollback()
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		have := checkStored(t, db, s.ID, chunk)
		if len(have) != len(written) {
			t.Fatalf("stored %d samples, want the %d accepted", len(have), len(written))
		}
		for _, start := range full {
			if have[start] {
				t.Errorf("refused block at %d was stored", start)
			}
		}
		got, err := db.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Dropped != int64(len(full)*blockLen) {
			t.Errorf("session dropped %d, want %d", got.Dropped, len(full)*blockLen)
		}
	})

	t.Run("CommitErrorReportedAndRetried", func(t *testing.T) {
		db := MustOpenDB(t)
		s, w := newTestWriter(t, db, 2, WriterConfig{ChunkSamples: 50, FlushEvery: 5 * time.Millisecond})
		// Simulate a full disk: every chunk insert fails.
		if _, err := db.db.Exec(`CREATE TRIGGER full_disk BEFORE INSERT ON recording_chunks
			BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END`); err != nil {
			t.Fatal(err)
		}
		b := acquisition.NewBlock(2, 10)
		fillBlock(b, 0, 10)
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-w.Errors():
			if err == nil {
				t.Fatal("nil error on Errors()")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("commit error not reported")
		}
		if w.Err() == nil {
			t.Fatal("Err() = nil after a reported error")
		}
		// The live path keeps running: Write still accepts blocks.
		for i := 1; i < 8; i++ {
			fillBlock(b, uint64(10*i), 10)
			if err := w.Write(b); err != nil {
				t.Fatalf("Write during failures: %v", err)
			}
		}
		// The disk has space again: everything is committed on retry.
		if _, err := db.db.Exec(`DROP TRIGGER full_disk`); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if have := checkStored(t, db, s.ID, 50); len(have) != 80 {
			t.Fatalf("stored %d samples after recovery, want 80", len(have))
		}
		got, err := db.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != storage.StatusCompleted || got.Samples != 80 || got.Dropped != 0 {
			t.Fatalf("session after recovery: %+v", got)
		}
	})

	t.Run("PermanentCommitError", func(t *testing.T) {
		db := MustOpenDB(t)
		s, w := newTestWriter(t, db, 1, WriterConfig{ChunkSamples: 50, FlushEvery: time.Hour})
		if _, err := db.db.Exec(`CREATE TRIGGER ro BEFORE INSERT ON recording_chunks
			BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database (test)'); END`); err != nil {
			t.Fatal(err)
		}
		b := acquisition.NewBlock(1, 30)
		fillBlock(b, 0, 30)
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(ctx); err == nil {
			t.Fatal("Close succeeded though nothing could be committed")
		}
		got, err := db.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != storage.StatusInterrupted || got.Dropped != 30 || got.Samples != 0 {
			t.Fatalf("session after failed close: %+v", got)
		}
	})

	t.Run("CloseContextCancelled", func(t *testing.T) {
		db := MustOpenDB(t)
		s, w := newTestWriter(t, db, 1, WriterConfig{FlushEvery: time.Hour})
		tx, err := db.db.BeginTx(ctx, nil) // the commit would wait on the busy timeout
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		b := acquisition.NewBlock(1, 10)
		fillBlock(b, 0, 10)
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := w.Close(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Close with a cancelled context: %v", err)
		}
		tx.Rollback()
		got, err := db.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != storage.StatusRecording {
			t.Fatalf("status %q, want recording (the next Open marks it interrupted)", got.Status)
		}
	})

	t.Run("NewWriterErrors", func(t *testing.T) {
		db := MustOpenDB(t)
		if _, err := NewWriter(db, 999, WriterConfig{}); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("unknown session: %v", err)
		}
		s := mustCreateSession(t, db, &storage.Session{Channels: 1, RateHz: 1, Status: storage.StatusCompleted})
		if _, err := NewWriter(db, s.ID, WriterConfig{}); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("completed session: %v", err)
		}
	})

	t.Run("ErrChannels", func(t *testing.T) {
		db := MustOpenDB(t)
		_, w := newTestWriter(t, db, 2, WriterConfig{})
		b := acquisition.NewBlock(3, 4)
		fillBlock(b, 0, 4)
		if err := w.Write(b); !errors.Is(err, ErrChannels) {
			t.Fatalf("3-channel block into 2-channel session: %v", err)
		}
	})
}

func TestWriterWriteDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	db := MustOpenDB(t)
	// Chunks large enough that the goroutine never commits during the
	// measurement, so only Write's allocations are counted.
	_, w := newTestWriter(t, db, 16, WriterConfig{QueueBlocks: 512, BlockLen: 20, ChunkSamples: 1 << 15, FlushEvery: time.Hour})
	b := acquisition.NewBlock(16, 20)
	start := uint64(0)
	allocs := testing.AllocsPerRun(200, func() {
		fillBlock(b, start, 20)
		if err := w.Write(b); err != nil && !errors.Is(err, ErrQueueFull) {
			t.Fatal(err)
		}
		start += 20
	})
	if allocs != 0 {
		t.Fatalf("Write allocates %v times per block", allocs)
	}
}
