package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"myorehab/storage"
)

// dateLayout is how outcome dates are stored (calendar dates, no zone).
const dateLayout = "2006-01-02"

// AddOutcome stores outcome measure o and fills o.ID and o.CreatedAt. o
// must pass o.Validate (storage.ErrInvalid); the patient, and the session
// when o.SessionID is set, must exist (storage.ErrNotFound). The entry is
// audited.
func (db *DB) AddOutcome(ctx context.Context, o *storage.Outcome) error {
	o.Muscle = strings.TrimSpace(o.Muscle)
	if err := o.Validate(); err != nil {
		return fmt.Errorf("add outcome: %w", err)
	}
	var session sql.NullInt64
	if o.SessionID != 0 {
		session = sql.NullInt64{Int64: o.SessionID, Valid: true}
	}
	created := db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add outcome: %w", mapErr(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO outcome_measures (patient_id, session_id, kind, muscle, value, taken_on, notes, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.PatientID, session, string(o.Kind), o.Muscle, o.Value,
		o.TakenOn.Format(dateLayout), o.Notes, formatTime(created))
	if err != nil {
		return fmt.Errorf("add outcome of patient %d: %w", o.PatientID, mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("add outcome of patient %d: %w", o.PatientID, err)
	}
	if err := db.auditTx(ctx, tx, storage.AuditCreated, storage.ObjectOutcome, id,
		fmt.Sprintf("patient %d %s %s %s", o.PatientID, o.Kind, o.Muscle, storage.FormatOutcome(o.Kind, o.Value))); err != nil {
		return fmt.Errorf("add outcome of patient %d: %w", o.PatientID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add outcome of patient %d: %w", o.PatientID, mapErr(err))
	}
	o.ID, o.CreatedAt = id, created
	return nil
}

// DeleteOutcome deletes outcome measure id (storage.ErrNotFound); audited.
func (db *DB) DeleteOutcome(ctx context.Context, id int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete outcome %d: %w", id, mapErr(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM outcome_measures WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete outcome %d: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete outcome %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("delete outcome %d: %w", id, storage.ErrNotFound)
	}
	if err := db.auditTx(ctx, tx, storage.AuditDeleted, storage.ObjectOutcome, id, ""); err != nil {
		return fmt.Errorf("delete outcome %d: %w", id, err)
	}
	return tx.Commit()
}

// ListOutcomes returns patient patientID's outcome measures taken from
// from to to (inclusive calendar dates; a zero time does not bound),
// oldest first, then by kind and muscle group.
func (db *DB) ListOutcomes(ctx context.Context, patientID int64, from, to time.Time) ([]*storage.Outcome, error) {
	lo, hi := "0000-00-00", "9999-99-99"
	if !from.IsZero() {
		lo = from.Format(dateLayout)
	}
	if !to.IsZero() {
		hi = to.Format(dateLayout)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT id, patient_id, COALESCE(session_id, 0), kind, muscle, value, taken_on, notes, created_at
		FROM outcome_measures WHERE patient_id = ? AND taken_on BETWEEN ? AND ?
		ORDER BY taken_on, kind, muscle, id`, patientID, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("outcomes of patient %d: %w", patientID, err)
	}
	out, err := collect(rows, func(s scanner) (*storage.Outcome, error) {
		var (
			o              storage.Outcome
			kind, taken, c string
		)
		if err := s.Scan(&o.ID, &o.PatientID, &o.SessionID, &kind, &o.Muscle, &o.Value, &taken, &o.Notes, &c); err != nil {
			return nil, err
		}
		o.Kind = storage.OutcomeKind(kind)
		var err error
		if o.TakenOn, err = time.ParseInLocation(dateLayout, taken, time.Local); err != nil {
			return nil, err
		}
		if o.CreatedAt, err = parseTime(c); err != nil {
			return nil, err
		}
		return &o, nil
	})
	if err != nil {
		return nil, fmt.Errorf("outcomes of patient %d: %w", patientID, err)
	}
	return out, nil
}
