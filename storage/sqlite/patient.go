package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"myorehab/storage"
)

const patientCols = `id, code, name, birth_date, sex, affected_side, diagnosis, notes, created_at, deleted_at`

// CreatePatient inserts p and fills p.ID and p.CreatedAt. The code must not
// be blank (storage.ErrInvalid) and must be unique (storage.ErrConflict).
// The creation is audited (actor from ctx, see storage.WithActor).
func (db *DB) CreatePatient(ctx context.Context, p *storage.Patient) error {
	if err := validPatient(p); err != nil {
		return err
	}
	created := db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create patient: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO patients (code, name, birth_date, sex, affected_side, diagnosis, notes, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Code, p.Name, p.BirthDate, p.Sex, p.AffectedSide, p.Diagnosis, p.Notes, formatTime(created))
	if err != nil {
		return fmt.Errorf("create patient %q: %w", p.Code, mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("create patient %q: %w", p.Code, err)
	}
	if err := db.auditTx(ctx, tx, storage.AuditCreated, storage.ObjectPatient, id, ""); err != nil {
		return fmt.Errorf("create patient %q: %w", p.Code, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create patient %q: %w", p.Code, err)
	}
	p.ID, p.CreatedAt = id, created
	return nil
}

// UpdatePatient overwrites every field of patient p.ID except CreatedAt
// (storage.ErrNotFound, storage.ErrConflict when the code is taken). The
// change is audited.
func (db *DB) UpdatePatient(ctx context.Context, p *storage.Patient) error {
	if err := validPatient(p); err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update patient %d: %w", p.ID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE patients SET code = ?, name = ?, birth_date = ?, sex = ?,
		affected_side = ?, diagnosis = ?, notes = ? WHERE id = ?`,
		p.Code, p.Name, p.BirthDate, p.Sex, p.AffectedSide, p.Diagnosis, p.Notes, p.ID)
	if err != nil {
		return fmt.Errorf("update patient %d: %w", p.ID, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update patient %d: %w", p.ID, err)
	} else if n == 0 {
		return fmt.Errorf("update patient %d: %w", p.ID, storage.ErrNotFound)
	}
	if err := db.auditTx(ctx, tx, storage.AuditChanged, storage.ObjectPatient, p.ID, ""); err != nil {
		return fmt.Errorf("update patient %d: %w", p.ID, err)
	}
	return tx.Commit()
}

// PatientByID returns the patient with the given ID or storage.ErrNotFound.
func (db *DB) PatientByID(ctx context.Context, id int64) (*storage.Patient, error) {
	p, err := scanPatient(db.db.QueryRowContext(ctx, `SELECT `+patientCols+` FROM patients WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("patient %d: %w", id, err)
	}
	return p, nil
}

// PatientByCode returns the patient with the given code (exact match) or
// storage.ErrNotFound.
func (db *DB) PatientByCode(ctx context.Context, code string) (*storage.Patient, error) {
	p, err := scanPatient(db.db.QueryRowContext(ctx, `SELECT `+patientCols+` FROM patients WHERE code = ?`, code))
	if err != nil {
		return nil, fmt.Errorf("patient %q: %w", code, err)
	}
	return p, nil
}

// ListPatients returns the patients (not deleted) whose code or name
// contains search, ordered by name then code. search is literal ('%', '_' and '\' match
// themselves) and may be of any length; letters match case-insensitively
// for ASCII only (SQLite lower()). The empty string matches every patient.
func (db *DB) ListPatients(ctx context.Context, search string) ([]*storage.Patient, error) {
	// instr, not LIKE: literal, and no pattern-length limit (a pasted
	// 100 kB search must not fail); lower() folds ASCII as LIKE did.
	rows, err := db.db.QueryContext(ctx, `SELECT `+patientCols+` FROM patients
		WHERE (instr(lower(code), lower(?1)) > 0 OR instr(lower(name), lower(?1)) > 0) AND deleted_at = ''
		ORDER BY name COLLATE NOCASE, code`, search)
	if err != nil {
		return nil, fmt.Errorf("list patients: %w", err)
	}
	ps, err := collect(rows, scanPatient)
	if err != nil {
		return nil, fmt.Errorf("list patients: %w", err)
	}
	return ps, nil
}

func validPatient(p *storage.Patient) error {
	if strings.TrimSpace(p.Code) == "" {
		return fmt.Errorf("%w: patient code is empty", storage.ErrInvalid)
	}
	return nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dst ...any) error }

func scanPatient(s scanner) (*storage.Patient, error) {
	var (
		p       storage.Patient
		created string
		deleted string
	)
	err := s.Scan(&p.ID, &p.Code, &p.Name, &p.BirthDate, &p.Sex, &p.AffectedSide, &p.Diagnosis, &p.Notes, &created, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if p.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if deleted != "" {
		if p.DeletedAt, err = parseTime(deleted); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// ListDeletedPatients returns the patients deleted (soft) and not yet
// purged, newest deletion first.
func (db *DB) ListDeletedPatients(ctx context.Context) ([]*storage.Patient, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+patientCols+` FROM patients
		WHERE deleted_at <> '' ORDER BY deleted_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list deleted patients: %w", err)
	}
	ps, err := collect(rows, scanPatient)
	if err != nil {
		return nil, fmt.Errorf("list deleted patients: %w", err)
	}
	return ps, nil
}

// DeletePatient hides patient id from the patient list (soft delete: its
// file stays until an administrator purges it; UndeletePatient brings it
// back). Deleting a deleted patient is storage.ErrNotFound. Audited.
func (db *DB) DeletePatient(ctx context.Context, id int64) error {
	return db.setDeleted(ctx, id, formatTime(db.now()), storage.AuditDeleted, "")
}

// UndeletePatient brings a soft-deleted patient back. Audited.
func (db *DB) UndeletePatient(ctx context.Context, id int64) error {
	return db.setDeleted(ctx, id, "", storage.AuditChanged, "undeleted")
}

func (db *DB) setDeleted(ctx context.Context, id int64, deletedAt string, action storage.AuditAction, detail string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s patient %d: %w", action, id, mapErr(err))
	}
	defer tx.Rollback()
	// Only a change of state counts: deleting twice finds nothing.
	res, err := tx.ExecContext(ctx, `UPDATE patients SET deleted_at = ?1 WHERE id = ?2 AND (deleted_at = '') = (?1 <> '')`, deletedAt, id)
	if err != nil {
		return fmt.Errorf("%s patient %d: %w", action, id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s patient %d: %w", action, id, err)
	} else if n == 0 {
		return fmt.Errorf("%s patient %d: %w", action, id, storage.ErrNotFound)
	}
	if err := db.auditTx(ctx, tx, action, storage.ObjectPatient, id, detail); err != nil {
		return fmt.Errorf("%s patient %d: %w", action, id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s patient %d: %w", action, id, mapErr(err))
	}
	return nil
}

// PurgePatient removes a soft-deleted patient for good with every session
// (recordings, annotations, metrics), model, channel set-up and glove
// limits. A patient not deleted first is storage.ErrInvalid, one with a
// session still recording storage.ErrConflict. Only administrators may
// purge (app/auth checks the role). The audit log keeps the purge with the
// number of sessions removed, never the name.
func (db *DB) PurgePatient(ctx context.Context, id int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("purge patient %d: %w", id, mapErr(err))
	}
	defer tx.Rollback()
	var deleted string
	err = tx.QueryRowContext(ctx, `SELECT deleted_at FROM patients WHERE id = ?`, id).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("purge patient %d: %w", id, storage.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("purge patient %d: %w", id, mapErr(err))
	}
	if deleted == "" {
		return fmt.Errorf("purge patient %d: %w: delete the patient first", id, storage.ErrInvalid)
	}
	var recording int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE patient_id = ? AND status = 'recording'`, id).Scan(&recording); err != nil {
		return fmt.Errorf("purge patient %d: %w", id, mapErr(err))
	}
	if recording > 0 {
		return fmt.Errorf("purge patient %d: %w: a session is recording", id, storage.ErrConflict)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE patient_id = ?`, id)
	if err != nil {
		return fmt.Errorf("purge patient %d: sessions: %w", id, mapErr(err))
	}
	sessions, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("purge patient %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM patients WHERE id = ?`, id); err != nil {
		return fmt.Errorf("purge patient %d: %w", id, mapErr(err))
	}
	if err := db.auditTx(ctx, tx, storage.AuditPurged, storage.ObjectPatient, id, fmt.Sprintf("%d sessions removed", sessions)); err != nil {
		return fmt.Errorf("purge patient %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("purge patient %d: %w", id, mapErr(err))
	}
	return nil
}
