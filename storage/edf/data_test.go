package edf

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"myorehab/internal/shareddata"
)

// dataDir returns ../shared/data/<folder> beside the module root, or skips
// (fails under CI=true).
func dataDir(tb testing.TB, folder string) string {
	tb.Helper()
	return shareddata.Dir(tb, "data", folder)
}

// TestReadReferenceFiles checks the PhysioNet and McKiernan EDF+ files
// against the rates, valid sample counts and scaling in their READMEs.
func TestReadReferenceFiles(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		folder, name string
		rate         float64
		channels     int
		valid        int // valid samples per channel (README)
		records      int // 0: not stated
		dim          string
		scale        float64 // physical units per count
	}{
		// ../shared/data/physionet-emgdb/README.md
		{"physionet-emgdb", "emg_healthy.edf", 4000, 1, 50860, 13, "mV", 1e-4},
		{"physionet-emgdb", "emg_myopathy.edf", 4000, 1, 110337, 28, "mV", 1e-4},
		{"physionet-emgdb", "emg_neuropathy.edf", 4000, 1, 147858, 37, "mV", 1e-4},
		// ../shared/data/mckiernan-sustained/README.md
		{"mckiernan-sustained", "S8_EMG_bicep_sustained.edf", 10000, 2, 445935, 0, "adu", 1},
		{"mckiernan-sustained", "S6_EMG_calf_sustained.edf", 10000, 1, 1023512, 0, "adu", 1},
		{"mckiernan-sustained", "S9_EMG_quadricep_squatSustained.edf", 10000, 1, 491071, 0, "adu", 1},
		{"mckiernan-sustained", "S10_EMG_bicep_sustainedMax.edf", 44100, 1, 1132444, 0, "adu", 1},
		{"mckiernan-sustained", "S10_EMG_bicep_sustainedMin.edf", 44100, 1, 631248, 0, "adu", 1},
		{"mckiernan-sustained", "S10_EMG_calf_sustainedMax.edf", 44100, 1, 1428972, 0, "adu", 1},
		{"mckiernan-sustained", "S10_EMG_calf_sustainedMin.edf", 44100, 1, 1001290, 0, "adu", 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			f, err := ReadFile(filepath.Join(dataDir(t, test.folder), test.name))
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != EDF || !f.Plus || f.Discontinuous {
				t.Errorf("format %v plus %v discontinuous %v, want EDF+C", f.Format, f.Plus, f.Discontinuous)
			}
			if len(f.Signals) != test.channels+1 || !f.Signals[test.channels].IsAnnotation() {
				t.Fatalf("%d signals, want %d EMG + annotations last", len(f.Signals), test.channels)
			}
			if test.records != 0 && f.Records != test.records {
				t.Errorf("%d records, want %d", f.Records, test.records)
			}
			if len(f.Annotations) != 0 {
				t.Errorf("%d annotations, want none", len(f.Annotations))
			}
			for c := 0; c < test.channels; c++ {
				s := &f.Signals[c]
				if got := f.SampleRateHz(c); got != test.rate {
					t.Errorf("signal %d: %v Hz, want %v", c, got, test.rate)
				}
				if s.PhysicalDim != test.dim || math.Abs(s.Scale()-test.scale) > 1e-12*test.scale || math.Abs(s.Offset()) > 1e-9 {
					t.Errorf("signal %d: %q scale %v offset %v, want %q %v 0", c, s.PhysicalDim, s.Scale(), s.Offset(), test.dim, test.scale)
				}
				x := f.Samples[c]
				// The last record is padded: valid ≤ len < valid + one record.
				if len(x) < test.valid || len(x) >= test.valid+s.SamplesPerRecord {
					t.Fatalf("signal %d: %d samples (%d records × %d), README says %d valid", c, len(x), f.Records, s.SamplesPerRecord, test.valid)
				}
				for i := test.valid; i < len(x); i++ {
					if x[i] != x[test.valid-1] {
						t.Fatalf("signal %d: padding sample %d = %d, want the last valid sample %d", c, i, x[i], x[test.valid-1])
					}
				}
			}
			for r, s := range f.RecordStarts {
				if want := float64(r) * f.RecordDuration; math.Abs(s-want) > 1e-9 {
					t.Fatalf("record %d starts at %v s, want %v", r, s, want)
				}
			}
		})
	}
}

// threeDC lists the 3DC files with their valid sample counts and records
// (../shared/data/3dc-gestures/README.md).
var threeDC = []struct {
	name           string
	valid, records int
}{
	{"P01_train.edf", 210687, 211}, {"P01_test.edf", 210216, 211},
	{"P02_train.edf", 255689, 256}, {"P02_test.edf", 256837, 257},
	{"P03_train.edf", 218974, 219}, {"P03_test.edf", 215385, 216},
	{"P04_train.edf", 211793, 212}, {"P04_test.edf", 212528, 213},
	{"P05_train.edf", 190879, 191}, {"P05_test.edf", 197637, 198},
	{"P06_train.edf", 259036, 260}, {"P06_test.edf", 257192, 258},
	{"P07_train.edf", 255949, 256}, {"P07_test.edf", 257248, 258},
	{"P08_train.edf", 259053, 260}, {"P08_test.edf", 255375, 256},
}

var gestureNames = []string{"Neutral", "Radial deviation", "Wrist flexion", "Ulnar deviation", "Wrist extension",
	"Supination", "Pronation", "Power grip", "Open hand", "Chuck grip", "Pinch grip"}

// TestRoundTrip3DC reads every 3DC file, checks it against its README,
// writes it as EDF+ with Writer and reads it back: every sample and all 44
// annotations must be equal.
func TestRoundTrip3DC(t *testing.T) {
	t.Parallel()
	dir := dataDir(t, "3dc-gestures")
	for _, test := range threeDC {
		t.Run(test.name, func(t *testing.T) {
			in, err := ReadFile(filepath.Join(dir, test.name))
			if err != nil {
				t.Fatal(err)
			}
			if in.Records != test.records || len(in.Signals) != 11 {
				t.Fatalf("%d records, %d signals; want %d, 11", in.Records, len(in.Signals), test.records)
			}
			if len(in.Annotations) != 44 {
				t.Fatalf("%d annotations, want 44", len(in.Annotations))
			}
			next := 0.0 // holds are contiguous, in class order
			for k, a := range in.Annotations {
				if a.Text != gestureNames[k%11] || math.Abs(a.Onset-next) > 1e-9 || a.Duration <= 0 {
					t.Fatalf("annotation %d = %+v, want %q at %v s", k, a, gestureNames[k%11], next)
				}
				next = a.Onset + a.Duration
			}
			if got := int(math.Round(next * 1000)); got != test.valid {
				t.Errorf("last annotation ends at sample %d, README says %d valid samples", got, test.valid)
			}
			for r, s := range in.RecordStarts {
				if s != float64(r) {
					t.Fatalf("record %d starts at %v s", r, s)
				}
			}

			path := filepath.Join(t.TempDir(), "out.edf")
			writeFile(t, path, in, test.valid, EDF)
			out, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			compareFiles(t, in, out, test.valid)
		})
	}
}

// writeFile writes the first n samples of every ordinary signal of in and
// all its annotations to path, as format.
func writeFile(t testing.TB, path string, in *File, n int, format Format) {
	t.Helper()
	var sigs []Signal
	var chans [][]int32
	for i, s := range in.Signals {
		if !s.IsAnnotation() {
			sigs = append(sigs, s)
			chans = append(chans, in.Samples[i][:n])
		}
	}
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	p, _ := ParsePatientID(in.Patient)
	w, err := NewWriter(fh, WriterConfig{Format: format, Patient: p, RateHz: in.SampleRateHz(0), Signals: sigs})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range in.Annotations {
		if err := w.Annotate(a); err != nil {
			t.Fatal(err)
		}
	}
	// Write in uneven pieces to cross record boundaries.
	for off := 0; off < n; {
		k := min(n-off, 777)
		piece := make([][]int32, len(chans))
		for c := range chans {
			piece[c] = chans[c][off : off+k]
		}
		if err := w.Write(piece); err != nil {
			t.Fatal(err)
		}
		off += k
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// compareFiles checks that out holds in's first n samples of every
// ordinary signal, the same signal descriptions and the same annotations.
func compareFiles(t *testing.T, in, out *File, n int) {
	t.Helper()
	if len(out.Signals) != len(in.Signals) {
		t.Fatalf("%d signals, want %d", len(out.Signals), len(in.Signals))
	}
	for i := range in.Signals {
		a, b := in.Signals[i], out.Signals[i]
		if a.IsAnnotation() {
			if !b.IsAnnotation() {
				t.Fatalf("signal %d: %q, want an annotation signal", i, b.Label)
			}
			continue
		}
		a.SamplesPerRecord, b.SamplesPerRecord = 0, 0
		if a != b {
			t.Errorf("signal %d: %+v, want %+v", i, b, a)
		}
		if out.SampleRateHz(i) != in.SampleRateHz(i) {
			t.Errorf("signal %d: %v Hz, want %v", i, out.SampleRateHz(i), in.SampleRateHz(i))
		}
		x, y := in.Samples[i][:n], out.Samples[i]
		if len(y) < n {
			t.Fatalf("signal %d: %d samples, want ≥ %d", i, len(y), n)
		}
		for j := range x {
			if x[j] != y[j] {
				t.Fatalf("signal %d sample %d: %d, want %d", i, j, y[j], x[j])
			}
		}
	}
	if len(out.Annotations) != len(in.Annotations) {
		t.Fatalf("%d annotations, want %d", len(out.Annotations), len(in.Annotations))
	}
	for k := range in.Annotations {
		if out.Annotations[k] != in.Annotations[k] {
			t.Errorf("annotation %d: %+v, want %+v", k, out.Annotations[k], in.Annotations[k])
		}
	}
}

// BenchmarkReadFile3DC reads a whole 3DC file (10 × 211 000 samples + 44
// annotations).
func BenchmarkReadFile3DC(b *testing.B) {
	path := filepath.Join(dataDir(b, "3dc-gestures"), "P01_train.edf")
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite3DC writes a 3DC file's samples and annotations as EDF+.
func BenchmarkWrite3DC(b *testing.B) {
	in, err := ReadFile(filepath.Join(dataDir(b, "3dc-gestures"), "P01_train.edf"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "out.edf")
	b.SetBytes(int64(in.HeaderBytes() + in.Records*in.RecordBytes()))
	b.ReportAllocs()
	for b.Loop() {
		writeFile(b, path, in, 210687, EDF)
	}
}
