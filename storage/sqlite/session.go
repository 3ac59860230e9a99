package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"myorehab/storage"
)

const sessionCols = `s.id, s.patient_id, COALESCE(p.code, ''), s.type, s.status, s.started_at, s.ended_at,
	s.device, s.protocol, s.port, s.rate_hz, s.channels, s.labels, s.scale_uv, s.resolution_bits,
	s.filter, s.samples, s.lost, s.dropped, s.therapist_id, s.notes, s.units`

const sessionFrom = ` FROM sessions s LEFT JOIN patients p ON p.id = s.patient_id`

// CreateSession inserts s and fills s.ID; an empty Status becomes
// StatusRecording, an empty Type SessionRecording and a zero StartedAt the
// current time (written back into s). Channels and RateHz must be positive,
// Labels and ScaleUV empty or of length Channels (storage.ErrInvalid); a
// non-zero PatientID or TherapistID must exist (storage.ErrNotFound).
// Samples, Lost and
// Dropped are stored as given.
func (db *DB) CreateSession(ctx context.Context, s *storage.Session) error {
	if s.Status == "" {
		s.Status = storage.StatusRecording
	}
	if s.Type == "" {
		s.Type = storage.SessionRecording
	}
	if s.StartedAt.IsZero() {
		s.StartedAt = db.now()
	}
	if err := validSession(s); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	labels, scale, units, err := sessionJSON(s)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	var ended sql.NullString
	if !s.EndedAt.IsZero() {
		ended = sql.NullString{String: formatTime(s.EndedAt), Valid: true}
	}
	var patient, therapist sql.NullInt64
	if s.PatientID != 0 {
		patient = sql.NullInt64{Int64: s.PatientID, Valid: true}
	}
	if s.TherapistID != 0 {
		therapist = sql.NullInt64{Int64: s.TherapistID, Valid: true}
	}

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO sessions (patient_id, type, status, started_at, ended_at,
		device, protocol, port, rate_hz, channels, labels, scale_uv, resolution_bits, filter, samples, lost, dropped,
		therapist_id, notes, units)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		patient, string(s.Type), string(s.Status), formatTime(s.StartedAt), ended,
		s.Device, s.Protocol, s.Port, s.RateHz, s.Channels, labels, scale, s.ResolutionBits, s.Filter,
		s.Samples, s.Lost, s.Dropped, therapist, s.Notes, units)
	if err != nil {
		return fmt.Errorf("create session: %w", mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	// An import is audited as such by storage/transfer, once.
	if s.Type != storage.SessionImport {
		if err := db.auditTx(ctx, tx, storage.AuditCreated, storage.ObjectSession, id,
			fmt.Sprintf("%s, patient %d", s.Type, s.PatientID)); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	s.ID = id
	return nil
}

// FinishSession sets the status, end time and sample counts of session id
// (storage.ErrNotFound when it does not exist).
func (db *DB) FinishSession(ctx context.Context, id int64, status storage.SessionStatus, endedAt time.Time, c storage.SessionCounts) error {
	if !validStatus(status) {
		return fmt.Errorf("finish session %d: %w: status %q", id, storage.ErrInvalid, status)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish session %d: %w", id, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET status = ?, ended_at = ?, samples = ?, lost = ?, dropped = ?
		WHERE id = ?`, string(status), formatTime(endedAt), c.Samples, c.Lost, c.Dropped, id)
	if err != nil {
		return fmt.Errorf("finish session %d: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish session %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("finish session %d: %w", id, storage.ErrNotFound)
	}
	return tx.Commit()
}

// Session returns session id with PatientCode filled, or storage.ErrNotFound.
func (db *DB) Session(ctx context.Context, id int64) (*storage.Session, error) {
	s, err := scanSession(db.db.QueryRowContext(ctx, `SELECT `+sessionCols+sessionFrom+` WHERE s.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("session %d: %w", id, err)
	}
	return s, nil
}

// ListSessions returns the sessions matching f (zero fields do not filter),
// newest first, at most f.Limit of them when f.Limit > 0.
func (db *DB) ListSessions(ctx context.Context, f storage.SessionFilter) ([]*storage.Session, error) {
	rows, err := db.querySessions(ctx, "", "", f)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	ss, err := collect(rows, func(s scanner) (*storage.Session, error) { return scanSession(s) })
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return ss, nil
}

// querySessions selects the sessions matching f, newest first, with
// extraCols appended to sessionCols and extraJoin to sessionFrom.
func (db *DB) querySessions(ctx context.Context, extraCols, extraJoin string, f storage.SessionFilter) (*sql.Rows, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return db.db.QueryContext(ctx, `SELECT `+sessionCols+extraCols+sessionFrom+extraJoin+`
		WHERE (?1 = 0 OR s.patient_id = ?1) AND (?2 = '' OR p.code = ?2) AND (?3 = '' OR s.status = ?3)
		ORDER BY s.started_at DESC, s.id DESC LIMIT ?4`,
		f.PatientID, f.PatientCode, string(f.Status), limit)
}

// DeleteSession deletes session id with its recording, annotations and
// metrics (storage.ErrNotFound). A session still recording cannot be
// deleted (storage.ErrConflict): close its Writer first. The deletion is
// audited.
func (db *DB) DeleteSession(ctx context.Context, id int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete session %d: %w", id, mapErr(err))
	}
	defer tx.Rollback()
	var status, started string
	var patient sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT status, started_at, patient_id FROM sessions WHERE id = ?`, id).
		Scan(&status, &started, &patient)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("delete session %d: %w", id, storage.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete session %d: %w", id, err)
	}
	if storage.SessionStatus(status) == storage.StatusRecording {
		return fmt.Errorf("delete session %d: %w: it is recording", id, storage.ErrConflict)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete session %d: %w", id, mapErr(err))
	}
	if err := db.auditTx(ctx, tx, storage.AuditDeleted, storage.ObjectSession, id,
		fmt.Sprintf("patient %d, started %s", patient.Int64, started)); err != nil {
		return fmt.Errorf("delete session %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete session %d: %w", id, mapErr(err))
	}
	return nil
}

func validStatus(st storage.SessionStatus) bool {
	switch st {
	case storage.StatusRecording, storage.StatusCompleted, storage.StatusInterrupted:
		return true
	}
	return false
}

func validSession(s *storage.Session) error {
	switch {
	case !validStatus(s.Status):
		return fmt.Errorf("%w: status %q", storage.ErrInvalid, s.Status)
	case s.Channels <= 0:
		return fmt.Errorf("%w: %d channels", storage.ErrInvalid, s.Channels)
	case !(s.RateHz > 0) || math.IsInf(s.RateHz, 0):
		return fmt.Errorf("%w: sample rate %v Hz", storage.ErrInvalid, s.RateHz)
	case len(s.Labels) != 0 && len(s.Labels) != s.Channels:
		return fmt.Errorf("%w: %d labels for %d channels", storage.ErrInvalid, len(s.Labels), s.Channels)
	case len(s.ScaleUV) != 0 && len(s.ScaleUV) != s.Channels:
		return fmt.Errorf("%w: %d scales for %d channels", storage.ErrInvalid, len(s.ScaleUV), s.Channels)
	case len(s.Units) != 0 && len(s.Units) != s.Channels:
		return fmt.Errorf("%w: %d units for %d channels", storage.ErrInvalid, len(s.Units), s.Channels)
	case s.Samples < 0 || s.Lost < 0 || s.Dropped < 0:
		return fmt.Errorf("%w: negative sample count", storage.ErrInvalid)
	}
	for _, v := range s.ScaleUV {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: scale %v µV per count", storage.ErrInvalid, v)
		}
	}
	return nil
}

func sessionJSON(s *storage.Session) (labels, scale, units string, err error) {
	l, err := json.Marshal(nonNil(s.Labels))
	if err != nil {
		return "", "", "", err
	}
	sc, err := json.Marshal(nonNil(s.ScaleUV))
	if err != nil {
		return "", "", "", err
	}
	u, err := json.Marshal(nonNil(s.Units))
	if err != nil {
		return "", "", "", err
	}
	return string(l), string(sc), string(u), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// scanSession scans sessionCols, then the extra columns into extra.
func scanSession(sc scanner, extra ...any) (*storage.Session, error) {
	var (
		s                    storage.Session
		patient, therapist   sql.NullInt64
		typ, status, started string
		ended                sql.NullString
		labels, scale, units string
	)
	err := sc.Scan(append([]any{&s.ID, &patient, &s.PatientCode, &typ, &status, &started, &ended,
		&s.Device, &s.Protocol, &s.Port, &s.RateHz, &s.Channels, &labels, &scale, &s.ResolutionBits,
		&s.Filter, &s.Samples, &s.Lost, &s.Dropped, &therapist, &s.Notes, &units}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	s.PatientID, s.TherapistID = patient.Int64, therapist.Int64
	s.Type, s.Status = storage.SessionType(typ), storage.SessionStatus(status)
	if s.StartedAt, err = parseTime(started); err != nil {
		return nil, err
	}
	if ended.Valid {
		if s.EndedAt, err = parseTime(ended.String); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal([]byte(labels), &s.Labels); err != nil {
		return nil, fmt.Errorf("session %d labels: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(scale), &s.ScaleUV); err != nil {
		return nil, fmt.Errorf("session %d scale: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(units), &s.Units); err != nil {
		return nil, fmt.Errorf("session %d units: %w", s.ID, err)
	}
	if len(s.Units) == 0 {
		s.Units = nil
	}
	if len(s.Labels) == 0 {
		s.Labels = nil
	}
	if len(s.ScaleUV) == 0 {
		s.ScaleUV = nil
	}
	return &s, nil
}

// SetSessionNotes replaces the therapist's free-text notes of session id
// (storage.ErrNotFound). The change is audited.
func (db *DB) SetSessionNotes(ctx context.Context, id int64, notes string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("notes of session %d: %w", id, mapErr(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET notes = ? WHERE id = ?`, notes, id)
	if err != nil {
		return fmt.Errorf("notes of session %d: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("notes of session %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("notes of session %d: %w", id, storage.ErrNotFound)
	}
	if err := db.auditTx(ctx, tx, storage.AuditChanged, storage.ObjectSession, id, "notes"); err != nil {
		return fmt.Errorf("notes of session %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("notes of session %d: %w", id, mapErr(err))
	}
	return nil
}
