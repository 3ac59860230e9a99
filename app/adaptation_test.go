package app

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"myorehab/processing/adapt"
	"myorehab/processing/recognition"
)

// adaptParticipant is one 3DC participant's features for the adaptation
// measurements, extracted with the default front end.
type adaptParticipant struct {
	subject     adapt.Subject
	train, test *recognition.Dataset
	channels    int
	rateHz      float64
}

// firstCycle returns the recording cut after its first n labelled holds
// (in time order), labelled by those holds only: the calibration a new
// patient gives with one repetition of each of n gestures.
func firstCycle(r recognition.Recording, n int) recognition.Recording {
	segs := slices.Clone(r.Segments)
	slices.SortFunc(segs, func(a, b recognition.Segment) int { return a.Start - b.Start })
	segs = segs[:min(n, len(segs))]
	end := segs[len(segs)-1].End
	out := recognition.Recording{Name: r.Name + " (first cycle)", RateHz: r.RateHz, Segments: segs}
	for _, x := range r.Channels {
		out.Channels = append(out.Channels, x[:end])
	}
	return out
}

// loadAdaptParticipant reads Pnn_train.edf and Pnn_test.edf and extracts
// the training session, its first reps repetitions of each gesture
// (recognition.FirstRepetitions: the calibration) and the test session
// with spec. classes fixes the class indices (nil: those of this
// participant's training session, in order of appearance).
func loadAdaptParticipant(t *testing.T, spec recognition.Spec, name string, classes []string, reps int) adaptParticipant {
	t.Helper()
	train, err := labelledRecording(threeDC(t, name+"_train.edf"))
	if err != nil {
		t.Fatal(err)
	}
	test, err := labelledRecording(threeDC(t, name+"_test.edf"))
	if err != nil {
		t.Fatal(err)
	}
	trd, err := spec.Extract([]recognition.Recording{train}, classes, classes == nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := spec.Extract(recognition.FirstRepetitions([]recognition.Recording{train}, reps), trd.Classes, false)
	if err != nil {
		t.Fatal(err)
	}
	ted, err := spec.Extract([]recognition.Recording{test}, trd.Classes, false)
	if err != nil {
		t.Fatal(err)
	}
	return adaptParticipant{
		subject: adapt.Subject{Name: name,
			Train: adapt.Data{X: trd.X, Y: trd.Y}, Calib: adapt.Data{X: cal.X, Y: cal.Y}, Test: adapt.Data{X: ted.X, Y: ted.Y}},
		train: trd, test: ted, channels: len(train.Channels), rateHz: train.RateHz,
	}
}

// TestAdaptation3DCP01 checks the adaptation models on real data (P01 and
// P02, default front end, a few cycles so that it stays fast): adapt's LDA
// fitted on P01's first two training cycles decides as the default
// pipeline trained on them, on P01's first test cycle; mixing with weight
// 0 keeps the base model's decisions (P02's first cycle) and weight 1
// gives the calibration-only model's (P01's first cycle).
func TestAdaptation3DCP01(t *testing.T) {
	spec := recognition.Default()
	load := func(name string, cycles int, classes []string) (*recognition.Dataset, recognition.Recording) {
		r, err := labelledRecording(threeDC(t, name))
		if err != nil {
			t.Fatal(err)
		}
		ds, err := spec.Extract([]recognition.Recording{firstCycle(r, 11*cycles)}, classes, classes == nil)
		if err != nil {
			t.Fatal(err)
		}
		return ds, r
	}
	trd, train := load("P01_train.edf", 2, nil)
	cal, _ := load("P01_train.edf", 1, trd.Classes)
	ted, _ := load("P01_test.edf", 1, trd.Classes)
	p2, _ := load("P02_train.edf", 1, trd.Classes)
	p1 := adaptParticipant{
		subject: adapt.Subject{Name: "P01", Train: adapt.Data{X: trd.X, Y: trd.Y},
			Calib: adapt.Data{X: cal.X, Y: cal.Y}, Test: adapt.Data{X: ted.X, Y: ted.Y}},
		train: trd, test: ted, channels: len(train.Channels), rateHz: train.RateHz,
	}
	k := len(p1.train.Classes)
	if k != 11 || len(p1.subject.Calib.X)*3 > 2*len(p1.subject.Train.X) {
		t.Fatalf("%d classes, calibration %d of %d training windows", k, len(p1.subject.Calib.X), len(p1.subject.Train.X))
	}
	pipe, err := recognition.TrainDataset(spec, p1.train, p1.channels, p1.rateHz)
	if err != nil {
		t.Fatal(err)
	}
	want := pipe.Score(p1.test).Accuracy
	full, err := adapt.Fit(p1.subject.Train.X, p1.subject.Train.Y, k)
	if err != nil {
		t.Fatal(err)
	}
	fullLDA, err := adapt.NewLDA(full)
	if err != nil {
		t.Fatal(err)
	}
	got := accuracyOf(fullLDA, p1.subject.Test)
	if math.Abs(got-want) > 1.5/float64(len(p1.test.X)) {
		t.Errorf("P01 full model: adapt %.4f, default pipeline %.4f", got, want)
	}
	base, err := adapt.Fit(p2.X, p2.Y, k) // one cycle of P02 as a small "other person"
	if err != nil {
		t.Fatal(err)
	}
	calib, err := adapt.Fit(p1.subject.Calib.X, p1.subject.Calib.Y, k)
	if err != nil {
		t.Fatal(err)
	}
	acc := map[float64]float64{}
	for _, w := range []float64{0, 0.5, 1} {
		s, err := adapt.Mix(base, calib, w, w)
		if err != nil {
			t.Fatal(err)
		}
		m, err := adapt.NewLDA(s)
		if err != nil {
			t.Fatal(err)
		}
		acc[w] = accuracyOf(m, p1.subject.Test)
	}
	baseLDA, _ := adapt.NewLDA(base)
	calibLDA, _ := adapt.NewLDA(calib)
	if acc[0] != accuracyOf(baseLDA, p1.subject.Test) || acc[1] != accuracyOf(calibLDA, p1.subject.Test) {
		t.Errorf("weights 0/1 %.4f/%.4f, base %.4f, calibration %.4f", acc[0], acc[1],
			accuracyOf(baseLDA, p1.subject.Test), accuracyOf(calibLDA, p1.subject.Test))
	}
	t.Logf("P01 first test cycle: 2 training cycles %.4f (default pipeline %.4f); base = P02 1 cycle %.4f, adapted w=0.5 %.4f, P01 first cycle only %.4f",
		got, want, acc[0], acc[0.5], acc[1])
}

// accuracyOf returns the fraction of rows of d that m classifies correctly.
func accuracyOf(m *adapt.LDA, d adapt.Data) float64 {
	ok := 0
	for i, x := range d.X {
		if m.Predict(nil, x) == d.Y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(d.X))
}

// adaptStudyConfig is the grid of the 3DC adaptation study: α and β in
// steps of 0.1, online thresholds and pseudo-counts. The LDA is confident
// on most windows (at 0.9 over 90 % of the test windows update it), hence
// thresholds up to 1 − 10⁻⁵.
func adaptStudyConfig(classes int) adapt.StudyConfig {
	cfg := adapt.StudyConfig{Classes: classes}
	for i := range 11 {
		cfg.Weights = append(cfg.Weights, float64(i)/10)
	}
	for _, th := range []float64{0.9, 0.99, 0.999, 0.9999, 0.99999} {
		for _, prior := range []float64{50, 200, 1000} {
			cfg.Online = append(cfg.Online, adapt.OnlineConfig{Threshold: th, Prior: prior})
		}
	}
	return cfg
}

// TestAdaptation3DC measures adaptation to the individual on 3DC P01–P08
// (docs/recognition.md, "Adaptation"): leave one participant out, the base
// model from the 7 others' training sessions, adapted with the first cycle
// of the participant's training session (one hold per gesture), online
// self-training on the test session, and the full patient model. It takes
// several minutes, so it runs only with MYOREHAB_ADAPT=1; MYOREHAB_ADAPT_REPS=N
// calibrates with the first N repetitions of each gesture instead of one
// (docs/recognition.md, "Short calibration"):
//
//	MYOREHAB_ADAPT=1 go test ./app -run TestAdaptation3DC$ -v -timeout 1h
func TestAdaptation3DC(t *testing.T) {
	if os.Getenv("MYOREHAB_ADAPT") != "1" {
		t.Skip("set MYOREHAB_ADAPT=1 to run the full 3DC adaptation study")
	}
	spec := recognition.Default()
	reps := 1
	if v := os.Getenv("MYOREHAB_ADAPT_REPS"); v != "" {
		var err error
		if reps, err = strconv.Atoi(v); err != nil || reps < 1 {
			t.Fatalf("MYOREHAB_ADAPT_REPS=%q: want a number of repetitions ≥ 1", v)
		}
	}
	t.Logf("calibration: the first %d repetition(s) of each gesture", reps)
	var ps []adaptParticipant
	var classes []string
	for p := 1; p <= 8; p++ {
		ap := loadAdaptParticipant(t, spec, fmt.Sprintf("P%02d", p), classes, reps)
		classes = ap.train.Classes
		ps = append(ps, ap)
	}
	subjects := make([]adapt.Subject, len(ps))
	for i, p := range ps {
		subjects[i] = p.subject
	}
	cfg := adaptStudyConfig(len(classes))
	res, err := adapt.Study(subjects, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The existing default pipeline, trained on the whole training session.
	def := make([]float64, len(ps))
	for i, p := range ps {
		pipe, err := recognition.TrainDataset(spec, p.train, p.channels, p.rateHz)
		if err != nil {
			t.Fatal(err)
		}
		def[i] = pipe.Score(p.test).Accuracy
	}
	type line struct {
		name string
		acc  func(r adapt.SubjectResult, i int) float64
	}
	lines := []line{
		{"base: 7 other participants, no calibration", func(r adapt.SubjectResult, _ int) float64 { return r.Base }},
		{"base + online self-training (no calibration)", func(r adapt.SubjectResult, _ int) float64 { return r.BaseOnline }},
		{"patient only, 1 cycle (11 holds)", func(r adapt.SubjectResult, _ int) float64 { return r.CalibOnly }},
		{"**adapted: base + 1 cycle (α, β by inner LOO)**", func(r adapt.SubjectResult, _ int) float64 { return r.Adapted }},
		{"**adapted + online self-training**", func(r adapt.SubjectResult, _ int) float64 { return r.AdaptedOnline }},
		{"full patient model, 4 cycles (adapt.Fit)", func(r adapt.SubjectResult, _ int) float64 { return r.Full }},
		{"full patient model, 4 cycles (default pipeline)", func(_ adapt.SubjectResult, i int) float64 { return def[i] }},
	}
	var md strings.Builder
	md.WriteString("| model (test session accuracy, %) | mean | worst | P01 | P02 | P03 | P04 | P05 | P06 | P07 | P08 |\n")
	md.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, l := range lines {
		var sum float64
		worst := math.Inf(1)
		var cells strings.Builder
		for i, r := range res.Subjects {
			a := l.acc(r, i)
			sum += a
			worst = min(worst, a)
			fmt.Fprintf(&cells, " %.1f |", 100*a)
		}
		fmt.Fprintf(&md, "| %s | %.1f | %.1f |%s\n", l.name, 100*sum/float64(len(res.Subjects)), 100*worst, cells.String())
	}
	md.WriteString("\n| held out | α | β | inner LOO accuracy | online threshold | online prior | inner online accuracy | online updates / test windows | online − adapted (points) |\n")
	md.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range res.Subjects {
		c := r.Choice
		fmt.Fprintf(&md, "| %s | %.1f | %.1f | %.1f | %g | %g | %.1f | %d / %d | %+.1f |\n", r.Name, c.Alpha, c.Beta,
			100*c.InnerAccuracy, c.Online.Threshold, c.Online.Prior, 100*c.InnerOnline, r.Updates, r.TestWindows,
			100*(r.AdaptedOnline-r.Adapted))
	}
	f := res.Final
	fmt.Fprintf(&md, "\nFinal choice (LOO over all 8, for a new patient): α %.1f, β %.1f (%.1f %%), online threshold %g, prior %g (%.1f %%)\n",
		f.Alpha, f.Beta, 100*f.InnerAccuracy, f.Online.Threshold, f.Online.Prior, 100*f.InnerOnline)
	md.WriteString("\nMean outer accuracy (%) of fixed weights (reporting only, not used to choose): rows α, columns β\n\n| α \\ β |")
	for _, b := range res.Weights {
		fmt.Fprintf(&md, " %.1f |", b)
	}
	md.WriteString("\n|---|" + strings.Repeat("---|", len(res.Weights)) + "\n")
	for a, row := range res.Grid {
		fmt.Fprintf(&md, "| %.1f |", res.Weights[a])
		for _, v := range row {
			fmt.Fprintf(&md, " %.1f |", 100*v)
		}
		md.WriteString("\n")
	}
	md.WriteString("\nMean AdaptedOnline (%) per online setting (reporting only):\n\n| threshold | prior | mean |\n|---|---|---|\n")
	for i, oc := range cfg.Online {
		fmt.Fprintf(&md, "| %g | %g | %.1f |\n", oc.Threshold, oc.Prior, 100*res.OnlineGrid[i])
	}
	t.Log("\n" + md.String())
	for i, r := range res.Subjects {
		// adapt's LDA is the default pipeline's LDA: the same decisions up
		// to rounding.
		if math.Abs(r.Full-def[i]) > 1.5/float64(r.TestWindows) {
			t.Errorf("%s: adapt full model %.4f, default pipeline %.4f", r.Name, r.Full, def[i])
		}
	}
}
