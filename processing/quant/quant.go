package quant

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"myorehab/processing/classify"
)

// Layer is one quantised dense layer. Real values are recovered as
//
//	w = WScale[o]·W[o·In+i],  in = InScale·(q − InZero),  b = InScale·WScale[o]·Bias[o],
//
// and, for hidden layers, out = OutScale·(q − OutZero).
type Layer struct {
	In, Out  int
	W        []int8    // Out×In row-major
	WScale   []float32 // per output channel
	Bias     []int32
	InScale  float32
	InZero   int8
	OutScale float32 // hidden layers only
	OutZero  int8    // hidden layers only

	// Derived at construction: zero-point correction, requantisation
	// multipliers (hidden) or dequantisation factors (last layer).
	wsum  []int32
	mult  []int32
	shift []int32
	deq   []float64
}

// Model is an INT8 feed-forward classifier made by Quantize. Infer and
// Predict do not allocate and are not safe for concurrent use.
type Model struct {
	In, Classes int
	// A and C quantise the raw input: q_i = clamp(round(x_i·A_i + C_i)),
	// folding the standardisation, the input scale and zero point.
	A, C        []float32
	Layers      []Layer
	Temperature float32

	act    [2][]int8
	acc    []int32
	logits []float64
}

// ErrFormat is returned (wrapped) by Unmarshal for data that is not a valid
// quantised model.
var ErrFormat = errors.New("quant: bad model data")

// Quantize converts net into an INT8 Model, calibrating the activation
// ranges (min/max) on the rows of calib (raw features, as passed to the
// float model; typically the training set or a part of it).
func Quantize(net classify.Network, calib [][]float64) (*Model, error) {
	if len(net.Layers) == 0 || len(net.Mean) != net.Layers[0].In || len(net.InvStd) != len(net.Mean) {
		return nil, errors.New("quant: malformed network")
	}
	if len(calib) == 0 {
		return nil, errors.New("quant: empty calibration set")
	}
	d := len(net.Mean)
	for i, x := range calib {
		if len(x) != d {
			return nil, fmt.Errorf("quant: calibration row %d has %d features, want %d", i, len(x), d)
		}
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("quant: calibration row %d is not finite", i)
			}
		}
	}
	// Ranges: index 0 is the standardised input, l+1 the output of layer l.
	nl := len(net.Layers)
	lo, hi := make([]float64, nl), make([]float64, nl)
	bufs := make([][]float64, nl+1)
	bufs[0] = make([]float64, d)
	for l, layer := range net.Layers {
		bufs[l+1] = make([]float64, layer.Out)
	}
	for _, x := range calib {
		for j, v := range x {
			bufs[0][j] = (v - net.Mean[j]) * net.InvStd[j]
		}
		for l, layer := range net.Layers {
			for _, v := range bufs[l] {
				lo[l], hi[l] = min(lo[l], v), max(hi[l], v)
			}
			out := bufs[l+1]
			for o := range out {
				s := layer.B[o]
				for i, v := range bufs[l] {
					s += layer.W[o*layer.In+i] * v
				}
				if l < nl-1 {
					s = max(s, 0)
				}
				out[o] = s
			}
		}
	}
	m := &Model{In: d, Classes: net.Layers[nl-1].Out, Temperature: float32(net.Temperature)}
	if !(m.Temperature > 0) {
		m.Temperature = 1
	}
	for l, layer := range net.Layers {
		ql := Layer{In: layer.In, Out: layer.Out, W: make([]int8, len(layer.W)), WScale: make([]float32, layer.Out),
			Bias: make([]int32, layer.Out)}
		// Layer l's input range is the standardised input (l = 0) or the
		// previous layer's ReLU output, whose parameters match.
		ql.InScale, ql.InZero = actParams(lo[l], hi[l])
		if l < nl-1 {
			ql.OutScale, ql.OutZero = actParams(lo[l+1], hi[l+1])
		}
		for o := range layer.Out {
			row := layer.W[o*layer.In : (o+1)*layer.In]
			var amax float64
			for _, w := range row {
				amax = max(amax, math.Abs(w))
			}
			s := float32(amax / 127)
			if s == 0 {
				s = 1
			}
			ql.WScale[o] = s
			for i, w := range row {
				ql.W[o*layer.In+i] = int8(max(-127, min(127, math.Round(w/float64(s)))))
			}
			b := math.Round(layer.B[o] / (float64(ql.InScale) * float64(s)))
			ql.Bias[o] = int32(max(math.MinInt32, min(math.MaxInt32, b)))
		}
		m.Layers = append(m.Layers, ql)
	}
	m.A, m.C = make([]float32, d), make([]float32, d)
	in := m.Layers[0]
	for j := range d {
		a := net.InvStd[j] / float64(in.InScale)
		m.A[j] = float32(a)
		m.C[j] = float32(float64(in.InZero) - net.Mean[j]*a)
	}
	if err := m.init(); err != nil {
		return nil, err
	}
	return m, nil
}

// actParams returns the int8 scale and zero point covering [lo, hi] ∪ {0}.
func actParams(lo, hi float64) (float32, int8) {
	lo, hi = min(lo, 0), max(hi, 0)
	if hi-lo < 1e-12 {
		return 1, 0
	}
	s := (hi - lo) / 255
	z := math.Round(-128 - lo/s)
	return float32(s), int8(max(-128, min(127, z)))
}

// quantizeMultiplier splits a positive real multiplier into a Q31 mantissa
// and a right shift: M ≈ mult·2^−(31+shift).
func quantizeMultiplier(M float64) (mult, shift int32) {
	if !(M > 0) {
		return 0, 0
	}
	frac, exp := math.Frexp(M) // M = frac·2^exp, frac in [0.5, 1)
	q := int64(math.Round(frac * (1 << 31)))
	if q == 1<<31 {
		q /= 2
		exp++
	}
	return int32(q), int32(-exp)
}

// init checks consistency and derives the integer pipeline's constants.
func (m *Model) init() error {
	if m.In <= 0 || len(m.Layers) == 0 || len(m.A) != m.In || len(m.C) != m.In || !(m.Temperature > 0) {
		return fmt.Errorf("%w: inconsistent model", ErrFormat)
	}
	in, width := m.In, m.In
	for l := range m.Layers {
		ql := &m.Layers[l]
		if ql.In != in || ql.Out <= 0 || len(ql.W) != ql.In*ql.Out || len(ql.WScale) != ql.Out || len(ql.Bias) != ql.Out || !(ql.InScale > 0) {
			return fmt.Errorf("%w: layer %d inconsistent", ErrFormat, l)
		}
		last := l == len(m.Layers)-1
		if !last && !(ql.OutScale > 0) {
			return fmt.Errorf("%w: layer %d has no output scale", ErrFormat, l)
		}
		ql.wsum = make([]int32, ql.Out)
		ql.mult, ql.shift, ql.deq = nil, nil, nil
		if last {
			ql.deq = make([]float64, ql.Out)
		} else {
			ql.mult, ql.shift = make([]int32, ql.Out), make([]int32, ql.Out)
		}
		for o := range ql.Out {
			if !(ql.WScale[o] > 0) {
				return fmt.Errorf("%w: layer %d scale", ErrFormat, l)
			}
			var s int32
			for _, w := range ql.W[o*ql.In : (o+1)*ql.In] {
				s += int32(w)
			}
			ql.wsum[o] = s
			real := float64(ql.InScale) * float64(ql.WScale[o])
			if last {
				ql.deq[o] = real
			} else {
				ql.mult[o], ql.shift[o] = quantizeMultiplier(real / float64(ql.OutScale))
				if ql.shift[o] < -30 || ql.shift[o] > 32 {
					return fmt.Errorf("%w: layer %d requantisation out of range", ErrFormat, l)
				}
			}
		}
		in = ql.Out
		width = max(width, ql.Out)
	}
	m.Classes = in
	m.act = [2][]int8{make([]int8, width), make([]int8, width)}
	m.acc = make([]int32, width)
	m.logits = make([]float64, m.Classes)
	return nil
}

// Infer runs the integer pipeline on raw features x (len In) and returns
// the class (argmax of the logits). When dst is not nil it must have
// length Classes and receives the dequantised logits (the float model's
// last-layer outputs, approximately). Wrong lengths panic. Infer does not
// allocate.
func (m *Model) Infer(dst, x []float64) int {
	if len(x) != m.In {
		panic("quant: x length mismatch")
	}
	if dst != nil && len(dst) != m.Classes {
		panic("quant: dst length mismatch")
	}
	q := m.act[0][:m.In]
	for j, v := range x {
		r := math.Round(v*float64(m.A[j]) + float64(m.C[j]))
		q[j] = int8(max(-128, min(127, r)))
	}
	cur := 0
	for l := range m.Layers {
		ql := &m.Layers[l]
		in := m.act[cur][:ql.In]
		acc := m.acc[:ql.Out]
		zin := int32(ql.InZero)
		for o := range acc {
			acc[o] = dot8(ql.W[o*ql.In:(o+1)*ql.In:(o+1)*ql.In], in) - zin*ql.wsum[o] + ql.Bias[o]
		}
		if ql.deq != nil {
			best := 0
			for o, a := range acc {
				m.logits[o] = float64(a) * ql.deq[o]
				if m.logits[o] > m.logits[best] {
					best = o
				}
			}
			if dst != nil {
				copy(dst, m.logits)
			}
			return best
		}
		out := m.act[1-cur][:ql.Out]
		zout := int64(ql.OutZero)
		for o, a := range acc {
			n := 31 + int64(ql.shift[o])
			p := int64(a) * int64(ql.mult[o])
			r := (p + 1<<(n-1)) >> n
			out[o] = int8(max(zout, min(127, zout+r))) // ReLU: real 0 is zout
		}
		cur = 1 - cur
	}
	panic("unreachable")
}

// Predict returns the class and, when probs is not nil (len Classes),
// writes softmax(logits/Temperature) into probs. It does not allocate.
func (m *Model) Predict(probs, x []float64) int {
	c := m.Infer(nil, x)
	if probs != nil {
		classify.Softmax(probs, m.logits, float64(m.Temperature))
	}
	return c
}

// Features returns the input length.
func (m *Model) Features() int { return m.In }

// NumParams returns the number of stored weights, biases and scales.
func (m *Model) NumParams() int {
	n := 2 * m.In
	for _, l := range m.Layers {
		n += len(l.W) + len(l.Bias) + len(l.WScale) + 4
	}
	return n
}

// SizeBytes returns the encoded size of the model (MarshalBinary).
func (m *Model) SizeBytes() int {
	n := headerLen + 4*3 + 4 + 8*m.In // In, Classes, Temperature; layer count; A, C
	for _, l := range m.Layers {
		n += 8 + len(l.W) + 4*len(l.WScale) + 4*len(l.Bias) + 10
	}
	return n
}

// Binary format: "MYOQ", uint16 version 1, then little-endian In, Classes
// (uint32), Temperature (float32), A, C (In float32 each), the layer count
// (uint32), and per layer In, Out (uint32), W (int8), WScale (float32),
// Bias (int32), InScale (float32), InZero (int8), OutScale (float32),
// OutZero (int8).
const (
	magic     = "MYOQ"
	version   = 1
	headerLen = len(magic) + 2
)

// MarshalBinary encodes the model.
func (m *Model) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, m.SizeBytes())
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint16(b, version)
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	f32 := func(v float32) { u32(math.Float32bits(v)) }
	u32(uint32(m.In))
	u32(uint32(m.Classes))
	f32(m.Temperature)
	for _, v := range m.A {
		f32(v)
	}
	for _, v := range m.C {
		f32(v)
	}
	u32(uint32(len(m.Layers)))
	for _, l := range m.Layers {
		u32(uint32(l.In))
		u32(uint32(l.Out))
		for _, w := range l.W {
			b = append(b, byte(w))
		}
		for _, v := range l.WScale {
			f32(v)
		}
		for _, v := range l.Bias {
			u32(uint32(v))
		}
		f32(l.InScale)
		b = append(b, byte(l.InZero))
		f32(l.OutScale)
		b = append(b, byte(l.OutZero))
	}
	return b, nil
}

// Unmarshal decodes a model written by MarshalBinary.
func Unmarshal(b []byte) (*Model, error) {
	m := new(Model)
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return m, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (m *Model) UnmarshalBinary(b []byte) error {
	if len(b) < headerLen || string(b[:len(magic)]) != magic {
		return fmt.Errorf("%w: missing header", ErrFormat)
	}
	if v := binary.LittleEndian.Uint16(b[len(magic):]); v != version {
		return fmt.Errorf("%w: unsupported version %d", ErrFormat, v)
	}
	b = b[headerLen:]
	bad := false
	take := func(n int) []byte {
		if bad || n < 0 || n > len(b) {
			bad = true
			return nil
		}
		p := b[:n]
		b = b[n:]
		return p
	}
	u32 := func() int {
		p := take(4)
		if p == nil {
			return 0
		}
		v := binary.LittleEndian.Uint32(p)
		if v > 1<<24 {
			bad = true
			return 0
		}
		return int(v)
	}
	f32 := func() float32 {
		p := take(4)
		if p == nil {
			return 0
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(p))
	}
	f32s := func(n int) []float32 {
		if bad || n > len(b)/4 {
			bad = true
			return nil
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = f32()
		}
		return v
	}
	var out Model
	out.In, out.Classes = u32(), u32()
	out.Temperature = f32()
	out.A, out.C = f32s(out.In), f32s(out.In)
	nl := u32()
	if nl > 64 {
		bad = true
	}
	for range nl {
		if bad {
			break
		}
		var l Layer
		l.In, l.Out = u32(), u32()
		if bad || l.In == 0 || l.Out > len(b)/l.In {
			bad = true
			break
		}
		for _, w := range take(l.In * l.Out) {
			l.W = append(l.W, int8(w))
		}
		l.WScale = f32s(l.Out)
		if bad || l.Out > len(b)/4 {
			bad = true
			break
		}
		l.Bias = make([]int32, l.Out)
		for i := range l.Bias {
			l.Bias[i] = int32(u32Raw(take(4)))
		}
		l.InScale = f32()
		if p := take(1); p != nil {
			l.InZero = int8(p[0])
		}
		l.OutScale = f32()
		if p := take(1); p != nil {
			l.OutZero = int8(p[0])
		}
		out.Layers = append(out.Layers, l)
	}
	if bad {
		return fmt.Errorf("%w: truncated or oversized", ErrFormat)
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrFormat, len(b))
	}
	classes := out.Classes
	for _, v := range append(append([]float32(nil), out.A...), out.C...) {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%w: non-finite input quantisation", ErrFormat)
		}
	}
	if err := out.init(); err != nil {
		return err
	}
	if out.Classes != classes {
		return fmt.Errorf("%w: %d classes but last layer has %d outputs", ErrFormat, classes, out.Classes)
	}
	*m = out
	return nil
}

func u32Raw(p []byte) uint32 {
	if len(p) < 4 {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

// dot8 returns Σ w_i·x_i in int32 (len(x) ≥ len(w)), four lanes at a time.
func dot8(w, x []int8) int32 {
	x = x[:len(w)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(w); i += 4 {
		s0 += int32(w[i]) * int32(x[i])
		s1 += int32(w[i+1]) * int32(x[i+1])
		s2 += int32(w[i+2]) * int32(x[i+2])
		s3 += int32(w[i+3]) * int32(x[i+3])
	}
	for ; i < len(w); i++ {
		s0 += int32(w[i]) * int32(x[i])
	}
	return s0 + s1 + s2 + s3
}
