package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/storage"
)

func patientCodes(t *testing.T, db *DB) []string {
	t.Helper()
	ps, err := db.ListPatients(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	slices.Sort(out)
	return out
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != want {
		t.Errorf("%s mode %v, want %v", path, m, want)
	}
}

// corrupt overwrites the b-tree page header of a table in a closed
// database file.
func corrupt(t *testing.T, path string, root, pageSize int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte{0x7f, 0x7f, 0x7f, 0x7f}, (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "myorehab.db")
	db := mustOpenPath(t, path)
	mustCreatePatient(t, db, "P1")

	// Back up while a recording is being written.
	s, w := newTestWriter(t, db, 2, WriterConfig{ChunkSamples: 100, FlushEvery: time.Millisecond})
	b := acquisition.NewBlock(2, 50)
	for i := range 20 {
		fillBlock(b, uint64(50*i), 50)
		if err := w.WriteWait(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	backups := make([]string, 2)
	for i := range backups {
		p, err := db.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		backups[i] = p
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if backups[0] == backups[1] {
		t.Fatalf("two backups at the same time share a name: %s", backups[0])
	}
	name := regexp.MustCompile(`^myorehab-\d{8}-\d{6}\.\d{3}(-\d+)?\.db$`)
	for _, p := range backups {
		if filepath.Dir(p) != filepath.Join(dir, "backups") || !name.MatchString(filepath.Base(p)) {
			t.Errorf("backup path %s, want backups/myorehab-<time>.db", p)
		}
		checkMode(t, p, 0o600)
		if err := VerifyBackup(ctx, p); err != nil {
			t.Errorf("VerifyBackup(%s): %v", p, err)
		}
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(p + suffix); err == nil {
				t.Errorf("backup left %s%s behind", p, suffix)
			}
		}
	}
	checkMode(t, filepath.Join(dir, "backups"), 0o700)
	list, err := ListBackups(path)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, bi := range list {
		listed = append(listed, bi.Path)
		if bi.Size == 0 || !bi.Time.Equal(t0.Truncate(time.Millisecond)) {
			t.Errorf("backup info %+v", bi)
		}
	}
	if !slices.Equal(listed, []string{backups[1], backups[0]}) {
		t.Errorf("ListBackups = %q, want newest first %q", listed, backups)
	}

	// The backup is a consistent copy: what was committed when it was taken.
	cp := mustOpenPath(t, backups[0])
	if got := patientCodes(t, cp); !slices.Equal(got, []string{"P1"}) {
		t.Errorf("patients in backup %q", got)
	}
	got, err := cp.Session(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := cp.ReadSamples(ctx, s.ID, func(start uint64, chans [][]int32) error {
		n += int64(len(chans[0]))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != got.Samples || n > 1000 {
		t.Errorf("backup holds %d samples, session says %d", n, got.Samples)
	}
	t.Logf("backup taken during recording holds %d of 1000 samples", n)
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (path, backup string, db *DB) {
		path = filepath.Join(t.TempDir(), "data", "myorehab.db")
		db = mustOpenPath(t, path)
		mustCreatePatient(t, db, "P1")
		backup, err := db.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustCreatePatient(t, db, "P2") // after the backup
		return path, backup, db
	}

	t.Run("OK", func(t *testing.T) {
		path, backup, db := setup(t)
		db.Close()
		previous, err := Restore(ctx, path, backup)
		if err != nil {
			t.Fatal(err)
		}
		checkMode(t, path, 0o600)
		db = mustOpenPath(t, path)
		if got := patientCodes(t, db); !slices.Equal(got, []string{"P1"}) {
			t.Errorf("restored patients %q, want [P1]", got)
		}
		if err := db.Check(ctx); err != nil {
			t.Fatal(err)
		}
		// The replaced database is kept, complete, next to the backups.
		if !strings.Contains(filepath.Base(previous), "before-restore") || filepath.Dir(previous) != BackupDir(path) {
			t.Fatalf("previous database kept as %q", previous)
		}
		checkMode(t, previous, 0o600)
		old := mustOpenPath(t, previous)
		if got := patientCodes(t, old); !slices.Equal(got, []string{"P1", "P2"}) {
			t.Errorf("kept database has %q, want [P1 P2]", got)
		}
		if _, err := os.Stat(backup); err != nil {
			t.Errorf("backup gone after restore: %v", err)
		}
	})

	t.Run("ErrConflictWhileOpen", func(t *testing.T) {
		if !ownerLockSupported {
			t.Skip("no advisory file locks on this platform")
		}
		path, backup, db := setup(t)
		if _, err := Restore(ctx, path, backup); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("restore over an open database: %v", err)
		}
		if got := patientCodes(t, db); !slices.Equal(got, []string{"P1", "P2"}) {
			t.Errorf("live database changed: %q", got)
		}
	})

	t.Run("DamagedBackup", func(t *testing.T) {
		path, backup, db := setup(t)
		var root, pageSize int64
		if err := db.db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = 'patients'`).Scan(&root); err != nil {
			t.Fatal(err)
		}
		if err := db.db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
			t.Fatal(err)
		}
		db.Close()
		corrupt(t, backup, root, pageSize)
		if err := VerifyBackup(ctx, backup); !errors.Is(err, storage.ErrDamaged) {
			t.Fatalf("VerifyBackup of a damaged file: %v", err)
		}
		if _, err := Restore(ctx, path, backup); !errors.Is(err, storage.ErrDamaged) {
			t.Fatalf("restore of a damaged backup: %v", err)
		}
		db = mustOpenPath(t, path)
		if got := patientCodes(t, db); !slices.Equal(got, []string{"P1", "P2"}) {
			t.Errorf("live database changed by a refused restore: %q", got)
		}
	})

	t.Run("NotABackup", func(t *testing.T) {
		path, _, db := setup(t)
		db.Close()
		dir := t.TempDir()
		text := filepath.Join(dir, "text.db")
		if err := os.WriteFile(text, []byte(strings.Repeat("not sqlite\n", 500)), 0o600); err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(dir, "other.db") // a valid SQLite file, not ours
		odb, err := Open(other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := odb.db.Exec(`DROP TABLE recording_chunks`); err != nil {
			t.Fatal(err)
		}
		odb.Close()
		for _, test := range []struct {
			name, path string
			want       error
		}{
			{"Text", text, storage.ErrDamaged},
			{"OtherSchema", other, storage.ErrInvalid},
			{"Missing", filepath.Join(dir, "missing.db"), os.ErrNotExist},
		} {
			t.Run(test.name, func(t *testing.T) {
				if _, err := Restore(ctx, path, test.path); !errors.Is(err, test.want) {
					t.Fatalf("got %v, want %v", err, test.want)
				}
			})
		}
		if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
			t.Error("verifying a missing backup created it")
		}
	})

	t.Run("DamagedLiveNamesBackup", func(t *testing.T) {
		path, backup, db := setup(t)
		var root, pageSize int64
		if err := db.db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = 'patients'`).Scan(&root); err != nil {
			t.Fatal(err)
		}
		if err := db.db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
			t.Fatal(err)
		}
		db.Close()
		corrupt(t, path, root, pageSize)
		_, err := Open(path)
		if !errors.Is(err, storage.ErrDamaged) || !strings.Contains(err.Error(), backup) {
			t.Fatalf("Open of a damaged file = %v, want ErrDamaged naming the newest backup %s", err, backup)
		}
		t.Logf("damaged: %v", err)
		// The path forward works: restore, then open.
		if _, err := Restore(ctx, path, backup); err != nil {
			t.Fatal(err)
		}
		db = mustOpenPath(t, path)
		if got := patientCodes(t, db); !slices.Equal(got, []string{"P1"}) {
			t.Errorf("restored patients %q", got)
		}
	})
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	rw := mustOpenPath(t, path)
	mustCreatePatient(t, rw, "P1")
	s := mustCreateSession(t, rw, &storage.Session{Channels: 1, RateHz: 100})
	rw.Close() // leaves s recording

	db := NewDB(path)
	db.ReadOnly = true
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Recovered(); got != nil {
		t.Errorf("read-only open recovered %v", got)
	}
	if got := patientCodes(t, db); !slices.Equal(got, []string{"P1"}) {
		t.Errorf("patients %q", got)
	}
	for _, test := range []struct {
		name string
		f    func() error
	}{
		{"CreatePatient", func() error { return db.CreatePatient(ctx, &storage.Patient{Code: "P2"}) }},
		{"Audit", func() error { return db.Audit(ctx, &storage.AuditEntry{Action: storage.AuditViewed}) }},
		{"AddMetrics", func() error {
			return db.AddMetrics(ctx, s.ID, &storage.SecondMetrics{RMS: []float64{1}, MDF: []float64{1}})
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			if err := test.f(); !errors.Is(err, storage.ErrReadOnly) {
				t.Fatalf("got %v, want ErrReadOnly", err)
			}
		})
	}

	t.Run("WriterReportsAtOnce", func(t *testing.T) {
		w, err := NewWriter(db, s.ID, WriterConfig{FlushEvery: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		b := acquisition.NewBlock(1, 10)
		fillBlock(b, 0, 10)
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-w.Errors():
			if !errors.Is(err, storage.ErrReadOnly) {
				t.Fatalf("reported %v, want ErrReadOnly", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("read-only database not reported")
		}
		// The live path keeps going: blocks are still accepted.
		fillBlock(b, 10, 10)
		if err := w.Write(b); err != nil {
			t.Fatalf("Write after the error: %v", err)
		}
		if err := w.Close(ctx); !errors.Is(err, storage.ErrReadOnly) {
			t.Fatalf("Close = %v, want ErrReadOnly", err)
		}
	})

	t.Run("MissingFile", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing.db")
		db := NewDB(missing)
		db.ReadOnly = true
		if err := db.Open(); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("read-only open of a missing file: %v", err)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatal("read-only open created the file")
		}
	})

	t.Run("ChmodFile", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores file permissions")
		}
		ro := filepath.Join(t.TempDir(), "ro.db")
		mustOpenPath(t, ro).Close()
		if err := os.Chmod(ro, 0o400); err != nil {
			t.Fatal(err)
		}
		db := NewDB(ro)
		if err := db.Open(); err == nil {
			db.Close()
			t.Fatal("read-write open of a read-only file succeeded")
		} else if !errors.Is(err, os.ErrPermission) {
			t.Fatalf("error %v, want a permission error", err)
		}
	})
}

func TestFullCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	db := mustOpenPath(t, path)
	s := mustCreateSession(t, db, &storage.Session{Channels: 1, RateHz: 100})
	if err := db.AppendChunk(context.Background(), s.ID, 0, 1, make([]int32, 100)); err != nil {
		t.Fatal(err)
	}
	var root, pageSize int64
	if err := db.db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = 'recording_chunks'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := db.db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	db.Close()
	corrupt(t, path, root, pageSize)

	// The quick check at open skips the recording chunks...
	quick := mustOpenPath(t, path)
	if err := quick.Check(context.Background()); !errors.Is(err, storage.ErrDamaged) {
		t.Fatalf("Check of damaged chunks: %v", err)
	}
	quick.Close()
	// ...the full check finds the damage.
	full := NewDB(path)
	full.FullCheck = true
	err := full.Open()
	if err == nil {
		full.Close()
		t.Fatal("Open with FullCheck succeeded on damaged chunks")
	}
	if !errors.Is(err, storage.ErrDamaged) || !strings.Contains(err.Error(), "no backup found") {
		t.Fatalf("Open with FullCheck = %v, want ErrDamaged with a path forward", err)
	}
	t.Logf("damaged: %v", err)
}
