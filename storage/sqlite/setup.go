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

// SaveChannelSetup stores c as patient c.PatientID's next set-up version
// and fills c.ID, c.Version and c.CreatedAt. c.Channels must not be empty
// and gains must be finite and not negative (storage.ErrInvalid); the
// patient must exist (storage.ErrNotFound). The change is audited.
func (db *DB) SaveChannelSetup(ctx context.Context, c *storage.ChannelSetup) error {
	if len(c.Channels) == 0 {
		return fmt.Errorf("save channel set-up: %w: no channels", storage.ErrInvalid)
	}
	for i, ch := range c.Channels {
		if !(ch.Gain >= 0) || math.IsInf(ch.Gain, 0) {
			return fmt.Errorf("save channel set-up: %w: channel %d gain %v", storage.ErrInvalid, i+1, ch.Gain)
		}
	}
	chans, err := json.Marshal(c.Channels)
	if err != nil {
		return fmt.Errorf("save channel set-up: %w", err)
	}
	id, version, created, err := db.saveVersion(ctx, "channel set-up", "channel_setups", storage.ObjectChannelSetup, c.PatientID,
		[]string{"device", "channels"}, c.Device, string(chans))
	if err != nil {
		return err
	}
	c.ID, c.Version, c.CreatedAt = id, version, created
	return nil
}

// LatestChannelSetup returns patient patientID's newest channel set-up, or
// storage.ErrNotFound when none was saved.
func (db *DB) LatestChannelSetup(ctx context.Context, patientID int64) (*storage.ChannelSetup, error) {
	var (
		c              storage.ChannelSetup
		chans, created string
	)
	err := db.db.QueryRowContext(ctx, `SELECT id, patient_id, version, device, channels, created_at
		FROM channel_setups WHERE patient_id = ? ORDER BY version DESC LIMIT 1`, patientID).
		Scan(&c.ID, &c.PatientID, &c.Version, &c.Device, &chans, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("channel set-up of patient %d: %w", patientID, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("channel set-up of patient %d: %w", patientID, err)
	}
	if c.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("channel set-up of patient %d: %w", patientID, err)
	}
	if err := json.Unmarshal([]byte(chans), &c.Channels); err != nil {
		return nil, fmt.Errorf("channel set-up of patient %d: %w", patientID, err)
	}
	return &c, nil
}
