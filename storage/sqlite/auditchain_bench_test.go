package sqlite

import (
	"context"
	"testing"

	"myorehab/storage"
)

// BenchmarkAuditAppend measures appending one audit row (its own
// transaction: read the head, hash, insert, move the head).
func BenchmarkAuditAppend(b *testing.B) {
	db := MustOpenDB(b)
	ctx := storage.WithActor(context.Background(), storage.Actor{Name: "ann"})
	b.ReportAllocs()
	for b.Loop() {
		if err := db.Audit(ctx, &storage.AuditEntry{Action: storage.AuditViewed, ObjectType: storage.ObjectPatient, ObjectID: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAudit measures walking a chain of 10 000 rows.
func BenchmarkVerifyAudit(b *testing.B) {
	db := MustOpenDB(b)
	ctx := storage.WithActor(context.Background(), storage.Actor{Name: "ann"})
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for range 10_000 {
		if _, err := insertAudit(ctx, tx, t0, &storage.AuditEntry{Actor: "ann", Action: storage.AuditViewed, ObjectType: storage.ObjectPatient, ObjectID: 1, Detail: "review"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := db.VerifyAudit(ctx)
		if err != nil || !res.OK || res.Rows != 10_000 {
			b.Fatal(res, err)
		}
	}
}
