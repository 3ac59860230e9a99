package filter_test

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"myorehab/acquisition"
	"myorehab/processing/filter"
	"myorehab/processing/internal/reftest"
)

// The reference vectors were computed with SciPy 1.10.1 / numpy 1.24.2 on
// real EMG excerpts; see ../shared/reference/README.md.

// refDir returns the shared reference folder or skips the test.
func refDir(t testing.TB) string { return reftest.Dir(t) }

// readCSV reads a reference CSV: one header line, then numeric rows
// (a leading text column such as a scalar's name is kept as NaN).
func readCSV(t testing.TB, path string) (header []string, rows [][]float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) < 1 {
		t.Fatalf("%s: empty", path)
	}
	for _, r := range recs[1:] {
		row := make([]float64, len(r))
		for i, s := range r {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				v = math.NaN()
			}
			row[i] = v
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}

// column returns column i of rows.
func column(rows [][]float64, i int) []float64 {
	out := make([]float64, len(rows))
	for k, r := range rows {
		out[k] = r[i]
	}
	return out
}

type tolerance struct{ Rtol, Atol float64 }

type refOutput struct {
	File      string
	Tolerance tolerance
}

type refCase struct {
	ID      string
	Kind    string
	Input   string
	FsHz    float64 `json:"fs_hz"`
	Params  json.RawMessage
	Scalars map[string]float64
	Outputs map[string]refOutput
}

type manifest struct {
	Inputs []struct {
		ID   string
		File string
		FsHz float64 `json:"fs_hz"`
	}
	Cases []refCase
}

func loadManifest(t testing.TB) (string, manifest) {
	dir := refDir(t)
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// within reports max|got−ref| and whether it is ≤ atol + rtol·max|ref|.
func within(got, ref []float64, tol tolerance) (maxErr, bound float64, ok bool) {
	if len(got) != len(ref) {
		return math.Inf(1), 0, false
	}
	var maxRef float64
	for i := range ref {
		maxErr = math.Max(maxErr, math.Abs(got[i]-ref[i]))
		maxRef = math.Max(maxRef, math.Abs(ref[i]))
	}
	bound = tol.Atol + tol.Rtol*maxRef
	return maxErr, bound, maxErr <= bound && !math.IsNaN(maxErr)
}

func checkClose(t *testing.T, what string, got, ref []float64, tol tolerance) {
	t.Helper()
	maxErr, bound, ok := within(got, ref, tol)
	if !ok {
		t.Errorf("%s: max error %.3g > bound %.3g (len got %d, ref %d)", what, maxErr, bound, len(got), len(ref))
		return
	}
	t.Logf("%s: max error %.3g (bound %.3g)", what, maxErr, bound)
}

// matchSets pairs every ref value with the nearest unused got value and
// returns the matched got values in ref order (unordered-set comparison).
func matchSets(got, ref []complex128) []complex128 {
	used := make([]bool, len(got))
	out := make([]complex128, len(ref))
	for i, r := range ref {
		best := -1
		for j, g := range got {
			if !used[j] && (best < 0 || cmplx.Abs(g-r) < cmplx.Abs(got[best]-r)) {
				best = j
			}
		}
		if best < 0 {
			return nil
		}
		used[best] = true
		out[i] = got[best]
	}
	return out
}

func flatten(c []complex128) []float64 {
	out := make([]float64, 0, 2*len(c))
	for _, v := range c {
		out = append(out, real(v), imag(v))
	}
	return out
}

func sosRows(sos []filter.Section) []float64 {
	var out []float64
	for _, s := range sos {
		out = append(out, s[:]...)
	}
	return out
}

func loadInput(t *testing.T, dir string, m manifest, id string) (x []float64, fs float64) {
	t.Helper()
	for _, in := range m.Inputs {
		if in.ID == id {
			_, rows := readCSV(t, filepath.Join(dir, in.File))
			return column(rows, 0), in.FsHz
		}
	}
	t.Fatalf("input %s not in manifest", id)
	return nil, 0
}

func TestButterReference(t *testing.T) {
	dir, m := loadManifest(t)
	n := 0
	for _, c := range m.Cases {
		if c.Kind != "butter_sos_filter" {
			continue
		}
		n++
		t.Run(c.ID, func(t *testing.T) {
			var p struct {
				N     int
				WnHz  json.RawMessage `json:"Wn_hz"`
				Btype string
				Pad   int `json:"sosfiltfilt_padlen"`
			}
			if err := json.Unmarshal(c.Params, &p); err != nil {
				t.Fatal(err)
			}
			var edges []float64
			if err := json.Unmarshal(p.WnHz, &edges); err != nil {
				var e float64
				if err := json.Unmarshal(p.WnHz, &e); err != nil {
					t.Fatal(err)
				}
				edges = []float64{e}
			}
			band := map[string]filter.Band{"lowpass": filter.Lowpass, "highpass": filter.Highpass,
				"bandpass": filter.Bandpass, "bandstop": filter.Bandstop}[p.Btype]
			x, fs := loadInput(t, dir, m, c.Input)

			zpk, err := filter.ButterZPK(p.N, band, fs, edges...)
			if err != nil {
				t.Fatal(err)
			}
			sos, err := filter.ButterSOS(p.N, band, fs, edges...)
			if err != nil {
				t.Fatal(err)
			}

			// zpk: zeros and poles as unordered sets, and the gain.
			o := c.Outputs["zpk"]
			_, rows := readCSV(t, filepath.Join(dir, o.File))
			var refZ, refP []complex128
			for _, r := range rows {
				refZ = append(refZ, complex(r[0], r[1]))
				refP = append(refP, complex(r[2], r[3]))
			}
			for _, set := range []struct {
				name     string
				got, ref []complex128
			}{{"zeros", zpk.Z, refZ}, {"poles", zpk.P, refP}} {
				if len(set.got) != len(set.ref) {
					t.Fatalf("%s: got %d, want %d", set.name, len(set.got), len(set.ref))
				}
				checkClose(t, set.name, flatten(matchSets(set.got, set.ref)), flatten(set.ref), o.Tolerance)
			}
			o = c.Outputs["zpk_gain"]
			_, rows = readCSV(t, filepath.Join(dir, o.File))
			checkClose(t, "gain", []float64{zpk.K}, []float64{rows[0][1]}, o.Tolerance)
			checkClose(t, "gain vs manifest", []float64{zpk.K}, []float64{c.Scalars["zpk_gain"]}, o.Tolerance)

			// sos: same grouping and order as SciPy's nearest pairing.
			o = c.Outputs["sos"]
			_, rows = readCSV(t, filepath.Join(dir, o.File))
			if len(sos) != len(rows) {
				t.Fatalf("sections: got %d, want %d", len(sos), len(rows))
			}
			var refSOS []float64
			for _, r := range rows {
				refSOS = append(refSOS, r...)
			}
			checkClose(t, "sos", sosRows(sos), refSOS, o.Tolerance)

			// sosfilt, one shot and streamed through a Chain in blocks.
			o = c.Outputs["sosfilt"]
			_, rows = readCSV(t, filepath.Join(dir, o.File))
			ref := column(rows, 0)
			checkClose(t, "sosfilt", filter.SOSFilt(nil, sos, x), ref, o.Tolerance)
			checkClose(t, "Chain.Process", streamBlocks(filter.NewChain(1, sos), x, 37), ref, o.Tolerance)

			// sosfiltfilt.
			o = c.Outputs["sosfiltfilt"]
			_, rows = readCSV(t, filepath.Join(dir, o.File))
			if got := filter.PadLen(sos); got != p.Pad {
				t.Errorf("PadLen = %d, manifest %d", got, p.Pad)
			}
			y, err := filter.SOSFiltFilt(nil, sos, x)
			if err != nil {
				t.Fatal(err)
			}
			checkClose(t, "sosfiltfilt", y, column(rows, 0), o.Tolerance)
		})
	}
	if n != 12 {
		t.Errorf("found %d butter cases in the manifest, want 12", n)
	}
}

func TestNotchReference(t *testing.T) {
	dir, m := loadManifest(t)
	n := 0
	for _, c := range m.Cases {
		if c.Kind != "iirnotch_lfilter" {
			continue
		}
		n++
		t.Run(c.ID, func(t *testing.T) {
			var p struct {
				W0Hz float64 `json:"w0_hz"`
				Q    float64
			}
			if err := json.Unmarshal(c.Params, &p); err != nil {
				t.Fatal(err)
			}
			x, fs := loadInput(t, dir, m, c.Input)
			b, a, err := filter.Notch(p.W0Hz, p.Q, fs)
			if err != nil {
				t.Fatal(err)
			}
			o := c.Outputs["ba"]
			_, rows := readCSV(t, filepath.Join(dir, o.File))
			checkClose(t, "b", b[:], column(rows, 0), o.Tolerance)
			checkClose(t, "a", a[:], column(rows, 1), o.Tolerance)

			o = c.Outputs["lfilter"]
			_, rows = readCSV(t, filepath.Join(dir, o.File))
			ref := column(rows, 0)
			checkClose(t, "lfilter", filter.LFilter(nil, b[:], a[:], x), ref, o.Tolerance)
			s, err := filter.NotchSOS(p.W0Hz, p.Q, fs)
			if err != nil {
				t.Fatal(err)
			}
			checkClose(t, "notch section streamed", streamBlocks(filter.NewChain(1, []filter.Section{s}), x, 50), ref, o.Tolerance)
		})
	}
	if n != 6 {
		t.Errorf("found %d notch cases in the manifest, want 6", n)
	}
}

// streamBlocks runs a one-channel x through c in blocks of blockLen samples
// (the last one shorter), in place, and returns the concatenated output.
func streamBlocks(c *filter.Chain, x []float64, blockLen int) []float64 {
	blk := acquisition.NewBlock(1, blockLen)
	out := make([]float64, 0, len(x))
	for i := 0; i < len(x); i += blockLen {
		n := copy(blk.Data, x[i:min(i+blockLen, len(x))])
		blk.Start, blk.Len = uint64(i), n
		c.Process(blk, blk)
		out = append(out, blk.Chan(0)...)
	}
	return out
}
