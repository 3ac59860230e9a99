// Package edf reads and writes EDF, EDF+, BDF and BDF+ files (European Data
// Format; BioSemi's 24-bit variant), the exchange formats of clinical
// neurophysiology (../shared/PROTOCOLS.md §5).
//
// Reading: Read and ReadFile parse EDF, EDF+C/D, BDF and BDF+C/D. Every
// header field is validated and a damaged file yields an error a clinician
// can act on ("not an EDF/BDF file", "header says 11 signals but the file
// is too short"). Sizes declared by the header are checked against the
// file size before anything is allocated, so a hostile header cannot make
// the reader allocate more than about twice the file's size. Samples are
// returned as raw counts per signal ([]int32); Signal.Scale and
// Signal.Offset convert them to physical units:
//
//	physical = count·Scale + Offset
//
// Annotation signals ("EDF Annotations", "BDF Annotations") are parsed into
// Annotations exactly per the EDF+ TAL grammar.
//
// Writing: Writer streams EDF+C (16-bit) or BDF+C (24-bit) files with one
// annotation signal, a time-keeping TAL in every data record, annotations
// in the record holding their onset (overflow goes to later records), and
// the record count patched on Close.
//
// Units: times and durations in seconds, rates in hertz; physical values in
// the unit named by each signal's PhysicalDim.
package edf
