package pace

import (
	"errors"
	"testing"
	"time"

	"myorehab/acquisition"
)

func TestDue(t *testing.T) {
	t.Parallel()
	c := New(250, 0)
	t0 := time.Unix(1000, 0)
	c.Start(t0)
	c.Start(t0.Add(time.Hour)) // only the first Start counts
	for _, test := range []struct {
		i    uint64
		want time.Duration
	}{{0, 0}, {1, 4 * time.Millisecond}, {250, time.Second}, {2500, 10 * time.Second}} {
		if got := c.Due(test.i).Sub(t0); got != test.want {
			t.Errorf("Due(%d) = t0 + %v, want + %v", test.i, got, test.want)
		}
	}
}

// TestWaitLate: a reader behind the clock gets its due block at once; with
// a maxLag, one more than maxLag behind skips to the block ending now.
func TestWaitLate(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		name   string
		maxLag time.Duration
		late   time.Duration // reader's lag at the Wait for samples 100…199
		skip   uint64
	}{
		{"no lag limit", 0, 30 * time.Second, 0},
		{"within the lag", time.Second, 900 * time.Millisecond, 0},
		{"beyond the lag", time.Second, 10 * time.Second, 10100 - 100 - 100},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			c := New(1000, test.maxLag)
			t0 := time.Unix(1000, 0)
			now := t0
			c.Now = func() time.Time { return now }
			if skip, err := c.Wait(nil, 0, 0); err != nil || skip != 0 {
				t.Fatalf("first Wait: %d, %v", skip, err)
			}
			now = t0.Add(100*time.Millisecond + test.late)
			skip, err := c.Wait(nil, 100, 100) // due at t0 + 0.2 s: already past
			if err != nil || skip != test.skip {
				t.Errorf("Wait = %d, %v; want skip %d", skip, err, test.skip)
			}
		})
	}
}

func TestWaitClosed(t *testing.T) {
	t.Parallel()
	c := New(1, 0)
	done := make(chan struct{})
	close(done)
	if _, err := c.Wait(done, 0, 3600); !errors.Is(err, acquisition.ErrClosed) {
		t.Errorf("Wait on a closed source: %v", err)
	}
}

func TestWaitPaces(t *testing.T) {
	t.Parallel()
	c := New(1000, 0)
	start := time.Now()
	for next := uint64(0); next < 50; next += 10 {
		if _, err := c.Wait(nil, next, 10); err != nil {
			t.Fatal(err)
		}
		// Never before the block's last sample is due (load only delays).
		if now := time.Now(); now.Before(c.Due(next + 10)) {
			t.Fatalf("block %d–%d returned %v early", next, next+10, c.Due(next+10).Sub(now))
		}
	}
	if !c.Due(0).After(start.Add(-time.Nanosecond)) {
		t.Error("the first Wait did not start the clock")
	}
}
