package app

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
	"myorehab/app/service"
	"myorehab/processing/fatigue"
	"myorehab/processing/pipeline"
	"myorehab/processing/quality"
	"myorehab/storage"
)

// Device owns the connection to one amplifier (or the simulator): the
// source, the Reader goroutine, the live pipeline goroutine and the
// recording consumer. It implements service.DeviceService.
type Device struct {
	log      *slog.Logger
	open     func(cfg service.DeviceConfig, onEvent func(acquisition.Event)) (acquisition.Source, error)
	recorder *Recorder // receives every block while a recording is active

	mu      sync.Mutex // guards the fields below
	state   service.DeviceState
	message string
	info    acquisition.StreamInfo
	src     acquisition.Source
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	liveOut *acquisition.Output
	recOut  *acquisition.Output
	filter  string // description of the live filter
	reader  *acquisition.Reader

	live     atomic.Pointer[pipeline.Live]
	received atomic.Uint64 // samples that reached the live pipeline
	rate     rateMeter

	// trial, when set, also takes every live block on the live goroutine
	// (the calibration wizard's live decisions).
	trial atomic.Pointer[trial]
}

// NewDevice returns a disconnected Device. open builds a source for a
// configuration (see openSource); blocks reach rec while it records.
func NewDevice(log *slog.Logger, rec *Recorder, open func(service.DeviceConfig, func(acquisition.Event)) (acquisition.Source, error)) *Device {
	return &Device{log: log, open: open, recorder: rec, state: service.Disconnected}
}

// Protocols lists the protocols the device panel offers.
func (d *Device) Protocols() []string { return Protocols() }

// Ports lists the serial ports the OS knows (never pseudo-terminals: a
// typed-in path always works).
func (d *Device) Ports() []service.PortInfo { return listPorts(d.log) }

// Connect opens the source for cfg and starts streaming. It blocks while
// the device answers its handshake (up to about 3 s) and returns an error
// with a clinician-readable message when it does not.
func (d *Device) Connect(cfg service.DeviceConfig) error { return d.connect(cfg, nil) }

// ConnectAndRecord connects like Connect and starts a recording for the
// patient before the first block is read, so the session holds the stream
// from its very first sample (session index = stream index).
func (d *Device) ConnectAndRecord(ctx context.Context, cfg service.DeviceConfig, patientID int64, typ storage.SessionType) (*storage.Session, error) {
	var sess *storage.Session
	err := d.connect(cfg, func() error {
		var err error
		sess, err = d.recorder.Start(ctx, patientID, typ, d.FilterDescription())
		return err
	})
	return sess, err
}

func (d *Device) connect(cfg service.DeviceConfig, beforeStream func() error) error {
	d.Disconnect()
	d.setState(service.Connecting, "Connecting…")
	d.log.Info("connect", "protocol", cfg.Protocol, "port", cfg.Port)
	src, err := d.open(cfg, d.onEvent)
	if err != nil {
		msg := friendly(err)
		d.log.Error("connect failed", "protocol", cfg.Protocol, "port", cfg.Port, "err", err)
		d.setState(service.Failed, msg)
		return errors.New(msg)
	}
	info := src.Info()
	chain, desc, err := liveFilter(info)
	if err != nil {
		src.Close()
		d.setState(service.Failed, err.Error())
		return err
	}
	blockLen := max(1, int(math.Round(info.SampleRateHz/50))) // 20 ms blocks
	// Fatigue trends of the live view: 1 s windows, up to 2 h of them.
	tracker, err := fatigue.NewTracker(fatigue.DefaultConfig(info.SampleRateHz), info.Channels, 7200)
	if err != nil {
		src.Close()
		d.setState(service.Failed, err.Error())
		return err
	}
	// Signal quality of the raw signal (mains checked at 50 and 60 Hz).
	monitor, err := quality.New(info, quality.Config{})
	if err != nil {
		src.Close()
		d.setState(service.Failed, err.Error())
		return err
	}
	live := pipeline.NewLive(pipeline.LiveConfig{Info: info, Filter: chain, BlockCap: blockLen, Fatigue: tracker, Quality: monitor})
	reader := acquisition.NewReader(src, blockLen)
	// The live view may lag behind for up to about a second (a busy
	// machine, a GC pause) before it drops blocks; drops are shown.
	liveOut := reader.Subscribe("live", int(info.SampleRateHz)/blockLen+1)
	// The recording queue holds 10 s of blocks: the writer batches once a
	// second, so only a stalled disk can fill it, and then it is reported.
	recOut := reader.Subscribe("record", int(10*info.SampleRateHz)/blockLen+1)
	ctx, cancel := context.WithCancel(context.Background())

	d.mu.Lock()
	d.info, d.src, d.cancel, d.liveOut, d.recOut, d.filter, d.reader = info, src, cancel, liveOut, recOut, desc, reader
	d.state, d.message = service.Streaming, fmt.Sprintf("Streaming from %s (%s)", info.Device, desc)
	d.mu.Unlock()
	d.live.Store(live)
	d.received.Store(0)
	d.rate.reset()
	d.log.Info("streaming", "device", info.Device, "rate_hz", info.SampleRateHz, "channels", info.Channels, "filter", desc)
	if beforeStream != nil {
		if err := beforeStream(); err != nil {
			cancel()
			d.Disconnect()
			d.setState(service.Failed, err.Error())
			return err
		}
	}

	d.wg.Add(3)
	go func() {
		defer d.wg.Done()
		err := reader.Run(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("stream ended", "err", err)
			d.setState(service.Failed, friendly(err))
		}
	}()
	go func() {
		defer d.wg.Done()
		for b := range liveOut.C() {
			live.Process(b)
			if t := d.trial.Load(); t != nil {
				t.take(b)
			}
			d.received.Add(uint64(b.Len))
			d.rate.add(b.Len, b.Received)
			liveOut.Release(b)
		}
	}()
	go func() {
		defer d.wg.Done()
		for b := range recOut.C() {
			d.recorder.take(b)
			recOut.Release(b)
		}
	}()
	return nil
}

// Disconnect stops streaming (stopping any recording first) and closes
// the device. It is idempotent.
func (d *Device) Disconnect() error {
	d.mu.Lock()
	cancel, src := d.cancel, d.src
	d.cancel, d.src = nil, nil
	d.mu.Unlock()
	if cancel == nil {
		return nil
	}
	if d.recorder.Active() {
		if _, err := d.recorder.Stop(context.Background()); err != nil {
			d.log.Error("stop recording on disconnect", "err", err)
		}
	}
	cancel()
	src.Close()
	d.wg.Wait()
	d.setState(service.Disconnected, "Disconnected")
	d.log.Info("disconnected")
	return nil
}

// Status reports the connection for the UI; cheap, any goroutine.
func (d *Device) Status() service.DeviceStatus {
	d.mu.Lock()
	st := service.DeviceStatus{State: d.state, Info: d.info, Message: d.message}
	src, liveOut, recOut := d.src, d.liveOut, d.recOut
	d.mu.Unlock()
	if s, ok := src.(acquisition.StatSource); ok {
		stats := s.Stats()
		st.Lost, st.CorruptPackets = stats.Lost, stats.CorruptPackets
	}
	if recOut != nil {
		st.Dropped = recOut.Dropped() + d.recorder.Dropped()
		st.LiveDropped = liveOut.Dropped()
	}
	st.MeasuredRateHz = d.rate.hz()
	if err := d.recorder.Err(); err != nil {
		// Disk full or read-only database: say so at once; the live view
		// keeps running and the writer retries.
		st.Message = "The recording cannot be saved: " + err.Error() + ". The live view continues; free disk space or check the data folder."
	}
	return st
}

// SourceStats returns the connected source's counters (zero when it keeps none).
func (d *Device) SourceStats() acquisition.Stats {
	d.mu.Lock()
	src := d.src
	d.mu.Unlock()
	if s, ok := src.(acquisition.StatSource); ok {
		return s.Stats()
	}
	return acquisition.Stats{}
}

// Snapshot returns the newest live view, or nil.
func (d *Device) Snapshot() *pipeline.Snapshot {
	if l := d.live.Load(); l != nil {
		return l.Snapshot()
	}
	return nil
}

// streamEnd returns the index one past the last sample read from the
// device, and false when no device is connected.
func (d *Device) streamEnd() (uint64, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.reader == nil || d.src == nil {
		return 0, false
	}
	return d.reader.End(), true
}

// FilterDescription describes the live filter, e.g. "bp 20-450 Hz order 4;
// notch 50 Hz Q30".
func (d *Device) FilterDescription() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.filter
}

// Info returns the stream description of the connected source.
func (d *Device) Info() (acquisition.StreamInfo, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.info, d.src != nil
}

func (d *Device) setState(s service.DeviceState, msg string) {
	d.mu.Lock()
	d.state, d.message = s, msg
	d.mu.Unlock()
}

// onEvent runs on the reader goroutine when the device disappears or
// comes back.
func (d *Device) onEvent(e acquisition.Event) {
	switch e.Kind {
	case acquisition.EventDisconnected:
		d.log.Warn("device lost", "sample", e.Sample, "err", e.Err)
		d.setState(service.Reconnecting, "Cable or device lost: reconnecting… (the recording continues)")
	case acquisition.EventReconnected:
		d.log.Info("device back", "sample", e.Sample, "gap_samples", e.Gap, "downtime", e.Downtime)
		d.setState(service.Streaming, fmt.Sprintf("Reconnected after %.1f s (%d samples missing, marked in the recording)", e.Downtime.Seconds(), e.Gap))
	}
	d.recorder.event(e)
}

// rateMeter estimates the received sample rate from block arrival times
// over the last few seconds.
type rateMeter struct {
	mu      sync.Mutex
	t0      time.Time
	n       int
	current float64
}

func (m *rateMeter) reset() {
	m.mu.Lock()
	m.t0, m.n, m.current = time.Time{}, 0, 0
	m.mu.Unlock()
}

func (m *rateMeter) add(n int, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t0.IsZero() {
		m.t0 = at
		return
	}
	m.n += n
	if dt := at.Sub(m.t0); dt >= 2*time.Second {
		m.current = float64(m.n) / dt.Seconds()
		m.t0, m.n = at, 0
	}
}

func (m *rateMeter) hz() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.current
}
