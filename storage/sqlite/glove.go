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
	created := db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save glove limits: %w", mapErr(err))
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM glove_limits WHERE patient_id = ?`,
		g.PatientID).Scan(&version); err != nil {
		return fmt.Errorf("save glove limits of patient %d: %w", g.PatientID, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO glove_limits (patient_id, version, fingers, created_at) VALUES (?, ?, ?, ?)`,
		g.PatientID, version, string(fingers), formatTime(created))
	if err != nil {
		return fmt.Errorf("save glove limits of patient %d: %w", g.PatientID, mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("save glove limits of patient %d: %w", g.PatientID, err)
	}
	if err := db.auditTx(ctx, tx, storage.AuditCreated, storage.ObjectGloveLimits, id,
		fmt.Sprintf("patient %d version %d", g.PatientID, version)); err != nil {
		return fmt.Errorf("save glove limits of patient %d: %w", g.PatientID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save glove limits of patient %d: %w", g.PatientID, mapErr(err))
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
