package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"myorehab/storage"
)

// migrationFS holds the schema migrations, applied in lexical order.
//
//go:embed migration/*.sql
var migrationFS embed.FS

// dsnParams are the per-connection settings every pooled connection gets.
// _txlock=immediate makes BEGIN take the write lock at once, so two writers
// wait on the busy timeout instead of failing with SQLITE_BUSY mid-transaction.
const dsnParams = "_foreign_keys=on&_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate&_synchronous=NORMAL"

// timeLayout is how times are stored: UTC, fixed width, so text order is
// time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// DB is a MyoRehab database in one SQLite file. It implements storage.Store.
// Methods are safe for concurrent use.
//
// Reads run as a single statement, which SQLite executes as one consistent
// read transaction; writes run in one BEGIN IMMEDIATE transaction each.
type DB struct {
	// Path is the database file. Its directory is created (0700) and the
	// file, with its -wal and -shm companions, is owner-only (0600).
	Path string
	// Now returns the current time; tests may replace it before Open.
	Now func() time.Time
	// ReadOnly opens the file read-only (SQLite mode=ro) for tools and
	// read-only media: the file must exist and be fully migrated, sessions
	// left recording are not recovered, and every write fails with
	// storage.ErrReadOnly.
	ReadOnly bool
	// FullCheck makes Open run the full PRAGMA integrity_check (every page,
	// seconds per gigabyte of recordings) instead of the quick check of the
	// small tables.
	FullCheck bool
	// DefaultActor, when set, names who acts for writes whose context
	// carries no actor (storage.WithActor): the desktop app sets it to the
	// therapist logged in, the command line to the operating-system user.
	// Set it before use; it is called from any goroutine.
	DefaultActor func() storage.Actor

	db        *sql.DB
	lock      *os.File // owner lock; nil when another DB owns the file
	recovered []int64

	mu     sync.Mutex
	closed bool
}

var _ storage.Store = (*DB)(nil)

// NewDB returns a DB for the file at path. It does no I/O; call Open.
func NewDB(path string) *DB {
	return &DB{Path: path, Now: time.Now}
}

// Open opens (creating if needed) the database at path, checks it, applies
// pending migrations and marks sessions left recording by a crash as
// interrupted. It is NewDB(path) followed by db.Open().
func Open(path string) (*DB, error) {
	db := NewDB(path)
	if err := db.Open(); err != nil {
		return nil, err
	}
	return db, nil
}

// Open opens the database file db.Path:
//   - creates its directory (0700) and the file (0600); an existing file,
//     -wal or -shm readable by group or others is made owner-only;
//   - runs PRAGMA quick_check on every table but the recording chunks and
//     per-second metrics (left to Check, which reads every page), or the
//     full integrity_check when FullCheck is set; a damaged file fails with
//     storage.ErrDamaged and a message naming the newest backup to restore
//     (see Restore);
//   - applies pending migrations;
//   - if no other open DB holds the owner lock (file Path+"-lock"), takes it
//     and marks sessions still in status recording as interrupted: their
//     writer died with the process. Recovered lists them.
//
// On error the DB is left closed.
func (db *DB) Open() (err error) {
	if db.Path == "" {
		return fmt.Errorf("sqlite: open: %w: empty database path", storage.ErrInvalid)
	}
	if db.Now == nil {
		db.Now = time.Now
	}
	path, err := filepath.Abs(db.Path)
	if err != nil {
		return fmt.Errorf("open database %s: %w", db.Path, err)
	}
	if db.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("open database %s read-only: %w", path, err)
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("open database %s: %w", path, err)
		}
		if err := createOwnerOnly(path); err != nil {
			return fmt.Errorf("open database %s: %w", path, err)
		}
	}

	source := dsn(path)
	if db.ReadOnly {
		source += "&mode=ro"
	}
	sqldb, err := sql.Open("sqlite3", source)
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			sqldb.Close()
		}
	}()
	ctx := context.Background()
	checkAtOpen := quickCheck
	if db.FullCheck {
		checkAtOpen = func(ctx context.Context, sqldb *sql.DB) error {
			return check(ctx, sqldb, "PRAGMA integrity_check")
		}
	}
	if err := checkAtOpen(ctx, sqldb); err != nil {
		return fmt.Errorf("open database %s: %w%s", path, mapErr(err), restoreHint(path, err))
	}
	if db.ReadOnly {
		if err := checkMigrated(ctx, sqldb, migrationFS); err != nil {
			return fmt.Errorf("open database %s read-only: %w", path, err)
		}
		db.db = sqldb
		return nil
	}
	if err := migrate(ctx, sqldb, migrationFS); err != nil {
		return fmt.Errorf("open database %s: %w", path, mapErr(err))
	}
	if err := sealAudit(ctx, sqldb); err != nil {
		return fmt.Errorf("open database %s: seal the audit log: %w", path, mapErr(err))
	}
	lock, err := lockOwner(path + "-lock")
	if err != nil {
		return fmt.Errorf("open database %s: lock: %w", path, err)
	}
	db.db, db.lock = sqldb, lock
	if lock != nil {
		ids, err := db.recoverInterrupted(ctx)
		if err != nil {
			lock.Close()
			db.db, db.lock = nil, nil
			return fmt.Errorf("open database %s: %w", path, err)
		}
		db.recovered = ids
	}
	return nil
}

// Close closes the database and releases the owner lock. It is idempotent
// and safe to call on a DB that was never opened.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed || db.db == nil {
		return nil
	}
	db.closed = true
	err := db.db.Close()
	if db.lock != nil {
		if lerr := db.lock.Close(); err == nil {
			err = lerr
		}
	}
	return err
}

// Recovered returns the IDs of the sessions Open found still recording and
// marked interrupted (nil when none, or when another DB owns the file).
func (db *DB) Recovered() []int64 {
	return append([]int64(nil), db.recovered...)
}

// Check runs SQLite's full PRAGMA integrity_check, which reads every page
// (seconds per gigabyte). It returns an error wrapping storage.ErrDamaged
// and describing the first problems when the file is damaged.
func (db *DB) Check(ctx context.Context) error {
	if err := check(ctx, db.db, "PRAGMA integrity_check"); err != nil {
		return fmt.Errorf("check database %s: %w%s", db.Path, mapErr(err), restoreHint(db.Path, err))
	}
	return nil
}

// restoreHint is the path forward appended to a damaged-database error:
// the newest backup, if any, and how to restore it.
func restoreHint(path string, err error) string {
	if !errors.Is(mapErr(err), storage.ErrDamaged) {
		return ""
	}
	bs, _ := ListBackups(path)
	if len(bs) == 0 {
		return "; no backup found in " + BackupDir(path) + ": copy the file aside and ask for support"
	}
	return fmt.Sprintf("; restore a backup: the newest is %s (%s)", bs[0].Path, bs[0].Time.Local().Format("2006-01-02 15:04"))
}

// dsn returns the go-sqlite3 data source name for the absolute path.
func dsn(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/x → /C:/x
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String() + "?" + dsnParams
}

// createOwnerOnly creates path with mode 0600 if it does not exist, and
// removes group and other permissions from it and its -wal and -shm files.
// SQLite creates -wal and -shm with the database file's permissions.
func createOwnerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if m := fi.Mode().Perm(); m&0o077 != 0 {
			if err := os.Chmod(p, m&^0o077); err != nil {
				return err
			}
		}
	}
	return nil
}

// quickCheck checks the small tables at open; the chunk table is skipped
// because checking it reads the whole recording history.
func quickCheck(ctx context.Context, db *sql.DB) error {
	var tables []string
	rows, err := db.QueryContext(ctx,
		`SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('migrations', 'patients', 'sessions',
		'annotations', 'therapists', 'channel_setups', 'models', 'session_metric_sums', 'audit_log')`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(tables) == 0 {
		return check(ctx, db, "PRAGMA quick_check")
	}
	for _, t := range tables {
		// t comes from the fixed list above, never from user input.
		if err := check(ctx, db, "PRAGMA quick_check("+t+")"); err != nil {
			return err
		}
	}
	return nil
}

// check runs an integrity pragma and turns its report into an error.
func check(ctx context.Context, db *sql.DB, pragma string) error {
	rows, err := db.QueryContext(ctx, pragma)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" && len(problems) < 5 {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w (%s): %s", storage.ErrDamaged, pragma, strings.Join(problems, "; "))
	}
	return nil
}

// migrate applies the migrations in fsys (migration/*.sql) that are not yet
// recorded, in lexical order, each in its own transaction.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	if _, err := db.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(fsys, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := migrateFile(ctx, db, fsys, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// checkMigrated returns an error when a migration in fsys is not applied
// (a read-only open cannot apply it).
func checkMigrated(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	names, err := fs.Glob(fsys, "migration/*.sql")
	if err != nil {
		return err
	}
	for _, name := range names {
		var n int
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n)
		if err != nil {
			return fmt.Errorf("%w: schema not initialised (open it read-write once): %w", storage.ErrReadOnly, err)
		}
		if n == 0 {
			return fmt.Errorf("%w: migration %s not applied (open it read-write once)", storage.ErrReadOnly, name)
		}
	}
	return nil
}

func migrateFile(ctx context.Context, db *sql.DB, fsys fs.FS, name string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	buf, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`,
		name, formatTime(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// recoverInterrupted marks sessions still recording as interrupted. Their
// end time is estimated from the samples stored.
func (db *DB) recoverInterrupted(ctx context.Context) ([]int64, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx,
		`SELECT id, started_at, samples, rate_hz FROM sessions WHERE status = ?`, storage.StatusRecording)
	if err != nil {
		return nil, err
	}
	type rec struct {
		id    int64
		ended time.Time
	}
	var recs []rec
	for rows.Next() {
		var (
			id, samples int64
			started     string
			rate        float64
		)
		if err := rows.Scan(&id, &started, &samples, &rate); err != nil {
			rows.Close()
			return nil, err
		}
		t, err := parseTime(started)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("session %d: %w", id, err)
		}
		recs = append(recs, rec{id, t.Add(time.Duration(float64(samples) / rate * float64(time.Second)))})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(recs))
	for i, r := range recs {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET status = ?, ended_at = ? WHERE id = ?`,
			storage.StatusInterrupted, formatTime(r.ended), r.id); err != nil {
			return nil, err
		}
		ids[i] = r.id
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return ids, nil
}

func (db *DB) now() time.Time { return db.Now().UTC() }

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// mapErr wraps SQLite errors with the storage error they mean: constraint
// violations, read-only, full and damaged files.
func mapErr(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case sqlite3.ErrReadonly:
		return fmt.Errorf("%w: %w", storage.ErrReadOnly, err)
	case sqlite3.ErrFull:
		return fmt.Errorf("%w: %w", storage.ErrFull, err)
	case sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
		return fmt.Errorf("%w: %w", storage.ErrDamaged, err)
	}
	switch se.ExtendedCode {
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		return fmt.Errorf("%w: %w", storage.ErrConflict, err)
	case sqlite3.ErrConstraintForeignKey:
		return fmt.Errorf("%w: referenced row: %w", storage.ErrNotFound, err)
	case sqlite3.ErrConstraintCheck, sqlite3.ErrConstraintNotNull:
		return fmt.Errorf("%w: %w", storage.ErrInvalid, err)
	}
	return err
}
