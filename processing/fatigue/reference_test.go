package fatigue

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// refRow is one row of a McKiernan reference CSV, by column name.
type refRow map[string]string

func (r refRow) f(t testing.TB, col string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(r[col], 64)
	if err != nil {
		t.Fatalf("column %s: %v", col, err)
	}
	return v
}

func readRef(t testing.TB, path string) []refRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []refRow
	for _, rec := range recs[1:] {
		r := refRow{}
		for i, h := range recs[0] {
			r[h] = rec[i]
		}
		rows = append(rows, r)
	}
	return rows
}

// analyzeFile runs Analyze with the reference recipe (README of
// mckiernan-sustained: 1 s windows, nperseg fs/5, noverlap fs/10,
// 20–450 Hz, raw samples) on one WAV original.
func analyzeFile(t testing.TB, dir, file string) []Result {
	t.Helper()
	fs, x, err := readWAV(filepath.Join(dir, strings.TrimSuffix(file, ".wav")+".wav"))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	res, err := Analyze(DefaultConfig(fs), x)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestReferenceWindows checks every window's MDF, MNF (1e-6 Hz) and RMS
// (1e-9 relative) against mdf_reference.csv (scipy 1.10.1 Welch).
func TestReferenceWindows(t *testing.T) {
	dir := mckiernanDir(t)
	rows := readRef(t, filepath.Join(dir, "mdf_reference.csv"))
	cache := map[string][]Result{}
	checked := 0
	for _, r := range rows {
		res, ok := cache[r["file"]]
		if !ok {
			res = analyzeFile(t, dir, r["file"])
			cache[r["file"]] = res
		}
		c, k := int(r.f(t, "channel")), int(r.f(t, "window"))
		if k >= len(res[c].Windows) {
			t.Fatalf("%s ch%d: window %d missing (have %d)", r["file"], c, k, len(res[c].Windows))
		}
		w := res[c].Windows[k]
		if d := math.Abs(w.TStartS - r.f(t, "t_start_s")); d > 1e-12 {
			t.Errorf("%s ch%d w%d: t_start %v, want %v", r["file"], c, k, w.TStartS, r.f(t, "t_start_s"))
		}
		if d := math.Abs(w.MDFHz - r.f(t, "mdf_hz")); !(d <= 1e-6) {
			t.Errorf("%s ch%d w%d: MDF %v, want %v", r["file"], c, k, w.MDFHz, r.f(t, "mdf_hz"))
		}
		if d := math.Abs(w.MNFHz - r.f(t, "mnf_hz")); !(d <= 1e-6) {
			t.Errorf("%s ch%d w%d: MNF %v, want %v", r["file"], c, k, w.MNFHz, r.f(t, "mnf_hz"))
		}
		if ref := r.f(t, "rms_adu"); !(math.Abs(w.RMS-ref) <= 1e-9*ref) {
			t.Errorf("%s ch%d w%d: RMS %v, want %v", r["file"], c, k, w.RMS, ref)
		}
		checked++
	}
	total := 0
	for _, res := range cache {
		for _, r := range res {
			total += len(r.Windows)
		}
	}
	if checked != total {
		t.Errorf("reference has %d windows, Analyze produced %d", checked, total)
	}
}

// TestReferenceSlopes checks the all-window MDF slope and intercept of
// every channel against mdf_slope_reference.csv within 1e-6 Hz/s (Hz), and
// the fatigue flag: S8 (both channels) and S6 fatigued; S9 and the S10
// recordings (relaxing, mostly rest) not.
func TestReferenceSlopes(t *testing.T) {
	dir := mckiernanDir(t)
	for _, r := range readRef(t, filepath.Join(dir, "mdf_slope_reference.csv")) {
		res := analyzeFile(t, dir, r["file"])
		c := int(r.f(t, "channel"))
		s := res[c].Summary
		if s.Windows != int(r.f(t, "n_windows")) {
			t.Errorf("%s ch%d: %d windows, want %s", r["file"], c, s.Windows, r["n_windows"])
		}
		if d := math.Abs(s.SlopeHzPerS - r.f(t, "slope_hz_per_s")); !(d <= 1e-6) {
			t.Errorf("%s ch%d: slope %v Hz/s, want %v", r["file"], c, s.SlopeHzPerS, r["slope_hz_per_s"])
		}
		if d := math.Abs(s.InterceptHz - r.f(t, "intercept_hz")); !(d <= 1e-6) {
			t.Errorf("%s ch%d: intercept %v Hz, want %v", r["file"], c, s.InterceptHz, r["intercept_hz"])
		}
		want := strings.HasPrefix(r["file"], "S8_") || strings.HasPrefix(r["file"], "S6_")
		t.Logf("%s ch%d: active %d/%d, noise %.1f, active slope %.3f Hz/s (t %.1f, %.2f %%/s), decline %.1f %%, fatigued %v",
			r["file"], c, s.ActiveWindows, s.Windows, s.NoiseRMS, s.ActiveSlopeHzPerS, s.ActiveSlopeT,
			100*s.ActiveSlopeHzPerS/s.BaselineMDFHz, s.DeclinePct, s.Fatigued)
		if s.Fatigued != want {
			t.Errorf("%s ch%d: fatigued = %v, want %v", r["file"], c, s.Fatigued, want)
		}
	}
}
