// Package linktest has test helpers shared by the serial protocol
// packages: a deterministic signal, an emulator runner, a dump parser and
// a stream collector.
package linktest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/serialport"
)

// Gen is a deterministic signal: a sine per channel plus Gaussian noise,
// amplitude Amp µV; the last channel swings to 3×Amp to exercise clamping.
type Gen struct {
	Amp, RateHz float64
	n           int
	rng         *rand.Rand
}

// NewGen returns a Gen of amplitude amp µV at rateHz.
func NewGen(amp, rateHz float64) *Gen {
	return &Gen{Amp: amp, RateHz: rateHz, rng: rand.New(rand.NewPCG(1, 1))}
}

// Next implements acquisition.Generator.
func (g *Gen) Next(dst []float64) {
	t := float64(g.n) / g.RateHz
	for c := range dst {
		dst[c] = g.Amp*math.Sin(2*math.Pi*float64(c+3)*t)/float64(c+1) + g.Amp/10*g.rng.NormFloat64()
	}
	dst[len(dst)-1] = 3 * g.Amp * math.Sin(2*math.Pi*t)
	g.n++
}

// Result is what an emulator returned.
type Result struct {
	Sent int
	Err  error
}

// Emulate opens path at baud and runs run on it in a goroutine; the port
// is closed when run returns, and ctx is cancelled at the end of the test.
func Emulate(t testing.TB, path string, baud int, run func(ctx context.Context, port io.ReadWriter) (int, error)) <-chan Result {
	t.Helper()
	port, err := serialport.Open(path, baud)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan Result, 1)
	go func() {
		n, err := run(ctx, port)
		port.Close()
		res <- Result{n, err}
	}()
	t.Cleanup(cancel)
	return res
}

// ParseDump reads an emulator dump into runs of samples (a run restarts at
// sample 0).
func ParseDump(t testing.TB, dump []byte, channels int) [][][]int32 {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(dump))
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "sample,ch1") || strings.Count(sc.Text(), ",") != channels {
		t.Fatalf("dump header %q", sc.Text())
	}
	var runs [][][]int32
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) != channels+1 {
			t.Fatalf("dump line %q", sc.Text())
		}
		idx, _ := strconv.Atoi(f[0])
		if idx == 0 {
			runs = append(runs, nil)
		}
		if len(runs) == 0 || idx != len(runs[len(runs)-1]) {
			t.Fatalf("dump sample %d out of order", idx)
		}
		s := make([]int32, channels)
		for c := range s {
			v, err := strconv.Atoi(f[c+1])
			if err != nil {
				t.Fatal(err)
			}
			s[c] = int32(v)
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], s)
	}
	return runs
}

// Delivered is one sample a Source delivered.
type Delivered struct {
	Idx    uint64
	Counts []int32
	UV     []float64
}

// Collect reads src one sample per block until the emulator has finished
// and the stream is over, then closes src and checks that ReadBlock
// returns ErrClosed. The stream is over when the last sample sent has
// been delivered and nothing more arrives for Grace (which would be a
// sample too many), or, when the last samples were lost (corrupted), once
// nothing has arrived for Quiet. It fails the test on a read error or
// when nothing at all happens for Stall.
//
// The end is decided by what was delivered, not by how fast: a reader
// starved by a busy machine only makes Collect wait longer.
func Collect(t testing.TB, src acquisition.Source, emu <-chan Result) ([]Delivered, Result) {
	t.Helper()
	ch := src.Info().Channels
	out := make(chan Delivered, 1<<16)
	readErr := make(chan error, 1)
	go func() {
		b := acquisition.NewBlock(ch, 1)
		for {
			if err := src.ReadBlock(b); err != nil {
				readErr <- err
				return
			}
			d := Delivered{Idx: b.Start, Counts: make([]int32, ch), UV: make([]float64, ch)}
			for c := range ch {
				d.Counts[c] = b.Raw[c*b.Cap]
				d.UV[c] = b.Data[c*b.Cap]
			}
			out <- d
		}
	}()
	var got []Delivered
	var r Result
	emuDone := false
	quiet := time.NewTimer(time.Hour)
	defer quiet.Stop()
	// wait restarts the end-of-stream timer once the emulator is done.
	wait := func() {
		if !emuDone {
			return
		}
		if n := len(got); n > 0 && got[n-1].Idx+1 >= uint64(r.Sent) {
			quiet.Reset(Grace)
		} else {
			quiet.Reset(Quiet)
		}
	}
	stall := time.NewTimer(Stall)
	defer stall.Stop()
	for collecting := true; collecting; {
		select {
		case d := <-out:
			got = append(got, d)
			wait()
		case r = <-emu:
			emu, emuDone = nil, true
			wait()
		case <-quiet.C:
			collecting = false
		case err := <-readErr:
			t.Fatalf("ReadBlock: %v", err)
		case <-stall.C:
			t.Fatalf("stream stalled: nothing for %v (%d samples delivered)", Stall, len(got))
		}
		stall.Reset(Stall)
	}
	src.Close()
	if err := <-readErr; !errors.Is(err, acquisition.ErrClosed) {
		t.Errorf("ReadBlock after Close: %v", err)
	}
	return got, r
}

// Collect's waits (see Collect).
const (
	Grace = 500 * time.Millisecond
	Quiet = 3 * time.Second
	Stall = 30 * time.Second
)

// Flips records corrupted bytes per sample, safe for concurrent use.
type Flips struct {
	mu sync.Mutex
	m  map[uint64][]int
}

// Add records a flip; use it as OnCorrupt.
func (f *Flips) Add(sample uint64, off int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[uint64][]int{}
	}
	f.m[sample] = append(f.m[sample], off)
}

// Of returns the offsets flipped in sample s.
func (f *Flips) Of(s uint64) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[s]
}

// Equal reports whether a and b hold the same counts.
func Equal(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
