// Package pipeline is the real-time chain over acquisition.Blocks. Live
// conditions the stream for display (filter, min/max envelopes, RMS) and
// publishes immutable Snapshots for the UI through an atomic pointer; it is
// owned by one goroutine and allocates only when it publishes (at most
// about 30 times a second), never per sample or per block.
package pipeline
