package sqlite

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"myorehab/storage"
)

func mustCreatePatient(tb testing.TB, db *DB, code string) *storage.Patient {
	tb.Helper()
	p := &storage.Patient{Code: code, Name: "Name " + code}
	if err := db.CreatePatient(context.Background(), p); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestTherapists(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	t.Run("OK", func(t *testing.T) {
		a := &storage.Therapist{Name: "Zoe", Login: "zoe", Active: true}
		b := &storage.Therapist{Name: "adam", Active: true}
		c := &storage.Therapist{Name: "Mia", Login: "mia", Active: false}
		for _, th := range []*storage.Therapist{a, b, c} {
			if err := db.CreateTherapist(ctx, th); err != nil {
				t.Fatal(err)
			}
			if th.ID == 0 || !th.CreatedAt.Equal(t0) {
				t.Fatalf("created %+v", th)
			}
		}
		got, err := db.Therapist(ctx, a.ID)
		if err != nil || *got != *a {
			t.Fatalf("Therapist = %+v, %v, want %+v", got, err, a)
		}
		active, err := db.ListTherapists(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if names := therapistNames(active); !slices.Equal(names, []string{"adam", "Zoe"}) {
			t.Errorf("active = %q", names)
		}
		all, err := db.ListTherapists(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if names := therapistNames(all); !slices.Equal(names, []string{"adam", "Mia", "Zoe"}) {
			t.Errorf("all = %q", names)
		}
		c.Active, c.Name = true, "Mia R."
		if err := db.UpdateTherapist(ctx, c); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Therapist(ctx, c.ID); got == nil || *got != *c {
			t.Errorf("after update %+v, want %+v", got, c)
		}
		// Sessions name their therapist.
		s := mustCreateSession(t, db, &storage.Session{Channels: 1, RateHz: 100, TherapistID: a.ID, Notes: "first"})
		gs, err := db.Session(ctx, s.ID)
		if err != nil || gs.TherapistID != a.ID || gs.Notes != "first" {
			t.Fatalf("session = %+v, %v", gs, err)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		if err := db.CreateTherapist(ctx, &storage.Therapist{Name: "  "}); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("blank name: %v", err)
		}
		if err := db.CreateTherapist(ctx, &storage.Therapist{Name: "Other", Login: "zoe"}); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("duplicate login: %v", err)
		}
		// Empty logins do not collide.
		for range 2 {
			if err := db.CreateTherapist(ctx, &storage.Therapist{Name: "No login"}); err != nil {
				t.Errorf("second empty login: %v", err)
			}
		}
		if err := db.UpdateTherapist(ctx, &storage.Therapist{ID: 999, Name: "x"}); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("update unknown: %v", err)
		}
		if _, err := db.Therapist(ctx, 999); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("unknown: %v", err)
		}
		err := db.CreateSession(ctx, &storage.Session{Channels: 1, RateHz: 1, TherapistID: 999})
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("session with unknown therapist: %v", err)
		}
	})
}

func therapistNames(ts []*storage.Therapist) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func TestChannelSetups(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	p := mustCreatePatient(t, db, "P1")
	q := mustCreatePatient(t, db, "P2")
	if _, err := db.LatestChannelSetup(ctx, p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("no set-up yet: %v", err)
	}
	v1 := &storage.ChannelSetup{PatientID: p.ID, Device: "cyton", Channels: []storage.ChannelConfig{
		{Label: "FDS", Enabled: true, Gain: 24}, {Label: "EDC", Enabled: false, Gain: 12}}}
	v2 := &storage.ChannelSetup{PatientID: p.ID, Device: "cyton", Channels: []storage.ChannelConfig{
		{Label: "FDS", Enabled: true, Gain: 8}, {Label: "EDC", Enabled: true, Gain: 8}, {Label: "FCU", Enabled: true}}}
	other := &storage.ChannelSetup{PatientID: q.ID, Channels: []storage.ChannelConfig{{Label: "x", Enabled: true}}}
	for _, c := range []*storage.ChannelSetup{v1, other, v2} {
		if err := db.SaveChannelSetup(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if v1.Version != 1 || v2.Version != 2 || other.Version != 1 {
		t.Fatalf("versions %d %d %d, want 1 2 1", v1.Version, v2.Version, other.Version)
	}
	got, err := db.LatestChannelSetup(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != v2.ID || got.Version != 2 || got.Device != "cyton" || !slices.Equal(got.Channels, v2.Channels) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("latest = %+v, want %+v", got, v2)
	}
	for _, test := range []struct {
		name string
		c    storage.ChannelSetup
		want error
	}{
		{"NoChannels", storage.ChannelSetup{PatientID: p.ID}, storage.ErrInvalid},
		{"NegativeGain", storage.ChannelSetup{PatientID: p.ID, Channels: []storage.ChannelConfig{{Gain: -1}}}, storage.ErrInvalid},
		{"NaNGain", storage.ChannelSetup{PatientID: p.ID, Channels: []storage.ChannelConfig{{Gain: math.NaN()}}}, storage.ErrInvalid},
		{"UnknownPatient", storage.ChannelSetup{PatientID: 999, Channels: []storage.ChannelConfig{{}}}, storage.ErrNotFound},
	} {
		t.Run(test.name, func(t *testing.T) {
			if err := db.SaveChannelSetup(ctx, &test.c); !errors.Is(err, test.want) {
				t.Fatalf("got %v, want %v", err, test.want)
			}
		})
	}
}

func TestModels(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	p := mustCreatePatient(t, db, "P1")
	cal := mustCreateSession(t, db, &storage.Session{PatientID: p.ID, Channels: 2, RateHz: 1000, Type: storage.SessionCalibration})
	meta := storage.ModelMeta{Kind: "lda", Features: []string{"MAV", "WL"}, Channels: []string{"FDS", "EDC"},
		RateHz: 1000, WindowSamples: 200, StepSamples: 50, Filter: "bp 20-450",
		Mean: []float64{1, 2, 3, 4}, Scale: []float64{0.5, 1, 2, 4}, Classes: []string{"rest", "fist", "open"},
		Extra: []byte(`{"shrinkage":0.1}`)}
	m1 := &storage.Model{PatientID: p.ID, SessionID: cal.ID, Name: "first", Accuracy: 0.875, Meta: meta, Data: []byte{1, 2, 3}}
	m2 := &storage.Model{PatientID: p.ID, Name: "second", Accuracy: math.NaN(), Meta: meta, Data: []byte{4, 5}}
	if _, err := db.LatestModel(ctx, p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("no model yet: %v", err)
	}
	for _, m := range []*storage.Model{m1, m2} {
		if err := db.SaveModel(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if m1.Version != 1 || m2.Version != 2 || !m2.CreatedAt.Equal(t0) {
		t.Fatalf("versions %d %d", m1.Version, m2.Version)
	}
	got, err := db.Model(ctx, m1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !modelEqual(got, m1) {
		t.Fatalf("Model = %+v\nwant %+v", got, m1)
	}
	latest, err := db.LatestModel(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !modelEqual(latest, m2) || !math.IsNaN(latest.Accuracy) {
		t.Fatalf("LatestModel = %+v\nwant %+v", latest, m2)
	}
	list, err := db.ListModels(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != m2.ID || list[1].ID != m1.ID || list[0].Data != nil || list[1].Meta.Kind != "lda" {
		t.Fatalf("ListModels = %+v", list)
	}
	for _, test := range []struct {
		name string
		m    storage.Model
		want error
	}{
		{"NoData", storage.Model{PatientID: p.ID, Meta: meta}, storage.ErrInvalid},
		{"Accuracy", storage.Model{PatientID: p.ID, Meta: meta, Data: []byte{1}, Accuracy: 1.5}, storage.ErrInvalid},
		{"NoClasses", storage.Model{PatientID: p.ID, Data: []byte{1}}, storage.ErrInvalid},
		{"BadExtra", storage.Model{PatientID: p.ID, Data: []byte{1}, Meta: storage.ModelMeta{Classes: []string{"a"}, Extra: []byte("{")}}, storage.ErrInvalid},
		{"UnknownPatient", storage.Model{PatientID: 999, Meta: meta, Data: []byte{1}}, storage.ErrNotFound},
		{"UnknownSession", storage.Model{PatientID: p.ID, SessionID: 999, Meta: meta, Data: []byte{1}}, storage.ErrNotFound},
	} {
		t.Run(test.name, func(t *testing.T) {
			if err := db.SaveModel(ctx, &test.m); !errors.Is(err, test.want) {
				t.Fatalf("got %v, want %v", err, test.want)
			}
		})
	}
}

func modelEqual(a, b *storage.Model) bool {
	accEq := a.Accuracy == b.Accuracy || (math.IsNaN(a.Accuracy) && math.IsNaN(b.Accuracy))
	ma, mb := a.Meta, b.Meta
	return a.ID == b.ID && a.PatientID == b.PatientID && a.Version == b.Version && a.SessionID == b.SessionID &&
		a.Name == b.Name && accEq && slices.Equal(a.Data, b.Data) && a.CreatedAt.Equal(b.CreatedAt) &&
		ma.Kind == mb.Kind && slices.Equal(ma.Features, mb.Features) && slices.Equal(ma.Channels, mb.Channels) &&
		ma.RateHz == mb.RateHz && ma.WindowSamples == mb.WindowSamples && ma.StepSamples == mb.StepSamples &&
		ma.Filter == mb.Filter && slices.Equal(ma.Mean, mb.Mean) && slices.Equal(ma.Scale, mb.Scale) &&
		slices.Equal(ma.Classes, mb.Classes) && string(ma.Extra) == string(mb.Extra)
}

func TestMetrics(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	p := mustCreatePatient(t, db, "P1")
	const channels = 3
	rng := rand.New(rand.NewPCG(1, 1))
	type want struct{ rms, mdf []float64 }
	var sessions []*storage.Session
	wants := map[int64]want{}
	for i := range 4 {
		s := mustCreateSession(t, db, &storage.Session{PatientID: p.ID, Channels: channels, RateHz: 1000,
			StartedAt: t0.Add(time.Duration(i) * time.Hour)})
		sessions = append(sessions, s)
		if i == 0 {
			continue // a session without metrics
		}
		var sumR, nR, sumM, nM [channels]float64
		var stored []storage.SecondMetrics
		for sec := range int64(10 * i) {
			m := storage.SecondMetrics{Second: sec, RMS: make([]float64, channels), MDF: make([]float64, channels)}
			for c := range channels {
				m.RMS[c] = float64(float32(20 + 10*rng.Float64()))
				m.MDF[c] = float64(float32(60 + 40*rng.Float64()))
				if c == 2 && sec%3 == 0 {
					m.MDF[c] = math.NaN() // no value this second
				}
				if c == 1 && i == 2 {
					m.RMS[c] = math.NaN() // channel off the whole session
				}
				if !math.IsNaN(m.RMS[c]) {
					sumR[c] += m.RMS[c]
					nR[c]++
				}
				if !math.IsNaN(m.MDF[c]) {
					sumM[c] += m.MDF[c]
					nM[c]++
				}
			}
			if err := db.AddMetrics(ctx, s.ID, &m); err != nil {
				t.Fatal(err)
			}
			stored = append(stored, m)
		}
		w := want{make([]float64, channels), make([]float64, channels)}
		for c := range channels {
			w.rms[c], w.mdf[c] = sumR[c]/nR[c], sumM[c]/nM[c]
		}
		wants[s.ID] = w
		got, err := db.SessionMetrics(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(stored) {
			t.Fatalf("session %d: %d seconds, want %d", s.ID, len(got), len(stored))
		}
		for k := range got {
			if got[k].Second != stored[k].Second || !floatsEqual(got[k].RMS, stored[k].RMS, 0) || !floatsEqual(got[k].MDF, stored[k].MDF, 0) {
				t.Fatalf("second %d = %+v, want %+v", k, got[k], stored[k])
			}
		}
	}
	sums, err := db.SessionSummaries(ctx, storage.SessionFilter{PatientID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(sessions) {
		t.Fatalf("%d summaries, want %d", len(sums), len(sessions))
	}
	for k, sum := range sums {
		s := sessions[len(sessions)-1-k] // newest first
		if sum.Session.ID != s.ID {
			t.Fatalf("summary %d is session %d, want %d", k, sum.Session.ID, s.ID)
		}
		w, ok := wants[s.ID]
		if !ok {
			if sum.Seconds != 0 || sum.MeanRMS != nil || sum.MeanMDF != nil {
				t.Errorf("session without metrics: %+v", sum)
			}
			continue
		}
		if sum.Seconds != int64(10*(len(sessions)-1-k)) {
			t.Errorf("session %d: %d seconds", s.ID, sum.Seconds)
		}
		if !floatsEqual(sum.MeanRMS, w.rms, 1e-12) || !floatsEqual(sum.MeanMDF, w.mdf, 1e-12) {
			t.Errorf("session %d means %v %v, want %v %v", s.ID, sum.MeanRMS, sum.MeanMDF, w.rms, w.mdf)
		}
	}

	s := sessions[1]
	for _, test := range []struct {
		name string
		m    storage.SecondMetrics
		want error
	}{
		{"Duplicate", storage.SecondMetrics{Second: 0, RMS: make([]float64, channels), MDF: make([]float64, channels)}, storage.ErrConflict},
		{"NegativeSecond", storage.SecondMetrics{Second: -1, RMS: make([]float64, channels), MDF: make([]float64, channels)}, storage.ErrInvalid},
		{"Channels", storage.SecondMetrics{Second: 99, RMS: make([]float64, 2), MDF: make([]float64, 2)}, storage.ErrInvalid},
		{"Mismatch", storage.SecondMetrics{Second: 99, RMS: make([]float64, channels), MDF: make([]float64, 1)}, storage.ErrInvalid},
		{"Negative", storage.SecondMetrics{Second: 99, RMS: []float64{1, -1, 1}, MDF: make([]float64, channels)}, storage.ErrInvalid},
		{"Inf", storage.SecondMetrics{Second: 99, RMS: make([]float64, channels), MDF: []float64{1, math.Inf(1), 1}}, storage.ErrInvalid},
	} {
		t.Run(test.name, func(t *testing.T) {
			if err := db.AddMetrics(ctx, s.ID, &test.m); !errors.Is(err, test.want) {
				t.Fatalf("got %v, want %v", err, test.want)
			}
		})
	}
	if err := db.AddMetrics(ctx, 999, &storage.SecondMetrics{RMS: []float64{1}, MDF: []float64{1}}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	// A rejected second changed nothing.
	after, err := db.SessionSummaries(ctx, storage.SessionFilter{PatientID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if after[len(after)-2].Seconds != 10 || !floatsEqual(after[len(after)-2].MeanRMS, wants[s.ID].rms, 1e-12) {
		t.Errorf("summary changed by rejected writes: %+v", after[len(after)-2])
	}
}

func floatsEqual(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.IsNaN(a[i]) != math.IsNaN(b[i]) {
			return false
		}
		if !math.IsNaN(a[i]) && math.Abs(a[i]-b[i]) > tol*math.Max(1, math.Abs(b[i])) {
			return false
		}
	}
	return true
}

func TestDeleteSession(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	p := mustCreatePatient(t, db, "P1")
	s := mustCreateSession(t, db, &storage.Session{PatientID: p.ID, Channels: 1, RateHz: 10})
	if err := db.AppendChunk(ctx, s.ID, 0, 1, []int32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddAnnotation(ctx, &storage.Annotation{SessionID: s.ID, Kind: "note"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddMetrics(ctx, s.ID, &storage.SecondMetrics{RMS: []float64{1}, MDF: []float64{2}}); err != nil {
		t.Fatal(err)
	}
	m := &storage.Model{PatientID: p.ID, SessionID: s.ID, Meta: storage.ModelMeta{Classes: []string{"a"}}, Data: []byte{1}, Accuracy: math.NaN()}
	if err := db.SaveModel(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSession(ctx, s.ID); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("delete recording session: %v", err)
	}
	if err := db.FinishSession(ctx, s.ID, storage.StatusCompleted, t0, storage.SessionCounts{Samples: 3}); err != nil {
		t.Fatal(err)
	}
	actx := storage.WithActor(ctx, storage.Actor{TherapistID: 0, Name: "dr who"})
	if err := db.DeleteSession(actx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, s.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("session after delete: %v", err)
	}
	for _, table := range []string{"recording_chunks", "annotations", "session_metrics", "session_metric_sums"} {
		var n int
		// table is from the fixed list above.
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE session_id = ?`, s.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
	}
	got, err := db.Model(ctx, m.ID)
	if err != nil || got.SessionID != 0 {
		t.Errorf("model after its session was deleted: %+v, %v", got, err)
	}
	es, err := db.ListAudit(ctx, storage.AuditFilter{ObjectType: storage.ObjectSession, ObjectID: s.ID, Action: storage.AuditDeleted})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Action != storage.AuditDeleted || es[0].Actor != "dr who" {
		t.Fatalf("audit of deletion = %+v", es)
	}
	if err := db.DeleteSession(ctx, s.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clock := t0
	db.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	th := &storage.Therapist{Name: "Ana", Login: "ana", Active: true}
	if err := db.CreateTherapist(ctx, th); err != nil { // actor: system
		t.Fatal(err)
	}
	actx := storage.WithActor(ctx, storage.Actor{TherapistID: th.ID, Name: th.Name})
	p := &storage.Patient{Code: "P1"}
	if err := db.CreatePatient(actx, p); err != nil {
		t.Fatal(err)
	}
	p.Notes = "better"
	if err := db.UpdatePatient(actx, p); err != nil {
		t.Fatal(err)
	}
	view := &storage.AuditEntry{Action: storage.AuditViewed, ObjectType: storage.ObjectPatient, ObjectID: p.ID}
	if err := db.Audit(actx, view); err != nil {
		t.Fatal(err)
	}
	exp := &storage.AuditEntry{Actor: "os-user", Action: storage.AuditExported, ObjectType: storage.ObjectSession,
		ObjectID: 7, Detail: "EDF+ to /tmp/x.edf"}
	if err := db.Audit(ctx, exp); err != nil {
		t.Fatal(err)
	}
	if view.ID == 0 || view.Actor != "Ana" || view.TherapistID != th.ID || view.At.IsZero() {
		t.Fatalf("view entry %+v", view)
	}

	all, err := db.ListAudit(ctx, storage.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		actor  string
		action storage.AuditAction
		obj    string
	}
	var got []line
	for _, e := range all {
		got = append(got, line{e.Actor, e.Action, e.ObjectType})
	}
	want := []line{ // newest first
		{"os-user", storage.AuditExported, storage.ObjectSession},
		{"Ana", storage.AuditViewed, storage.ObjectPatient},
		{"Ana", storage.AuditChanged, storage.ObjectPatient},
		{"Ana", storage.AuditCreated, storage.ObjectPatient},
		{storage.SystemActor, storage.AuditCreated, storage.ObjectTherapist},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("audit log = %v\nwant %v", got, want)
	}
	if all[0].Detail != exp.Detail || all[0].TherapistID != 0 || !all[0].At.Equal(exp.At) {
		t.Errorf("export entry = %+v, want %+v", all[0], exp)
	}

	for _, test := range []struct {
		name string
		f    storage.AuditFilter
		n    int
	}{
		{"Object", storage.AuditFilter{ObjectType: storage.ObjectPatient, ObjectID: p.ID}, 3},
		{"ObjectOtherID", storage.AuditFilter{ObjectType: storage.ObjectPatient, ObjectID: p.ID + 100}, 0},
		{"ObjectType", storage.AuditFilter{ObjectType: storage.ObjectPatient}, 3},
		{"Actor", storage.AuditFilter{Actor: "Ana"}, 3},
		{"Action", storage.AuditFilter{Action: storage.AuditCreated}, 2},
		{"Since", storage.AuditFilter{Since: view.At}, 2},
		{"Until", storage.AuditFilter{Until: view.At}, 3},
		{"Limit", storage.AuditFilter{Limit: 2}, 2},
		{"LikeIsLiteral", storage.AuditFilter{Actor: "%"}, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			es, err := db.ListAudit(ctx, test.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != test.n {
				t.Fatalf("%d entries, want %d: %+v", len(es), test.n, es)
			}
		})
	}
	if err := db.Audit(ctx, &storage.AuditEntry{Action: "hacked"}); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("unknown action: %v", err)
	}

	// A change whose audit line cannot be written is not made.
	if _, err := db.db.Exec(`CREATE TRIGGER no_audit BEFORE INSERT ON audit_log
		BEGIN SELECT RAISE(ABORT, 'audit full (test)'); END`); err != nil {
		t.Fatal(err)
	}
	p.Notes = "not saved"
	if err := db.UpdatePatient(actx, p); err == nil {
		t.Fatal("UpdatePatient succeeded without its audit line")
	}
	if got, _ := db.PatientByID(ctx, p.ID); got == nil || got.Notes != "better" {
		t.Fatalf("patient changed without audit: %+v", got)
	}
}
