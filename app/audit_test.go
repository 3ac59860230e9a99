package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"myorehab/app/auth"
	"myorehab/app/records"
	"myorehab/internal/waitfor"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// TestEveryActionAuditedOnce does each audited action through the service
// the screens call, as a therapist logged in (the database's default actor,
// as in the app), and checks that the audit log holds each exactly once
// with that therapist and the object, that purging needs an
// administrator, and that the chain verifies.
func TestEveryActionAuditedOnce(t *testing.T) {
	svc, _ := testServices(t)
	ctx := context.Background()
	accounts := auth.NewApp(&auth.Accounts{DB: svc.DB}, 0)
	if _, err := accounts.CreateFirstAdmin(ctx, "boss", "boss password"); err != nil {
		t.Fatal(err)
	}
	if err := accounts.AddUser(ctx, "Ann Smith", "ann", storage.RoleTherapist, "ann password"); err != nil {
		t.Fatal(err)
	}
	if err := accounts.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	ann, err := accounts.Login(ctx, "ann", "ann password")
	if err != nil {
		t.Fatal(err)
	}
	deps := svc.Deps()
	files := records.PatientFiles{DB: svc.DB}
	type key struct {
		action storage.AuditAction
		object string
		id     int64
	}
	var want []key
	did := func(a storage.AuditAction, object string, id int64) { want = append(want, key{a, object, id}) }

	pt := &storage.Patient{Code: "AUD-1", Name: "Ada Keller"}
	if err := deps.Patients.AddPatient(ctx, pt); err != nil {
		t.Fatal(err)
	}
	did(storage.AuditCreated, storage.ObjectPatient, pt.ID)
	if _, err := files.OpenPatient(ctx, pt.ID); err != nil {
		t.Fatal(err)
	}
	did(storage.AuditViewed, storage.ObjectPatient, pt.ID)
	pt.Diagnosis = "stroke"
	if err := files.UpdatePatient(ctx, pt); err != nil {
		t.Fatal(err)
	}
	did(storage.AuditChanged, storage.ObjectPatient, pt.ID)

	// A session to review, export and import (created as the recorder
	// does, without recording for real).
	s := &storage.Session{PatientID: pt.ID, RateHz: 1000, Channels: 1, Labels: []string{"FDS"}, ScaleUV: []float64{0.1}}
	if err := svc.DB.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	did(storage.AuditCreated, storage.ObjectSession, s.ID)
	if err := svc.DB.AppendChunk(ctx, s.ID, 0, 1, make([]int32, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := svc.DB.FinishSession(ctx, s.ID, storage.StatusCompleted, time.Now(), storage.SessionCounts{Samples: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Review.LoadSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	did(storage.AuditViewed, storage.ObjectSession, s.ID)
	edfPath := filepath.Join(t.TempDir(), "s.edf")
	if err := deps.Transfer.Export(ctx, s.ID, "edf", edfPath, true, func(float64) {}); err != nil {
		t.Fatal(err)
	}
	did(storage.AuditExported, storage.ObjectSession, s.ID)
	imported, err := deps.Transfer.Import(ctx, pt.ID, edfPath, func(float64) {})
	if err != nil {
		t.Fatal(err)
	}
	did(storage.AuditImported, storage.ObjectSession, imported)

	m := &storage.Model{PatientID: pt.ID, Name: "lda", Data: []byte{1}, Meta: storage.ModelMeta{Classes: []string{"rest"}}}
	if err := svc.DB.SaveModel(ctx, m); err != nil { // what calibration calls on "Save"
		t.Fatal(err)
	}
	did(storage.AuditCreated, storage.ObjectModel, m.ID)

	svc.Glove.EStop() // no glove connected: the stop is still recorded
	did(storage.AuditEStop, storage.ObjectGlove, 0)
	waitfor.Eventually(t, 0, "the E-STOP audited", func() bool {
		es, _ := svc.DB.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditEStop})
		return len(es) == 1
	})

	backup, err := deps.Backup.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	did(storage.AuditBackup, storage.ObjectDatabase, 0)

	if err := files.DeletePatient(ctx, pt.ID); err != nil {
		t.Fatal(err)
	}
	did(storage.AuditDeleted, storage.ObjectPatient, pt.ID)
	if err := files.PurgePatient(ctx, pt.ID); !errors.Is(err, auth.ErrNotAdmin) {
		t.Fatalf("a therapist purged: %v", err)
	}

	// Every action once, by ann, on its object.
	es, err := svc.DB.ListAudit(ctx, storage.AuditFilter{Actor: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	count := map[key]int{}
	for _, e := range es {
		if e.TherapistID != ann.ID {
			t.Errorf("entry %+v: therapist %d, want ann (%d)", e, e.TherapistID, ann.ID)
		}
		count[key{e.Action, e.ObjectType, e.ObjectID}]++
	}
	for _, k := range want {
		if count[k] != 1 {
			t.Errorf("%s %s %d: %d entries by ann, want 1", k.action, k.object, k.id, count[k])
		}
	}
	if n := count[key{storage.AuditLogin, storage.ObjectTherapist, ann.ID}]; n != 1 {
		t.Errorf("ann's log-in: %d entries", n)
	}

	// The administrator purges; then ann logs out.
	if err := accounts.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.Login(ctx, "boss", "boss password"); err != nil {
		t.Fatal(err)
	}
	if err := files.PurgePatient(ctx, pt.ID); err != nil {
		t.Fatal(err)
	}
	purges, _ := svc.DB.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditPurged})
	logouts, _ := svc.DB.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditLogout, Actor: "ann"})
	if len(purges) != 1 || purges[0].Actor != "boss" || purges[0].ObjectID != pt.ID || len(logouts) != 1 {
		t.Errorf("purges %+v, ann's log-outs %+v", purges, logouts)
	}
	if res, err := svc.DB.VerifyAudit(ctx); err != nil || !res.OK {
		t.Fatalf("verify %+v, %v", res, err)
	}

	// Restore: recorded in the restored file's log, by boss.
	b := deps.Backup.(*records.Backups)
	if err := b.Restore(ctx, backup); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, svc.DB.Path)
	restores, _ := db.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditRestored})
	if len(restores) != 1 || restores[0].Actor != "boss" {
		t.Errorf("restores %+v", restores)
	}
	if res, err := db.VerifyAudit(ctx); err != nil || !res.OK {
		t.Fatalf("verify after restore %+v, %v", res, err)
	}
}

// TestOwnerOnlyFiles: with a permissive umask, the data folder, database,
// log, backups folder and backup, exports and the audit CSV are created
// owner-only (0700 folders, 0600 files).
func TestOwnerOnlyFiles(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	_, logFile, err := openLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	logFile.Close()
	dbPath := filepath.Join(dir, "myorehab.db")
	svc, _ := testServicesAt(t, dbPath)
	ctx := context.Background()
	pt := testPatient(t, svc, "MODE-1")
	s := &storage.Session{PatientID: pt.ID, RateHz: 1000, Channels: 1}
	if err := svc.DB.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := svc.DB.FinishSession(ctx, s.ID, storage.StatusCompleted, time.Now(), storage.SessionCounts{}); err != nil {
		t.Fatal(err)
	}
	backup, err := svc.Deps().Backup.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "exports")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range []string{"csv", "edf", "bdf"} {
		p := filepath.Join(out, "s."+f)
		if err := svc.Deps().Transfer.Export(ctx, s.ID, f, p, false, func(float64) {}); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	csvPath := filepath.Join(out, "audit.csv")
	es, _ := svc.DB.ListAudit(ctx, storage.AuditFilter{})
	list := make([]storage.AuditEntry, len(es))
	for i, e := range es {
		list[i] = *e
	}
	if _, err := auth.WriteAuditCSV(csvPath, list); err != nil {
		t.Fatal(err)
	}
	checkOwnerOnly(t, dir, dbPath, filepath.Join(dir, "myorehab.log"))
	checkOwnerOnly(t, sqlite.BackupDir(dbPath), backup)
	for _, f := range append(files, csvPath) {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want 0600", f, st.Mode().Perm(), err)
		}
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if st, err := os.Stat(dbPath + suffix); err == nil && st.Mode().Perm() != 0o600 {
			t.Errorf("%s%s: mode %v", dbPath, suffix, st.Mode().Perm())
		}
	}
}
