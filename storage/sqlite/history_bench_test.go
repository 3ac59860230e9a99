package sqlite

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"myorehab/storage"
)

// BenchmarkAddMetrics is the per-second metrics write of one 16-channel
// session (one transaction per call, as the app does once per second).
func BenchmarkAddMetrics(b *testing.B) {
	ctx := context.Background()
	db := MustOpenDB(b)
	s := mustCreateSession(b, db, &storage.Session{Channels: 16, RateHz: 2000})
	m := storage.SecondMetrics{RMS: make([]float64, 16), MDF: make([]float64, 16)}
	for c := range 16 {
		m.RMS[c], m.MDF[c] = 30+float64(c), 80+float64(c)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := db.AddMetrics(ctx, s.ID, &m); err != nil {
			b.Fatal(err)
		}
		m.Second++
	}
}

// BenchmarkPatientHistory opens the history of a patient with 200 sessions
// of 8 channels, each with 30 min of per-second metrics (360 000 metric
// rows), among 5 such patients. The target is < 200 ms per op.
//
//	summaries       SessionSummaries(patient): sessions with mean RMS/MDF
//	list+summaries  ListSessions(patient) then SessionSummaries(patient)
func BenchmarkPatientHistory(b *testing.B) {
	const (
		patients = 5
		sessions = 200
		channels = 8
		seconds  = 1800 // per session
		viaAPI   = 30   // seconds written through AddMetrics
	)
	ctx := context.Background()
	db := MustOpenDB(b)
	rng := rand.New(rand.NewPCG(1, 1))
	var target *storage.Patient
	for pi := range patients {
		p := mustCreatePatient(b, db, string(rune('A'+pi)))
		if pi == 2 {
			target = p
		}
		for si := range sessions {
			mustCreateSession(b, db, &storage.Session{PatientID: p.ID, Channels: channels, RateHz: 2000,
				Type: storage.SessionTherapy, Status: storage.StatusCompleted, Samples: seconds * 2000,
				StartedAt: t0.Add(time.Duration(si) * 24 * time.Hour), EndedAt: t0.Add(time.Duration(si)*24*time.Hour + 30*time.Minute)})
		}
	}
	ss, err := db.ListSessions(ctx, storage.SessionFilter{PatientID: target.ID})
	if err != nil {
		b.Fatal(err)
	}
	m := storage.SecondMetrics{RMS: make([]float64, channels), MDF: make([]float64, channels)}
	for _, s := range ss {
		for sec := range int64(viaAPI) {
			m.Second = sec
			for c := range channels {
				m.RMS[c], m.MDF[c] = 20+10*rng.Float64(), 60+40*rng.Float64()
			}
			if err := db.AddMetrics(ctx, s.ID, &m); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The rest of each session's seconds, in bulk, so the metrics table
	// has its real size (the summary query must not depend on it).
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO session_metrics (session_id, second, rms, mdf) VALUES (?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	blob := encodeFloat32s(m.RMS)
	for _, s := range ss {
		for sec := viaAPI; sec < seconds; sec++ {
			if _, err := stmt.ExecContext(ctx, s.ID, sec, blob, blob); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}

	check := func(b *testing.B, sums []*storage.SessionSummary) {
		if len(sums) != sessions || sums[0].Seconds != viaAPI || len(sums[0].MeanRMS) != channels {
			b.Fatalf("%d summaries, first %+v", len(sums), sums[0])
		}
	}
	b.Run("summaries", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sums, err := db.SessionSummaries(ctx, storage.SessionFilter{PatientID: target.ID})
			if err != nil {
				b.Fatal(err)
			}
			check(b, sums)
		}
	})
	b.Run("list+summaries", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ss, err := db.ListSessions(ctx, storage.SessionFilter{PatientID: target.ID})
			if err != nil || len(ss) != sessions {
				b.Fatal(len(ss), err)
			}
			sums, err := db.SessionSummaries(ctx, storage.SessionFilter{PatientID: target.ID})
			if err != nil {
				b.Fatal(err)
			}
			check(b, sums)
		}
	})
}
