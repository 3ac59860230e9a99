package sqlite

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"myorehab/storage"
)

func TestRehabRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := &storage.Patient{Code: "R1"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LatestRehabPlan(ctx, p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("no plan yet: %v", err)
	}
	for i, js := range []string{`{"name":"a"}`, `{"name":"b"}`} {
		pl := &storage.RehabPlan{PatientID: p.ID, Name: "plan", JSON: []byte(js)}
		if err := db.SaveRehabPlan(ctx, pl); err != nil || pl.Version != i+1 {
			t.Fatalf("plan %d: version %d, %v", i, pl.Version, err)
		}
	}
	last, err := db.LatestRehabPlan(ctx, p.ID)
	if err != nil || last.Version != 2 || string(last.JSON) != `{"name":"b"}` {
		t.Fatalf("latest plan %+v, %v", last, err)
	}
	if err := db.SaveRehabPlan(ctx, &storage.RehabPlan{PatientID: p.ID, JSON: []byte("{")}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("invalid JSON saved: %v", err)
	}
	s := &storage.Session{PatientID: p.ID, Type: storage.SessionRehab, Status: storage.StatusRecording, StartedAt: time.Now(),
		RateHz: 1000, Channels: 1, Labels: []string{"FDS"}, ScaleUV: []float64{1}}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	reps := []*storage.RehabRep{
		{ExerciseIndex: 0, Exercise: "grip", Kind: "mvc", Set: 1, Rep: 1, CueSample: 100, HoldSamples: 3000, TargetLowPct: 30, TargetHighPct: 50,
			TimeInBandS: 2.5, HoldS: 3, PeakMVCPct: 48, MeanMVCPct: 40, OnsetDelayS: 0.4, CCIPct: 20, ClassifierAccuracy: math.NaN(), GloveRangePct: math.NaN(), Success: true},
		{ExerciseIndex: 1, Exercise: "open", Kind: "gesture", Set: 1, Rep: 1, Gesture: "open hand", OnsetDelayS: math.NaN(), CCIPct: math.NaN(),
			ClassifierAccuracy: 0.8, GloveRangePct: 60, AssistMode: "triggered", AssistLevel: 100, Skipped: true},
	}
	rs := &storage.RehabSession{SessionID: s.ID, PlanID: last.ID, PlanVersion: 2, PlanName: "plan", PlannedReps: 2, CompletedReps: 1, Summary: []byte(`{"x":1}`)}
	if err := db.SaveRehabSession(ctx, rs, reps); err != nil {
		t.Fatal(err)
	}
	got, err := db.RehabSessionOf(ctx, s.ID)
	if err != nil || got.PlanVersion != 2 || got.PlanID != last.ID || got.CompletedReps != 1 || string(got.Summary) != `{"x":1}` {
		t.Fatalf("session %+v, %v", got, err)
	}
	back, err := db.RehabReps(ctx, s.ID)
	if err != nil || len(back) != 2 {
		t.Fatalf("reps %d, %v", len(back), err)
	}
	if r := back[0]; r.CueSample != 100 || r.TimeInBandS != 2.5 || r.OnsetDelayS != 0.4 || !math.IsNaN(r.ClassifierAccuracy) || !r.Success {
		t.Errorf("rep 1 %+v", r)
	}
	if r := back[1]; !math.IsNaN(r.OnsetDelayS) || r.ClassifierAccuracy != 0.8 || r.GloveRangePct != 60 || !r.Skipped || r.AssistMode != "triggered" {
		t.Errorf("rep 2 %+v", r)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := &storage.MVCMeasurement{PatientID: p.ID, SessionID: s.ID, Source: "rehab", Labels: []string{"FDS"}, MVCUV: []float64{150}, CreatedAt: at}
	if err := db.SaveMVC(ctx, m); err != nil {
		t.Fatal(err)
	}
	newer := &storage.MVCMeasurement{PatientID: p.ID, Source: "rehab", Labels: []string{"FDS"}, MVCUV: []float64{170}}
	if err := db.SaveMVC(ctx, newer); err != nil {
		t.Fatal(err)
	}
	lm, err := db.LatestMVC(ctx, p.ID)
	if err != nil || lm.MVCUV[0] != 170 {
		t.Errorf("latest MVC %+v, %v", lm, err)
	}
	if err := db.SaveMVC(ctx, &storage.MVCMeasurement{PatientID: p.ID, Labels: []string{"FDS"}, MVCUV: []float64{0}}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("zero MVC saved: %v", err)
	}
	if err := db.RedateSession(ctx, s.ID, at, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if s2, _ := db.Session(ctx, s.ID); !s2.StartedAt.Equal(at) {
		t.Errorf("redated to %v, want %v", s2.StartedAt, at)
	}
}
