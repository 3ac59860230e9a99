package recognition

import (
	"fmt"
	"math"
	"slices"
	"time"

	"myorehab/acquisition"
	"myorehab/processing/pipeline"

	"myorehab/processing/classify"
)

// ClassResult is the test score of one class.
type ClassResult struct {
	Class string `json:"class"`
	// Windows is the number of test windows of the class.
	Windows int `json:"windows"`
	// Recall is the fraction of them classified as the class (NaN-free:
	// 0 when the class has no test window).
	Recall float64 `json:"recall"`
	// Precision is the fraction of windows classified as the class that
	// belong to it (0 when none was).
	Precision float64 `json:"precision"`
}

// Result is the score of a Pipeline on test recordings. Accuracies are
// fractions in [0, 1]; a decision rejected by the threshold counts as
// wrong.
type Result struct {
	Accuracy         float64       `json:"accuracy"`
	BalancedAccuracy float64       `json:"balanced_accuracy"`
	Classes          []string      `json:"classes"`
	PerClass         []ClassResult `json:"per_class"`
	// Confusion[i][j] counts test windows of class i decided as class j;
	// column len(Classes), present when Spec.Reject > 0 or a window got no
	// decision, counts windows without a decision.
	Confusion    [][]int `json:"confusion"`
	TrainWindows int     `json:"n_train_windows"`
	TestWindows  int     `json:"n_test_windows"`
	ModelBytes   int     `json:"model_bytes"`
	// PredictNanos is the mean compute time per decision in nanoseconds
	// (Evaluate: features, model and post-processing; Score: model only).
	PredictNanos float64 `json:"-"`
	// Rejected counts windows with no decision.
	Rejected int `json:"-"`
}

// Evaluate scores p on the labelled windows of the test recordings, which
// must match the training channel count and rate, and hold only classes
// the model knows. Each recording is streamed through the real-time path
// (NewDecider: filter, window grid from the recording's start, features,
// model, rejection, vote) in blocks of Increment samples, exactly as live,
// and the decisions of windows lying inside one labelled segment are
// scored; a rejected window counts as wrong.
func (p *Pipeline) Evaluate(test []Recording) (*Result, error) {
	res, _, err := p.evaluate(test, nil)
	return res, err
}

// OnsetOptions say when a gesture counts as recognised after its onset
// (EvaluateOnsets).
type OnsetOptions struct {
	// Stable is the number of consecutive decisions of the new gesture
	// needed (at least 1; 0 means 1).
	Stable int
	// MinConfidence is the confidence each of them needs (0: any; e.g.
	// control.DefaultMinConfidence for what the glove loop would apply).
	MinConfidence float64
}

// Onsets are the onset-to-decision delays of test recordings.
type Onsets struct {
	// DelaysMs holds one delay per gesture onset, in recording order: from
	// the onset (the start of a labelled segment whose label differs from
	// the previous segment's; the first segment of a recording has no
	// onset) to the window end of the first of OnsetOptions.Stable
	// consecutive decisions that equal the new gesture (voted, not
	// rejected) and lie inside its segment, in milliseconds. +Inf marks an
	// onset whose gesture was never so decided before its segment ended.
	DelaysMs []float64
}

// Missed returns the number of onsets never recognised (+Inf delays).
func (o *Onsets) Missed() int {
	n := 0
	for _, d := range o.DelaysMs {
		if math.IsInf(d, 1) {
			n++
		}
	}
	return n
}

// Percentile returns the q-th percentile (0 < q ≤ 100, nearest rank) of
// the delays, missed onsets counting as +Inf; NaN without onsets.
func (o *Onsets) Percentile(q float64) float64 {
	if len(o.DelaysMs) == 0 {
		return math.NaN()
	}
	d := slices.Clone(o.DelaysMs)
	slices.Sort(d)
	i := int(math.Ceil(q/100*float64(len(d)))) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// EvaluateOnsets is Evaluate that also measures, on the same live
// decisions, the delay from each gesture onset to its recognition (see
// Onsets): the time a user waits for the pipeline at every change of
// gesture, the window, increment, vote and model's hesitation included.
func (p *Pipeline) EvaluateOnsets(test []Recording, o OnsetOptions) (*Result, *Onsets, error) {
	o.Stable = max(o.Stable, 1)
	return p.evaluate(test, &o)
}

// evaluate is Evaluate, and EvaluateOnsets when o is not nil.
func (p *Pipeline) evaluate(test []Recording, o *OnsetOptions) (*Result, *Onsets, error) {
	if len(test) == 0 {
		return nil, nil, fmt.Errorf("%w: no test recording", ErrNoWindows)
	}
	k := len(p.Classes)
	index := make(map[string]int, k)
	for i, c := range p.Classes {
		index[c] = i
	}
	spec, err := p.Spec.At(p.RateHz)
	if err != nil {
		return nil, nil, err
	}
	var truth, got []int
	var elapsed time.Duration
	var ons *Onsets
	var all []pipeline.Decision
	if o != nil {
		ons = &Onsets{}
	}
	for i := range test {
		r := &test[i]
		if n := len(r.Channels); n != p.Channels {
			return nil, nil, fmt.Errorf("%w: %s has %d channels, the training recordings %d", ErrChannels, r.Name, n, p.Channels)
		}
		if r.RateHz != p.RateHz {
			return nil, nil, fmt.Errorf("%w: %s is sampled at %g Hz, the training recordings at %g Hz", ErrRate, r.Name, r.RateHz, p.RateHz)
		}
		if err := r.check(); err != nil {
			return nil, nil, err
		}
		if len(r.Segments) == 0 {
			return nil, nil, fmt.Errorf("%w: %s (windows are labelled from annotations with a duration)", ErrNoLabels, r.Name)
		}
		inc := spec.Increment
		d, err := p.NewDecider(LiveOptions{BlockCap: inc})
		if err != nil {
			return nil, nil, err
		}
		b := acquisition.NewBlock(p.Channels, inc)
		decs := make([]pipeline.Decision, 0, 1)
		n := r.Len()
		before := len(truth)
		for start := 0; start < n; start += inc {
			b.Start, b.Len = uint64(start), min(inc, n-start)
			for c, x := range r.Channels {
				copy(b.Data[c*b.Cap:c*b.Cap+b.Len], x[start:start+b.Len])
			}
			decs = d.Process(decs[:0], b)
			if o != nil {
				all = append(all, decs...)
			}
			for _, dec := range decs {
				elapsed += dec.TComp
				end := int(dec.Sample)
				label, ok := labelOf(r.Segments, end-spec.Window, end)
				if !ok {
					continue
				}
				cls, known := index[label]
				if !known {
					return nil, nil, fmt.Errorf("%w: %s has windows labelled %q; the model knows %q", ErrUnknownCls, r.Name, label, p.Classes)
				}
				truth = append(truth, cls)
				got = append(got, dec.Class)
			}
		}
		if len(truth) == before {
			return nil, nil, fmt.Errorf("%w: %s has no %d-sample window inside a labelled segment", ErrNoWindows, r.Name, spec.Window)
		}
		if o != nil {
			ons.DelaysMs = onsetDelays(ons.DelaysMs, all, r.Segments, index, p.RateHz, *o)
			all = all[:0]
		}
	}
	res := p.score(truth, got)
	res.PredictNanos = float64(elapsed.Nanoseconds()) / float64(len(got))
	return res, ons, nil
}

// onsetDelays appends to dst the onset delays (Onsets.DelaysMs) of the
// decisions decs of a recording at rateHz labelled by segs; onsets of
// labels outside index are skipped.
func onsetDelays(dst []float64, decs []pipeline.Decision, segs []Segment, index map[string]int, rateHz float64, o OnsetOptions) []float64 {
	segs = slices.Clone(segs)
	slices.SortStableFunc(segs, func(a, b Segment) int { return a.Start - b.Start })
	ok := func(d pipeline.Decision, class int, end int) bool {
		return d.Class == class && d.Confidence >= o.MinConfidence && int(d.Sample) <= end
	}
	for i := 1; i < len(segs); i++ {
		seg := segs[i]
		class, known := index[seg.Label]
		if !known || seg.Label == segs[i-1].Label {
			continue
		}
		delay := math.Inf(1)
		// The first decision whose window holds a sample of the new gesture.
		j, _ := slices.BinarySearchFunc(decs, seg.Start+1, func(d pipeline.Decision, t int) int { return int(d.Sample) - t })
		for ; j+o.Stable <= len(decs) && int(decs[j].Sample) <= seg.End; j++ {
			run := 0
			for run < o.Stable && ok(decs[j+run], class, seg.End) {
				run++
			}
			if run == o.Stable {
				delay = float64(int(decs[j].Sample)-seg.Start) / rateHz * 1000
				break
			}
		}
		dst = append(dst, delay)
	}
	return dst
}

// Score classifies the rows of ds (extracted with p.Spec and p.Classes)
// one by one (rejection applies, the vote does not) and returns the scores;
// PredictNanos is the mean model time per row.
func (p *Pipeline) Score(ds *Dataset) *Result {
	m := p.Classifier()
	probs := make([]float64, len(p.Classes))
	got := make([]int, len(ds.X))
	t0 := time.Now()
	for i, x := range ds.X {
		c := m.Predict(probs, x)
		if p.Spec.Reject > 0 {
			c = classify.Reject(c, probs, p.Spec.Reject)
		}
		got[i] = c
	}
	el := time.Since(t0)
	res := p.score(ds.Y, got)
	if len(ds.X) > 0 {
		res.PredictNanos = float64(el.Nanoseconds()) / float64(len(ds.X))
	}
	return res
}

// score tallies decisions got (classify.NoDecision for none) against the
// true classes.
func (p *Pipeline) score(truth, got []int) *Result {
	k := len(p.Classes)
	res := &Result{
		Classes:      p.Classes,
		Confusion:    make([][]int, k),
		TrainWindows: p.TrainWindows,
		TestWindows:  len(truth),
		ModelBytes:   p.ModelBytes(),
	}
	cols := k
	if p.Spec.Reject > 0 || slices.Contains(got, classify.NoDecision) {
		cols++
	}
	for i := range res.Confusion {
		res.Confusion[i] = make([]int, cols)
	}
	correct := 0
	for i, c := range got {
		if c == classify.NoDecision {
			res.Rejected++
			c = k
		}
		res.Confusion[truth[i]][c]++
		if c == truth[i] {
			correct++
		}
	}
	if len(truth) > 0 {
		res.Accuracy = float64(correct) / float64(len(truth))
	}
	present := 0
	for c := range k {
		cr := ClassResult{Class: p.Classes[c]}
		predicted := 0
		for i := range k {
			cr.Windows += res.Confusion[c][i]
			predicted += res.Confusion[i][c]
		}
		if cols > k {
			cr.Windows += res.Confusion[c][k]
		}
		if cr.Windows > 0 {
			cr.Recall = float64(res.Confusion[c][c]) / float64(cr.Windows)
			res.BalancedAccuracy += cr.Recall
			present++
		}
		if predicted > 0 {
			cr.Precision = float64(res.Confusion[c][c]) / float64(predicted)
		}
		res.PerClass = append(res.PerClass, cr)
	}
	if present > 0 {
		res.BalancedAccuracy /= float64(present)
	}
	return res
}
