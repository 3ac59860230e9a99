package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"myorehab/storage"
	"myorehab/storage/edf"
	"myorehab/storage/sqlite"
	xfer "myorehab/storage/transfer"
)

// readEDFRecording reads the EMG signals of an EDF/EDF+/BDF/BDF+ file
// (annotation signals skipped) in the file's physical units. All signals
// must share one rate. The padding of the last data record is dropped
// (transfer.PaddingOf: up to our exports' end marker, else guessed).
func readEDFRecording(path string) (*signalFile, error) {
	f, err := edf.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rec := &signalFile{}
	var sigs []int
	for i := range f.Signals {
		s := &f.Signals[i]
		if s.IsAnnotation() {
			continue
		}
		rate := f.SampleRateHz(i)
		if rec.Channels == nil {
			rec.RateHz = rate
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
		sigs = append(sigs, i)
	}
	if rec.Channels == nil {
		return nil, fmt.Errorf("%s: the file holds no signals, only annotations", path)
	}
	if rec.RateHz <= 0 {
		return nil, fmt.Errorf("%s: the data record duration is 0, so the sampling rate is unknown", path)
	}
	keep := rec.Len() - xfer.PaddingOf(f, sigs...)
	for c := range rec.Channels {
		rec.Channels[c] = rec.Channels[c][:keep]
	}
	return rec, nil
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
// an EDF+/BDF+ recording becomes a new session of type import (see
// transfer.Import). The database and the patient are created when
// missing; notes about the file (another patient named in it, units,
// offsets) go to stderr.
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
	rec, err := xfer.ReadRecording(path)
	if err != nil {
		return err
	}
	db, err := sqlite.Open(*dbPath) // created when absent, as record does
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.PatientByCode(ctx, *patient)
	if err != nil {
		p = &storage.Patient{Code: *patient}
		err = db.CreatePatient(ctx, p)
	}
	if err != nil {
		return fmt.Errorf("import %s: patient %s: %w", path, *patient, err)
	}
	if m := xfer.PatientMismatch(rec, p.Code); m != "" {
		fmt.Fprintf(stderr, "note: %s; imported for %s as asked\n", m, p.Code)
	}
	for _, n := range rec.Notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
	res, err := xfer.Import(ctx, db, p.ID, rec, nil)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	return writeJSONLine(stdout, importResult{SessionID: res.SessionID, Samples: res.Samples, Channels: res.Channels, RateHz: res.RateHz, Annotations: res.Annotations})
}

// exportFile implements `myorehab export` (CLI.md) for every format.
func exportFile(ctx context.Context, dbPath string, id int64, out string, opt xfer.Options, stdout io.Writer) error {
	db, err := openExisting(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := xfer.ExportFile(ctx, db, id, out, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d samples of session %d to %s", res.Samples, id, out)
	if res.Clipped > 0 {
		fmt.Fprintf(stdout, " (%d samples clipped, noted in an annotation)", res.Clipped)
	}
	fmt.Fprintln(stdout)
	return nil
}
