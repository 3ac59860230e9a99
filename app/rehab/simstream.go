package rehab

import (
	"context"

	"myorehab/acquisition"
)

// SimGate is RunSimulated's prompt-driven unpaced source for other
// simulated runs through the real path (demo-history's calibrations): the
// wrapped source gives a block only when Advance asks, and Advance returns
// once every consumer of the lockstep engine has it.
type SimGate struct{ g *gate }

// NewSimGate wraps src.
func NewSimGate(src acquisition.Source) *SimGate { return &SimGate{g: newGate(src)} }

// Source is the gated source to give the engine.
func (s *SimGate) Source() acquisition.Source { return s.g }

// Ready waits until the engine first asks for a block.
func (s *SimGate) Ready(ctx context.Context) error { return s.g.ready(ctx) }

// Advance lets one block through (script.Config.Advance).
func (s *SimGate) Advance(ctx context.Context) error { return s.g.Advance(ctx) }

// SimStream describes a simulated stream to a recorder (record.Stream)
// and a calibration (calibrate.Device) without a device service.
type SimStream struct{ s stream }

// NewSimStream describes src (the simulator itself, not its gate) with
// info and the conditioning filter's description; it reports a stream
// until Stop.
func NewSimStream(info acquisition.StreamInfo, src acquisition.Source, filter string) *SimStream {
	s := &SimStream{s: stream{info: info, src: src, filter: filter}}
	s.s.running.Store(true)
	return s
}

// Stop makes Info report no stream.
func (s *SimStream) Stop() { s.s.running.Store(false) }

// Info, SourceStats, Source and FilterDescription describe the stream.
func (s *SimStream) Info() (acquisition.StreamInfo, bool) { return s.s.Info() }
func (s *SimStream) SourceStats() acquisition.Stats       { return s.s.SourceStats() }
func (s *SimStream) Source() acquisition.Source           { return s.s.Source() }
func (s *SimStream) FilterDescription() string            { return s.s.FilterDescription() }
