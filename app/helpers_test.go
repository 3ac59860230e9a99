package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"myorehab/acquisition/cyton"
	"myorehab/acquisition/serialport"
	"myorehab/acquisition/sim"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// syncBuffer is a bytes.Buffer safe for one writer and later readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServices opens a real SQLite file in a temporary folder and builds
// the services on it, logging into logBuf.
func testServices(t *testing.T) (*Services, *syncBuffer) {
	t.Helper()
	return testServicesAt(t, filepath.Join(t.TempDir(), "myorehab.db"))
}

// testServicesAt is testServices on the database file at path.
func testServicesAt(t *testing.T, path string) (*Services, *syncBuffer) {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	logBuf := &syncBuffer{}
	svc := NewServices(t.Context(), slog.New(slog.NewTextHandler(logBuf, nil)), db)
	t.Cleanup(func() { svc.Close() })
	return svc, logBuf
}

func testPatient(t *testing.T, svc *Services, code string) *storage.Patient {
	t.Helper()
	p := &storage.Patient{Code: code, Name: "Test " + code}
	if err := svc.DB.CreatePatient(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// emulateCyton runs the Cyton emulator on path for seconds (0: until ctx
// ends), fed by the simulator, and returns a channel that delivers the
// number of samples sent, and the dump of the clean counts. An emulator
// error fails the test unless ctx is done or portMayVanish is set.
func emulateCyton(t *testing.T, ctx context.Context, path string, seconds float64, portMayVanish bool) (<-chan int, *syncBuffer) {
	t.Helper()
	port, err := serialport.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	cfg.Channels, cfg.RateHz, cfg.Seed = cyton.Channels, 250, 7
	gen, err := sim.NewSimulator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dump := &syncBuffer{}
	sent := make(chan int, 1)
	go func() {
		n, err := cyton.RunEmulator(ctx, port, cyton.EmulatorConfig{Generator: gen, RateHz: 250, Seconds: seconds, Dump: dump})
		port.Close()
		if err != nil && ctx.Err() == nil && !portMayVanish {
			t.Errorf("emulator: %v", err)
		}
		sent <- n
	}()
	return sent, dump
}

// parseDump reads the emulator's dump CSV: sample index → counts.
func parseDump(t *testing.T, r io.Reader) map[uint64][]int32 {
	t.Helper()
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[uint64][]int32, len(rows))
	for _, row := range rows[1:] {
		idx, err := strconv.ParseUint(row[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		v := make([]int32, len(row)-1)
		for i, f := range row[1:] {
			n, err := strconv.ParseInt(f, 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			v[i] = int32(n)
		}
		out[idx] = v
	}
	return out
}

// storedSamples reads a session's raw counts: sample index → counts.
func storedSamples(t *testing.T, db *sqlite.DB, id int64) map[uint64][]int32 {
	t.Helper()
	out := map[uint64][]int32{}
	err := db.ReadSamples(context.Background(), id, func(start uint64, chans [][]int32) error {
		for i := range chans[0] {
			v := make([]int32, len(chans))
			for c := range chans {
				v[c] = chans[c][i]
			}
			out[start+uint64(i)] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lastJSON decodes the last line of out into v.
func lastJSON(t *testing.T, out string, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// openDB opens the database file at path for the test's checks.
func openDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
