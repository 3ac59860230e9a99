package bitalino

import (
	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
)

// Device constants.
const (
	// MaxChannels is the number of analog inputs A1–A6.
	MaxChannels = 6
	// DefaultVCC is the sensor supply in volts; DefaultGain the
	// (r)evolution EMG sensor gain ([mem]).
	DefaultVCC, DefaultGain = 3.3, 1009.0
	// DefaultRateHz is the rate Open asks for by default.
	DefaultRateHz = 1000
	// Baud is the serial rate.
	Baud = 115200
)

// Commands.
const (
	CmdStop    = 0x00
	CmdVersion = 0x07
)

// crcTable is the CRC-4 (x⁴+x+1) table of the official API.
var crcTable = [16]byte{0, 3, 6, 5, 12, 15, 10, 9, 11, 8, 13, 14, 7, 4, 1, 2}

// CRC4 returns the CRC-4 of frame f (the low nibble of its last byte is
// ignored), as the official API computes it.
func CRC4(f []byte) byte {
	crc := byte(0)
	for _, b := range f[:len(f)-1] {
		crc = crcTable[crc] ^ (b >> 4)
		crc = crcTable[crc] ^ (b & 0x0F)
	}
	crc = crcTable[crc] ^ (f[len(f)-1] >> 4)
	return crcTable[crc]
}

// FrameSize returns the frame length in bytes for n acquired channels
// (1–6). It panics for other n.
func FrameSize(n int) int {
	if n < 1 || n > MaxChannels {
		panic("bitalino: channel count outside 1–6")
	}
	if n >= 3 && n <= 5 {
		return n + 3
	}
	return n + 2
}

// Bits returns the resolution of acquired slot i (0-based): 10 for the
// first four, 6 for the fifth and sixth.
func Bits(i int) int {
	if i < 4 {
		return 10
	}
	return 6
}

// RateCommand returns the sampling-rate command for 1, 10, 100 or 1000
// Hz, and false for any other rate.
func RateCommand(hz int) (byte, bool) {
	for i, r := range [4]int{1, 10, 100, 1000} {
		if r == hz {
			return byte(i)<<6 | 0x03, true
		}
	}
	return 0, false
}

// StartCommand returns the live-acquisition start command for the analog
// inputs (1–6, i.e. A1–A6). It panics on an input outside 1–6.
func StartCommand(inputs []int) byte {
	var m byte
	for _, a := range inputs {
		if a < 1 || a > MaxChannels {
			panic("bitalino: analog input outside A1–A6")
		}
		m |= 1 << (a + 1)
	}
	return m | 0x01
}

// Frame is one decoded frame.
type Frame struct {
	// Seq is the 4-bit sequence number.
	Seq uint8
	// Digital holds the four digital bits I1 I2 O1 O2 in bits 3..0.
	Digital uint8
	// ADC holds the acquired channels' unsigned codes (10 or 6 bits), in
	// slot order; only the first n are meaningful.
	ADC [MaxChannels]uint16
}

// AppendFrame appends the n-channel wire form of f to dst, computing the
// CRC. It panics if a code exceeds its slot's resolution or n is outside
// 1–6.
func AppendFrame(dst []byte, f *Frame, n int) []byte {
	size := FrameSize(n)
	for i := range n {
		if f.ADC[i] >= 1<<Bits(i) {
			panic("bitalino: ADC code exceeds its resolution")
		}
	}
	at := len(dst)
	for range size {
		dst = append(dst, 0)
	}
	b := dst[at:]
	a := f.ADC
	N := size
	set := func(k int, v byte) {
		if k >= 0 {
			b[k] |= v
		}
	}
	set(N-2, (f.Digital&0x0F)<<4|byte(a[0]>>6))
	set(N-3, byte(a[0]&0x3F)<<2|byte(a[1]>>8))
	set(N-4, byte(a[1]))
	set(N-5, byte(a[2]>>2))
	set(N-6, byte(a[2]&3)<<6|byte(a[3]>>4))
	set(N-7, byte(a[3]&0x0F)<<4|byte(a[4]>>2))
	set(N-8, byte(a[4]&3)<<6|byte(a[5]))
	b[N-1] = f.Seq << 4
	b[N-1] |= CRC4(b)
	return dst
}

// parse decodes frame b (len = FrameSize(n)) as the official API does.
func parse(f *Frame, b []byte, n int) {
	N := len(b)
	f.Seq = b[N-1] >> 4
	f.Digital = b[N-2] >> 4
	f.ADC = [MaxChannels]uint16{}
	f.ADC[0] = uint16(b[N-2]&0x0F)<<6 | uint16(b[N-3])>>2
	if n > 1 {
		f.ADC[1] = uint16(b[N-3]&0x03)<<8 | uint16(b[N-4])
	}
	if n > 2 {
		f.ADC[2] = uint16(b[N-5])<<2 | uint16(b[N-6])>>6
	}
	if n > 3 {
		f.ADC[3] = uint16(b[N-6]&0x3F)<<4 | uint16(b[N-7])>>4
	}
	if n > 4 {
		f.ADC[4] = uint16(b[N-7]&0x0F)<<2 | uint16(b[N-8])>>6
	}
	if n > 5 {
		f.ADC[5] = uint16(b[N-8] & 0x3F)
	}
}

// Decoder finds and checks frames of n channels in a byte stream (see the
// package doc for the acceptance rule). Make one with NewDecoder.
type Decoder struct {
	// CorruptPackets counts resynchronisations (runs of rejected bytes).
	CorruptPackets uint64
	// SkippedBytes counts bytes discarded.
	SkippedBytes uint64

	n, size  int
	skipping bool
	inSync   bool // the previous frame was accepted and ended here
	lastSeq  uint8
}

var (
	_ acquisition.Decoder = (*Decoder)(nil)
	_ link.FrameDecoder   = (*Decoder)(nil)
)

// NewDecoder returns a Decoder for frames of n channels (1–6). It panics
// for other n.
func NewDecoder(n int) *Decoder { return &Decoder{n: n, size: FrameSize(n)} }

// Reset clears counters and state.
func (d *Decoder) Reset() { *d = Decoder{n: d.n, size: d.size} }

func (d *Decoder) skip() {
	d.SkippedBytes++
	d.inSync = false
	if !d.skipping {
		d.CorruptPackets++
		d.skipping = true
	}
}

// next returns the start of the next accepted frame in p[i:] (ok), or
// where decoding must wait for more bytes.
func (d *Decoder) next(p []byte, i int, atEOF bool) (int, bool) {
	N := d.size
	for len(p)-i >= N {
		f := p[i : i+N]
		if CRC4(f) != f[N-1]&0x0F {
			d.skip()
			i++
			continue
		}
		seq := f[N-1] >> 4
		if d.inSync && seq == (d.lastSeq+1)&0x0F {
			return i, true
		}
		if len(p)-i < 2*N {
			if atEOF {
				return i, true
			}
			return i, false
		}
		g := p[i+N : i+2*N]
		if CRC4(g) == g[N-1]&0x0F && g[N-1]>>4 == (seq+1)&0x0F {
			return i, true
		}
		d.skip()
		i++
	}
	return i, false
}

// take parses the accepted frame b into f and follows its sequence.
func (d *Decoder) take(f *Frame, b []byte) {
	parse(f, b, d.n)
	d.accept(b)
}

func (d *Decoder) accept(f []byte) {
	d.skipping = false
	d.inSync = true
	d.lastSeq = f[len(f)-1] >> 4
}

// DecodeFrames decodes frames from p into dst and returns the number
// written and bytes consumed (consumed ≤ len(p)). With atEOF false a
// frame that needs lookahead waits for the next frame's bytes; a partial
// frame is never consumed. It does not allocate.
func (d *Decoder) DecodeFrames(dst []link.Frame, p []byte, atEOF bool) (n, consumed int) {
	var f Frame
	return link.Scan(p, len(dst), d.size, atEOF, d.next, func(n, i int) {
		d.take(&f, p[i:i+d.size])
		dst[n].Seq = uint32(f.Seq)
		for c := range d.n {
			dst[n].Counts[c] = int32(f.ADC[c]) - 1<<(Bits(c)-1)
		}
	})
}

// DecodeRaw decodes frames into dst (Frame values, codes as sent).
// atEOF as for DecodeFrames. It does not allocate.
func (d *Decoder) DecodeRaw(dst []Frame, p []byte, atEOF bool) (n, consumed int) {
	return link.Scan(p, len(dst), d.size, atEOF, d.next, func(n, i int) { d.take(&dst[n], p[i:i+d.size]) })
}

// Counters returns CorruptPackets and SkippedBytes.
func (d *Decoder) Counters() (corrupt, skipped uint64) { return d.CorruptPackets, d.SkippedBytes }

// Decode implements acquisition.Decoder: n centred counts (ADC − 2^(b−1))
// per frame, channel-interleaved; a frame ending p is accepted without
// lookahead. It does not allocate.
func (d *Decoder) Decode(dst []int32, p []byte) (samples, consumed int) {
	var f Frame
	return link.Scan(p, len(dst)/d.n, d.size, true, d.next, func(n, i int) {
		d.take(&f, p[i:i+d.size])
		for c := range d.n {
			dst[n*d.n+c] = int32(f.ADC[c]) - 1<<(Bits(c)-1)
		}
	})
}

// ScaleUV returns the µV per centred count of a b-bit slot for the EMG
// sensor at supply vcc volts and gain g: vcc / (g × 2^b) × 1e6.
func ScaleUV(b int, vcc, g float64) float64 {
	return vcc / (g * float64(int(1)<<b)) * 1e6
}
