package app

import (
	"fmt"
	"os"
	"testing"

	"myorehab/processing/recognition"
)

// TestOnsetGate3DC measures the control front end's onset gate on the
// 3DC data (docs/recognition.md, "Onset gate"): per configuration, the
// mean accuracy over P01–P08 (train session → test session, streamed
// through the live path) and the pooled step-onset delays as in
// TestControlFrontEnd3DC, without the gate and with it at several
// thresholds, transients and increments (rest class "Neutral"). It
// asserts that the gate costs no accuracy and no step delay at the
// product's setting. About 4 minutes: set MYOREHAB_GATE=1.
func TestOnsetGate3DC(t *testing.T) {
	if os.Getenv("MYOREHAB_GATE") != "1" {
		t.Skip("set MYOREHAB_GATE=1 to run the onset gate study on 3DC")
	}
	type config struct {
		incMs           float64
		threshold, trMs float64 // threshold 0: no gate
	}
	def := recognition.DefaultGate()
	configs := []config{{25, 0, 0}, {25, 2, def.TransientMs}, {25, def.Threshold, def.TransientMs}, {25, 4, def.TransientMs},
		{25, def.Threshold, 25}, {12.5, 0, 0}, {12.5, def.Threshold, def.TransientMs}}
	acc := make([]float64, len(configs))
	steps := make([]recognition.Onsets, len(configs))
	for p := 1; p <= 8; p++ {
		name := fmt.Sprintf("P%02d", p)
		train, err := labelledRecording(threeDC(t, name+"_train.edf"))
		if err != nil {
			t.Fatal(err)
		}
		test, err := labelledRecording(threeDC(t, name+"_test.edf"))
		if err != nil {
			t.Fatal(err)
		}
		steady := []recognition.Recording{steadyHolds(test, int(steadySkipMs*test.RateHz/1000))}
		for i, c := range configs {
			s := recognition.ControlInt8()
			s.IncrementMs, s.Gate = c.incMs, nil
			if c.threshold > 0 {
				s.Gate = &recognition.GateSpec{RestLabel: "Neutral", Threshold: c.threshold, WindowMs: def.WindowMs, TransientMs: c.trMs}
			}
			pipe, err := recognition.Train(s, []recognition.Recording{train})
			if err != nil {
				t.Fatal(err)
			}
			res, err := pipe.Evaluate([]recognition.Recording{test})
			if err != nil {
				t.Fatal(err)
			}
			_, on, err := pipe.EvaluateOnsets(steady, recognition.OnsetOptions{Stable: 2})
			if err != nil {
				t.Fatal(err)
			}
			acc[i] += res.Accuracy / 8
			steps[i].DelaysMs = append(steps[i].DelaysMs, on.DelaysMs...)
		}
	}
	for i, c := range configs {
		gate := "no gate"
		if c.threshold > 0 {
			gate = fmt.Sprintf("gate ×%g, transient %g ms", c.threshold, c.trMs)
		}
		t.Logf("| 150/%g ms INT8, %s | %.1f %% | %.0f / %.0f ms | %d |", c.incMs, gate, acc[i]*100,
			steps[i].Percentile(50), steps[i].Percentile(95), steps[i].Missed())
	}
	if acc[2] < acc[0]-0.005 || steps[2].Percentile(50) > steps[0].Percentile(50)+5 || steps[2].Missed() > 0 {
		t.Errorf("the product's gate costs: accuracy %.3f vs %.3f, step p50 %v vs %v ms, %d missed",
			acc[2], acc[0], steps[2].Percentile(50), steps[0].Percentile(50), steps[2].Missed())
	}
}
