package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"myorehab/app/auth"
	"myorehab/internal/hostile"
	"myorehab/storage"
)

// TestHostileInputCLI gives the hostile strings to the command line's text
// arguments: account names (`user add --name`, in a child process with the
// password on stdin), patient codes (`import --patient`, `sessions
// --patient`) and file names. Each is stored exactly as given and printed
// back as JSON text; the audit chain stays intact.
func TestHostileInputCLI(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "h.db")
	edfPath := filepath.Join(dir, "rec.edf")
	script := filepath.Join(dir, "script.txt")
	if err := os.WriteFile(script, []byte("rest 0.5\npower grip 0.5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runCLI(t, nil, "simulate", "--script", script, "--out", edfPath)
	args := hostile.Printable()
	for i, s := range args {
		if len(s) > 60_000 { // beyond what one argv string may hold (MAX_ARG_STRLEN 128 KiB is fine, but keep the child quick)
			s = s[:60_000]
		}
		name := fmt.Sprint("n", i, s)
		if _, errs, code := myorehab(t, fmt.Sprintf("password %d\n", i), "user", "add", "--db", dbPath, "--name", name, "--role", "therapist"); code != 0 {
			t.Fatalf("user add --name %q: exit %d: %s", hostile.Name(name), code, hostile.Name(errs))
		}
		code := fmt.Sprint("P", i, s)
		// A copy of the file under a hostile name (a '/' cannot be in one).
		file := filepath.Join(dir, strings.ReplaceAll(fmt.Sprint(i, hostile.Name(s)), "/", "_")+".edf")
		b, _ := os.ReadFile(edfPath)
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		var res importResult
		runCLI(t, &res, "import", "--db", dbPath, "--patient", code, file)
		var rows []sessionRow
		runCLI(t, &rows, "sessions", "--db", dbPath, "--patient", code, "--json")
		// JSON carries text: invalid UTF-8 bytes arrive as U+FFFD.
		if len(rows) != 1 || rows[0].Patient != string([]rune(code)) || rows[0].ID != res.SessionID {
			t.Fatalf("sessions of %q: %+v", hostile.Name(code), rows)
		}
	}
	db := openDB(t, dbPath)
	acc := &auth.Accounts{DB: db}
	for i, s := range args {
		if len(s) > 60_000 {
			s = s[:60_000]
		}
		// The log-in name loses surrounding spaces; the display name is as given.
		name := fmt.Sprint("n", i, s)
		th, err := acc.Login(context.Background(), strings.TrimSpace(name), fmt.Sprintf("password %d", i))
		if err != nil || th.Name != name {
			t.Fatalf("account %q: %+v, %v", hostile.Name(name), th, err)
		}
		if _, err := db.PatientByCode(context.Background(), fmt.Sprint("P", i, s)); err != nil {
			t.Fatalf("patient %q stored otherwise: %v", hostile.Name(s), err)
		}
		imports, _ := db.ListAudit(context.Background(), storage.AuditFilter{Action: storage.AuditImported})
		if len(imports) != len(args) || !strings.HasPrefix(imports[0].Actor, "os:") {
			t.Fatalf("imports audited: %d, actor %q", len(imports), imports[0].Actor)
		}
	}
	if res := verifyJSON(t, dbPath); !res.OK {
		t.Fatalf("audit verify: %+v", res)
	}
}
