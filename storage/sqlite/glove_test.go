package sqlite

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"myorehab/storage"
)

func TestGloveLimits(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	p := &storage.Patient{Code: "G-1"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LatestGloveLimits(ctx, p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("limits before any save: %v", err)
	}
	ok := storage.GloveFingerLimit{MinPosition: 50, MaxPosition: 800, MaxForce: 600, MaxSpeed: 400}
	for _, f := range []storage.GloveFingerLimit{
		{MinPosition: 800, MaxPosition: 50, MaxForce: 1, MaxSpeed: 1},
		{MinPosition: -1, MaxPosition: 50, MaxForce: 1, MaxSpeed: 1},
		{MinPosition: 0, MaxPosition: 1001, MaxForce: 1, MaxSpeed: 1},
		{MinPosition: 0, MaxPosition: 10, MaxForce: 0, MaxSpeed: 1},
		{MinPosition: 0, MaxPosition: 10, MaxForce: 1, MaxSpeed: -1},
	} {
		if err := db.SaveGloveLimits(ctx, &storage.GloveLimits{PatientID: p.ID, Fingers: []storage.GloveFingerLimit{ok, f}}); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("limits %+v accepted: %v", f, err)
		}
	}
	for v := 1; v <= 2; v++ {
		g := &storage.GloveLimits{PatientID: p.ID, Fingers: []storage.GloveFingerLimit{ok, ok}}
		g.Fingers[1].MaxForce = float64(100 * v)
		if err := db.SaveGloveLimits(ctx, g); err != nil || g.Version != v {
			t.Fatalf("save %d: version %d, %v", v, g.Version, err)
		}
	}
	got, err := db.LatestGloveLimits(ctx, p.ID)
	if err != nil || got.Version != 2 || len(got.Fingers) != 2 || got.Fingers[1].MaxForce != 200 || got.Fingers[0] != ok {
		t.Fatalf("latest %+v, %v", got, err)
	}
	if err := db.SaveGloveLimits(ctx, &storage.GloveLimits{PatientID: 999, Fingers: []storage.GloveFingerLimit{ok}}); err == nil {
		t.Error("limits of a missing patient saved")
	}
}

// TestGloveFramesThroughWriter: glove commands queued on a session's
// writer between annotations and metrics are stored in order, with their
// sample, time, seq, type and targets; a frame for an unknown session or
// with a negative sample is refused.
func TestGloveFramesThroughWriter(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	s, w := newTestWriter(t, db, 2, WriterConfig{})
	at := time.Date(2026, 12, 7, 10, 0, 0, 123456789, time.UTC)
	want := []*storage.GloveFrame{
		{Sample: 10, SentAt: at, Seq: 1, Type: "ARM"},
		{Sample: 250, SentAt: at.Add(20 * time.Millisecond), Seq: 2, Type: "SET_TARGETS",
			Targets: []storage.GloveTarget{{Position: 100, ForceLimit: 300, MaxSpeed: 800}, {Position: 900, ForceLimit: 250, MaxSpeed: 1000}}},
		{Sample: 275, SentAt: at.Add(40 * time.Millisecond), Seq: 3, Type: "SET_TARGETS",
			Targets: []storage.GloveTarget{{Position: 120, ForceLimit: 300, MaxSpeed: 800}, {Position: 880, ForceLimit: 250, MaxSpeed: 1000}}},
	}
	if err := w.AddGloveFrame(want[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Annotate(&storage.Annotation{SessionID: s.ID, Sample: 100, Kind: "marker", Text: "between"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range want[1:] {
		if err := w.AddGloveFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := db.GloveFrames(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d frames stored, want %d", len(got), len(want))
	}
	for i, g := range got {
		x := *want[i]
		x.ID, x.SessionID = g.ID, s.ID
		if !g.SentAt.Equal(x.SentAt.Truncate(time.Microsecond)) { // stored to the microsecond
			t.Errorf("frame %d sent at %v, want %v", i, g.SentAt, x.SentAt)
		}
		g.SentAt, x.SentAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(*g, x) {
			t.Errorf("frame %d: %+v, want %+v", i, *g, x)
		}
	}
	if as, _ := db.ListAnnotations(ctx, s.ID); len(as) != 1 {
		t.Errorf("%d annotations, want 1", len(as))
	}
	if err := db.AddGloveFrames(ctx, s.ID+100, []*storage.GloveFrame{{Sample: 1, Type: "ARM"}}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	if err := db.AddGloveFrames(ctx, s.ID, []*storage.GloveFrame{{Sample: -1, Type: "ARM"}}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("negative sample: %v", err)
	}
}
