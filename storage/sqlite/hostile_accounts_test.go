package sqlite

import (
	"context"
	"fmt"
	"testing"

	hostiletext "myorehab/internal/hostile"
	"myorehab/storage"
)

// TestHostileAccountsAndAudit: the hostile strings as account names,
// logins and password hashes, audit actors and details, patient codes
// (deleted, purged) and searches are stored and read back unchanged,
// filter only themselves, and leave the audit chain intact.
func TestHostileAccountsAndAudit(t *testing.T) {
	db := MustOpenDB(t)
	for i, h := range hostiletext.Strings() {
		ctx := storage.WithActor(context.Background(), storage.Actor{Name: h})
		th := &storage.Therapist{Name: h, Login: fmt.Sprint(i, h), Active: true, Role: storage.RoleAdmin}
		if err := db.CreateTherapist(ctx, th); err != nil {
			t.Fatalf("therapist %q: %v", hostiletext.Name(h), err)
		}
		if err := db.SetPassword(ctx, th.ID, h); err != nil {
			t.Fatal(err)
		}
		c, err := db.CredentialsByLogin(ctx, th.Login)
		if err != nil || c.Therapist.Name != h || c.PasswordHash != h || c.Therapist.Role != storage.RoleAdmin {
			t.Fatalf("credentials of %q: %v", hostiletext.Name(h), err)
		}
		if err := db.Audit(ctx, &storage.AuditEntry{Action: storage.AuditLoginFailed, Detail: h}); err != nil {
			t.Fatal(err)
		}
		es, err := db.ListAudit(ctx, storage.AuditFilter{Actor: h, Action: storage.AuditLoginFailed})
		if err != nil || len(es) != 1 || es[0].Detail != h || es[0].Actor != h {
			t.Fatalf("audit by %q: %d entries, %v", hostiletext.Name(h), len(es), err)
		}
		p := &storage.Patient{Code: fmt.Sprint("C", i, h), Name: h, Diagnosis: h}
		if err := db.CreatePatient(ctx, p); err != nil {
			t.Fatal(err)
		}
		if ps, err := db.ListPatients(ctx, h); err != nil || len(ps) == 0 {
			t.Fatalf("search %q: %d, %v", hostiletext.Name(h), len(ps), err)
		}
		if err := db.DeletePatient(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := db.PurgePatient(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	del, err := db.ListDeletedPatients(context.Background())
	if err != nil || len(del) != len(hostiletext.Strings())/2 {
		t.Fatalf("%d deleted patients left, %v", len(del), err)
	}
	if res, err := db.VerifyAudit(context.Background()); err != nil || !res.OK {
		t.Fatalf("verify: %+v, %v", res, err)
	}
}
