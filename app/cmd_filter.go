package app

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"myorehab/processing/filter"
	"myorehab/storage/csvio"
)

// runFilter implements `myorehab filter` (CLI.md): Butterworth (causal or
// zero-phase) or notch filtering of every channel of a recording.
func runFilter(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("filter", stderr)
	in := fs.String("in", "", "input recording (CSV)")
	out := fs.String("out", "", "output CSV")
	rate := fs.Float64("fs", 1000, "sampling rate of a CSV input, Hz")
	order := fs.Int("butter", 0, "Butterworth order")
	band := fs.String("band", "", "band-pass edges LO,HI in Hz")
	hp := fs.Float64("highpass", 0, "high-pass edge, Hz")
	lp := fs.Float64("lowpass", 0, "low-pass edge, Hz")
	zero := fs.Bool("zero-phase", false, "forward-backward filtering (scipy sosfiltfilt, odd padding)")
	notch := fs.Float64("notch", 0, "notch centre frequency, Hz (scipy iirnotch)")
	q := fs.Float64("q", 30, "notch quality factor")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *in == "" || *out == "" {
		return usagef("filter needs --in and --out")
	}
	rec, err := readRecording(*in, *rate)
	if err != nil {
		return err
	}
	var sos []filter.Section
	var what string
	switch {
	case *notch > 0:
		if *order != 0 {
			return usagef("use either --notch or --butter, not both")
		}
		s, err := filter.NotchSOS(*notch, *q, rec.RateHz)
		if err != nil {
			return err
		}
		sos, what = []filter.Section{s}, fmt.Sprintf("notch %g Hz Q%g", *notch, *q)
	case *order > 0:
		n := 0
		for _, set := range []bool{*band != "", *hp > 0, *lp > 0} {
			if set {
				n++
			}
		}
		if n != 1 {
			return usagef("--butter needs exactly one of --band LO,HI, --highpass F or --lowpass F")
		}
		switch {
		case *band != "":
			lo, hi, err := parsePair(*band)
			if err != nil {
				return usagef("--band: %v", err)
			}
			sos, err = filter.ButterSOS(*order, filter.Bandpass, rec.RateHz, lo, hi)
			what = fmt.Sprintf("band-pass %g-%g Hz", lo, hi)
			if err != nil {
				return err
			}
		case *hp > 0:
			sos, err = filter.ButterSOS(*order, filter.Highpass, rec.RateHz, *hp)
			what = fmt.Sprintf("high-pass %g Hz", *hp)
		default:
			sos, err = filter.ButterSOS(*order, filter.Lowpass, rec.RateHz, *lp)
			what = fmt.Sprintf("low-pass %g Hz", *lp)
		}
		if err != nil {
			return err
		}
	default:
		return usagef("filter needs --butter N with a band, or --notch F0")
	}
	if *zero && *notch > 0 {
		return usagef("--zero-phase applies to --butter filters")
	}
	for c, x := range rec.Channels {
		if *zero {
			y, err := filter.SOSFiltFilt(nil, sos, x)
			if err != nil {
				return fmt.Errorf("channel %s: %w", rec.Labels[c], err)
			}
			rec.Channels[c] = y
		} else {
			rec.Channels[c] = filter.SOSFilt(nil, sos, x)
		}
	}
	if err := writeRecordingCSV(*out, rec); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "filtered %d channels × %d samples (%s%s) into %s\n",
		len(rec.Channels), rec.Len(), what, phaseNote(*zero), *out)
	return nil
}

// signalFile is a whole multichannel signal read from a file.
type signalFile struct {
	RateHz   float64
	Labels   []string
	Channels [][]float64 // planar, one slice per channel
}

// Len returns the number of samples per channel.
func (r *signalFile) Len() int {
	if len(r.Channels) == 0 {
		return 0
	}
	return len(r.Channels[0])
}

// readRecording reads a CSV or EDF+/BDF+ recording (by extension; see
// readEDFRecording). fsHz is the rate of a CSV file, which does not carry
// one, except the app's own CSV export (`sample,t_s,<channels...>`), whose
// t_s column gives the rate and whose first two columns are not channels.
func readRecording(path string, fsHz float64) (*signalFile, error) {
	switch ext := strings.ToLower(path[strings.LastIndexByte(path, '.')+1:]); ext {
	case "edf", "bdf":
		return readEDFRecording(path)
	}
	if fsHz <= 0 {
		return nil, usagef("--fs must be positive")
	}
	return readCSVRecording(path, fsHz)
}

func phaseNote(zero bool) string {
	if zero {
		return ", zero-phase"
	}
	return ""
}

// readCSVRecording reads a CSV recording (one column per channel).
func readCSVRecording(path string, fsHz float64) (*signalFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	labels, chans, err := csvio.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(labels) != len(chans) {
		labels = make([]string, len(chans))
		for i := range labels {
			labels[i] = fmt.Sprintf("ch%d", i+1)
		}
	}
	if len(labels) >= 2 && labels[0] == "sample" && labels[1] == "t_s" {
		// The app's own export (`myorehab export --format csv`): sample
		// index and time are not channels, and the time gives the rate.
		rate, err := csvExportRate(chans[0], chans[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(chans) == 2 {
			return nil, fmt.Errorf("%s: the file holds sample and t_s columns but no channel", path)
		}
		return &signalFile{RateHz: rate, Labels: labels[2:], Channels: chans[2:]}, nil
	}
	return &signalFile{RateHz: fsHz, Labels: labels, Channels: chans}, nil
}

// csvExportRate returns the sampling rate of an export's sample and t_s
// columns: (last sample − first sample) / (last time − first time), so
// gaps (jumps in the sample index) do not change it.
func csvExportRate(sample, t []float64) (float64, error) {
	n := len(t) - 1
	if n < 1 || !(t[n] > t[0]) || !(sample[n] > sample[0]) {
		return 0, fmt.Errorf("its t_s column does not give a sampling rate (fewer than 2 rows, or time does not increase)")
	}
	rate := (sample[n] - sample[0]) / (t[n] - t[0])
	// t_s is written as sample/rate with full precision: round off the
	// last digits of the division.
	rate = math.Round(rate*1e6) / 1e6
	if !(rate > 0) || math.IsInf(rate, 0) {
		return 0, fmt.Errorf("its sample and t_s columns give no sampling rate (%v Hz)", rate)
	}
	return rate, nil
}

// writeRecordingCSV writes rec as CSV with a header of channel labels.
func writeRecordingCSV(path string, rec *signalFile) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := csvio.Write(f, rec.Labels, rec.Channels); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
