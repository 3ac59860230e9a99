package sqlite

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"myorehab/storage"
)

// auditRows writes n audit rows by two actors.
func auditRows(t *testing.T, db *DB, n int) {
	t.Helper()
	for i := range n {
		ctx := storage.WithActor(context.Background(), storage.Actor{Name: fmt.Sprintf("actor%d", i%2)})
		if err := db.Audit(ctx, &storage.AuditEntry{Action: storage.AuditViewed, ObjectType: storage.ObjectPatient,
			ObjectID: int64(i), Detail: fmt.Sprintf("row %d", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
}

func mustVerify(t *testing.T, db *DB) storage.AuditCheck {
	t.Helper()
	res, err := db.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// dropGuards removes the append-only triggers, as someone tampering with
// the file in an SQLite tool would.
func dropGuards(t *testing.T, db *DB) {
	t.Helper()
	if _, err := db.db.Exec(`DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete`); err != nil {
		t.Fatal(err)
	}
}

func TestAuditChain(t *testing.T) {
	const n = 6
	cases := []struct {
		name   string
		tamper string // SQL run on the log of rows 1…n
		bad    int64
	}{
		{"clean", ``, 0},
		{"edited detail", `UPDATE audit_log SET detail = 'nothing to see' WHERE id = 3`, 3},
		{"edited actor", `UPDATE audit_log SET actor = 'someone else' WHERE id = 4`, 4},
		{"edited time", `UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE id = 2`, 2},
		{"edited and rehashed without the chain", `UPDATE audit_log SET detail = 'x', hash = '00' WHERE id = 5`, 5},
		{"deleted", `DELETE FROM audit_log WHERE id = 3`, 3},
		{"deleted first", `DELETE FROM audit_log WHERE id = 1`, 1},
		{"deleted last", `DELETE FROM audit_log WHERE id = 6`, 6},
		{"deleted last two", `DELETE FROM audit_log WHERE id >= 5`, 5},
		{"swapped", `UPDATE audit_log SET id = -1 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = 4;
			UPDATE audit_log SET id = 4 WHERE id = -1`, 2},
		{"swapped contents", `UPDATE audit_log SET (at, actor, action, object_type, object_id, detail, prev_hash, hash) =
			(SELECT at, actor, action, object_type, object_id, detail, prev_hash, hash FROM audit_log b WHERE b.id = 5)
			WHERE id = 6`, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpenDB(t)
			auditRows(t, db, n)
			if res := mustVerify(t, db); res != (storage.AuditCheck{Rows: n, OK: true}) {
				t.Fatalf("before tampering: %+v", res)
			}
			if tc.tamper != "" {
				dropGuards(t, db)
				if _, err := db.db.Exec(tc.tamper); err != nil {
					t.Fatal(err)
				}
			}
			res := mustVerify(t, db)
			if res.OK != (tc.bad == 0) || res.FirstBadRow != tc.bad {
				t.Errorf("verify = %+v, want first bad row %d", res, tc.bad)
			}
		})
	}
}

func TestAuditAppendOnly(t *testing.T) {
	db := MustOpenDB(t)
	auditRows(t, db, 3)
	for _, q := range []string{
		`UPDATE audit_log SET detail = 'x' WHERE id = 2`,
		`DELETE FROM audit_log WHERE id = 2`,
		`DELETE FROM audit_log`,
	} {
		if _, err := db.db.Exec(q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	if res := mustVerify(t, db); !res.OK || res.Rows != 3 {
		t.Errorf("after refused changes: %+v", res)
	}
}

// Rows written before migration 0004 are chained once when it is applied;
// the chain then continues with new rows.
func TestAuditSealsOldRows(t *testing.T) {
	path := t.TempDir() + "/old.db"
	db := mustOpenPath(t, path)
	auditRows(t, db, 2)
	// Turn the file back into one before 0004 for the audit log: rows
	// without hashes (ids with a gap, as AUTOINCREMENT-less inserts may
	// leave) and no head.
	dropGuards(t, db)
	if _, err := db.db.Exec(`UPDATE audit_log SET prev_hash = '', hash = '';
		UPDATE audit_log SET id = 7 WHERE id = 2; DELETE FROM audit_head`); err != nil {
		t.Fatal(err)
	}
	if res := mustVerify(t, db); res.OK {
		t.Fatalf("unsealed rows verify: %+v", res)
	}
	db.Close()
	db = mustOpenPath(t, path)
	auditRows(t, db, 1)
	if res := mustVerify(t, db); res != (storage.AuditCheck{Rows: 3, OK: true}) {
		t.Fatalf("after sealing: %+v", res)
	}
	es, err := db.ListAudit(context.Background(), storage.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[0].ID != 3 || es[2].Detail != "row 1" {
		t.Fatalf("sealed log: %+v", es)
	}
	// Sealing happens once: a row emptied later is not re-sealed.
	dropGuards(t, db)
	if _, err := db.db.Exec(`UPDATE audit_log SET detail = 'forged', prev_hash = '', hash = '' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpenPath(t, path)
	if res := mustVerify(t, db); res.OK || res.FirstBadRow != 2 {
		t.Fatalf("after forging and reopening: %+v", res)
	}
}

func TestAuditChainConcurrentWriters(t *testing.T) {
	db := MustOpenDB(t)
	const writers, each = 4, 10
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			ctx := storage.WithActor(context.Background(), storage.Actor{Name: fmt.Sprint("w", w)})
			for i := range each {
				if err := db.Audit(ctx, &storage.AuditEntry{Action: storage.AuditViewed, ObjectID: int64(i)}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if res := mustVerify(t, db); res != (storage.AuditCheck{Rows: writers * each, OK: true}) {
		t.Fatalf("verify = %+v", res)
	}
}

func TestPatientSoftDeleteAndPurge(t *testing.T) {
	ctx := storage.WithActor(context.Background(), storage.Actor{Name: "admin"})
	db := MustOpenDB(t)
	keep := mustCreatePatient(t, db, "KEEP")
	gone := mustCreatePatient(t, db, "GONE")
	s := mustCreateSession(t, db, &storage.Session{PatientID: gone.ID, RateHz: 1000, Channels: 1})
	if err := db.AppendChunk(ctx, s.ID, 0, 1, []int32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSession(ctx, s.ID, storage.StatusCompleted, t0, storage.SessionCounts{Samples: 3}); err != nil {
		t.Fatal(err)
	}
	if err := db.PurgePatient(ctx, gone.ID); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("purge before delete: %v", err)
	}
	if err := db.DeletePatient(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePatient(ctx, gone.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	list, err := db.ListPatients(ctx, "")
	if err != nil || len(list) != 1 || list[0].ID != keep.ID {
		t.Fatalf("list after delete: %v, %v", list, err)
	}
	del, err := db.ListDeletedPatients(ctx)
	if err != nil || len(del) != 1 || del[0].ID != gone.ID || !del[0].DeletedAt.Equal(t0) {
		t.Fatalf("deleted list: %v, %v", del, err)
	}
	// The file is still there until purged.
	if _, err := db.Session(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.UndeletePatient(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePatient(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.PurgePatient(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PatientByID(ctx, gone.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("patient after purge: %v", err)
	}
	if _, err := db.Session(ctx, s.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("session after purge: %v", err)
	}
	var chunks int
	if err := db.db.QueryRow(`SELECT COUNT(*) FROM recording_chunks`).Scan(&chunks); err != nil || chunks != 0 {
		t.Fatalf("chunks after purge: %d, %v", chunks, err)
	}
	es, err := db.ListAudit(ctx, storage.AuditFilter{ObjectType: storage.ObjectPatient, ObjectID: gone.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, string(e.Action)+" "+e.Detail+" by "+e.Actor)
	}
	want := []string{"purged 1 sessions removed by admin", "deleted  by admin", "changed undeleted by admin", "deleted  by admin", "created  by system"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit = %q\nwant %q", got, want)
	}
	if res := mustVerify(t, db); !res.OK {
		t.Errorf("verify after purge: %+v", res)
	}
}
