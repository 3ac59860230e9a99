package report

import (
	"math"
	"testing"

	"myorehab/storage"
)

// TestSummarizeByHand: a session's figures from its reps and per-second
// metrics, computed by hand.
func TestSummarizeByHand(t *testing.T) {
	nan := math.NaN()
	rs := &storage.RehabSession{SessionID: 7, PlannedReps: 4, CompletedReps: 3}
	reps := []*storage.RehabRep{
		// 4 s hold from sample 1000 (1 s) at 1000 Hz: whole seconds 1, 2, 3, 4.
		{Kind: "mvc", Exercise: "grip", CueSample: 1000, HoldSamples: 4000, HoldS: 4, TimeInBandS: 3, PeakMVCPct: 55, CCIPct: 20, ClassifierAccuracy: nan, GloveRangePct: 60, AssistMode: "assist", AssistLevel: 50},
		// 3 s hold from 7.5 s: whole seconds 8, 9 only: too short for a slope.
		{Kind: "mvc", Exercise: "grip", CueSample: 7500, HoldSamples: 3000, HoldS: 3, TimeInBandS: 1, PeakMVCPct: 70, CCIPct: 40, ClassifierAccuracy: nan, GloveRangePct: 80, AssistMode: "assist", AssistLevel: 40},
		{Kind: "gesture", Exercise: "open", CueSample: 12000, HoldSamples: 3000, HoldS: 3, PeakMVCPct: 30, CCIPct: nan, ClassifierAccuracy: 0.9, GloveRangePct: nan},
		{Kind: "mvc", Exercise: "grip", Skipped: true, HoldS: 4, TimeInBandS: 0, PeakMVCPct: 99, CCIPct: nan, ClassifierAccuracy: nan, GloveRangePct: nan},
	}
	var metrics []storage.SecondMetrics
	for s := range 16 {
		// channel 0 falls 2 Hz/s, channel 1 falls 1 Hz/s
		metrics = append(metrics, storage.SecondMetrics{Second: int64(s), MDF: []float64{100 - 2*float64(s), 80 - float64(s)}})
	}
	r := summarize(rs, reps, metrics, 1000)
	// Time in band over the mvc reps done: (3 + 1) / (4 + 3) s.
	if math.Abs(r.TimeInBandPct-100*4.0/7) > 1e-9 || r.PeakPctMVC != 70 || r.CoContractionPct != 30 {
		t.Errorf("band %v, peak %v, cci %v", r.TimeInBandPct, r.PeakPctMVC, r.CoContractionPct)
	}
	// Accuracy 90 % (the gesture rep), glove (60+80)/2, assist (50+40)/2,
	// MDF slope: the first hold only, mean of −2 and −1 Hz/s.
	if r.AccuracyPct != 90 || r.GloveRangePct != 70 || r.AssistPct != 45 || math.Abs(r.MDFSlopeHzPerS+1.5) > 1e-9 {
		t.Errorf("accuracy %v, glove %v, assist %v, slope %v", r.AccuracyPct, r.GloveRangePct, r.AssistPct, r.MDFSlopeHzPerS)
	}
	if r.RepsPlanned != 4 || r.RepsCompleted != 3 || len(r.Reps) != 4 || r.Reps[3].Completed || r.Reps[0].TimeInBandPct != 75 {
		t.Errorf("reps %+v", r)
	}
}
