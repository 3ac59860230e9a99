package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"myorehab/storage"
)

// t0 is the fixed clock of test databases.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// MustOpenDB opens a database file in a fresh temporary directory, with a
// fixed clock, and closes it at the end of the test.
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "db"))
}

func mustOpenPath(tb testing.TB, path string) *DB {
	tb.Helper()
	db := NewDB(path)
	db.Now = func() time.Time { return t0 }
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustCreateSession(tb testing.TB, db *DB, s *storage.Session) *storage.Session {
	tb.Helper()
	if err := db.CreateSession(context.Background(), s); err != nil {
		tb.Fatal(err)
	}
	return s
}

func schema(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.db.Query(`SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_schema ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func migrationNames(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.db.Query(`SELECT name FROM migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestOpen(t *testing.T) {
	t.Run("MigrationsIdempotent", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "db")
		db := mustOpenPath(t, path)
		want, _ := fs.Glob(migrationFS, "migration/*.sql")
		if len(want) == 0 {
			t.Fatal("no embedded migrations")
		}
		if got := migrationNames(t, db); !slices.Equal(got, want) {
			t.Fatalf("migrations = %q, want %q", got, want)
		}
		before := schema(t, db)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			db := mustOpenPath(t, path)
			if got := migrationNames(t, db); !slices.Equal(got, want) {
				t.Fatalf("after reopen migrations = %q, want %q", got, want)
			}
			if got := schema(t, db); !slices.Equal(got, before) {
				t.Fatalf("schema changed on reopen:\n%q\nwant\n%q", got, before)
			}
			db.Close()
		}
	})

	t.Run("MigrationFailureRollsBack", func(t *testing.T) {
		db := MustOpenDB(t)
		ctx := context.Background()
		fsys := fstest.MapFS{
			"migration/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
			"migration/0002_b.sql": {Data: []byte(`CREATE TABLE b (x INTEGER); INSERT INTO nosuchtable VALUES (1);`)},
		}
		if err := migrate(ctx, db.db, fsys); err == nil || !strings.Contains(err.Error(), "0002_b.sql") {
			t.Fatalf("migrate = %v, want error naming 0002_b.sql", err)
		}
		var n int
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('a', 'b')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d of tables a, b exist after failed 0002, want only a", n)
		}
		fsys["migration/0002_b.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE b (x INTEGER);`)}
		if err := migrate(ctx, db.db, fsys); err != nil {
			t.Fatal(err)
		}
		got := migrationNames(t, db)
		if !slices.Contains(got, "migration/0002_b.sql") {
			t.Fatalf("migrations = %q, want 0002_b recorded", got)
		}
	})

	t.Run("Permissions", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "new", "data")
		path := filepath.Join(dir, "myorehab.db")
		db := mustOpenPath(t, path)
		// A write creates the -wal and -shm files.
		if err := db.CreatePatient(context.Background(), &storage.Patient{Code: "P1"}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm", path + "-lock"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("%s mode %v, want 0600", filepath.Base(p), m)
			}
		}
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o700 {
			t.Errorf("directory mode %v, want 0700", m)
		}
	})

	t.Run("TightensExistingFile", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "db")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil { // in case of a strict umask
			t.Fatal(err)
		}
		mustOpenPath(t, path)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("mode %v, want 0600", m)
		}
	})

	t.Run("OddPath", func(t *testing.T) {
		// Characters that mean something in a file: URI.
		path := filepath.Join(t.TempDir(), "a dir?x=1#frag%20", "my db%3F.sqlite")
		db := mustOpenPath(t, path)
		if err := db.CreatePatient(context.Background(), &storage.Patient{Code: "P1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("database not at the given path: %v", err)
		}
	})

	t.Run("NotADatabase", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "db")
		if err := os.WriteFile(path, []byte(strings.Repeat("this is not sqlite\n", 500)), 0o600); err != nil {
			t.Fatal(err)
		}
		db := NewDB(path)
		err := db.Open()
		if err == nil {
			db.Close()
			t.Fatal("Open succeeded on a text file")
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a database") {
			t.Fatalf("error %q should name the file and the problem", err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("Close after failed Open: %v", err)
		}
	})

	t.Run("Damaged", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "db")
		db := mustOpenPath(t, path)
		for _, code := range []string{"A", "B", "C"} {
			if err := db.CreatePatient(context.Background(), &storage.Patient{Code: code}); err != nil {
				t.Fatal(err)
			}
		}
		var root, pageSize int64
		if err := db.db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = 'patients'`).Scan(&root); err != nil {
			t.Fatal(err)
		}
		if err := db.db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
			t.Fatal(err)
		}
		db.Close() // checkpoints the WAL into the file
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Overwrite the b-tree page type of the patients table with junk.
		if _, err := f.WriteAt([]byte{0x7f, 0x7f, 0x7f, 0x7f}, (root-1)*pageSize); err != nil {
			t.Fatal(err)
		}
		f.Close()
		db = NewDB(path)
		err = db.Open()
		if err == nil {
			db.Close()
			t.Fatal("Open succeeded on a damaged file")
		}
		if !strings.Contains(err.Error(), path) || !(strings.Contains(err.Error(), "damaged") || strings.Contains(err.Error(), "malformed")) {
			t.Fatalf("error %q should name the file and say it is damaged", err)
		}
		t.Logf("damaged file: %v", err)
	})

	t.Run("CloseIdempotent", func(t *testing.T) {
		db := MustOpenDB(t)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if err := NewDB("never-opened").Close(); err != nil {
			t.Fatalf("Close of unopened DB: %v", err)
		}
	})

	t.Run("EmptyPath", func(t *testing.T) {
		if _, err := Open(""); !errors.Is(err, storage.ErrInvalid) {
			t.Fatalf("Open(\"\") = %v, want ErrInvalid", err)
		}
	})
}

func TestRecovery(t *testing.T) {
	ctx := context.Background()
	t.Run("CrashedSessionBecomesInterrupted", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "db")
		db := mustOpenPath(t, path)
		rec := mustCreateSession(t, db, &storage.Session{Channels: 2, RateHz: 500})
		if err := db.AppendChunk(ctx, rec.ID, 0, 2, make([]int32, 2*1000)); err != nil {
			t.Fatal(err)
		}
		done := mustCreateSession(t, db, &storage.Session{Channels: 2, RateHz: 500})
		if err := db.FinishSession(ctx, done.ID, storage.StatusCompleted, t0.Add(time.Minute), storage.SessionCounts{Samples: 7}); err != nil {
			t.Fatal(err)
		}
		if got := db.Recovered(); got != nil {
			t.Fatalf("fresh database recovered %v", got)
		}
		db.Close() // without finishing rec: the app crashed

		db = mustOpenPath(t, path)
		if got := db.Recovered(); !slices.Equal(got, []int64{rec.ID}) {
			t.Fatalf("Recovered() = %v, want [%d]", got, rec.ID)
		}
		s, err := db.Session(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != storage.StatusInterrupted {
			t.Errorf("status %q, want interrupted", s.Status)
		}
		if want := rec.StartedAt.Add(2 * time.Second); !s.EndedAt.Equal(want) {
			t.Errorf("ended at %v, want %v (start + 1000 samples at 500 Hz)", s.EndedAt, want)
		}
		s, err = db.Session(ctx, done.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != storage.StatusCompleted || s.Samples != 7 {
			t.Errorf("completed session changed: %+v", s)
		}
	})

	t.Run("SecondHandleLeavesLiveRecordingAlone", func(t *testing.T) {
		if !ownerLockSupported {
			t.Skip("no advisory file locks on this platform")
		}
		path := filepath.Join(t.TempDir(), "db")
		owner := mustOpenPath(t, path)
		rec := mustCreateSession(t, owner, &storage.Session{Channels: 1, RateHz: 100})
		other := mustOpenPath(t, path) // e.g. `myorehab sessions` while the app records
		if got := other.Recovered(); got != nil {
			t.Fatalf("second handle recovered %v", got)
		}
		s, err := other.Session(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != storage.StatusRecording {
			t.Fatalf("live session is %q in the second handle, want recording", s.Status)
		}
		other.Close()
		owner.Close()
		db := mustOpenPath(t, path)
		if got := db.Recovered(); !slices.Equal(got, []int64{rec.ID}) {
			t.Fatalf("after both closed Recovered() = %v, want [%d]", got, rec.ID)
		}
	})
}

func TestPatients(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	p := &storage.Patient{Code: "P001", Name: "Ada Lovelace", BirthDate: "1815-12-10", Sex: "F",
		AffectedSide: "right", Diagnosis: "stroke", Notes: "prefers mornings"}
	t.Run("Create", func(t *testing.T) {
		if err := db.CreatePatient(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || !p.CreatedAt.Equal(t0) {
			t.Fatalf("ID %d CreatedAt %v not filled", p.ID, p.CreatedAt)
		}
	})
	t.Run("ByIDAndCode", func(t *testing.T) {
		for _, get := range []func() (*storage.Patient, error){
			func() (*storage.Patient, error) { return db.PatientByID(ctx, p.ID) },
			func() (*storage.Patient, error) { return db.PatientByCode(ctx, "P001") },
		} {
			got, err := get()
			if err != nil {
				t.Fatal(err)
			}
			if *got != *p {
				t.Fatalf("got %+v, want %+v", got, p)
			}
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		err := db.CreatePatient(ctx, &storage.Patient{Code: "P001"})
		if !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("duplicate code: %v, want ErrConflict", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, code := range []string{"", "  \t"} {
			if err := db.CreatePatient(ctx, &storage.Patient{Code: code}); !errors.Is(err, storage.ErrInvalid) {
				t.Errorf("code %q: %v, want ErrInvalid", code, err)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := db.PatientByID(ctx, 999); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("PatientByID: %v", err)
		}
		if _, err := db.PatientByCode(ctx, "p001"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("PatientByCode is exact, got %v", err)
		}
		if err := db.UpdatePatient(ctx, &storage.Patient{ID: 999, Code: "X"}); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("UpdatePatient: %v", err)
		}
	})
	t.Run("Update", func(t *testing.T) {
		q := *p
		q.Name, q.Code, q.Notes = "Ada King", "P002", ""
		if err := db.UpdatePatient(ctx, &q); err != nil {
			t.Fatal(err)
		}
		got, err := db.PatientByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got != q {
			t.Fatalf("after update got %+v, want %+v", got, q)
		}
		other := &storage.Patient{Code: "P003"}
		if err := db.CreatePatient(ctx, other); err != nil {
			t.Fatal(err)
		}
		other.Code = "P002"
		if err := db.UpdatePatient(ctx, other); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("update to a taken code: %v, want ErrConflict", err)
		}
	})
	t.Run("Search", func(t *testing.T) {
		for _, pt := range []*storage.Patient{{Code: "Q10", Name: "alan turing"}, {Code: "Q11", Name: "Grace Hopper"}} {
			if err := db.CreatePatient(ctx, pt); err != nil {
				t.Fatal(err)
			}
		}
		for _, test := range []struct {
			search string
			want   []string // codes, in name order
		}{
			{"", []string{"P002", "Q10", "P003", "Q11"}}, // "Ada King", "alan turing", "", "Grace Hopper" by NOCASE name
			{"ing", []string{"P002", "Q10"}},
			{"TURING", []string{"Q10"}},
			{"q1", []string{"Q10", "Q11"}},
			{"nobody", nil},
		} {
			ps, err := db.ListPatients(ctx, test.search)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Code)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(test.want))
			if !slices.Equal(got, want) {
				t.Errorf("ListPatients(%q) = %q, want %q", test.search, got, want)
			}
		}
		ps, err := db.ListPatients(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
		}
		if want := []string{"", "Ada King", "alan turing", "Grace Hopper"}; !slices.Equal(names, want) {
			t.Errorf("order by name: %q, want %q", names, want)
		}
	})
}

// hostile are strings that break SQL built by concatenation, LIKE patterns
// without escaping, or byte-oriented text handling.
var hostile = []string{
	`O'Brien`,
	`"double" quotes`,
	`'; DROP TABLE patients; --`,
	`Robert'); DROP TABLE sessions;--`,
	`100%`,
	`%`,
	`_`,
	`a_b`,
	`\`,
	`\%`,
	`back\slash`,
	`[x]`,
	`?`,
	`?1 :name @p $v`,
	"tab\tnewline\ncr\r",
	`Zoë Ünal`,
	`患者 テスト`,
	`🙂 emoji`,
	`ǅ`,
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestHostileStrings(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	var all []*storage.Patient
	for i, s := range hostile {
		p := &storage.Patient{Code: s, Name: "name " + s, Notes: s, Diagnosis: s}
		if err := db.CreatePatient(ctx, p); err != nil {
			t.Fatalf("create %d %q: %v", i, s, err)
		}
		all = append(all, p)
	}
	for _, p := range all {
		got, err := db.PatientByCode(ctx, p.Code)
		if err != nil {
			t.Fatalf("by code %q: %v", p.Code, err)
		}
		if *got != *p {
			t.Errorf("round trip %q: got %+v", p.Code, got)
		}
	}
	for _, search := range append(slices.Clone(hostile), "", "'", `"`, "%%", "__", "ZOË", "name") {
		ps, err := db.ListPatients(ctx, search)
		if err != nil {
			t.Fatalf("search %q: %v", search, err)
		}
		var got, want []string
		for _, p := range ps {
			got = append(got, p.Code)
		}
		for _, p := range all {
			if strings.Contains(lowerASCII(p.Code), lowerASCII(search)) ||
				strings.Contains(lowerASCII(p.Name), lowerASCII(search)) {
				want = append(want, p.Code)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("search %q = %q, want %q", search, got, want)
		}
	}

	s := mustCreateSession(t, db, &storage.Session{PatientID: all[2].ID, Channels: len(hostile), RateHz: 1000,
		Labels: hostile, Device: hostile[3], Filter: hostile[4], Port: hostile[5]})
	ss, err := db.ListSessions(ctx, storage.SessionFilter{PatientCode: all[2].Code})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || ss[0].ID != s.ID || !slices.Equal(ss[0].Labels, hostile) ||
		ss[0].Device != hostile[3] || ss[0].PatientCode != hostile[2] {
		t.Fatalf("session by hostile code: %+v", ss)
	}
	for _, code := range []string{"%", "_", `' OR '1'='1`} {
		ss, err := db.ListSessions(ctx, storage.SessionFilter{PatientCode: code})
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != 0 {
			t.Errorf("PatientCode %q matched %d sessions, want exact match only", code, len(ss))
		}
	}
	for _, text := range hostile {
		if err := db.AddAnnotation(ctx, &storage.Annotation{SessionID: s.ID, Kind: text, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	as, err := db.ListAnnotations(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range as {
		if a.Text != hostile[i] || a.Kind != hostile[i] {
			t.Errorf("annotation %d = %q/%q, want %q", i, a.Kind, a.Text, hostile[i])
		}
	}
	var tables int
	if err := db.db.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name IN
		('patients', 'sessions', 'recording_chunks', 'annotations', 'migrations')`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 5 {
		t.Fatalf("%d tables left", tables)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	p1 := &storage.Patient{Code: "A1"}
	p2 := &storage.Patient{Code: "B2"}
	for _, p := range []*storage.Patient{p1, p2} {
		if err := db.CreatePatient(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	var created []*storage.Session
	for i, pid := range []int64{p1.ID, p2.ID, p1.ID, 0} {
		s := &storage.Session{PatientID: pid, Type: storage.SessionTherapy, StartedAt: t0.Add(time.Duration(i) * time.Hour),
			Device: "OpenBCI Cyton", Protocol: "cyton", Port: "/dev/ttyUSB0", RateHz: 250, Channels: 2,
			Labels: []string{"FDS", "EDC"}, ScaleUV: []float64{0.02235174, 0.02235174}, ResolutionBits: 24,
			Filter: "bp 20-450 Hz order 4"}
		mustCreateSession(t, db, s)
		if s.Status != storage.StatusRecording {
			t.Fatalf("default status %q", s.Status)
		}
		created = append(created, s)
	}
	t.Run("RoundTrip", func(t *testing.T) {
		got, err := db.Session(ctx, created[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *created[0]
		want.PatientCode = "A1"
		if !sessionEqual(got, &want) {
			t.Fatalf("got %+v\nwant %+v", got, &want)
		}
	})
	t.Run("Finish", func(t *testing.T) {
		end := t0.Add(90 * time.Minute)
		c := storage.SessionCounts{Samples: 1000, Lost: 3, Dropped: 4}
		if err := db.FinishSession(ctx, created[1].ID, storage.StatusCompleted, end, c); err != nil {
			t.Fatal(err)
		}
		got, err := db.Session(ctx, created[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != storage.StatusCompleted || !got.EndedAt.Equal(end) ||
			got.Samples != 1000 || got.Lost != 3 || got.Dropped != 4 {
			t.Fatalf("finished session %+v", got)
		}
		if err := db.FinishSession(ctx, 999, storage.StatusCompleted, end, c); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("unknown session: %v", err)
		}
		if err := db.FinishSession(ctx, created[1].ID, "paused", end, c); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("bad status: %v", err)
		}
	})
	t.Run("List", func(t *testing.T) {
		ids := func(f storage.SessionFilter) []int64 {
			ss, err := db.ListSessions(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, s := range ss {
				out = append(out, s.ID)
			}
			return out
		}
		c := created
		for _, test := range []struct {
			name string
			f    storage.SessionFilter
			want []int64
		}{
			{"All", storage.SessionFilter{}, []int64{c[3].ID, c[2].ID, c[1].ID, c[0].ID}},
			{"PatientID", storage.SessionFilter{PatientID: p1.ID}, []int64{c[2].ID, c[0].ID}},
			{"PatientCode", storage.SessionFilter{PatientCode: "B2"}, []int64{c[1].ID}},
			{"Status", storage.SessionFilter{Status: storage.StatusCompleted}, []int64{c[1].ID}},
			{"Limit", storage.SessionFilter{Limit: 2}, []int64{c[3].ID, c[2].ID}},
			{"UnknownCode", storage.SessionFilter{PatientCode: "ZZ"}, nil},
		} {
			t.Run(test.name, func(t *testing.T) {
				if got := ids(test.f); !slices.Equal(got, test.want) {
					t.Errorf("got %v, want %v", got, test.want)
				}
			})
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := db.Session(ctx, 999); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Session: %v", err)
		}
		err := db.CreateSession(ctx, &storage.Session{PatientID: 999, Channels: 1, RateHz: 1})
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("unknown patient: %v", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, s := range []storage.Session{
			{Channels: 0, RateHz: 1},
			{Channels: 1, RateHz: 0},
			{Channels: 2, RateHz: 1, Labels: []string{"x"}},
			{Channels: 2, RateHz: 1, ScaleUV: []float64{1, 2, 3}},
			{Channels: 1, RateHz: 1, Status: "paused"},
			{Channels: 1, RateHz: 1, Samples: -1},
		} {
			if err := db.CreateSession(ctx, &s); !errors.Is(err, storage.ErrInvalid) {
				t.Errorf("%+v: %v, want ErrInvalid", s, err)
			}
		}
	})
}

func sessionEqual(a, b *storage.Session) bool {
	return a.ID == b.ID && a.PatientID == b.PatientID && a.PatientCode == b.PatientCode &&
		a.Type == b.Type && a.Status == b.Status && a.StartedAt.Equal(b.StartedAt) &&
		a.EndedAt.Equal(b.EndedAt) && a.Device == b.Device && a.Protocol == b.Protocol &&
		a.Port == b.Port && a.RateHz == b.RateHz && a.Channels == b.Channels &&
		slices.Equal(a.Labels, b.Labels) && slices.Equal(a.ScaleUV, b.ScaleUV) &&
		a.ResolutionBits == b.ResolutionBits && a.Filter == b.Filter &&
		a.Samples == b.Samples && a.Lost == b.Lost && a.Dropped == b.Dropped
}

// stored is the content of a session read back with ReadSamples.
type stored struct {
	starts []uint64
	chans  [][]int32 // per chunk, planar copy
	n      []int
}

func readAll(t *testing.T, db *DB, id int64) stored {
	t.Helper()
	var st stored
	err := db.ReadSamples(context.Background(), id, func(start uint64, chans [][]int32) error {
		st.starts = append(st.starts, start)
		st.n = append(st.n, len(chans[0]))
		var flat []int32
		for _, c := range chans {
			if len(c) != len(chans[0]) {
				t.Fatalf("chunk at %d: ragged channels", start)
			}
			flat = append(flat, c...)
		}
		st.chans = append(st.chans, flat)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestChunks(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := mustCreateSession(t, db, &storage.Session{Channels: 3, RateHz: 1000})
	a := []int32{ // 3 channels × 4 samples, planar
		0, 1, -1, 2147483647,
		-2147483648, 8388607, -8388608, 42,
		7, 7, 7, 7,
	}
	b := []int32{1, 2, 3, 4, 5, 6} // 3 channels × 2 samples
	c := []int32{-9, -8, -7}       // 3 channels × 1 sample, right after b
	// a at 0..3, gap 4..9, b at 10..11, c at 12.
	for _, ch := range []struct {
		start uint64
		raw   []int32
	}{{10, b}, {0, a}, {12, c}} { // out of order on purpose: reads are in sample order
		if err := db.AppendChunk(ctx, s.ID, ch.start, 3, ch.raw); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("RoundTripWithGap", func(t *testing.T) {
		st := readAll(t, db, s.ID)
		if !slices.Equal(st.starts, []uint64{0, 10, 12}) || !slices.Equal(st.n, []int{4, 2, 1}) {
			t.Fatalf("chunks at %v lengths %v, want [0 10 12] [4 2 1]", st.starts, st.n)
		}
		for i, want := range [][]int32{a, b, c} {
			if !slices.Equal(st.chans[i], want) {
				t.Errorf("chunk %d = %v, want %v", i, st.chans[i], want)
			}
		}
		got, err := db.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Samples != 7 {
			t.Errorf("session samples %d, want 7", got.Samples)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		for _, start := range []uint64{0, 3, 9, 11, 12} { // each overlaps a stored chunk
			n := 2
			if err := db.AppendChunk(ctx, s.ID, start, 3, make([]int32, 3*n)); !errors.Is(err, storage.ErrConflict) {
				t.Errorf("overlap at %d: %v, want ErrConflict", start, err)
			}
		}
		if err := db.AppendChunk(ctx, s.ID, 4, 3, make([]int32, 3*6)); err != nil {
			t.Errorf("filling the gap 4..9 exactly: %v", err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, test := range []struct {
			channels int
			raw      []int32
		}{{2, make([]int32, 4)}, {3, make([]int32, 4)}, {3, nil}, {0, make([]int32, 3)}} {
			if err := db.AppendChunk(ctx, s.ID, 100, test.channels, test.raw); !errors.Is(err, storage.ErrInvalid) {
				t.Errorf("%d channels, %d counts: %v, want ErrInvalid", test.channels, len(test.raw), err)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := db.AppendChunk(ctx, 999, 0, 3, make([]int32, 3)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("AppendChunk: %v", err)
		}
		err := db.ReadSamples(ctx, 999, func(uint64, [][]int32) error { return nil })
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("ReadSamples: %v", err)
		}
	})
	t.Run("CallbackErrorStops", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := db.ReadSamples(ctx, s.ID, func(uint64, [][]int32) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("err %v after %d calls, want stop after 1", err, calls)
		}
	})
}

func TestAnnotations(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	s := mustCreateSession(t, db, &storage.Session{Channels: 1, RateHz: 1000})
	in := []storage.Annotation{
		{SessionID: s.ID, Sample: 5000, Duration: 2000, Kind: "label", Text: "fist"},
		{SessionID: s.ID, Sample: 0, Kind: "cue", Text: "rest"},
		{SessionID: s.ID, Sample: 5000, Kind: "note", Text: "patient coughed"},
	}
	for i := range in {
		if err := db.AddAnnotation(ctx, &in[i]); err != nil {
			t.Fatal(err)
		}
		if in[i].ID == 0 || !in[i].CreatedAt.Equal(t0) {
			t.Fatalf("ID/CreatedAt not filled: %+v", in[i])
		}
	}
	got, err := db.ListAnnotations(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.Annotation{in[1], in[0], in[2]} // by sample, then insertion
	if len(got) != len(want) {
		t.Fatalf("%d annotations, want %d", len(got), len(want))
	}
	for i := range want {
		if *got[i] != want[i] {
			t.Errorf("annotation %d = %+v, want %+v", i, *got[i], want[i])
		}
	}
	if err := db.AddAnnotation(ctx, &storage.Annotation{SessionID: 999, Kind: "x"}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	for _, a := range []storage.Annotation{{SessionID: s.ID, Sample: -1, Kind: "x"}, {SessionID: s.ID, Kind: " "}} {
		if err := db.AddAnnotation(ctx, &a); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", a, err)
		}
	}
}
