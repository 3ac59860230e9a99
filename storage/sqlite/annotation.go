package sqlite

import (
	"context"
	"fmt"
	"strings"

	"myorehab/storage"
)

// AddAnnotation inserts a and fills a.ID and a.CreatedAt. a.Sample and
// a.Duration must not be negative and a.Kind not blank (storage.ErrInvalid);
// the session must exist (storage.ErrNotFound).
func (db *DB) AddAnnotation(ctx context.Context, a *storage.Annotation) error {
	switch {
	case a.Sample < 0 || a.Duration < 0:
		return fmt.Errorf("add annotation: %w: sample %d, duration %d", storage.ErrInvalid, a.Sample, a.Duration)
	case strings.TrimSpace(a.Kind) == "":
		return fmt.Errorf("add annotation: %w: empty kind", storage.ErrInvalid)
	}
	created := db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add annotation: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO annotations (session_id, sample, duration, kind, text, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.SessionID, a.Sample, a.Duration, a.Kind, a.Text, formatTime(created))
	if err != nil {
		return fmt.Errorf("add annotation to session %d: %w", a.SessionID, mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("add annotation to session %d: %w", a.SessionID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add annotation to session %d: %w", a.SessionID, err)
	}
	a.ID, a.CreatedAt = id, created
	return nil
}

// ListAnnotations returns the annotations of session sessionID ordered by
// sample index (then insertion order); none for an unknown session.
func (db *DB) ListAnnotations(ctx context.Context, sessionID int64) ([]*storage.Annotation, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, session_id, sample, duration, kind, text, created_at
		FROM annotations WHERE session_id = ? ORDER BY sample, id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("list annotations of session %d: %w", sessionID, err)
	}
	as, err := collect(rows, func(s scanner) (*storage.Annotation, error) {
		var (
			a       storage.Annotation
			created string
			err     error
		)
		if err := s.Scan(&a.ID, &a.SessionID, &a.Sample, &a.Duration, &a.Kind, &a.Text, &created); err != nil {
			return nil, err
		}
		a.CreatedAt, err = parseTime(created)
		return &a, err
	})
	if err != nil {
		return nil, fmt.Errorf("list annotations of session %d: %w", sessionID, err)
	}
	return as, nil
}
