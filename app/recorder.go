package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"myorehab/acquisition"
	"myorehab/processing/fatigue"
	"myorehab/processing/filter"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// Recorder stores the blocks of the connected device into a session while
// a recording is active. It implements the recording half of
// service.RecordingService; Device feeds it every block.
type Recorder struct {
	log   *slog.Logger
	db    *sqlite.DB
	info  func() (acquisition.StreamInfo, bool)
	stats func() acquisition.Stats
	// streamEnd reports the index one past the last sample read from the
	// device, so Stop can wait for the blocks still queued for the recorder.
	streamEnd func() (uint64, bool)
	clock     func() time.Time

	mu  sync.Mutex // serialises take, event, Start and Stop
	cur *recording
	// dropped accumulates the samples that finished recordings lost to a
	// full queue (the active one's are added in Dropped).
	dropped uint64
}

type recording struct {
	session *storage.Session
	w       *sqlite.Writer
	// metrics measures each second of the session (filtered RMS and
	// median frequency per channel) for the history charts.
	filter  *filter.Chain
	scratch *acquisition.Block
	tracker *fatigue.Tracker
	stored  int    // tracker windows already stored as metrics
	base    uint64 // stream index of the session's first sample
	started bool
	end     uint64 // session index one past the last sample handed over
	lost0   uint64 // the source's lost count when the recording started
	errLog  bool   // a write error was logged already
}

// NewRecorder returns a Recorder writing into db; info reports the
// connected stream.
func NewRecorder(log *slog.Logger, db *sqlite.DB, info func() (acquisition.StreamInfo, bool), stats func() acquisition.Stats) *Recorder {
	return &Recorder{log: log, db: db, info: info, stats: stats, clock: time.Now}
}

// Start opens a new session of type typ for the patient and records every
// following block into it.
func (r *Recorder) Start(ctx context.Context, patientID int64, typ storage.SessionType, filterDesc string) (*storage.Session, error) {
	info, ok := r.info()
	if !ok {
		return nil, errors.New("connect an amplifier (or the simulator) before recording")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != nil {
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
	w, err := sqlite.NewWriter(r.db, s.ID, sqlite.WriterConfig{})
	if err != nil {
		return nil, fmt.Errorf("start the recording writer: %w", err)
	}
	c := &recording{session: s, w: w, lost0: r.stats().Lost}
	if c.filter, _, err = liveFilter(info); err == nil {
		c.tracker, err = fatigue.NewTracker(fatigue.DefaultConfig(info.SampleRateHz), info.Channels, 4*3600)
	}
	if err != nil {
		w.Close(ctx)
		return nil, fmt.Errorf("set up the session metrics: %w", err)
	}
	r.cur = c
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

// take hands one block to the active recording, if any. It never blocks
// on the disk: a full writer queue is counted as dropped and reported.
func (r *Recorder) take(b *acquisition.Block) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cur
	if c == nil || b.Len == 0 {
		return
	}
	if !c.started {
		c.base, c.started = b.Start, true
	}
	b.Start -= c.base // the session counts samples from its own start
	c.end = b.End()
	if err := c.w.Write(b); err != nil && !c.errLog {
		c.errLog = true
		r.log.Error("recording write", "session", c.session.ID, "err", err)
	}
	r.measure(c, b)
}

// measure feeds the session's per-second metrics and stores each completed
// second (once a second, so the database write costs little).
func (r *Recorder) measure(c *recording, b *acquisition.Block) {
	if c.scratch == nil || c.scratch.Cap < b.Len {
		c.scratch = acquisition.NewBlock(b.Channels, b.Cap) // once per recording
	}
	c.filter.Process(c.scratch, b)
	if c.tracker.Process(c.scratch) == 0 {
		return
	}
	for k := c.stored; k < len(c.tracker.Windows(0)); k++ {
		m := &storage.SecondMetrics{Second: int64(k), RMS: make([]float64, b.Channels), MDF: make([]float64, b.Channels)}
		for ch := range b.Channels {
			w := c.tracker.Windows(ch)[k]
			m.RMS[ch], m.MDF[ch] = w.RMS, w.MDFHz
		}
		if err := r.db.AddMetrics(context.Background(), c.session.ID, m); err != nil {
			r.log.Error("session metrics", "session", c.session.ID, "err", err)
		}
	}
	c.stored = len(c.tracker.Windows(0))
}

// event annotates a disconnection or reconnection in the active recording.
func (r *Recorder) event(e acquisition.Event) {
	r.mu.Lock()
	c := r.cur
	var at int64
	if c != nil && c.started && e.Sample >= c.base {
		at = int64(e.Sample - c.base)
	}
	r.mu.Unlock()
	if c == nil {
		return
	}
	a := &storage.Annotation{SessionID: c.session.ID, Sample: at, Kind: "fault"}
	switch e.Kind {
	case acquisition.EventDisconnected:
		a.Text = "device disconnected"
	case acquisition.EventReconnected:
		a.Text = fmt.Sprintf("device reconnected after %.2f s; %d samples missing", e.Downtime.Seconds(), e.Gap)
		a.Duration = int64(e.Gap)
	}
	if err := r.db.AddAnnotation(context.Background(), a); err != nil {
		r.log.Error("annotate", "session", c.session.ID, "err", err)
	}
}

// Stop flushes and closes the active recording and returns its session.
// Every sample read from the device before Stop was called is recorded:
// Stop first waits (up to a second) for the blocks still queued.
func (r *Recorder) Stop(ctx context.Context) (*storage.Session, error) {
	r.drain()
	r.mu.Lock()
	c := r.cur
	r.cur = nil
	if c != nil {
		r.dropped += uint64(c.w.Dropped())
	}
	r.mu.Unlock()
	if c == nil {
		return nil, errors.New("no recording is running")
	}
	lost := r.stats().Lost - c.lost0
	c.w.SetSourceCounts(lost, 0)
	err := c.w.Close(ctx)
	s, gerr := r.db.Session(ctx, c.session.ID)
	if gerr != nil {
		return nil, errors.Join(err, gerr)
	}
	r.log.Info("recording stopped", "session", s.ID, "samples", s.Samples, "dropped", s.Dropped, "err", err)
	return s, err
}

// drain waits until the active recording has taken every block read from
// the device so far, or a second has passed.
func (r *Recorder) drain() {
	if r.streamEnd == nil {
		return
	}
	target, ok := r.streamEnd()
	if !ok {
		return
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		c := r.cur
		done := c == nil || (c.started && c.base+c.end >= target)
		r.mu.Unlock()
		if done {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Active reports whether a recording is running.
func (r *Recorder) Active() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur != nil
}

// State returns whether a recording runs, its session and its samples so far.
func (r *Recorder) State() (active bool, sessionID int64, samples int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return false, 0, 0
	}
	return true, r.cur.session.ID, int64(r.cur.end)
}

// Dropped returns the samples every recording so far failed to keep.
func (r *Recorder) Dropped() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.dropped
	if r.cur != nil {
		d += uint64(r.cur.w.Dropped())
	}
	return d
}

// Err returns the active recording's write error (disk full, read-only
// database), or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return nil
	}
	return r.cur.w.Err()
}
