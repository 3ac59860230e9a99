package app

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"myorehab/processing/recognition"
)

// TestEvaluateShortCalibration3DC runs evaluate with a one-repetition
// calibration on 3DC P03 (the participant where the cross-user start
// helps most; docs/recognition.md, "Short calibration"): patient only
// 65.9 %, adapted from the 7 other participants' training sessions
// 73.7 %, the full calibration 84.9 % with or without --base.
func TestEvaluateShortCalibration3DC(t *testing.T) {
	train, test := threeDC(t, "P03_train.edf"), threeDC(t, "P03_test.edf")
	var base []string
	for p := 1; p <= 8; p++ {
		if p != 3 {
			base = append(base, threeDC(t, fmt.Sprintf("P%02d_train.edf", p)))
		}
	}
	var full, one, adapted recognition.Result
	runCLI(t, &full, "evaluate", "--train", train, "--test", test, "--json")
	runCLI(t, &one, "evaluate", "--train", train, "--test", test, "--train-cycles", "1", "--json")
	runCLI(t, &adapted, "evaluate", "--train", train, "--test", test, "--train-cycles", "1", "--base", strings.Join(base, ","), "--json")
	t.Logf("P03: full %.4f (%d windows), 1 repetition %.4f (%d windows), adapted %.4f", full.Accuracy, full.TrainWindows,
		one.Accuracy, one.TrainWindows, adapted.Accuracy)
	if one.TrainWindows*3 > full.TrainWindows || one.TrainWindows*5 < full.TrainWindows || adapted.TrainWindows != one.TrainWindows {
		t.Errorf("training windows: full %d, 1 repetition %d, adapted %d", full.TrainWindows, one.TrainWindows, adapted.TrainWindows)
	}
	if one.TestWindows != full.TestWindows || adapted.TestWindows != full.TestWindows || len(adapted.Classes) != 11 {
		t.Errorf("test windows %d/%d/%d, %d classes", full.TestWindows, one.TestWindows, adapted.TestWindows, len(adapted.Classes))
	}
	if one.Accuracy < 0.64 || one.Accuracy > 0.68 || adapted.Accuracy < 0.72 || full.Accuracy < 0.84 {
		t.Errorf("P03 accuracy: 1 repetition %.4f (want 0.659), adapted %.4f (want 0.737), full %.4f (want 0.849)",
			one.Accuracy, adapted.Accuracy, full.Accuracy)
	}
	// From three repetitions on the patient's own statistics win
	// (recognition.QuickAdaptation): with --base the full calibration
	// decides as without (adapt's LDA is the default's up to rounding).
	var fullBase recognition.Result
	runCLI(t, &fullBase, "evaluate", "--train", train, "--test", test, "--base", strings.Join(base, ","), "--json")
	if math.Abs(fullBase.Accuracy-full.Accuracy) > 1.5/float64(full.TestWindows) || fullBase.TrainWindows != full.TrainWindows {
		t.Errorf("full calibration with --base: %.4f on %d windows, without %.4f on %d", fullBase.Accuracy, fullBase.TrainWindows, full.Accuracy, full.TrainWindows)
	}
	for _, args := range [][]string{
		{"--train-cycles", "-1"},
		{"--base", base[0], "--model", "qda"},
	} {
		a := append([]string{"evaluate", "--train", train, "--test", test, "--json"}, args...)
		if err := Run(context.Background(), a, &bytes.Buffer{}, &bytes.Buffer{}); ExitCode(err) != 2 {
			t.Errorf("%v: %v (exit %d), want a usage error", args, err, ExitCode(err))
		}
	}
}
