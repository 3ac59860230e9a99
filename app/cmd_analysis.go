package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"myorehab/processing/fatigue"
	"myorehab/processing/features"
	"myorehab/processing/spectrum"
	"myorehab/processing/wavelet"
	"myorehab/storage/csvio"
)

// jsonNum is a float64 that encodes NaN and ±Inf as JSON null (an empty
// band, or a trend of fewer than two windows).
type jsonNum float64

func (v jsonNum) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// samplesOf converts a duration flag to samples at fsHz: round(s·fs).
func samplesOf(flagName, value string, fsHz float64) (int, error) {
	d, err := parseDuration(value)
	if err != nil {
		return 0, usagef("--%s: %v", flagName, err)
	}
	return int(math.Round(d.Seconds() * fsHz)), nil
}

// bandFlag parses an optional --band LO,HI (empty: all frequencies).
func bandFlag(s string) (lo, hi float64, err error) {
	if s == "" {
		return math.Inf(-1), math.Inf(1), nil
	}
	lo, hi, err = parsePair(s)
	if err != nil {
		return 0, 0, usagef("--band: %v", err)
	}
	if lo > hi {
		return 0, 0, usagef("--band: %g,%g is inverted", lo, hi)
	}
	return lo, hi, nil
}

type spectrumChannel struct {
	Label string  `json:"label"`
	MDF   jsonNum `json:"mdf_hz"`
	MNF   jsonNum `json:"mnf_hz"`
}

// runSpectrum implements `myorehab spectrum` (CLI.md): the Welch PSD of every
// channel as CSV, and the median and mean frequency over the band.
func runSpectrum(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("spectrum", stderr)
	in := fs.String("in", "", "input recording (CSV, EDF+ or BDF+)")
	out := fs.String("out", "", "output CSV: f_hz,<channel...> (PSD in input unit²/Hz)")
	rate := fs.Float64("fs", 1000, "sampling rate of a CSV input, Hz")
	nperseg := fs.Int("nperseg", 256, "Welch segment length, samples")
	noverlap := fs.Int("noverlap", -1, "Welch segment overlap, samples (default nperseg/2)")
	band := fs.String("band", "", "band LO,HI in Hz for MDF/MNF (default: all bins)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *in == "" || *out == "" {
		return usagef("spectrum needs --in and --out")
	}
	lo, hi, err := bandFlag(*band)
	if err != nil {
		return err
	}
	if *noverlap < 0 {
		*noverlap = *nperseg / 2
	}
	rec, err := readRecording(*in, *rate)
	if err != nil {
		return err
	}
	w, err := spectrum.NewWelch(rec.RateHz, *nperseg, *noverlap)
	if err != nil {
		return usagef("%v", err)
	}
	if rec.Len() < *nperseg {
		return fmt.Errorf("%s: %d samples, fewer than --nperseg %d", *in, rec.Len(), *nperseg)
	}
	freqs := w.Freqs(nil)
	cols := [][]float64{freqs}
	labels := append([]string{"f_hz"}, rec.Labels...)
	res := make([]spectrumChannel, len(rec.Channels))
	for c, x := range rec.Channels {
		psd := w.PSD(nil, x)
		cols = append(cols, psd)
		res[c] = spectrumChannel{
			Label: rec.Labels[c],
			MDF:   jsonNum(spectrum.MedianFrequency(freqs, psd, lo, hi)),
			MNF:   jsonNum(spectrum.MeanFrequency(freqs, psd, lo, hi)),
		}
	}
	if err := writeColumnsCSV(*out, labels, cols); err != nil {
		return err
	}
	if *asJSON {
		return writeJSONLine(stdout, map[string]any{"channels": res, "segments": w.Segments(rec.Len()), "bins": w.Bins()})
	}
	fmt.Fprintf(stdout, "Welch PSD of %d channels (%d segments of %d samples) into %s\n", len(res), w.Segments(rec.Len()), *nperseg, *out)
	for _, r := range res {
		fmt.Fprintf(stdout, "%s: MDF %.2f Hz, MNF %.2f Hz\n", r.Label, float64(r.MDF), float64(r.MNF))
	}
	return nil
}

// runDenoise implements `myorehab denoise` (CLI.md): wavelet denoising of
// every channel over its whole length.
func runDenoise(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("denoise", stderr)
	in := fs.String("in", "", "input recording (CSV, EDF+ or BDF+)")
	out := fs.String("out", "", "output CSV")
	rate := fs.Float64("fs", 1000, "sampling rate of a CSV input, Hz")
	name := fs.String("wavelet", "db4", "wavelet: "+strings.Join(wavelet.Names(), ", "))
	level := fs.Int("level", 0, "decomposition levels (0 = the maximum)")
	threshold := fs.String("threshold", "universal", "threshold rule: universal or sure")
	soft := fs.Bool("soft", false, "soft thresholding")
	hard := fs.Bool("hard", false, "hard thresholding")
	asJSON := fs.Bool("json", false, "print per-channel sigma and thresholds as one JSON object")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *in == "" || *out == "" {
		return usagef("denoise needs --in and --out")
	}
	if *soft == *hard {
		return usagef("denoise needs exactly one of --soft or --hard")
	}
	mode := wavelet.Soft
	if *hard {
		mode = wavelet.Hard
	}
	var rule wavelet.Rule
	switch strings.ToLower(*threshold) {
	case "universal", "visushrink":
		rule = wavelet.Universal
	case "sure", "sureshrink":
		rule = wavelet.SureShrink
	default:
		return usagef("--threshold %q: use universal or sure", *threshold)
	}
	wv, err := wavelet.New(*name)
	if err != nil {
		return usagef("--wavelet: %v", err)
	}
	rec, err := readRecording(*in, *rate)
	if err != nil {
		return err
	}
	d, err := wavelet.NewDenoiser(wv, rec.Len(), *level, rule, mode)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	type chanInfo struct {
		Label      string    `json:"label"`
		Sigma      jsonNum   `json:"sigma"`
		Thresholds []jsonNum `json:"thresholds"`
	}
	info := make([]chanInfo, len(rec.Channels))
	for c, x := range rec.Channels {
		rec.Channels[c] = d.Denoise(nil, x)
		thr := d.Thresholds(nil)
		info[c] = chanInfo{Label: rec.Labels[c], Sigma: jsonNum(d.Sigma()), Thresholds: make([]jsonNum, len(thr))}
		for i, v := range thr {
			info[c].Thresholds[i] = jsonNum(v)
		}
	}
	if err := writeRecordingCSV(*out, rec); err != nil {
		return err
	}
	if *asJSON {
		return writeJSONLine(stdout, map[string]any{"channels": info, "level": d.Level()})
	}
	fmt.Fprintf(stdout, "denoised %d channels × %d samples (%s, %d levels, %s %s) into %s\n",
		len(rec.Channels), rec.Len(), *name, d.Level(), rule, mode, *out)
	return nil
}

// runFeatures implements `myorehab features` (CLI.md): LibEMG features of
// every window, one CSV row per window.
func runFeatures(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("features", stderr)
	in := fs.String("in", "", "input recording (CSV, EDF+ or BDF+)")
	out := fs.String("out", "", "output CSV, one row per window")
	rate := fs.Float64("fs", 1000, "sampling rate of a CSV input, Hz")
	window := fs.Int("window", 0, "window length, samples")
	inc := fs.Int("inc", 0, "window increment, samples")
	list := fs.String("features", "", "comma-separated features and/or groups ("+strings.Join(features.GroupNames(), ", ")+", …)")
	var params []string
	fs.Func("param", "feature parameter NAME=VALUE with LibEMG's names (e.g. WAMP_threshold=0.01); repeatable", func(s string) error {
		params = append(params, s)
		return nil
	})
	asJSON := fs.Bool("json", false, "print a summary as one JSON object")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *in == "" || *out == "" || *list == "" {
		return usagef("features needs --in, --out and --features")
	}
	if *window < 1 || *inc < 1 {
		return usagef("features needs --window N and --inc N (samples, positive)")
	}
	p := features.DefaultParams()
	for _, kv := range params {
		if err := setFeatureParam(&p, kv); err != nil {
			return usagef("--param %s: %v", kv, err)
		}
	}
	var names []string
	for _, n := range strings.Split(*list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	rec, err := readRecording(*in, *rate)
	if err != nil {
		return err
	}
	set, err := features.NewSet(names, len(rec.Channels), *window, p)
	if err != nil {
		return usagef("%v", err)
	}
	rows := features.NumWindows(rec.Len(), *window, *inc)
	vals := set.ExtractSliding(nil, rec.Channels, *inc)
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	bw := bufio.NewWriter(f)
	w, err := csvio.NewWriter(bw, set.Names())
	if err == nil {
		for i := range rows {
			if err = w.WriteRow(vals[i*set.Len() : (i+1)*set.Len()]); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if *asJSON {
		return writeJSONLine(stdout, map[string]any{"windows": rows, "columns": set.Names(), "features": set.Features()})
	}
	fmt.Fprintf(stdout, "%d windows × %d columns (%s) into %s\n", rows, set.Len(), strings.Join(set.Features(), " "), *out)
	return nil
}

// setFeatureParam sets one LibEMG-named parameter (case-insensitive).
func setFeatureParam(p *features.Params, kv string) error {
	name, value, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("want NAME=VALUE")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil {
		return fmt.Errorf("value %q is not a number", value)
	}
	integer := func(dst *int) error {
		if v != math.Trunc(v) || math.Abs(v) > 1e6 {
			return fmt.Errorf("value %v must be an integer", v)
		}
		*dst = int(v)
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "ssc_threshold":
		p.SSCThreshold = v
	case "wamp_threshold":
		p.WAMPThreshold = v
	case "ar_order":
		return integer(&p.AROrder)
	case "cc_order":
		return integer(&p.CCOrder)
	case "mavslp_segment":
		return integer(&p.MAVSLPSegments)
	case "mdf_fs", "mnf_fs", "sm_fs", "fs":
		p.SampleRateHz = v
	case "tm_order":
		return integer(&p.TMOrder)
	case "sm_order":
		return integer(&p.SMOrder)
	case "sampen_dim":
		return integer(&p.SampEnDim)
	case "sampen_tolerance":
		p.SampEnTolerance = v
	case "fuzzyen_dim":
		return integer(&p.FuzzyEnDim)
	case "fuzzyen_tolerance":
		p.FuzzyEnTolerance = v
	case "fuzzyen_win":
		return integer(&p.FuzzyEnWin)
	default:
		return fmt.Errorf("unknown parameter %q", name)
	}
	return nil
}

type fatigueWindow struct {
	TStart jsonNum       `json:"t_start_s"`
	MDF    jsonNum       `json:"mdf_hz"`
	MNF    jsonNum       `json:"mnf_hz"`
	RMS    jsonNum       `json:"rms"`
	Active bool          `json:"active"`
	Label  fatigue.Label `json:"label"`
}

type fatigueChannel struct {
	Label           string          `json:"label"`
	Slope           jsonNum         `json:"slope_hz_per_s"`
	Intercept       jsonNum         `json:"intercept_hz"`
	Fatigued        bool            `json:"fatigue_detected"`
	ActiveWindows   int             `json:"active_windows"`
	ActiveSlope     jsonNum         `json:"active_slope_hz_per_s"`
	DeclinePct      jsonNum         `json:"decline_pct"`
	NoiseRMS        jsonNum         `json:"noise_rms"`
	ActiveThreshold jsonNum         `json:"active_threshold_rms"`
	Windows         []fatigueWindow `json:"windows"`
}

// runFatigue implements `myorehab fatigue` (CLI.md): MDF, MNF and RMS per
// non-overlapping window, the least-squares MDF slope over all windows and
// the fatigue flag over the active ones (processing/fatigue).
func runFatigue(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fatigue", stderr)
	in := fs.String("in", "", "input recording (CSV, EDF+ or BDF+)")
	rate := fs.Float64("fs", 1000, "sampling rate of a CSV input, Hz")
	window := fs.String("window", "1s", "window length (1s, 500ms or seconds)")
	nperseg := fs.String("nperseg", "0.2s", "Welch segment length (duration)")
	noverlap := fs.String("noverlap", "", "Welch segment overlap (duration; default half a segment)")
	band := fs.String("band", "20,450", "band LO,HI in Hz for MDF/MNF")
	noise := fs.Float64("noise-rms", 0, "rest RMS of the channels in signal units (default: estimated from the recording)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *in == "" {
		return usagef("fatigue needs --in")
	}
	lo, hi, err := bandFlag(*band)
	if err != nil {
		return err
	}
	if _, err := parseDuration(*window); err != nil {
		return usagef("--window: %v", err)
	}
	rec, err := readRecording(*in, *rate)
	if err != nil {
		return err
	}
	cfg := fatigue.DefaultConfig(rec.RateHz)
	cfg.LoHz, cfg.HiHz, cfg.NoiseRMS = lo, hi, *noise
	if cfg.WindowLen, err = samplesOf("window", *window, rec.RateHz); err != nil {
		return err
	}
	if cfg.NPerSeg, err = samplesOf("nperseg", *nperseg, rec.RateHz); err != nil {
		return err
	}
	cfg.NOverlap = cfg.NPerSeg / 2
	if *noverlap != "" {
		if cfg.NOverlap, err = samplesOf("noverlap", *noverlap, rec.RateHz); err != nil {
			return err
		}
	}
	res, err := fatigue.Analyze(cfg, rec.Channels)
	if err != nil {
		return usagef("%v", err)
	}
	out := make([]fatigueChannel, len(res))
	for c, r := range res {
		ch := fatigueChannel{
			Label:           rec.Labels[c],
			Slope:           jsonNum(r.SlopeHzPerS),
			Intercept:       jsonNum(r.InterceptHz),
			Fatigued:        r.Fatigued,
			ActiveWindows:   r.ActiveWindows,
			ActiveSlope:     jsonNum(r.ActiveSlopeHzPerS),
			DeclinePct:      jsonNum(r.DeclinePct),
			NoiseRMS:        jsonNum(r.NoiseRMS),
			ActiveThreshold: jsonNum(r.ActiveThreshold),
			Windows:         make([]fatigueWindow, len(r.Windows)),
		}
		for k, w := range r.Windows {
			ch.Windows[k] = fatigueWindow{jsonNum(w.TStartS), jsonNum(w.MDFHz), jsonNum(w.MNFHz), jsonNum(w.RMS), w.Active, w.Label}
		}
		out[c] = ch
	}
	if *asJSON {
		return writeJSONLine(stdout, map[string]any{"channels": out})
	}
	for _, ch := range out {
		verdict := "no fatigue detected"
		if ch.Fatigued {
			verdict = "FATIGUE detected"
		}
		fmt.Fprintf(stdout, "%s: %d windows (%d active), MDF slope %.3f Hz/s (active %.3f Hz/s), decline %.1f %%: %s\n",
			ch.Label, len(ch.Windows), ch.ActiveWindows, float64(ch.Slope), float64(ch.ActiveSlope), float64(ch.DeclinePct), verdict)
	}
	return nil
}

// writeColumnsCSV writes planar columns with a header line.
func writeColumnsCSV(path string, labels []string, cols [][]float64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	bw := bufio.NewWriter(f)
	err = csvio.Write(bw, labels, cols)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
