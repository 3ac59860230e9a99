package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"myorehab/internal/shareddata"
	"myorehab/processing/features"
	"myorehab/storage/csvio"
)

// sharedDir returns ../shared/<sub> beside the module root or skips.
// Under CI=true a missing ../shared fails the test instead (shareddata).
func sharedDir(t *testing.T, sub string) string {
	t.Helper()
	return shareddata.Dir(t, sub)
}

// runCLI runs one subcommand and returns stdout; the last line is parsed as
// JSON into v when v is not nil.
func runCLI(t *testing.T, v any, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := Run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("myorehab %s: %v (stderr %q)", strings.Join(args, " "), err, errb.String())
	}
	if v != nil {
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
			t.Fatalf("JSON %q: %v", lines[len(lines)-1], err)
		}
	}
	return out.String()
}

// readCSVFile reads a numeric CSV file with one header line.
func readCSVFile(t *testing.T, path string) (header []string, cols [][]float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header, cols, err = csvio.Read(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return header, cols
}

func scalars(t *testing.T, path string) map[string]float64 {
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
	m := map[string]float64{}
	for _, r := range recs[1:] {
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		m[r[0]] = v
	}
	return m
}

// maxRelErr returns max|got−ref| / max|ref| (the manifest's rule).
func maxRelErr(got, ref []float64) float64 {
	var e, m float64
	for i := range ref {
		e = max(e, math.Abs(got[i]-ref[i]))
		m = max(m, math.Abs(ref[i]))
	}
	return e / m
}

var refInputs = []struct {
	id string
	fs float64
}{
	{"physionet_healthy_4000hz", 4000},
	{"3dc_P01_train_ch1_1000hz", 1000},
	{"mckiernan_S8_ch0_10000hz", 10000},
}

// TestSpectrumCommandReference runs `spectrum` on the reference inputs and
// compares the PSD CSV (rtol 1e-9) and the JSON MDF/MNF over 20–450 Hz and
// over all bins (1e-6 Hz) with scipy's values (../shared/reference).
func TestSpectrumCommandReference(t *testing.T) {
	ref := sharedDir(t, "reference")
	for _, in := range refInputs {
		t.Run(in.id, func(t *testing.T) {
			sc := scalars(t, filepath.Join(ref, in.id, "welch_hann_256_128__scalars.csv"))
			_, want := readCSVFile(t, filepath.Join(ref, in.id, "welch_hann_256_128__psd.csv"))
			for _, band := range []struct{ flag, key string }{{"20,450", "20_450"}, {"", "full"}} {
				out := filepath.Join(t.TempDir(), "psd.csv")
				args := []string{"spectrum", "--in", filepath.Join(ref, "inputs", in.id+".csv"), "--out", out,
					"--fs", fmt.Sprint(in.fs), "--nperseg", "256", "--noverlap", "128", "--json"}
				if band.flag != "" {
					args = append(args, "--band", band.flag)
				}
				var res struct {
					Channels []struct {
						MDF float64 `json:"mdf_hz"`
						MNF float64 `json:"mnf_hz"`
					} `json:"channels"`
					Segments int `json:"segments"`
				}
				runCLI(t, &res, args...)
				if len(res.Channels) != 1 || res.Segments != int(sc["n_segments"]) {
					t.Fatalf("%d channels, %d segments; want 1, %v", len(res.Channels), res.Segments, sc["n_segments"])
				}
				if d := math.Abs(res.Channels[0].MDF - sc["mdf_"+band.key+"_hz"]); !(d <= 1e-6) {
					t.Errorf("band %q: MDF %v, want %v", band.flag, res.Channels[0].MDF, sc["mdf_"+band.key+"_hz"])
				}
				if d := math.Abs(res.Channels[0].MNF - sc["mnf_"+band.key+"_hz"]); !(d <= 1e-6) {
					t.Errorf("band %q: MNF %v, want %v", band.flag, res.Channels[0].MNF, sc["mnf_"+band.key+"_hz"])
				}
				header, got := readCSVFile(t, out)
				if header[0] != "f_hz" || len(got) != 2 || len(got[0]) != len(want[0]) {
					t.Fatalf("PSD CSV header %v, %d columns × %d rows", header, len(got), len(got[0]))
				}
				if e := maxRelErr(got[0], want[0]); e > 1e-12 {
					t.Errorf("frequencies off by %g", e)
				}
				if e := maxRelErr(got[1], want[1]); e > 1e-9 {
					t.Errorf("PSD off by %g relative", e)
				}
			}
		})
	}
}

// TestDenoiseCommandReference runs `denoise` with the reference settings
// (db4, 4 levels, universal, soft) and compares with pywt (rtol 1e-9).
func TestDenoiseCommandReference(t *testing.T) {
	ref := sharedDir(t, "reference")
	for _, in := range refInputs {
		out := filepath.Join(t.TempDir(), "y.csv")
		var res struct {
			Channels []struct {
				Sigma float64 `json:"sigma"`
			} `json:"channels"`
		}
		runCLI(t, &res, "denoise", "--in", filepath.Join(ref, "inputs", in.id+".csv"), "--out", out, "--fs", fmt.Sprint(in.fs),
			"--wavelet", "db4", "--level", "4", "--threshold", "universal", "--soft", "--json")
		_, got := readCSVFile(t, out)
		_, want := readCSVFile(t, filepath.Join(ref, in.id, "wavelet_denoise_db4_L4_soft_universal__y.csv"))
		if len(got[0]) != len(want[0]) {
			t.Fatalf("%s: %d samples, want %d", in.id, len(got[0]), len(want[0]))
		}
		if e := maxRelErr(got[0], want[0]); e > 1e-9 {
			t.Errorf("%s: denoised signal off by %g relative", in.id, e)
		}
		if s := scalars(t, filepath.Join(ref, in.id, "wavelet_denoise_db4_L4_soft_universal__scalars.csv"))["sigma"]; math.Abs(res.Channels[0].Sigma-s) > 1e-9*s {
			t.Errorf("%s: sigma %v, want %v", in.id, res.Channels[0].Sigma, s)
		}
	}
}

// TestFeaturesCommand: the CSV has LibEMG's column names in order and one
// row per window with exactly the values of features.Set.ExtractSliding.
func TestFeaturesCommand(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	x := [][]float64{make([]float64, 1000), make([]float64, 1000)}
	for c := range x {
		for i := range x[c] {
			x[c][i] = rng.NormFloat64() * float64(c+1)
		}
	}
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "feat.csv")
	if err := writeColumnsCSV(in, []string{"a", "b"}, x); err != nil {
		t.Fatal(err)
	}
	runCLI(t, nil, "features", "--in", in, "--out", out, "--window", "200", "--inc", "50",
		"--features", "TD,RMS,AR", "--param", "AR_order=3", "--param", "WAMP_threshold=0.5")
	p := features.DefaultParams()
	p.AROrder, p.WAMPThreshold = 3, 0.5
	set, err := features.NewSet([]string{"TD", "RMS", "AR"}, 2, 200, p)
	if err != nil {
		t.Fatal(err)
	}
	want := set.ExtractSliding(nil, x, 50)
	header, cols := readCSVFile(t, out)
	if strings.Join(header, ",") != strings.Join(set.Names(), ",") {
		t.Errorf("header %v, want %v", header, set.Names())
	}
	if !strings.HasPrefix(strings.Join(header, ","), "MAV_0,MAV_1,ZC_0,ZC_1,SSC_0,SSC_1,WL_0,WL_1,RMS_0,RMS_1,AR_0_1,AR_0_2,AR_0_3,AR_1_1") {
		t.Errorf("columns not in LibEMG order: %v", header)
	}
	rows := features.NumWindows(1000, 200, 50)
	if len(cols) != set.Len() || len(cols[0]) != rows {
		t.Fatalf("%d columns × %d rows, want %d × %d", len(cols), len(cols[0]), set.Len(), rows)
	}
	for r := range rows {
		for j := range cols {
			if cols[j][r] != want[r*set.Len()+j] {
				t.Fatalf("row %d column %s: %v, want %v", r, header[j], cols[j][r], want[r*set.Len()+j])
			}
		}
	}
}

// readWAV16 reads a 16-bit PCM WAV (the McKiernan originals) into planar
// channels, using the data chunk's size.
func readWAV16(t *testing.T, path string) (fs float64, chans [][]float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nch int
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8 : p+8+size]
		switch id {
		case "fmt ":
			nch = int(binary.LittleEndian.Uint16(body[2:4]))
			fs = float64(binary.LittleEndian.Uint32(body[4:8]))
			if bits := binary.LittleEndian.Uint16(body[14:16]); bits != 16 {
				t.Fatalf("%s: %d bits", path, bits)
			}
		case "data":
			n := size / (2 * nch)
			chans = make([][]float64, nch)
			for c := range chans {
				chans[c] = make([]float64, n)
				for i := range n {
					chans[c][i] = float64(int16(binary.LittleEndian.Uint16(body[2*(i*nch+c):])))
				}
			}
			return fs, chans
		}
		p += 8 + size + size%2
	}
	t.Fatalf("%s: no data chunk", path)
	return 0, nil
}

// TestFatigueCommandReference runs `fatigue --window 1s --nperseg 0.2s
// --band 20,450 --json` on every McKiernan recording and checks the slopes
// and intercepts of mdf_slope_reference.csv (1e-6), the first windows of
// mdf_reference.csv, and the flag: S8 (both channels) and S6 fatigued, S9
// and S10 not. It reads the EDF files once readRecording supports them,
// else the byte-identical WAV originals converted to CSV.
func TestFatigueCommandReference(t *testing.T) {
	if testing.Short() {
		t.Skip("reads about 6 million samples")
	}
	dir := sharedDir(t, filepath.Join("data", "mckiernan-sustained"))
	f, err := os.Open(filepath.Join(dir, "mdf_slope_reference.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, edfErr := readRecording(filepath.Join(dir, "S9_EMG_quadricep_squatSustained.edf"), 1000)
	if edfErr != nil {
		t.Logf("EDF input not available yet (%v); using the WAV originals as CSV", edfErr)
	}
	type result struct {
		Channels []struct {
			Label     string  `json:"label"`
			Slope     float64 `json:"slope_hz_per_s"`
			Intercept float64 `json:"intercept_hz"`
			Fatigued  bool    `json:"fatigue_detected"`
			Windows   []struct {
				TStart float64 `json:"t_start_s"`
				MDF    float64 `json:"mdf_hz"`
				MNF    float64 `json:"mnf_hz"`
				RMS    float64 `json:"rms"`
			} `json:"windows"`
		} `json:"channels"`
	}
	cache := map[string]*result{}
	for _, r := range recs[1:] { // file,channel,fs_hz,n_windows,slope_hz_per_s,intercept_hz
		name := strings.TrimSuffix(r[0], ".wav")
		res, ok := cache[name]
		if !ok {
			res = &result{}
			in := filepath.Join(dir, name+".edf")
			fs := r[2]
			if edfErr != nil {
				rate, x := readWAV16(t, filepath.Join(dir, name+".wav"))
				in = filepath.Join(t.TempDir(), name+".csv")
				labels := make([]string, len(x))
				for c := range labels {
					labels[c] = fmt.Sprintf("EMG ch%d", c)
				}
				if err := writeColumnsCSV(in, labels, x); err != nil {
					t.Fatal(err)
				}
				fs = fmt.Sprint(rate)
			}
			runCLI(t, res, "fatigue", "--in", in, "--fs", fs, "--window", "1s", "--nperseg", "0.2s", "--band", "20,450", "--json")
			cache[name] = res
		}
		c, _ := strconv.Atoi(r[1])
		ch := res.Channels[c]
		slope, _ := strconv.ParseFloat(r[4], 64)
		icpt, _ := strconv.ParseFloat(r[5], 64)
		if strconv.Itoa(len(ch.Windows)) != r[3] {
			t.Errorf("%s ch%d: %d windows, want %s", name, c, len(ch.Windows), r[3])
		}
		if math.Abs(ch.Slope-slope) > 1e-6 || math.Abs(ch.Intercept-icpt) > 1e-6 {
			t.Errorf("%s ch%d: slope %v Hz/s, intercept %v Hz; want %v, %v", name, c, ch.Slope, ch.Intercept, slope, icpt)
		}
		want := strings.HasPrefix(name, "S8_") || strings.HasPrefix(name, "S6_")
		if ch.Fatigued != want {
			t.Errorf("%s ch%d: fatigue_detected %v, want %v", name, c, ch.Fatigued, want)
		}
	}
	// Spot-check the per-window fields against mdf_reference.csv.
	f, err = os.Open(filepath.Join(dir, "mdf_reference.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range rows[1:] { // file,channel,window,t_start_s,t_end_s,rms_adu,mdf_hz,mnf_hz
		res := cache[strings.TrimSuffix(r[0], ".wav")]
		c, _ := strconv.Atoi(r[1])
		k, _ := strconv.Atoi(r[2])
		w := res.Channels[c].Windows[k]
		num := func(i int) float64 { v, _ := strconv.ParseFloat(r[i], 64); return v }
		if w.TStart != num(3) || math.Abs(w.MDF-num(6)) > 1e-6 || math.Abs(w.MNF-num(7)) > 1e-6 || math.Abs(w.RMS-num(5)) > 1e-9*num(5) {
			t.Errorf("%s ch%d window %d: %+v, want t %v rms %v mdf %v mnf %v", r[0], c, k, w, num(3), num(5), num(6), num(7))
		}
		checked++
	}
	if checked == 0 {
		t.Error("no reference windows checked")
	}
}

// TestAnalysisCommandErrors: mistakes on the command line are usage errors
// (exit status 2) with a message.
func TestAnalysisCommandErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	x := make([]float64, 3000)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	if err := writeColumnsCSV(in, []string{"a"}, [][]float64{x}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	for _, args := range [][]string{
		{"spectrum", "--in", in},
		{"spectrum", "--in", in, "--out", out, "--nperseg", "1"},
		{"spectrum", "--in", in, "--out", out, "--band", "450,20"},
		{"denoise", "--in", in, "--out", out, "--soft", "--hard"},
		{"denoise", "--in", in, "--out", out, "--soft", "--wavelet", "db99"},
		{"denoise", "--in", in, "--out", out, "--soft", "--threshold", "minimax"},
		{"features", "--in", in, "--out", out, "--window", "100", "--inc", "10", "--features", "NOPE"},
		{"features", "--in", in, "--out", out, "--window", "0", "--inc", "10", "--features", "MAV"},
		{"features", "--in", in, "--out", out, "--window", "100", "--inc", "10", "--features", "AR", "--param", "AR_order=x"},
		{"fatigue"},
		{"fatigue", "--in", in, "--window", "soon"},
		{"fatigue", "--in", in, "--nperseg", "2s"},
		{"fatigue", "--in", in, "--band", "20"},
	} {
		var o, e bytes.Buffer
		err := Run(context.Background(), args, &o, &e)
		var u *UsageError
		if !errors.As(err, &u) || err.Error() == "" {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	// A file that does not exist is an environment error, not usage.
	if err := Run(context.Background(), []string{"fatigue", "--in", filepath.Join(dir, "missing.csv")}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || ExitCode(err) != 1 {
		t.Errorf("missing file: err = %v (exit %d), want exit 1", err, ExitCode(err))
	}
}

// TestFatigueCommandText: without --json the command prints one line per
// channel, and a recording shorter than one window yields null slopes in
// JSON rather than an encoding error.
func TestFatigueCommandText(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "short.csv")
	x := make([]float64, 500)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	if err := writeColumnsCSV(in, []string{"flexor"}, [][]float64{x}); err != nil {
		t.Fatal(err)
	}
	if out := runCLI(t, nil, "fatigue", "--in", in); !strings.HasPrefix(out, "flexor: 0 windows") {
		t.Errorf("text output %q", out)
	}
	var res struct {
		Channels []struct {
			Slope *float64 `json:"slope_hz_per_s"`
		} `json:"channels"`
	}
	runCLI(t, &res, "fatigue", "--in", in, "--json")
	if len(res.Channels) != 1 || res.Channels[0].Slope != nil {
		t.Errorf("short recording: %+v, want one channel with a null slope", res)
	}
}
