package pipeline

import (
	"time"

	"myorehab/acquisition"
)

// Snapshot is an immutable view of the live stream for the UI. The pipeline
// publishes a new one at most about 30 times a second through an
// atomic.Pointer; readers must not modify it.
type Snapshot struct {
	// Seq increases with every published snapshot.
	Seq uint64
	// Info describes the stream the snapshot belongs to.
	Info acquisition.StreamInfo
	// End is the index one past the newest sample shown.
	End uint64
	// Published is the host time at which the snapshot was made.
	Published time.Time
	// SpanSeconds is the time covered by the traces.
	SpanSeconds float64
	// BinSamples is how many samples each trace point summarises.
	BinSamples int
	// Raw and Filtered hold, per channel, a min/max envelope of the last
	// SpanSeconds: point i covers samples [End-(n-i)·BinSamples, …), and
	// Min[c][i] ≤ Max[c][i], in µV. Oldest first; len is the same for all
	// channels and may be shorter than the span at the start of a stream.
	RawMin, RawMax           [][]float32
	FilteredMin, FilteredMax [][]float32
	// RMSUV is the RMS of the filtered signal over the last 200 ms, per
	// channel, in µV.
	RMSUV []float64
}
