package app

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"myorehab/storage"
	"myorehab/storage/edf"
	"myorehab/storage/sqlite"
)

// edfNarrowUV is the physical range (±µV) of a 16-bit EDF export of a
// device with more than 16 bits (PROTOCOLS.md §5.4: ±10 mV gives a 0.3 µV
// step; larger values are clipped and the clipping is annotated).
const edfNarrowUV = 10000

// readEDFRecording reads the EMG signals of an EDF/EDF+/BDF/BDF+ file
// (annotation signals skipped) in the file's physical units. All signals
// must share one rate. The last data record is normally padded by repeating
// each signal's final sample (see trimPadding).
func readEDFRecording(path string) (*signalFile, error) {
	f, err := edf.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rec := &signalFile{}
	spr := 0
	for i := range f.Signals {
		s := &f.Signals[i]
		if s.IsAnnotation() {
			continue
		}
		rate := f.SampleRateHz(i)
		if rec.Channels == nil {
			rec.RateHz, spr = rate, s.SamplesPerRecord
		} else if rate != rec.RateHz {
			return nil, fmt.Errorf("%s: signal %q is sampled at %g Hz but %q at %g Hz; all signals must share one rate",
				path, s.Label, rate, rec.Labels[0], rec.RateHz)
		}
		scale, off := s.Scale(), s.Offset()
		x := make([]float64, len(f.Samples[i]))
		for j, d := range f.Samples[i] {
			x[j] = float64(d)*scale + off
		}
		rec.Labels = append(rec.Labels, s.Label)
		rec.Channels = append(rec.Channels, x)
	}
	if rec.Channels == nil {
		return nil, fmt.Errorf("%s: the file holds no signals, only annotations", path)
	}
	if rec.RateHz <= 0 {
		return nil, fmt.Errorf("%s: the data record duration is 0, so the sampling rate is unknown", path)
	}
	trimPadding(rec, spr)
	return rec, nil
}

// trimPadding drops the padding EDF writers (EDFlib, ours, the files in
// ../shared/data) put in the last data record by repeating each signal's
// final sample: a run of samples equal to the final one in every channel,
// within the last record of spr samples, is cut to its first sample. A
// recording whose genuine last samples repeat loses those repeats, at most
// one record.
func trimPadding(rec *signalFile, spr int) {
	n := rec.Len()
	if n == 0 {
		return
	}
	keep := max(n-spr+1, 1)
	for _, x := range rec.Channels {
		k := n - 1
		for k > 0 && k >= n-spr+1 && x[k-1] == x[n-1] {
			k--
		}
		keep = max(keep, k+1)
	}
	for c := range rec.Channels {
		rec.Channels[c] = rec.Channels[c][:keep]
	}
}

// exportEDF writes session s as EDF+C (bdf false) or BDF+C and returns the
// number of samples and of clipped samples.
//
// Samples are written as stored: a gap (lost or dropped samples) is not
// filled; the samples after it follow at once and an annotation
// "gap: N samples lost" marks the place, so the file's time axis is
// shortened by the gaps. Session annotations keep their text (kinds other
// than "label" and "annotation" are written as "kind: text") and are moved
// back by the gaps before them.
//
// Digital values are the raw counts with physical = count × ScaleUV in µV
// (BDF: the full 24-bit range; EDF from devices of up to 16 bits: the
// 16-bit range). An EDF export of a device of more than 16 bits narrows the
// physical range to ±10 mV, requantizes and clips, and annotates the
// number of clipped samples. deidentify writes the patient's code only
// (start date and time are kept).
func exportEDF(ctx context.Context, db *sqlite.DB, s *storage.Session, bdf, deidentify bool, ws io.WriteSeeker) (samples, clipped int64, err error) {
	format := edf.EDF
	if bdf {
		format = edf.BDF
	}
	var pid edf.PatientID
	if s.PatientID != 0 {
		p, err := db.PatientByID(ctx, s.PatientID)
		if err != nil {
			return 0, 0, err
		}
		pid = edf.PatientID{Code: p.Code, Sex: p.Sex, Name: p.Name}
		if t, err := time.Parse("2006-01-02", p.BirthDate); err == nil {
			pid.BirthDate = t
		}
	}
	if deidentify {
		pid = pid.Deidentified()
	}
	anns, err := db.ListAnnotations(ctx, s.ID)
	if err != nil {
		return 0, 0, err
	}
	texts := make([]string, len(anns))
	longest := 0
	for i, a := range anns {
		texts[i] = a.Text
		if a.Kind != "label" && a.Kind != "annotation" {
			texts[i] = a.Kind + ": " + a.Text
		}
		longest = max(longest, len(texts[i]))
	}
	narrow := format == edf.EDF && s.ResolutionBits > 16
	sigs := make([]edf.Signal, s.Channels)
	scales := make([]float64, s.Channels) // µV per stored count
	lo, hi := format.DigitalRange()
	for c := range sigs {
		label := fmt.Sprintf("ch%d", c+1)
		if c < len(s.Labels) && s.Labels[c] != "" {
			label = s.Labels[c]
		}
		if !strings.HasPrefix(label, "EMG") {
			label = "EMG " + label
		}
		sig := edf.Signal{Label: label, DigitalMin: lo, DigitalMax: hi}
		scale := 1.0
		if c < len(s.ScaleUV) && s.ScaleUV[c] > 0 {
			scale = s.ScaleUV[c]
		}
		scales[c] = scale
		switch {
		case narrow:
			sig.PhysicalDim, sig.PhysicalMin, sig.PhysicalMax = "uV", -edfNarrowUV, edfNarrowUV
		case c >= len(s.ScaleUV):
			sig.PhysicalMin, sig.PhysicalMax = float64(lo), float64(hi) // uncalibrated: counts
		default:
			sig.PhysicalDim, sig.PhysicalMin, sig.PhysicalMax = physicalRange(scale, lo, hi)
		}
		sigs[c] = sig
	}
	w, err := edf.NewWriter(ws, edf.WriterConfig{
		Format: format, Patient: pid, Recording: edf.RecordingID{Equipment: s.Device},
		Start: s.StartedAt.In(time.Local), RateHz: s.RateHz, Signals: sigs,
		AnnotationBytes: max(edf.DefaultAnnotationBytes, longest+64),
	})
	if err != nil {
		return 0, 0, err
	}
	var (
		next    int64 // next session sample index expected
		lost    int64 // samples missing before next
		ai      int   // next annotation to write
		narrowd [][]int32
	)
	annotate := func(upTo int64) error {
		for ; ai < len(anns) && anns[ai].Sample < upTo; ai++ {
			a := anns[ai]
			at := max(a.Sample-lost, next-lost) // inside a gap: at the gap
			if err := w.Annotate(edf.Annotation{Onset: float64(at) / s.RateHz, Duration: float64(a.Duration) / s.RateHz, Text: texts[ai]}); err != nil {
				return err
			}
		}
		return nil
	}
	err = db.ReadSamples(ctx, s.ID, func(start uint64, chans [][]int32) error {
		if st := int64(start); st > next {
			if err := annotate(next); err != nil {
				return err
			}
			if err := w.Annotate(edf.Annotation{Onset: float64(next-lost) / s.RateHz, Text: fmt.Sprintf("gap: %d samples lost", st-next)}); err != nil {
				return err
			}
			lost += st - next
			next = st
		}
		n := len(chans[0])
		if err := annotate(next + int64(n)); err != nil {
			return err
		}
		if narrow {
			if len(narrowd) == 0 || cap(narrowd[0]) < n {
				narrowd = make([][]int32, len(chans))
				for c := range narrowd {
					narrowd[c] = make([]int32, n)
				}
			}
			for c := range chans {
				var k int
				narrowd[c], k = sigs[c].Requantize(narrowd[c][:n], chans[c], scales[c])
				clipped += int64(k)
			}
			chans = narrowd
		}
		next += int64(n)
		samples += int64(n)
		return w.Write(chans)
	})
	if err == nil {
		err = annotate(math.MaxInt64)
	}
	if err != nil {
		return samples, clipped, err
	}
	clipped += w.Clipped()
	if clipped > 0 {
		what := "outside the 16-bit range"
		if narrow {
			what = fmt.Sprintf("outside ±%d uV (16-bit EDF of a %d-bit device)", edfNarrowUV, s.ResolutionBits)
		}
		if err := w.Annotate(edf.Annotation{Onset: 0, Text: fmt.Sprintf("clipped: %d samples %s", clipped, what)}); err != nil {
			return samples, clipped, err
		}
	}
	return samples, clipped, w.Close()
}

// physicalRange returns the unit and the physical values of counts lo and
// hi at scale µV per count, in µV, or in mV or V when µV needs more than
// the 8 characters of the header.
func physicalRange(scale float64, lo, hi int32) (unit string, pmin, pmax float64) {
	for _, u := range []struct {
		name string
		div  float64
	}{{"uV", 1}, {"mV", 1e3}, {"V", 1e6}} {
		pmin, pmax = float64(lo)*scale/u.div, float64(hi)*scale/u.div
		if math.Abs(pmin) < 1e7 && math.Abs(pmax) < 1e7 {
			return u.name, pmin, pmax
		}
	}
	return "V", pmin, pmax
}

// importResult is what `myorehab import` prints (CLI.md).
type importResult struct {
	SessionID   int64   `json:"session_id"`
	Samples     int64   `json:"samples"`
	Channels    int     `json:"channels"`
	RateHz      float64 `json:"rate_hz"`
	Annotations int     `json:"annotations"`
}

// runImport implements `myorehab import --db FILE --patient CODE FILE`:
// an EDF+/BDF+ recording becomes a new session of type import holding the
// raw counts of every EMG signal (all samples of every data record,
// padding included: the file does not say which are valid) and every
// annotation. The patient is created when missing.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", stderr)
	dbPath := fs.String("db", "", "SQLite database file")
	patient := fs.String("patient", "", "clinic code of the patient (created if missing)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *dbPath == "" || *patient == "" || fs.NArg() != 1 {
		return usagef("import needs --db, --patient and one FILE.edf or FILE.bdf")
	}
	path := fs.Arg(0)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".edf", ".bdf":
	default:
		return usagef("import reads EDF+/BDF+ files (.edf, .bdf), not %q", path)
	}
	f, err := edf.ReadFile(path)
	if err != nil {
		return err
	}
	db, err := openExisting(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := importEDF(ctx, db, *patient, f, stderr)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	return writeJSONLine(stdout, res)
}

// unitUV returns the µV per physical unit, or false for units that are not
// a voltage.
func unitUV(dim string) (float64, bool) {
	switch dim {
	case "uV", "µV", "μV":
		return 1, true
	case "mV":
		return 1e3, true
	case "V":
		return 1e6, true
	case "nV":
		return 1e-3, true
	}
	return 1, false
}

// importEDF stores file f as a new import session of the patient code.
func importEDF(ctx context.Context, db *sqlite.DB, code string, f *edf.File, notes io.Writer) (*importResult, error) {
	var sigs []int
	for i := range f.Signals {
		if !f.Signals[i].IsAnnotation() {
			if len(sigs) > 0 && f.Signals[i].SamplesPerRecord != f.Signals[sigs[0]].SamplesPerRecord {
				return nil, fmt.Errorf("signal %q is sampled at %g Hz but %q at %g Hz; a session has one rate",
					f.Signals[i].Label, f.SampleRateHz(i), f.Signals[sigs[0]].Label, f.SampleRateHz(sigs[0]))
			}
			sigs = append(sigs, i)
		}
	}
	if len(sigs) == 0 || f.RecordDuration <= 0 {
		return nil, fmt.Errorf("the file holds no signals to import")
	}
	rate := f.SampleRateHz(sigs[0])
	spr := f.Signals[sigs[0]].SamplesPerRecord
	p, err := db.PatientByCode(ctx, code)
	if err != nil {
		p = &storage.Patient{Code: code}
		err = db.CreatePatient(ctx, p)
	}
	if err != nil {
		return nil, fmt.Errorf("patient %s: %w", code, err)
	}
	s := &storage.Session{
		PatientID: p.ID, Type: storage.SessionImport, Protocol: strings.ToLower(f.Format.String()),
		Device: f.Format.String() + " import", RateHz: rate, Channels: len(sigs), ResolutionBits: 8 * f.Format.BytesPerSample(),
		StartedAt: time.Date(f.Start.Year(), f.Start.Month(), f.Start.Day(), f.Start.Hour(), f.Start.Minute(), f.Start.Second(), 0, time.Local),
	}
	if fields := strings.Fields(f.Recording); len(fields) == 5 && fields[0] == "Startdate" && fields[4] != "X" {
		s.Device = strings.ReplaceAll(fields[4], "_", " ")
	}
	for _, i := range sigs {
		sig := &f.Signals[i]
		uv, ok := unitUV(sig.PhysicalDim)
		if !ok {
			fmt.Fprintf(notes, "note: signal %q is in %q, not a voltage; its physical values are stored as if µV\n", sig.Label, sig.PhysicalDim)
		}
		if off := sig.Offset(); math.Abs(off) > math.Abs(sig.Scale())/2 {
			fmt.Fprintf(notes, "note: signal %q has an offset of %g %s that a session cannot store; dropped\n", sig.Label, off, sig.PhysicalDim)
		}
		s.Labels = append(s.Labels, sig.Label)
		s.ScaleUV = append(s.ScaleUV, sig.Scale()*uv)
	}
	if err := db.CreateSession(ctx, s); err != nil {
		return nil, err
	}
	// Record r starts at sample recStart[r]; EDF+D jumps become gaps.
	recStart := make([]int64, f.Records)
	var end int64
	for r := range recStart {
		recStart[r] = int64(math.Round((f.RecordStarts[r] - f.RecordStarts[0]) * rate))
		if recStart[r] < end {
			return nil, fmt.Errorf("data record %d starts at %g s, before the end of the previous one", r+1, f.RecordStarts[r])
		}
		end = recStart[r] + int64(spr)
	}
	// Store chunks of about 1 s of contiguous records.
	per := max(1, int(math.Round(rate))/spr)
	for r := 0; r < f.Records; {
		k := 1
		for k < per && r+k < f.Records && recStart[r+k] == recStart[r]+int64(k*spr) {
			k++
		}
		n := k * spr
		raw := make([]int32, 0, len(sigs)*n)
		for _, i := range sigs {
			raw = append(raw, f.Samples[i][r*spr:r*spr+n]...)
		}
		if err := db.AppendChunk(ctx, s.ID, uint64(recStart[r]), len(sigs), raw); err != nil {
			return nil, err
		}
		r += k
	}
	for _, a := range f.Annotations {
		r := 0
		for r+1 < len(recStart) && f.RecordStarts[r+1] <= a.Onset {
			r++
		}
		sample := int64(0)
		if len(recStart) > 0 {
			sample = recStart[r] + int64(math.Round((a.Onset-f.RecordStarts[r])*rate))
		}
		if sample < 0 {
			fmt.Fprintf(notes, "note: annotation %q at %g s lies before the recording; stored at its start\n", a.Text, a.Onset)
			sample = 0
		}
		kind, text := "annotation", a.Text
		if a.Duration > 0 {
			kind = "label"
		}
		if k, t, ok := strings.Cut(a.Text, ": "); ok && (k == "cue" || k == "note" || k == "fault") {
			kind, text = k, t
		}
		if err := db.AddAnnotation(ctx, &storage.Annotation{SessionID: s.ID, Sample: sample,
			Duration: int64(math.Round(a.Duration * rate)), Kind: kind, Text: text}); err != nil {
			return nil, err
		}
	}
	samples := int64(f.Records * spr)
	if err := db.FinishSession(ctx, s.ID, storage.StatusCompleted, time.Now(), storage.SessionCounts{Samples: samples, Lost: end - samples}); err != nil {
		return nil, err
	}
	return &importResult{SessionID: s.ID, Samples: samples, Channels: len(sigs), RateHz: rate, Annotations: len(f.Annotations)}, nil
}

// createOutput creates (or truncates) an export file readable by the user only.
func createOutput(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return f, nil
}

// exportEDFFile implements `myorehab export --format edf|bdf` (CLI.md).
func exportEDFFile(ctx context.Context, dbPath string, id int64, bdf, deidentify bool, out string, stdout io.Writer) error {
	db, err := openExisting(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := db.Session(ctx, id)
	if err != nil {
		return fmt.Errorf("session %d: %w", id, err)
	}
	f, err := createOutput(out)
	if err != nil {
		return err
	}
	n, clipped, err := exportEDF(ctx, db, s, bdf, deidentify, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export session %d: %w", id, err)
	}
	fmt.Fprintf(stdout, "exported %d samples of session %d to %s", n, id, out)
	if clipped > 0 {
		fmt.Fprintf(stdout, " (%d samples clipped, noted in an annotation)", clipped)
	}
	fmt.Fprintln(stdout)
	return nil
}
