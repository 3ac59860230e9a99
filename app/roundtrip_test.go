package app

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"myorehab/storage/edf"
)

// TestRecordedSessionEDFBDFMatchCSV: a session recorded from the simulator
// (24-bit counts), exported through the command line as EDF+, BDF+ and CSV:
// the EDF+ and BDF+ files read back equal the CSV export (µV) within one
// quantisation step of each file.
func TestRecordedSessionEDFBDFMatchCSV(t *testing.T) {
	svc, _ := testServices(t)
	p := testPatient(t, svc, "P-RT")
	s := recordSim(t, svc, p, 1500)
	dbPath := svc.DB.Path
	svc.Close()

	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	id := strconv.FormatInt(s.ID, 10)
	for _, f := range []string{"csv", "edf", "bdf"} {
		runCLI(t, nil, "export", "--db", dbPath, "--session", id, "--format", f, "--out", out("s."+f))
	}
	want := readCSVColumns(t, out("s.csv")) // sample, t_s, then µV per channel
	if len(want)-2 != 8 || int64(len(want[0])) != s.Samples {
		t.Fatalf("CSV export: %d columns, %d rows", len(want), len(want[0]))
	}
	for _, name := range []string{"s.edf", "s.bdf"} {
		f, err := edf.ReadFile(out(name))
		if err != nil {
			t.Fatal(err)
		}
		ch := 0
		for i := range f.Signals {
			sig := &f.Signals[i]
			if sig.IsAnnotation() {
				continue
			}
			uv, ok := edf.UnitUV(sig.PhysicalDim)
			if !ok {
				t.Fatalf("%s: signal %q in %q", name, sig.Label, sig.PhysicalDim)
			}
			step := math.Abs(sig.Scale()) * uv
			for k, v := range want[2+ch] {
				got := (float64(f.Samples[i][k])*sig.Scale() + sig.Offset()) * uv
				if math.Abs(got-v) > step*(1+1e-9) {
					t.Fatalf("%s ch %d sample %d: %v µV, CSV %v µV (step %v)", name, ch, k, got, v, step)
				}
			}
			ch++
		}
		if ch != 8 {
			t.Fatalf("%s: %d signals", name, ch)
		}
	}
}

// readCSVColumns reads a CSV with one header line into columns.
func readCSVColumns(t *testing.T, path string) [][]float64 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := make([][]float64, len(rows[0]))
	for _, r := range rows[1:] {
		for j, f := range r {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			cols[j] = append(cols[j], v)
		}
	}
	return cols
}
