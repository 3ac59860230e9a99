// Package script runs timed prompts on a recording's own sample clock: a
// prompt's hold and rest last a number of samples, not of wall-clock
// seconds, so a busy machine or a slow screen never shortens what the
// patient did; each completed hold is annotated in the session at the
// sample indices it covered. Calibration uses it for its gestures and MVC
// holds; guided exercise sessions use it for their repetitions.
//
// A runner can be paused and resumed: a hold interrupted by a pause does
// not count and is repeated from its start on resume, so an annotation
// never covers a hold the patient did not complete.
package script

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"myorehab/storage"
)

// Clock tells where the recording stands.
type Clock interface {
	// Position returns the samples per channel recorded so far in the
	// session and the sample rate in hertz, or an error (for the
	// therapist) when the recording or the device is gone.
	Position() (samples int64, rateHz float64, err error)
}

// Annotator stores an annotation of the session (a.Sample and a.Duration in
// session samples). It should not wait for the database
// (record.Recorder.Annotate queues it to the session's writer).
type Annotator interface {
	Annotate(a *storage.Annotation) error
}

// Step is one prompt: hold for Hold, then rest for Rest.
type Step struct {
	// Hold and Rest are the durations of the hold and the rest after it;
	// Hold > 0, Rest ≥ 0.
	Hold, Rest time.Duration
	// Begin is called when the hold starts (e.g. the simulated patient
	// starts the gesture); Relax when the rest starts. Either may be nil.
	Begin, Relax func()
	// Marks returns the annotations of a completed hold that started at
	// session sample start and lasted hold samples; nil: none.
	Marks func(start, hold int64) []*storage.Annotation
}

// Progress is what the runner is doing.
type Progress struct {
	// Active is set while Run runs.
	Active bool
	// Index is the step being performed, from 0; Count the number of steps.
	Index, Count int
	// Resting is set during the rest after the hold; Paused while paused.
	Resting, Paused bool
	// Remaining is the time left of the hold (or of the rest when Resting).
	Remaining time.Duration
	// Done is the fraction of the whole run completed, 0 to 1.
	Done float64
}

// Config configures a Runner.
type Config struct {
	Clock     Clock
	Annotator Annotator
	// Tick is how often the runner checks the recording's position
	// (default 10 ms).
	Tick time.Duration
	// Stall is how long the runner waits for samples before giving up
	// (default 3 s).
	Stall time.Duration
	// Advance, when set, is called instead of waiting a Tick: the runner
	// drives an unpaced source (the simulator in fast mode) that produces
	// its next block only when asked, and Advance returns once that block
	// has been taken by every consumer. Prompts then fall on exact block
	// boundaries whatever the machine's speed.
	Advance func(ctx context.Context) error
}

// ErrStalled is wrapped by the error Run returns when no sample arrived
// for the stall time.
var ErrStalled = errors.New("no signal")

// Runner runs steps on a recording. Progress, Pause and Resume are safe
// from any goroutine.
type Runner struct {
	cfg Config

	mu       sync.Mutex
	progress Progress
	paused   bool
	resumed  chan struct{} // closed on Resume
}

// New returns a Runner for cfg. It panics without a Clock or Annotator.
func New(cfg Config) *Runner {
	if cfg.Clock == nil || cfg.Annotator == nil {
		panic("script: a Clock and an Annotator are required")
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 10 * time.Millisecond
	}
	if cfg.Stall <= 0 {
		cfg.Stall = 3 * time.Second
	}
	return &Runner{cfg: cfg}
}

// Progress returns what Run is doing.
func (r *Runner) Progress() Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.progress
}

// Pause holds the run: the current hold does not count and is repeated
// after Resume; a rest goes on counting.
func (r *Runner) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.paused {
		r.paused, r.resumed = true, make(chan struct{})
		r.progress.Paused = true
	}
}

// Resume continues a paused run.
func (r *Runner) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.paused {
		r.paused = false
		close(r.resumed)
		r.progress.Paused = false
	}
}

// Paused reports whether the run is paused.
func (r *Runner) Paused() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paused
}

// errPaused interrupts a hold.
var errPaused = errors.New("paused")

// Run performs steps in turn. It returns when all are done, ctx ends, the
// clock fails (device or recording gone) or the stream stalls.
func (r *Runner) Run(ctx context.Context, steps []Step) error {
	var total time.Duration
	for i, s := range steps {
		if s.Hold <= 0 || s.Rest < 0 {
			return fmt.Errorf("prompt %d: hold %v and rest %v", i+1, s.Hold, s.Rest)
		}
		total += s.Hold + s.Rest
	}
	defer func() {
		r.mu.Lock()
		r.progress.Active = false
		r.mu.Unlock()
	}()
	var elapsed time.Duration
	for i := 0; i < len(steps); {
		s := steps[i]
		show := func(resting bool, base, left time.Duration) {
			r.mu.Lock()
			r.progress = Progress{Active: true, Index: i, Count: len(steps), Resting: resting, Paused: r.paused,
				Remaining: left, Done: float64(elapsed+base) / float64(max(total, 1))}
			r.mu.Unlock()
		}
		if err := r.waitResume(ctx); err != nil {
			return err
		}
		start, rate, err := r.cfg.Clock.Position()
		if err != nil {
			return err
		}
		if s.Begin != nil {
			s.Begin()
		}
		hold := int64(math.Round(s.Hold.Seconds() * rate))
		err = r.wait(ctx, start+hold, true, func(left time.Duration) { show(false, s.Hold-left, left) })
		if errors.Is(err, errPaused) {
			if s.Relax != nil {
				s.Relax()
			}
			continue // the hold is repeated after the pause
		}
		if err != nil {
			return err
		}
		if s.Marks != nil {
			for _, a := range s.Marks(start, hold) {
				if err := r.cfg.Annotator.Annotate(a); err != nil {
					return fmt.Errorf("record the prompt: %w", err)
				}
			}
		}
		if s.Rest > 0 {
			if s.Relax != nil {
				s.Relax()
			}
			end := start + hold + int64(math.Round(s.Rest.Seconds()*rate))
			if err := r.wait(ctx, end, false, func(left time.Duration) { show(true, s.Hold+s.Rest-left, left) }); err != nil {
				return err
			}
		}
		elapsed += s.Hold + s.Rest
		i++
	}
	return nil
}

// waitResume returns at once unless paused, then when resumed or ctx ends.
func (r *Runner) waitResume(ctx context.Context) error {
	r.mu.Lock()
	paused, resumed := r.paused, r.resumed
	r.mu.Unlock()
	if !paused {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-resumed:
		return nil
	}
}

// wait returns once the session holds target samples, calling show with
// the time left on every tick. It fails when ctx ends, the clock fails or
// no sample arrives for the stall time; with pausable set, a pause
// interrupts it (errPaused).
func (r *Runner) wait(ctx context.Context, target int64, pausable bool, show func(left time.Duration)) error {
	t := time.NewTicker(r.cfg.Tick)
	defer t.Stop()
	last, lastAt := int64(-1), time.Now()
	for {
		if pausable && r.Paused() {
			return errPaused
		}
		n, rate, err := r.cfg.Clock.Position()
		if err != nil {
			return err
		}
		if n >= target {
			show(0)
			return nil
		}
		show(time.Duration(float64(target-n) / rate * float64(time.Second)))
		if n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > r.cfg.Stall {
			return fmt.Errorf("%w for %.0f s (device switched off or cable pulled?): check the device and start again", ErrStalled, r.cfg.Stall.Seconds())
		}
		if r.cfg.Advance != nil {
			if err := r.cfg.Advance(ctx); err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
