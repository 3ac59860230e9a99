package reftest

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"myorehab/internal/shareddata"
)

// The reference vectors live in ../shared/reference beside the module root
// (README.md there gives the exact scipy 1.10.1 / PyWavelets 1.1.1 calls).

// Dir returns the reference directory, or skips the test when it is
// absent (fails it under CI=true: see internal/shareddata).
func Dir(t testing.TB) string {
	t.Helper()
	ref := SharedDir(t, "reference")
	shareddata.File(t, filepath.Join(ref, "manifest.json"), "reference data (the shared/reference folder beside the module root)")
	return ref
}

// SharedDir returns ../shared/<elem...> beside the module root (the folder
// holding go.mod), or skips the test with a clear message when it is
// absent (see ../shared/data/README.md: never copy the data here); under
// CI=true it fails instead. It is shareddata.Dir.
func SharedDir(t testing.TB, elem ...string) string {
	t.Helper()
	return shareddata.Dir(t, elem...)
}

// Manifest is the part of manifest.json the tests use.
type Manifest struct {
	Inputs []struct {
		ID   string  `json:"id"`
		File string  `json:"file"`
		Fs   float64 `json:"fs_hz"`
	} `json:"inputs"`
	Cases []struct {
		ID      string                     `json:"id"`
		Kind    string                     `json:"kind"`
		Input   string                     `json:"input"`
		Fs      float64                    `json:"fs_hz"`
		Scalars map[string]json.RawMessage `json:"scalars"`
		Outputs map[string]struct {
			File      string `json:"file"`
			Shape     []int  `json:"shape"`
			Tolerance struct {
				Rtol float64 `json:"rtol"`
				Atol float64 `json:"atol"`
			} `json:"tolerance"`
		} `json:"outputs"`
	} `json:"cases"`
}

// ReadManifest reads manifest.json in the reference folder ref.
func ReadManifest(t testing.TB, ref string) *Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ref, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	return &m
}

// ReadCSV returns the header and the numeric rows of a reference CSV file.
// Non-numeric cells (scalar names) are returned in names, column 0.
func ReadCSV(t testing.TB, path string) (header []string, rows [][]float64, names []string) {
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
	header = recs[0]
	for _, rec := range recs[1:] {
		row := make([]float64, len(rec))
		for j, s := range rec {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				if j == 0 {
					names = append(names, s)
					row[j] = math.NaN()
					continue
				}
				t.Fatalf("%s: %v", path, err)
			}
			row[j] = v
		}
		rows = append(rows, row)
	}
	return header, rows, names
}

// ReadColumn reads a one-column reference CSV file.
func ReadColumn(t testing.TB, path string) []float64 {
	t.Helper()
	_, rows, _ := ReadCSV(t, path)
	col := make([]float64, len(rows))
	for i, r := range rows {
		col[i] = r[0]
	}
	return col
}

// ReadScalars reads a name,value reference CSV file.
func ReadScalars(t testing.TB, path string) map[string]float64 {
	t.Helper()
	_, rows, names := ReadCSV(t, path)
	m := make(map[string]float64, len(rows))
	for i, r := range rows {
		m[names[i]] = r[1]
	}
	return m
}

// Within reports whether max|got−ref| ≤ atol + rtol·max|ref| (the manifest's
// rule) and returns the worst absolute error.
func Within(got, ref []float64, rtol, atol float64) (ok bool, maxErr float64) {
	if len(got) != len(ref) {
		return false, math.Inf(1)
	}
	var maxRef float64
	for i := range ref {
		maxRef = math.Max(maxRef, math.Abs(ref[i]))
		e := math.Abs(got[i] - ref[i])
		if math.IsNaN(e) {
			return false, e
		}
		maxErr = math.Max(maxErr, e)
	}
	return maxErr <= atol+rtol*maxRef, maxErr
}
