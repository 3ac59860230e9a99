package app

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"myorehab/storage"
	"myorehab/storage/edf"
	"myorehab/storage/sqlite"
)

// newTestDB creates an empty database file and returns its path.
func newTestDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "emg.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportExportEDF3DC imports a real 3DC EDF+ file, exports the session
// as EDF+ and BDF+ and checks with the edf reader that every sample and all
// 44 annotations (onset, duration, text) are equal.
func TestImportExportEDF3DC(t *testing.T) {
	in := filepath.Join(sharedDir(t, filepath.Join("data", "3dc-gestures")), "P01_train.edf")
	dbPath := newTestDB(t)
	var res importResult
	runCLI(t, &res, "import", "--db", dbPath, "--patient", "P01", in)
	if res.Samples != 211000 || res.Channels != 10 || res.RateHz != 1000 || res.Annotations != 44 {
		t.Fatalf("import: %+v, want 211000 samples, 10 channels, 1000 Hz, 44 annotations", res)
	}
	orig, err := edf.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"edf", "bdf"} {
		out := filepath.Join(t.TempDir(), "P01."+format)
		runCLI(t, nil, "export", "--db", dbPath, "--session", fmt.Sprint(res.SessionID), "--format", format, "--out", out)
		got, err := edf.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format.String() != strings.ToUpper(format) || !got.Plus {
			t.Errorf("%s: format %v plus %v", format, got.Format, got.Plus)
		}
		if len(got.Signals) != 11 {
			t.Fatalf("%s: %d signals, want 11", format, len(got.Signals))
		}
		for c := range 10 {
			if got.Signals[c].Label != orig.Signals[c].Label || got.SampleRateHz(c) != 1000 {
				t.Errorf("%s signal %d: %q at %v Hz", format, c, got.Signals[c].Label, got.SampleRateHz(c))
			}
			if !slices.Equal(got.Samples[c], orig.Samples[c]) {
				t.Fatalf("%s signal %d: samples differ", format, c)
			}
			s := got.Signals[c]
			if v := float64(orig.Samples[c][1000])*s.Scale() + s.Offset(); math.Abs(v-float64(orig.Samples[c][1000])) > 1e-6 {
				t.Errorf("%s signal %d: physical %v for count %d (adu imported as 1 µV per count)", format, c, v, orig.Samples[c][1000])
			}
		}
		if !slices.Equal(got.Annotations, orig.Annotations) {
			t.Errorf("%s: annotations differ:\n got %v\nwant %v", format, got.Annotations, orig.Annotations)
		}
		if got.Patient != "P01 X X X" {
			t.Errorf("%s: patient field %q", format, got.Patient)
		}
	}
}

// TestExportEDFGapsAndNarrowing exports a 24-bit session with a gap as EDF+
// (narrowed to ±10 mV, clipped) and BDF+ (exact), with and without
// de-identification.
func TestExportEDFGapsAndNarrowing(t *testing.T) {
	ctx := context.Background()
	dbPath := newTestDB(t)
	db, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	p := &storage.Patient{Code: "C-9", Name: "Ann Smith", Sex: "F", BirthDate: "1960-04-30"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	const scale = 0.02235174445530706 // Cyton µV per count
	s := &storage.Session{PatientID: p.ID, RateHz: 250, Channels: 2, Labels: []string{"FDS", "EDC"},
		ScaleUV: []float64{scale, scale}, ResolutionBits: 24, Device: "OpenBCI Cyton",
		StartedAt: time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	// Samples 0…299, then a gap of 100 samples, then 400…649.
	mk := func(n, base int) []int32 {
		raw := make([]int32, 2*n)
		for i := range n {
			raw[i] = int32((base + i) * 1000)   // ch 1: up to 649000 counts = 14.5 mV: clipped above 10 mV
			raw[n+i] = int32(-(base + i) * 100) // ch 2: within range
		}
		return raw
	}
	if err := db.AppendChunk(ctx, s.ID, 0, 2, mk(300, 0)); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendChunk(ctx, s.ID, 400, 2, mk(250, 400)); err != nil {
		t.Fatal(err)
	}
	for _, a := range []storage.Annotation{
		{Sample: 50, Duration: 100, Kind: "label", Text: "grip"},
		{Sample: 350, Kind: "cue", Text: "in the gap"},
		{Sample: 500, Duration: 25, Kind: "label", Text: "open"},
	} {
		a.SessionID = s.ID
		if err := db.AddAnnotation(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	id := fmt.Sprint(s.ID)

	bdfPath := filepath.Join(t.TempDir(), "s.bdf")
	runCLI(t, nil, "export", "--db", dbPath, "--session", id, "--format", "bdf", "--out", bdfPath)
	b, err := edf.ReadFile(bdfPath)
	if err != nil {
		t.Fatal(err)
	}
	want := append(mk(300, 0)[:300], mk(250, 400)[:250]...)
	if !slices.Equal(b.Samples[0][:550], want) {
		t.Errorf("BDF channel 1 counts differ from the stored ones (gap removed)")
	}
	if got := b.Patient; got != "C-9 F 30-APR-1960 Ann_Smith" {
		t.Errorf("patient field %q", got)
	}
	if got := b.Signals[0].Label; got != "EMG FDS" {
		t.Errorf("label %q", got)
	}
	if sc := b.Signals[0].Scale(); math.Abs(sc-scale) > 1e-6*scale || b.Signals[0].PhysicalDim != "uV" {
		t.Errorf("scale %v %s, want %v uV", sc, b.Signals[0].PhysicalDim, scale)
	}
	wantAnns := []edf.Annotation{
		{Onset: 0.2, Duration: 0.4, Text: "grip"},
		{Onset: 1.2, Text: "gap: 100 samples lost"},
		{Onset: 1.2, Text: "cue: in the gap"},
		{Onset: 1.6, Duration: 0.1, Text: "open"},
	}
	if !slices.Equal(b.Annotations, wantAnns) {
		t.Errorf("BDF annotations\n got %+v\nwant %+v", b.Annotations, wantAnns)
	}

	edfPath := filepath.Join(t.TempDir(), "s.edf")
	out := runCLI(t, nil, "export", "--db", dbPath, "--session", id, "--format", "edf", "--deidentify", "--out", edfPath)
	e, err := edf.ReadFile(edfPath)
	if err != nil {
		t.Fatal(err)
	}
	if e.Patient != "C-9 X X X" {
		t.Errorf("de-identified patient field %q", e.Patient)
	}
	sig := e.Signals[0]
	if sig.PhysicalMin != -10000 || sig.PhysicalMax != 10000 || sig.DigitalMax != 32767 {
		t.Errorf("narrowed signal %+v, want ±10000 uV over 16 bits", sig)
	}
	clipped := 0
	for i, v := range want {
		uv := float64(v) * scale
		got := float64(e.Samples[0][i])*sig.Scale() + sig.Offset()
		if math.Abs(uv) > 10000 {
			clipped++
			if e.Samples[0][i] != 32767 {
				t.Fatalf("sample %d (%v µV) = %d counts, want clipped to 32767", i, uv, e.Samples[0][i])
			}
		} else if math.Abs(got-uv) > sig.Scale()/2+1e-9 {
			t.Fatalf("sample %d: %v µV, want %v within half a step", i, got, uv)
		}
	}
	if clipped == 0 || !strings.Contains(out, fmt.Sprintf("%d samples clipped", clipped)) {
		t.Errorf("export output %q does not report the %d clipped samples", out, clipped)
	}
	found := false
	for _, a := range e.Annotations {
		found = found || strings.HasPrefix(a.Text, fmt.Sprintf("clipped: %d samples", clipped))
	}
	if !found {
		t.Errorf("no clipping annotation in %+v", e.Annotations)
	}
}

// TestReadRecordingEDF checks EDF input for the analysis commands: rate,
// labels, physical units and trimmed padding.
func TestReadRecordingEDF(t *testing.T) {
	dir := sharedDir(t, filepath.Join("data", "physionet-emgdb"))
	rec, err := readRecording(filepath.Join(dir, "emg_healthy.edf"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if rec.RateHz != 4000 || len(rec.Channels) != 1 || rec.Labels[0] != "EMG TA" {
		t.Fatalf("%v Hz, labels %q", rec.RateHz, rec.Labels)
	}
	// README: 50 860 valid samples, physical = count / 10000 mV.
	if rec.Len() != 50860 {
		t.Errorf("%d samples after trimming the padding, want 50860", rec.Len())
	}
	f, err := edf.ReadFile(filepath.Join(dir, "emg_healthy.edf"))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range rec.Channels[0] {
		if want := float64(f.Samples[0][i]) / 10000; math.Abs(v-want) > 1e-12 {
			t.Fatalf("sample %d: %v mV, want %v", i, v, want)
		}
	}
}

// TestReadRecordingEDFMixedRates checks the error for signals at two rates.
func TestReadRecordingEDFMixedRates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mixed.edf")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	sig := edf.Signal{Label: "EMG a", PhysicalMin: -1, PhysicalMax: 1, DigitalMin: -100, DigitalMax: 100}
	w, err := edf.NewWriter(fh, edf.WriterConfig{RateHz: 10, Signals: []edf.Signal{sig, sig}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([][]int32{make([]int32, 30), make([]int32, 30)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Signal 2: 5 samples per record instead of 10 (records shrink; the
	// file stays long enough).
	if _, err := fh.WriteAt([]byte("5       "), 256+216*3+8); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	_, err = readRecording(path, 0)
	if err == nil || !strings.Contains(err.Error(), "all signals must share one rate") {
		t.Errorf("error %v, want a mixed-rate error", err)
	}
}
