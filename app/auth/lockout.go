package auth

import "time"

// Lockout is the policy for failed log-ins: after MaxTries failures in a
// row the account is locked for First; every further failure (once the
// lock has passed) doubles the lock, up to Max. A successful log-in resets
// the count.
type Lockout struct {
	MaxTries int
	First    time.Duration
	Max      time.Duration
}

// DefaultLockout: 5 tries, then 1 min, 2 min, 4 min … up to 1 h.
func DefaultLockout() Lockout {
	return Lockout{MaxTries: 5, First: time.Minute, Max: time.Hour}
}

// LockFor returns how long the account is locked after failed consecutive
// failures (0 below MaxTries).
func (l Lockout) LockFor(failed int) time.Duration {
	if failed < l.MaxTries {
		return 0
	}
	d := l.First
	for i := l.MaxTries; i < failed && d < l.Max; i++ {
		d *= 2
	}
	return min(d, l.Max)
}
