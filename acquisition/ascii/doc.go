// Package ascii reads text-line amplifiers: the de-facto Arduino/MyoWare
// convention (one line of numbers per sample, no counter) and its superset
// EMG-ASCII v1 (PROTOCOLS.md sections 3.1 and 6.5), and emulates an
// EMG-ASCII v1 device for tests and `myorehab emulate`.
//
// Lines end in "\n" or "\r\n". Lines starting with '#' are metadata,
// space-separated key=value pairs:
//
//	# rate=1000 units=adc bits=10 vref=5.0 gain=1 labels=FDS,EDC counter=1
//
// Data lines are `[n,]v1,…,vN` with comma, space or tab separators (runs
// count as one) and optional `label:value` fields; n is a uint32 sample
// counter, present when the metadata says counter=1. Values are integers
// (ADC counts, kept exactly as Raw) or decimals (rounded to integer Raw
// counts after multiplying by Decoder.Mult, e.g. 1000 for mV → µV).
// Lines that do not parse (banners, partial lines, wrong field counts) are
// skipped and counted as corrupt; a line longer than MaxLine without a
// newline is skipped as garbage.
//
// Units: units=adc gives µV = Raw × vref / 2^bits / gain × 1e6 (µV at the
// electrodes when gain is the sensor's gain, e.g. 200 for MyoWare 2.0 RAW;
// the ADC's mid-scale offset stays in the µV and is removed by the
// high-pass filter); units=uV is 1 µV per count; units=mV is read ×1000.
//
// With a counter, lost lines are counter gaps (uint32, so never
// ambiguous) left as gaps in the index. Without one (plain Arduino
// sketches, rate set by delay()), the host must time the samples:
//
//   - Rate: from `# rate=` when given, else estimated at Open by counting
//     lines over Config.RateWindow (default 2 s) and dividing the count − 1
//     by the time between the first and the last.
//   - Timestamps: each line's host arrival time is smoothed by a first-order
//     clock (predicted = previous + 1/rate; smoothed = predicted + 0.02 ×
//     (arrival − predicted)), which absorbs USB burst jitter (lines arrive
//     in 1–16 ms bursts) and follows slow drift of the device's clock.
//   - Resampling: the stream is linearly interpolated onto the uniform grid
//     k / rate; a grid point that falls exactly on a line keeps its integer
//     count, others get the rounded interpolated count in Raw and the exact
//     interpolated µV in Data.
//   - Gaps: a line arriving more than max(0.25 s, 10 periods) after its
//     predicted time restarts the clock at its arrival: the grid points in
//     between are left as a gap and counted as lost.
//
// Electrical safety: hobby sensors (MyoWare and similar) must only be used
// from a battery-powered computer or through an isolation amplifier.
// Source.HobbySensor reports true for every ascii source and SafetyWarning
// is the text the UI shows.
//
// Open writes one '\n' after opening: sketches ignore input, and the
// emulator (and our recommended firmware) (re)start their stream on it
// with the banner and metadata, because a pty cannot carry the DTR reset
// that restarts an Uno.
package ascii
