package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"myorehab/storage"
)

const therapistCols = `id, name, login, active, role, created_at`

// CreateTherapist inserts t and fills t.ID and t.CreatedAt. t.Name must not
// be blank (storage.ErrInvalid); a non-empty t.Login must be unique
// (storage.ErrConflict). The creation is audited.
func (db *DB) CreateTherapist(ctx context.Context, t *storage.Therapist) error {
	if strings.TrimSpace(t.Name) == "" {
		return fmt.Errorf("create therapist: %w: empty name", storage.ErrInvalid)
	}
	created := db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create therapist: %w", mapErr(err))
	}
	defer tx.Rollback()
	if t.Role == "" {
		t.Role = storage.RoleTherapist
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO therapists (name, login, active, role, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.Name, t.Login, t.Active, t.Role, formatTime(created))
	if err != nil {
		return fmt.Errorf("create therapist %q: %w", t.Name, mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("create therapist %q: %w", t.Name, err)
	}
	if err := db.auditTx(ctx, tx, storage.AuditCreated, storage.ObjectTherapist, id, ""); err != nil {
		return fmt.Errorf("create therapist %q: %w", t.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create therapist %q: %w", t.Name, mapErr(err))
	}
	t.ID, t.CreatedAt = id, created
	return nil
}

// UpdateTherapist overwrites the name, login, active flag and role of therapist
// t.ID (storage.ErrNotFound, storage.ErrInvalid, storage.ErrConflict as in
// CreateTherapist). The change is audited.
func (db *DB) UpdateTherapist(ctx context.Context, t *storage.Therapist) error {
	if strings.TrimSpace(t.Name) == "" {
		return fmt.Errorf("update therapist %d: %w: empty name", t.ID, storage.ErrInvalid)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update therapist %d: %w", t.ID, mapErr(err))
	}
	defer tx.Rollback()
	if t.Role == "" {
		t.Role = storage.RoleTherapist
	}
	res, err := tx.ExecContext(ctx, `UPDATE therapists SET name = ?, login = ?, active = ?, role = ? WHERE id = ?`,
		t.Name, t.Login, t.Active, t.Role, t.ID)
	if err != nil {
		return fmt.Errorf("update therapist %d: %w", t.ID, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update therapist %d: %w", t.ID, err)
	} else if n == 0 {
		return fmt.Errorf("update therapist %d: %w", t.ID, storage.ErrNotFound)
	}
	if err := db.auditTx(ctx, tx, storage.AuditChanged, storage.ObjectTherapist, t.ID, ""); err != nil {
		return fmt.Errorf("update therapist %d: %w", t.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update therapist %d: %w", t.ID, mapErr(err))
	}
	return nil
}

// Therapist returns therapist id or storage.ErrNotFound.
func (db *DB) Therapist(ctx context.Context, id int64) (*storage.Therapist, error) {
	t, err := scanTherapist(db.db.QueryRowContext(ctx, `SELECT `+therapistCols+` FROM therapists WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("therapist %d: %w", id, err)
	}
	return t, nil
}

// ListTherapists returns the therapists ordered by name (case-insensitive
// for ASCII) then ID: the active ones, or all when all is set.
func (db *DB) ListTherapists(ctx context.Context, all bool) ([]*storage.Therapist, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+therapistCols+` FROM therapists
		WHERE ? OR active ORDER BY name COLLATE NOCASE, id`, all)
	if err != nil {
		return nil, fmt.Errorf("list therapists: %w", err)
	}
	ts, err := collect(rows, scanTherapist)
	if err != nil {
		return nil, fmt.Errorf("list therapists: %w", err)
	}
	return ts, nil
}

func scanTherapist(s scanner) (*storage.Therapist, error) {
	var (
		t       storage.Therapist
		created string
	)
	err := s.Scan(&t.ID, &t.Name, &t.Login, &t.Active, &t.Role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &t, nil
}
