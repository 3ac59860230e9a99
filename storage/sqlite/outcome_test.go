package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"myorehab/storage"
)

func TestOutcomes(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	p := &storage.Patient{Code: "O-1"}
	if err := db.CreatePatient(ctx, p); err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.Local) }
	bad := []storage.Outcome{
		{Kind: storage.FuglMeyerUE, Value: 67},
		{Kind: storage.FuglMeyerUE, Value: 30.5},
		{Kind: storage.FuglMeyerWH, Value: 25},
		{Kind: storage.ARAT, Value: 58},
		{Kind: storage.ARAT, Value: -1},
		{Kind: storage.GripKg, Value: 101},
		{Kind: storage.Ashworth, Value: 2.5, Muscle: "wrist flexors"},
		{Kind: storage.Ashworth, Value: 2},                          // no muscle group
		{Kind: storage.GripKg, Value: 10, Muscle: "finger flexors"}, // muscle on a whole-arm score
		{Kind: "barthel", Value: 10},
	}
	for _, o := range bad {
		o.PatientID, o.TakenOn = p.ID, day(2)
		if err := db.AddOutcome(ctx, &o); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("%+v accepted: %v", o, err)
		}
	}
	// The schema enforces the ranges too, for any other writer.
	if _, err := db.db.ExecContext(ctx, `INSERT INTO outcome_measures (patient_id, kind, value, taken_on, created_at)
		VALUES (?, 'arat', 60, '2026-03-01', '')`, p.ID); err == nil {
		t.Error("the schema took ARAT 60")
	}
	good := []storage.Outcome{
		{Kind: storage.FuglMeyerUE, Value: 30, TakenOn: day(9)},
		{Kind: storage.Ashworth, Value: storage.AshworthPlus, Muscle: " wrist flexors ", TakenOn: day(2)},
		{Kind: storage.GripKg, Value: 12.5, TakenOn: day(2), Notes: "left hand"},
		{Kind: storage.FuglMeyerUE, Value: 66, TakenOn: day(20)},
	}
	for i := range good {
		good[i].PatientID = p.ID
		if err := db.AddOutcome(ctx, &good[i]); err != nil || good[i].ID == 0 {
			t.Fatalf("add %+v: %v", good[i], err)
		}
	}
	got, err := db.ListOutcomes(ctx, p.ID, day(1), day(10))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-03-02 ashworth wrist flexors 1+", "2026-03-02 grip_kg  12.5", "2026-03-09 fugl_meyer_ue  30"}
	if len(got) != len(want) {
		t.Fatalf("%d outcomes, want %d: %+v", len(got), len(want), got)
	}
	for i, o := range got {
		if s := o.TakenOn.Format("2006-01-02") + " " + string(o.Kind) + " " + o.Muscle + " " + storage.FormatOutcome(o.Kind, o.Value); s != want[i] {
			t.Errorf("outcome %d: %q, want %q", i, s, want[i])
		}
	}
	if got[1].Notes != "left hand" {
		t.Errorf("notes %q", got[1].Notes)
	}
	if err := db.DeleteOutcome(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteOutcome(ctx, got[0].ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	all, err := db.ListOutcomes(ctx, p.ID, time.Time{}, time.Time{})
	if err != nil || len(all) != 3 {
		t.Fatalf("all: %d, %v", len(all), err)
	}
	if err := db.AddOutcome(ctx, &storage.Outcome{PatientID: 999, Kind: storage.ARAT, Value: 3, TakenOn: day(1)}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("outcome of a missing patient: %v", err)
	}
}

func TestSessionUnitsAndNotes(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	s := &storage.Session{RateHz: 100, Channels: 2, Units: []string{"adu", ""}, ScaleUV: []float64{1, 0.5}}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSessionNotes(ctx, s.ID, "tired today"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Session(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Unit(0) != "adu" || got.Unit(1) != "uV" || got.Notes != "tired today" {
		t.Errorf("units %q notes %q", got.Units, got.Notes)
	}
	if err := db.CreateSession(ctx, &storage.Session{RateHz: 100, Channels: 2, Units: []string{"adu"}}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("one unit for two channels: %v", err)
	}
	if err := db.SetSessionNotes(ctx, 999, "x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("notes of a missing session: %v", err)
	}
}
