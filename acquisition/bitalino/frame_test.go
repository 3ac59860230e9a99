package bitalino

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

func TestCRCTable(t *testing.T) {
	t.Parallel()
	// crcTable[i] is (i·x⁴) mod (x⁴+x+1), by long division.
	for i := range 16 {
		v := i << 4
		for bit := 7; bit >= 4; bit-- {
			if v>>bit&1 == 1 {
				v ^= 0b10011 << (bit - 4)
			}
		}
		if byte(v) != crcTable[i] {
			t.Errorf("crcTable[%d] = %d, want %d", i, crcTable[i], v)
		}
	}
}

func TestFrameSize(t *testing.T) {
	t.Parallel()
	for n, want := range []int{0, 3, 4, 6, 7, 8, 8} {
		if n > 0 && FrameSize(n) != want {
			t.Errorf("FrameSize(%d) = %d, want %d", n, FrameSize(n), want)
		}
	}
}

// Hand-built frames (bytes worked out with the official API's formulas).
var golden = []struct {
	name  string
	n     int
	wire  []byte
	frame Frame
}{
	{"six channels", 6, []byte{0x95, 0x1a, 0x80, 0xaa, 0x55, 0xfd, 0xaf, 0x92},
		Frame{Seq: 9, Digital: 0b1010, ADC: [6]uint16{0x3FF, 0x155, 0x2AA, 0x001, 0x2A, 0x15}}},
	{"one channel mid-scale", 1, []byte{0x00, 0x08, 0x0e}, Frame{Seq: 0, ADC: [6]uint16{512}}},
}

func TestDecodeGolden(t *testing.T) {
	t.Parallel()
	for _, g := range golden {
		t.Run(g.name, func(t *testing.T) {
			if CRC4(g.wire) != g.wire[len(g.wire)-1]&0x0F {
				t.Fatalf("CRC4 = %x, frame says %x", CRC4(g.wire), g.wire[len(g.wire)-1]&0x0F)
			}
			d := NewDecoder(g.n)
			var f [2]Frame
			n, used := d.DecodeRaw(f[:], g.wire, true)
			if n != 1 || used != len(g.wire) || f[0] != g.frame {
				t.Fatalf("DecodeRaw = %d, %d, %+v; want %+v", n, used, f[0], g.frame)
			}
			if got := AppendFrame(nil, &g.frame, g.n); !bytes.Equal(got, g.wire) {
				t.Errorf("AppendFrame = % x, want % x", got, g.wire)
			}
			dst := make([]int32, g.n)
			d.Reset()
			if s, _ := d.Decode(dst, g.wire); s != 1 || dst[0] != int32(g.frame.ADC[0])-512 {
				t.Errorf("Decode = %d, %v", s, dst)
			}
		})
	}
}

func TestScale(t *testing.T) {
	t.Parallel()
	// 10 bits: 3.3 V / (1009 × 1024) = 3.194 µV; full scale ±1.635 mV.
	s := ScaleUV(10, DefaultVCC, DefaultGain)
	if math.Abs(s-3.3/1009/1024*1e6) > 1e-12 || math.Abs(s*512-1635.3) > 0.1 {
		t.Errorf("ScaleUV(10) = %g µV", s)
	}
	// The PROTOCOLS.md formula mV = (ADC/2^n − 1/2) × VCC/G × 1000.
	for _, adc := range []int{0, 100, 512, 1023} {
		mV := (float64(adc)/1024 - 0.5) * 3.3 / 1009 * 1000
		if got := float64(adc-512) * s / 1000; math.Abs(got-mV) > 1e-12 {
			t.Errorf("ADC %d: %g mV, formula %g", adc, got, mV)
		}
	}
	if c, ok := RateCommand(1000); !ok || c != 0xC3 {
		t.Errorf("RateCommand(1000) = %x", c)
	}
	if StartCommand([]int{1, 2, 3, 4, 5, 6}) != 0xFD {
		t.Errorf("StartCommand(all) = %x", StartCommand([]int{1, 2, 3, 4, 5, 6}))
	}
}

func stream(n, ch int, first uint8, rng *rand.Rand) []byte {
	var out []byte
	for i := range n {
		f := Frame{Seq: (first + uint8(i)) & 0x0F, Digital: uint8(rng.IntN(16))}
		for c := range ch {
			f.ADC[c] = uint16(rng.IntN(1 << Bits(c)))
		}
		out = AppendFrame(out, &f, ch)
	}
	return out
}

// refDecode restates the acceptance rule position by position.
func refDecode(p []byte, n int, atEOF bool) (fs []Frame, consumed int, corrupt, skipped uint64) {
	N := FrameSize(n)
	valid := func(i int) bool { return i+N <= len(p) && CRC4(p[i:i+N]) == p[i+N-1]&0x0F }
	seq := func(i int) uint8 { return p[i+N-1] >> 4 }
	inSync, skipping := false, false
	var last uint8
	i := 0
	for i+N <= len(p) {
		accept, wait := false, false
		if valid(i) {
			switch {
			case inSync && seq(i) == (last+1)&15:
				accept = true
			case i+2*N > len(p):
				accept, wait = atEOF, !atEOF
			default:
				accept = valid(i+N) && seq(i+N) == (seq(i)+1)&15
			}
		}
		if wait {
			break
		}
		if !accept {
			skipped++
			inSync = false
			if !skipping {
				corrupt++
				skipping = true
			}
			i++
			continue
		}
		var f Frame
		parse(&f, p[i:i+N], n)
		fs = append(fs, f)
		last, inSync, skipping = seq(i), true, false
		i += N
	}
	return fs, i, corrupt, skipped
}

func checkReference(t *testing.T, p []byte, n int, atEOF bool) {
	t.Helper()
	want, wantUsed, wantC, wantS := refDecode(p, n, atEOF)
	d := NewDecoder(n)
	got := make([]Frame, len(p)+1)
	k, used := d.DecodeRaw(got, p, atEOF)
	if used > len(p) || k != len(want) || used != wantUsed {
		t.Fatalf("decoded %d frames / %d bytes, reference %d / %d (len %d)", k, used, len(want), wantUsed, len(p))
	}
	for i := range k {
		if got[i] != want[i] {
			t.Fatalf("frame %d = %+v, reference %+v", i, got[i], want[i])
		}
	}
	if d.CorruptPackets != wantC || d.SkippedBytes != wantS {
		t.Fatalf("corrupt/skipped %d/%d, reference %d/%d", d.CorruptPackets, d.SkippedBytes, wantC, wantS)
	}
}

func TestDecodeCases(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	clean := stream(5, 6, 14, rng) // sequence wraps 14, 15, 0, 1, 2
	badCRC := append([]byte(nil), clean...)
	badCRC[2*8+3] ^= 0x40 // frame 2, a data byte
	jump := append(stream(2, 6, 0, rng), stream(2, 6, 5, rng)...)
	lone := append(stream(2, 6, 0, rng), stream(1, 6, 9, rng)...)
	lone = append(lone, stream(2, 6, 2, rng)...)
	for _, test := range []struct {
		name    string
		p       []byte
		atEOF   bool
		frames  int
		corrupt uint64
	}{
		{"clean with wrap", clean, true, 5, 0},
		{"clean, in sync needs no lookahead", clean, false, 5, 0},
		{"crc error drops one frame", badCRC, true, 4, 1},
		{"confirmed sequence jump kept", jump, true, 4, 0},
		{"lone wrong sequence dropped", lone, true, 4, 1},
		{"garbage prefix", append([]byte{1, 2, 3}, clean...), true, 5, 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			d := NewDecoder(6)
			fs := make([]Frame, 10)
			n, _ := d.DecodeRaw(fs, test.p, test.atEOF)
			if n != test.frames || d.CorruptPackets != test.corrupt {
				t.Errorf("%d frames, %d corrupt; want %d, %d", n, d.CorruptPackets, test.frames, test.corrupt)
			}
			checkReference(t, test.p, 6, test.atEOF)
		})
	}
}

func TestDecodeRandomCorruption(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	for k := range 300 {
		n := 1 + k%6
		p := stream(30, n, uint8(rng.IntN(16)), rng)
		for i := range p {
			if rng.Float64() < 0.02 {
				p[i] ^= byte(1 + rng.IntN(255))
			}
		}
		checkReference(t, p, n, rng.IntN(2) == 0)
	}
}

func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 1))
	for n := 1; n <= 6; n++ {
		f.Add(stream(3, n, 0, rng), uint8(n), true)
	}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(6), false)
	f.Fuzz(func(t *testing.T, p []byte, n uint8, atEOF bool) {
		ch := 1 + int(n)%6
		checkReference(t, p, ch, atEOF)
		d := NewDecoder(ch)
		dst := make([]int32, ch*(len(p)+1))
		s, used := d.Decode(dst, p)
		if used > len(p) || s*FrameSize(ch) > used {
			t.Fatalf("Decode = %d samples, %d of %d bytes", s, used, len(p))
		}
		if len(p) >= FrameSize(ch) && used == 0 {
			t.Fatalf("no progress on %d bytes", len(p))
		}
		for c := range s * ch {
			if b := Bits(c % ch); dst[c] < -1<<(b-1) || dst[c] >= 1<<(b-1) {
				t.Fatalf("count %d outside %d bits", dst[c], b)
			}
		}
	})
}

func TestDecodeNoAllocs(t *testing.T) {
	p := stream(100, 6, 0, rand.New(rand.NewPCG(1, 1)))
	d := NewDecoder(6)
	dst := make([]int32, 600)
	if a := testing.AllocsPerRun(100, func() { d.Reset(); d.Decode(dst, p) }); a != 0 {
		t.Errorf("Decode allocates %g times", a)
	}
}

// BenchmarkDecode: the line carries 11.52 kB/s at 115200 baud, so 100× is
// 1.15 MB/s.
func BenchmarkDecode(b *testing.B) {
	p := stream(1000, 6, 0, rand.New(rand.NewPCG(1, 1)))
	d := NewDecoder(6)
	dst := make([]int32, 6000)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		d.Decode(dst, p)
	}
}

func BenchmarkDecodeGarbage(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	p := make([]byte, 8000)
	for i := range p {
		p[i] = byte(rng.IntN(256))
	}
	d := NewDecoder(6)
	dst := make([]int32, 6000)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(dst, p)
	}
}
