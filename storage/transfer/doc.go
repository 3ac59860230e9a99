// Package transfer exports stored sessions as files (EDF+, BDF+, CSV) and
// imports EDF+/BDF+ recordings as new sessions. The command line (export,
// import) and the desktop app use the same functions.
//
// Export writes the stored raw counts: EDF+C/BDF+C with one annotation
// signal (session annotations, gaps and clipping as annotations), or CSV
// `sample,t_s,<channels...>` in µV (raw counts on request). Gaps (lost or
// dropped samples) are not filled: EDF/BDF files close them and mark the
// place with an annotation; CSV files show them as jumps in the sample
// column.
//
// Import reads an EDF, EDF+, BDF or BDF+ file (ReadRecording) and stores its
// raw counts, scale and annotations as a new session of type import
// (Import); the padding of the last data record is left out, so a recording
// keeps its duration through any number of round trips. Files that are not
// EDF/BDF, are damaged, or cannot be one session (signals at several rates,
// no signals, no data records) are refused with a sentence naming the file
// (ErrNotRecording); nothing is stored then, nor when an import fails half
// way.
//
// Each channel's physical dimension is not kept yet: a session stores µV
// per count only, so a signal in another unit ("adu") is stored as if µV
// and exported as µV (a note says so on import).
//
// Units: samples are per channel; rates in hertz; times in seconds;
// physical values in µV unless the file says otherwise.
package transfer
