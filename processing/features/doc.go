// Package features implements LibEMG's time- and frequency-domain EMG
// features (MAV, ZC, SSC, WL, LS, …, SAMPEN, FUZZYEN) and its feature groups
// (HTD/TD, TDPSD, TSTD, LS4, LS9, TDAR, COMB) with LibEMG's default parameters.
//
// A Set is built once from feature and group names (NewSet); it knows its
// output length and column names in LibEMG's order and computes all features
// of one multichannel window with Extract without allocating. ExtractSliding
// applies it to every window of a longer recording.
//
// A Stream computes a Set's features on the latest window of a stream for
// the real-time path: the work is shared between overlapping windows
// (per-chunk partial sums, a sorted window for LS, Burg's recursion on
// autocorrelations for AR and CC), and the values equal Extract's on the
// same window up to the order of additions.
//
// Definitions follow LibEMG's Python code (libemg.feature_extractor,
// commit 285350e) as documented in ../shared/data/libemg-reference/README.md:
// where LibEMG's Python and its MATLAB reference values differ (VAR, AR, CC,
// SM, SAMPEN, FUZZYEN, and the frequency axis of MDF/MNF), the Python
// definition is implemented. Units follow the input: amplitude features carry
// the unit of the samples (µV), frequency features Hz, counts are returned as
// float64.
//
// On amd64 CPUs with AVX2 (probed once at start-up with golang.org/x/sys/cpu) the pass
// behind MAV, IAV, ZC, SSC, WL, MFL and MAVFD runs in an assembly kernel,
// four samples per instruction; elsewhere, or with the purego build tag, in
// portable Go. The two give identical counts, and sums that differ only by
// the order of the additions (relative difference below N·2⁻⁵³).
package features
