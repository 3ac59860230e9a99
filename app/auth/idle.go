package auth

import (
	"sync"
	"time"
)

// DefaultIdleTimeout is how long the screen stays unlocked without input.
const DefaultIdleTimeout = 10 * time.Minute

// IdleTimer decides when the screen locks. The UI calls Activity on every
// key press or click and Tick from a periodic timer (every few seconds);
// Tick returns true once when the idle time has passed and the timer is
// then Locked until Unlock. Time comes from the now function (tests inject
// a clock). Safe for concurrent use.
type IdleTimer struct {
	now     func() time.Time
	mu      sync.Mutex
	timeout time.Duration
	last    time.Time
	locked  bool
}

// NewIdleTimer returns an unlocked timer; timeout ≤ 0 means
// DefaultIdleTimeout; now nil means time.Now.
func NewIdleTimer(timeout time.Duration, now func() time.Time) *IdleTimer {
	if now == nil {
		now = time.Now
	}
	if timeout <= 0 {
		timeout = DefaultIdleTimeout
	}
	return &IdleTimer{now: now, timeout: timeout, last: now()}
}

// SetTimeout changes the idle time (≤ 0: DefaultIdleTimeout).
func (t *IdleTimer) SetTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultIdleTimeout
	}
	t.mu.Lock()
	t.timeout = d
	t.mu.Unlock()
}

// Timeout returns the idle time after which the screen locks.
func (t *IdleTimer) Timeout() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.timeout
}

// Activity notes user input: the idle time starts again. Input while
// locked (typing the password) does not unlock.
func (t *IdleTimer) Activity() {
	t.mu.Lock()
	if !t.locked {
		t.last = t.now()
	}
	t.mu.Unlock()
}

// Tick returns true when the screen must lock now (once per lock).
func (t *IdleTimer) Tick() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.locked || t.now().Sub(t.last) < t.timeout {
		return false
	}
	t.locked = true
	return true
}

// Lock locks at once (the "lock screen" button).
func (t *IdleTimer) Lock() {
	t.mu.Lock()
	t.locked = true
	t.mu.Unlock()
}

// Locked reports whether the screen is locked.
func (t *IdleTimer) Locked() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.locked
}

// Unlock unlocks and restarts the idle time (after the password was
// checked).
func (t *IdleTimer) Unlock() {
	t.mu.Lock()
	t.locked, t.last = false, t.now()
	t.mu.Unlock()
}
