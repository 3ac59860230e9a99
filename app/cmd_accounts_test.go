package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"myorehab/app/auth"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// myorehab runs one command line in a child process (the real program:
// its stdin, its OS user, its exit status) and returns stdout, stderr and
// the exit code.
func myorehab(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cliChildEnv+"="+strings.Join(args, "\x1f"), "LANG=en_US.UTF-8")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func verifyJSON(t *testing.T, dbPath string) storage.AuditCheck {
	t.Helper()
	out, errs, code := myorehab(t, "", "audit", "verify", "--db", dbPath, "--json")
	if code != 0 {
		t.Fatalf("audit verify: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var raw map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &raw); err != nil {
		t.Fatalf("JSON %q: %v", out, err)
	}
	for _, k := range []string{"rows", "ok", "first_bad_row"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("JSON %q lacks %q", out, k)
		}
	}
	var res storage.AuditCheck
	json.Unmarshal([]byte(lines[len(lines)-1]), &res)
	return res
}

// TestUserAddAndAuditVerify adds accounts with the command line (creating
// the database), logs in with them, and checks `audit verify` on the clean
// log and after a row was edited, deleted or swapped in SQLite directly.
func TestUserAddAndAuditVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new folder")
	dbPath := filepath.Join(dir, "myorehab.db")
	if _, errs, code := myorehab(t, "first admin pw\n", "user", "add", "--db", dbPath, "--name", "boss", "--role", "admin"); code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errs)
	}
	if _, errs, code := myorehab(t, "ann's password\r\nignored second line\n", "user", "add", "--db", dbPath, "--name", "ann", "--role", "therapist"); code != 0 {
		t.Fatalf("user add: exit %d: %s", code, errs)
	}
	for _, bad := range [][]string{
		{"user", "add", "--db", dbPath, "--name", "eve", "--role", "root"},
		{"user", "add", "--db", dbPath, "--role", "admin"},
		{"user", "remove", "--db", dbPath, "--name", "ann"},
		{"audit", "verify"},
	} {
		if _, _, code := myorehab(t, "some password\n", bad...); code != 2 {
			t.Errorf("%q: exit %d, want 2", bad, code)
		}
	}
	if _, errs, code := myorehab(t, "some password\n", "user", "add", "--db", dbPath, "--name", "ann", "--role", "admin"); code != 1 || !strings.Contains(errs, "already") {
		t.Errorf("second ann: exit %d, %s", code, errs)
	}
	if _, errs, code := myorehab(t, "short\n", "user", "add", "--db", dbPath, "--name", "bob", "--role", "therapist"); code != 1 || !strings.Contains(errs, "at least 8") {
		t.Errorf("short password: exit %d, %s", code, errs)
	}
	checkOwnerOnly(t, dir, dbPath)

	db, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	acc := &auth.Accounts{DB: db}
	ctx := context.Background()
	ann, err := acc.Login(ctx, "ann", "ann's password")
	if err != nil || ann.Role != storage.RoleTherapist {
		t.Fatalf("ann logs in: %+v, %v", ann, err)
	}
	if boss, err := acc.Login(ctx, "boss", "first admin pw"); err != nil || boss.Role != storage.RoleAdmin {
		t.Fatalf("boss logs in: %+v, %v", boss, err)
	}
	// The command line acted as the OS user.
	es, err := db.ListAudit(ctx, storage.AuditFilter{Action: storage.AuditCreated, ObjectType: storage.ObjectTherapist})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Actor != osActor().Name || !strings.HasPrefix(es[0].Actor, "os:") {
		t.Fatalf("account creations audited as %+v, want actor %q", es, osActor().Name)
	}
	rows := int64(0)
	all, _ := db.ListAudit(ctx, storage.AuditFilter{})
	rows = int64(len(all))
	db.Close()

	if res := verifyJSON(t, dbPath); res != (storage.AuditCheck{Rows: rows, OK: true}) {
		t.Fatalf("clean database: %+v (%d rows written)", res, rows)
	}
	for _, tc := range []struct {
		name, sql string
		bad       int64
	}{
		{"edited", `UPDATE audit_log SET actor = 'nobody' WHERE id = 3`, 3},
		{"deleted", `DELETE FROM audit_log WHERE id = 2`, 2},
		{"swapped", `UPDATE audit_log SET id = -1 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = 4;
			UPDATE audit_log SET id = 4 WHERE id = -1`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copyPath := filepath.Join(t.TempDir(), "copy.db")
			copyFile(t, dbPath, copyPath)
			raw, err := sql.Open("sqlite3", copyPath)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(tc.sql); err == nil {
				t.Fatalf("%s went through the append-only triggers", tc.name)
			}
			if _, err := raw.Exec(`DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; ` + tc.sql); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			res := verifyJSON(t, copyPath)
			if res.OK || res.FirstBadRow != tc.bad || res.Rows < rows-1 {
				t.Errorf("verify after %s: %+v, want first bad row %d", tc.name, res, tc.bad)
			}
			if _, errs, code := myorehab(t, "", "audit", "verify", "--db", copyPath); code != 1 || !strings.Contains(errs, "changed") {
				t.Errorf("verify without --json: exit %d, %s", code, errs)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkOwnerOnly fails unless dir is 0700 and every file in it 0600.
func checkOwnerOnly(t *testing.T, dir string, files ...string) {
	t.Helper()
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("folder %s: %v, %v; want 0700", dir, st.Mode().Perm(), err)
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("file %s: mode %v, %v; want 0600", f, st.Mode().Perm(), err)
		}
	}
}
