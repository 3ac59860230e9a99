package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"myorehab/storage"
)

const modelCols = `id, patient_id, version, session_id, name, accuracy, meta, created_at`

// SaveModel stores m as patient m.PatientID's next model version and fills
// m.ID, m.Version and m.CreatedAt. m.Data must not be empty, m.Accuracy
// must be NaN or in [0, 1] and m.Meta.Classes not empty
// (storage.ErrInvalid); the patient and a non-zero m.SessionID must exist
// (storage.ErrNotFound). The creation is audited.
func (db *DB) SaveModel(ctx context.Context, m *storage.Model) error {
	switch {
	case len(m.Data) == 0:
		return fmt.Errorf("save model: %w: no data", storage.ErrInvalid)
	case !math.IsNaN(m.Accuracy) && !(m.Accuracy >= 0 && m.Accuracy <= 1):
		return fmt.Errorf("save model: %w: accuracy %v", storage.ErrInvalid, m.Accuracy)
	case len(m.Meta.Classes) == 0:
		return fmt.Errorf("save model: %w: no classes", storage.ErrInvalid)
	}
	meta, err := json.Marshal(m.Meta)
	if err != nil {
		return fmt.Errorf("save model: %w: metadata: %w", storage.ErrInvalid, err)
	}
	var acc sql.NullFloat64
	if !math.IsNaN(m.Accuracy) {
		acc = sql.NullFloat64{Float64: m.Accuracy, Valid: true}
	}
	var session sql.NullInt64
	if m.SessionID != 0 {
		session = sql.NullInt64{Int64: m.SessionID, Valid: true}
	}
	id, version, created, err := db.saveVersion(ctx, "model", "models", storage.ObjectModel, m.PatientID,
		[]string{"session_id", "name", "accuracy", "meta", "data"}, session, m.Name, acc, string(meta), m.Data)
	if err != nil {
		return err
	}
	m.ID, m.Version, m.CreatedAt = id, version, created
	return nil
}

// Model returns model id with its data, or storage.ErrNotFound.
func (db *DB) Model(ctx context.Context, id int64) (*storage.Model, error) {
	m, err := scanModel(db.db.QueryRowContext(ctx, `SELECT `+modelCols+`, data FROM models WHERE id = ?`, id), true)
	if err != nil {
		return nil, fmt.Errorf("model %d: %w", id, err)
	}
	return m, nil
}

// LatestModel returns patient patientID's newest model with its data, or
// storage.ErrNotFound when there is none.
func (db *DB) LatestModel(ctx context.Context, patientID int64) (*storage.Model, error) {
	m, err := scanModel(db.db.QueryRowContext(ctx, `SELECT `+modelCols+`, data FROM models
		WHERE patient_id = ? ORDER BY version DESC LIMIT 1`, patientID), true)
	if err != nil {
		return nil, fmt.Errorf("latest model of patient %d: %w", patientID, err)
	}
	return m, nil
}

// ListModels returns patient patientID's models newest first, with Data
// nil (load one with Model).
func (db *DB) ListModels(ctx context.Context, patientID int64) ([]*storage.Model, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+modelCols+` FROM models
		WHERE patient_id = ? ORDER BY version DESC`, patientID)
	if err != nil {
		return nil, fmt.Errorf("list models of patient %d: %w", patientID, err)
	}
	ms, err := collect(rows, func(s scanner) (*storage.Model, error) { return scanModel(s, false) })
	if err != nil {
		return nil, fmt.Errorf("list models of patient %d: %w", patientID, err)
	}
	return ms, nil
}

func scanModel(s scanner, withData bool) (*storage.Model, error) {
	var (
		m             storage.Model
		session       sql.NullInt64
		acc           sql.NullFloat64
		meta, created string
	)
	dst := []any{&m.ID, &m.PatientID, &m.Version, &session, &m.Name, &acc, &meta, &created}
	if withData {
		dst = append(dst, &m.Data)
	}
	err := s.Scan(dst...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	m.SessionID = session.Int64
	m.Accuracy = math.NaN()
	if acc.Valid {
		m.Accuracy = acc.Float64
	}
	if m.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(meta), &m.Meta); err != nil {
		return nil, fmt.Errorf("model %d metadata: %w", m.ID, err)
	}
	return &m, nil
}
