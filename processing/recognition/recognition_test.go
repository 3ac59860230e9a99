package recognition_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"myorehab/processing/recognition"
)

var gestures = []string{"rest", "grip", "open", "pinch"}

// synthetic returns a recording in which each gesture is held for hold
// samples in turn, reps times: channel amplitudes depend on the gesture,
// with a per-recording gain drift. Every hold is one labelled segment.
func synthetic(name string, channels, hold, reps int, seed uint64) recognition.Recording {
	rng := rand.New(rand.NewPCG(seed, 1))
	r := recognition.Recording{Name: name, RateHz: 1000, Channels: make([][]float64, channels)}
	for range reps {
		for g, label := range gestures {
			start := r.Len()
			for range hold {
				for c := range channels {
					amp := 5 + 50*math.Abs(math.Sin(float64(g+1)*float64(c+1)))
					r.Channels[c] = append(r.Channels[c], amp*(1+0.05*float64(seed))*rng.NormFloat64())
				}
			}
			r.Segments = append(r.Segments, recognition.Segment{Start: start, End: start + hold, Label: label})
		}
	}
	return r
}

func smallSpec() recognition.Spec {
	s := recognition.HudginsLDA()
	s.Window, s.Increment = 100, 25
	return s
}

func TestWindows(t *testing.T) {
	t.Parallel()
	segs := []recognition.Segment{
		{Start: 0, End: 100, Label: "a"},
		{Start: 100, End: 250, Label: "b"},
		{Start: 200, End: 300, Label: "b"}, // overlaps b: same label
		{Start: 240, End: 400, Label: "c"}, // overlaps b: windows in both are skipped
	}
	starts, labels := recognition.Windows(segs, 420, 50, 25)
	wantStarts := []int{0, 25, 50, 100, 125, 150, 175, 200, 225, 275, 300, 325, 350}
	wantLabels := []string{"a", "a", "a", "b", "b", "b", "b", "b", "b", "c", "c", "c", "c"}
	if !slices.Equal(starts, wantStarts) || !slices.Equal(labels, wantLabels) {
		t.Errorf("Windows = %v %v\nwant %v %v", starts, labels, wantStarts, wantLabels)
	}
	if s, _ := recognition.Windows(segs, 40, 50, 25); len(s) != 0 {
		t.Errorf("windows in a recording shorter than one window: %v", s)
	}
}

// TestTrainEvaluate: a pipeline trained on one synthetic session separates
// the gestures of another; streaming the test recording through the
// Decider (Evaluate) gives exactly the per-window offline score (Score)
// when there is no vote, for plain, filtered and log-transformed front
// ends, float and INT8.
func TestTrainEvaluate(t *testing.T) {
	t.Parallel()
	train := []recognition.Recording{synthetic("train1", 4, 700, 3, 1), synthetic("train2", 4, 700, 2, 2)}
	test := synthetic("test", 4, 600, 3, 3)
	specs := map[string]recognition.Spec{"plain": smallSpec()}
	s := smallSpec()
	s.Filter = &recognition.FilterSpec{LowHz: 20, Order: 4, NotchHz: 50, Q: 30}
	s.Transform = recognition.TransformLog
	specs["filtered log"] = s
	s = smallSpec()
	s.Int8 = true
	specs["int8"] = s
	s = smallSpec()
	s.Model, s.Features = "mlp", []string{"LS4"}
	specs["mlp"] = s
	for name, spec := range specs {
		p, err := recognition.Train(spec, train)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(p.Classes, gestures) || p.Channels != 4 || p.RateHz != 1000 {
			t.Fatalf("%s: classes %q, %d channels, %g Hz", name, p.Classes, p.Channels, p.RateHz)
		}
		if (p.Int8 != nil) != spec.Int8 {
			t.Fatalf("%s: Int8 model %v", name, p.Int8 != nil)
		}
		res, err := p.Evaluate([]recognition.Recording{test})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Accuracy < 0.9 || res.BalancedAccuracy < 0.9 {
			t.Errorf("%s: accuracy %.3f, balanced %.3f", name, res.Accuracy, res.BalancedAccuracy)
		}
		ds, err := p.Spec.Extract([]recognition.Recording{test}, p.Classes, false)
		if err != nil {
			t.Fatal(err)
		}
		off := p.Score(ds)
		if off.TestWindows != res.TestWindows || off.Accuracy != res.Accuracy {
			t.Errorf("%s: live path %d windows %.5f, offline %d windows %.5f", name, res.TestWindows, res.Accuracy, off.TestWindows, off.Accuracy)
		}
		total := 0
		for i, row := range res.Confusion {
			n := 0
			for _, v := range row {
				n += v
			}
			if n != res.PerClass[i].Windows {
				t.Errorf("%s: confusion row %d sums to %d, per-class windows %d", name, i, n, res.PerClass[i].Windows)
			}
			total += n
		}
		if total != res.TestWindows || res.ModelBytes <= 0 || res.TrainWindows != p.TrainWindows {
			t.Errorf("%s: %d windows in the matrix, %d test windows, %d model bytes", name, total, res.TestWindows, res.ModelBytes)
		}
	}
}

// TestRejectAndVote: with a threshold, rejected windows fill the extra
// confusion column and count as wrong; a vote changes the decisions.
func TestRejectAndVote(t *testing.T) {
	t.Parallel()
	train := []recognition.Recording{synthetic("train", 3, 500, 2, 1)}
	test := synthetic("test", 3, 400, 2, 5)
	spec := smallSpec()
	spec.Reject = 0.999999
	p, err := recognition.Train(spec, train)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Evaluate([]recognition.Recording{test})
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for _, row := range res.Confusion {
		if len(row) != len(gestures)+1 {
			t.Fatalf("confusion row of %d columns with a threshold", len(row))
		}
		rejected += row[len(gestures)]
	}
	if rejected == 0 || rejected != res.Rejected {
		t.Errorf("rejected %d windows, Result.Rejected %d", rejected, res.Rejected)
	}
	correct := 0
	for i := range gestures {
		correct += res.Confusion[i][i]
	}
	if got := float64(correct) / float64(res.TestWindows); got != res.Accuracy {
		t.Errorf("accuracy %v, diagonal says %v", res.Accuracy, got)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	good := synthetic("good", 3, 300, 2, 1)
	noLabels := synthetic("nolabels", 3, 300, 1, 1)
	noLabels.Segments = nil
	oneClass := synthetic("oneclass", 3, 300, 1, 1)
	for i := range oneClass.Segments {
		oneClass.Segments[i].Label = "grip"
	}
	fewer := synthetic("fewer", 2, 300, 1, 1)
	nan := synthetic("nan", 3, 300, 1, 1)
	nan.Channels[1][400] = math.NaN()
	other := synthetic("rate", 3, 300, 1, 1)
	other.RateHz = 500
	int8QDA := smallSpec()
	int8QDA.Model, int8QDA.Int8 = "qda", true
	unknown := smallSpec()
	unknown.Model = "transformer"
	halfSmoothing := smallSpec()
	halfSmoothing.LevelQ = 1e-3 // LevelR left 0
	badFeat := smallSpec()
	badFeat.Features = []string{"HTD", "NOPE"}
	cases := []struct {
		name string
		spec recognition.Spec
		recs []recognition.Recording
		want error
	}{
		{"no annotations", smallSpec(), []recognition.Recording{noLabels}, recognition.ErrNoLabels},
		{"one class", smallSpec(), []recognition.Recording{oneClass}, recognition.ErrOneClass},
		{"channel counts", smallSpec(), []recognition.Recording{good, fewer}, recognition.ErrChannels},
		{"rates", smallSpec(), []recognition.Recording{good, other}, recognition.ErrRate},
		{"NaN", smallSpec(), []recognition.Recording{good, nan}, recognition.ErrNotFinite},
		{"int8 qda", int8QDA, []recognition.Recording{good}, recognition.ErrSpec},
		{"unknown model", unknown, []recognition.Recording{good}, recognition.ErrSpec},
		{"unknown feature", badFeat, []recognition.Recording{good}, recognition.ErrSpec},
		{"level smoothing half set", halfSmoothing, []recognition.Recording{good}, recognition.ErrSpec},
	}
	for _, tc := range cases {
		_, err := recognition.Train(tc.spec, tc.recs)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	p, err := recognition.Train(smallSpec(), []recognition.Recording{good})
	if err != nil {
		t.Fatal(err)
	}
	unseen := synthetic("unseen", 3, 300, 1, 2)
	unseen.Segments[0].Label = "wave"
	for _, tc := range []struct {
		name string
		rec  recognition.Recording
		want error
	}{
		{"test channels", fewer, recognition.ErrChannels},
		{"test NaN", nan, recognition.ErrNotFinite},
		{"test no annotations", noLabels, recognition.ErrNoLabels},
		{"test unknown class", unseen, recognition.ErrUnknownCls},
	} {
		if _, err := p.Evaluate([]recognition.Recording{tc.rec}); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSpecJSON(t *testing.T) {
	t.Parallel()
	s := recognition.Default()
	s.Filter = &recognition.FilterSpec{LowHz: 20, HighHz: 450, Order: 4, NotchHz: 50, Q: 30}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := recognition.ParseSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != s.String() || *got.Filter != *s.Filter || got.Params != s.Params {
		t.Errorf("round trip %v, want %v", got, s)
	}
	s.Version = recognition.SpecVersion + 1
	b, _ = json.Marshal(s)
	if _, err := recognition.ParseSpec(b); !errors.Is(err, recognition.ErrSpec) {
		t.Errorf("newer version: %v", err)
	}
	if _, err := recognition.ParseSpec([]byte(`{"version":1,"window":200,"colour":"red"}`)); !errors.Is(err, recognition.ErrSpec) {
		t.Errorf("unknown field: %v", err)
	}
	if err := recognition.Default().Validate(8, 1000); err != nil {
		t.Errorf("default spec invalid: %v", err)
	}
}

// TestLevelSmoothingFromSpec: level_q/level_r in the Spec reach the live
// Decider, whose added delay is then known.
func TestLevelSmoothingFromSpec(t *testing.T) {
	t.Parallel()
	good := synthetic("good", 4, 600, 2, 1)
	s := smallSpec()
	p, err := recognition.Train(s, []recognition.Recording{good})
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.NewDecider(recognition.LiveOptions{BlockCap: 50})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := d.LevelDelay(); n != 0 || d.LevelGain() != 1 {
		t.Fatalf("smoothing on without level_q/level_r: delay %v decisions, gain %v", n, d.LevelGain())
	}
	s.LevelQ, s.LevelR = 1e-3, 1e-2
	p, err = recognition.Train(s, []recognition.Recording{good})
	if err != nil {
		t.Fatal(err)
	}
	d, err = p.NewDecider(recognition.LiveOptions{BlockCap: 50})
	if err != nil {
		t.Fatal(err)
	}
	if n, delay := d.LevelDelay(); !(n > 2 && n < 2.5) || delay <= 0 || !(d.LevelGain() > 0.2 && d.LevelGain() < 0.35) {
		t.Fatalf("smoothing Q 1e-3 R 1e-2: delay %v decisions (%v), gain %v; want about 2.2 decisions, K about 0.27", n, delay, d.LevelGain())
	}
}

// TestSpecMilliseconds: durations convert at the stream's rate (Default is
// today's 300/50 samples at 1 kHz, 75/13 at 250 Hz); sample fields that
// disagree with their duration, durations under one sample and bad rates
// are refused; a trained Pipeline keeps the resolved Spec.
func TestSpecMilliseconds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rate        float64
		window, inc int
	}{{1000, 300, 50}, {250, 75, 13}, {125, 38, 6}, {2000, 600, 100}} {
		s, err := recognition.Default().At(tc.rate)
		if err != nil || s.Window != tc.window || s.Increment != tc.inc || s.WindowMs != 300 || s.IncrementMs != 50 {
			t.Errorf("Default at %g Hz: %d/%d samples (%v), want %d/%d", tc.rate, s.Window, s.Increment, err, tc.window, tc.inc)
		}
		if again, err := s.At(tc.rate); err != nil || again.Window != s.Window || again.Increment != s.Increment {
			t.Errorf("resolving twice at %g Hz: %d/%d, %v", tc.rate, again.Window, again.Increment, err)
		}
	}
	old := recognition.HudginsLDA() // samples only: the same at every rate
	if s, err := old.At(250); err != nil || s.Window != 200 || s.Increment != 50 {
		t.Errorf("samples spec at 250 Hz: %d/%d, %v", s.Window, s.Increment, err)
	}
	conflict := recognition.Default()
	conflict.Window = 200 // 200 samples and 300 ms at 1 kHz
	tooShort := recognition.Default()
	tooShort.IncrementMs = 0.1
	negative := recognition.Default()
	negative.WindowMs = -300
	for name, s := range map[string]recognition.Spec{"conflict": conflict, "short": tooShort, "negative": negative} {
		if _, err := s.At(1000); !errors.Is(err, recognition.ErrSpec) {
			t.Errorf("%s: At error %v", name, err)
		}
		if err := s.Validate(4, 1000); !errors.Is(err, recognition.ErrSpec) {
			t.Errorf("%s: Validate error %v", name, err)
		}
	}
	if _, err := recognition.Default().At(0); !errors.Is(err, recognition.ErrSpec) {
		t.Errorf("rate 0: %v", err)
	}
	if _, err := recognition.Default().NewSet(4); !errors.Is(err, recognition.ErrSpec) {
		t.Errorf("NewSet on an unresolved spec: %v", err)
	}
	if got := recognition.Default().VoteSpanMs(250); got != 0 {
		t.Errorf("vote span without a vote: %v", got)
	}
	s := recognition.Default()
	s.WindowMs, s.IncrementMs = 100, 25
	p, err := recognition.Train(s, []recognition.Recording{synthetic("train", 4, 700, 2, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.Window != 100 || p.Spec.Increment != 25 || p.Spec.WindowMs != 100 || p.Spec.String() != "LS4+TDAR → lda, 100/25 ms" {
		t.Errorf("trained spec %+v", p.Spec)
	}
}

// TestSpecVersion1: a Spec stored by earlier builds (version 1, window
// and increment in samples, no millisecond fields: the JSON below is what
// they wrote for the default pipeline) decodes exactly as before, keeps
// its samples at any rate, and gives the same model and decisions as
// Default at 1 kHz.
func TestSpecVersion1(t *testing.T) {
	t.Parallel()
	const stored = `{"version":1,"window":300,"increment":50,"features":["LS4","TDAR"],"params":{"SSCThreshold":0,"WAMPThreshold":0.002,"AROrder":4,"CCOrder":4,"MAVSLPSegments":2,"SampleRateHz":1000,"TMOrder":3,"SMOrder":2,"SampEnDim":2,"SampEnTolerance":0.3,"FuzzyEnDim":2,"FuzzyEnTolerance":0.3,"FuzzyEnWin":2},"model":"lda","seed":1,"reject":0,"votes":0}`
	for name, decode := range map[string]func() (recognition.Spec, error){
		"ParseSpec": func() (recognition.Spec, error) { return recognition.ParseSpec([]byte(stored)) },
		"json.Unmarshal": func() (recognition.Spec, error) { // as a model's stored metadata is read
			var s recognition.Spec
			err := json.Unmarshal([]byte(stored), &s)
			return s, err
		},
	} {
		s, err := decode()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s.Version != 1 || s.Window != 300 || s.Increment != 50 || s.WindowMs != 0 || s.IncrementMs != 0 || s.String() != "LS4+TDAR → lda, 300/50 samples" {
			t.Errorf("%s: decoded %+v", name, s)
		}
		if err := s.Validate(10, 1000); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if at, err := s.At(250); err != nil || at.Window != 300 || at.Increment != 50 {
			t.Errorf("%s: version 1 at 250 Hz: %d/%d, %v (samples stay samples)", name, at.Window, at.Increment, err)
		}
	}
	if _, err := recognition.ParseSpec([]byte(`{"version":1,"window_ms":300,"window":300,"increment":50}`)); !errors.Is(err, recognition.ErrSpec) {
		t.Errorf("version 1 with window_ms: %v", err)
	}
	v1, _ := recognition.ParseSpec([]byte(stored))
	train := []recognition.Recording{synthetic("train", 4, 700, 2, 1)}
	test := synthetic("test", 4, 600, 2, 3)
	old, err := recognition.Train(v1, train)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := recognition.Train(recognition.Default(), train)
	if err != nil {
		t.Fatal(err)
	}
	if old.Spec.Version != 1 || old.Spec.Window != 300 || old.Spec.Increment != 50 {
		t.Errorf("pipeline of a version 1 spec: %+v", old.Spec)
	}
	a, err := old.Evaluate([]recognition.Recording{test})
	if err != nil {
		t.Fatal(err)
	}
	b, err := cur.Evaluate([]recognition.Recording{test})
	if err != nil {
		t.Fatal(err)
	}
	if a.Accuracy != b.Accuracy || a.TestWindows != b.TestWindows || !reflect.DeepEqual(a.Confusion, b.Confusion) {
		t.Errorf("version 1 spec: %.5f on %d windows; Default: %.5f on %d", a.Accuracy, a.TestWindows, b.Accuracy, b.TestWindows)
	}
}

// TestEvaluateOnsets: on the live path, every gesture change of a clean
// synthetic session is recognised; a vote of 5 delays recognition by about
// two increments and a longer window delays it too; the accuracy is
// Evaluate's.
func TestEvaluateOnsets(t *testing.T) {
	t.Parallel()
	train := []recognition.Recording{synthetic("train", 4, 700, 3, 1)}
	test := []recognition.Recording{synthetic("test", 4, 600, 3, 3)}
	median := func(window float64, votes int) float64 {
		s := recognition.Default()
		s.WindowMs, s.IncrementMs, s.Votes = window, 25, votes
		p, err := recognition.Train(s, train)
		if err != nil {
			t.Fatal(err)
		}
		res, ons, err := p.EvaluateOnsets(test, recognition.OnsetOptions{Stable: 2})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := p.Evaluate(test)
		if err != nil {
			t.Fatal(err)
		}
		if res.Accuracy != plain.Accuracy || res.TestWindows != plain.TestWindows {
			t.Errorf("%v ms, vote %d: accuracy %v on %d windows, Evaluate %v on %d", window, votes, res.Accuracy, res.TestWindows, plain.Accuracy, plain.TestWindows)
		}
		if len(ons.DelaysMs) != 3*len(gestures)-1 || ons.Missed() != 0 {
			t.Fatalf("%v ms, vote %d: %d onsets, %d missed: %v", window, votes, len(ons.DelaysMs), ons.Missed(), ons.DelaysMs)
		}
		return ons.Percentile(50)
	}
	short, voted, long := median(100, 1), median(100, 5), median(200, 1)
	if !(short > 0 && short <= 100) || !(voted >= short+40) || !(long > short) {
		t.Errorf("median onset delays: 100 ms %v, with a vote of 5 %v, 200 ms %v", short, voted, long)
	}
	t.Logf("median onset delays: 100 ms %v, with a vote of 5 %v, 200 ms %v", short, voted, long)
}

// TestControl: the control front end is Default's features and model on
// 150/25 ms windows without a vote, valid at the amplifiers' rates.
func TestControl(t *testing.T) {
	t.Parallel()
	c, q := recognition.Control(), recognition.ControlInt8()
	if c.String() != "LS4+TDAR → lda, 150/25 ms" || q.String() != "LS4+TDAR → lda int8, 150/25 ms" || c.Votes > 1 {
		t.Errorf("Control %s, ControlInt8 %s", c, q)
	}
	for _, rate := range []float64{125, 250, 500, 1000, 2000} {
		if err := q.Validate(8, rate); err != nil {
			t.Errorf("ControlInt8 at %g Hz: %v", rate, err)
		}
	}
	if at, _ := c.At(250); at.Window != 38 || at.Increment != 6 {
		t.Errorf("Control at 250 Hz: %d/%d samples", at.Window, at.Increment)
	}
}
