package transfer

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"myorehab/storage"
	"myorehab/storage/edf"
	"myorehab/storage/sqlite"
)

// openDB opens a new database in a temporary folder.
func openDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// memFile is an in-memory io.WriteSeeker.
type memFile struct {
	buf []byte
	pos int64
}

func (m *memFile) Write(p []byte) (int, error) {
	if end := m.pos + int64(len(p)); end > int64(len(m.buf)) {
		m.buf = append(m.buf, make([]byte, end-int64(len(m.buf)))...)
	}
	copy(m.buf[m.pos:], p)
	m.pos += int64(len(p))
	return len(p), nil
}

func (m *memFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		m.pos = off
	case io.SeekCurrent:
		m.pos += off
	case io.SeekEnd:
		m.pos = int64(len(m.buf)) + off
	}
	return m.pos, nil
}

// edfBytes writes an EDF+C/BDF+C file of the planar counts chans.
func edfBytes(tb testing.TB, cfg edf.WriterConfig, chans [][]int32, anns []edf.Annotation) []byte {
	tb.Helper()
	m := &memFile{}
	w, err := edf.NewWriter(m, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range anns {
		if err := w.Annotate(a); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Write(chans); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return m.buf
}

// writeFile writes b to name in a temporary folder and returns the path.
func writeFile(tb testing.TB, name string, b []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// signals returns n signals over format's digital range at scale per count
// in dim.
func signals(n int, format edf.Format, scale float64, dim string) []edf.Signal {
	lo, hi := format.DigitalRange()
	s := make([]edf.Signal, n)
	for i := range s {
		s[i] = edf.Signal{Label: "EMG " + string(rune('A'+i)), PhysicalDim: dim,
			PhysicalMin: float64(lo) * scale, PhysicalMax: float64(hi) * scale, DigitalMin: lo, DigitalMax: hi}
	}
	return s
}

// ramp returns ch channels of n counts: channel c, sample i is
// (c+1)·(i+1)·step, so no channel repeats its final value.
func ramp(ch, n int, step int32) [][]int32 {
	x := make([][]int32, ch)
	for c := range x {
		x[c] = make([]int32, n)
		for i := range x[c] {
			x[c][i] = int32(c+1) * int32(i+1) * step
		}
	}
	return x
}

// storedSamples returns a session's counts as [sample][channel] with the
// sample index of the first one; gaps are not allowed.
func storedSamples(tb testing.TB, db storage.Store, id int64) [][]int32 {
	tb.Helper()
	var out [][]int32
	err := db.ReadSamples(context.Background(), id, func(start uint64, chans [][]int32) error {
		if start != uint64(len(out)) {
			tb.Fatalf("session %d: chunk at %d after %d samples", id, start, len(out))
		}
		for i := range chans[0] {
			row := make([]int32, len(chans))
			for c := range chans {
				row[c] = chans[c][i]
			}
			out = append(out, row)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// newSession creates a patient and a 24-bit session with scale µV per
// count, 2 channels at 250 Hz.
func newSession(tb testing.TB, db storage.Store, scale float64) *storage.Session {
	tb.Helper()
	ctx := context.Background()
	p := &storage.Patient{Code: "C-9", Name: "Ann Smith", Sex: "F", BirthDate: "1960-04-30"}
	if err := db.CreatePatient(ctx, p); err != nil {
		tb.Fatal(err)
	}
	s := &storage.Session{PatientID: p.ID, RateHz: 250, Channels: 2, Labels: []string{"FDS", "EDC"},
		ScaleUV: []float64{scale, scale}, ResolutionBits: 24, Device: "OpenBCI Cyton",
		StartedAt: time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)}
	if err := db.CreateSession(ctx, s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// monotone returns a progress function that fails the test when the
// fraction decreases or leaves [0, 1], and a function returning the last
// fraction reported (−1: none).
func monotone(tb testing.TB) (func(float64), func() float64) {
	last := -1.0
	return func(f float64) {
			if f < last || f < 0 || f > 1 {
				tb.Errorf("progress %v after %v", f, last)
			}
			last = f
		}, func() float64 {
			return last
		}
}
