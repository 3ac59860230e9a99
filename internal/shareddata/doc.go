// Package shareddata finds the reference vectors and real recordings that
// live in ../shared beside the module root (never copied into the module:
// see ../shared/data/README.md) for the tests of every package.
//
// When the folder or a file in it is absent a test skips with a clear
// message, except under CI=true, where it fails: a CI run that silently
// skipped every scipy, LibEMG and real-data check would be green without
// having checked anything. It imports only the standard library.
package shareddata
