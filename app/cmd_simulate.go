package app

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"myorehab/acquisition/sim"
	"myorehab/storage/edf"
)

// simulateResult is what `myorehab simulate` prints.
type simulateResult struct {
	Out         string  `json:"out"`
	Samples     int64   `json:"samples"`
	Channels    int     `json:"channels"`
	RateHz      float64 `json:"rate_hz"`
	Seconds     float64 `json:"seconds"`
	Annotations int     `json:"annotations"`
	Clipped     int64   `json:"clipped"`
}

// simAnnotation is one script step of a simulated recording, in samples.
type simAnnotation struct {
	start, end uint64
	text       string
}

// simulatePhysicalUV is the physical range of a simulated EDF's 16-bit
// signals: ±3276.8 µV in steps of 0.1 µV, far above the simulator's EMG
// (200 µV RMS at full activation) and far below its noise in resolution.
const simulatePhysicalUV = 3276.8

// runSimulate implements `myorehab simulate` (CLI.md, "Simulated patient"):
// an EDF+ (or BDF+, by the extension) recording of the simulated patient
// following a gesture script, each step annotated with its gesture.
func runSimulate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", stderr)
	scriptPath := fs.String("script", "", "gesture script: lines '<gesture> <seconds> [level]'")
	out := fs.String("out", "", "recording to write: .edf (EDF+, 16-bit) or .bdf (BDF+, 24-bit)")
	seed := fs.Uint64("seed", 1, "seed of the simulated patient (electrode gains, noise)")
	channels := fs.Int("channels", sim.DefaultChannels, "electrodes around the forearm, 1 to 16")
	rate := fs.Float64("rate", sim.DefaultRateHz, "sampling rate in Hz")
	repeat := fs.Int("repeat", 1, "run the script this many times")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *scriptPath == "" || *out == "" {
		return usagef("simulate needs --script FILE and --out FILE.edf")
	}
	format := edf.EDF
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".edf":
	case ".bdf":
		format = edf.BDF
	default:
		return usagef("--out %s: write a .edf (EDF+) or .bdf (BDF+) file", *out)
	}
	if *channels < 1 || *channels > sim.MaxChannels {
		return usagef("--channels must be 1 to %d", sim.MaxChannels)
	}
	if !(*rate >= 1 && *rate <= 100000) {
		return usagef("--rate must be 1 to 100000 Hz")
	}
	if *repeat < 1 {
		return usagef("--repeat must be at least 1")
	}
	script, err := readScript(*scriptPath)
	if err != nil {
		return err
	}
	cfg := sim.DefaultConfig()
	cfg.Channels, cfg.RateHz, cfg.Seed, cfg.Script = *channels, *rate, *seed, script
	s, err := sim.NewSimulator(cfg)
	if err != nil {
		return usagef("%v", err)
	}

	ends := script.Ends(*rate)
	period := ends[len(ends)-1]
	var anns []simAnnotation
	for r := range uint64(*repeat) {
		var start uint64
		for i, st := range script {
			anns = append(anns, simAnnotation{r*period + start, r*period + ends[i], st.Gesture.String()})
			start = ends[i]
		}
	}
	total := period * uint64(*repeat)

	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	defer f.Close()
	w, err := newSimulateWriter(f, format, *rate, sim.DefaultLabels(*channels), anns)
	if err != nil {
		return fmt.Errorf("%s: %w", *out, err)
	}
	for _, a := range anns {
		if err := w.Annotate(edf.Annotation{
			Onset: float64(a.start) / *rate, Duration: float64(a.end-a.start) / *rate, Text: a.text,
		}); err != nil {
			return fmt.Errorf("%s: %w", *out, err)
		}
	}
	if err := writeSimulated(w, s, total); err != nil {
		return fmt.Errorf("%s: %w", *out, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", *out, err)
	}
	res := simulateResult{
		Out: *out, Samples: int64(total), Channels: *channels, RateHz: *rate,
		Seconds: float64(total) / *rate, Annotations: len(anns), Clipped: w.Clipped(),
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "%s: %d samples of %d channels at %g Hz (%g s), %d annotated steps\n",
			res.Out, res.Samples, res.Channels, res.RateHz, res.Seconds, res.Annotations)
	}
	return writeJSONLine(stdout, res)
}

// newSimulateWriter starts the file on f with annotation space enough for
// every annotation to sit in the data record holding its onset: the space
// depends on the record duration the writer picks, which may depend on the
// space, so it starts again (rewriting the header) until they agree.
func newSimulateWriter(f *os.File, format edf.Format, rateHz float64, labels []string, anns []simAnnotation) (*edf.Writer, error) {
	lo, hi := format.DigitalRange()
	sigs := make([]edf.Signal, len(labels))
	for c, l := range labels {
		sigs[c] = edf.Signal{
			Label: "EMG " + l, Transducer: "simulated sEMG", PhysicalDim: "uV",
			PhysicalMin: -simulatePhysicalUV, PhysicalMax: simulatePhysicalUV * float64(hi) / float64(-lo),
			DigitalMin: lo, DigitalMax: hi,
		}
	}
	annBytes := edf.DefaultAnnotationBytes
	for {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		if err := f.Truncate(0); err != nil {
			return nil, err
		}
		w, err := edf.NewWriter(f, edf.WriterConfig{
			Format: format, Patient: edf.PatientID{Code: "SIM", Name: "Simulated patient"},
			Recording: edf.RecordingID{Equipment: "MyoRehab simulator"},
			RateHz:    rateHz, Signals: sigs, AnnotationBytes: annBytes,
		})
		if err != nil {
			return nil, err
		}
		need := annotationSpace(anns, uint64(w.Header().Signals[0].SamplesPerRecord), rateHz)
		if need <= annBytes {
			return w, nil
		}
		annBytes = need
	}
}

// annotationSpace returns the annotation bytes per data record of spr
// samples that hold the time-keeping TAL (24 bytes) and all the
// annotations whose onset falls in the same record.
func annotationSpace(anns []simAnnotation, spr uint64, rateHz float64) int {
	need, rec, sum := 0, uint64(0), 0
	for _, a := range anns {
		if r := a.start / spr; r != rec {
			rec, sum = r, 0
		}
		// "+onset" 0x15 "duration" 0x14 "text" 0x14 0x00, with room to spare.
		sum += len(strconv.FormatFloat(float64(a.start)/rateHz, 'f', -1, 64)) +
			len(strconv.FormatFloat(float64(a.end-a.start)/rateHz, 'f', -1, 64)) + len(a.text) + 8
		need = max(need, 24+sum)
	}
	return need
}

// writeSimulated writes n samples of s to w, a second at a time, quantised
// at each signal's scale (counts outside the digital range are clamped by
// the writer and counted).
func writeSimulated(w *edf.Writer, s *sim.Simulator, n uint64) error {
	h := w.Header()
	nc := s.Channels()
	scale, offset := make([]float64, nc), make([]float64, nc)
	for c := range nc {
		scale[c], offset[c] = h.Signals[c].Scale(), h.Signals[c].Offset()
	}
	chunk := uint64(max(1, math.Round(s.RateHz())))
	chans := make([][]int32, nc)
	for c := range chans {
		chans[c] = make([]int32, chunk)
	}
	x := make([]float64, nc)
	for done := uint64(0); done < n; {
		k := min(chunk, n-done)
		for i := range k {
			s.Next(x)
			for c, v := range x {
				q := math.Round((v - offset[c]) / scale[c])
				chans[c][i] = int32(max(math.MinInt32, min(math.MaxInt32, q)))
			}
		}
		part := chans
		if k < chunk {
			part = make([][]int32, nc)
			for c := range part {
				part[c] = chans[c][:k]
			}
		}
		if err := w.Write(part); err != nil {
			return err
		}
		done += k
	}
	return nil
}
