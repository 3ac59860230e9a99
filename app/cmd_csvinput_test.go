package app

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// TestAnalysisReadsOwnCSVExport: the analysis commands read the app's CSV
// export: its sample and t_s columns are not channels and t_s gives the
// rate (here 250 Hz, not the --fs default of 1000 Hz), across a gap.
func TestAnalysisReadsOwnCSVExport(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "db")
	db, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := &storage.Session{RateHz: 250, Channels: 2, Labels: []string{"FDS", "EDC"}, ScaleUV: []float64{0.5, 0.5}}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	// 4 s of a 50 Hz and an 80 Hz sine, stored as two chunks with a
	// 25-sample gap between them.
	chunk := func(start, n int) []int32 {
		raw := make([]int32, 2*n)
		for i := range n {
			ts := float64(start+i) / 250
			raw[i] = int32(1000 * math.Sin(2*math.Pi*50*ts))
			raw[n+i] = int32(1000 * math.Sin(2*math.Pi*80*ts))
		}
		return raw
	}
	if err := db.AppendChunk(ctx, s.ID, 0, 2, chunk(0, 500)); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendChunk(ctx, s.ID, 525, 2, chunk(525, 500)); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSession(ctx, s.ID, storage.StatusCompleted, s.StartedAt, storage.SessionCounts{Samples: 1000, Lost: 25}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	csvPath := filepath.Join(dir, "s.csv")
	runCLI(t, nil, "export", "--db", dbPath, "--session", "1", "--format", "csv", "--out", csvPath)
	var spec struct {
		Channels []struct {
			MDF float64 `json:"mdf_hz"`
		} `json:"channels"`
	}
	runCLI(t, &spec, "spectrum", "--in", csvPath, "--out", filepath.Join(dir, "psd.csv"), "--nperseg", "250", "--json")
	if len(spec.Channels) != 2 {
		t.Fatalf("%d channels, want 2 (sample and t_s are not channels)", len(spec.Channels))
	}
	for c, want := range []float64{50, 80} {
		if math.Abs(spec.Channels[c].MDF-want) > 2 {
			t.Errorf("channel %d: median frequency %.1f Hz, want %g (the rate comes from t_s)", c, spec.Channels[c].MDF, want)
		}
	}
	header, _ := readCSVFile(t, filepath.Join(dir, "psd.csv"))
	if len(header) != 3 || header[1] != "FDS" || header[2] != "EDC" {
		t.Errorf("PSD header %q", header)
	}
}

// FuzzReadCSVExport: a file with the export's header either reads as
// channels at a positive finite rate or is refused; never a panic.
func FuzzReadCSVExport(f *testing.F) {
	f.Add("sample,t_s,FDS\n0,0,1.5\n1,0.004,2\n2,0.008,3\n")
	f.Add("sample,t_s,FDS\n0,0,1\n")
	f.Add("sample,t_s\n0,0\n1,1\n")
	f.Add("sample,t_s,A\n5,1,1\n3,0.5,2\n")
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		rec, err := readCSVRecording(path, 1000)
		if err != nil {
			return
		}
		if !(rec.RateHz > 0) || math.IsInf(rec.RateHz, 0) || len(rec.Labels) != len(rec.Channels) {
			t.Fatalf("rate %v, %d labels for %d channels", rec.RateHz, len(rec.Labels), len(rec.Channels))
		}
		for _, l := range rec.Labels {
			if l == "sample" || l == "t_s" {
				t.Fatalf("column %q read as a channel", l)
			}
		}
	})
}
