package ui

import (
	"reflect"
	"sync"

	"fyne.io/fyne/v2"
)

// runner runs blocking service calls off the Fyne goroutine and applies
// their results on it, one at a time.
//
// Under Fyne's test driver there is no Fyne goroutine: fyne.Do runs its
// function at once on the calling goroutine, which would apply results
// concurrently with the test's own widget calls. With deferred set (see
// isTestDriver) the results are queued instead and applied by wait, on the
// test's goroutine.
type runner struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	deferred bool
	queue    []func() // results waiting for wait (deferred only); guarded by mu
}

// do runs work on a new goroutine; the function work returns, if not nil,
// is then applied on the Fyne goroutine (fyne.DoAndWait). do must be
// called on the Fyne goroutine.
func (r *runner) do(work func() (apply func())) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		apply := work()
		if apply == nil {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.deferred {
			r.queue = append(r.queue, apply)
			return
		}
		fyne.DoAndWait(apply)
	}()
}

// wait blocks until every call started by do, including calls started by
// applying results, has finished and its result has been applied. It must
// not be called on the Fyne goroutine of a real driver.
func (r *runner) wait() {
	for {
		r.wg.Wait()
		r.mu.Lock()
		q := r.queue
		r.queue = nil
		r.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, apply := range q {
			apply()
		}
	}
}

// isTestDriver reports whether d is the driver of fyne.io/fyne/v2/test.
func isTestDriver(d fyne.Driver) bool {
	t := reflect.TypeOf(d)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && t.PkgPath() == "fyne.io/fyne/v2/test"
}
