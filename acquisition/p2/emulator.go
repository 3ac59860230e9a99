package p2

import (
	"context"
	"errors"
	"io"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
)

// EmulatorConfig configures RunEmulator.
type EmulatorConfig struct {
	// Generator produces the signal in µV, 6 channels per sample. Required.
	Generator acquisition.Generator
	// ScaleUV is the size of one count in µV; 0 means DefaultScaleUV.
	ScaleUV float64
	// Seconds is how long to stream; 0 means until ctx ends.
	Seconds float64
	// Corrupt is the probability per byte of replacing it by another.
	Corrupt float64
	// Seed seeds the corruption.
	Seed uint64
	// Dump, when not nil, receives CSV `sample,ch1,…,ch6` of the Raw
	// counts (ADC − 512) sent.
	Dump io.Writer
	// OnCorrupt is called for every corrupted byte (sample, offset 0–16).
	OnCorrupt func(sample uint64, offset int)
}

type device struct {
	gen   acquisition.Generator
	scale float64
	uv    [Channels]float64
	pk    Packet
}

// RunEmulator plays a P2 amplifier on port at 256 Hz: the first byte
// received starts the stream (a real device streams from power-up; see the
// package doc), later bytes are ignored. Counts are the Generator's µV
// quantised at ScaleUV and clamped to 10 bits; the counter starts at 0.
// It returns the number of samples sent after Seconds, or ctx.Err(), or a
// port error.
func RunEmulator(ctx context.Context, port io.ReadWriter, cfg EmulatorConfig) (int, error) {
	if cfg.Generator == nil {
		return 0, errors.New("p2 emulator: no Generator")
	}
	if cfg.ScaleUV == 0 {
		cfg.ScaleUV = DefaultScaleUV
	}
	return link.Run(ctx, port, link.EmulatorConfig{
		Name: "p2 emulator", Channels: Channels, RateHz: RateHz, Seconds: cfg.Seconds,
		Corrupt: cfg.Corrupt, Seed: cfg.Seed, Dump: cfg.Dump, OnCorrupt: cfg.OnCorrupt,
	}, &device{gen: cfg.Generator, scale: cfg.ScaleUV})
}

func (d *device) Command(em *link.Emulator, b []byte) error {
	if !em.Streaming() {
		em.Start()
	}
	return nil
}

func (d *device) Sample(n uint64, counts []int32) int {
	d.gen.Next(d.uv[:])
	for c, v := range d.uv {
		counts[c] = link.Quantize(v, d.scale, 0, -Mid, Mid-1)
	}
	return Channels
}

func (d *device) Encode(dst []byte, n uint64, counts []int32) []byte {
	d.pk.Counter = uint8(n)
	copy(d.pk.Counts[:], counts)
	return AppendPacket(dst, &d.pk)
}
