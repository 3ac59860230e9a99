package calibrate

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/app/device"
	"myorehab/app/engine"
	"myorehab/app/record"
	"myorehab/processing/pipeline"
	"myorehab/processing/recognition"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// benchStream is the stream of the engine benchmark as the recorder and
// the calibration see it.
type benchStream struct {
	info acquisition.StreamInfo
	src  acquisition.Source
}

func (s benchStream) Info() (acquisition.StreamInfo, bool) { return s.info, true }
func (s benchStream) SourceStats() acquisition.Stats       { return acquisition.Stats{} }
func (s benchStream) Source() acquisition.Source           { return s.src }
func (s benchStream) FilterDescription() string            { return "bench" }

var errBenchEnd = errors.New("end of benchmark stream")

// finite is the unpaced simulator stopped after blocks blocks.
type finite struct {
	*sim.Source
	blocks int
}

func (f *finite) ReadBlock(b *acquisition.Block) error {
	if f.blocks == 0 {
		b.Len = 0
		return errBenchEnd
	}
	f.blocks--
	return f.Source.ReadBlock(b)
}

// BenchmarkEngineBlock is the whole engine on one block: 8 channels at
// 1 kHz in 50-sample blocks, conditioned once (band-pass, automatic 50/60 Hz
// notch, quality, fatigue) and handed to the live view, the recorder (a
// session written to a SQLite file) and the decider (the default
// recognition pipeline, one decision per block). The engine runs in
// lockstep, so nothing drops and ns/op is the time per block of the whole
// path including the hand-offs between goroutines. "record" adds the
// recorder, whose database writes (the session writer's goroutine, not
// the real-time path) make the allocations of that case.
func BenchmarkEngineBlock(b *testing.B) {
	b.Run("live", func(b *testing.B) { benchEngine(b, false, false) })
	b.Run("live+decide", func(b *testing.B) { benchEngine(b, false, true) })
	b.Run("live+record+decide", func(b *testing.B) { benchEngine(b, true, true) })
}

func benchEngine(b *testing.B, recording, deciding bool) {
	const blockLen = 50
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	simSrc, err := sim.NewSource(sim.SourceConfig{Config: sim.DefaultConfig()})
	if err != nil {
		b.Fatal(err)
	}
	info := simSrc.Info()
	src := &finite{Source: simSrc, blocks: b.N}
	st := benchStream{info: info, src: src}
	log := slog.New(slog.DiscardHandler)
	rec := record.NewRecorder(log, db, st)
	cal := New(log, db, st, rec, DefaultOptions())
	pipe, err := recognition.Train(recognition.Default(), []recognition.Recording{simRecording(b, 2, 1.5)})
	if err != nil {
		b.Fatal(err)
	}
	if err := cal.Try(pipe, nil); err != nil {
		b.Fatal(err)
	}
	p := &storage.Patient{Code: "BENCH"}
	if err := db.CreatePatient(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	if recording {
		if _, err := rec.Start(context.Background(), p.ID, storage.SessionRecording, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	cond, _, err := device.NewConditioner(info, blockLen, device.MainsAuto)
	if err != nil {
		b.Fatal(err)
	}
	live := pipeline.NewLive(pipeline.LiveConfig{Info: info, BlockCap: blockLen})
	consumers := []engine.Consumer{device.LiveConsumer(live, info, blockLen), rec.Consumer(info, blockLen)}
	if deciding {
		consumers = append(consumers, cal.Consumer(info, blockLen))
	}
	eng, err := engine.New(engine.Config{Source: src, BlockLen: blockLen, Conditioner: cond, Lockstep: true, Consumers: consumers})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	err = eng.Run(context.Background())
	b.StopTimer()
	if recording { // the recorder stopped the session at the stream's end
		if rec.Active() {
			b.Fatal("the recording outlived its stream")
		}
		ss, err := db.ListSessions(context.Background(), storage.SessionFilter{PatientID: p.ID})
		if err != nil || len(ss) != 1 || ss[0].Samples != int64(b.N*blockLen) || ss[0].Dropped != 0 {
			b.Fatalf("sessions %+v, %v: want one of %d samples", *ss[0], err, b.N*blockLen)
		}
	}
	if !errors.Is(err, errBenchEnd) {
		b.Fatal(err)
	}
	for _, name := range []string{"live", "record", "decide"} { // unknown names count 0
		if d := eng.Dropped(name); d != 0 {
			b.Fatalf("%s dropped %d samples in lockstep", name, d)
		}
	}
	if d, ok := cal.Decision(); deciding && b.N > 10 && (!ok || d.Seq == 0) {
		b.Fatal("the decider made no decision")
	}
}
