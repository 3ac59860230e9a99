// Package sim is MyoRehab's simulated sEMG amplifier.
//
// A Simulator generates band-limited surface EMG, sample by sample, for a
// forearm electrode ring of 1 to 16 channels: the amplitude of each channel
// follows the activation pattern of the gesture being performed (rest, power
// grip, open hand, pinch, wrist flexion, wrist extension), scaled by a level
// in [0, 1], with smooth onset and offset; the spectrum's median frequency
// falls slowly during a sustained contraction (muscle fatigue) and recovers at
// rest; baseline amplifier noise and mains interference are added. Output is
// in microvolts (µV) and deterministic for a given Config.Seed.
//
// The Simulator implements acquisition.Generator, so the protocol emulators
// can quantise its output to their counts. Source wraps a Simulator as an
// acquisition.Source that delivers Blocks in real time (or as fast as asked,
// for tests and benchmarks).
//
// The gesture is chosen either by a Script (the default demo script cycles
// through every gesture) or manually with SetGesture and SetLevel, which are
// safe to call from any goroutine while another goroutine generates samples.
package sim
