package sqlite

import (
	"context"
	"errors"
	"testing"

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
