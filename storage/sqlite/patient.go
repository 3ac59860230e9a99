package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"myorehab/storage"
)

const patientCols = `id, code, name, birth_date, sex, affected_side, diagnosis, notes, created_at`

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

// ListPatients returns the patients whose code or name contains search,
// ordered by name then code. search is literal ('%', '_' and '\' match
// themselves); letters match case-insensitively for ASCII only (SQLite LIKE).
// The empty string matches every patient.
func (db *DB) ListPatients(ctx context.Context, search string) ([]*storage.Patient, error) {
	pattern := "%" + escapeLike(search) + "%"
	rows, err := db.db.QueryContext(ctx, `SELECT `+patientCols+` FROM patients
		WHERE code LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\'
		ORDER BY name COLLATE NOCASE, code`, pattern, pattern)
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
	)
	err := s.Scan(&p.ID, &p.Code, &p.Name, &p.BirthDate, &p.Sex, &p.AffectedSide, &p.Diagnosis, &p.Notes, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if p.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &p, nil
}
