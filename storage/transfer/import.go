package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"myorehab/storage"
	"myorehab/storage/edf"
)

// Recording is an EDF/BDF file read for import and checked to fit one
// session.
type Recording struct {
	// File is the whole file as read.
	File *edf.File
	// Signals are the indices into File.Signals of the signals a session
	// stores (every ordinary signal; annotation signals excluded).
	Signals []int
	// RateHz is the signals' common sampling rate.
	RateHz float64
	// Patient is the file's patient field (EDF+: code, sex, birth date and
	// name; plain EDF: the code is the first word).
	Patient edf.PatientID
	// Notes are things the user should know about the import, one
	// sentence each ("signal "EMG 1" is in "adu", not a voltage; …").
	Notes []string
	// Name is the file's name (no folder), written to the audit log.
	Name string

	recStart  []int64 // session sample index of each data record's first sample
	pad       int     // samples of the last record that only pad it
	end       int64   // session samples spanned, gaps included, padding excluded
	annSample []int64 // session sample index of each of File.Annotations
	marker    int     // index in File.Annotations of the EndMarker, -1 when none
}

// ErrNotRecording is returned (wrapped, with an explanation) by
// ReadRecording and DecodeRecording for a file that is not an EDF/BDF
// recording, is damaged, or cannot be stored as one session.
var ErrNotRecording = errors.New("not an EDF+ or BDF+ recording MyoRehab can import")

// ReadRecording reads the EDF, EDF+, BDF or BDF+ file at path for Import.
// Errors name the file and say what is wrong in words a clinician can act
// on; those about the file's content wrap ErrNotRecording.
func ReadRecording(path string) (*Recording, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &explained{path + ": the file does not exist", []error{err}}
		}
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return DecodeRecording(f, st.Size(), name)
}

// DecodeRecording is ReadRecording of size bytes from r; name names the
// file in errors.
func DecodeRecording(r io.ReaderAt, size int64, name string) (*Recording, error) {
	f, err := edf.Read(r, size)
	switch {
	case errors.Is(err, edf.ErrNotEDF):
		return nil, &explained{name + " is not an EDF+ or BDF+ recording " + edfDetail(err, edf.ErrNotEDF, " "), []error{ErrNotRecording, err}}
	case errors.Is(err, edf.ErrMalformed):
		return nil, &explained{name + " is a damaged EDF/BDF file: " + edfDetail(err, edf.ErrMalformed, ": "), []error{ErrNotRecording, err}}
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	rec := &Recording{File: f, Name: name, marker: -1}
	rec.Patient, _ = edf.ParsePatientID(f.Patient)
	for i := range f.Signals {
		if f.Signals[i].IsAnnotation() {
			continue
		}
		if len(rec.Signals) > 0 && f.Signals[i].SamplesPerRecord != f.Signals[rec.Signals[0]].SamplesPerRecord {
			first := rec.Signals[0]
			return nil, fmt.Errorf("%s: %w: signal %q is sampled at %g Hz but %q at %g Hz, and a session has one rate",
				name, ErrNotRecording, f.Signals[i].Label, f.SampleRateHz(i), f.Signals[first].Label, f.SampleRateHz(first))
		}
		rec.Signals = append(rec.Signals, i)
	}
	if len(rec.Signals) == 0 || f.RecordDuration <= 0 {
		return nil, fmt.Errorf("%s: %w: the file holds no signals, only annotations", name, ErrNotRecording)
	}
	if f.Records == 0 {
		return nil, fmt.Errorf("%s: %w: the file holds no data records (no samples)", name, ErrNotRecording)
	}
	rec.RateHz = f.SampleRateHz(rec.Signals[0])
	for _, i := range rec.Signals {
		sig := &f.Signals[i]
		if off := sig.Offset(); math.Abs(off) > math.Abs(sig.Scale())/2 {
			rec.Notes = append(rec.Notes, fmt.Sprintf("signal %q has an offset of %g %s that a session cannot store; dropped", sig.Label, off, sig.PhysicalDim))
		}
	}
	if err := rec.place(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rec, nil
}

// place puts the data records and annotations on the session's sample
// axis: record r starts at recStart[r] (EDF+D jumps become gaps), an
// annotation at the sample of its onset within the last record starting at
// or before it (before the recording: at sample 0, with a note). The
// padding of the last record is left out: up to the EndMarker annotation
// when the file has one (our exports), else as edf.File.Padding guesses.
func (rec *Recording) place() error {
	f := rec.File
	spr := int64(f.Signals[rec.Signals[0]].SamplesPerRecord)
	rec.recStart = make([]int64, f.Records)
	for r := range rec.recStart {
		start := math.Round((f.RecordStarts[r] - f.RecordStarts[0]) * rec.RateHz)
		if start < float64(rec.end) || start > 1<<53 {
			return fmt.Errorf("%w: data record %d starts at %g s, before the end of the previous one", ErrNotRecording, r+1, f.RecordStarts[r])
		}
		rec.recStart[r] = int64(start)
		rec.end = rec.recStart[r] + spr
	}
	rec.annSample = make([]int64, len(f.Annotations))
	rec.pad = -1
	for k, a := range f.Annotations {
		// The last record starting at or before the onset (record starts
		// increase: checked above).
		r := max(sort.Search(len(f.RecordStarts), func(r int) bool { return f.RecordStarts[r] > a.Onset })-1, 0)
		var sample float64
		if len(rec.recStart) > 0 {
			sample = float64(rec.recStart[r]) + math.Round((a.Onset-f.RecordStarts[r])*rec.RateHz)
		}
		if sample < 0 {
			rec.Notes = append(rec.Notes, fmt.Sprintf("annotation %q at %g s lies before the recording; stored at its start", a.Text, a.Onset))
			sample = 0
		}
		rec.annSample[k] = int64(min(sample, 1<<62))
		if a.Text == EndMarker {
			// Our own export says where the samples end: honour it
			// exactly when it lies within the last record.
			if pad := rec.end - rec.annSample[k]; pad >= 0 && pad < spr {
				rec.pad = int(pad)
			}
			rec.marker = k
		}
	}
	if rec.pad < 0 {
		rec.pad = f.Padding(rec.Signals...)
	}
	rec.end -= int64(rec.pad)
	return nil
}

// PaddingOf returns how many samples at the end of signals sigs of f pad
// the last data record: up to the EndMarker annotation of our exports when
// f has one within the last record, else edf.File.Padding's guess. sigs
// are ordinary signals with the same samples per record; f is taken as
// continuous (EDF+C).
func PaddingOf(f *edf.File, sigs ...int) int {
	if len(sigs) == 0 || f.Records == 0 {
		return 0
	}
	spr := f.Signals[sigs[0]].SamplesPerRecord
	n := f.Records * spr
	for _, a := range f.Annotations {
		if a.Text == EndMarker {
			if pad := n - int(math.Round(a.Onset*f.SampleRateHz(sigs[0]))); pad >= 0 && pad < spr {
				return pad
			}
		}
	}
	return f.Padding(sigs...)
}

// PatientMismatch returns a sentence for the user when rec's patient field
// names a patient code other than code (compared without regard to case),
// or "" when it names the same one or none (plain EDF, "X", blank).
func PatientMismatch(rec *Recording, code string) string {
	if !rec.File.Plus || rec.Patient.Code == "" || strings.EqualFold(rec.Patient.Code, code) {
		return ""
	}
	return fmt.Sprintf("the file names patient %q, not %q", rec.Patient.Code, code)
}

// explained is an error whose message is a whole sentence for the user;
// errors.Is and errors.As see its causes.
type explained struct {
	msg    string
	causes []error
}

func (e *explained) Error() string   { return e.msg }
func (e *explained) Unwrap() []error { return e.causes }

// edfDetail returns the explanation of an edf error, "edf: <kind><sep>
// <explanation>", without the prefix the message already says in words
// (the whole error when it does not have that shape).
func edfDetail(err, kind error, sep string) string {
	msg := err.Error()
	if d, ok := strings.CutPrefix(msg, "edf: "+kind.Error()+sep); ok {
		return d
	}
	return "(" + msg + ")"
}

// ImportResult says what Import stored.
type ImportResult struct {
	SessionID int64
	// Samples is the number of samples per channel stored.
	Samples     int64
	Channels    int
	RateHz      float64
	Annotations int
}

// Import stores rec as a new completed session of type import of patient
// patientID: the raw counts of every signal of rec.Signals with their
// scale in µV per count (a signal whose physical dimension is not a
// voltage, e.g. "adu", keeps its dimension in Session.Units and its scale
// in that unit per count), and every annotation but the EndMarker. The
// padding of the last data record is not stored: the EndMarker of our
// exports says exactly where the samples end; without it edf.File.Padding
// guesses (a recording whose last samples repeat in every signal loses the
// repeats, at most one record). Gaps between the data
// records of an EDF+D/BDF+D file become gaps (lost samples) in the
// session. Annotations keep their text; those with a duration become
// labels, and "cue: ", "note: " and "fault: " prefixes become the kind.
//
// rec must come from ReadRecording or DecodeRecording (Import panics
// otherwise). progress, when not nil, is called with the fraction done (0
// to 1, never decreasing). If Import fails after creating the session, the session is
// deleted again, so the database holds the whole recording or none of it.
func Import(ctx context.Context, db storage.Store, patientID int64, rec *Recording, progress func(done float64)) (res ImportResult, err error) {
	if rec.recStart == nil || rec.annSample == nil {
		panic("transfer: Import of a Recording not made by ReadRecording")
	}
	f := rec.File
	sigs := rec.Signals
	rate := rec.RateHz
	spr := f.Signals[sigs[0]].SamplesPerRecord
	recStart := rec.recStart
	prog := newProgress(progress, int64(f.Records*spr-rec.pad))
	prog.add(0)
	s := &storage.Session{
		PatientID: patientID, Type: storage.SessionImport, Protocol: strings.ToLower(f.Format.String()),
		Device: f.Format.String() + " import", RateHz: rate, Channels: len(sigs), ResolutionBits: 8 * f.Format.BytesPerSample(),
		StartedAt: time.Date(f.Start.Year(), f.Start.Month(), f.Start.Day(), f.Start.Hour(), f.Start.Minute(), f.Start.Second(), 0, time.Local),
	}
	if fields := strings.Fields(f.Recording); len(fields) == 5 && fields[0] == "Startdate" && fields[4] != "X" {
		s.Device = strings.ReplaceAll(fields[4], "_", " ")
	}
	foreign := false
	for _, i := range sigs {
		sig := &f.Signals[i]
		uv, volt := edf.UnitUV(sig.PhysicalDim)
		unit := ""
		if !volt {
			unit, foreign = sig.PhysicalDim, true // "adu" stays "adu"
		}
		s.Labels = append(s.Labels, sig.Label)
		s.ScaleUV = append(s.ScaleUV, sig.Scale()*uv)
		s.Units = append(s.Units, unit)
	}
	if !foreign {
		s.Units = nil
	}
	if err := db.CreateSession(ctx, s); err != nil {
		return res, err
	}
	defer func() {
		if err != nil {
			removeSession(ctx, db, s.ID)
		}
	}()
	// Store chunks of about 1 s of contiguous records.
	per := max(1, int(math.Round(rate))/spr)
	for r := 0; r < f.Records; {
		k := 1
		for k < per && r+k < f.Records && recStart[r+k] == recStart[r]+int64(k*spr) {
			k++
		}
		n := k * spr
		if r+k == f.Records {
			n -= rec.pad
		}
		raw := make([]int32, 0, len(sigs)*n)
		for _, i := range sigs {
			raw = append(raw, f.Samples[i][r*spr:r*spr+n]...)
		}
		if err := db.AppendChunk(ctx, s.ID, uint64(recStart[r]), len(sigs), raw); err != nil {
			return res, err
		}
		prog.add(int64(n))
		r += k
	}
	stored := 0
	for k, a := range f.Annotations {
		if k == rec.marker {
			continue
		}
		stored++
		kind, text := "annotation", a.Text
		if a.Duration > 0 {
			kind = "label"
		}
		if prefix, t, ok := strings.Cut(a.Text, ": "); ok && (prefix == "cue" || prefix == "note" || prefix == "fault") {
			kind, text = prefix, t
		}
		if err := db.AddAnnotation(ctx, &storage.Annotation{SessionID: s.ID, Sample: rec.annSample[k],
			Duration: int64(min(math.Round(a.Duration*rate), 1<<62)), Kind: kind, Text: text}); err != nil {
			return res, err
		}
	}
	samples := int64(f.Records*spr - rec.pad)
	if err := db.FinishSession(ctx, s.ID, storage.StatusCompleted, time.Now(), storage.SessionCounts{Samples: samples, Lost: rec.end - samples}); err != nil {
		return res, err
	}
	if err := db.Audit(ctx, &storage.AuditEntry{Action: storage.AuditImported, ObjectType: storage.ObjectSession,
		ObjectID: s.ID, Detail: fmt.Sprintf("patient %d from %s", patientID, rec.Name)}); err != nil {
		return res, err
	}
	prog.done()
	return ImportResult{SessionID: s.ID, Samples: samples, Channels: len(sigs), RateHz: rate, Annotations: stored}, nil
}

// removeSession deletes a half-imported session (best effort: the import
// already failed, and its error is the one to report).
func removeSession(ctx context.Context, db storage.Store, id int64) {
	ctx = context.WithoutCancel(ctx)
	_ = db.FinishSession(ctx, id, storage.StatusInterrupted, time.Now(), storage.SessionCounts{})
	_ = db.DeleteSession(ctx, id)
}
