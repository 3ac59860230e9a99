// Package fatigue tracks localised muscle fatigue in surface EMG: per
// channel, the median and mean frequency (MDF, MNF) and the RMS amplitude
// of consecutive non-overlapping windows, the least-squares MDF trend, the
// percentage decline of the MDF from the start of the session, a fatigue
// flag that only looks at windows where the muscle is active, and a joint
// spectrum–amplitude (JASA) label per window.
//
// Spectra are Welch estimates (processing/spectrum, scipy.signal.welch
// conventions) of each window alone; MDF and MNF are taken over a band,
// usually 20–450 Hz. With the defaults (1 s windows, 0.2 s segments with
// 50 % overlap) the numbers equal the McKiernan reference
// (../shared/data/mckiernan-sustained/README.md) to round-off.
//
// A Tracker is the streaming form for the live view: feed it blocks in any
// cut and it produces one Window per channel and per window length (1 s
// points) plus a Summary (slope, decline, flag so far), without allocating
// per block. Analyze is the offline form over a whole recording and uses the
// same code, so the command line and the live view agree.
package fatigue
