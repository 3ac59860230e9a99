// Package acquisition owns every byte that crosses a serial port: the Source
// interface that amplifier drivers, the simulator and replay sources implement,
// the Block of samples they produce, the block Pool and the Reader that moves
// blocks from a Source to its consumers without ever blocking on them.
//
// Units: samples are float64 microvolts (µV) beside the raw integer counts the
// device sent; rates are in hertz; sample indices count from the start of the
// stream, and a gap in the index is a run of lost samples, never closed silently.
package acquisition
