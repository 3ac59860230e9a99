package sim

import (
	"fmt"
	"math"
)

// MaxChannels is the largest channel count a Simulator supports.
const MaxChannels = 16

// Defaults used by DefaultConfig and for zero Config fields that have one.
const (
	DefaultChannels      = 8
	DefaultRateHz        = 1000.0
	DefaultMaxUV         = 200.0 // µV RMS at full activation
	DefaultNoiseUV       = 5.0   // µV RMS
	DefaultMainsHz       = 50.0
	DefaultMainsUV       = 10.0 // µV peak
	DefaultMDFHz         = 100.0
	DefaultFatigueHzPerS = 0.4
	DefaultRampS         = 0.15
	DefaultRecoveryS     = 20.0
)

// Config describes a simulated amplifier and patient.
//
// The structural fields (Channels, RateHz, Labels, MaxUV, MDFHz, RampS,
// RecoveryS) take their default when zero. The disturbance fields (NoiseUV,
// MainsHz, MainsUV, FatigueHzPerS) are used as given, so zero turns them off;
// DefaultConfig returns recommended values for all of them.
type Config struct {
	// Channels is the number of electrodes, 1 to MaxChannels, evenly spaced
	// around the forearm (default 8).
	Channels int
	// RateHz is the sampling rate in hertz, 1 to 100000 (default 1000).
	RateHz float64
	// Seed makes the output reproducible: equal Configs give equal samples.
	Seed uint64
	// Labels names the channels; nil means DefaultLabels(Channels).
	// Otherwise len(Labels) must equal Channels.
	Labels []string

	// MaxUV is the EMG RMS amplitude in µV of a channel at full activation
	// (default 200). Each channel's gain varies by up to ±15% with Seed,
	// like electrode contact does.
	MaxUV float64
	// NoiseUV is the RMS in µV of the white baseline (amplifier) noise.
	NoiseUV float64
	// MainsHz is the mains frequency in hertz (50 or 60); 0 turns mains
	// interference off, and so does a frequency at or above the Nyquist
	// frequency (an amplifier's anti-alias filter would remove it).
	MainsHz float64
	// MainsUV is the peak mains amplitude in µV; each channel picks up
	// between half and all of it, with its own phase.
	MainsUV float64

	// MDFHz is the median frequency in hertz of a fresh muscle's EMG
	// spectrum (default 100), at most a quarter of RateHz. The EMG band is
	// 20–450 Hz, its lower edge at most 0.1 × RateHz and its upper edge at
	// most 0.45 × RateHz, so low rates (250 Hz) keep below Nyquist.
	MDFHz float64
	// FatigueHzPerS is how fast, in Hz per second, the median frequency of
	// a fully activated channel falls during a sustained contraction; the
	// rate scales with activation, and the fall stops at 60% of MDFHz.
	FatigueHzPerS float64
	// RecoveryS is the time constant in seconds with which the median
	// frequency recovers at rest (default 20).
	RecoveryS float64
	// RampS is the 10–90% rise and fall time in seconds of muscle activation
	// when the gesture or level changes (default 0.15).
	RampS float64

	// Manual starts the simulator under manual control (Rest, level 1)
	// instead of running Script.
	Manual bool
	// Script is the script run from the start unless Manual is set; nil
	// means DefaultScript.
	Script Script
}

// DefaultConfig returns the recommended configuration: 8 channels at 1000 Hz,
// 5 µV baseline noise, 10 µV of 50 Hz mains, 0.4 Hz/s fatigue, running the
// demo script.
func DefaultConfig() Config {
	return Config{
		Channels:      DefaultChannels,
		RateHz:        DefaultRateHz,
		MaxUV:         DefaultMaxUV,
		NoiseUV:       DefaultNoiseUV,
		MainsHz:       DefaultMainsHz,
		MainsUV:       DefaultMainsUV,
		MDFHz:         DefaultMDFHz,
		FatigueHzPerS: DefaultFatigueHzPerS,
		RecoveryS:     DefaultRecoveryS,
		RampS:         DefaultRampS,
	}
}

// withDefaults returns a copy of c with defaults filled in and Labels copied,
// or an error naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.Channels == 0 {
		c.Channels = DefaultChannels
	}
	if c.Channels < 1 || c.Channels > MaxChannels {
		return c, fmt.Errorf("sim: channels %d not in [1, %d]", c.Channels, MaxChannels)
	}
	if c.RateHz == 0 {
		c.RateHz = DefaultRateHz
	}
	if !(c.RateHz >= 1 && c.RateHz <= 100000) {
		return c, fmt.Errorf("sim: rate %g Hz not in [1, 100000]", c.RateHz)
	}
	if c.Labels == nil {
		c.Labels = DefaultLabels(c.Channels)
	} else {
		if len(c.Labels) != c.Channels {
			return c, fmt.Errorf("sim: %d labels for %d channels", len(c.Labels), c.Channels)
		}
		c.Labels = append([]string(nil), c.Labels...)
	}
	for _, d := range []struct {
		v   *float64
		def float64
	}{{&c.MaxUV, DefaultMaxUV}, {&c.MDFHz, DefaultMDFHz}, {&c.RecoveryS, DefaultRecoveryS}, {&c.RampS, DefaultRampS}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"max amplitude", c.MaxUV}, {"noise", c.NoiseUV}, {"mains frequency", c.MainsHz},
		{"mains amplitude", c.MainsUV}, {"median frequency", c.MDFHz},
		{"fatigue rate", c.FatigueHzPerS}, {"recovery time", c.RecoveryS}, {"ramp time", c.RampS},
	} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return c, fmt.Errorf("sim: %s %g must be finite and non-negative", f.name, f.v)
		}
	}
	if c.Script != nil {
		if err := c.Script.Validate(); err != nil {
			return c, err
		}
		c.Script = append(Script(nil), c.Script...)
	}
	return c, nil
}
