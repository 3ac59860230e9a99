package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"myorehab/storage"
)

// backupStamp is the time in backup file names (local time, sortable).
const backupStamp = "20060102-150405.000"

// BackupInfo describes one backup file.
type BackupInfo struct {
	Path string
	// Time is when the backup was taken, from its name.
	Time time.Time
	// Size is the file size in bytes.
	Size int64
}

// BackupDir returns the backups folder of the database at dbPath: the
// folder "backups" next to it.
func BackupDir(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), "backups")
}

// backupName returns the name of a backup of dbPath taken at t, with an
// optional tag and a counter n > 1 to avoid collisions:
// "<stem>-<YYYYMMDD-HHMMSS.mmm>[-tag][-n].db".
func backupName(dbPath string, t time.Time, tag string, n int) string {
	base := filepath.Base(dbPath)
	name := strings.TrimSuffix(base, filepath.Ext(base)) + "-" + t.Local().Format(backupStamp)
	if tag != "" {
		name += "-" + tag
	}
	if n > 1 {
		name += "-" + strconv.Itoa(n)
	}
	return name + ".db"
}

// createExclusive creates a new owner-only (0600) file in dir (created
// 0700) named by name(n) for the first n = 1, 2, … that does not exist.
func createExclusive(dir string, name func(n int) string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	for n := 1; ; n++ {
		p := filepath.Join(dir, name(n))
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && n < 1000 {
			continue
		}
		if err != nil {
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		return p, os.Chmod(p, 0o600) // whatever the umask
	}
}

// Backup copies the live database into a new owner-only file in
// BackupDir(db.Path), named after the database and the current time, and
// returns its path. It uses SQLite's online backup, so recording and other
// writers go on meanwhile (WAL); the copy is one consistent snapshot.
func (db *DB) Backup(ctx context.Context) (string, error) {
	t := db.Now()
	dst, err := createExclusive(BackupDir(db.Path), func(n int) string { return backupName(db.Path, t, "", n) })
	if err != nil {
		return "", fmt.Errorf("backup %s: %w", db.Path, err)
	}
	if err := db.BackupTo(ctx, dst); err != nil {
		os.Remove(dst)
		return "", err
	}
	return dst, nil
}

// BackupTo copies the live database into the file dst with SQLite's online
// backup API. dst is created owner-only (0600) if it does not exist and is
// overwritten if it does; it must not be open elsewhere.
func (db *DB) BackupTo(ctx context.Context, dst string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("backup %s to %s: %w", db.Path, dst, mapErr(err))
		}
	}()
	if db.db == nil {
		return errors.New("database not open")
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	if err := createOwnerOnly(abs); err != nil {
		return err
	}
	ddb, err := sql.Open("sqlite3", plainDSN(abs, ""))
	if err != nil {
		return err
	}
	defer ddb.Close()
	dconn, err := ddb.Conn(ctx)
	if err != nil {
		return err
	}
	defer dconn.Close()
	sconn, err := db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer sconn.Close()
	err = dconn.Raw(func(d any) error {
		return sconn.Raw(func(s any) error {
			dc, ok1 := d.(*sqlite3.SQLiteConn)
			sc, ok2 := s.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return fmt.Errorf("unexpected driver connections %T, %T", d, s)
			}
			b, err := dc.Backup("main", sc, "main")
			if err != nil {
				return err
			}
			// One step: a single read transaction on the source, so the
			// copy is consistent and never restarts while writers commit.
			if _, err := b.Step(-1); err != nil {
				b.Finish()
				return err
			}
			return b.Finish()
		})
	})
	if err != nil {
		return err
	}
	// The copy has the live file's WAL header: make it one self-contained
	// file, with no -wal or -shm beside it.
	var mode string
	return dconn.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&mode)
}

// plainDSN is a file: URI for a database that is not the live one (a
// backup), with extra query parameters.
func plainDSN(path, extra string) string {
	d := strings.TrimSuffix(dsn(path), "?"+dsnParams) + "?_busy_timeout=5000"
	if extra != "" {
		d += "&" + extra
	}
	return d
}

// ListBackups returns the backups in BackupDir(dbPath) of the database at
// dbPath, newest first. A missing folder means no backups.
func ListBackups(dbPath string) ([]BackupInfo, error) {
	dir := BackupDir(dbPath)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	base := filepath.Base(dbPath)
	prefix := strings.TrimSuffix(base, filepath.Ext(base)) + "-"
	var out []BackupInfo
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".db") {
			continue
		}
		stamp := strings.TrimPrefix(name, prefix)
		if len(stamp) < len(backupStamp) {
			continue
		}
		t, err := time.ParseInLocation(backupStamp, stamp[:len(backupStamp)], time.Local)
		if err != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, BackupInfo{Path: filepath.Join(dir, name), Time: t, Size: fi.Size()})
	}
	slices.SortFunc(out, func(a, b BackupInfo) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		if c := backupCounter(b.Path) - backupCounter(a.Path); c != 0 {
			return c
		}
		return strings.Compare(b.Path, a.Path)
	})
	return out, nil
}

// backupCounter returns the collision counter n of a backup name (see
// backupName), 1 when there is none.
func backupCounter(path string) int {
	name := strings.TrimSuffix(filepath.Base(path), ".db")
	i := strings.LastIndexByte(name, '-')
	// The stamp's last part holds a '.', so only a counter parses.
	if n, err := strconv.Atoi(name[i+1:]); err == nil && n > 1 {
		return n
	}
	return 1
}

// VerifyBackup checks that the file at path is an undamaged MyoRehab
// database: PRAGMA integrity_check passes (storage.ErrDamaged) and it has
// the schema's tables (storage.ErrInvalid). It does not change the file.
func VerifyBackup(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("verify backup %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("verify backup %s: %w", path, err)
	}
	bdb, err := sql.Open("sqlite3", plainDSN(abs, "mode=ro"))
	if err != nil {
		return fmt.Errorf("verify backup %s: %w", path, err)
	}
	defer bdb.Close()
	if err := check(ctx, bdb, "PRAGMA integrity_check"); err != nil {
		return fmt.Errorf("verify backup %s: %w", path, mapErr(err))
	}
	var n int
	if err := bdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'
		AND name IN ('migrations', 'patients', 'sessions', 'recording_chunks')`).Scan(&n); err != nil {
		return fmt.Errorf("verify backup %s: %w", path, mapErr(err))
	}
	if n != 4 {
		return fmt.Errorf("verify backup %s: %w: not a MyoRehab database", path, storage.ErrInvalid)
	}
	return nil
}

// Restore replaces the database at dbPath with the backup at backupPath.
// The database must be closed: no DB may have it open as owner
// (storage.ErrConflict). It verifies the backup first (VerifyBackup) and
// leaves everything untouched if that fails. The replaced database, if
// any, is kept in BackupDir(dbPath) with the tag "before-restore"; its path
// is returned ("" when there was none). The restored file is owner-only.
func Restore(ctx context.Context, dbPath, backupPath string) (previous string, err error) {
	path, err := filepath.Abs(dbPath)
	if err != nil {
		return "", fmt.Errorf("restore %s: %w", dbPath, err)
	}
	if err := VerifyBackup(ctx, backupPath); err != nil {
		return "", fmt.Errorf("restore %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("restore %s: %w", path, err)
	}
	lock, err := lockOwner(path + "-lock")
	if err != nil {
		return "", fmt.Errorf("restore %s: lock: %w", path, err)
	}
	if lock == nil {
		return "", fmt.Errorf("restore %s: %w: the database is open; close it first", path, storage.ErrConflict)
	}
	defer lock.Close()

	// Copy first, then swap with renames, so a crash leaves either the old
	// database in place or the new one, and the old one is always kept.
	tmp, err := createExclusive(filepath.Dir(path), func(n int) string {
		return fmt.Sprintf(".%s.restore-%d", filepath.Base(path), n)
	})
	if err != nil {
		return "", fmt.Errorf("restore %s: %w", path, err)
	}
	defer os.Remove(tmp) // after the rename, a no-op
	if err := copyFile(tmp, backupPath); err != nil {
		return "", fmt.Errorf("restore %s: %w", path, err)
	}
	if _, err := os.Stat(path); err == nil {
		t := time.Now()
		previous, err = createExclusive(BackupDir(path), func(n int) string {
			return backupName(path, t, "before-restore", n)
		})
		if err != nil {
			return "", fmt.Errorf("restore %s: %w", path, err)
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			err := os.Rename(path+suffix, previous+suffix)
			if err != nil && !(suffix != "" && errors.Is(err, fs.ErrNotExist)) {
				return "", fmt.Errorf("restore %s: keep the current database: %w", path, err)
			}
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return previous, fmt.Errorf("restore %s: %w (the previous database is %s)", path, err, previous)
	}
	syncDir(filepath.Dir(path))
	return previous, nil
}

// copyFile copies src into the existing file dst and syncs it.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncDir flushes a directory's entries (renames) to disk, best effort:
// not every platform can sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
