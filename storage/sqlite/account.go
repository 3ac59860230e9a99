package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"myorehab/storage"
)

// Credentials are what log-in needs to know about an account.
type Credentials struct {
	Therapist storage.Therapist
	// PasswordHash is a PHC string (see app/auth); "" when no password
	// was ever set (the account cannot log in).
	PasswordHash string
	// FailedLogins counts failed log-ins since the last success;
	// LockedUntil is when the account may try again (zero: not locked).
	FailedLogins int
	LockedUntil  time.Time
}

// CredentialsByLogin returns the account whose login is exactly login, or
// storage.ErrNotFound.
func (db *DB) CredentialsByLogin(ctx context.Context, login string) (*Credentials, error) {
	var (
		c       Credentials
		created string
		locked  string
	)
	err := db.db.QueryRowContext(ctx, `SELECT `+therapistCols+`, password_hash, failed_logins, locked_until
		FROM therapists WHERE login = ? AND login <> ''`, login).Scan(
		&c.Therapist.ID, &c.Therapist.Name, &c.Therapist.Login, &c.Therapist.Active, &c.Therapist.Role, &created,
		&c.PasswordHash, &c.FailedLogins, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("account %q: %w", login, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("account %q: %w", login, mapErr(err))
	}
	if c.Therapist.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("account %q: %w", login, err)
	}
	if locked != "" {
		if c.LockedUntil, err = parseTime(locked); err != nil {
			return nil, fmt.Errorf("account %q: %w", login, err)
		}
	}
	return &c, nil
}

// SetPassword stores the PHC hash of therapist id's new password and clears
// its failed log-ins and lock. The change is audited (never the hash).
func (db *DB) SetPassword(ctx context.Context, id int64, phc string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set password of therapist %d: %w", id, mapErr(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE therapists SET password_hash = ?, failed_logins = 0, locked_until = '' WHERE id = ?`, phc, id)
	if err != nil {
		return fmt.Errorf("set password of therapist %d: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set password of therapist %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("set password of therapist %d: %w", id, storage.ErrNotFound)
	}
	if err := db.auditTx(ctx, tx, storage.AuditChanged, storage.ObjectTherapist, id, "password set"); err != nil {
		return fmt.Errorf("set password of therapist %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set password of therapist %d: %w", id, mapErr(err))
	}
	return nil
}

// SetLoginState stores therapist id's failed log-in count and lock (zero
// lockedUntil: not locked), and writes e to the audit log in the same
// transaction when e is not nil.
func (db *DB) SetLoginState(ctx context.Context, id int64, failed int, lockedUntil time.Time, e *storage.AuditEntry) error {
	locked := ""
	if !lockedUntil.IsZero() {
		locked = formatTime(lockedUntil)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("log-in state of therapist %d: %w", id, mapErr(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE therapists SET failed_logins = ?, locked_until = ? WHERE id = ?`, failed, locked, id); err != nil {
		return fmt.Errorf("log-in state of therapist %d: %w", id, mapErr(err))
	}
	if e != nil {
		if !e.Action.Valid() {
			return fmt.Errorf("log-in state of therapist %d: %w: action %q", id, storage.ErrInvalid, e.Action)
		}
		if _, err := insertAudit(ctx, tx, db.now(), e); err != nil {
			return fmt.Errorf("log-in state of therapist %d: audit: %w", id, mapErr(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("log-in state of therapist %d: %w", id, mapErr(err))
	}
	return nil
}

// CountAdmins returns the number of active administrators with a password
// (0 means the first-run screen must create one).
func (db *DB) CountAdmins(ctx context.Context) (int, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM therapists
		WHERE role = 'admin' AND active AND password_hash <> ''`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count administrators: %w", mapErr(err))
	}
	return n, nil
}
