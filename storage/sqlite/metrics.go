package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"myorehab/storage"
)

// AddMetrics stores one second of session sessionID's per-channel metrics
// (RMS in µV, MDF in Hz; NaN for no value) and adds them to the session's
// running means, in one transaction. len(m.RMS) and len(m.MDF) must equal
// the session's channel count, values must be NaN or finite and not
// negative, and m.Second not negative (storage.ErrInvalid); the session
// must exist (storage.ErrNotFound) and the second not be stored yet
// (storage.ErrConflict). The app calls it about once per second per
// recording session.
func (db *DB) AddMetrics(ctx context.Context, sessionID int64, m *storage.SecondMetrics) error {
	if m.Second < 0 {
		return fmt.Errorf("add metrics to session %d: %w: second %d", sessionID, storage.ErrInvalid, m.Second)
	}
	if len(m.RMS) != len(m.MDF) {
		return fmt.Errorf("add metrics to session %d: %w: %d RMS and %d MDF values",
			sessionID, storage.ErrInvalid, len(m.RMS), len(m.MDF))
	}
	for _, vs := range [][]float64{m.RMS, m.MDF} {
		for c, v := range vs {
			if !math.IsNaN(v) && !(v >= 0 && !math.IsInf(v, 1)) {
				return fmt.Errorf("add metrics to session %d: %w: channel %d value %v",
					sessionID, storage.ErrInvalid, c+1, v)
			}
		}
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("add metrics to session %d: %w", sessionID, mapErr(err))
	}
	defer tx.Rollback()
	var channels int
	err = tx.QueryRowContext(ctx, `SELECT channels FROM sessions WHERE id = ?`, sessionID).Scan(&channels)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("add metrics to session %d: %w", sessionID, storage.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add metrics to session %d: %w", sessionID, err)
	}
	if len(m.RMS) != channels {
		return fmt.Errorf("add metrics to session %d: %w: %d values for %d channels",
			sessionID, storage.ErrInvalid, len(m.RMS), channels)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO session_metrics (session_id, second, rms, mdf) VALUES (?, ?, ?, ?)`,
		sessionID, m.Second, encodeFloat32s(m.RMS), encodeFloat32s(m.MDF)); err != nil {
		return fmt.Errorf("add metrics to session %d second %d: %w", sessionID, m.Second, mapErr(err))
	}
	var buf []byte
	err = tx.QueryRowContext(ctx, `SELECT acc FROM session_metric_sums WHERE session_id = ?`, sessionID).Scan(&buf)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("add metrics to session %d: %w", sessionID, err)
	}
	acc := make([]float64, 4*channels)
	if err == nil {
		if len(buf) != 8*len(acc) {
			return fmt.Errorf("add metrics to session %d: damaged metric sums (%d bytes)", sessionID, len(buf))
		}
		decodeFloat64s(acc, buf)
	}
	for c := range channels {
		if v := m.RMS[c]; !math.IsNaN(v) {
			acc[c] += v
			acc[channels+c]++
		}
		if v := m.MDF[c]; !math.IsNaN(v) {
			acc[2*channels+c] += v
			acc[3*channels+c]++
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO session_metric_sums (session_id, seconds, channels, acc)
		VALUES (?, 1, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET seconds = seconds + 1, acc = excluded.acc`,
		sessionID, channels, encodeFloat64s(acc)); err != nil {
		return fmt.Errorf("add metrics to session %d: %w", sessionID, mapErr(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("add metrics to session %d: %w", sessionID, mapErr(err))
	}
	return nil
}

// SessionMetrics returns session sessionID's per-second metrics in order of
// second (none for an unknown session). Values are stored as float32.
func (db *DB) SessionMetrics(ctx context.Context, sessionID int64) ([]storage.SecondMetrics, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT second, rms, mdf FROM session_metrics
		WHERE session_id = ? ORDER BY second`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("metrics of session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var ms []storage.SecondMetrics
	for rows.Next() {
		var (
			m        storage.SecondMetrics
			rms, mdf sql.RawBytes
		)
		if err := rows.Scan(&m.Second, &rms, &mdf); err != nil {
			return nil, fmt.Errorf("metrics of session %d: %w", sessionID, err)
		}
		if len(rms)%4 != 0 || len(rms) != len(mdf) {
			return nil, fmt.Errorf("metrics of session %d: damaged second %d", sessionID, m.Second)
		}
		m.RMS = decodeFloat32s(rms)
		m.MDF = decodeFloat32s(mdf)
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("metrics of session %d: %w", sessionID, err)
	}
	return ms, nil
}

// SessionSummaries returns the sessions matching f, newest first (as
// ListSessions), each with the mean of its per-second metrics. It reads one
// row per session, so a patient's history stays fast however long the
// sessions are.
func (db *DB) SessionSummaries(ctx context.Context, f storage.SessionFilter) ([]*storage.SessionSummary, error) {
	rows, err := db.querySessions(ctx, `, COALESCE(m.seconds, 0), COALESCE(m.channels, 0), m.acc`,
		` LEFT JOIN session_metric_sums m ON m.session_id = s.id`, f)
	if err != nil {
		return nil, fmt.Errorf("session summaries: %w", err)
	}
	defer rows.Close()
	var out []*storage.SessionSummary
	for rows.Next() {
		var (
			sum      storage.SessionSummary
			channels int
			acc      []byte
		)
		s, err := scanSession(rows, &sum.Seconds, &channels, &acc)
		if err != nil {
			return nil, fmt.Errorf("session summaries: %w", err)
		}
		sum.Session = s
		if sum.Seconds > 0 {
			if channels <= 0 || len(acc) != 32*channels {
				return nil, fmt.Errorf("session summaries: session %d: damaged metric sums", s.ID)
			}
			sum.MeanRMS, sum.MeanMDF = means(acc, channels)
		}
		out = append(out, &sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("session summaries: %w", err)
	}
	return out, nil
}

// means returns the per-channel means from an acc blob (see the
// session_metric_sums table).
func means(buf []byte, channels int) (rms, mdf []float64) {
	acc := make([]float64, 4*channels)
	decodeFloat64s(acc, buf)
	out := make([]float64, 2*channels)
	for c := range channels {
		out[c] = acc[c] / acc[channels+c]                       // NaN when 0/0
		out[channels+c] = acc[2*channels+c] / acc[3*channels+c] // NaN when 0/0
	}
	return out[:channels:channels], out[channels:]
}

func encodeFloat32s(v []float64) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(x)))
	}
	return b
}

func decodeFloat32s(b []byte) []float64 {
	v := make([]float64, len(b)/4)
	for i := range v {
		v[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return v
}

func encodeFloat64s(v []float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// decodeFloat64s reads len(dst) little-endian float64 from b.
func decodeFloat64s(dst []float64, b []byte) {
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
}
