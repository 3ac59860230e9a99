package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"myorehab/storage"
)

// The audit log is a hash chain: row n stores prev_hash = hash of row n-1
// ("" for row 1) and hash = SHA-256 (hex) over its own content and
// prev_hash (auditHash). IDs are given out consecutively from 1 by
// insertAudit, so a missing row shows as a gap; audit_head keeps the
// newest id and hash, so rows deleted from the end show too. Triggers
// (migration 0004) refuse UPDATE and DELETE of sealed rows. The chain has no
// secret: it finds edits made with an SQLite tool, not an attacker who
// recomputes every hash after an edit (a backup kept elsewhere does).

// auditHash returns the hex SHA-256 of an audit row: every field as its
// length, a colon and its text, so no two different rows encode alike.
func auditHash(id int64, at string, therapistID int64, actor, action, objType string, objID int64, detail, prev string) string {
	h := sha256.New()
	var buf []byte
	for _, f := range []string{
		strconv.FormatInt(id, 10), at, strconv.FormatInt(therapistID, 10), actor, action,
		objType, strconv.FormatInt(objID, 10), detail, prev,
	} {
		buf = strconv.AppendInt(buf[:0], int64(len(f)), 10)
		buf = append(buf, ':')
		buf = append(buf, f...)
		buf = append(buf, ',')
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// auditHead returns the id and hash of the newest audit row (0, "" when
// the log is empty).
func auditHead(ctx context.Context, tx *sql.Tx) (int64, string, error) {
	var (
		id   int64
		hash string
	)
	err := tx.QueryRowContext(ctx, `SELECT last_id, hash FROM audit_head WHERE one = 1`).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return id, hash, err
}

func setAuditHead(ctx context.Context, tx *sql.Tx, id int64, hash string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_head (one, last_id, hash) VALUES (1, ?, ?)
		ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash`, id, hash)
	return err
}

// sealAudit chains the audit rows written before migration 0004, once:
// when audit_head is still empty. Later rows are chained as they are
// written; a row found unsealed afterwards is reported by VerifyAudit.
func sealAudit(ctx context.Context, sqldb *sql.DB) error {
	tx, err := sqldb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var heads int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_head`).Scan(&heads); err != nil {
		return err
	}
	if heads > 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, at, therapist_id, actor, action, object_type, object_id, detail
		FROM audit_log ORDER BY id`)
	if err != nil {
		return err
	}
	var all []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.id, &r.at, &r.therapist, &r.actor, &r.action, &r.objType, &r.objID, &r.detail); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(all) == 0 {
		return tx.Commit() // the head appears with the first row
	}
	prev := ""
	for i, r := range all {
		// Renumber consecutively from 1 so that gaps mean deletions.
		id := int64(i + 1)
		h := auditHash(id, r.at, r.therapist.Int64, r.actor, r.action, r.objType, r.objID, r.detail, prev)
		if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET id = ?, prev_hash = ?, hash = ? WHERE id = ?`,
			id, prev, h, r.id); err != nil {
			return err
		}
		prev = h
	}
	if err := setAuditHead(ctx, tx, int64(len(all)), prev); err != nil {
		return err
	}
	return tx.Commit()
}

type auditRow struct {
	id        int64
	at        string
	therapist sql.NullInt64
	actor     string
	action    string
	objType   string
	objID     int64
	detail    string
	prev      string
	hash      string
}

// VerifyAudit walks the audit log's hash chain. FirstBadRow is the id of
// the first row that was changed, removed or moved (for a removed row: the
// id it had; for rows removed at the end: the first missing id).
func (db *DB) VerifyAudit(ctx context.Context) (storage.AuditCheck, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, at, therapist_id, actor, action, object_type, object_id, detail, prev_hash, hash
		FROM audit_log ORDER BY id`)
	if err != nil {
		return storage.AuditCheck{}, fmt.Errorf("verify audit log: %w", mapErr(err))
	}
	defer rows.Close()
	var (
		res  storage.AuditCheck
		prev string
		want int64 = 1
	)
	fail := func(id int64) {
		if res.FirstBadRow == 0 {
			res.FirstBadRow = id
		}
	}
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.id, &r.at, &r.therapist, &r.actor, &r.action, &r.objType, &r.objID, &r.detail, &r.prev, &r.hash); err != nil {
			return storage.AuditCheck{}, fmt.Errorf("verify audit log: %w", err)
		}
		res.Rows++
		if res.FirstBadRow != 0 {
			continue // count the rest
		}
		switch {
		case r.id != want:
			fail(want) // rows want … r.id-1 are missing
		case r.prev != prev:
			fail(r.id)
		case r.hash != auditHash(r.id, r.at, r.therapist.Int64, r.actor, r.action, r.objType, r.objID, r.detail, r.prev):
			fail(r.id)
		}
		prev, want = r.hash, r.id+1
	}
	if err := rows.Err(); err != nil {
		return storage.AuditCheck{}, fmt.Errorf("verify audit log: %w", err)
	}
	if res.FirstBadRow == 0 {
		var (
			headID   int64
			headHash string
		)
		err := db.db.QueryRowContext(ctx, `SELECT last_id, hash FROM audit_head WHERE one = 1`).Scan(&headID, &headHash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if res.Rows > 0 {
				fail(1)
			}
		case err != nil:
			return storage.AuditCheck{}, fmt.Errorf("verify audit log: %w", err)
		case headID != want-1 || headHash != prev:
			fail(min(want, headID+1)) // rows cut off the end, or a head rewritten
		}
	}
	res.OK = res.FirstBadRow == 0
	return res, nil
}
