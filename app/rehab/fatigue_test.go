package rehab

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"myorehab/acquisition/replay"
	"myorehab/app/device"
	"myorehab/internal/shareddata"
	"myorehab/storage"
)

// TestFatigueAdviceMcKiernan replays the real sustained contractions of
// ../shared/data/mckiernan-sustained as the session's source, the first
// channel as the working muscle of a %MVC exercise of 5 s holds without
// rest: the runner suggests a rest on the fatiguing recordings (S8, S6)
// and not on the flat or mostly resting ones (S9, S10).
func TestFatigueAdviceMcKiernan(t *testing.T) {
	dir := shareddata.Dir(t, "data", "mckiernan-sustained")
	cases := []struct {
		file string
		want bool
	}{
		{"S8_EMG_bicep_sustained.edf", true},
		{"S6_EMG_calf_sustained.edf", true},
		{"S9_EMG_quadricep_squatSustained.edf", false},
		{"S10_EMG_bicep_sustainedMax.edf", false},
		{"S10_EMG_bicep_sustainedMin.edf", false},
		{"S10_EMG_calf_sustainedMax.edf", false},
		{"S10_EMG_calf_sustainedMin.edf", false},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.file, ".edf"), func(t *testing.T) {
			rec, err := device.ReplayRecording(shareddata.File(t, filepath.Join(dir, c.file), "McKiernan recording"))
			if err != nil {
				t.Fatal(err)
			}
			src, err := replay.New(*rec, replay.Config{Unpaced: true})
			if err != nil {
				t.Fatal(err)
			}
			info := src.Info()
			db, p := openDB(t)
			ctx := context.Background()
			mvc := make([]float64, info.Channels)
			for i := range mvc {
				mvc[i] = 1000 // arbitrary units: the recordings' gain is unknown
			}
			if err := db.SaveMVC(ctx, &storage.MVCMeasurement{PatientID: p.ID, Source: "test", Labels: info.Labels, MVCUV: mvc}); err != nil {
				t.Fatal(err)
			}
			seconds := float64(len(rec.Raw[0])) / info.SampleRateHz
			plan := &Plan{Name: "sustained", Exercises: []Exercise{{Name: "sustained hold", Kind: KindMVC,
				Channels: []string{info.Labels[0]}, TargetLowPct: 1, TargetHighPct: 100, HoldS: 5, RestS: 0,
				Reps: int(math.Floor((seconds - 1) / 5))}}}
			res, err := RunSource(ctx, SourceRun{DB: db, Source: src, Mains: device.Mains60, Unpaced: true},
				Request{PatientID: p.ID, Plan: plan})
			if err != nil {
				t.Fatal(err)
			}
			if res.Completed() != plan.PlannedReps() {
				t.Fatalf("%d of %d reps done", res.Completed(), plan.PlannedReps())
			}
			got := len(res.Summary.Advice) > 0
			t.Logf("%s: %.1f s, %d reps, advice %q", c.file, seconds, res.Completed(), res.Summary.Advice)
			if got != c.want {
				t.Errorf("rest suggested = %v, want %v", got, c.want)
			}
			if got && !strings.Contains(res.Summary.Advice[0], "median frequency") {
				t.Errorf("the advice does not say why: %q", res.Summary.Advice[0])
			}
		})
	}
}
