package edf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// mnePython returns a Python interpreter that imports MNE, or skips.
func mnePython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import mne").Run() == nil {
			return py
		}
	}
	t.Skip("MNE-Python not available (python3 -c 'import mne' fails; `make deps-test` installs python3-mne): independent reader check skipped")
	return ""
}

type mneResult struct {
	SfreqHz     float64 `json:"sfreq"`
	NTimes      int     `json:"n_times"`
	ChNames     []string
	Units       []string
	Annotations [][3]any `json:"annotations"`
	data        [][]float64
}

// readMNE reads path with testdata/mne_check.py.
func readMNE(t *testing.T, py, path string) *mneResult {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "data.bin")
	cmd := exec.Command(py, filepath.Join("testdata", "mne_check.py"), path, bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mne_check.py: %v\n%s", err, stderr.Bytes())
	}
	var r mneResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("mne_check.py output: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	n := len(raw) / 8
	if r.NTimes == 0 || n%r.NTimes != 0 {
		t.Fatalf("%d values for %d samples per channel", n, r.NTimes)
	}
	for c := 0; c < n/r.NTimes; c++ {
		x := make([]float64, r.NTimes)
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*(c*r.NTimes+i):]))
		}
		r.data = append(r.data, x)
	}
	return &r
}

// compareMNE checks MNE's view of the file at path against our reader's:
// rate, every sample within one quantization step, and annotations.
func compareMNE(t *testing.T, py, path string) {
	t.Helper()
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := readMNE(t, py, path)
	var sigs []int
	for i, s := range f.Signals {
		if !s.IsAnnotation() {
			sigs = append(sigs, i)
		}
	}
	if len(m.data) != len(sigs) {
		t.Fatalf("MNE sees %d channels, we see %d", len(m.data), len(sigs))
	}
	for k, i := range sigs {
		s := &f.Signals[i]
		if m.SfreqHz != f.SampleRateHz(i) {
			t.Errorf("MNE rate %v Hz, ours %v", m.SfreqHz, f.SampleRateHz(i))
		}
		if m.NTimes != len(f.Samples[i]) {
			t.Fatalf("MNE %d samples, ours %d", m.NTimes, len(f.Samples[i]))
		}
		worst := 0.0
		for j, d := range f.Samples[i] {
			phys := float64(d)*s.Scale() + s.Offset()
			worst = max(worst, math.Abs(m.data[k][j]-phys))
		}
		if worst > math.Abs(s.Scale()) {
			t.Errorf("signal %d (%s, MNE unit %q): largest difference %v, more than one step %v", i, s.Label, m.Units[k], worst, s.Scale())
		}
	}
	if len(m.Annotations) != len(f.Annotations) {
		t.Fatalf("MNE %d annotations, ours %d", len(m.Annotations), len(f.Annotations))
	}
	for k, a := range f.Annotations {
		got := m.Annotations[k]
		if got[0].(float64) != a.Onset || got[1].(float64) != a.Duration || got[2].(string) != a.Text {
			t.Errorf("annotation %d: MNE %v, ours %+v", k, got, a)
		}
	}
}

// TestMNEReadsOurFiles writes EDF+ and BDF+ files and reads them with
// MNE-Python, an independent reader.
func TestMNEReadsOurFiles(t *testing.T) {
	py := mnePython(t)
	dir := t.TempDir()
	anns := []Annotation{
		{Onset: 0, Duration: 1.5, Text: "rest"},
		{Onset: 1.5, Duration: 2, Text: "grip"},
		{Onset: 2.75, Text: "glove:flex index 60%"},
		{Onset: 3.25, Duration: 0.004, Text: "stim"},
	}
	for _, test := range []struct {
		name   string
		format Format
		scale  float64
		rate   float64
	}{
		{"emg.edf", EDF, 0.5, 1000},
		{"cyton.bdf", BDF, 0.02235174445530706, 250},
		{"fast.bdf", BDF, 0.0625, 4000},
	} {
		t.Run(test.name, func(t *testing.T) {
			path := filepath.Join(dir, test.name)
			fh, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			lo, hi := test.format.DigitalRange()
			n := int(3.5 * test.rate)
			w, err := NewWriter(fh, WriterConfig{Format: test.format, RateHz: test.rate, Signals: emgSignals(4, test.format, test.scale),
				Patient: PatientID{Code: "MNE-1", Sex: "M", Name: "Test Person"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range anns {
				if err := w.Annotate(a); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Write(synth(4, n, lo, hi)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			compareMNE(t, py, path)
		})
	}
	t.Run("P01_train round trip", func(t *testing.T) {
		in, err := ReadFile(filepath.Join(dataDir(t, "3dc-gestures"), "P01_train.edf"))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "p01.edf")
		writeFile(t, path, in, 210687, EDF)
		compareMNE(t, py, path)
	})
}
