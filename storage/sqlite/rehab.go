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

// SaveRehabPlan stores p as patient p.PatientID's next plan version and
// fills p.ID, p.Version and p.CreatedAt. p.JSON must be valid JSON
// (storage.ErrInvalid); the patient must exist (storage.ErrNotFound). The
// creation is audited.
func (db *DB) SaveRehabPlan(ctx context.Context, p *storage.RehabPlan) error {
	if !json.Valid(p.JSON) {
		return fmt.Errorf("save plan: %w: not JSON", storage.ErrInvalid)
	}
	id, version, created, err := db.saveVersion(ctx, "plan", "rehab_plans", storage.ObjectRehabPlan, p.PatientID,
		[]string{"name", "plan"}, p.Name, string(p.JSON))
	if err != nil {
		return err
	}
	p.ID, p.Version, p.CreatedAt = id, version, created
	return nil
}

const planCols = `id, patient_id, version, name, plan, created_at`

func scanPlan(row interface{ Scan(...any) error }) (*storage.RehabPlan, error) {
	var (
		p             storage.RehabPlan
		text, created string
	)
	if err := row.Scan(&p.ID, &p.PatientID, &p.Version, &p.Name, &text, &created); err != nil {
		return nil, err
	}
	p.JSON = []byte(text)
	var err error
	p.CreatedAt, err = parseTime(created)
	return &p, err
}

// LatestRehabPlan returns patient patientID's newest plan, or
// storage.ErrNotFound when none was saved.
func (db *DB) LatestRehabPlan(ctx context.Context, patientID int64) (*storage.RehabPlan, error) {
	p, err := scanPlan(db.db.QueryRowContext(ctx, `SELECT `+planCols+` FROM rehab_plans
		WHERE patient_id = ? ORDER BY version DESC LIMIT 1`, patientID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("plan of patient %d: %w", patientID, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("plan of patient %d: %w", patientID, err)
	}
	return p, nil
}

// RehabPlan returns plan id, or storage.ErrNotFound.
func (db *DB) RehabPlan(ctx context.Context, id int64) (*storage.RehabPlan, error) {
	p, err := scanPlan(db.db.QueryRowContext(ctx, `SELECT `+planCols+` FROM rehab_plans WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("plan %d: %w", id, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("plan %d: %w", id, err)
	}
	return p, nil
}

// ListRehabPlans returns every version of patient patientID's plans,
// oldest first.
func (db *DB) ListRehabPlans(ctx context.Context, patientID int64) ([]*storage.RehabPlan, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+planCols+` FROM rehab_plans WHERE patient_id = ? ORDER BY version`, patientID)
	if err != nil {
		return nil, fmt.Errorf("plans of patient %d: %w", patientID, err)
	}
	defer rows.Close()
	var out []*storage.RehabPlan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, fmt.Errorf("plans of patient %d: %w", patientID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// nullFloat stores NaN as NULL.
func nullFloat(v float64) sql.NullFloat64 {
	if math.IsNaN(v) {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: v, Valid: true}
}

func fromNull(v sql.NullFloat64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SaveRehabSession stores what guided session s.SessionID adds to its
// recording (plan version, counts, summary) and its repetitions, in one
// transaction; saving again replaces both. The session must exist
// (storage.ErrNotFound).
func (db *DB) SaveRehabSession(ctx context.Context, s *storage.RehabSession, reps []*storage.RehabRep) error {
	summary := s.Summary
	if len(summary) == 0 {
		summary = []byte("{}")
	}
	if !json.Valid(summary) {
		return fmt.Errorf("save rehab session: %w: summary is not JSON", storage.ErrInvalid)
	}
	created := db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save rehab session %d: %w", s.SessionID, mapErr(err))
	}
	defer tx.Rollback()
	var plan sql.NullInt64
	if s.PlanID != 0 {
		plan = sql.NullInt64{Int64: s.PlanID, Valid: true}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM rehab_reps WHERE session_id = ?`, s.SessionID); err != nil {
		return fmt.Errorf("save rehab session %d: %w", s.SessionID, mapErr(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO rehab_sessions
		(session_id, plan_id, plan_version, plan_name, planned_reps, completed_reps, summary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.SessionID, plan, s.PlanVersion, s.PlanName, s.PlannedReps, s.CompletedReps, string(summary), formatTime(created)); err != nil {
		return fmt.Errorf("save rehab session %d: %w", s.SessionID, mapErr(err))
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO rehab_reps (session_id, exercise_index, exercise, kind, set_no, rep,
		cue_sample, hold_samples, target_low_pct, target_high_pct, gesture, time_in_band_s, hold_s, peak_mvc_pct, mean_mvc_pct,
		onset_delay_s, cci_pct, classifier_accuracy, glove_range_pct, assist_mode, assist_level, success, skipped, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("save rehab session %d: %w", s.SessionID, err)
	}
	defer stmt.Close()
	for _, r := range reps {
		res, err := stmt.ExecContext(ctx, s.SessionID, r.ExerciseIndex, r.Exercise, r.Kind, r.Set, r.Rep,
			r.CueSample, r.HoldSamples, r.TargetLowPct, r.TargetHighPct, r.Gesture, r.TimeInBandS, r.HoldS, r.PeakMVCPct, r.MeanMVCPct,
			nullFloat(r.OnsetDelayS), nullFloat(r.CCIPct), nullFloat(r.ClassifierAccuracy), nullFloat(r.GloveRangePct),
			r.AssistMode, r.AssistLevel, boolInt(r.Success), boolInt(r.Skipped), r.Note)
		if err != nil {
			return fmt.Errorf("save rehab session %d: rep %s %d/%d: %w", s.SessionID, r.Exercise, r.Set, r.Rep, mapErr(err))
		}
		r.ID, _ = res.LastInsertId()
		r.SessionID = s.SessionID
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save rehab session %d: %w", s.SessionID, mapErr(err))
	}
	s.CreatedAt = created
	return nil
}

// RehabSessionOf returns what guided session sessionID added to its
// recording, or storage.ErrNotFound.
func (db *DB) RehabSessionOf(ctx context.Context, sessionID int64) (*storage.RehabSession, error) {
	var (
		s                storage.RehabSession
		plan             sql.NullInt64
		summary, created string
	)
	err := db.db.QueryRowContext(ctx, `SELECT session_id, plan_id, plan_version, plan_name, planned_reps, completed_reps, summary, created_at
		FROM rehab_sessions WHERE session_id = ?`, sessionID).
		Scan(&s.SessionID, &plan, &s.PlanVersion, &s.PlanName, &s.PlannedReps, &s.CompletedReps, &summary, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("rehab session %d: %w", sessionID, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("rehab session %d: %w", sessionID, err)
	}
	s.PlanID, s.Summary = plan.Int64, []byte(summary)
	if s.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("rehab session %d: %w", sessionID, err)
	}
	return &s, nil
}

// RehabReps returns the repetitions of guided session sessionID in plan
// order (exercise, set, rep).
func (db *DB) RehabReps(ctx context.Context, sessionID int64) ([]*storage.RehabRep, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, session_id, exercise_index, exercise, kind, set_no, rep,
		cue_sample, hold_samples, target_low_pct, target_high_pct, gesture, time_in_band_s, hold_s, peak_mvc_pct, mean_mvc_pct,
		onset_delay_s, cci_pct, classifier_accuracy, glove_range_pct, assist_mode, assist_level, success, skipped, note
		FROM rehab_reps WHERE session_id = ? ORDER BY exercise_index, set_no, rep, id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("reps of session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var out []*storage.RehabRep
	for rows.Next() {
		var (
			r                  storage.RehabRep
			onset, cci, acc, g sql.NullFloat64
			success, skipped   int
		)
		if err := rows.Scan(&r.ID, &r.SessionID, &r.ExerciseIndex, &r.Exercise, &r.Kind, &r.Set, &r.Rep,
			&r.CueSample, &r.HoldSamples, &r.TargetLowPct, &r.TargetHighPct, &r.Gesture, &r.TimeInBandS, &r.HoldS, &r.PeakMVCPct, &r.MeanMVCPct,
			&onset, &cci, &acc, &g, &r.AssistMode, &r.AssistLevel, &success, &skipped, &r.Note); err != nil {
			return nil, fmt.Errorf("reps of session %d: %w", sessionID, err)
		}
		r.OnsetDelayS, r.CCIPct, r.ClassifierAccuracy, r.GloveRangePct = fromNull(onset), fromNull(cci), fromNull(acc), fromNull(g)
		r.Success, r.Skipped = success == 1, skipped == 1
		out = append(out, &r)
	}
	return out, rows.Err()
}

// SaveMVC stores m as patient m.PatientID's newest MVC and fills m.ID and
// m.CreatedAt (kept when set: a dated history). Labels and MVCUV must have
// one entry per channel and every MVC be positive (storage.ErrInvalid).
// The creation is audited.
func (db *DB) SaveMVC(ctx context.Context, m *storage.MVCMeasurement) error {
	if len(m.MVCUV) == 0 || len(m.Labels) != len(m.MVCUV) {
		return fmt.Errorf("save MVC: %w: %d labels for %d channels", storage.ErrInvalid, len(m.Labels), len(m.MVCUV))
	}
	for i, v := range m.MVCUV {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("save MVC: %w: channel %s: %v µV", storage.ErrInvalid, m.Labels[i], v)
		}
	}
	labels, _ := json.Marshal(m.Labels)
	uv, _ := json.Marshal(m.MVCUV)
	created := m.CreatedAt
	if created.IsZero() {
		created = db.now()
	}
	var session sql.NullInt64
	if m.SessionID != 0 {
		session = sql.NullInt64{Int64: m.SessionID, Valid: true}
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save MVC: %w", mapErr(err))
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO mvc_measurements (patient_id, session_id, source, labels, mvc_uv, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, m.PatientID, session, m.Source, string(labels), string(uv), formatTime(created))
	if err != nil {
		return fmt.Errorf("save MVC of patient %d: %w", m.PatientID, mapErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("save MVC of patient %d: %w", m.PatientID, err)
	}
	if err := db.auditTx(ctx, tx, storage.AuditCreated, storage.ObjectMVC, id, fmt.Sprintf("patient %d (%s)", m.PatientID, m.Source)); err != nil {
		return fmt.Errorf("save MVC of patient %d: %w", m.PatientID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save MVC of patient %d: %w", m.PatientID, mapErr(err))
	}
	m.ID, m.CreatedAt = id, created.UTC()
	return nil
}

// LatestMVC returns patient patientID's newest MVC measurement, or
// storage.ErrNotFound when none was saved.
func (db *DB) LatestMVC(ctx context.Context, patientID int64) (*storage.MVCMeasurement, error) {
	var (
		m                   storage.MVCMeasurement
		session             sql.NullInt64
		labels, uv, created string
	)
	err := db.db.QueryRowContext(ctx, `SELECT id, patient_id, session_id, source, labels, mvc_uv, created_at
		FROM mvc_measurements WHERE patient_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`, patientID).
		Scan(&m.ID, &m.PatientID, &session, &m.Source, &labels, &uv, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("MVC of patient %d: %w", patientID, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("MVC of patient %d: %w", patientID, err)
	}
	m.SessionID = session.Int64
	if err := errors.Join(json.Unmarshal([]byte(labels), &m.Labels), json.Unmarshal([]byte(uv), &m.MVCUV)); err != nil {
		return nil, fmt.Errorf("MVC of patient %d: %w", patientID, err)
	}
	if m.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("MVC of patient %d: %w", patientID, err)
	}
	return &m, nil
}

// RedateSession moves session id to start at started and end at ended
// (a dated synthetic history: demo-history); storage.ErrNotFound when it
// does not exist.
func (db *DB) RedateSession(ctx context.Context, id int64, started, ended time.Time) error {
	res, err := db.db.ExecContext(ctx, `UPDATE sessions SET started_at = ?, ended_at = ? WHERE id = ?`,
		formatTime(started), formatTime(ended), id)
	if err != nil {
		return fmt.Errorf("redate session %d: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("redate session %d: %w", id, storage.ErrNotFound)
	}
	return nil
}
