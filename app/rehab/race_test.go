//go:build race

package rehab

const raceEnabled = true
