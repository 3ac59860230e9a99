// Package csvio reads and writes the CSV files of the command line: comma
// separated, one column per channel, at most one header line.
//
// Reading: a first line that does not parse as numbers is a header (the
// channel labels); every other line must hold one number per column.
// Writing: one header line, then numbers as the shortest text that parses
// back to the same float64 (strconv.FormatFloat(v, 'g', -1, 64)).
// Units are whatever the caller stores (µV, raw counts, hertz, seconds).
package csvio
