package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"myorehab/storage"
)

// ListMVC returns patient patientID's MVC measurements, oldest first (the
// progress of strength over weeks).
func (db *DB) ListMVC(ctx context.Context, patientID int64) ([]*storage.MVCMeasurement, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, patient_id, COALESCE(session_id, 0), source, labels, mvc_uv, created_at
		FROM mvc_measurements WHERE patient_id = ? ORDER BY created_at, id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("MVC of patient %d: %w", patientID, err)
	}
	out, err := collect(rows, func(s scanner) (*storage.MVCMeasurement, error) {
		var (
			m                   storage.MVCMeasurement
			labels, uv, created string
		)
		if err := s.Scan(&m.ID, &m.PatientID, &m.SessionID, &m.Source, &labels, &uv, &created); err != nil {
			return nil, err
		}
		if err := errors.Join(json.Unmarshal([]byte(labels), &m.Labels), json.Unmarshal([]byte(uv), &m.MVCUV)); err != nil {
			return nil, err
		}
		var err error
		m.CreatedAt, err = parseTime(created)
		return &m, err
	})
	if err != nil {
		return nil, fmt.Errorf("MVC of patient %d: %w", patientID, err)
	}
	return out, nil
}
