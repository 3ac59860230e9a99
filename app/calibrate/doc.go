// Package calibrate is the calibration of a patient's gesture model: the
// protocol (rest baseline, MVC holds, prompted gestures) performed through
// the prompt runner (app/script) and recorded as annotated calibration
// sessions, leave-one-repetition-out training and cross-validation, the
// per-channel MVC, the versioned model codec stored with the patient, and
// the "try it" decider that runs a model on the live stream as one of the
// engine's consumers. It implements service.CalibrationService.
package calibrate
