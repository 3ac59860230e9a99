package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"myorehab/storage"
)

// Audit appends e to the audit log and fills e.ID and e.At (the current
// time). e.Action must be valid (storage.ErrInvalid); an empty e.Actor and
// zero e.TherapistID are taken from ctx (see ActorOf).
func (db *DB) Audit(ctx context.Context, e *storage.AuditEntry) error {
	if !e.Action.Valid() {
		return fmt.Errorf("audit: %w: action %q", storage.ErrInvalid, e.Action)
	}
	if strings.TrimSpace(e.Actor) == "" {
		a := db.ActorOf(ctx)
		e.Actor = a.Name
		if e.TherapistID == 0 {
			e.TherapistID = a.TherapistID
		}
	}
	at := db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit: %w", mapErr(err))
	}
	defer tx.Rollback()
	id, err := insertAudit(ctx, tx, at, e)
	if err != nil {
		return fmt.Errorf("audit %s %s %d: %w", e.Action, e.ObjectType, e.ObjectID, mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit: %w", mapErr(err))
	}
	e.ID, e.At = id, at
	return nil
}

// ActorOf returns who acts in ctx: the actor it carries
// (storage.WithActor), else db.DefaultActor's, else storage.SystemActor.
func (db *DB) ActorOf(ctx context.Context) storage.Actor {
	if a, ok := storage.ActorIn(ctx); ok {
		return a
	}
	if db.DefaultActor != nil {
		if a := db.DefaultActor(); a.Name != "" {
			return a
		}
	}
	return storage.ActorFrom(ctx)
}

// auditTx records, inside tx, that the actor of ctx did action to an
// object. Store methods that change records call it so that the change and
// its audit line commit together.
func (db *DB) auditTx(ctx context.Context, tx *sql.Tx, action storage.AuditAction, objType string, objID int64, detail string) error {
	a := db.ActorOf(ctx)
	_, err := insertAudit(ctx, tx, db.now(), &storage.AuditEntry{
		TherapistID: a.TherapistID, Actor: a.Name, Action: action,
		ObjectType: objType, ObjectID: objID, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("audit: %w", mapErr(err))
	}
	return nil
}

// insertAudit appends e as the next link of the audit chain (see
// auditchain.go): id = newest id + 1, prev_hash = the newest row's hash.
// tx is a write transaction (BEGIN IMMEDIATE), so no other row can slip in
// between reading the head and writing the row.
func insertAudit(ctx context.Context, tx *sql.Tx, at time.Time, e *storage.AuditEntry) (int64, error) {
	var therapist sql.NullInt64
	if e.TherapistID != 0 {
		therapist = sql.NullInt64{Int64: e.TherapistID, Valid: true}
	}
	last, prev, err := auditHead(ctx, tx)
	if err != nil {
		return 0, err
	}
	id, atText := last+1, formatTime(at)
	hash := auditHash(id, atText, e.TherapistID, e.Actor, string(e.Action), e.ObjectType, e.ObjectID, e.Detail, prev)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, therapist_id, actor, action, object_type, object_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, atText, therapist, e.Actor, string(e.Action), e.ObjectType, e.ObjectID, e.Detail, prev, hash); err != nil {
		return 0, err
	}
	if err := setAuditHead(ctx, tx, id, hash); err != nil {
		return 0, err
	}
	return id, nil
}

// ListAudit returns the audit entries matching f (zero fields do not
// filter; ObjectID filters only with ObjectType), newest first, at most
// f.Limit of them when f.Limit > 0. Text fields match exactly.
func (db *DB) ListAudit(ctx context.Context, f storage.AuditFilter) ([]*storage.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	var since, until string
	if !f.Since.IsZero() {
		since = formatTime(f.Since)
	}
	if !f.Until.IsZero() {
		until = formatTime(f.Until)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT id, at, therapist_id, actor, action, object_type, object_id, detail
		FROM audit_log
		WHERE (?1 = '' OR object_type = ?1) AND (?1 = '' OR ?2 = 0 OR object_id = ?2)
			AND (?3 = '' OR actor = ?3) AND (?4 = '' OR action = ?4)
			AND (?5 = '' OR at >= ?5) AND (?6 = '' OR at < ?6)
		ORDER BY at DESC, id DESC LIMIT ?7`,
		f.ObjectType, f.ObjectID, f.Actor, string(f.Action), since, until, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	es, err := collect(rows, func(s scanner) (*storage.AuditEntry, error) {
		var (
			e         storage.AuditEntry
			at        string
			therapist sql.NullInt64
			action    string
			err       error
		)
		if err := s.Scan(&e.ID, &at, &therapist, &e.Actor, &action, &e.ObjectType, &e.ObjectID, &e.Detail); err != nil {
			return nil, err
		}
		e.TherapistID, e.Action = therapist.Int64, storage.AuditAction(action)
		e.At, err = parseTime(at)
		return &e, err
	})
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return es, nil
}
