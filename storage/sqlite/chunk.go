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

// insertChunk stores one chunk; upsertChunk lets the Writer complete a
// partially committed chunk in place.
const (
	insertChunk = `INSERT INTO recording_chunks (session_id, start, n, channels, data) VALUES (?, ?, ?, ?, ?)`
	upsertChunk = insertChunk + ` ON CONFLICT (session_id, start) DO UPDATE SET n = excluded.n, data = excluded.data`
)

// AppendChunk stores the raw counts of samples start … start+n-1 of session
// sessionID, where raw is planar (channel c is raw[c*n:(c+1)*n]) and
// n = len(raw)/channels, and adds n to the session's sample count.
// channels must equal the session's channel count and len(raw) be a
// positive multiple of it (storage.ErrInvalid); the span must not overlap a
// stored chunk (storage.ErrConflict).
func (db *DB) AppendChunk(ctx context.Context, sessionID int64, start uint64, channels int, raw []int32) error {
	if channels <= 0 || len(raw) == 0 || len(raw)%channels != 0 {
		return fmt.Errorf("append chunk to session %d: %w: %d counts for %d channels",
			sessionID, storage.ErrInvalid, len(raw), channels)
	}
	n := len(raw) / channels
	if start > math.MaxInt64-uint64(n) {
		return fmt.Errorf("append chunk to session %d: %w: sample index %d", sessionID, storage.ErrInvalid, start)
	}
	end := int64(start) + int64(n)

	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append chunk to session %d: %w", sessionID, err)
	}
	defer tx.Rollback()
	var want int
	err = tx.QueryRowContext(ctx, `SELECT channels FROM sessions WHERE id = ?`, sessionID).Scan(&want)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("append chunk to session %d: %w", sessionID, storage.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("append chunk to session %d: %w", sessionID, err)
	}
	if want != channels {
		return fmt.Errorf("append chunk to session %d: %w: %d channels, session has %d",
			sessionID, storage.ErrInvalid, channels, want)
	}
	// Stored chunks never overlap, so only the last one starting before
	// end can overlap the new span.
	var prevEnd int64
	err = tx.QueryRowContext(ctx, `SELECT start + n FROM recording_chunks
		WHERE session_id = ? AND start < ? ORDER BY start DESC LIMIT 1`, sessionID, end).Scan(&prevEnd)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("append chunk to session %d: %w", sessionID, err)
	}
	if err == nil && prevEnd > int64(start) {
		return fmt.Errorf("append chunk to session %d: %w: samples %d…%d overlap a stored chunk",
			sessionID, storage.ErrConflict, start, end-1)
	}
	data := make([]byte, 4*len(raw))
	encodeCounts(data, raw)
	if _, err := tx.ExecContext(ctx, insertChunk, sessionID, int64(start), n, channels, data); err != nil {
		return fmt.Errorf("append chunk to session %d: %w", sessionID, mapErr(err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET samples = samples + ? WHERE id = ?`, n, sessionID); err != nil {
		return fmt.Errorf("append chunk to session %d: %w", sessionID, err)
	}
	return tx.Commit()
}

// ReadSamples calls fn for each stored chunk of session sessionID in order
// of sample index, with chans[c] the raw counts of channel c for samples
// start … start+len(chans[c])-1. The slices are reused: they are valid only
// during the call. A gap between chunks is a run of samples never stored.
// It returns storage.ErrNotFound for an unknown session, an error for a
// damaged chunk, and any error from fn (which stops the read).
//
// The chunks are read in one statement, so fn sees one consistent snapshot
// even while a Writer appends to the session.
func (db *DB) ReadSamples(ctx context.Context, sessionID int64, fn func(start uint64, chans [][]int32) error) error {
	var channels int
	err := db.db.QueryRowContext(ctx, `SELECT channels FROM sessions WHERE id = ?`, sessionID).Scan(&channels)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read session %d: %w", sessionID, storage.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read session %d: %w", sessionID, err)
	}
	rows, err := db.db.QueryContext(ctx,
		`SELECT start, n, channels, data FROM recording_chunks WHERE session_id = ? ORDER BY start`, sessionID)
	if err != nil {
		return fmt.Errorf("read session %d: %w", sessionID, err)
	}
	defer rows.Close()
	var (
		buf   []int32
		chans = make([][]int32, channels)
	)
	for rows.Next() {
		var (
			start int64
			n, ch int
			data  sql.RawBytes
		)
		if err := rows.Scan(&start, &n, &ch, &data); err != nil {
			return fmt.Errorf("read session %d: %w", sessionID, err)
		}
		if ch != channels || n <= 0 || start < 0 || len(data) != 4*n*ch {
			return fmt.Errorf("read session %d: damaged chunk at sample %d (%d samples, %d channels, %d bytes)",
				sessionID, start, n, ch, len(data))
		}
		if cap(buf) < n*ch {
			buf = make([]int32, n*ch)
		}
		buf = buf[:n*ch]
		decodeCounts(buf, data)
		for c := range chans {
			chans[c] = buf[c*n : (c+1)*n : (c+1)*n]
		}
		if err := fn(uint64(start), chans); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read session %d: %w", sessionID, err)
	}
	return nil
}

// encodeCounts writes src as little-endian int32 into dst (len 4*len(src)).
func encodeCounts(dst []byte, src []int32) {
	if len(src) == 0 {
		return
	}
	_ = dst[4*len(src)-1]
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], uint32(v))
	}
}

// decodeCounts reads little-endian int32 from src (len 4*len(dst)) into dst.
func decodeCounts(dst []int32, src []byte) {
	if len(dst) == 0 {
		return
	}
	_ = src[4*len(dst)-1]
	for i := range dst {
		dst[i] = int32(binary.LittleEndian.Uint32(src[4*i:]))
	}
}
