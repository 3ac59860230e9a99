package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"myorehab/storage"
	"myorehab/storage/sqlite"
	xfer "myorehab/storage/transfer"
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

// runExport implements `myorehab export` (CLI.md): CSV `sample,t_s,
// <channels...>` in µV (raw counts with --raw), EDF+ or BDF+; see
// transfer.Export.
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
	switch f := xfer.Format(*format); f {
	case xfer.CSV, xfer.EDF, xfer.BDF:
		return exportFile(ctx, *dbPath, *id, *out, xfer.Options{Format: f, Raw: *raw, Deidentify: *deidentify}, stdout)
	}
	return usagef("unknown export format %q (csv, edf or bdf)", *format)
}

// openExisting opens a database that must already exist (a typo must not
// create an empty one).
func openExisting(path string) (*sqlite.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return sqlite.Open(path)
}
