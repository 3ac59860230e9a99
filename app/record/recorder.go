// Package record keeps a live stream in sessions of a patient: the
// Recorder is a consumer of every stream the device opens and writes the
// raw counts, per-second metrics and device events of the active session
// through the session's sqlite.Writer.
package record

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"myorehab/acquisition"
	"myorehab/app/engine"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// Stream is what the Recorder needs to know of the connected device.
type Stream interface {
	// Info describes the open stream; false when none is open.
	Info() (acquisition.StreamInfo, bool)
	// SourceStats returns the source's counters.
	SourceStats() acquisition.Stats
}

// Recorder stores the connected stream into a session while a recording
// is active. It is a consumer of every stream the device opens (Consumer):
// its goroutine writes the raw counts, the per-second metrics of the
// shared conditioning and the device events into the session through the
// session's sqlite.Writer, whose own goroutine does every database write.
// No lock the UI takes is ever held during database I/O, and nothing here
// runs on the reading goroutine.
type Recorder struct {
	log    *slog.Logger
	db     *sqlite.DB
	stream Stream
	clock  func() time.Time

	startMu sync.Mutex // serialises Start and Stop (never taken by State, Err, Dropped)
	active  atomic.Pointer[recording]
	// dropped accumulates the samples that finished recordings lost.
	dropped atomic.Uint64
	// in is the queue of the stream being read, taken the frames the
	// recorder goroutine has taken from it (Stop waits for them).
	in    atomic.Pointer[engine.Input]
	taken atomic.Uint64
}

// recording is one active session.
type recording struct {
	session *storage.Session
	w       *sqlite.Writer
	lost0   uint64 // the source's lost count when the recording started
	// ctx ends when Stop begins: a take waiting for room in the writer's
	// queue gives up, and its block is counted as dropped.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // held by take (the recorder goroutine) and by Stop's handover
	closed bool
	base   uint64 // stream index of the session's first sample
	began  bool
	stored int  // fatigue windows of the stream already considered
	errLog bool // a write error was logged already
	// dropped counts the samples lost before the writer: frames the
	// engine's queue dropped (Frame.Missed) and blocks given up at Stop.
	dropped uint64

	end atomic.Int64 // session samples handed over so far
}

// NewRecorder returns a Recorder writing into db the stream s describes.
func NewRecorder(log *slog.Logger, db *sqlite.DB, s Stream) *Recorder {
	return &Recorder{log: log, db: db, stream: s, clock: time.Now}
}

// Start opens a new session of type typ for the patient and records every
// following block into it. filterDesc describes the conditioning filter.
func (r *Recorder) Start(ctx context.Context, patientID int64, typ storage.SessionType, filterDesc string) (*storage.Session, error) {
	info, ok := r.stream.Info()
	if !ok {
		return nil, errors.New("connect an amplifier (or the simulator) before recording")
	}
	r.startMu.Lock()
	defer r.startMu.Unlock()
	if r.active.Load() != nil {
		return nil, errors.New("a recording is already running")
	}
	s := &storage.Session{
		PatientID:      patientID,
		Type:           typ,
		Status:         storage.StatusRecording,
		StartedAt:      r.clock().UTC(),
		Device:         info.Device,
		Protocol:       info.Protocol,
		Port:           info.Port,
		RateHz:         info.SampleRateHz,
		Channels:       info.Channels,
		Labels:         r.patientLabels(ctx, patientID, info),
		ScaleUV:        info.ScaleUV,
		ResolutionBits: info.ResolutionBits,
		Filter:         filterDesc,
	}
	if err := r.db.CreateSession(ctx, s); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	// The writer's queue holds 10 s of 20 ms blocks: only a disk stalled
	// longer than that loses samples, and then they are counted.
	w, err := sqlite.NewWriter(r.db, s.ID, sqlite.WriterConfig{QueueBlocks: 512})
	if err != nil {
		return nil, fmt.Errorf("start the recording writer: %w", err)
	}
	c := &recording{session: s, w: w, lost0: r.stream.SourceStats().Lost}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	r.active.Store(c)
	r.log.Info("recording started", "session", s.ID, "patient", patientID)
	return s, nil
}

// patientLabels returns the channel labels of the patient's saved channel
// set-up when it fits the device (same channel count, a label for every
// channel), else the device's own labels.
func (r *Recorder) patientLabels(ctx context.Context, patientID int64, info acquisition.StreamInfo) []string {
	setup, err := r.db.LatestChannelSetup(ctx, patientID)
	if err != nil || len(setup.Channels) != info.Channels {
		return info.Labels
	}
	labels := make([]string, len(setup.Channels))
	for i, ch := range setup.Channels {
		if ch.Label == "" {
			return info.Labels
		}
		labels[i] = ch.Label
	}
	return labels
}

// Consumer returns the Recorder's consumer of a stream: a 10 s queue whose
// overflow is counted in the session's dropped samples.
func (r *Recorder) Consumer(info acquisition.StreamInfo, blockLen int) engine.Consumer {
	return recorderConsumer{r: r, queue: int(10*info.SampleRateHz)/blockLen + 1}
}

type recorderConsumer struct {
	r     *Recorder
	queue int
}

func (c recorderConsumer) Spec() engine.Spec {
	return engine.Spec{Name: "record", Queue: c.queue, Policy: engine.DropAndCount}
}

// Run records every frame until the stream ends (even after ctx is done,
// so that every block read is kept), then stops the active recording.
func (c recorderConsumer) Run(_ context.Context, in *engine.Input) error {
	c.r.taken.Store(0)
	c.r.in.Store(in)
	for f := range in.C() {
		c.r.take(f)
		in.Release(f)
		c.r.taken.Add(1)
	}
	c.r.in.Store(nil)
	if c.r.active.Load() != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.r.Stop(ctx); err != nil {
			c.r.log.Error("stop recording at stream end", "err", err)
		}
	}
	return nil
}

// take hands one frame to the active recording, if any. It never waits
// for the database: the writer queues the samples, metrics and events.
func (r *Recorder) take(f *engine.Frame) {
	c := r.active.Load()
	b := f.Raw
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if b.Len == 0 {
		c.annotate(f.Event)
		return
	}
	if !c.began {
		c.base, c.began = b.Start, true
		if f.Cond != nil {
			c.stored = f.Cond.Windows // windows before the session are not its own
		}
	}
	c.dropped += f.Missed
	b.Start -= c.base // the session counts samples from its own start
	// Wait for room in the writer's queue (10 s) rather than drop: the
	// engine's queue (10 s more) keeps the stream flowing meanwhile, and
	// an unpaced stream in lockstep goes at the writer's pace.
	if err := c.w.WriteWait(c.ctx, b); err != nil {
		if c.ctx.Err() != nil {
			c.dropped += uint64(b.Len) // Stop gave up on it
		} else if !c.errLog {
			c.errLog = true
			r.log.Error("recording write", "session", c.session.ID, "err", err)
		}
	}
	c.end.Store(int64(b.End()))
	c.measure(f)
}

// measure queues the metrics of every fatigue window the shared
// conditioning completed inside the session: one row per 1 s window,
// numbered by the second of the session it starts in.
func (c *recording) measure(f *engine.Frame) {
	cond := f.Cond
	if cond == nil || cond.Windows <= c.stored {
		return
	}
	rate := c.session.RateHz
	for k := c.stored; k < cond.Windows; k++ {
		start := int64(math.Round(cond.Fatigue[0].TSeconds[k] * rate))
		if start < int64(c.base) {
			continue
		}
		m := &storage.SecondMetrics{Second: (start - int64(c.base)) / int64(max(1, math.Round(rate))),
			RMS: make([]float64, len(cond.Fatigue)), MDF: make([]float64, len(cond.Fatigue))}
		for ch, tr := range cond.Fatigue {
			m.RMS[ch], m.MDF[ch] = tr.RMSUV[k], tr.MDFHz[k]
		}
		c.w.AddMetrics(m) // a full side queue is counted by the writer
	}
	c.stored = cond.Windows
}

// annotate queues a disconnection or reconnection as an annotation.
func (c *recording) annotate(e acquisition.Event) {
	var at int64
	if c.began && e.Sample >= c.base {
		at = int64(e.Sample - c.base)
	}
	a := &storage.Annotation{Sample: at, Kind: "fault"}
	switch e.Kind {
	case acquisition.EventDisconnected:
		a.Text = "device disconnected"
	case acquisition.EventReconnected:
		a.Text = fmt.Sprintf("device reconnected after %.2f s; %d samples missing", e.Downtime.Seconds(), e.Gap)
		a.Duration = int64(e.Gap)
	default:
		return
	}
	c.w.Annotate(a)
}

// Annotate adds a to the active recording through its writer (a.Sample in
// session samples); it never waits for the database.
func (r *Recorder) Annotate(a *storage.Annotation) error {
	c := r.active.Load()
	if c == nil {
		return errors.New("no recording is running")
	}
	return c.w.Annotate(a)
}

// AnnotateStream adds a to the active recording at stream sample index
// streamSample (math.MaxUint64: the newest sample recorded), converted to
// the session's index; it never waits for the database. Without a
// recording it does nothing and returns nil.
func (r *Recorder) AnnotateStream(a *storage.Annotation, streamSample uint64) error {
	c := r.active.Load()
	if c == nil {
		return nil
	}
	sample, ok := c.sessionSample(streamSample)
	if !ok {
		return nil
	}
	a.Sample = sample
	return c.w.Annotate(a)
}

// GloveFrame stores a command sent to the glove in the active recording,
// answering stream sample index streamSample (as AnnotateStream); it
// never waits for the database. Without a recording it does nothing and
// returns nil.
func (r *Recorder) GloveFrame(f *storage.GloveFrame, streamSample uint64) error {
	c := r.active.Load()
	if c == nil {
		return nil
	}
	sample, ok := c.sessionSample(streamSample)
	if !ok {
		return nil
	}
	f.Sample = sample
	return c.w.AddGloveFrame(f)
}

// Stop flushes and closes the active recording and returns its session.
// Every sample read from the device before Stop was called is recorded:
// Stop first waits (up to a second) for the blocks still queued.
func (r *Recorder) Stop(ctx context.Context) (*storage.Session, error) {
	r.startMu.Lock()
	defer r.startMu.Unlock()
	c := r.active.Load()
	if c == nil {
		return nil, errors.New("no recording is running")
	}
	r.drain()
	c.cancel()  // a take waiting for the writer gives up
	c.mu.Lock() // waits for a take in progress; later takes see closed
	c.closed = true
	dropped := c.dropped
	c.mu.Unlock()
	r.active.Store(nil)
	r.dropped.Add(uint64(c.w.Dropped()) + dropped)
	lost := r.stream.SourceStats().Lost - c.lost0
	c.w.SetSourceCounts(lost, dropped)
	err := c.w.Close(ctx)
	s, gerr := r.db.Session(ctx, c.session.ID)
	if gerr != nil {
		return nil, errors.Join(err, gerr)
	}
	r.log.Info("recording stopped", "session", s.ID, "samples", s.Samples, "dropped", s.Dropped, "err", err)
	return s, err
}

// drain waits until the recorder has taken every frame (block or event)
// queued to it before Stop was called, or a second has passed.
func (r *Recorder) drain() {
	in := r.in.Load()
	if in == nil {
		return
	}
	target := in.Sent()
	deadline := time.Now().Add(time.Second)
	for r.taken.Load() < target && r.in.Load() == in && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
}

// Active reports whether a recording is running.
func (r *Recorder) Active() bool { return r.active.Load() != nil }

// State returns whether a recording runs, its session and its samples so
// far. Lock-free: the UI polls it.
func (r *Recorder) State() (active bool, sessionID int64, samples int64) {
	c := r.active.Load()
	if c == nil {
		return false, 0, 0
	}
	return true, c.session.ID, c.end.Load()
}

// SessionStart returns the stream index of the active session's first
// sample (session sample i is stream sample start+i); false without a
// recording or before its first block.
func (r *Recorder) SessionStart() (uint64, bool) {
	c := r.active.Load()
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base, c.began
}

// Dropped returns the samples every recording so far failed to keep.
func (r *Recorder) Dropped() uint64 {
	d := r.dropped.Load()
	if c := r.active.Load(); c != nil {
		d += uint64(c.w.Dropped())
	}
	return d
}

// Err returns the active recording's write error (disk full, read-only
// database), or nil. It never waits for the database.
func (r *Recorder) Err() error {
	if c := r.active.Load(); c != nil {
		return c.w.Err()
	}
	return nil
}

// sessionSample converts stream sample index stream to the recording's
// index (math.MaxUint64, or before the first block: the newest sample
// recorded; before the recording began: 0), and reports false when the
// recording is closed.
func (c *recording) sessionSample(stream uint64) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case stream == math.MaxUint64 || !c.began:
		return c.end.Load(), !c.closed
	case stream >= c.base:
		return int64(stream - c.base), !c.closed
	}
	return 0, !c.closed
}
