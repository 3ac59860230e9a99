package transfer

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
	"time"

	"myorehab/storage"
	"myorehab/storage/edf"
)

// importFile reads path and imports it for a new patient.
func importFile(t *testing.T, db storage.Store, path string, progress func(float64)) (ImportResult, *Recording) {
	t.Helper()
	ctx := context.Background()
	rec, err := ReadRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	p := &storage.Patient{Code: fmt.Sprintf("P-%d", time.Now().UnixNano())}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	res, err := Import(ctx, db, p.ID, rec, progress)
	if err != nil {
		t.Fatal(err)
	}
	return res, rec
}

// TestImportExportRoundTrip imports an EDF+ and a BDF+ file and exports the
// session again in the same format: counts, labels, scale, annotations
// (with kinds from their prefixes) and the patient code come back.
func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	anns := []edf.Annotation{
		{Onset: 0.5, Duration: 1, Text: "fist"},
		{Onset: 1.25, Text: "cue: open"},
		{Onset: 2, Text: "note: patient tired"},
		{Onset: 2.5, Text: "something"},
	}
	for _, format := range []edf.Format{edf.EDF, edf.BDF} {
		t.Run(format.String(), func(t *testing.T) {
			chans := ramp(3, 3*200, 7) // 3 whole records of 1 s at 200 Hz
			cfg := edf.WriterConfig{Format: format, RateHz: 200, Signals: signals(3, format, 0.5, "uV"),
				Patient: edf.PatientID{Code: "P7"}, Recording: edf.RecordingID{Equipment: "Test amp"},
				Start: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
			path := writeFile(t, "in."+strings.ToLower(format.String()), edfBytes(t, cfg, chans, anns))
			progress, last := monotone(t)
			res, rec := importFile(t, db, path, progress)
			if res.Samples != 600 || res.Channels != 3 || res.RateHz != 200 || res.Annotations != 4 || last() != 1 {
				t.Fatalf("import %+v, progress %v", res, last())
			}
			if rec.Patient.Code != "P7" || len(rec.Notes) != 0 {
				t.Errorf("patient %+v, notes %q", rec.Patient, rec.Notes)
			}
			s, err := db.Session(ctx, res.SessionID)
			if err != nil {
				t.Fatal(err)
			}
			if s.Type != storage.SessionImport || s.Status != storage.StatusCompleted || s.Device != "Test amp" ||
				s.Samples != 600 || s.Lost != 0 || !slices.Equal(s.Labels, []string{"EMG A", "EMG B", "EMG C"}) ||
				math.Abs(s.ScaleUV[0]-0.5) > 1e-6 {
				t.Errorf("session %+v", s)
			}
			stored, err := db.ListAnnotations(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, a := range stored {
				kinds = append(kinds, fmt.Sprintf("%d+%d %s %s", a.Sample, a.Duration, a.Kind, a.Text))
			}
			wantKinds := []string{"100+200 label fist", "250+0 cue open", "400+0 note patient tired", "500+0 annotation something"}
			if !slices.Equal(kinds, wantKinds) {
				t.Errorf("stored annotations %q, want %q", kinds, wantKinds)
			}
			m := &memFile{}
			if _, err := Export(ctx, db, s.ID, m, Options{Format: Format(strings.ToLower(format.String()))}); err != nil {
				t.Fatal(err)
			}
			back, err := edf.Read(bytes.NewReader(m.buf), int64(len(m.buf)))
			if err != nil {
				t.Fatal(err)
			}
			for c := range 3 {
				if !slices.Equal(back.Samples[c], chans[c]) {
					t.Errorf("channel %d: counts differ after the round trip", c)
				}
				// The 8-character header fields round BDF's scale (0.50000003).
				if back.Signals[c].Label != cfg.Signals[c].Label || math.Abs(back.Signals[c].Scale()-0.5) > 1e-6 {
					t.Errorf("signal %d: %+v", c, back.Signals[c])
				}
			}
			if !slices.Equal(back.Annotations, anns) {
				t.Errorf("annotations\n got %+v\nwant %+v", back.Annotations, anns)
			}
			if back.Start != cfg.Start {
				t.Errorf("start %v, want %v", back.Start, cfg.Start)
			}
		})
	}
}

// discontinuous returns an EDF+D file of 4 records of 1 s at 10 Hz whose
// records 2 and 3 start 3 s late (a gap of 30 samples), with an annotation
// in record 3.
func discontinuous(tb testing.TB) []byte {
	tb.Helper()
	cfg := edf.WriterConfig{RateHz: 10, Signals: signals(1, edf.EDF, 1, "uV")}
	b := edfBytes(tb, cfg, ramp(1, 40, 1), []edf.Annotation{{Onset: 2.5, Text: "late"}})
	b = bytes.Replace(b, []byte("EDF+C"), []byte("EDF+D"), 1)
	// Each record: 10 samples (20 bytes), then the annotation signal whose
	// time-keeping TAL is "+r" 0x14 0x14 0x00.
	for _, r := range []string{"2", "3"} {
		old := []byte("+" + r + "\x14\x14\x00")
		i := bytes.Index(b, old)
		if i < 0 {
			tb.Fatalf("no time-keeping TAL for record %s", r)
		}
		b[i+1] += 3
	}
	// The annotation written at 2.5 s in record 2 now lies at 5.5 s.
	i := bytes.Index(b, []byte("+2.5\x14"))
	if i < 0 {
		tb.Fatal("no annotation TAL")
	}
	b[i+1] = '5'
	return b
}

// TestImportDropsPadding: a 27.46 s recording comes back as 27.46 s (not
// the 28 s of its whole data records), through any number of round trips,
// and its annotations keep their places.
func TestImportDropsPadding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	chans := ramp(2, 2746, 3) // 27.46 s at 100 Hz
	anns := []edf.Annotation{{Onset: 27.4, Duration: 0.05, Text: "last grip"}}
	b := edfBytes(t, edf.WriterConfig{RateHz: 100, Signals: signals(2, edf.EDF, 0.25, "uV")}, chans, anns)
	for round := range 3 {
		rec, err := DecodeRecording(bytes.NewReader(b), int64(len(b)), "x.edf")
		if err != nil {
			t.Fatal(err)
		}
		if rec.File.Records != 28 {
			t.Fatalf("round %d: %d data records, want 28", round, rec.File.Records)
		}
		p := &storage.Patient{Code: fmt.Sprint("P", round)}
		if err := db.CreatePatient(ctx, p); err != nil {
			t.Fatal(err)
		}
		res, err := Import(ctx, db, p.ID, rec, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := db.Session(ctx, res.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Samples != 2746 || s.Samples != 2746 || s.Lost != 0 || s.Duration() != 27460*time.Millisecond {
			t.Fatalf("round %d: result %+v, session %d samples, %d lost, %v", round, res, s.Samples, s.Lost, s.Duration())
		}
		got := storedSamples(t, db, s.ID)
		for i, row := range got {
			if row[0] != chans[0][i] || row[1] != chans[1][i] {
				t.Fatalf("round %d sample %d: %v", round, i, row)
			}
		}
		m := &memFile{}
		if _, err := Export(ctx, db, s.ID, m, Options{Format: EDF}); err != nil {
			t.Fatal(err)
		}
		b = m.buf
		back, err := edf.Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if want := append(slices.Clone(anns), edf.Annotation{Onset: 27.46, Text: EndMarker}); !slices.Equal(back.Annotations, want) {
			t.Errorf("round %d: annotations %+v", round, back.Annotations)
		}
	}
}

// TestImportHonoursEndMarker: a recording whose genuine last samples repeat
// (which edf.File.Padding would take for padding) comes back whole from our
// export, and an "adu" signal keeps its unit and scale.
func TestImportHonoursEndMarker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	chans := ramp(2, 1234, 3)
	for c := range chans {
		for i := 1200; i < 1234; i++ {
			chans[c][i] = 7 // the hand at rest: a flat end
		}
	}
	b := edfBytes(t, edf.WriterConfig{RateHz: 100, Signals: signals(2, edf.EDF, 1, "adu")}, chans, nil)
	rec, err := DecodeRecording(bytes.NewReader(b), int64(len(b)), "x.edf")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Notes) != 0 {
		t.Errorf("notes %q", rec.Notes)
	}
	p := &storage.Patient{Code: "U-1"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	res, err := Import(ctx, db, p.ID, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Without our marker the flat end is guessed to be padding.
	if res.Samples != 1201 {
		t.Fatalf("first import: %d samples, want 1201 (padding guessed)", res.Samples)
	}
	s, err := db.Session(ctx, res.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Unit(0) != "adu" || s.Unit(1) != "adu" || s.ScaleUV[0] != 1 {
		t.Fatalf("units %q scale %v, want adu at 1 per count", s.Units, s.ScaleUV)
	}
	// A session that really ends flat, exported and imported again, stays whole.
	s2 := &storage.Session{PatientID: p.ID, RateHz: 100, Channels: 2, ScaleUV: []float64{1, 1}, Units: []string{"adu", "adu"},
		Labels: []string{"A", "B"}, Status: storage.StatusCompleted, ResolutionBits: 16}
	if err := db.CreateSession(ctx, s2); err != nil {
		t.Fatal(err)
	}
	raw := append(slices.Clone(chans[0]), chans[1]...)
	if err := db.AppendChunk(ctx, s2.ID, 0, 2, raw); err != nil {
		t.Fatal(err)
	}
	m := &memFile{}
	if _, err := Export(ctx, db, s2.ID, m, Options{Format: EDF}); err != nil {
		t.Fatal(err)
	}
	rec, err = DecodeRecording(bytes.NewReader(m.buf), int64(len(m.buf)), "y.edf")
	if err != nil {
		t.Fatal(err)
	}
	if d := rec.File.Signals[0].PhysicalDim; d != "adu" {
		t.Errorf("exported unit %q, want adu", d)
	}
	res, err = Import(ctx, db, p.ID, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples != 1234 || res.Annotations != 0 {
		t.Fatalf("re-import: %+v, want 1234 samples and no annotation (the end marker is not stored)", res)
	}
	got := storedSamples(t, db, res.SessionID)
	for i, row := range got {
		if row[0] != chans[0][i] || row[1] != chans[1][i] {
			t.Fatalf("sample %d: %v", i, row)
		}
	}
}

// TestImportDiscontinuous: the jump between EDF+D records becomes a gap
// (lost samples) and annotations land on the session's sample axis.
func TestImportDiscontinuous(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	res, _ := importFile(t, db, writeFile(t, "d.edf", discontinuous(t)), nil)
	s, err := db.Session(ctx, res.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Samples != 40 || s.Lost != 30 {
		t.Errorf("samples %d lost %d, want 40 and 30", s.Samples, s.Lost)
	}
	var starts []uint64
	err = db.ReadSamples(ctx, s.ID, func(start uint64, chans [][]int32) error {
		starts = append(starts, start, uint64(len(chans[0])))
		return nil
	})
	if err != nil || !slices.Equal(starts, []uint64{0, 10, 10, 10, 50, 10, 60, 10}) {
		t.Errorf("chunks (start, len) %v, %v", starts, err)
	}
	anns, err := db.ListAnnotations(ctx, s.ID)
	if err != nil || len(anns) != 1 || anns[0].Sample != 55 {
		t.Errorf("annotations %+v, %v; want one at sample 55", anns, err)
	}
}

// TestReadRecordingRefuses: files that are not recordings are refused with
// a sentence naming the file and the problem, and nothing is stored.
func TestReadRecordingRefuses(t *testing.T) {
	t.Parallel()
	// Zero samples read as TAL padding when a patched header makes them
	// part of an annotation signal.
	zeros := [][]int32{make([]int32, 20), make([]int32, 20)}
	good := edfBytes(t, edf.WriterConfig{RateHz: 10, Signals: signals(2, edf.EDF, 1, "uV")}, zeros, nil)
	mixed := bytes.Clone(good)
	// Signal 2: 5 samples per record instead of 10 (the data shrink; the
	// file stays long enough).
	copy(mixed[256+216*3+8:], "5       ")
	annOnly := edfBytes(t, edf.WriterConfig{RateHz: 10, Signals: signals(1, edf.EDF, 1, "uV")}, zeros[:1], nil)
	copy(annOnly[256:], "EDF Annotations ") // the EMG signal's label
	noRecords := bytes.Clone(good)          // header says 0 records; the data are ignored
	copy(noRecords[236:], "0       ")
	for _, test := range []struct {
		name, file string
		in         []byte
		want       string
	}{
		{"Text", "notes.edf", []byte("#!/bin/bash\necho this is a shell script, long enough to be read as a header " + strings.Repeat("x", 300)),
			`notes.edf is not an EDF+ or BDF+ recording (the version field is "#!/bin/b"`},
		{"Short", "tiny.bdf", []byte("0       "), "tiny.bdf is not an EDF+ or BDF+ recording (the file is 8 bytes"},
		{"Truncated", "cut.edf", good[:len(good)-100], "cut.edf is a damaged EDF/BDF file: header says 2 data records"},
		{"MixedRates", "mixed.edf", mixed, `mixed.edf: not an EDF+ or BDF+ recording MyoRehab can import: signal "EMG B" is sampled at 5 Hz but "EMG A" at 10 Hz, and a session has one rate`},
		{"AnnotationsOnly", "ann.edf", annOnly, "ann.edf: not an EDF+ or BDF+ recording MyoRehab can import: the file holds no signals"},
		{"NoRecords", "empty.edf", noRecords, "empty.edf: not an EDF+ or BDF+ recording MyoRehab can import: the file holds no data records"},
	} {
		t.Run(test.name, func(t *testing.T) {
			rec, err := ReadRecording(writeFile(t, test.file, test.in))
			if rec != nil || !errors.Is(err, ErrNotRecording) || !strings.HasPrefix(err.Error(), test.want) {
				t.Errorf("error %v\nwant ErrNotRecording starting %q", err, test.want)
			}
		})
	}
	t.Run("Missing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "gone.edf")
		if _, err := ReadRecording(path); err == nil || err.Error() != path+": the file does not exist" {
			t.Errorf("error %v", err)
		}
	})
}

// TestImportNotes: an annotation before the recording is noted (a signal
// that is not in a voltage unit is not: it keeps its unit).
func TestImportNotes(t *testing.T) {
	t.Parallel()
	cfg := edf.WriterConfig{RateHz: 10, Signals: signals(1, edf.EDF, 1, "adu")}
	b := edfBytes(t, cfg, ramp(1, 10, 1), []edf.Annotation{{Onset: 0, Text: "early"}})
	i := bytes.Index(b, []byte("+0\x14early"))
	if i < 0 {
		t.Fatal("no annotation TAL")
	}
	copy(b[i:], "-1") // onset −1 s
	rec, err := DecodeRecording(bytes.NewReader(b), int64(len(b)), "a.edf")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`annotation "early" at -1 s lies before the recording; stored at its start`,
	}
	if !slices.Equal(rec.Notes, want) {
		t.Errorf("notes %q, want %q", rec.Notes, want)
	}
	if rec.annSample[0] != 0 {
		t.Errorf("annotation at sample %d, want 0", rec.annSample[0])
	}
}

// failingStore fails AppendChunk after ok successful calls.
type failingStore struct {
	storage.Store
	ok int
}

func (f *failingStore) AppendChunk(ctx context.Context, id int64, start uint64, channels int, raw []int32) error {
	if f.ok == 0 {
		return errors.New("disk on fire")
	}
	f.ok--
	return f.Store.AppendChunk(ctx, id, start, channels, raw)
}

// TestImportFailureLeavesNothing: an import that fails half way deletes
// its session.
func TestImportFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	cfg := edf.WriterConfig{RateHz: 10, Signals: signals(1, edf.EDF, 1, "uV"), RecordDuration: 1}
	// 30 records of 1 s at 10 Hz: three chunks (one per record: 10/10 = 1 record per chunk is
	// "about 1 s").
	rec, err := ReadRecording(writeFile(t, "x.edf", edfBytes(t, cfg, ramp(1, 300, 1), nil)))
	if err != nil {
		t.Fatal(err)
	}
	p := &storage.Patient{Code: "P-F"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, &failingStore{Store: db, ok: 2}, p.ID, rec, nil); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("error %v", err)
	}
	ss, err := db.ListSessions(ctx, storage.SessionFilter{PatientID: p.ID})
	if err != nil || len(ss) != 0 {
		t.Errorf("sessions left after a failed import: %+v, %v", ss, err)
	}
}

// TestImportRealFiles imports every ../shared/data/3dc-gestures file when
// present: the padding of the last record is dropped (valid samples from
// that folder's README) and every stored count equals the file's.
func TestImportRealFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "3dc-gestures")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("../shared/data/3dc-gestures is missing")
		}
		t.Skip("../shared/data/3dc-gestures absent")
	}
	valid := map[string]int64{ // ../shared/data/3dc-gestures/README.md
		"P01_train": 210687, "P01_test": 210216, "P02_train": 255689, "P02_test": 256837,
		"P03_train": 218974, "P03_test": 215385, "P04_train": 211793, "P04_test": 212528,
		"P05_train": 190879, "P05_test": 197637,
	}
	db := openDB(t)
	for name, want := range valid {
		path := filepath.Join(dir, name+".edf")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		res, rec := importFile(t, db, path, nil)
		if res.Samples != want || res.Channels != 10 || res.RateHz != 1000 || rec.Patient.Code != name[:3] {
			t.Fatalf("%s: %+v, patient %+v; want %d samples", name, res, rec.Patient, want)
		}
		if testing.Short() || name != "P03_test" {
			continue
		}
		got := storedSamples(t, db, res.SessionID)
		if int64(len(got)) != res.Samples {
			t.Fatalf("%s: %d samples stored, result says %d", name, len(got), res.Samples)
		}
		for i, row := range got {
			for c, v := range row {
				if v != rec.File.Samples[c][i] {
					t.Fatalf("%s sample %d channel %d: %d, file %d", name, i, c, v, rec.File.Samples[c][i])
				}
			}
		}
	}
}

func TestPatientMismatch(t *testing.T) {
	t.Parallel()
	mk := func(patient string) *Recording {
		b := edfBytes(t, edf.WriterConfig{RateHz: 10, Signals: signals(1, edf.EDF, 1, "uV")}, ramp(1, 10, 1), nil)
		copy(b[8:88], fmt.Sprintf("%-80s", patient))
		rec, err := DecodeRecording(bytes.NewReader(b), int64(len(b)), "p.edf")
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	for _, test := range []struct{ field, code, want string }{
		{"P03 X X X", "P03", ""},
		{"p03 X X X", "P03", ""},
		{"X X X X", "P03", ""},
		{"P03 F 02-MAY-1951 Ann_Smith", "P01", `the file names patient "P03", not "P01"`},
	} {
		if got := PatientMismatch(mk(test.field), test.code); got != test.want {
			t.Errorf("field %q, code %q: %q, want %q", test.field, test.code, got, test.want)
		}
	}
	plain := mk("P03")
	plain.File.Plus = false // plain EDF: free text, not compared
	if got := PatientMismatch(plain, "P01"); got != "" {
		t.Errorf("plain EDF: %q", got)
	}
}
