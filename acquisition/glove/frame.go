package glove

import "errors"

// Frame layout constants of the glove link v1 (PROTOCOLS.md §6.4).
const (
	// Sync0 and Sync1 start every frame.
	Sync0, Sync1 = 0xAA, 0x55
	// Version is the protocol version byte this package speaks.
	Version = 1
	// MaxPayload is the largest payload length N, in bytes.
	MaxPayload = 64
	// HeaderLen is the length of sync, version, type, seq and N, in bytes.
	HeaderLen = 6
	// CRCLen is the length of the trailing CRC, in bytes.
	CRCLen = 2
	// MaxFrameLen is the longest frame on the wire, in bytes (72).
	MaxFrameLen = HeaderLen + MaxPayload + CRCLen
)

// crcTable is the byte-wise table of CRC-16/CCITT-FALSE (poly 0x1021). It
// is computed once and never written after.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRCInit is the initial value of CRC-16/CCITT-FALSE.
const CRCInit = 0xFFFF

// UpdateCRC continues a CRC-16/CCITT-FALSE (poly 0x1021, not reflected,
// no final xor) over p; start from CRCInit.
func UpdateCRC(crc uint16, p []byte) uint16 {
	for _, b := range p {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^b]
	}
	return crc
}

// CRC16 returns the CRC-16/CCITT-FALSE of p; CRC16([]byte("123456789"))
// is 0x29B1.
func CRC16(p []byte) uint16 { return UpdateCRC(CRCInit, p) }

// Frame is one decoded frame. It holds its payload inline, so decoding
// into a Frame does not allocate.
type Frame struct {
	// Type is the message type.
	Type Type
	// Seq is the sequence byte: the host's command counter, or the seq the
	// glove answers.
	Seq uint8
	// N is the payload length in bytes, 0..MaxPayload.
	N uint8
	// Payload holds the payload in its first N bytes.
	Payload [MaxPayload]byte
}

// Data returns the payload, f.Payload[:f.N]. It aliases f.
func (f *Frame) Data() []byte { return f.Payload[:f.N] }

// AppendFrame appends the wire form of a frame (sync, version, typ, seq,
// len(payload), payload, CRC little-endian) to dst and returns the
// extended slice. It panics if len(payload) > MaxPayload.
func AppendFrame(dst []byte, typ Type, seq uint8, payload []byte) []byte {
	if len(payload) > MaxPayload {
		panic("glove: payload longer than 64 bytes")
	}
	at := len(dst)
	dst = append(dst, Sync0, Sync1, Version, byte(typ), seq, byte(len(payload)))
	dst = append(dst, payload...)
	crc := CRC16(dst[at+2:])
	return append(dst, byte(crc), byte(crc>>8))
}

// Errors Decode reports for a dropped frame. They are never wrapped by
// Decode, so callers compare with ==.
var (
	// ErrBadCRC: the frame's CRC does not match its bytes.
	ErrBadCRC = errors.New("glove: frame CRC mismatch")
	// ErrBadVersion: the version byte is not 1.
	ErrBadVersion = errors.New("glove: unsupported protocol version")
	// ErrBadLength: the payload length byte is over 64.
	ErrBadLength = errors.New("glove: payload length over 64")
)

// DecoderStats counts what a Decoder has seen.
type DecoderStats struct {
	// Frames is the number of good frames decoded.
	Frames uint64
	// BadCRC, BadVersion and BadLength count dropped frames by cause.
	BadCRC, BadVersion, BadLength uint64
	// Skipped is the number of bytes dropped while looking for 0xAA 0x55,
	// including the sync bytes of dropped frames.
	Skipped uint64
}

// Errors returns the number of dropped frames, of all causes.
func (s DecoderStats) Errors() uint64 { return s.BadCRC + s.BadVersion + s.BadLength }

// Decoder decodes glove link v1 frames from a byte stream. It is pure (no
// I/O), does not allocate, and resynchronises after garbage or a bad frame
// by dropping bytes up to the next 0xAA 0x55. The zero value is ready to
// use; a Decoder only keeps counters, so a caller may switch streams by
// calling Reset.
type Decoder struct {
	stats DecoderStats
}

// Stats returns the counters.
func (d *Decoder) Stats() DecoderStats { return d.stats }

// Reset zeroes the counters.
func (d *Decoder) Reset() { d.stats = DecoderStats{} }

// Decode looks for the first frame in p. It returns:
//   - ok true, err nil: a good frame is in dst; consumed covers it and any
//     garbage before it;
//   - ok false, err one of ErrBadCRC, ErrBadVersion, ErrBadLength: a frame
//     was dropped; dst holds its Type and Seq bytes as received (N is 0),
//     for a NACK, and must not be acted on; consumed ≥ 1 moves past its sync so the next call resumes the
//     search;
//   - ok false, err nil: no complete frame yet; consumed counts garbage
//     dropped (everything but a trailing 0xAA when no sync is in p); the
//     caller keeps p[consumed:] and calls again with more bytes.
//
// consumed ≤ len(p) always. A frame never spans two calls unless the
// caller keeps the unconsumed bytes.
func (d *Decoder) Decode(dst *Frame, p []byte) (ok bool, consumed int, err error) {
	i := 0
	for ; i+1 < len(p); i++ {
		if p[i] == Sync0 && p[i+1] == Sync1 {
			break
		}
	}
	if i+1 >= len(p) {
		// No sync: keep a trailing 0xAA, which may start one.
		if len(p) > 0 && p[len(p)-1] == Sync0 {
			i = len(p) - 1
		} else {
			i = len(p)
		}
		d.stats.Skipped += uint64(i)
		return false, i, nil
	}
	d.stats.Skipped += uint64(i)
	f := p[i:]
	if len(f) < HeaderLen {
		return false, i, nil
	}
	dst.Type, dst.Seq, dst.N = Type(f[3]), f[4], 0
	if f[2] != Version {
		d.stats.BadVersion++
		d.stats.Skipped += 2
		return false, i + 2, ErrBadVersion
	}
	n := int(f[5])
	if n > MaxPayload {
		d.stats.BadLength++
		d.stats.Skipped += 2
		return false, i + 2, ErrBadLength
	}
	end := HeaderLen + n + CRCLen
	if len(f) < end {
		return false, i, nil
	}
	got := uint16(f[end-2]) | uint16(f[end-1])<<8
	if CRC16(f[2:end-2]) != got {
		d.stats.BadCRC++
		d.stats.Skipped += 2
		return false, i + 2, ErrBadCRC
	}
	dst.N = uint8(n)
	copy(dst.Payload[:], f[HeaderLen:HeaderLen+n])
	d.stats.Frames++
	return true, i + end, nil
}
