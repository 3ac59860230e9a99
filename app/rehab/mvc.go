package rehab

import (
	"context"
	"errors"
	"fmt"

	"myorehab/app/calibrate"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// ErrNoMVC is wrapped by the error of a %MVC exercise for a patient whose
// MVC was never measured.
var ErrNoMVC = errors.New("no MVC measured")

// PatientMVC returns the patient's own newest MVC: the newer of the last
// MVC measurement (rehab sessions' MVC holds, mvc_measurements) and the
// MVC stored with the last calibration model (calibrate.ModelExtra).
// storage.ErrNotFound (wrapped with ErrNoMVC) when neither exists.
func PatientMVC(ctx context.Context, db *sqlite.DB, patientID int64) (*storage.MVCMeasurement, error) {
	var best *storage.MVCMeasurement
	m, err := db.LatestMVC(ctx, patientID)
	switch {
	case err == nil:
		best = m
	case !errors.Is(err, storage.ErrNotFound):
		return nil, err
	}
	model, err := db.LatestModel(ctx, patientID)
	switch {
	case err == nil:
		if _, uv, perr := calibrate.PipelineOf(model); perr == nil && len(uv) > 0 && len(uv) == len(model.Meta.Channels) &&
			(best == nil || model.CreatedAt.After(best.CreatedAt)) {
			best = &storage.MVCMeasurement{PatientID: patientID, SessionID: model.SessionID, Source: "calibration",
				Labels: model.Meta.Channels, MVCUV: uv, CreatedAt: model.CreatedAt}
		}
	case !errors.Is(err, storage.ErrNotFound):
		return nil, err
	}
	if best == nil {
		return nil, fmt.Errorf("patient %d: %w: %w", patientID, ErrNoMVC, storage.ErrNotFound)
	}
	return best, nil
}

// MVCFor returns mvc's per-channel values in the order of the stream's
// labels (storage.MVCMeasurement.For).
func MVCFor(mvc *storage.MVCMeasurement, labels []string) []float64 { return mvc.For(labels) }
