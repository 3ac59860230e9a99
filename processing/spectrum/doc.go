// Package spectrum estimates EMG power spectra: Welch's averaged periodogram
// (scipy.signal.welch conventions), short-time Fourier transform magnitudes
// (scipy.signal.stft defaults) and the median and mean frequency of a
// spectrum over a band, the usual EMG fatigue indicators.
//
// Welch and STFT are preallocated for fixed segment parameters (FFT plan,
// window and scratch built by the constructor, gonum's real FFT underneath);
// their per-call methods and MedianFrequency/MeanFrequency do not allocate.
// Frequencies are in Hz; a PSD has the unit of the input squared per Hz
// (µV²/Hz for acquisition blocks).
package spectrum
