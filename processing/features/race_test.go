//go:build race

package features

// raceEnabled reports a -race build, whose instrumentation may allocate.
const raceEnabled = true
