package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"myorehab/app/auth"
	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// TestRealWindowDemo opens the real app (GL driver, real window) in demo
// mode under the X display (Xvfb in `make test`), lets it stream for a few
// seconds and closes it like SIGTERM would: it must start, connect the
// simulator, and shut down in order without error.
func TestRealWindowDemo(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display (run under xvfb-run, as `make test` does)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), guiChildEnv+"="+dir, "LANG=en_US.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("app exited with %v:\n%s", err, out)
	}
	logText, err := os.ReadFile(filepath.Join(dir, "myorehab.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"msg":"start"`, `"msg":"streaming"`, `"msg":"disconnected"`, `"msg":"stopped"`} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("log lacks %s:\n%s", want, logText)
		}
	}
	db, err := sqlite.Open(filepath.Join(dir, "myorehab.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.PatientByCode(ctx, DemoPatientCode); err != nil {
		t.Errorf("demo patient: %v", err)
	}
	// The demo logged in by itself as the demo administrator (a fresh
	// data folder has no administrator), and out at the end.
	for _, a := range []storage.AuditAction{storage.AuditLogin, storage.AuditLogout} {
		es, err := db.ListAudit(ctx, storage.AuditFilter{Action: a, Actor: auth.DemoAccount})
		if err != nil || len(es) != 1 {
			t.Errorf("demo %s: %+v, %v", a, es, err)
		}
	}
	if res, err := db.VerifyAudit(ctx); err != nil || !res.OK {
		t.Errorf("audit log after the demo: %+v, %v", res, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "myorehab.log")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}
