package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// sessionRow is one session as `myorehab sessions` prints it (CLI.md fields).
type sessionRow struct {
	ID        int64   `json:"id"`
	Patient   string  `json:"patient"`
	Type      string  `json:"type"`
	Status    string  `json:"status"`
	StartedAt string  `json:"started_at"`
	Samples   int64   `json:"samples"`
	RateHz    float64 `json:"rate_hz"`
	Lost      int64   `json:"lost"`
	Dropped   int64   `json:"dropped"`
}

// runSessions implements `myorehab sessions` (CLI.md).
func runSessions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sessions", stderr)
	dbPath := fs.String("db", "", "SQLite database file")
	patient := fs.String("patient", "", "only this patient's sessions (clinic code)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *dbPath == "" {
		return usagef("sessions needs --db")
	}
	db, err := openExisting(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	ss, err := db.ListSessions(ctx, storage.SessionFilter{PatientCode: *patient})
	if err != nil {
		return err
	}
	rows := make([]sessionRow, 0, len(ss))
	for _, s := range ss {
		rows = append(rows, sessionRow{
			ID: s.ID, Patient: s.PatientCode, Type: string(s.Type), Status: string(s.Status),
			StartedAt: s.StartedAt.UTC().Format(time.RFC3339), Samples: s.Samples, RateHz: s.RateHz,
			Lost: s.Lost, Dropped: s.Dropped,
		})
	}
	if *asJSON {
		return writeJSONLine(stdout, rows)
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\t%s\t%d samples @ %g Hz\n", r.ID, r.Patient, r.Type, r.Status, r.StartedAt, r.Samples, r.RateHz)
	}
	return nil
}

// runExport implements `myorehab export` (CLI.md) for CSV: `sample,t_s,
// <channels...>` in µV, or raw counts with --raw. Gaps (lost samples) are
// visible as jumps in the sample column. EDF+/BDF+: see exportEDF.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	dbPath := fs.String("db", "", "SQLite database file")
	id := fs.Int64("session", 0, "session id")
	format := fs.String("format", "csv", "csv, edf (EDF+, 16-bit) or bdf (BDF+, 24-bit)")
	out := fs.String("out", "", "output file")
	raw := fs.Bool("raw", false, "raw device counts instead of µV")
	deidentify := fs.Bool("deidentify", false, "EDF/BDF: write the patient's code only (CSV carries no identity)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *dbPath == "" || *id == 0 || *out == "" {
		return usagef("export needs --db, --session and --out")
	}
	switch *format {
	case "csv":
	case "edf", "bdf":
		return exportEDFFile(ctx, *dbPath, *id, *format == "bdf", *deidentify, *out, stdout)
	default:
		return usagef("unknown export format %q (csv, edf or bdf)", *format)
	}
	db, err := openExisting(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := db.Session(ctx, *id)
	if err != nil {
		return fmt.Errorf("session %d: %w", *id, err)
	}
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	w := bufio.NewWriter(f)
	n, err := exportCSV(ctx, db, s, *raw, w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export session %d: %w", *id, err)
	}
	fmt.Fprintf(stdout, "exported %d samples of session %d to %s\n", n, *id, *out)
	return nil
}

// exportCSV writes session s as CSV and returns the number of samples.
func exportCSV(ctx context.Context, db *sqlite.DB, s *storage.Session, raw bool, w io.Writer) (int, error) {
	header := []byte("sample,t_s")
	for c := 0; c < s.Channels; c++ {
		label := fmt.Sprintf("ch%d", c+1)
		if c < len(s.Labels) && s.Labels[c] != "" {
			label = s.Labels[c]
		}
		header = append(header, ',')
		header = append(header, label...)
	}
	header = append(header, '\n')
	if _, err := w.Write(header); err != nil {
		return 0, err
	}
	n := 0
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
		return nil
	})
	return n, err
}

// openExisting opens a database that must already exist (a typo must not
// create an empty one).
func openExisting(path string) (*sqlite.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return sqlite.Open(path)
}
