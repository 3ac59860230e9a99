package service

import (
	"context"
	"time"
)

// Prompt kinds of a calibration.
const (
	PromptBaseline = "baseline" // relaxed rest, for the noise floor
	PromptMVC      = "mvc"      // maximum voluntary contraction of a muscle group
	PromptGesture  = "gesture"  // a gesture the model learns
)

// Prompt is one timed instruction of a calibration: perform Gesture for
// Hold, then relax for Rest.
type Prompt struct {
	// Kind is PromptBaseline, PromptMVC or PromptGesture.
	Kind string
	// Gesture names the gesture ("rest", "power grip", …); for PromptMVC
	// the gesture that contracts Group as hard as possible.
	Gesture string
	// Group is the muscle group of a PromptMVC ("flexors", "extensors").
	Group string
	// Rep is the repetition number, from 1; Reps the number of repetitions.
	Rep, Reps int
	// Hold is how long the gesture is held; Rest the relaxation after it.
	Hold, Rest time.Duration
}

// MVCGroup is a muscle group whose maximum voluntary contraction is
// measured, with the gesture that contracts it.
type MVCGroup struct {
	Name, Gesture string
}

// CalibrationConfig is a calibration protocol; CalibrationService.Defaults
// returns the one the wizard offers, which the therapist may change.
type CalibrationConfig struct {
	// Gestures are the gestures offered, in prompt order; Selected those
	// ticked by default.
	Gestures, Selected []string
	// Reps is the repetitions per gesture; Hold and Rest the hold and
	// relaxation times of each.
	Reps       int
	Hold, Rest time.Duration
	// Baseline is the length of the relaxed rest recording.
	Baseline time.Duration
	// MVC lists the muscle groups measured, MVCReps times each, holding
	// for MVCHold and relaxing for MVCRest.
	MVC              []MVCGroup
	MVCReps          int
	MVCHold, MVCRest time.Duration
	// QuickNote tells the therapist, in plain words, what a quick
	// calibration (one repetition of each gesture) is expected to give;
	// empty when the service offers none.
	QuickNote string
}

// CalibrationProgress is what CalibrationService.Perform is doing.
type CalibrationProgress struct {
	// Active is set while Perform runs.
	Active bool
	// Index is the prompt being performed, from 0; Count the number of
	// prompts of the Perform call.
	Index, Count int
	Prompt       Prompt
	// Resting is set during the relaxation after the hold.
	Resting bool
	// Remaining is the time left of the hold (or of the rest when Resting).
	Remaining time.Duration
	// Done is the fraction of the whole Perform call completed, 0 to 1.
	Done float64
}

// CalibrationResult is a trained model's cross-validated score.
type CalibrationResult struct {
	// Classes are the gestures the model tells apart, in model order.
	Classes []string
	// Accuracy is the leave-one-repetition-out accuracy in [0, 1]; NaN
	// when it could not be measured (Note says why).
	Accuracy float64
	// Recall is the fraction of each class's windows recognised, parallel
	// to Classes (NaN when unknown).
	Recall []float64
	// Confusion[i][j] counts windows of class i decided as class j; nil
	// when unknown.
	Confusion [][]int
	// Windows is the number of labelled analysis windows; Folds the
	// number of cross-validation folds (repetitions).
	Windows, Folds int
	// MVCUV is the maximum voluntary contraction per channel, as RMS of
	// the filtered signal in µV (nil when not measured).
	MVCUV []float64
	// Pipeline describes the front end and model in one line.
	Pipeline string
	// Note is a remark for the therapist, e.g. why Accuracy is NaN.
	Note string
}

// SavedModel is a model stored by CalibrationService.Save.
type SavedModel struct {
	ID      int64
	Version int
	Name    string
	// Accuracy is the cross-validated accuracy, NaN when unknown.
	Accuracy float64
	// MVCUV is the per-channel MVC RMS in µV stored with the model.
	MVCUV []float64
}

// LiveDecision is the latest real-time decision of the model being tried.
type LiveDecision struct {
	// Seq increases with every decision.
	Seq uint64
	// Class is the decided gesture, "" when the decision was rejected
	// (confidence below the threshold).
	Class string
	// Confidence is the top class probability, 0 to 1; Level the
	// proportional output (contraction level), 0 to 1.
	Confidence, Level float64
	// TComp is the computation time of the decision, TTrans the time the
	// newest sample spent in transit (device to pipeline), TSync the wait
	// for the window to fill (half the increment on average).
	TComp, TTrans, TSync time.Duration
}

// CalibrationService records a patient's calibration, trains and saves a
// gesture model, and runs it live. Blocking methods are called off the Fyne
// goroutine; Progress and Decision are cheap and safe from any goroutine.
type CalibrationService interface {
	// Defaults returns the protocol the wizard starts from.
	Defaults() CalibrationConfig
	// Begin starts a calibration session (a recording of type
	// calibration) of patient patientID on the streaming device and
	// returns its ID. With redo false a new calibration starts and earlier
	// sessions are forgotten; with redo true the session's gesture prompts
	// replace the earlier ones of the same gestures.
	Begin(ctx context.Context, patientID int64, redo bool) (sessionID int64, err error)
	// AddRepetitions starts a session of the current calibration whose
	// gesture repetitions add to those recorded so far (e.g. after a quick
	// calibration of one repetition) instead of replacing them.
	AddRepetitions(ctx context.Context, patientID int64) (sessionID int64, err error)
	// Perform prompts each of prompts in turn (the simulated patient, if
	// connected, follows them) and records them as annotations of the
	// session. It returns when all are done, ctx is cancelled or the
	// device stops streaming.
	Perform(ctx context.Context, prompts []Prompt) error
	// Progress returns what Perform is doing.
	Progress() CalibrationProgress
	// End stops the calibration session's recording.
	End(ctx context.Context) error
	// Train trains a model on the gestures recorded so far and
	// cross-validates it, calling progress (from any goroutine) with the
	// fraction done.
	Train(ctx context.Context, progress func(done float64)) (*CalibrationResult, error)
	// Save stores the last trained model as the patient's next version
	// under name.
	Save(ctx context.Context, name string) (*SavedModel, error)
	// StartTrial runs the saved model on the live stream; Decision then
	// returns the latest decision (false before the first) until
	// StopTrial.
	StartTrial(ctx context.Context) error
	Decision() (LiveDecision, bool)
	StopTrial()
}
