package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"myorehab/storage"
)

// saveVersion inserts a row into table as patient patientID's next
// version (1, 2, … per patient), with its creation audited (objType), in
// one transaction, and returns its id, version and creation time. cols
// names the table's columns after patient_id and version, args their
// values; created_at is filled here. what names the row in errors
// ("plan", "model", …). The tables that keep versions per patient
// (channel_setups, models, glove_limits, rehab_plans) all go through it.
func (db *DB) saveVersion(ctx context.Context, what, table, objType string, patientID int64, cols []string, args ...any) (id int64, version int, created time.Time, err error) {
	fail := func(err error) (int64, int, time.Time, error) {
		return 0, 0, time.Time{}, fmt.Errorf("save %s of patient %d: %w", what, patientID, err)
	}
	created = db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fail(mapErr(err))
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM `+table+` WHERE patient_id = ?`,
		patientID).Scan(&version); err != nil {
		return fail(err)
	}
	values := append([]any{patientID, version}, args...)
	values = append(values, formatTime(created))
	query := `INSERT INTO ` + table + ` (patient_id, version, ` + strings.Join(cols, ", ") + `, created_at) VALUES (?` +
		strings.Repeat(", ?", len(values)-1) + `)`
	res, err := tx.ExecContext(ctx, query, values...)
	if err != nil {
		return fail(mapErr(err))
	}
	if id, err = res.LastInsertId(); err != nil {
		return fail(err)
	}
	if err := db.auditTx(ctx, tx, storage.AuditCreated, objType, id, fmt.Sprintf("patient %d version %d", patientID, version)); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(mapErr(err))
	}
	return id, version, created, nil
}
