//go:build unix

package sqlite

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/storage"
)

// cpuTime returns the CPU time (user + system) used by the process so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fileSize(tb testing.TB, path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		n += fi.Size()
	}
	return n
}

// BenchmarkWriter records 16 channels at 2000 Hz in blocks of 50 samples
// (25 ms), with EMG-like 24-bit counts, into a real file. It reports
//
//	cpu-s/signal-s  process CPU seconds per second of recorded signal, that
//	                is the fraction of one core recording takes in real time
//	file-B/raw-B    database file size over the raw int32 bytes written
//
// The CPU time includes the final commit at Close.
// "unpaced" writes as fast as the writer takes blocks (one op = 1 s of
// signal, through WriteWait), "realtime" paces blocks at
// 25 ms (one op = one block; use -benchtime=400x for 10 s).
func BenchmarkWriter(b *testing.B) {
	const (
		channels = 16
		rate     = 2000
		blockLen = 50
	)
	setup := func(b *testing.B) (string, *DB, *Writer, *acquisition.Block) {
		path := filepath.Join(b.TempDir(), "db")
		db := mustOpenPath(b, path)
		s := mustCreateSession(b, db, &storage.Session{Channels: channels, RateHz: rate})
		w, err := NewWriter(db, s.ID, WriterConfig{BlockLen: blockLen})
		if err != nil {
			b.Fatal(err)
		}
		blk := acquisition.NewBlock(channels, blockLen)
		rng := rand.New(rand.NewPCG(1, 1))
		for i := range blk.Raw {
			blk.Raw[i] = int32(rng.NormFloat64() * 2000) // ~45 µV rms at 0.0224 µV/count
		}
		blk.Len = blockLen
		return path, db, w, blk
	}
	// report closes the writer (committing everything queued, which counts
	// in the CPU time) and the database, then reports the metrics.
	report := func(b *testing.B, path string, db *DB, w *Writer, samples uint64, cpu0 time.Duration, signal time.Duration) {
		if err := w.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		cpu := cpuTime(b) - cpu0
		b.StopTimer()
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(cpu.Seconds()/signal.Seconds(), "cpu-s/signal-s")
		b.ReportMetric(float64(fileSize(b, path))/float64(samples*channels*4), "file-B/raw-B")
	}

	b.Run("unpaced", func(b *testing.B) {
		ctx := context.Background()
		path, db, w, blk := setup(b)
		var start uint64
		b.ReportAllocs()
		cpu0 := cpuTime(b)
		for b.Loop() {
			for range rate / blockLen {
				blk.Start = start
				if err := w.WriteWait(ctx, blk); err != nil {
					b.Fatal(err)
				}
				start += blockLen
			}
		}
		report(b, path, db, w, start, cpu0, time.Duration(start)*time.Second/rate)
	})

	b.Run("realtime", func(b *testing.B) {
		path, db, w, blk := setup(b)
		var start uint64
		period := time.Second * blockLen / rate
		t := time.NewTicker(period)
		defer t.Stop()
		cpu0 := cpuTime(b)
		wall0 := time.Now()
		for b.Loop() {
			<-t.C
			blk.Start = start
			if err := w.Write(blk); err != nil {
				b.Fatal(err)
			}
			start += blockLen
		}
		wall := time.Since(wall0)
		report(b, path, db, w, start, cpu0, wall)
	})
}
