// Package filter implements causal IIR filters for EMG blocks and the
// matching offline zero-phase filters.
//
// Design functions reproduce SciPy (1.10) to round-off:
// ButterSOS and ButterZPK follow scipy.signal.butter(N, Wn, btype, fs=fs,
// output='sos'|'zpk'), ZPKToSOS follows scipy.signal.zpk2sos with its
// default "nearest" pairing, and Notch follows scipy.signal.iirnotch.
// Design parameters usually come from the command line or the settings
// screen, so invalid ones are reported as errors wrapping ErrInvalid.
//
// Streaming filters keep their state between calls, so the output does not
// depend on how a stream is cut into blocks. Cascade filters one channel
// ([]float64); Chain filters every channel of an acquisition.Block and is a
// processing Stage (Process(dst, src *acquisition.Block), Reset). Neither
// allocates per call. The recursion is SciPy's sosfilt: transposed direct
// form II per section, sections applied in order,
//
//	y  = b0·x + z1
//	z1 = b1·x − a1·y + z2
//	z2 = b2·x − a2·y
//
// SOSFilt, SOSFiltFilt and LFilter are the one-shot (offline) forms of
// scipy.signal.sosfilt, sosfiltfilt (padtype 'odd', default padlen) and
// lfilter.
package filter
