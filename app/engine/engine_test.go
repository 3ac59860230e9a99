package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/processing/pipeline"
)

// errEnd ends a limited source.
var errEnd = errors.New("end of test stream")

// limited is the simulator stopped after n samples per channel.
type limited struct {
	*sim.Source
	left int
}

func (l *limited) ReadBlock(b *acquisition.Block) error {
	if l.left <= 0 {
		b.Len = 0
		return errEnd
	}
	if err := l.Source.ReadBlock(b); err != nil {
		return err
	}
	if b.Len > l.left {
		b.Len = l.left
	}
	l.left -= b.Len
	return nil
}

func newSource(t testing.TB, samples int, paced bool) *limited {
	t.Helper()
	src, err := sim.NewSource(sim.SourceConfig{Config: sim.DefaultConfig(), Paced: paced})
	if err != nil {
		t.Fatal(err)
	}
	return &limited{Source: src, left: samples}
}

// counter is a consumer that checks the frames it gets are contiguous
// and counts their samples; block, when set, is called on the first frame.
type counter struct {
	spec    Spec
	block   func()
	each    func() // called on every frame, when set
	samples atomic.Uint64
	missed  atomic.Uint64
	holes   atomic.Uint64 // frames that did not continue the previous one without saying so
}

func (c *counter) Spec() Spec { return c.spec }

func (c *counter) Run(ctx context.Context, in *Input) error {
	var next uint64
	first := true
	return Each(in, func(f *Frame) {
		if f.Raw.Len == 0 {
			return // an event
		}
		if first && c.block != nil {
			c.block()
		}
		if c.each != nil {
			c.each()
		}
		if !first && f.Raw.Start != next+f.Missed {
			c.holes.Add(1)
		}
		if f.Clean.Start != f.Raw.Start || f.Clean.Len != f.Raw.Len {
			c.holes.Add(1)
		}
		first = false
		next = f.Raw.End()
		c.samples.Add(uint64(f.Raw.Len))
		c.missed.Add(f.Missed)
	})
}

// TestBlockedConsumerCostsOthersNothing: the live view stops for 2 s;
// the decider and the recorder still get every sample the source read,
// in order, and the live view's loss is counted, never hidden.
func TestBlockedConsumerCostsOthersNothing(t *testing.T) {
	const samples = 3000 // 3 s at 1 kHz, paced like a real amplifier
	src := newSource(t, samples, true)
	release := make(chan struct{})
	live := &counter{spec: Spec{Name: "live", Queue: 5}, block: func() { <-release }}
	decide := &counter{spec: Spec{Name: "decide", Queue: 150, Policy: DropIsFault}}
	record := &counter{spec: Spec{Name: "record", Queue: 500}}
	e, err := New(Config{Source: src, BlockLen: 20, Consumers: []Consumer{live, decide, record}})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(2 * time.Second) // the live view is stuck this long
		close(release)
	}()
	if err := e.Run(context.Background()); !errors.Is(err, errEnd) {
		t.Fatalf("Run = %v, want the source's end", err)
	}
	for _, c := range []*counter{decide, record} {
		if got := c.samples.Load(); got != samples || c.missed.Load() != 0 || e.Dropped(c.spec.Name) != 0 || c.holes.Load() != 0 {
			t.Errorf("%s: %d of %d samples, missed %d, dropped %d, holes %d", c.spec.Name, got, samples, c.missed.Load(), e.Dropped(c.spec.Name), c.holes.Load())
		}
	}
	if d := e.Dropped("live"); d == 0 || live.samples.Load()+d != samples || live.missed.Load() != d || live.holes.Load() != 0 {
		t.Errorf("live: %d samples + %d dropped (frames said %d missed, holes %d), want %d in all", live.samples.Load(), d, live.missed.Load(), live.holes.Load(), samples)
	}
	if e.End() != samples || e.Stats().Received != samples {
		t.Errorf("End %d, received %d, want %d", e.End(), e.Stats().Received, samples)
	}
}

// TestFaultPolicySignalsOverflow: a consumer that feeds an actuator hears
// of a full queue at once, and its next frame says how much it missed.
func TestFaultPolicySignalsOverflow(t *testing.T) {
	src := newSource(t, 2000, false)
	release := make(chan struct{})
	c := &faultConsumer{release: release, signalled: make(chan struct{})}
	e, err := New(Config{Source: src, BlockLen: 20, Consumers: []Consumer{c}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(context.Background()) }()
	select {
	case <-c.signalled:
	case <-time.After(10 * time.Second):
		t.Fatal("no overflow signal while the consumer was stuck")
	}
	close(release)
	if err := <-done; !errors.Is(err, errEnd) {
		t.Fatal(err)
	}
	// Drops after the last delivered frame have no frame to tell them;
	// every other drop is announced by the frame after it.
	if d := e.Dropped("glove"); c.missed == 0 || c.missed > d || c.got+d != 2000 {
		t.Fatalf("got %d, frames said %d missed, engine dropped %d", c.got, c.missed, e.Dropped("glove"))
	}
}

type faultConsumer struct {
	release   chan struct{}
	signalled chan struct{}
	got       uint64
	missed    uint64
}

func (c *faultConsumer) Spec() Spec { return Spec{Name: "glove", Queue: 2, Policy: DropIsFault} }

func (c *faultConsumer) Run(ctx context.Context, in *Input) error {
	if in.Overflow() == nil {
		return errors.New("a DropIsFault input has no overflow signal")
	}
	go func() { // the control layer's watch on the queue, apart from the stuck loop
		<-in.Overflow()
		close(c.signalled)
	}()
	<-c.release
	return Each(in, func(f *Frame) {
		c.got += uint64(f.Raw.Len)
		c.missed += f.Missed
	})
}

// countStage counts the blocks it conditions.
type countStage struct{ n atomic.Int64 }

func (s *countStage) Process(dst, src *acquisition.Block) {
	s.n.Add(1)
	dst.CopyFrom(src)
	for i := range dst.Data {
		dst.Data[i] *= 2
	}
}
func (s *countStage) Reset() {}

// TestConditionsOncePerBlock: however many consumers, each block is
// filtered once, and every consumer reads that one result.
func TestConditionsOncePerBlock(t *testing.T) {
	src := newSource(t, 1000, false)
	stage := &countStage{}
	info := src.Info()
	cond := pipeline.NewConditioner(pipeline.ConditionerConfig{Info: info, BlockCap: 20, Filters: []pipeline.MainsFilter{{Hz: 50, Filter: stage}}})
	var cons []Consumer
	var checks []*cleanCheck
	for _, name := range []string{"a", "b", "c", "d"} {
		c := &cleanCheck{name: name}
		cons = append(cons, c)
		checks = append(checks, c)
	}
	e, err := New(Config{Source: src, BlockLen: 20, Conditioner: cond, Consumers: cons})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); !errors.Is(err, errEnd) {
		t.Fatal(err)
	}
	if stage.n.Load() != 50 {
		t.Errorf("filter ran %d times for 50 blocks and 4 consumers", stage.n.Load())
	}
	for _, c := range checks {
		if c.frames != 50 || c.bad != 0 {
			t.Errorf("consumer %s: %d frames, %d not conditioned", c.name, c.frames, c.bad)
		}
	}
}

type cleanCheck struct {
	name        string
	frames, bad int
}

func (c *cleanCheck) Spec() Spec { return Spec{Name: c.name, Queue: 100} }
func (c *cleanCheck) Run(ctx context.Context, in *Input) error {
	return Each(in, func(f *Frame) {
		c.frames++
		for i := range f.Raw.Len {
			if f.Clean.Data[i] != 2*f.Raw.Data[i] || f.Cond == nil {
				c.bad++
				return
			}
		}
	})
}

// TestCancelStopsEverything: cancelling the context stops the reading,
// closes the source, ends every consumer and returns nil.
func TestCancelStopsEverything(t *testing.T) {
	src := newSource(t, 1<<40, true)
	c := &counter{spec: Spec{Name: "x", Queue: 10}}
	e, err := New(Config{Source: src, BlockLen: 20, Consumers: []Consumer{c}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	for deadline := time.Now().Add(30 * time.Second); e.End() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no block read")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if err := e.Run(ctx); err == nil {
		t.Error("a second Run was accepted")
	}
}

// TestEventsReachEveryConsumer: a device event reaches every consumer at
// once, in order with the blocks.
func TestEventsReachEveryConsumer(t *testing.T) {
	src := newSource(t, 400, false)
	var e *Engine
	a, b := &eventCheck{name: "a"}, &eventCheck{name: "b"}
	ev := &eventSource{limited: src, at: 200, fire: func() { e.Event(acquisition.Event{Kind: acquisition.EventReconnected, Sample: 200, Gap: 7}) }}
	e, err := New(Config{Source: ev, BlockLen: 20, Consumers: []Consumer{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background()); !errors.Is(err, errEnd) {
		t.Fatal(err)
	}
	for _, c := range []*eventCheck{a, b} {
		if len(c.got) != 1 || c.got[0].Gap != 7 || c.at != 200 {
			t.Errorf("consumer %s: events %+v on the frame at %d", c.name, c.got, c.at)
		}
	}
}

type eventSource struct {
	*limited
	at   uint64
	fire func()
	read uint64
}

func (s *eventSource) ReadBlock(b *acquisition.Block) error {
	if s.read == s.at {
		s.fire()
	}
	err := s.limited.ReadBlock(b)
	s.read += uint64(b.Len)
	return err
}

type eventCheck struct {
	name string
	got  []acquisition.Event
	at   uint64
}

func (c *eventCheck) Spec() Spec { return Spec{Name: c.name, Queue: 100} }
func (c *eventCheck) Run(ctx context.Context, in *Input) error {
	return Each(in, func(f *Frame) {
		if f.Raw.Len == 0 {
			c.got = append(c.got, f.Event)
			c.at = f.Raw.Start
		}
	})
}

func TestNewRefusesBadConsumers(t *testing.T) {
	src := newSource(t, 10, false)
	for _, cons := range [][]Consumer{
		{&counter{spec: Spec{Name: "", Queue: 1}}},
		{&counter{spec: Spec{Name: "a", Queue: 0}}},
		{&counter{spec: Spec{Name: "a", Queue: 1}}, &counter{spec: Spec{Name: "a", Queue: 1}}},
	} {
		if _, err := New(Config{Source: src, BlockLen: 20, Consumers: cons}); err == nil {
			t.Errorf("consumers %v accepted", cons)
		}
	}
	if _, err := New(Config{BlockLen: 20}); err == nil {
		t.Error("no source accepted")
	}
}

// TestLockstepDropsNothing: an unpaced source outruns a slow consumer
// with a one-frame queue; in lockstep it waits for it, and nothing drops.
func TestLockstepDropsNothing(t *testing.T) {
	for _, lock := range []bool{false, true} {
		src := newSource(t, 4000, false)
		slow := &counter{spec: Spec{Name: "slow", Queue: 1, Policy: DropIsFault}, each: func() { time.Sleep(100 * time.Microsecond) }}
		fast := &counter{spec: Spec{Name: "fast", Queue: 1}}
		e, err := New(Config{Source: src, BlockLen: 20, Consumers: []Consumer{slow, fast}, Lockstep: lock})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Run(context.Background()); !errors.Is(err, errEnd) {
			t.Fatal(err)
		}
		d := e.Dropped("slow")
		switch {
		case !lock && d == 0:
			t.Error("without lockstep the slow consumer kept up: the test proves nothing")
		case lock && (d != 0 || e.Dropped("fast") != 0 || slow.samples.Load() != 4000 || fast.samples.Load() != 4000):
			t.Errorf("lockstep: slow %d samples (%d dropped), fast %d (%d dropped)", slow.samples.Load(), d, fast.samples.Load(), e.Dropped("fast"))
		}
	}
}
