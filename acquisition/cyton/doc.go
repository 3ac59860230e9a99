// Package cyton reads the OpenBCI Cyton (8-channel ADS1299) over its USB
// radio dongle, and emulates one for tests and the `myorehab emulate`
// command.
//
// The wire format is the Cyton's 33-byte binary packet (header 0xA0, an
// 8-bit sample counter, eight 24-bit big-endian two's-complement counts,
// six aux bytes, footer 0xC0–0xC6) at 250 packets per second over 115200
// baud 8-N-1; see PROTOCOLS.md section 1. A count is
//
//	µV = count × 4.5 V / gain / (2²³ − 1) × 1e6
//
// which is 0.0223517 µV per count at the default gain of 24.
//
// Decoder is pure (no I/O) and resynchronises on corrupt bytes; Source (from
// Open) is the driver, an acquisition.Source that turns the 8-bit counter
// into a continuous sample index with gaps for lost packets; RunEmulator
// plays the board's side of the link.
//
// Reconnecting: after a cable pull ReadBlock returns an error wrapping
// io.ErrUnexpectedEOF; the same path can be opened again with Open once the
// device is back. The new Source's sample index restarts at 0 (the board
// restarts its counter on every `b`), and an 8-bit counter cannot measure a
// gap of seconds, so a reconnecting wrapper continues the index itself:
// offset = previous End() + round(seconds disconnected × SampleRateHz), adds
// offset to every Start from the new Source, and counts the skipped samples
// as lost.
package cyton
