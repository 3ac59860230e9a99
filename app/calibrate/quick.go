package calibrate

import (
	"context"
	"fmt"
	"slices"

	"myorehab/processing/recognition"
	"myorehab/storage"
)

// Expected test-session accuracy of a calibration with one repetition of
// each gesture, measured on the 3DC data set (8 people, 11 gestures,
// docs/recognition.md "Short calibration"), for the wizard and the
// training note.
const (
	// QuickAccuracyAdapted is with the cross-user start from the other
	// participants.
	QuickAccuracyAdapted = 0.79
	// QuickAccuracyAlone is from the patient's own repetition only.
	QuickAccuracyAlone = 0.77
	// FullAccuracy is with four repetitions of each gesture.
	FullAccuracy = 0.92
)

// maxBaseSessions bounds the other patients' calibration sessions a quick
// calibration starts from (the most recent ones), which bounds its
// training time.
const maxBaseSessions = 20

// crossUserBase returns the starting point of a quick calibration (one
// repetition of each gesture) of the session like: the gesture holds of
// other patients' completed calibration sessions in the database recorded
// with the same channel count and rate that hold every one of the
// patient's gestures (at most maxBaseSessions, the most recent), with a
// note for the therapist saying what was used. With none it returns no
// recordings and a note saying the model is the patient's own.
func (c *Calibration) crossUserBase(ctx context.Context, like *storage.Session, gestures []string) ([]recognition.Recording, string) {
	alone := quickAloneNote()
	sessions, err := c.db.ListSessions(ctx, storage.SessionFilter{Status: storage.StatusCompleted})
	if err != nil {
		c.log.Warn("quick calibration: listing sessions", "err", err)
		return nil, alone
	}
	var base []recognition.Recording
	patients := map[int64]bool{}
	for _, s := range sessions {
		if len(base) == maxBaseSessions {
			break
		}
		if s.Type != storage.SessionCalibration || s.PatientID == 0 || s.PatientID == like.PatientID ||
			s.Channels != like.Channels || s.RateHz != like.RateHz {
			continue
		}
		d, err := loadCalibration(ctx, c, s.ID)
		if err != nil || len(d.channels) == 0 || len(d.channels[0]) == 0 {
			continue
		}
		recs := recordings([]*calData{d}, gestureSegments([]*calData{d}), func(labelled) bool { return true })
		if len(recs) == 0 {
			continue
		}
		have := map[string]bool{}
		for _, g := range recs[0].Segments {
			have[g.Label] = true
		}
		if !allIn(gestures, have) {
			continue
		}
		base = append(base, recs[0])
		patients[s.PatientID] = true
	}
	if len(base) == 0 {
		return nil, alone
	}
	c.log.Info("quick calibration: cross-user start", "sessions", len(base), "patients", len(patients))
	return base, fmt.Sprintf("Quick calibration: the model started from %d calibration(s) of %d other patient(s) with the same gestures and amplifier, "+
		"adapted to this patient's repetition (expect about %.0f %% of movements recognised; about %.0f %% after four repetitions). "+
		"Add repetitions to improve it.", len(base), len(patients), 100*QuickAccuracyAdapted, 100*FullAccuracy)
}

// allIn reports whether every gesture is in have.
func allIn(gestures []string, have map[string]bool) bool {
	return !slices.ContainsFunc(gestures, func(g string) bool { return !have[g] })
}

// quickAloneNote is the training note of a quick calibration without a
// cross-user start.
func quickAloneNote() string {
	return fmt.Sprintf("Quick calibration: no other patient's calibration with these gestures and this amplifier is in the database, "+
		"so the model learnt from this patient's single repetition only (expect about %.0f %% of movements recognised; about %.0f %% after four repetitions). "+
		"Add repetitions to improve it.", 100*QuickAccuracyAlone, 100*FullAccuracy)
}
