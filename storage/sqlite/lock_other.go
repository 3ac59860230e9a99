//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sqlite

import "os"

// lockOwner opens path without locking: on this platform every open DB acts
// as the owner, so a second process opening the database while another one
// records marks that recording interrupted.
func lockOwner(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// ownerLockSupported reports whether lockOwner really locks.
const ownerLockSupported = false
