// Package condition prepares EMG for recognition and display: z-score
// normalisation with statistics stored per patient, the moving-window RMS
// envelope, the linear envelope (full-wave rectification and a Butterworth
// low-pass) and a signal-to-noise estimate.
//
// The streaming types (ZScore, RMSEnvelope, LinearEnvelope) follow the
// processing Stage contract: Process(dst, src *acquisition.Block) works per
// block, keeps its state between blocks (the output does not depend on how
// the stream is cut), may run in place and does not allocate. Amplitudes
// keep the unit of the input (µV for acquisition blocks).
package condition
