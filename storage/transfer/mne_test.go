package transfer

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"myorehab/internal/shareddata"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// mneRead is what storage/edf/testdata/mne_check.py says of a file.
type mneRead struct {
	SfreqHz     float64  `json:"sfreq"`
	NTimes      int      `json:"n_times"`
	ChNames     []string `json:"ch_names"`
	Units       []string `json:"units"`
	Annotations [][3]any `json:"annotations"`
	data        [][]float64
}

// readMNE reads path with MNE-Python (an independent reader), or skips
// when MNE is not installed (fails under CI=true).
func readMNE(t *testing.T, path string) *mneRead {
	t.Helper()
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import mne").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("MNE-Python not available (`make deps-test` installs python3-mne)")
		}
		t.Skip("MNE-Python not available: independent reader check skipped")
	}
	bin := filepath.Join(t.TempDir(), "data.bin")
	cmd := exec.Command(py, filepath.Join("..", "edf", "testdata", "mne_check.py"), path, bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mne_check.py %s: %v\n%s", path, err, stderr.Bytes())
	}
	var r mneRead
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("mne_check.py output: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if r.NTimes == 0 || len(raw) != 8*r.NTimes*len(r.ChNames) {
		t.Fatalf("%d bytes for %d channels × %d samples", len(raw), len(r.ChNames), r.NTimes)
	}
	for c := range r.ChNames {
		x := make([]float64, r.NTimes)
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*(c*r.NTimes+i):]))
		}
		r.data = append(r.data, x)
	}
	return &r
}

// TestRoundTripP03MNE: a real EDF+ recording (3DC armband, 10 channels in
// adu, 44 gesture annotations) imported into a new database and exported
// again reads back in MNE with every sample, each channel's unit and every
// annotation of the original.
func TestRoundTripP03MNE(t *testing.T) {
	src := shareddata.File(t, filepath.Join(shareddata.Dir(t, "data", "3dc-gestures"), "P03_test.edf"), "3DC recording P03_test.edf")
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := ReadRecording(src)
	if err != nil {
		t.Fatal(err)
	}
	p := &storage.Patient{Code: "P03"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	res, err := Import(ctx, db, p.ID, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "P03_back.edf")
	if _, err := ExportFile(ctx, db, res.SessionID, out, Options{Format: EDF}); err != nil {
		t.Fatal(err)
	}
	want, got := readMNE(t, src), readMNE(t, out)
	// The original pads its last 1 s data record by repeating the final
	// values; import drops the padding and our export pads the same way.
	if got.SfreqHz != want.SfreqHz || got.NTimes != want.NTimes || res.Samples > int64(got.NTimes) || res.Samples <= int64(got.NTimes)-1000 {
		t.Fatalf("MNE: exported %g Hz × %d samples, original %g Hz × %d; imported %d",
			got.SfreqHz, got.NTimes, want.SfreqHz, want.NTimes, res.Samples)
	}
	if !slices.Equal(got.ChNames, want.ChNames) || !slices.Equal(got.Units, want.Units) {
		t.Errorf("MNE channels %q units %q, original %q %q", got.ChNames, got.Units, want.ChNames, want.Units)
	}
	for c := range want.data {
		for i, v := range want.data[c] {
			if got.data[c][i] != v {
				t.Fatalf("channel %s sample %d: %v, original %v", want.ChNames[c], i, got.data[c][i], v)
			}
		}
	}
	// Our export marks where the samples end (EndMarker) so that a
	// re-import keeps exactly res.Samples.
	if n := len(got.Annotations) - 1; n < 0 || got.Annotations[n] != [3]any{float64(res.Samples) / 1000, 0.0, EndMarker} {
		t.Errorf("last annotation %v, want the end marker at %d samples", got.Annotations[len(got.Annotations)-1], res.Samples)
	} else {
		got.Annotations = got.Annotations[:n]
	}
	if len(got.Annotations) != len(want.Annotations) || len(want.Annotations) == 0 {
		t.Fatalf("MNE: %d annotations exported, %d in the original", len(got.Annotations), len(want.Annotations))
	}
	for k, a := range want.Annotations {
		if got.Annotations[k] != a {
			t.Errorf("annotation %d: exported %v, original %v", k, got.Annotations[k], a)
		}
	}
	// Our reader sees the unit the file declares, not MNE's "n/a".
	f := rec.File
	back, err := ReadRecording(out)
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range rec.Signals {
		if d, w := back.File.Signals[back.Signals[k]].PhysicalDim, f.Signals[i].PhysicalDim; d != w || d != "adu" {
			t.Errorf("signal %d unit %q, original %q", k, d, w)
		}
	}
	res2, err := Import(ctx, db, p.ID, back, nil)
	if err != nil || res2.Samples != res.Samples || res2.Annotations != res.Annotations {
		t.Errorf("second import %+v (%v), first %+v", res2, err, res)
	}
}
