package waitfor

import (
	"testing"
	"time"
)

func TestEventually(t *testing.T) {
	n := 0
	Eventually(t, 0, "three polls", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Fatalf("polled %d times", n)
	}
	start := time.Now()
	Eventually(t, time.Hour, "at once", func() bool { return true })
	if time.Since(start) > time.Second {
		t.Error("a true condition waited")
	}
}
