package processing

import "myorehab/acquisition"

// Stage is one step of block processing (a filter chain, a re-referencing,
// …). State lives inside the implementation; one goroutine owns it.
type Stage interface {
	// Process writes the processed src into dst. dst and src must have the
	// same Channels and dst.Cap ≥ src.Len; dst may be src. Process copies
	// Start, Len and Received and must not allocate.
	Process(dst, src *acquisition.Block)
	// Reset clears the state (as at the start of a stream) and keeps capacity.
	Reset()
}
