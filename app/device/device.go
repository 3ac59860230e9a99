package device

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"

	"myorehab/acquisition"
	"myorehab/app/engine"
	"myorehab/app/service"
	"myorehab/processing/fatigue"
	"myorehab/processing/pipeline"
	"myorehab/processing/quality"
)

// Attachment is a long-lived service that reads every stream the Device
// opens (the recorder, the calibration's decider, later the glove
// control): for each new stream it returns its consumer.
type Attachment interface {
	Consumer(info acquisition.StreamInfo, blockLen int) engine.Consumer
}

// AttachFunc adapts a function to Attachment.
type AttachFunc func(info acquisition.StreamInfo, blockLen int) engine.Consumer

// Consumer calls f.
func (f AttachFunc) Consumer(info acquisition.StreamInfo, blockLen int) engine.Consumer {
	return f(info, blockLen)
}

// Recording is what the device status shows of the recording: the samples
// it failed to keep and its write error. Both must answer at once, never
// waiting for the database.
type Recording interface {
	Dropped() uint64
	Err() error
}

// Device owns the connection to one amplifier (or the simulator): it
// opens the source and runs one engine per connection, with the live view
// and every attachment as the engine's consumers. It implements
// service.DeviceService.
type Device struct {
	ctx       context.Context // every stream's engine runs under it (guarded by mu)
	log       *slog.Logger
	open      func(cfg service.DeviceConfig, onEvent func(acquisition.Event)) (acquisition.Source, error)
	recording Recording

	mu       sync.Mutex // guards the fields below; never held during I/O
	attached []Attachment
	mains    Mains
	state    service.DeviceState
	message  string
	info     acquisition.StreamInfo
	eng      *engine.Engine
	cancel   context.CancelFunc
	done     chan struct{} // closed when the engine has stopped
	filter   string        // description of the conditioning filter
	// notches describes the conditioning filter per mains frequency in
	// hertz (both under MainsAuto: the one in use follows the mains).
	notches map[float64]string

	live atomic.Pointer[pipeline.Live]
	// events routes the open source's events to the current engine.
	events atomic.Pointer[engine.Engine]
}

// NewDevice returns a disconnected Device. open builds a source for a
// configuration (see Open). Consumers of every stream (the recorder, the
// decider, …) are added with Attach.
func NewDevice(log *slog.Logger, open func(service.DeviceConfig, func(acquisition.Event)) (acquisition.Source, error)) *Device {
	return &Device{ctx: context.Background(), log: log, open: open, state: service.Disconnected, mains: MainsAuto}
}

// Bind ties the streams opened from now on to ctx (the application's):
// when it ends, the engine stops as on Disconnect.
func (d *Device) Bind(ctx context.Context) {
	d.mu.Lock()
	d.ctx = ctx
	d.mu.Unlock()
}

// Attach adds a consumer of every stream opened from now on.
func (d *Device) Attach(a Attachment) {
	d.mu.Lock()
	d.attached = append(d.attached, a)
	d.mu.Unlock()
}

// SetMains sets the clinic's mains frequency for the notch of the streams
// opened from now on.
func (d *Device) SetMains(m Mains) {
	d.mu.Lock()
	d.mains = m
	d.mu.Unlock()
}

// Mains returns the mains setting of the streams opened from now on.
func (d *Device) Mains() Mains {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mains
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

// ConnectThen connects like Connect and calls before (e.g. to start a
// recording) once the stream is described but before its first block is
// read, so that a session holds the stream from its very first sample. An
// error from before disconnects.
func (d *Device) ConnectThen(cfg service.DeviceConfig, before func() error) error {
	return d.connect(cfg, before)
}

// ShowRecording makes Status report r's drops and write errors.
func (d *Device) ShowRecording(r Recording) {
	d.mu.Lock()
	d.recording = r
	d.mu.Unlock()
}

func (d *Device) fail(msg string, err error) error {
	d.setState(service.Failed, msg)
	return err
}

func (d *Device) connect(cfg service.DeviceConfig, beforeStream func() error) error {
	d.Disconnect()
	d.mu.Lock()
	// The status describes this attempt from now on, never the previous
	// device (a failed replay must not report "Failed — Simulated amplifier").
	d.info = acquisition.StreamInfo{Protocol: cfg.Protocol, Port: cfg.Port}
	d.state, d.message = service.Connecting, "Connecting…"
	d.mu.Unlock()
	d.log.Info("connect", "protocol", cfg.Protocol, "port", cfg.Port)
	src, err := d.open(cfg, d.onEvent)
	if err != nil {
		msg := friendly(err)
		d.log.Error("connect failed", "protocol", cfg.Protocol, "port", cfg.Port, "err", err)
		return d.fail(msg, errors.New(msg))
	}
	info := src.Info()
	blockLen := max(1, int(math.Round(info.SampleRateHz/50))) // 20 ms blocks
	d.mu.Lock()
	parent, mains, attached := d.ctx, d.mains, append([]Attachment(nil), d.attached...)
	d.mu.Unlock()
	cond, desc, err := NewConditioner(info, blockLen, mains)
	if err != nil {
		src.Close()
		return d.fail(err.Error(), err)
	}
	notches := cond.Descriptions()
	if mains == MainsAuto {
		for hz := range notches {
			notches[hz] += " (mains auto)"
		}
	}
	live := pipeline.NewLive(pipeline.LiveConfig{Info: info, BlockCap: blockLen})
	consumers := []engine.Consumer{LiveConsumer(live, info, blockLen)}
	for _, a := range attached {
		consumers = append(consumers, a.Consumer(info, blockLen))
	}
	eng, err := engine.New(engine.Config{Source: src, BlockLen: blockLen, Conditioner: cond, Consumers: consumers})
	if err != nil {
		src.Close()
		return d.fail(err.Error(), err)
	}
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	d.mu.Lock()
	d.info, d.eng, d.cancel, d.done, d.filter, d.notches = info, eng, cancel, done, desc, notches
	d.state, d.message = service.Streaming, fmt.Sprintf("Streaming from %s (%s)", info.Device, desc)
	d.mu.Unlock()
	d.live.Store(live)
	d.events.Store(eng)
	d.log.Info("streaming", "device", info.Device, "rate_hz", info.SampleRateHz, "channels", info.Channels, "filter", desc)
	if beforeStream != nil {
		if err := beforeStream(); err != nil {
			close(done)
			cancel()
			d.Disconnect()
			return d.fail(err.Error(), err)
		}
	}
	go func() {
		defer close(done)
		err := eng.Run(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("stream ended", "err", err)
			d.setState(service.Failed, friendly(err))
		}
	}()
	return nil
}

// Disconnect stops streaming (the recording, if any, keeps every sample
// read and is stopped) and closes the device. It is idempotent.
func (d *Device) Disconnect() error {
	d.mu.Lock()
	cancel, eng, done := d.cancel, d.eng, d.done
	d.cancel = nil
	d.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	eng.Source().Close()
	<-done
	d.mu.Lock()
	d.eng = nil
	d.state, d.message = service.Disconnected, "Disconnected"
	d.mu.Unlock()
	d.events.Store(nil)
	d.log.Info("disconnected")
	return nil
}

// Status reports the connection for the UI; cheap, any goroutine, and it
// never waits for the database.
func (d *Device) Status() service.DeviceStatus {
	d.mu.Lock()
	st := service.DeviceStatus{State: d.state, Info: d.info, Message: d.message}
	eng, rec := d.eng, d.recording
	d.mu.Unlock()
	if eng == nil {
		return st
	}
	if s, ok := eng.Source().(acquisition.StatSource); ok {
		stats := s.Stats()
		st.Lost, st.CorruptPackets = stats.Lost, stats.CorruptPackets
	}
	st.Dropped = eng.Dropped("record")
	st.LiveDropped = eng.Dropped("live")
	st.MeasuredRateHz = eng.Stats().MeasuredRateHz
	if rec == nil {
		return st
	}
	st.Dropped += rec.Dropped()
	if err := rec.Err(); err != nil {
		// Disk full or read-only database: say so at once; the live view
		// keeps running and the writer retries.
		st.Message = "The recording cannot be saved: " + err.Error() + ". The live view continues; free disk space or check the data folder."
	}
	return st
}

// Source returns the open source, nil when disconnected.
func (d *Device) Source() acquisition.Source {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.eng == nil {
		return nil
	}
	return d.eng.Source()
}

// SourceStats returns the connected source's counters (zero when it keeps none).
func (d *Device) SourceStats() acquisition.Stats {
	if s, ok := d.Source().(acquisition.StatSource); ok {
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

// FilterDescription describes the conditioning filter, e.g. "bp 20-450 Hz
// order 4; notch 50 Hz Q30".
// Under MainsAuto it names the notch in use now (the one the live
// stream's newest Conditions report), so a recording started after the
// notch moved to 60 Hz says so.
func (d *Device) FilterDescription() string {
	var hz float64
	if l := d.live.Load(); l != nil {
		if c := l.Conditions(); c != nil {
			hz = c.MainsHz
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.notches[hz]; ok {
		return s
	}
	return d.filter
}

// Info returns the stream description of the connected source.
func (d *Device) Info() (acquisition.StreamInfo, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.info, d.eng != nil
}

func (d *Device) setState(s service.DeviceState, msg string) {
	d.mu.Lock()
	d.state, d.message = s, msg
	d.mu.Unlock()
}

// onEvent runs on the reading goroutine when the device disappears or
// comes back: it updates the status (memory only) and hands the event to
// the engine, whose next frame carries it to the consumers.
func (d *Device) onEvent(e acquisition.Event) {
	if eng := d.events.Load(); eng != nil {
		eng.Event(e) // first: whoever sees the new state finds the event queued
	}
	switch e.Kind {
	case acquisition.EventDisconnected:
		d.log.Warn("device lost", "sample", e.Sample, "err", e.Err)
		d.setState(service.Reconnecting, "Cable or device lost: reconnecting… (the recording continues)")
	case acquisition.EventReconnected:
		d.log.Info("device back", "sample", e.Sample, "gap_samples", e.Gap, "downtime", e.Downtime)
		d.setState(service.Streaming, fmt.Sprintf("Reconnected after %.1f s (%d samples missing, marked in the recording)", e.Downtime.Seconds(), e.Gap))
	}
}

// LiveConsumer returns the consumer that feeds live, the live view of a
// stream of blockLen-sample blocks: about a second of queue, and a busy
// machine or a GC pause makes it skip blocks (counted and shown), never
// the recording or the decisions.
func LiveConsumer(live *pipeline.Live, info acquisition.StreamInfo, blockLen int) engine.Consumer {
	return liveConsumer{live: live, queue: int(info.SampleRateHz)/blockLen + 1}
}

type liveConsumer struct {
	live  *pipeline.Live
	queue int
}

func (c liveConsumer) Spec() engine.Spec {
	return engine.Spec{Name: "live", Queue: c.queue, Policy: engine.DropAndCount}
}

func (c liveConsumer) Run(ctx context.Context, in *engine.Input) error {
	return engine.Each(in, func(f *engine.Frame) { c.live.Take(f.Raw, f.Clean, f.Cond) })
}

// NewConditioner builds the stream's one conditioning stage: the sEMG
// band-pass and mains notch (both notches for MainsAuto), the quality
// monitor of the raw signal (mains checked at 50 and 60 Hz) and the
// fatigue tracker (1 s windows, up to 4 h).
func NewConditioner(info acquisition.StreamInfo, blockLen int, mains Mains) (*pipeline.Conditioner, string, error) {
	var filters []pipeline.MainsFilter
	for _, hz := range mains.frequencies() {
		chain, err := ConditioningFilter(info, hz)
		if err != nil {
			return nil, "", err
		}
		filters = append(filters, pipeline.MainsFilter{Hz: hz, Filter: chain})
	}
	tracker, err := fatigue.NewTracker(fatigue.DefaultConfig(info.SampleRateHz), info.Channels, 4*3600)
	if err != nil {
		return nil, "", err
	}
	monitor, err := quality.New(info, quality.Config{})
	if err != nil {
		return nil, "", err
	}
	c := pipeline.NewConditioner(pipeline.ConditionerConfig{Info: info, BlockCap: blockLen, Filters: filters, Quality: monitor, Fatigue: tracker})
	desc := c.Description()
	if mains == MainsAuto {
		desc += " (mains auto)"
	}
	return c, desc, nil
}
