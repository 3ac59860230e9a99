package sqlite

import (
	"context"
	"math"
	"slices"
	"testing"

	"myorehab/storage"
)

// TestHostileRecords feeds the hostile strings to every text-taking method
// added with the records schema: they round-trip unchanged, match only
// themselves in filters, and leave every table in place.
func TestHostileRecords(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	p := mustCreatePatient(t, db, "P1")
	var ths []*storage.Therapist
	for _, h := range hostile {
		th := &storage.Therapist{Name: h, Login: h, Active: true}
		if err := db.CreateTherapist(ctx, th); err != nil {
			t.Fatalf("therapist %q: %v", h, err)
		}
		ths = append(ths, th)
	}
	all, err := db.ListTherapists(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(hostile) {
		t.Fatalf("%d therapists, want %d", len(all), len(hostile))
	}
	for _, th := range ths {
		got, err := db.Therapist(ctx, th.ID)
		if err != nil || *got != *th {
			t.Errorf("therapist %q round trip: %+v, %v", th.Name, got, err)
		}
	}

	var chans []storage.ChannelConfig
	for _, h := range hostile {
		chans = append(chans, storage.ChannelConfig{Label: h, Enabled: true})
	}
	setup := &storage.ChannelSetup{PatientID: p.ID, Device: hostile[2], Channels: chans}
	if err := db.SaveChannelSetup(ctx, setup); err != nil {
		t.Fatal(err)
	}
	gs, err := db.LatestChannelSetup(ctx, p.ID)
	if err != nil || gs.Device != hostile[2] || !slices.Equal(gs.Channels, chans) {
		t.Errorf("channel set-up round trip: %+v, %v", gs, err)
	}

	m := &storage.Model{PatientID: p.ID, Name: hostile[3], Accuracy: math.NaN(), Data: []byte(hostile[2]),
		Meta: storage.ModelMeta{Kind: hostile[4], Features: hostile, Channels: hostile, Classes: hostile, Filter: hostile[5]}}
	if err := db.SaveModel(ctx, m); err != nil {
		t.Fatal(err)
	}
	gm, err := db.Model(ctx, m.ID)
	if err != nil || !modelEqual(gm, m) {
		t.Errorf("model round trip: %+v, %v", gm, err)
	}

	s := mustCreateSession(t, db, &storage.Session{PatientID: p.ID, TherapistID: ths[2].ID, Channels: 1, RateHz: 1, Notes: hostile[2]})
	if got, err := db.Session(ctx, s.ID); err != nil || got.Notes != hostile[2] {
		t.Errorf("session notes round trip: %+v, %v", got, err)
	}

	for _, h := range hostile {
		e := &storage.AuditEntry{Actor: h, Action: storage.AuditExported, ObjectType: h, ObjectID: 1, Detail: h}
		if err := db.Audit(ctx, e); err != nil {
			t.Fatalf("audit %q: %v", h, err)
		}
	}
	for _, h := range append(slices.Clone(hostile), "%%", "' OR '1'='1") {
		for _, f := range []storage.AuditFilter{{Actor: h}, {ObjectType: h}, {ObjectType: h, ObjectID: 1}} {
			es, err := db.ListAudit(ctx, f)
			if err != nil {
				t.Fatalf("filter %+v: %v", f, err)
			}
			want := 0
			if slices.Contains(hostile, h) {
				want = 1
			}
			if len(es) != want {
				t.Errorf("filter %+v matched %d entries, want %d", f, len(es), want)
				continue
			}
			if want == 1 && (es[0].Actor != h || es[0].ObjectType != h || es[0].Detail != h) {
				t.Errorf("audit round trip %q: %+v", h, es[0])
			}
		}
	}
	// Hostile actor names carried by the context land in the log verbatim.
	for _, h := range hostile {
		actx := storage.WithActor(ctx, storage.Actor{Name: h})
		p.Notes = h
		if err := db.UpdatePatient(actx, p); err != nil {
			t.Fatal(err)
		}
		es, err := db.ListAudit(ctx, storage.AuditFilter{Actor: h, Action: storage.AuditChanged})
		if err != nil || len(es) != 1 || es[0].ObjectID != p.ID {
			t.Errorf("audit by context actor %q: %+v, %v", h, es, err)
		}
	}

	var tables int
	if err := db.db.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name IN
		('patients', 'sessions', 'recording_chunks', 'annotations', 'migrations', 'therapists',
		'channel_setups', 'models', 'session_metrics', 'session_metric_sums', 'audit_log')`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 11 {
		t.Fatalf("%d of 11 tables left", tables)
	}
}
