// Package recognition is MyoRehab's gesture-recognition front end, shared by
// calibration, the evaluate command and the live decision path: a Spec
// describes the whole chain (filter, window, increment, features and their
// parameters, model family, INT8 quantisation, rejection threshold,
// majority vote), and a trained Pipeline keeps that Spec next to the model
// it was trained with, so a model never runs behind the wrong front end.
//
// Recordings (planar samples with labelled Segments, e.g. from EDF+
// annotations) are cut into windows on the grid k·Increment from the start
// of the recording; a window lying entirely inside one labelled segment
// takes its label, the others are skipped. Train fits a Pipeline to
// training recordings, Evaluate scores it on a test recording (accuracy,
// balanced accuracy, per-class recall and precision, confusion matrix), and
// Pipeline.NewDecider builds the allocation-free real-time path
// (pipeline.Decider) with the same front end. TrainAdapted trains a short
// calibration (FirstRepetitions) starting from other people's recordings:
// their LDA statistics moved toward the patient's (processing/adapt).
//
// Default returns the product's default pipeline, chosen by measurement on
// the 3DC data set for accuracy; Control the glove loop's front end,
// chosen there for accuracy within the onset → glove latency budget (see
// docs/recognition.md); HudginsLDA the classic baseline. Windows and
// increments are given in milliseconds or samples; Spec.At converts them
// at the stream's sampling rate.
package recognition
