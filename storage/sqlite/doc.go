// Package sqlite implements storage.Store on one SQLite file (mattn/go-sqlite3,
// WAL mode, foreign keys on, per-connection pragmas in the DSN) and the
// recording Writer that streams raw acquisition Blocks into it.
//
// The schema lives in migration/*.sql, embedded and applied in lexical order
// at Open, one transaction each, recorded in the migrations table. Raw counts
// are stored as chunks of consecutive samples (about one second each, planar
// little-endian int32), so a crash loses at most the samples not yet
// committed, and a gap in the sample index (lost or dropped samples) stays a
// gap. Times are stored as UTC RFC 3339 text with microseconds.
//
// Per-second metrics (RMS, MDF per channel) are stored with running sums
// per session, so a patient's history reads one row per session. Changes to
// patients, therapists, channel set-ups and models, and session deletions,
// write the audit log in the same transaction, with the actor carried by the
// context (storage.WithActor). Backup uses SQLite's online backup API into
// owner-only files in a backups folder next to the database; Restore
// verifies a backup and swaps it in while the database is closed, keeping
// the replaced file.
package sqlite
