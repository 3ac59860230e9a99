package ascii

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
)

// Emulator defaults.
const (
	// DefaultEmulatorRateHz fits 2 channels with a counter in 115200 baud.
	DefaultEmulatorRateHz = 500
	// DefaultEmulatorChannels is the emulator's channel count.
	DefaultEmulatorChannels = 2
	// EmulatorGain is the front-end gain the emulator declares.
	EmulatorGain = 1000
	// Banner is the line the emulator prints when its stream (re)starts.
	Banner = "MyoRehab EMG-ASCII v1 emulator"
)

// EmulatorConfig configures RunEmulator.
type EmulatorConfig struct {
	// Generator produces the signal in µV. Required.
	Generator acquisition.Generator
	// Channels (0: 2) and RateHz (0: 500) of the stream.
	Channels int
	RateHz   float64
	// Plain sends the bare Arduino convention: no metadata, no counter.
	Plain bool
	// Seconds is how long to stream; 0 means until ctx ends.
	Seconds float64
	// Corrupt is the probability per byte of replacing it by another.
	Corrupt float64
	// Seed seeds the corruption.
	Seed uint64
	// Dump, when not nil, receives CSV `sample,ch1,…` of the counts sent.
	Dump io.Writer
	// OnCorrupt is called for every corrupted byte (sample, offset in its
	// line).
	OnCorrupt func(sample uint64, offset int)
}

type device struct {
	cfg   EmulatorConfig
	meta  string
	scale float64
	uv    []float64
}

// RunEmulator plays a 10-bit, 5 V Arduino sensor at EmulatorGain on port:
// the first byte received (re)starts the stream (see the package doc)
// with Banner, then, unless Plain, the EMG-ASCII v1 metadata line `# rate=…
// units=adc bits=10 vref=5.0 gain=1000 labels=Ch1,… counter=1` (repeated
// once a second), then one line `n,v1,…,vN\r\n` per sample (`v1,…,vN` when
// Plain). Counts are round(µV / scale) + 512 clamped to 0…1023. It returns
// the number of samples sent after Seconds, or ctx.Err(), or a port error.
func RunEmulator(ctx context.Context, port io.ReadWriter, cfg EmulatorConfig) (int, error) {
	if cfg.Generator == nil {
		return 0, errors.New("ascii emulator: no Generator")
	}
	if cfg.Channels == 0 {
		cfg.Channels = DefaultEmulatorChannels
	}
	if cfg.RateHz == 0 {
		cfg.RateHz = DefaultEmulatorRateHz
	}
	if cfg.Channels < 1 || cfg.Channels > link.MaxChannels {
		return 0, fmt.Errorf("ascii emulator: %d channels, choose 1 to %d", cfg.Channels, link.MaxChannels)
	}
	labels := make([]string, cfg.Channels)
	for c := range labels {
		labels[c] = fmt.Sprintf("Ch%d", c+1)
	}
	d := &device{
		cfg:   cfg,
		meta:  fmt.Sprintf("# rate=%g units=adc bits=10 vref=5.0 gain=%d labels=%s counter=1\r\n", cfg.RateHz, EmulatorGain, strings.Join(labels, ",")),
		scale: DefaultVrefV / 1024 / EmulatorGain * 1e6,
		uv:    make([]float64, cfg.Channels),
	}
	return link.Run(ctx, port, link.EmulatorConfig{
		Name: "ascii emulator", Channels: cfg.Channels, RateHz: cfg.RateHz, Seconds: cfg.Seconds,
		Corrupt: cfg.Corrupt, Seed: cfg.Seed, Dump: cfg.Dump, OnCorrupt: cfg.OnCorrupt,
	}, d)
}

func (d *device) Command(em *link.Emulator, b []byte) error {
	if bytes := strings.Count(string(b), "\n"); bytes == 0 || em.Streaming() {
		return nil
	}
	if err := em.Reply(Banner + "\r\n"); err != nil {
		return err
	}
	if !d.cfg.Plain {
		if err := em.Reply(d.meta); err != nil {
			return err
		}
	}
	em.Start()
	return nil
}

func (d *device) Sample(n uint64, counts []int32) int {
	d.cfg.Generator.Next(d.uv)
	for c, v := range d.uv {
		counts[c] = link.Quantize(v, d.scale, 512, 0, 1023)
	}
	return d.cfg.Channels
}

func (d *device) Encode(dst []byte, n uint64, counts []int32) []byte {
	if !d.cfg.Plain && n > 0 && n%uint64(math.Max(1, math.Round(d.cfg.RateHz))) == 0 {
		dst = append(dst, d.meta...)
	}
	if !d.cfg.Plain {
		dst = strconv.AppendUint(dst, n, 10)
		dst = append(dst, ',')
	}
	for c, v := range counts {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(v), 10)
	}
	return append(dst, '\r', '\n')
}
