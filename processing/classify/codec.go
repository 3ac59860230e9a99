package classify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Binary format: every model starts with the 4-byte magic "MYOC", a
// little-endian uint16 format version (currently 1) and the Kind byte,
// followed by the kind's fields in little-endian order. Slices are stored
// as a uint32 length and their elements (float64 as IEEE-754 bits).
const (
	magic         = "MYOC"
	formatVersion = 1
	headerLen     = len(magic) + 3
)

// ErrFormat is returned (wrapped) by Unmarshal for data that is not a valid
// model.
var ErrFormat = errors.New("classify: bad model data")

// Marshal encodes m in the versioned binary format.
func Marshal(m Model) ([]byte, error) { return m.MarshalBinary() }

// Unmarshal decodes a model written by Marshal. Decoded models predict
// exactly like the originals.
func Unmarshal(b []byte) (Model, error) {
	if len(b) < headerLen || string(b[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: missing header", ErrFormat)
	}
	if v := binary.LittleEndian.Uint16(b[len(magic):]); v != formatVersion {
		return nil, fmt.Errorf("%w: unsupported format version %d (want %d)", ErrFormat, v, formatVersion)
	}
	var m interface {
		Model
		UnmarshalBinary([]byte) error
	}
	switch k := Kind(b[headerLen-1]); k {
	case KindLDA:
		m = new(LDA)
	case KindQDA:
		m = new(QDA)
	case KindKNN:
		m = new(KNN)
	case KindLinearSVM:
		m = new(LinearSVM)
	case KindRBFSVM:
		m = new(RBFSVM)
	case KindForest:
		m = new(Forest)
	case KindMLP:
		m = new(MLP)
	case KindCNN:
		m = new(CNN)
	default:
		return nil, fmt.Errorf("%w: unknown model kind %d", ErrFormat, uint8(k))
	}
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return m, nil
}

type encoder struct{ b []byte }

func newEncoder(k Kind) *encoder {
	e := &encoder{b: make([]byte, 0, 256)}
	e.b = append(e.b, magic...)
	e.b = binary.LittleEndian.AppendUint16(e.b, formatVersion)
	e.b = append(e.b, byte(k))
	return e
}

func (e *encoder) u32(v int) { e.b = binary.LittleEndian.AppendUint32(e.b, uint32(v)) }

func (e *encoder) f64(v float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }

func (e *encoder) f64s(v []float64) {
	e.u32(len(v))
	for _, x := range v {
		e.f64(x)
	}
}

func (e *encoder) i32s(v []int32) {
	e.u32(len(v))
	for _, x := range v {
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(x))
	}
}

// decoder reads what encoder wrote; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func newDecoder(b []byte, k Kind) *decoder {
	d := &decoder{b: b}
	if len(b) < headerLen || string(b[:len(magic)]) != magic {
		d.err = fmt.Errorf("%w: missing header", ErrFormat)
		return d
	}
	if v := binary.LittleEndian.Uint16(b[len(magic):]); v != formatVersion {
		d.err = fmt.Errorf("%w: unsupported format version %d", ErrFormat, v)
		return d
	}
	if got := Kind(b[headerLen-1]); got != k {
		d.err = fmt.Errorf("%w: model kind is %v, want %v", ErrFormat, got, k)
		return d
	}
	d.b = b[headerLen:]
	return d
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
	}
}

// u32 reads a count and checks it is at most limit.
func (d *decoder) u32(limit int) int {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 4 {
		d.fail("truncated")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	if uint64(v) > uint64(limit) {
		d.fail("count %d exceeds %d", v, limit)
		return 0
	}
	return int(v)
}

func (d *decoder) f64() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail("truncated")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.fail("non-finite value")
		return 0
	}
	return v
}

// f64s reads a slice whose length must be want (any when want < 0).
func (d *decoder) f64s(want int) []float64 {
	n := d.u32(len(d.b) / 8)
	if d.err != nil {
		return nil
	}
	if want >= 0 && n != want {
		d.fail("slice length %d, want %d", n, want)
		return nil
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = d.f64()
	}
	return v
}

// i32s reads a slice whose length must be want (any when want < 0).
func (d *decoder) i32s(want int) []int32 {
	n := d.u32(len(d.b) / 4)
	if d.err != nil {
		return nil
	}
	if want >= 0 && n != want {
		d.fail("slice length %d, want %d", n, want)
		return nil
	}
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(binary.LittleEndian.Uint32(d.b[4*i:]))
	}
	d.b = d.b[4*n:]
	return v
}

// finish reports trailing bytes or the first error.
func (d *decoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return d.err
}

// maxDim bounds every dimension read from model data so that hostile input
// cannot request huge allocations before the length checks.
const maxDim = 1 << 24

// dims reads n counts each in [1, maxDim].
func (d *decoder) dim() int {
	v := d.u32(maxDim)
	if d.err == nil && v == 0 {
		d.fail("zero dimension")
	}
	return v
}

// prod multiplies dimensions, failing when the product exceeds the
// remaining data (each element needs at least minBytes).
func (d *decoder) prod(minBytes int, dims ...int) int {
	p := 1
	for _, v := range dims {
		if v <= 0 || p > (len(d.b)/minBytes)/v+1 {
			d.fail("dimensions too large for data")
			return 0
		}
		p *= v
	}
	return p
}

func (e *encoder) scaler(s scaler) {
	e.f64s(s.Mean)
	e.f64s(s.InvStd)
}

func (d *decoder) scaler(n int) scaler {
	s := scaler{Mean: d.f64s(n), InvStd: d.f64s(n)}
	return s
}
