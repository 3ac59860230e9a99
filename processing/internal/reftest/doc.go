// Package reftest reads the scipy/PyWavelets reference vectors of
// ../shared/reference (see the README there) for the tests of the
// processing packages. Tests skip with a clear message when the folder is
// absent, and fail under CI=true (internal/shareddata).
package reftest
