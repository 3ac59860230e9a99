package recognition

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"myorehab/processing/pipeline"
)

// TestOnsetDelays on hand-made decisions every 10 samples at 1 kHz: two
// onsets (samples 100 and 200); the first is recognised from the decision
// at sample 130 (after a one-decision blip at 110), the second never
// within its segment.
func TestOnsetDelays(t *testing.T) {
	t.Parallel()
	segs := []Segment{{Start: 200, End: 260, Label: "b"}, {Start: 0, End: 100, Label: "a"}, {Start: 100, End: 200, Label: "c"}}
	index := map[string]int{"a": 0, "c": 1, "b": 2}
	classes := map[uint64]int{110: 1, 120: 0, 130: 1, 140: 1, 150: 1, 260: 2, 270: 2, 280: 2}
	var decs []pipeline.Decision
	for s := uint64(10); s <= 300; s += 10 {
		c, ok := classes[s]
		if !ok {
			c = 0
			if s > 150 {
				c = 1
			}
		}
		decs = append(decs, pipeline.Decision{Sample: s, Class: c, Confidence: 0.9})
	}
	got := onsetDelays(nil, decs, segs, index, 1000, OnsetOptions{Stable: 2})
	if want := []float64{30, math.Inf(1)}; !slices.Equal(got, want) {
		t.Errorf("stable 2: delays %v, want %v", got, want)
	}
	got = onsetDelays(nil, decs, segs, index, 1000, OnsetOptions{Stable: 1})
	if want := []float64{10, 60}; !slices.Equal(got, want) { // 260 is the segment's last window end
		t.Errorf("stable 1: delays %v, want %v", got, want)
	}
	decs[12].Confidence = 0.5 // sample 130
	got = onsetDelays(nil, decs, segs, index, 1000, OnsetOptions{Stable: 2, MinConfidence: 0.6})
	if got[0] != 40 {
		t.Errorf("low confidence at 130: delay %v, want 40", got[0])
	}
	o := Onsets{DelaysMs: []float64{40, 10, math.Inf(1), 20}}
	if o.Missed() != 1 || o.Percentile(50) != 20 || o.Percentile(25) != 10 || !math.IsInf(o.Percentile(95), 1) {
		t.Errorf("Missed %d, p25 %v p50 %v p95 %v", o.Missed(), o.Percentile(25), o.Percentile(50), o.Percentile(95))
	}
}

// TestGateWindows: windows inside one hold are labelled as Windows does;
// a window whose newest transient samples lie in a motion hold is that
// motion once the gate finds it active, never a rest window that starts
// in a motion.
func TestGateWindows(t *testing.T) {
	t.Parallel()
	segs := []Segment{{Start: 0, End: 100, Label: "rest"}, {Start: 100, End: 200, Label: "grip"}, {Start: 200, End: 300, Label: "rest"}}
	active := func(end int) bool { return end >= 130 && end <= 200 }
	starts, labels := gateWindows(segs, 300, 40, 10, 20, "rest", active)
	var got []string
	for i, s := range starts {
		got = append(got, fmt.Sprintf("%d:%s", s, labels[i]))
	}
	want := []string{"0:rest", "10:rest", "20:rest", "30:rest", "40:rest", "50:rest", "60:rest",
		"90:grip", // ends at 130: 30 samples of grip, active
		"100:grip", "110:grip", "120:grip", "130:grip", "140:grip", "150:grip", "160:grip",
		"200:rest", "210:rest", "220:rest", "230:rest", "240:rest", "250:rest", "260:rest"}
	if !slices.Equal(got, want) {
		t.Errorf("gateWindows:\n got %v\nwant %v", got, want)
	}
}
