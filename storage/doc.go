// Package storage defines MyoRehab's record types (patients, sessions,
// recordings) and the Store interface; storage/sqlite implements it on one
// SQLite file. This package is pure Go (no cgo) so that the UI and the
// processing code can use its types without linking SQLite.
package storage
