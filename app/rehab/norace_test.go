//go:build !race

package rehab

const raceEnabled = false
