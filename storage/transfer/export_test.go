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

// cytonScale is the Cyton's µV per count.
const cytonScale = 0.02235174445530706

// gapSession stores a 24-bit session with samples 0…299, a gap of 100
// samples, then 400…649, and three annotations (one inside the gap). It
// returns the session and channel 1's stored counts in order.
func gapSession(t *testing.T, db storage.Store) (*storage.Session, []int32) {
	t.Helper()
	ctx := context.Background()
	s := newSession(t, db, cytonScale)
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
	return s, append(mk(300, 0)[:300], mk(250, 400)[:250]...)
}

// TestExportEDFGapsAndNarrowing exports a 24-bit session with a gap as BDF+
// (exact) and EDF+ (narrowed to ±10 mV, clipped, de-identified).
func TestExportEDFGapsAndNarrowing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	s, want := gapSession(t, db)

	t.Run("BDF", func(t *testing.T) {
		m := &memFile{}
		res, err := Export(ctx, db, s.ID, m, Options{Format: BDF})
		if err != nil {
			t.Fatal(err)
		}
		if res != (ExportResult{Samples: 550}) {
			t.Errorf("result %+v, want 550 samples, none clipped", res)
		}
		b, err := edf.Read(bytes.NewReader(m.buf), int64(len(m.buf)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.Samples[0][:550], want) {
			t.Errorf("BDF channel 1 counts differ from the stored ones (gap removed)")
		}
		if got := b.Patient; got != "C-9 F 30-APR-1960 Ann_Smith" {
			t.Errorf("patient field %q", got)
		}
		if got := b.Signals[0].Label; got != "EMG FDS" {
			t.Errorf("label %q", got)
		}
		if sc := b.Signals[0].Scale(); math.Abs(sc-cytonScale) > 1e-6*cytonScale || b.Signals[0].PhysicalDim != "uV" {
			t.Errorf("scale %v %s, want %v uV", sc, b.Signals[0].PhysicalDim, cytonScale)
		}
		wantAnns := []edf.Annotation{
			{Onset: 0.2, Duration: 0.4, Text: "grip"},
			{Onset: 1.2, Text: "gap: 100 samples lost"},
			{Onset: 1.2, Text: "cue: in the gap"},
			{Onset: 1.6, Duration: 0.1, Text: "open"},
			{Onset: 2.2, Text: EndMarker}, // 550 samples at 250 Hz
		}
		if !slices.Equal(b.Annotations, wantAnns) {
			t.Errorf("BDF annotations\n got %+v\nwant %+v", b.Annotations, wantAnns)
		}
	})

	t.Run("EDFNarrowedDeidentified", func(t *testing.T) {
		m := &memFile{}
		res, err := Export(ctx, db, s.ID, m, Options{Format: EDF, Deidentify: true})
		if err != nil {
			t.Fatal(err)
		}
		e, err := edf.Read(bytes.NewReader(m.buf), int64(len(m.buf)))
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
		var clipped int64
		for i, v := range want {
			uv := float64(v) * cytonScale
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
		if clipped == 0 || res.Clipped != clipped || res.Samples != 550 {
			t.Errorf("result %+v, want 550 samples, %d clipped", res, clipped)
		}
		found := false
		for _, a := range e.Annotations {
			found = found || strings.HasPrefix(a.Text, fmt.Sprintf("clipped: %d samples", clipped))
		}
		if !found {
			t.Errorf("no clipping annotation in %+v", e.Annotations)
		}
	})
}

// TestExportCSV checks the CSV layout: header, sample index across the gap,
// t_s, µV or raw counts, shortest round-trip numbers.
func TestExportCSV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	s, want := gapSession(t, db)
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprint("raw=", raw), func(t *testing.T) {
			m := &memFile{}
			res, err := Export(ctx, db, s.ID, m, Options{Format: CSV, Raw: raw, Deidentify: true})
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(m.buf), "\n"), "\n")
			if res.Samples != 550 || len(lines) != 551 || lines[0] != "sample,t_s,FDS,EDC" {
				t.Fatalf("%+v, %d lines, header %q", res, len(lines), lines[0])
			}
			for _, k := range []int{0, 1, 299, 300, 549} {
				idx := k
				if k >= 300 {
					idx = k + 100 // after the gap
				}
				ch1, ch2 := fmt.Sprint(want[k]), fmt.Sprint(-idx*100)
				if !raw {
					ch1 = fmt.Sprint(float64(want[k]) * cytonScale)
					ch2 = fmt.Sprint(float64(-idx*100) * cytonScale)
				}
				line := fmt.Sprintf("%d,%v,%s,%s", idx, float64(idx)/250, ch1, ch2)
				if lines[k+1] != line {
					t.Errorf("row %d: %q, want %q", k, lines[k+1], line)
				}
			}
		})
	}
}

func TestExportFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	s, _ := gapSession(t, db)
	dir := t.TempDir()

	t.Run("OK", func(t *testing.T) {
		for _, f := range []Format{EDF, BDF, CSV} {
			progress, last := monotone(t)
			path := filepath.Join(dir, "s."+string(f))
			res, err := ExportFile(ctx, db, s.ID, path, Options{Format: f, Progress: progress})
			if err != nil || res.Samples != 550 {
				t.Fatalf("%s: %+v, %v", f, res, err)
			}
			if last() != 1 {
				t.Errorf("%s: progress ended at %v", f, last())
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
				t.Errorf("%s: %v %v", f, fi, err)
			}
		}
	})
	t.Run("ErrFormat", func(t *testing.T) {
		path := filepath.Join(dir, "s.wav")
		if _, err := ExportFile(ctx, db, s.ID, path, Options{Format: "wav"}); !errors.Is(err, ErrFormat) {
			t.Errorf("error %v, want ErrFormat", err)
		}
		if _, err := Export(ctx, db, s.ID, &memFile{}, Options{}); !errors.Is(err, ErrFormat) {
			t.Errorf("empty format: error %v, want ErrFormat", err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("a refused export left a file")
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		path := filepath.Join(dir, "none.edf")
		if _, err := ExportFile(ctx, db, s.ID+100, path, Options{Format: EDF}); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("error %v, want ErrNotFound", err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("an export of a missing session left a file")
		}
	})
	t.Run("FailureRemovesFile", func(t *testing.T) {
		path := filepath.Join(dir, "cancelled.bdf")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := ExportFile(cctx, db, s.ID, path, Options{Format: BDF}); err == nil {
			t.Fatal("an export with a cancelled context succeeded")
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("a failed export left a partial file")
		}
	})
}

func TestPhysicalRange(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		scale      float64
		unit       string
		pmin, pmax float64
	}{
		{1, "uV", -8388608, 8388607},
		{2, "mV", -16777.216, 16777.214},
		{2000, "V", -16777.216, 16777.214},
	} {
		unit, pmin, pmax := physicalRange(test.scale, -1<<23, 1<<23-1)
		if unit != test.unit || math.Abs(pmin-test.pmin) > 1e-9 || math.Abs(pmax-test.pmax) > 1e-9 {
			t.Errorf("scale %v: %s %v…%v, want %s %v…%v", test.scale, unit, pmin, pmax, test.unit, test.pmin, test.pmax)
		}
	}
}

// TestExportFileMessages: where the export cannot be written, the message
// says why in words; errors.Is still finds the cause.
func TestExportFileMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	s, _ := gapSession(t, db)
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name, path, want string
		is               error
	}{
		{"NoFolder", filepath.Join(dir, "missing", "s.edf"), "cannot export to " + filepath.Join(dir, "missing", "s.edf") + ": the folder " + filepath.Join(dir, "missing") + " does not exist", os.ErrNotExist},
		{"FileAsFolder", filepath.Join(file, "s.edf"), "cannot export to " + filepath.Join(file, "s.edf") + ": " + file + " is a file, not a folder", nil},
		{"Folder", dir, "cannot export to " + dir + ": it is a folder; give a file name", nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ExportFile(ctx, db, s.ID, test.path, Options{Format: EDF})
			if err == nil || err.Error() != test.want || (test.is != nil && !errors.Is(err, test.is)) {
				t.Errorf("error %v\nwant %q", err, test.want)
			}
		})
	}
	t.Run("NoSession", func(t *testing.T) {
		_, err := ExportFile(ctx, db, 999, filepath.Join(dir, "x.edf"), Options{Format: EDF})
		if err == nil || err.Error() != "there is no session 999 in the database" || !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("error %v", err)
		}
	})
}

func TestFileName(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 5, 4, 9, 30, 0, 0, time.Local)
	for _, test := range []struct {
		code string
		want string
	}{
		{"P-017", "P-017_2026-05-04_0930_s12.bdf"},
		{"", "session_2026-05-04_0930_s12.bdf"},
		{"a/b c:ü", "a_b_c___2026-05-04_0930_s12.bdf"},
	} {
		if got := FileName(&storage.Session{ID: 12, PatientCode: test.code, StartedAt: start}, BDF); got != test.want {
			t.Errorf("code %q: %q, want %q", test.code, got, test.want)
		}
	}
}
