package recognition_test

import (
	"errors"
	"slices"
	"testing"

	"myorehab/processing/recognition"
)

func TestFirstRepetitions(t *testing.T) {
	a := synthetic("a", 2, 300, 3, 1)
	b := synthetic("b", 2, 300, 2, 2)
	slices.Reverse(a.Segments) // counted by start, not by slice order
	got := recognition.FirstRepetitions([]recognition.Recording{a, b}, 2)
	if len(got) != 2 || len(got[0].Segments) != 2*len(gestures) || len(got[1].Segments) != 0 {
		t.Fatalf("kept %d recordings with %d and %d segments", len(got), len(got[0].Segments), len(got[1].Segments))
	}
	for i, s := range got[0].Segments {
		if want := gestures[i%len(gestures)]; s.Label != want || s.Start != i*300 {
			t.Errorf("segment %d: %q at %d, want %q at %d", i, s.Label, s.Start, want, i*300)
		}
	}
	if len(a.Segments) != 3*len(gestures) || a.Segments[0].Start == 0 {
		t.Error("FirstRepetitions changed its input")
	}
	one := recognition.FirstRepetitions([]recognition.Recording{b}, 1)
	if len(one[0].Segments) != len(gestures) {
		t.Errorf("1 repetition: %d segments", len(one[0].Segments))
	}
}

func TestTrainAdapted(t *testing.T) {
	spec := smallSpec()
	patient := []recognition.Recording{synthetic("patient", 3, 400, 1, 1)}
	base := []recognition.Recording{synthetic("other 1", 3, 400, 3, 5), synthetic("other 2", 3, 400, 3, 7)}
	test := []recognition.Recording{synthetic("test", 3, 400, 2, 2)}
	own, err := recognition.Train(spec, patient)
	if err != nil {
		t.Fatal(err)
	}
	same, err := recognition.TrainAdapted(spec, patient, base, recognition.Adaptation{Alpha: 1, Beta: 1})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := spec.Extract(test, own.Classes, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range ds.X {
		if a, b := own.Model.Predict(nil, x), same.Model.Predict(nil, x); a != b {
			t.Fatalf("window %d: patient-only model says %d, adaptation with weights 1, 1 says %d", i, a, b)
		}
	}
	ad, err := recognition.TrainAdapted(spec, patient, base, recognition.QuickAdaptation(1))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ad.Evaluate(test)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accuracy < 0.9 || !slices.Equal(ad.Classes, own.Classes) || ad.TrainWindows != own.TrainWindows {
		t.Errorf("adapted: accuracy %.3f, classes %q (want %q), %d training windows (want %d)",
			res.Accuracy, ad.Classes, own.Classes, ad.TrainWindows, own.TrainWindows)
	}
	spec.Int8 = true
	if q, err := recognition.TrainAdapted(spec, patient, base, recognition.QuickAdaptation(1)); err != nil || q.Int8 == nil {
		t.Errorf("INT8: %v", err)
	}

	// With the onset gate, the pipeline keeps the patient's resting levels.
	gated := recognition.Control()
	own, err = recognition.Train(gated, patient)
	if err != nil {
		t.Fatal(err)
	}
	g, err := recognition.TrainAdapted(gated, patient, base, recognition.QuickAdaptation(1))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.RestSD, own.RestSD) || len(g.RestSD) != 3 {
		t.Errorf("gated: resting levels %v, the patient's own %v", g.RestSD, own.RestSD)
	}

	// A base without one of the patient's gestures cannot start it.
	short := synthetic("other 3", 3, 400, 2, 9)
	short.Segments = slices.DeleteFunc(short.Segments, func(s recognition.Segment) bool { return s.Label == "pinch" })
	if _, err := recognition.TrainAdapted(smallSpec(), patient, []recognition.Recording{short}, recognition.QuickAdaptation(1)); !errors.Is(err, recognition.ErrBase) {
		t.Errorf("base without pinch: %v", err)
	}
	wrong := synthetic("other 4", 2, 400, 2, 9)
	if _, err := recognition.TrainAdapted(smallSpec(), patient, []recognition.Recording{wrong}, recognition.QuickAdaptation(1)); !errors.Is(err, recognition.ErrBase) {
		t.Errorf("base with 2 channels: %v", err)
	}
	qda := smallSpec()
	qda.Model = "qda"
	if _, err := recognition.TrainAdapted(qda, patient, base, recognition.QuickAdaptation(1)); !errors.Is(err, recognition.ErrSpec) {
		t.Errorf("qda: %v", err)
	}
}
