// Package quality assesses the signal quality of every EMG channel live,
// over a sliding window (1 s by default), so that the clinician sees at a
// glance which electrode needs attention and so that later consumers (the
// glove controller) never act on a bad channel.
//
// A Monitor runs four checks per channel, each with a documented threshold
// (the constants below, with their reasoning) and a short plain-language
// reason for the clinician:
//
//   - flat line or stuck counts (electrode off, lead broken, channel dead);
//   - saturation: samples at the ADC rails (clipping, a railed amplifier);
//   - mains dominance: power within ±1 Hz of 50 or 60 Hz against the
//     20–450 Hz EMG band;
//   - motion artefact: power below 20 Hz against the EMG band.
//
// Per sample, streaming IIR filters (a 20–450 Hz Butterworth band-pass and
// a 20 Hz Butterworth low-pass, processing/filter designs started in steady
// state on the first sample) split the signal into the EMG band and the
// motion band; their powers and the raw statistics are summed into short
// segments (50 ms), and the window is the sum of the latest segments. Each
// time a segment completes, Goertzel filters over the Hann-windowed EMG
// band of the window measure the power within one bin (±1 Hz for a 1 s
// window) of each mains frequency. Process does not allocate.
//
// Monitor is pure and not safe for concurrent use: one goroutine (the
// processing goroutine) owns it and publishes copies (Statuses) to others.
package quality
