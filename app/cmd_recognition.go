package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/processing/pipeline"
	"myorehab/processing/recognition"
	"myorehab/storage/edf"
)

// labelledRecording reads an EDF+/BDF+ recording and labels it from its
// annotations: an annotation with a duration labels samples
// [round(onset·fs), round(onset·fs)+round(duration·fs)) with its text.
func labelledRecording(path string) (recognition.Recording, error) {
	ext := strings.ToLower(path[strings.LastIndexByte(path, '.')+1:])
	if ext != "edf" && ext != "bdf" {
		return recognition.Recording{}, usagef("%s: evaluate reads EDF+/BDF+ files, whose annotations label the gestures", path)
	}
	rec, err := readEDFRecording(path)
	if err != nil {
		return recognition.Recording{}, err
	}
	f, err := edf.ReadFile(path)
	if err != nil {
		return recognition.Recording{}, err
	}
	r := recognition.Recording{Name: path, RateHz: rec.RateHz, Channels: rec.Channels}
	for _, a := range f.Annotations {
		if a.Duration <= 0 {
			continue
		}
		start := int(math.Round(a.Onset * rec.RateHz))
		r.Segments = append(r.Segments, recognition.Segment{
			Start: start, End: start + int(math.Round(a.Duration*rec.RateHz)), Label: a.Text,
		})
	}
	if len(r.Segments) == 0 {
		return r, fmt.Errorf("%s has no annotations with a duration: evaluate labels windows from the annotations (one per gesture hold)", path)
	}
	return r, nil
}

// frontFlags are the window, increment and vote flags of evaluate and bench.
type frontFlags struct {
	window, inc     *int
	windowMs, incMs *float64
	votes           *int
}

// addFrontFlags declares --window, --inc (samples), --window-ms, --inc-ms
// and, when votes is set, --votes on fs.
func addFrontFlags(fs *flag.FlagSet, votes bool) frontFlags {
	f := frontFlags{
		window:   fs.Int("window", 0, "window in samples (default: the pipeline's)"),
		inc:      fs.Int("inc", 0, "increment in samples (default: the pipeline's)"),
		windowMs: fs.Float64("window-ms", 0, "window in milliseconds, converted at the recording's rate (instead of --window)"),
		incMs:    fs.Float64("inc-ms", 0, "increment in milliseconds, converted at the recording's rate (instead of --inc)"),
	}
	if votes {
		f.votes = fs.Int("votes", 0, "majority vote over this many decisions (0 or 1: none; default: the pipeline's)")
	}
	return f
}

// check refuses negative values and a duration given both in samples and
// in milliseconds.
func (f frontFlags) check() error {
	if *f.window < 0 || *f.inc < 0 || *f.windowMs < 0 || *f.incMs < 0 || (f.votes != nil && *f.votes < 0) {
		return usagef("--window, --inc, --window-ms, --inc-ms and --votes must be positive")
	}
	if *f.window > 0 && *f.windowMs > 0 {
		return usagef("give the window once: --window (samples) or --window-ms")
	}
	if *f.inc > 0 && *f.incMs > 0 {
		return usagef("give the increment once: --inc (samples) or --inc-ms")
	}
	return nil
}

// specFromFlags returns the pipeline evaluate and bench use: the default
// pipeline when neither features nor model is given, else a plain one
// (raw samples, no transform or post-processing) with the given features
// (default TD) and model (default lda). A window or increment given in
// samples or in milliseconds replaces the pipeline's own (whichever unit
// it had); ≤ 0 keeps it. Votes > 0 sets the vote.
func specFromFlags(feats, model string, f frontFlags, int8 bool) recognition.Spec {
	s := recognition.Default()
	if feats != "" || model != "" {
		s = recognition.HudginsLDA()
		if feats != "" {
			s.Features = splitList(feats)
		}
		if model != "" {
			s.Model = strings.ToLower(model)
		}
	}
	switch {
	case *f.window > 0:
		s.Window, s.WindowMs = *f.window, 0
	case *f.windowMs > 0:
		s.Window, s.WindowMs = 0, *f.windowMs
	}
	switch {
	case *f.inc > 0:
		s.Increment, s.IncrementMs = *f.inc, 0
	case *f.incMs > 0:
		s.Increment, s.IncrementMs = 0, *f.incMs
	}
	if f.votes != nil && *f.votes > 0 {
		s.Votes = *f.votes
	}
	s.Int8 = s.Int8 || int8
	return s
}

// maxRepetitions returns the largest number of segments any one label has
// across recs.
func maxRepetitions(recs []recognition.Recording) int {
	n := map[string]int{}
	most := 0
	for _, r := range recs {
		for _, s := range r.Segments {
			n[s.Label]++
			most = max(most, n[s.Label])
		}
	}
	return most
}

// splitList splits "A,B, C" into its trimmed non-empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runEvaluate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("evaluate", stderr)
	train := fs.String("train", "", "training recordings (EDF+/BDF+ with gesture annotations), comma-separated")
	test := fs.String("test", "", "test recording (EDF+/BDF+ with gesture annotations)")
	feats := fs.String("features", "", "features and groups, comma-separated (default: the default pipeline's)")
	model := fs.String("model", "", "model: lda, qda, knn, svm, rbfsvm, rf, mlp (default: the default pipeline's)")
	front := addFrontFlags(fs, true)
	int8 := fs.Bool("int8", false, "run the model as INT8 (lda, svm, mlp)")
	cycles := fs.Int("train-cycles", 0, "keep only the first N repetitions of each gesture of the training recordings (a short calibration; 0: all)")
	baseFiles := fs.String("base", "", "other people's annotated recordings, comma-separated: the cross-user starting point adapted to the training data (lda only)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *train == "" || *test == "" {
		return usagef("evaluate needs --train F[,F...] and --test F")
	}
	if *cycles < 0 {
		return usagef("--train-cycles must be positive (0: every repetition)")
	}
	if err := front.check(); err != nil {
		return err
	}
	spec := specFromFlags(*feats, *model, front, *int8)
	var recs []recognition.Recording
	for _, p := range splitList(*train) {
		r, err := labelledRecording(p)
		if err != nil {
			return err
		}
		recs = append(recs, r)
	}
	testRec, err := labelledRecording(*test)
	if err != nil {
		return err
	}
	if len(testRec.Channels) != len(recs[0].Channels) {
		return fmt.Errorf("%s has %d channels but the training file %s has %d: train and test must come from the same montage",
			testRec.Name, len(testRec.Channels), recs[0].Name, len(recs[0].Channels))
	}
	if err := spec.Validate(len(recs[0].Channels), recs[0].RateHz); err != nil {
		if errors.Is(err, recognition.ErrSpec) {
			return usagef("%v", err)
		}
		return err
	}
	reps := 0 // repetitions per gesture in the training data
	if *cycles > 0 {
		recs = recognition.FirstRepetitions(recs, *cycles)
		reps = *cycles
	}
	var pipe *recognition.Pipeline
	if *baseFiles == "" {
		pipe, err = recognition.Train(spec, recs)
	} else {
		if spec.Model != "lda" {
			return usagef("--base adapts an lda model, not %s", spec.Model)
		}
		var base []recognition.Recording
		for _, p := range splitList(*baseFiles) {
			r, err := labelledRecording(p)
			if err != nil {
				return err
			}
			base = append(base, r)
		}
		if reps == 0 {
			reps = maxRepetitions(recs)
		}
		pipe, err = recognition.TrainAdapted(spec, recs, base, recognition.QuickAdaptation(reps))
	}
	if err != nil {
		return err
	}
	res, err := pipe.Evaluate([]recognition.Recording{testRec})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSONLine(stdout, res)
	}
	fmt.Fprintf(stdout, "pipeline: %s (%d/%d samples at %g Hz)\n", spec, pipe.Spec.Window, pipe.Spec.Increment, pipe.RateHz)
	fmt.Fprintf(stdout, "accuracy %.1f %% (balanced %.1f %%) on %d test windows; %d training windows; model %d bytes\n",
		100*res.Accuracy, 100*res.BalancedAccuracy, res.TestWindows, res.TrainWindows, res.ModelBytes)
	for _, c := range res.PerClass {
		fmt.Fprintf(stdout, "  %-20s recall %5.1f %%  precision %5.1f %%  (%d windows)\n", c.Class, 100*c.Recall, 100*c.Precision, c.Windows)
	}
	return nil
}

// benchResult is the output of bench.
type benchResult struct {
	MedianNs          float64 `json:"median_ns"`
	P99Ns             float64 `json:"p99_ns"`
	MeanNs            float64 `json:"mean_ns"`
	AllocsPerDecision float64 `json:"allocs_per_decision"`
}

// simTraining returns a labelled simulator recording: each gesture of the
// simulator held at level 0.7 for secs seconds, reps times, rest between.
func simTraining(channels int, fsHz float64, secs float64, reps int) (recognition.Recording, error) {
	cfg := sim.DefaultConfig()
	cfg.Channels, cfg.RateHz, cfg.Seed, cfg.Manual = channels, fsHz, 1, true
	s, err := sim.NewSimulator(cfg)
	if err != nil {
		return recognition.Recording{}, err
	}
	r := recognition.Recording{Name: "simulator", RateHz: fsHz, Channels: make([][]float64, channels)}
	x := make([]float64, channels)
	n := int(secs * fsHz)
	for range reps {
		for _, g := range sim.Gestures() {
			s.SetGesture(g)
			s.SetLevel(0.7)
			start := r.Len()
			for range n {
				s.Next(x)
				for c, v := range x {
					r.Channels[c] = append(r.Channels[c], v)
				}
			}
			// Skip the activation ramp at the start of the hold.
			r.Segments = append(r.Segments, recognition.Segment{Start: start + n/4, End: start + n, Label: g.String()})
		}
	}
	return r, nil
}

func runBench(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	channels := fs.Int("channels", 8, "channels")
	fsHz := fs.Float64("fs", 1000, "sampling rate in Hz")
	front := addFrontFlags(fs, false)
	feats := fs.String("features", "", "features and groups, comma-separated (default: the default pipeline's)")
	model := fs.String("model", "", "model (default: the default pipeline's)")
	int8 := fs.Bool("int8", false, "run the model as INT8")
	n := fs.Int("n", 20000, "decisions measured after warm-up")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *channels < 1 || *channels > sim.MaxChannels {
		return usagef("--channels must be 1..%d (the simulator's range)", sim.MaxChannels)
	}
	if !(*fsHz > 0) || *n < 1 {
		return usagef("--fs and --n must be positive")
	}
	if err := front.check(); err != nil {
		return err
	}
	spec := specFromFlags(*feats, *model, front, *int8)
	if err := spec.Validate(*channels, *fsHz); err != nil {
		return usagef("%v", err)
	}
	at, err := spec.At(*fsHz)
	if err != nil {
		return usagef("%v", err)
	}
	train, err := simTraining(*channels, *fsHz, max(2, 4*float64(at.Window) / *fsHz), 2)
	if err != nil {
		return usagef("%v", err)
	}
	pipe, err := recognition.Train(spec, []recognition.Recording{train})
	if err != nil {
		return err
	}
	res, err := benchDecider(pipe, *n)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSONLine(stdout, res)
	}
	fmt.Fprintf(stdout, "pipeline: %s (%d/%d samples; %d channels, %g Hz)\n", spec, pipe.Spec.Window, pipe.Spec.Increment, *channels, *fsHz)
	fmt.Fprintf(stdout, "T_comp per decision: median %.0f ns, p99 %.0f ns, mean %.0f ns; %.2f allocations per decision\n",
		res.MedianNs, res.P99Ns, res.MeanNs, res.AllocsPerDecision)
	return nil
}

// benchDecider streams simulator data through pipe's Decider in blocks of
// one increment and returns the T_comp statistics of n decisions after a
// warm-up of 200, and the allocations per decision over the measured run.
func benchDecider(pipe *recognition.Pipeline, n int) (benchResult, error) {
	inc := pipe.Spec.Increment
	d, err := pipe.NewDecider(recognition.LiveOptions{BlockCap: inc})
	if err != nil {
		return benchResult{}, err
	}
	cfg := sim.DefaultConfig()
	cfg.Channels, cfg.RateHz, cfg.Seed = pipe.Channels, pipe.RateHz, 2
	s, err := sim.NewSimulator(cfg)
	if err != nil {
		return benchResult{}, err
	}
	// One minute of signal, replayed in a loop, so generation stays out of
	// the measurement.
	total := max(int(60*pipe.RateHz)/inc, 1) * inc
	data := make([]float64, total*pipe.Channels)
	x := make([]float64, pipe.Channels)
	for i := range total {
		s.Next(x)
		for c, v := range x {
			data[c*total+i] = v
		}
	}
	b := acquisition.NewBlock(pipe.Channels, inc)
	dst := make([]pipeline.Decision, 0, 2)
	times := make([]time.Duration, 0, n)
	const warm = 200
	var ms runtime.MemStats
	var mallocs uint64
	for off, seen := 0, 0; len(times) < n; off = (off + inc) % total {
		if seen == warm {
			runtime.ReadMemStats(&ms)
			mallocs = ms.Mallocs
		}
		b.Len, b.Received = inc, time.Now()
		for c := range pipe.Channels {
			copy(b.Data[c*inc:(c+1)*inc], data[c*total+off:c*total+off+inc])
		}
		dst = d.Process(dst[:0], b)
		b.Start += uint64(inc)
		for _, dec := range dst {
			if seen >= warm && len(times) < n {
				times = append(times, dec.TComp)
			}
			seen++
		}
	}
	runtime.ReadMemStats(&ms)
	allocs := float64(ms.Mallocs-mallocs) / float64(n)
	slices.Sort(times)
	var sum time.Duration
	for _, t := range times {
		sum += t
	}
	return benchResult{
		MedianNs:          float64(times[len(times)/2].Nanoseconds()),
		P99Ns:             float64(times[min(len(times)-1, len(times)*99/100)].Nanoseconds()),
		MeanNs:            float64(sum.Nanoseconds()) / float64(len(times)),
		AllocsPerDecision: allocs,
	}, nil
}
