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
	// Quality is the live signal quality per channel; nil when not assessed.
	Quality []ChannelQuality
	// Fatigue is the per-channel fatigue trend of the session; nil when
	// not computed.
	Fatigue []FatigueTrend
}

// QualityLevel grades a channel's signal quality for the live view.
type QualityLevel int

// Quality levels: Good (green), Warn (amber), Bad (red: the channel must not
// drive the glove).
const (
	QualityUnknown QualityLevel = iota
	QualityGood
	QualityWarn
	QualityBad
)

// ChannelQuality is the live signal-quality verdict of one channel.
type ChannelQuality struct {
	Level QualityLevel
	// Reason is a short plain-language explanation for the clinician,
	// empty when the signal is good ("Flat signal: electrode off?").
	Reason string
	// OKForControl is false when the channel must not drive the glove.
	OKForControl bool
}

// FatigueTrend is one channel's fatigue analysis of the current session:
// one point per second of signal while the muscle is measured.
type FatigueTrend struct {
	// TSeconds are the start times of the 1 s windows since the stream
	// began; MDFHz their median frequencies; RMSUV their RMS in µV.
	TSeconds, MDFHz, RMSUV []float64
	// SlopeHzPerS is the least-squares MDF slope over the active windows;
	// DeclinePct the MDF decline from the first active windows, in per cent.
	SlopeHzPerS, DeclinePct float64
	// Fatigued is set when the active windows show fatigue.
	Fatigued bool
}
