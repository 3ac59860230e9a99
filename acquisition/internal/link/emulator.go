package link

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Device is the protocol-specific half of an emulator.
type Device interface {
	// Command handles bytes received from the host; it may start or stop
	// the stream, change the rate and reply through em.
	Command(em *Emulator, b []byte) error
	// Sample fills counts[:k] with the next sample's raw counts and returns
	// k ≤ EmulatorConfig.Channels, the channels being sent; n is its index
	// since the stream started.
	Sample(n uint64, counts []int32) (k int)
	// Encode appends the wire form of sample n to dst.
	Encode(dst []byte, n uint64, counts []int32) []byte
}

// EmulatorConfig configures Run.
type EmulatorConfig struct {
	// Name prefixes errors, e.g. "bitalino emulator".
	Name string
	// Channels is the largest number of counts per sample.
	Channels int
	// RateHz is the initial sample rate in hertz.
	RateHz float64
	// Seconds is how long to stream in total; 0 means until ctx ends.
	Seconds float64
	// Corrupt is the probability per byte sent while streaming that the
	// byte is replaced by a different random one.
	Corrupt float64
	// Seed seeds the corruption.
	Seed uint64
	// Stream is the second word of the corruption's PCG seed, so that a
	// protocol keeps its own sequence for a given Seed; 0 means 0x1ab.
	Stream uint64
	// Dump, when not nil, receives CSV `sample,ch1,…,chK` of the clean
	// counts of every sample sent (K from the first sample; Channels when
	// nothing was sent).
	Dump io.Writer
	// OnCorrupt, when not nil, is called for every corrupted byte with its
	// sample index and offset within that sample's wire bytes.
	OnCorrupt func(sample uint64, offset int)
}

// Emulator is the running state handed to a Device.
type Emulator struct {
	cfg    EmulatorConfig
	port   io.ReadWriter
	rng    *rand.Rand
	rate   float64
	stream bool
	t0     time.Time
	n      uint64
	sent   int
	total  int
	counts []int32
	wire   []byte
	dump   *bufio.Writer
	header bool
	line   []byte
}

// Streaming reports whether samples are being sent.
func (e *Emulator) Streaming() bool { return e.stream }

// Start starts (or restarts) the stream: the next sample has index 0.
func (e *Emulator) Start() { e.stream, e.t0, e.n = true, time.Now(), 0 }

// Stop stops the stream.
func (e *Emulator) Stop() { e.stream = false }

// Rate returns the current sample rate in hertz.
func (e *Emulator) Rate() float64 { return e.rate }

// SetRate changes the sample rate; it takes effect at the next Start.
// Before the first sample, it also converts Seconds into samples at the
// new rate.
func (e *Emulator) SetRate(hz float64) {
	e.rate = hz
	if e.sent == 0 && e.cfg.Seconds > 0 {
		e.total = max(1, int(math.Round(e.cfg.Seconds*hz)))
	}
}

// Reply writes text to the host now.
func (e *Emulator) Reply(text string) error {
	if _, err := io.WriteString(e.port, text); err != nil {
		return fmt.Errorf("%s: write: %w", e.cfg.Name, err)
	}
	return nil
}

// Run plays dev on port until Seconds of streaming are done (it returns
// the number of samples sent), ctx ends (ctx.Err()) or the port fails.
// Samples are paced against the wall clock: sample n of a run leaves at
// (n+1)/rate after Start, so there is no drift. Reads continue in a
// goroutine until the port's Read fails or returns after Run has
// finished; the caller closes the port after Run returns.
func Run(ctx context.Context, port io.ReadWriter, cfg EmulatorConfig, dev Device) (int, error) {
	if cfg.RateHz <= 0 || cfg.Seconds < 0 || cfg.Corrupt < 0 || cfg.Corrupt > 1 || cfg.Channels <= 0 {
		return 0, fmt.Errorf("%s: invalid config (rate %g Hz, %g s, corrupt %g, %d channels)", cfg.Name, cfg.RateHz, cfg.Seconds, cfg.Corrupt, cfg.Channels)
	}
	if cfg.Stream == 0 {
		cfg.Stream = 0x1ab
	}
	e := &Emulator{
		cfg:    cfg,
		port:   port,
		rng:    rand.New(rand.NewPCG(cfg.Seed, cfg.Stream)),
		rate:   cfg.RateHz,
		total:  int(math.Round(cfg.Seconds * cfg.RateHz)),
		counts: make([]int32, cfg.Channels),
	}
	if cfg.Dump != nil {
		e.dump = bufio.NewWriter(cfg.Dump)
		defer func() {
			if !e.header {
				e.dumpHeader(cfg.Channels)
			}
			e.dump.Flush()
		}()
	}
	if cfg.Seconds > 0 && e.total == 0 {
		return 0, nil
	}
	in := make(chan []byte, 16)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go ReadChunks(port, 64, in, readErr, stop)

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var tick <-chan time.Time
		if e.stream {
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return e.sent, ctx.Err()
		case err := <-readErr:
			return e.sent, fmt.Errorf("%s: read: %w", cfg.Name, err)
		case b := <-in:
			if err := dev.Command(e, b); err != nil {
				return e.sent, err
			}
		case <-tick:
		}
		if !e.stream {
			continue
		}
		done, err := e.sendDue(dev)
		if err != nil || done {
			return e.sent, err
		}
		timer.Reset(time.Until(e.due(e.n)))
	}
}

// ReadChunks is an emulator's reading goroutine: it reads port in chunks of
// up to size bytes and sends a copy of each on in, until a read fails (the
// error goes to readErr) or stop is closed. The emulators' main loop owns
// the protocol state; this goroutine only moves bytes.
func ReadChunks(port io.Reader, size int, in chan<- []byte, readErr chan<- error, stop <-chan struct{}) {
	buf := make([]byte, size)
	for {
		n, err := port.Read(buf)
		if n > 0 {
			select {
			case in <- append([]byte(nil), buf[:n]...):
			case <-stop:
				return
			}
		}
		if err != nil {
			select {
			case readErr <- err:
			case <-stop:
			}
			return
		}
		select {
		case <-stop:
			return
		default:
		}
	}
}

func (e *Emulator) dumpHeader(k int) {
	e.header = true
	e.line = append(e.line[:0], "sample"...)
	for c := range k {
		e.line = append(e.line, ",ch"...)
		e.line = strconv.AppendInt(e.line, int64(c+1), 10)
	}
	e.line = append(e.line, '\n')
	e.dump.Write(e.line)
}

func (e *Emulator) due(n uint64) time.Time {
	return e.t0.Add(time.Duration(float64(n+1) / e.rate * float64(time.Second)))
}

// sendDue sends, in one write, every sample whose time has come.
func (e *Emulator) sendDue(dev Device) (done bool, err error) {
	now := time.Now()
	e.wire = e.wire[:0]
	for !e.due(e.n).After(now) && !done {
		k := dev.Sample(e.n, e.counts)
		if e.dump != nil {
			if !e.header {
				e.dumpHeader(k)
			}
			e.line = strconv.AppendUint(e.line[:0], e.n, 10)
			for _, c := range e.counts[:k] {
				e.line = append(e.line, ',')
				e.line = strconv.AppendInt(e.line, int64(c), 10)
			}
			e.line = append(e.line, '\n')
			if _, err := e.dump.Write(e.line); err != nil {
				return false, fmt.Errorf("%s: dump: %w", e.cfg.Name, err)
			}
		}
		at := len(e.wire)
		e.wire = dev.Encode(e.wire, e.n, e.counts[:k])
		if e.cfg.Corrupt > 0 {
			for i := at; i < len(e.wire); i++ {
				if e.rng.Float64() < e.cfg.Corrupt {
					e.wire[i] ^= byte(1 + e.rng.IntN(255))
					if e.cfg.OnCorrupt != nil {
						e.cfg.OnCorrupt(e.n, i-at)
					}
				}
			}
		}
		e.n++
		e.sent++
		if e.total > 0 && e.sent >= e.total {
			e.stream = false
			done = true
		}
	}
	if _, err := e.port.Write(e.wire); err != nil {
		return false, fmt.Errorf("%s: write: %w", e.cfg.Name, err)
	}
	return done, nil
}

// Quantize returns round(v/scale) + offset clamped to [lo, hi].
func Quantize(v, scale float64, offset, lo, hi int32) int32 {
	q := math.Round(v/scale) + float64(offset)
	return int32(max(float64(lo), min(float64(hi), q)))
}
