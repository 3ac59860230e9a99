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
	// TwoAccuracyAdapted is with a second repetition added, still started
	// from the other participants.
	TwoAccuracyAdapted = 0.89
	// FullAccuracy is with four repetitions of each gesture.
	FullAccuracy = 0.92
)

// maxBaseSessions bounds the other patients' calibration sessions a quick
// calibration starts from (the most recent ones), which bounds its
// training time.
const maxBaseSessions = 20

// crossUserBase returns the starting point of a calibration with few
// repetitions (recognition.QuickAdaptation): the gesture holds of other
// patients' completed calibration sessions in the database recorded with
// the same channel count and rate as like that hold every one of the
// patient's gestures (at most maxBaseSessions, the most recent), and the
// number of patients they come from. With none it returns nothing: the
// model is then the patient's own.
func (c *Calibration) crossUserBase(ctx context.Context, like *storage.Session, gestures []string) ([]recognition.Recording, int) {
	sessions, err := c.db.ListSessions(ctx, storage.SessionFilter{Status: storage.StatusCompleted})
	if err != nil {
		c.log.Warn("calibration: listing other patients' sessions", "err", err)
		return nil, 0
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
	if len(base) > 0 {
		c.log.Info("calibration: cross-user start", "sessions", len(base), "patients", len(patients))
	}
	return base, len(patients)
}

// allIn reports whether every gesture is in have.
func allIn(gestures []string, have map[string]bool) bool {
	return !slices.ContainsFunc(gestures, func(g string) bool { return !have[g] })
}

// quickNoteOf is the training note of a quick calibration (one repetition
// of each gesture) started from sessions calibrations of patients other
// patients (0: none, the patient's own model).
func quickNoteOf(sessions, patients int) string {
	if sessions == 0 {
		return fmt.Sprintf("Quick calibration: no other patient's calibration with these gestures and this amplifier is in the database, "+
			"so the model learnt from this patient's single repetition only (expect about %.0f %% of movements recognised; about %.0f %% after four repetitions). "+
			"Add repetitions to improve it.", 100*QuickAccuracyAlone, 100*FullAccuracy)
	}
	return fmt.Sprintf("Quick calibration: %s, adapted to this patient's repetition (expect about %.0f %% of movements recognised; "+
		"about %.0f %% with one more repetition). Add repetitions to improve it.", startedFrom(sessions, patients), 100*QuickAccuracyAdapted, 100*TwoAccuracyAdapted)
}

// startNote is the training note of a calibration with more than one
// repetition started from other patients' calibrations ("" when none).
func startNote(sessions, patients int) string {
	if sessions == 0 {
		return ""
	}
	return "With this few repetitions " + startedFrom(sessions, patients) + "."
}

// startedFrom says where the model started.
func startedFrom(sessions, patients int) string {
	return fmt.Sprintf("the model started from %d calibration(s) of %d other patient(s) with the same gestures and amplifier", sessions, patients)
}
