package bitalino

import (
	"context"
	"errors"
	"io"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
)

// VersionReply is the emulator's answer to the version command.
const VersionReply = "BITalino_v5.2\n"

// EmulatorConfig configures RunEmulator.
type EmulatorConfig struct {
	// Generator produces the signal in µV for all six inputs A1–A6.
	// Required.
	Generator acquisition.Generator
	// VCC and Gain set the transfer function; 0 means 3.3 V and 1009.
	VCC, Gain float64
	// Seconds is how long to stream in total; 0 means until ctx ends.
	Seconds float64
	// Corrupt is the probability per byte of replacing it by another.
	Corrupt float64
	// Seed seeds the corruption.
	Seed uint64
	// Dump, when not nil, receives CSV `sample,ch1,…,chN` of the centred
	// counts of the acquired channels (N from the start command's mask).
	Dump io.Writer
	// OnCorrupt is called for every corrupted byte (sample, offset in
	// the frame).
	OnCorrupt func(sample uint64, offset int)
}

type device struct {
	vcc, gain float64
	gen       acquisition.Generator
	uv        [MaxChannels]float64
	inputs    []int
	f         Frame
	pending   byte // a two-byte command (PWM 0xA3) awaiting its argument
}

// RunEmulator plays a BITalino (r)evolution on port: 0x07 answers
// VersionReply when idle, the rate commands select 1/10/100/1000 Hz (1000
// at power-up), a start command (live or simulated) starts streaming the
// masked inputs with the sequence number from 0, 0x00 stops; digital
// output (0xB3…) and PWM (0xA3 n) commands are accepted and ignored,
// battery threshold and other idle commands too. Counts are the
// Generator's µV through the EMG transfer function, clamped to each slot's
// resolution. It returns the number of samples sent after Seconds of
// streaming, or ctx.Err(), or a port error.
func RunEmulator(ctx context.Context, port io.ReadWriter, cfg EmulatorConfig) (int, error) {
	if cfg.Generator == nil {
		return 0, errors.New("bitalino emulator: no Generator")
	}
	if cfg.VCC == 0 {
		cfg.VCC = DefaultVCC
	}
	if cfg.Gain == 0 {
		cfg.Gain = DefaultGain
	}
	return link.Run(ctx, port, link.EmulatorConfig{
		Name: "bitalino emulator", Channels: MaxChannels, RateHz: DefaultRateHz, Seconds: cfg.Seconds,
		Corrupt: cfg.Corrupt, Seed: cfg.Seed, Dump: cfg.Dump, OnCorrupt: cfg.OnCorrupt,
	}, &device{vcc: cfg.VCC, gain: cfg.Gain, gen: cfg.Generator})
}

func (d *device) Command(em *link.Emulator, b []byte) error {
	for _, c := range b {
		if d.pending != 0 {
			d.pending = 0
			continue
		}
		switch {
		case c == CmdStop:
			em.Stop()
		case c == 0xA3:
			d.pending = c
		case c&0xF3 == 0xB3: // digital outputs, any state
		case em.Streaming():
			// Other commands are ignored while acquiring.
		case c == CmdVersion:
			if err := em.Reply(VersionReply); err != nil {
				return err
			}
		case c&0x3F == 0x03:
			em.SetRate([4]float64{1, 10, 100, 1000}[c>>6])
		case c&0x03 == 0x01 || c&0x03 == 0x02:
			d.inputs = d.inputs[:0]
			for a := 1; a <= MaxChannels; a++ {
				if c&(1<<(a+1)) != 0 {
					d.inputs = append(d.inputs, a)
				}
			}
			if len(d.inputs) > 0 {
				em.Start()
			}
		}
	}
	return nil
}

func (d *device) Sample(n uint64, counts []int32) int {
	d.gen.Next(d.uv[:])
	for i, a := range d.inputs {
		b := Bits(i)
		half := int32(1) << (b - 1)
		counts[i] = link.Quantize(d.uv[a-1], ScaleUV(b, d.vcc, d.gain), 0, -half, half-1)
	}
	return len(d.inputs)
}

func (d *device) Encode(dst []byte, n uint64, counts []int32) []byte {
	d.f.Seq = uint8(n & 0x0F)
	for i, c := range counts {
		d.f.ADC[i] = uint16(c + 1<<(Bits(i)-1))
	}
	return AppendFrame(dst, &d.f, len(counts))
}
