package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"myorehab/storage"
)

// SaveGloveLimits stores g as patient g.PatientID's next glove-limits
// version and fills g.ID, g.Version and g.CreatedAt. Every finger must
// pass GloveFingerLimit.Validate (storage.ErrInvalid); the patient must
// exist (storage.ErrNotFound). The change is audited.
func (db *DB) SaveGloveLimits(ctx context.Context, g *storage.GloveLimits) error {
	if len(g.Fingers) == 0 {
		return fmt.Errorf("save glove limits: %w: no fingers", storage.ErrInvalid)
	}
	for i, f := range g.Fingers {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("save glove limits: finger %d: %w", i+1, err)
		}
	}
	fingers, err := json.Marshal(g.Fingers)
	if err != nil {
		return fmt.Errorf("save glove limits: %w", err)
	}
	id, version, created, err := db.saveVersion(ctx, "glove limits", "glove_limits", storage.ObjectGloveLimits, g.PatientID,
		[]string{"fingers"}, string(fingers))
	if err != nil {
		return err
	}
	g.ID, g.Version, g.CreatedAt = id, version, created
	return nil
}

// LatestGloveLimits returns patient patientID's newest glove limits, or
// storage.ErrNotFound when none were saved.
func (db *DB) LatestGloveLimits(ctx context.Context, patientID int64) (*storage.GloveLimits, error) {
	var (
		g                storage.GloveLimits
		fingers, created string
	)
	err := db.db.QueryRowContext(ctx, `SELECT id, patient_id, version, fingers, created_at
		FROM glove_limits WHERE patient_id = ? ORDER BY version DESC LIMIT 1`, patientID).
		Scan(&g.ID, &g.PatientID, &g.Version, &fingers, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("glove limits of patient %d: %w", patientID, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("glove limits of patient %d: %w", patientID, err)
	}
	if g.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("glove limits of patient %d: %w", patientID, err)
	}
	if err := json.Unmarshal([]byte(fingers), &g.Fingers); err != nil {
		return nil, fmt.Errorf("glove limits of patient %d: %w", patientID, err)
	}
	return &g, nil
}

// AddGloveFrames stores frames as commands sent to the glove during
// session sessionID, in one transaction, and fills their ID and
// SessionID. Each needs a sample index ≥ 0 and a type (storage.ErrInvalid);
// the session must exist (storage.ErrNotFound).
func (db *DB) AddGloveFrames(ctx context.Context, sessionID int64, frames []*storage.GloveFrame) error {
	for _, f := range frames {
		if f.Sample < 0 || f.Type == "" {
			return fmt.Errorf("add glove frames to session %d: %w: sample %d, type %q", sessionID, storage.ErrInvalid, f.Sample, f.Type)
		}
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add glove frames to session %d: %w", sessionID, mapErr(err))
	}
	defer tx.Rollback()
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM sessions WHERE id = ?`, sessionID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("add glove frames to session %d: %w", sessionID, storage.ErrNotFound)
	} else if err != nil {
		return fmt.Errorf("add glove frames to session %d: %w", sessionID, mapErr(err))
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO glove_frames (session_id, sample, sent_at, seq, type, targets) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("add glove frames to session %d: %w", sessionID, mapErr(err))
	}
	defer stmt.Close()
	ids := make([]int64, len(frames))
	for i, f := range frames {
		targets := []byte("[]")
		if len(f.Targets) > 0 {
			if targets, err = json.Marshal(f.Targets); err != nil {
				return fmt.Errorf("add glove frames to session %d: %w", sessionID, err)
			}
		}
		res, err := stmt.ExecContext(ctx, sessionID, f.Sample, formatTime(f.SentAt), int(f.Seq), f.Type, string(targets))
		if err != nil {
			return fmt.Errorf("add glove frames to session %d: %w", sessionID, mapErr(err))
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return fmt.Errorf("add glove frames to session %d: %w", sessionID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add glove frames to session %d: %w", sessionID, mapErr(err))
	}
	for i, f := range frames {
		f.ID, f.SessionID = ids[i], sessionID
	}
	return nil
}

// GloveFrames returns the glove commands of session sessionID in the
// order they were sent; none for an unknown session.
func (db *DB) GloveFrames(ctx context.Context, sessionID int64) ([]*storage.GloveFrame, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, session_id, sample, sent_at, seq, type, targets
		FROM glove_frames WHERE session_id = ? ORDER BY id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("glove frames of session %d: %w", sessionID, mapErr(err))
	}
	return collect(rows, func(s scanner) (*storage.GloveFrame, error) {
		var (
			f       storage.GloveFrame
			sent    string
			seq     int
			targets string
		)
		if err := s.Scan(&f.ID, &f.SessionID, &f.Sample, &sent, &seq, &f.Type, &targets); err != nil {
			return nil, err
		}
		f.Seq = uint8(seq)
		var err error
		if f.SentAt, err = parseTime(sent); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(targets), &f.Targets); err != nil {
			return nil, fmt.Errorf("glove frame %d targets: %w", f.ID, err)
		}
		if len(f.Targets) == 0 {
			f.Targets = nil
		}
		return &f, nil
	})
}
