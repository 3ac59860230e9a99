package script

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"myorehab/storage"
)

// stepClock is a recording that grows by step samples at each look, at
// 1 kHz; frozen stops it.
type stepClock struct {
	n      atomic.Int64
	step   int64
	frozen atomic.Bool
	fail   atomic.Bool
}

func (c *stepClock) Position() (int64, float64, error) {
	if c.fail.Load() {
		return 0, 0, errors.New("the calibration recording stopped")
	}
	if c.frozen.Load() {
		return c.n.Load(), 1000, nil
	}
	return c.n.Add(c.step) - c.step, 1000, nil
}

// notes keeps the annotations.
type notes struct {
	mu  sync.Mutex
	got []storage.Annotation
}

func (n *notes) Annotate(a *storage.Annotation) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, *a)
	return nil
}

func marks(name string) func(start, hold int64) []*storage.Annotation {
	return func(start, hold int64) []*storage.Annotation {
		return []*storage.Annotation{{Sample: start, Duration: hold, Kind: "label", Text: name}}
	}
}

func TestRunAnnotatesHoldsOnTheSampleClock(t *testing.T) {
	clock := &stepClock{step: 10}
	n := &notes{}
	r := New(Config{Clock: clock, Annotator: n, Tick: time.Microsecond})
	var order []string
	steps := []Step{
		{Hold: 200 * time.Millisecond, Rest: 100 * time.Millisecond, Marks: marks("grip"),
			Begin: func() { order = append(order, "begin grip") }, Relax: func() { order = append(order, "relax") }},
		{Hold: 300 * time.Millisecond, Marks: marks("open"), Begin: func() { order = append(order, "begin open") }},
	}
	if err := r.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	if len(n.got) != 2 {
		t.Fatalf("annotations %+v", n.got)
	}
	g, o := n.got[0], n.got[1]
	if g.Text != "grip" || g.Sample != 0 || g.Duration != 200 {
		t.Errorf("grip annotation %+v, want samples [0, 200)", g)
	}
	if o.Text != "open" || o.Sample < 300 || o.Duration != 300 {
		t.Errorf("open annotation %+v, want 300 samples after the 300-sample hold and rest", o)
	}
	if fmt.Sprint(order) != "[begin grip relax begin open]" {
		t.Errorf("hooks ran as %v", order)
	}
	if p := r.Progress(); p.Active || p.Done != 1 || p.Count != 2 {
		t.Errorf("progress after the run %+v", p)
	}
}

// TestPauseRepeatsTheHold: a hold interrupted by a pause leaves no
// annotation and is performed again, whole, after Resume.
func TestPauseRepeatsTheHold(t *testing.T) {
	clock := &stepClock{step: 10}
	n := &notes{}
	r := New(Config{Clock: clock, Annotator: n, Tick: time.Microsecond})
	begins := 0
	steps := []Step{{Hold: 500 * time.Millisecond, Marks: marks("pinch"),
		Begin: func() {
			begins++
			if begins == 1 {
				r.Pause() // the therapist pauses during the first try
			}
		},
		Relax: func() {
			if r.Paused() {
				go r.Resume() // the interrupted hold was abandoned; resume
			}
		}}}
	if err := r.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	if begins != 2 || len(n.got) != 1 || n.got[0].Duration != 500 || n.got[0].Sample == 0 {
		t.Fatalf("%d tries, annotations %+v: want one complete hold after the pause", begins, n.got)
	}
}

func TestRunFailsClearly(t *testing.T) {
	t.Run("stall", func(t *testing.T) {
		clock := &stepClock{step: 10}
		clock.frozen.Store(true)
		r := New(Config{Clock: clock, Annotator: &notes{}, Tick: time.Millisecond, Stall: 30 * time.Millisecond})
		err := r.Run(context.Background(), []Step{{Hold: time.Second}})
		if !errors.Is(err, ErrStalled) {
			t.Fatalf("frozen stream: %v", err)
		}
	})
	t.Run("clock", func(t *testing.T) {
		clock := &stepClock{step: 10}
		clock.fail.Store(true)
		r := New(Config{Clock: clock, Annotator: &notes{}})
		if err := r.Run(context.Background(), []Step{{Hold: time.Second}}); err == nil {
			t.Fatal("a gone recording did not stop the run")
		}
	})
	t.Run("bad step", func(t *testing.T) {
		r := New(Config{Clock: &stepClock{step: 1}, Annotator: &notes{}})
		if err := r.Run(context.Background(), []Step{{Hold: 0}}); err == nil {
			t.Fatal("a zero hold was accepted")
		}
	})
	t.Run("cancel", func(t *testing.T) {
		clock := &stepClock{step: 1}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := New(Config{Clock: clock, Annotator: &notes{}})
		if err := r.Run(ctx, []Step{{Hold: time.Hour}}); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled run: %v", err)
		}
	})
}

// TestAdvanceDrivesTheClock: with Advance set the runner never waits for a
// tick; it asks for the next block whenever it waits, and every cue falls
// on a block boundary — the hold starts where the clock stood at Begin.
func TestAdvanceDrivesTheClock(t *testing.T) {
	clock := &stepClock{step: 0}
	clock.frozen.Store(true)
	n := &notes{}
	var advances atomic.Int64
	var begins []int64
	r := New(Config{Clock: clock, Annotator: n, Tick: time.Hour, Stall: time.Hour, Advance: func(context.Context) error {
		advances.Add(1)
		clock.n.Add(20) // one 20-sample block
		return nil
	}})
	steps := []Step{
		{Hold: 100 * time.Millisecond, Rest: 40 * time.Millisecond, Marks: marks("a"), Begin: func() { begins = append(begins, clock.n.Load()) }},
		{Hold: 60 * time.Millisecond, Marks: marks("b"), Begin: func() { begins = append(begins, clock.n.Load()) }},
	}
	if err := r.Run(context.Background(), steps); err != nil {
		t.Fatal(err)
	}
	// 100 + 40 + 60 ms at 1 kHz in 20-sample blocks: 10 advances.
	if got := advances.Load(); got != 10 {
		t.Errorf("%d advances, want 10", got)
	}
	if fmt.Sprint(begins) != "[0 140]" {
		t.Errorf("holds began at samples %v, want [0 140]", begins)
	}
	if len(n.got) != 2 || n.got[0].Sample != 0 || n.got[0].Duration != 100 || n.got[1].Sample != 140 || n.got[1].Duration != 60 {
		t.Errorf("annotations %+v", n.got)
	}
}
