package transfer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"myorehab/storage"
	"myorehab/storage/edf"
)

// Format is the file format of an export.
type Format string

// Export formats.
const (
	// EDF is EDF+C, 16-bit samples.
	EDF Format = "edf"
	// BDF is BDF+C (BioSemi), 24-bit samples.
	BDF Format = "bdf"
	// CSV is comma-separated text, one row per sample.
	CSV Format = "csv"
)

// ErrFormat is returned (wrapped) by Export and ExportFile for an unknown
// Format.
var ErrFormat = errors.New("unknown export format")

// Options controls an export.
type Options struct {
	// Format is EDF, BDF or CSV.
	Format Format
	// Raw writes raw device counts instead of µV (CSV only; EDF and BDF
	// always store the counts with their scale).
	Raw bool
	// Deidentify writes only the patient's code in the file (EDF and BDF;
	// CSV files carry no identity) and leaves out the words of free-text
	// annotations (kinds "note" and "annotation": a therapist's note or an
	// imported file's text may name someone); labels, cues and faults, the
	// app's own vocabulary, stay. The start date and time are kept.
	Deidentify bool
	// Progress, when not nil, is called with the fraction done, 0 to 1,
	// never decreasing, on the caller's goroutine.
	Progress func(done float64)
}

// ExportResult says what an export wrote.
type ExportResult struct {
	// Samples is the number of samples per channel written (gaps and
	// padding excluded).
	Samples int64
	// Clipped is the number of samples that did not fit the format's range
	// and were clipped (EDF only; noted in an annotation in the file).
	Clipped int64
}

// EndMarker is the text of the annotation an EDF/BDF export adds at the
// end of the last sample when the last data record is padded (its samples
// past the end repeat the last value, as EDF writers do), so that Import
// drops exactly the padding. Other readers show it as an ordinary
// annotation.
const EndMarker = "MyoRehab: end of recording"

// edfNarrowUV is the physical range (±µV) of a 16-bit EDF export of a
// device with more than 16 bits (PROTOCOLS.md §5.4: ±10 mV gives a 0.3 µV
// step; larger values are clipped and the clipping is annotated).
const edfNarrowUV = 10000

// Export writes session sessionID of db to w in opt.Format (see the package
// documentation and exportEDF, exportCSV). EDF and BDF need w to seek (the
// record count is patched at the end); CSV writes sequentially.
func Export(ctx context.Context, db storage.Store, sessionID int64, w io.WriteSeeker, opt Options) (ExportResult, error) {
	if err := checkFormat(opt.Format); err != nil {
		return ExportResult{}, err
	}
	s, err := session(ctx, db, sessionID)
	if err != nil {
		return ExportResult{}, err
	}
	res, err := export(ctx, db, s, w, opt)
	if err != nil {
		return res, fmt.Errorf("export session %d: %w", sessionID, err)
	}
	return res, auditExport(ctx, db, sessionID, opt, "a stream")
}

// auditExport writes the export to the audit log (actor from ctx).
func auditExport(ctx context.Context, db storage.Store, id int64, opt Options, to string) error {
	detail := string(opt.Format)
	if opt.Deidentify {
		detail += " de-identified"
	}
	if err := db.Audit(ctx, &storage.AuditEntry{Action: storage.AuditExported, ObjectType: storage.ObjectSession,
		ObjectID: id, Detail: detail + " to " + to}); err != nil {
		return fmt.Errorf("export session %d: %w", id, err)
	}
	return nil
}

// ExportFile is Export to a new file at path, readable by the user only. An
// existing file is replaced (callers ask first). On failure nothing is
// left at path (a partial file is removed), so a file that exists is a
// whole export. A missing folder, a folder given as path and a folder the
// user may not write in are explained in the error.
func ExportFile(ctx context.Context, db storage.Store, sessionID int64, path string, opt Options) (ExportResult, error) {
	if err := checkFormat(opt.Format); err != nil {
		return ExportResult{}, err
	}
	s, err := session(ctx, db, sessionID)
	if err != nil {
		return ExportResult{}, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
	if err != nil {
		return ExportResult{}, createError(path, err)
	}
	// A file replaced keeps its mode: make it owner-only too.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return ExportResult{}, createError(path, err)
	}
	res, err := export(ctx, db, s, f, opt)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // never leave half a file that looks like an export
		return res, fmt.Errorf("export session %d: %w", sessionID, err)
	}
	return res, auditExport(ctx, db, sessionID, opt, path)
}

// session returns session id, or an error saying in words that there is
// none (wrapping storage.ErrNotFound).
func session(ctx context.Context, db storage.Store, id int64) (*storage.Session, error) {
	s, err := db.Session(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, &explained{fmt.Sprintf("there is no session %d in the database", id), []error{err}}
	}
	return s, err
}

// createError explains why the export file path could not be created.
func createError(path string, err error) error {
	dir := filepath.Dir(path)
	switch fi, serr := os.Stat(dir); {
	case serr != nil && errors.Is(serr, fs.ErrNotExist):
		return &explained{fmt.Sprintf("cannot export to %s: the folder %s does not exist", path, dir), []error{err}}
	case serr == nil && !fi.IsDir():
		return &explained{fmt.Sprintf("cannot export to %s: %s is a file, not a folder", path, dir), []error{err}}
	}
	if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
		return &explained{fmt.Sprintf("cannot export to %s: it is a folder; give a file name", path), []error{err}}
	}
	if errors.Is(err, fs.ErrPermission) {
		return &explained{fmt.Sprintf("cannot export to %s: you may not write there (permission denied)", path), []error{err}}
	}
	return fmt.Errorf("cannot export to %s: %w", path, err)
}

// FileName proposes a file name for the export of session s in format f
// (storage.ExportFileName), e.g. "P-017_2026-05-04_0930_s12.bdf".
func FileName(s *storage.Session, f Format) string { return storage.ExportFileName(s, string(f)) }

func checkFormat(f Format) error {
	switch f {
	case EDF, BDF, CSV:
		return nil
	}
	return fmt.Errorf("%w %q (csv, edf or bdf)", ErrFormat, string(f))
}

// export writes session s to w and reports progress.
func export(ctx context.Context, db storage.Store, s *storage.Session, w io.WriteSeeker, opt Options) (ExportResult, error) {
	progress := newProgress(opt.Progress, s.Samples)
	progress.add(0)
	var (
		res ExportResult
		err error
	)
	if opt.Format == CSV {
		bw := bufio.NewWriter(w)
		res.Samples, err = exportCSV(ctx, db, s, opt.Raw, bw, progress)
		if err == nil {
			err = bw.Flush()
		}
	} else {
		res, err = exportEDF(ctx, db, s, opt.Format == BDF, opt.Deidentify, w, progress)
	}
	if err == nil {
		progress.done()
	}
	return res, err
}

// progress reports the fraction of total samples done to fn (nil: none).
type progress struct {
	fn       func(float64)
	total, n int64
	last     float64
}

func newProgress(fn func(float64), total int64) *progress {
	return &progress{fn: fn, total: total}
}

// add counts n more samples done and reports the new fraction, capped
// below 1 (done reports 1).
func (p *progress) add(n int64) {
	if p.fn == nil {
		return
	}
	p.n += n
	f := 0.0
	if p.total > 0 {
		f = min(float64(p.n)/float64(p.total), 0.99)
	}
	if f >= p.last {
		p.last = f
		p.fn(f)
	}
}

func (p *progress) done() {
	if p.fn != nil {
		p.last = 1
		p.fn(1)
	}
}

// channelLabel returns session s's label of channel c, "ch<c+1>" when it
// has none.
func channelLabel(s *storage.Session, c int) string {
	if c < len(s.Labels) && s.Labels[c] != "" {
		return s.Labels[c]
	}
	return fmt.Sprintf("ch%d", c+1)
}

// exportEDF writes session s as EDF+C (bdf false) or BDF+C.
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
// number of clipped samples. A channel whose unit is not a voltage (an
// imported "adu" signal) keeps its unit and scale. When the last data
// record is padded, the EndMarker annotation marks the end of the samples.
// deidentify writes the patient's code only
// (start date and time are kept).
func exportEDF(ctx context.Context, db storage.Store, s *storage.Session, bdf, deidentify bool, ws io.WriteSeeker, progress *progress) (res ExportResult, err error) {
	format := edf.EDF
	if bdf {
		format = edf.BDF
	}
	var pid edf.PatientID
	if s.PatientID != 0 {
		p, err := db.PatientByID(ctx, s.PatientID)
		if err != nil {
			return res, err
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
		return res, err
	}
	texts := make([]string, len(anns))
	longest := 0
	for i, a := range anns {
		texts[i] = a.Text
		if a.Kind != "label" && a.Kind != "annotation" {
			texts[i] = a.Kind + ": " + a.Text
		}
		if deidentify && freeText(a.Kind) {
			texts[i] = a.Kind // the event stays, the words (which may name someone) go
		}
		longest = max(longest, len(texts[i]))
	}
	narrow := format == edf.EDF && s.ResolutionBits > 16 && len(s.Units) == 0
	sigs := make([]edf.Signal, s.Channels)
	scales := make([]float64, s.Channels) // µV per stored count
	lo, hi := format.DigitalRange()
	for c := range sigs {
		label := channelLabel(s, c)
		if !strings.HasPrefix(label, "EMG") {
			label = "EMG " + label
		}
		sig := edf.Signal{Label: label, DigitalMin: lo, DigitalMax: hi}
		scale := 1.0
		if c < len(s.ScaleUV) && s.ScaleUV[c] > 0 {
			scale = s.ScaleUV[c]
		}
		scales[c] = scale
		unit := s.Unit(c)
		_, volt := edf.UnitUV(unit)
		switch {
		case !volt && c < len(s.ScaleUV):
			// Not a voltage (an imported "adu" signal): the unit and scale as imported.
			sig.PhysicalDim, sig.PhysicalMin, sig.PhysicalMax = unit, float64(lo)*scale, float64(hi)*scale
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
		return res, err
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
				res.Clipped += int64(k)
			}
			chans = narrowd
		}
		next += int64(n)
		res.Samples += int64(n)
		progress.add(int64(n))
		return w.Write(chans)
	})
	if err == nil {
		err = annotate(math.MaxInt64)
	}
	if err != nil {
		return res, err
	}
	if spr := w.Header().Signals[0].SamplesPerRecord; res.Samples%int64(spr) != 0 {
		if err := w.Annotate(edf.Annotation{Onset: float64(res.Samples) / s.RateHz, Text: EndMarker}); err != nil {
			return res, err
		}
	}
	res.Clipped += w.Clipped()
	if res.Clipped > 0 {
		what := "outside the 16-bit range"
		if narrow {
			what = fmt.Sprintf("outside ±%d uV (16-bit EDF of a %d-bit device)", edfNarrowUV, s.ResolutionBits)
		}
		if err := w.Annotate(edf.Annotation{Onset: 0, Text: fmt.Sprintf("clipped: %d samples %s", res.Clipped, what)}); err != nil {
			return res, err
		}
	}
	return res, w.Close()
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

// exportCSV writes session s as CSV `sample,t_s,<channels...>` (µV, or raw
// counts when raw is set or the channel has no scale) and returns the
// number of samples. Numbers are the shortest text that parses back to the
// same float64; sample is the session's sample index, so gaps show as
// jumps.
func exportCSV(ctx context.Context, db storage.Store, s *storage.Session, raw bool, w io.Writer, progress *progress) (int64, error) {
	header := []byte("sample,t_s")
	for c := 0; c < s.Channels; c++ {
		header = append(header, ',')
		header = append(header, channelLabel(s, c)...)
	}
	header = append(header, '\n')
	if _, err := w.Write(header); err != nil {
		return 0, err
	}
	var n int64
	line := make([]byte, 0, 256)
	err := db.ReadSamples(ctx, s.ID, func(start uint64, chans [][]int32) error {
		for i := range chans[0] {
			idx := start + uint64(i)
			line = strconv.AppendUint(line[:0], idx, 10)
			line = append(line, ',')
			line = strconv.AppendFloat(line, float64(idx)/s.RateHz, 'g', -1, 64)
			for c, ch := range chans {
				line = append(line, ',')
				if raw || c >= len(s.ScaleUV) {
					line = strconv.AppendInt(line, int64(ch[i]), 10)
				} else {
					line = strconv.AppendFloat(line, float64(ch[i])*s.ScaleUV[c], 'g', -1, 64)
				}
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
			n++
		}
		progress.add(int64(len(chans[0])))
		return nil
	})
	return n, err
}

// freeText reports whether annotations of kind carry words a person typed
// (or an imported file brought), rather than the app's own vocabulary.
func freeText(kind string) bool { return kind == "note" || kind == "annotation" }
