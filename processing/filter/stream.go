package filter

import (
	"fmt"

	"myorehab/acquisition"
)

// Cascade is a streaming filter for one channel: second-order sections
// applied in order, each in transposed direct form II, with the state kept
// between calls (scipy.signal.sosfilt with zi carried over). Filtering a
// stream in pieces gives bit-for-bit the same output as filtering it at
// once. A Cascade is not safe for concurrent use.
type Cascade struct {
	sos []Section
	z   [][2]float64 // per section: z1, z2
}

// NewCascade returns a Cascade that applies the sections of every set in
// turn, starting from zero state; e.g. NewCascade(bandpass, notch).
// The sections are copied. With no sections the Cascade copies its input.
// It panics if a section's a0 is not 1.
func NewCascade(sets ...[]Section) *Cascade {
	sos := joinSections(sets)
	return &Cascade{sos: sos, z: make([][2]float64, len(sos))}
}

func joinSections(sets [][]Section) []Section {
	var sos []Section
	for _, set := range sets {
		for _, s := range set {
			if s[3] != 1 {
				panic("filter: section a0 must be 1")
			}
			sos = append(sos, s)
		}
	}
	return sos
}

// Sections returns a copy of the cascade's sections.
func (c *Cascade) Sections() []Section { return append([]Section(nil), c.sos...) }

// Filter filters src into dst, continuing from the current state, and
// returns dst. If dst is nil a new slice is allocated; otherwise it must
// have len(src) or Filter panics. dst may be src (in place) but must not
// otherwise overlap it. Filter does not allocate when dst is not nil.
func (c *Cascade) Filter(dst, src []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(src))
	} else if len(dst) != len(src) {
		panic("filter: dst length mismatch")
	}
	runSOS(c.sos, c.z, dst, src)
	return dst
}

// Reset clears the state to zero, as for a new stream.
func (c *Cascade) Reset() { clear(c.z) }

// SetState sets the state to zi (one z1, z2 pair per section, as returned
// by SOSFiltZI and optionally scaled), e.g. to start in steady state. It
// panics if len(zi) differs from the number of sections.
func (c *Cascade) SetState(zi [][2]float64) {
	if len(zi) != len(c.z) {
		panic("filter: state length mismatch")
	}
	copy(c.z, zi)
}

// runSOS is SciPy's sosfilt recursion over one channel, in SciPy's
// sample-major order (each sample through all sections). This order lets
// the CPU overlap the sections' dependency chains; it measured about 2×
// faster than running section by section over the block.
func runSOS(sos []Section, z [][2]float64, dst, src []float64) {
	if len(sos) == 0 {
		copy(dst, src)
		return
	}
	z = z[:len(sos)]
	dst = dst[:len(src)]
	for n, v := range src {
		for s := range sos {
			sec := &sos[s]
			st := &z[s]
			y := sec[0]*v + st[0]
			st[0] = sec[1]*v - sec[4]*y + st[1]
			st[1] = sec[2]*v - sec[5]*y
			v = y
		}
		dst[n] = v
	}
}

// Chain is a streaming filter for every channel of a block: one cascade of
// second-order sections with separate state per channel. It implements the
// processing Stage contract (Process, Reset) and does not allocate per
// block. Output does not depend on how the stream is cut into blocks.
// A Chain is not safe for concurrent use.
type Chain struct {
	sos      []Section
	z        [][2]float64 // channel c, section s at c*len(sos)+s
	channels int
	desc     string
}

// NewChain returns a Chain for channels channels that applies the
// sections of every set in turn (e.g. NewChain(8, bandpass, notch)),
// starting from zero state. The sections are copied; with none the Chain
// copies its input. It panics if channels < 1 or a section's a0 is not 1.
func NewChain(channels int, sets ...[]Section) *Chain {
	if channels < 1 {
		panic("filter: non-positive channel count")
	}
	sos := joinSections(sets)
	return &Chain{
		sos:      sos,
		z:        make([][2]float64, channels*len(sos)),
		channels: channels,
		desc:     fmt.Sprintf("%d sections", len(sos)),
	}
}

// Channels returns the number of channels the chain filters.
func (c *Chain) Channels() int { return c.channels }

// Sections returns a copy of the chain's sections.
func (c *Chain) Sections() []Section { return append([]Section(nil), c.sos...) }

// String describes the chain, e.g. "bp 20-450 Hz order 4; notch 50 Hz Q30"
// for NewEMGChain, or "5 sections" for NewChain.
func (c *Chain) String() string { return c.desc }

// Process filters every channel of src into dst and continues from the
// current state. dst may be src (in place). It copies Start, Len and
// Received to dst and leaves dst.Raw untouched. It panics if src.Channels
// or dst.Channels differs from Channels() or src.Len > dst.Cap.
// Process does not allocate.
func (c *Chain) Process(dst, src *acquisition.Block) {
	if src.Channels != c.channels || dst.Channels != c.channels {
		panic("filter: block channel count mismatch")
	}
	if src.Len > dst.Cap {
		panic("filter: dst block too small")
	}
	dst.Start, dst.Len, dst.Received = src.Start, src.Len, src.Received
	n := len(c.sos)
	for ch := range c.channels {
		out := dst.Data[ch*dst.Cap : ch*dst.Cap+src.Len]
		runSOS(c.sos, c.z[ch*n:(ch+1)*n], out, src.Chan(ch))
	}
}

// Reset clears the state of every channel to zero, as for a new stream.
func (c *Chain) Reset() { clear(c.z) }

// SOSFilt filters x with the sections sos from zero state, as
// scipy.signal.sosfilt(sos, x), and returns dst. If dst is nil a new slice
// is allocated; otherwise it must have len(x) or SOSFilt panics. dst may
// be x. It panics if a section's a0 is not 1.
func SOSFilt(dst []float64, sos []Section, x []float64) []float64 {
	return NewCascade(sos).Filter(dst, x)
}

// LFilter filters x with the rational transfer function b/a from zero
// state, as scipy.signal.lfilter(b, a, x) (direct form II transposed,
// coefficients normalised by a[0]), and returns dst. If dst is nil a new
// slice is allocated; otherwise it must have len(x). dst may be x.
// It panics if dst has the wrong length, a or b is empty, or a[0] is 0.
func LFilter(dst, b, a, x []float64) []float64 {
	if len(a) == 0 || len(b) == 0 {
		panic("filter: empty coefficients")
	}
	if a[0] == 0 {
		panic("filter: a[0] must not be zero")
	}
	if dst == nil {
		dst = make([]float64, len(x))
	} else if len(dst) != len(x) {
		panic("filter: dst length mismatch")
	}
	n := max(len(a), len(b))
	bn := make([]float64, n)
	an := make([]float64, n)
	copy(bn, b)
	copy(an, a)
	a0 := an[0]
	for i := range n {
		bn[i] /= a0
		an[i] /= a0
	}
	z := make([]float64, n) // z[n-1] stays 0
	for k, xk := range x {
		// Same operation order as SciPy's lfilter.c.
		y := z[0] + bn[0]*xk
		for i := 0; i < n-2; i++ {
			z[i] = z[i+1] + xk*bn[i+1] - y*an[i+1]
		}
		if n > 1 {
			z[n-2] = xk*bn[n-1] - y*an[n-1]
		}
		dst[k] = y
	}
	return dst
}
