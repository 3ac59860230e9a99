package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition/serialport/ptytest"
)

// TestSerialProtocolsThroughCLI runs, for every serial protocol, `emulate`
// on one end of a socat pty pair and `record` on the other for 5 s of
// streaming, then `export --raw`: every exported sample must equal what the
// emulator dumped, none lost, none corrupt.
func TestSerialProtocolsThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("5 s real-time serial streams; skipped with -short")
	}
	for _, test := range []struct {
		protocol string
		rateHz   float64
		channels int
	}{
		{"cyton", 250, 8},
		{"cyton-daisy", 125, 16},
		{"bitalino", 1000, 6},
		{"ascii", 500, 2},
		{"p2", 256, 6},
	} {
		t.Run(test.protocol, func(t *testing.T) {
			t.Parallel()
			pipe := ptytest.Pair(t)
			dir := t.TempDir()
			dumpPath, db, csvPath := filepath.Join(dir, "dump.csv"), filepath.Join(dir, "rec.db"), filepath.Join(dir, "out.csv")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			emuOut := &syncBuffer{}
			emuErr := make(chan error, 1)
			go func() {
				emuErr <- Run(ctx, []string{"emulate", "--protocol", test.protocol, "--port", pipe.A,
					"--seconds", "5", "--dump", dumpPath, "--json"}, emuOut, emuOut)
			}()
			var recOut, recErr strings.Builder
			if err := Run(ctx, []string{"record", "--protocol", test.protocol, "--port", pipe.B,
				"--seconds", "7.5", "--db", db, "--json"}, &recOut, &recErr); err != nil {
				t.Fatalf("record: %v\n%s", err, recErr.String())
			}
			select {
			case err := <-emuErr:
				if err != nil {
					t.Fatalf("emulate: %v\n%s", err, emuOut.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("emulator still running after the recording")
			}
			var emu struct {
				SamplesSent int `json:"samples_sent"`
			}
			lastJSON(t, emuOut.String(), &emu)
			if want := int(5 * test.rateHz); emu.SamplesSent != want {
				t.Fatalf("emulator sent %d samples, want %d", emu.SamplesSent, want)
			}
			var rec recordResult
			lastJSON(t, recOut.String(), &rec)
			if rec.Samples != int64(emu.SamplesSent) || rec.Lost != 0 || rec.CorruptPackets != 0 || rec.Dropped != 0 || rec.RateHz != test.rateHz {
				t.Fatalf("record %+v, emulator sent %d", rec, emu.SamplesSent)
			}
			var expOut strings.Builder
			if err := Run(ctx, []string{"export", "--db", db, "--session", strconv.FormatInt(rec.SessionID, 10),
				"--format", "csv", "--raw", "--out", csvPath}, &expOut, &expOut); err != nil {
				t.Fatalf("export: %v\n%s", err, expOut.String())
			}
			f, err := os.Open(dumpPath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want := parseDump(t, f)
			exported, err := os.ReadFile(csvPath)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(exported)), "\n")
			if len(lines)-1 != len(want) {
				t.Fatalf("exported %d samples, emulator dumped %d", len(lines)-1, len(want))
			}
			for _, line := range lines[1:] {
				fields := strings.Split(line, ",")
				idx, err := strconv.ParseUint(fields[0], 10, 64)
				if err != nil || len(fields) != 2+test.channels {
					t.Fatalf("export line %q", line)
				}
				got := make([]int32, test.channels)
				for c := range got {
					v, err := strconv.ParseInt(fields[2+c], 10, 32)
					if err != nil {
						t.Fatalf("export line %q: %v", line, err)
					}
					got[c] = int32(v)
				}
				if w, ok := want[idx]; !ok || !slices.Equal(got, w) {
					t.Fatalf("sample %d: exported %v, emulated %v", idx, got, w)
				}
			}
		})
	}
}
