package recognition_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
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
