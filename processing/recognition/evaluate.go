package recognition

import (
	"fmt"
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
	if len(test) == 0 {
		return nil, fmt.Errorf("%w: no test recording", ErrNoWindows)
	}
	k := len(p.Classes)
	index := make(map[string]int, k)
	for i, c := range p.Classes {
		index[c] = i
	}
	var truth, got []int
	var elapsed time.Duration
	for i := range test {
		r := &test[i]
		if n := len(r.Channels); n != p.Channels {
			return nil, fmt.Errorf("%w: %s has %d channels, the training recordings %d", ErrChannels, r.Name, n, p.Channels)
		}
		if r.RateHz != p.RateHz {
			return nil, fmt.Errorf("%w: %s is sampled at %g Hz, the training recordings at %g Hz", ErrRate, r.Name, r.RateHz, p.RateHz)
		}
		if err := r.check(); err != nil {
			return nil, err
		}
		if len(r.Segments) == 0 {
			return nil, fmt.Errorf("%w: %s (windows are labelled from annotations with a duration)", ErrNoLabels, r.Name)
		}
		inc := p.Spec.Increment
		d, err := p.NewDecider(LiveOptions{BlockCap: inc})
		if err != nil {
			return nil, err
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
			for _, dec := range decs {
				elapsed += dec.TComp
				end := int(dec.Sample)
				label, ok := labelOf(r.Segments, end-p.Spec.Window, end)
				if !ok {
					continue
				}
				cls, known := index[label]
				if !known {
					return nil, fmt.Errorf("%w: %s has windows labelled %q; the model knows %q", ErrUnknownCls, r.Name, label, p.Classes)
				}
				truth = append(truth, cls)
				got = append(got, dec.Class)
			}
		}
		if len(truth) == before {
			return nil, fmt.Errorf("%w: %s has no %d-sample window inside a labelled segment", ErrNoWindows, r.Name, p.Spec.Window)
		}
	}
	res := p.score(truth, got)
	res.PredictNanos = float64(elapsed.Nanoseconds()) / float64(len(got))
	return res, nil
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
