package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"myorehab/storage"
	"myorehab/storage/edf"
	"myorehab/storage/sqlite"
	xfer "myorehab/storage/transfer"
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
// as EDF+ and BDF+ and checks with the edf reader that every sample (the
// padding of the last record included, which the export repeats as the
// original did), each channel's unit and all 44 annotations (onset,
// duration, text) are equal; the export adds the end marker.
func TestImportExportEDF3DC(t *testing.T) {
	in := filepath.Join(sharedDir(t, filepath.Join("data", "3dc-gestures")), "P01_train.edf")
	dbPath := newTestDB(t)
	var res importResult
	runCLI(t, &res, "import", "--db", dbPath, "--patient", "P01", in)
	// 210 687 valid samples (../shared/data/3dc-gestures/README.md): the
	// padding of the last data record is not imported.
	if res.Samples != 210687 || res.Channels != 10 || res.RateHz != 1000 || res.Annotations != 44 {
		t.Fatalf("import: %+v, want 210687 samples, 10 channels, 1000 Hz, 44 annotations", res)
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
		// Our export marks where the samples end, after the 44 of the file.
		want := append(slices.Clone(orig.Annotations), edf.Annotation{Onset: 210.687, Text: xfer.EndMarker})
		if got.Signals[0].PhysicalDim != "adu" {
			t.Errorf("%s: unit %q, want adu as in the file", format, got.Signals[0].PhysicalDim)
		}
		if !slices.Equal(got.Annotations, want) {
			t.Errorf("%s: annotations differ:\n got %v\nwant %v", format, got.Annotations, want)
		}
		if got.Patient != "P01 X X X" {
			t.Errorf("%s: patient field %q", format, got.Patient)
		}
	}
}

// TestImportCLI: import creates a missing database (as record does),
// notes on stderr that the file names another patient, and refuses a file
// that is not EDF with a sentence naming it (exit status 1).
func TestImportCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.edf")
	fh, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	sig := edf.Signal{Label: "EMG a", PhysicalDim: "uV", PhysicalMin: -100, PhysicalMax: 100, DigitalMin: -100, DigitalMax: 100}
	w, err := edf.NewWriter(fh, edf.WriterConfig{RateHz: 10, Signals: []edf.Signal{sig}, Patient: edf.PatientID{Code: "P03"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([][]int32{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	dbPath := filepath.Join(dir, "new", "emg.db")
	var stdout, stderr bytes.Buffer
	if err := Run(ctx, []string{"import", "--db", dbPath, "--patient", "P01", in}, &stdout, &stderr); err != nil {
		t.Fatalf("import into a new database: %v (stderr %q)", err, stderr.String())
	}
	if want := `{"session_id":1,"samples":12,"channels":1,"rate_hz":10,"annotations":0}` + "\n"; stdout.String() != want {
		t.Errorf("printed %q, want %q", stdout.String(), want)
	}
	if want := "note: the file names patient \"P03\", not \"P01\"; imported for P01 as asked\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	text := filepath.Join(dir, "notes.edf")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a recording\n", 20)), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Run(ctx, []string{"import", "--db", dbPath, "--patient", "P01", text}, &stdout, &stderr)
	if ExitCode(err) != 1 || !strings.HasPrefix(err.Error(), "notes.edf is not an EDF+ or BDF+ recording (") {
		t.Errorf("text file: %v (exit %d)", err, ExitCode(err))
	}
}

// TestExportCLI checks what `myorehab export` prints and its exit status
// (the export itself is tested in storage/transfer): a 24-bit session
// exported as EDF+ reports the samples it clipped, CSV and BDF+ report none;
// an unknown format is a usage error and a missing session an error.
func TestExportCLI(t *testing.T) {
	ctx := context.Background()
	dbPath := newTestDB(t)
	db, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	p := &storage.Patient{Code: "C-9"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	const scale = 0.02235174445530706 // Cyton µV per count
	s := &storage.Session{PatientID: p.ID, RateHz: 250, Channels: 1, ScaleUV: []float64{scale}, ResolutionBits: 24}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	raw := make([]int32, 500)
	for i := range raw {
		raw[i] = int32(i * 1000) // above 10 mV (447 404 counts) from sample 448: 52 clipped in EDF
	}
	if err := db.AppendChunk(ctx, s.ID, 0, 1, raw); err != nil {
		t.Fatal(err)
	}
	db.Close()
	id := fmt.Sprint(s.ID)
	dir := t.TempDir()
	for _, test := range []struct{ format, suffix string }{
		{"edf", " (52 samples clipped, noted in an annotation)"},
		{"bdf", ""},
		{"csv", ""},
	} {
		out := filepath.Join(dir, "s."+test.format)
		got := runCLI(t, nil, "export", "--db", dbPath, "--session", id, "--format", test.format, "--out", out)
		if want := fmt.Sprintf("exported 500 samples of session %s to %s%s\n", id, out, test.suffix); got != want {
			t.Errorf("%s: printed %q, want %q", test.format, got, want)
		}
	}
	var stdout, stderr bytes.Buffer
	err = Run(ctx, []string{"export", "--db", dbPath, "--session", id, "--format", "wav", "--out", filepath.Join(dir, "s.wav")}, &stdout, &stderr)
	if ExitCode(err) != 2 || err.Error() != `unknown export format "wav" (csv, edf or bdf)` {
		t.Errorf("wav: %v (exit %d)", err, ExitCode(err))
	}
	err = Run(ctx, []string{"export", "--db", dbPath, "--session", "99", "--format", "edf", "--out", filepath.Join(dir, "x.edf")}, &stdout, &stderr)
	if ExitCode(err) != 1 || !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("missing session: %v (exit %d)", err, ExitCode(err))
	}
	if stdout.Len() != 0 {
		t.Errorf("failed exports printed %q", stdout.String())
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
