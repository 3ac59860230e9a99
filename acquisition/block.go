package acquisition

import (
	"errors"
	"time"
)

// Block is a run of consecutive samples for all channels of a stream.
//
// Data and Raw are planar with a fixed stride of Cap samples per channel:
// channel c occupies Data[c*Cap : c*Cap+Len]. Data holds microvolts (µV),
// Raw the integer counts the device sent (µV = Raw × StreamInfo.ScaleUV[c]).
// A Block's capacity never changes after NewBlock, so blocks can be recycled
// through a Pool without allocating.
type Block struct {
	// Start is the index of the first sample since the stream started.
	// Blocks from one stream have strictly increasing Start; when
	// Start > previous Start+previous Len, the samples in between were lost.
	Start uint64
	// Channels is the number of channels; Cap the capacity per channel;
	// Len the number of valid samples per channel (0 ≤ Len ≤ Cap).
	Channels, Cap, Len int
	// Data holds Channels×Cap samples in µV, planar.
	Data []float64
	// Raw holds Channels×Cap raw device counts, planar, same layout as Data.
	Raw []int32
	// Received is the host's monotonic time at which the last sample of
	// the block was read from the device (used for the latency budget).
	Received time.Time
}

// NewBlock returns a Block for channels channels with room for capacity
// samples per channel. It panics if either is not positive.
func NewBlock(channels, capacity int) *Block {
	if channels <= 0 || capacity <= 0 {
		panic("acquisition: non-positive block size")
	}
	return &Block{
		Channels: channels,
		Cap:      capacity,
		Data:     make([]float64, channels*capacity),
		Raw:      make([]int32, channels*capacity),
	}
}

// Chan returns the µV samples of channel c (length Len). The slice aliases the block.
func (b *Block) Chan(c int) []float64 {
	return b.Data[c*b.Cap : c*b.Cap+b.Len]
}

// RawChan returns the raw counts of channel c (length Len). The slice aliases the block.
func (b *Block) RawChan(c int) []int32 {
	return b.Raw[c*b.Cap : c*b.Cap+b.Len]
}

// End returns the index one past the block's last sample.
func (b *Block) End() uint64 { return b.Start + uint64(b.Len) }

// Reset empties the block (Len = 0) and keeps its capacity.
func (b *Block) Reset() {
	b.Start, b.Len, b.Received = 0, 0, time.Time{}
}

// CopyFrom copies src's header and valid samples into b. It panics if the
// channel counts differ or src.Len exceeds b.Cap. It does not allocate.
func (b *Block) CopyFrom(src *Block) {
	if src.Channels != b.Channels || src.Len > b.Cap {
		panic("acquisition: block shape mismatch")
	}
	b.Start, b.Len, b.Received = src.Start, src.Len, src.Received
	for c := 0; c < b.Channels; c++ {
		copy(b.Data[c*b.Cap:c*b.Cap+src.Len], src.Data[c*src.Cap:c*src.Cap+src.Len])
		copy(b.Raw[c*b.Cap:c*b.Cap+src.Len], src.Raw[c*src.Cap:c*src.Cap+src.Len])
	}
}

// StreamInfo describes a stream. It is fixed once a Source is open.
type StreamInfo struct {
	// Device is a human-readable device name, e.g. "OpenBCI Cyton".
	Device string
	// Protocol is the wire protocol name as used on the command line
	// ("cyton", "sim", …).
	Protocol string
	// Port is the serial port path, empty for non-serial sources.
	Port string
	// Channels is the number of EMG channels.
	Channels int
	// Labels names each channel (muscle or electrode site); len == Channels.
	Labels []string
	// SampleRateHz is the nominal sampling rate in hertz.
	SampleRateHz float64
	// ScaleUV is the size of one raw count in microvolts, per channel.
	ScaleUV []float64
	// ResolutionBits is the ADC resolution in bits (24 for the Cyton).
	ResolutionBits int
}

// Clone returns a deep copy of the StreamInfo.
func (s StreamInfo) Clone() StreamInfo {
	s.Labels = append([]string(nil), s.Labels...)
	s.ScaleUV = append([]float64(nil), s.ScaleUV...)
	return s
}

// Source is a stream of EMG samples: an amplifier driver, the simulator or a
// file replay.
type Source interface {
	// Info describes the stream; fixed after the source is opened.
	Info() StreamInfo
	// ReadBlock blocks until it has filled dst with dst.Cap consecutive
	// samples, or fewer when the next sample is not consecutive (a gap:
	// lost samples) or the source is closing. It sets dst.Start, dst.Len
	// and dst.Received. dst.Channels must equal Info().Channels.
	// It returns ErrClosed after Close, and io.ErrUnexpectedEOF (wrapped)
	// when the device disappears (cable pulled).
	ReadBlock(dst *Block) error
	// Close releases the device. It is idempotent, safe from any
	// goroutine, and unblocks a pending ReadBlock.
	Close() error
}

// Stats are the running counters of a source. All counts are samples
// unless named otherwise.
type Stats struct {
	// Samples is the number of samples delivered to the caller.
	Samples uint64
	// Lost counts samples the device sent that never arrived intact,
	// computed from sample counters or sequence numbers.
	Lost uint64
	// CorruptPackets counts packets or frames rejected by the decoder.
	CorruptPackets uint64
	// SkippedBytes counts bytes discarded while resynchronising.
	SkippedBytes uint64
	// Reconnects counts successful reopenings after the device disappeared.
	Reconnects int
	// ReconnectSeconds lists, for each reconnect, the seconds from losing
	// the device to streaming again.
	ReconnectSeconds []float64
}

// StatSource is implemented by sources that keep Stats. Stats is safe to
// call from any goroutine.
type StatSource interface {
	Stats() Stats
}

// ErrClosed is returned by ReadBlock after Close.
var ErrClosed = errors.New("acquisition: source closed")

// Decoder turns wire bytes into samples. Implementations are pure (no I/O)
// and are fuzzed.
type Decoder interface {
	// Decode decodes as many complete samples from p as fit in dst
	// (channel-interleaved counts, Channels values per sample). It returns
	// the number of samples written and bytes consumed; consumed ≤ len(p),
	// and bytes of a partial packet at the end of p are left unconsumed.
	// Garbage is skipped (and counted by the decoder), so a call on
	// len(p) ≥ one packet of garbage always makes progress.
	Decode(dst []int32, p []byte) (samples, consumed int)
}

// Generator produces signal sample by sample: each call to Next writes the
// next sample of every channel, in microvolts, into dst (len == channels).
// The simulator implements it; emulators quantise its output to their
// protocol's counts.
type Generator interface {
	Next(dstUV []float64)
}
