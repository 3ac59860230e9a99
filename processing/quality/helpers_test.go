package quality

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/internal/shareddata"
)

// info returns a StreamInfo for n channels at fs Hz with 24-bit counts of
// scale µV.
func info(n int, fs, scale float64) acquisition.StreamInfo {
	s := make([]float64, n)
	labels := make([]string, n)
	for i := range s {
		s[i] = scale
		labels[i] = "ch" + strconv.Itoa(i+1)
	}
	return acquisition.StreamInfo{Channels: n, Labels: labels, SampleRateHz: fs, ScaleUV: s, ResolutionBits: 24}
}

// mustNew returns New(in, cfg) or fails the test.
func mustNew(tb testing.TB, in acquisition.StreamInfo, cfg Config) *Monitor {
	tb.Helper()
	m, err := New(in, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// simSource returns an unpaced simulator Source for cfg.
func simSource(tb testing.TB, cfg sim.Config, scale float64) *sim.Source {
	tb.Helper()
	src, err := sim.NewSource(sim.SourceConfig{Config: cfg, ScaleUV: scale})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { src.Close() })
	return src
}

// run feeds seconds of src in blocks of blockLen to m, calling each (if
// not nil) with the block after it has been altered by alter (if not nil)
// and processed.
func run(tb testing.TB, m *Monitor, src acquisition.Source, seconds float64, blockLen int,
	alter func(b *acquisition.Block), each func(b *acquisition.Block)) {
	tb.Helper()
	in := src.Info()
	b := acquisition.NewBlock(in.Channels, blockLen)
	n := int(math.Round(seconds * in.SampleRateHz))
	for done := 0; done < n; done += b.Len {
		if err := src.ReadBlock(b); err != nil {
			tb.Fatal(err)
		}
		if alter != nil {
			alter(b)
		}
		m.Process(b)
		if each != nil {
			each(b)
		}
	}
}

// synth is a Source of synthetic signals: channel c's sample i is
// f(c, i) µV, quantised to scale µV per count and clamped to [lo, hi].
type synth struct {
	in     acquisition.StreamInfo
	f      func(c int, i uint64) float64
	lo, hi int64
	next   uint64
}

func newSynth(in acquisition.StreamInfo, f func(c int, i uint64) float64) *synth {
	return &synth{in: in, f: f, lo: -(1 << 23), hi: 1<<23 - 1}
}

func (s *synth) Info() acquisition.StreamInfo { return s.in }
func (s *synth) Close() error                 { return nil }
func (s *synth) ReadBlock(b *acquisition.Block) error {
	for c := range b.Channels {
		sc := s.in.ScaleUV[c]
		for i := range b.Cap {
			r := int64(math.Round(s.f(c, s.next+uint64(i)) / sc))
			r = max(s.lo, min(s.hi, r))
			b.Raw[c*b.Cap+i] = int32(r)
			b.Data[c*b.Cap+i] = float64(r) * sc
		}
	}
	b.Start, b.Len = s.next, b.Cap
	s.next += uint64(b.Cap)
	return nil
}

// noise returns n samples of Gaussian white noise of RMS rms.
func noise(seed uint64, n int, rms float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	for i := range x {
		x[i] = rms * rng.NormFloat64()
	}
	return x
}

// readColumn reads a one-column CSV with a header line, or skips the test
// when the file is absent (fails it under CI=true).
func readColumn(tb testing.TB, path string) []float64 {
	tb.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		shareddata.Missing(tb, "real EMG data not found at %s; see shared/data/README.md", path)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var x []float64
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		v, err := strconv.ParseFloat(strings.TrimSpace(sc.Text()), 64)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		x = append(x, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return x
}
