// Package waitfor is the tests' one way to wait for something that happens
// on other goroutines or processes: poll a condition, with a deadline long
// enough that a busy machine (tests beside tests) only makes it slower,
// never red.
package waitfor

import (
	"testing"
	"time"
)

// MinWait is the shortest deadline Eventually gives a condition.
const MinWait = 30 * time.Second

// Eventually polls cond every 10 ms until it holds, failing the test with
// what when it has not after max(d, MinWait). It returns as soon as cond
// holds, so the long deadline costs nothing when all is well.
func Eventually(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	d = max(d, MinWait)
	deadline := time.Now().Add(d)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", d, what)
		}
		<-tick.C
	}
}
