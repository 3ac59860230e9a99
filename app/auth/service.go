package auth

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"myorehab/storage"
)

// App is the desktop app's account service (service.AccountService and
// service.AuditService): Accounts plus who is logged in. Its Session's
// Actor is the database's default actor, so every write the screens make
// is audited under the therapist logged in.
type App struct {
	Accounts *Accounts
	Session  *Session
	// Idle is the idle time before the screen locks (≤ 0:
	// DefaultIdleTimeout).
	Idle time.Duration
}

// NewApp returns the app's account service on acc and makes the logged-in
// therapist the database's default actor.
func NewApp(acc *Accounts, idle time.Duration) *App {
	a := &App{Accounts: acc, Session: &Session{}, Idle: idle}
	acc.DB.DefaultActor = a.Session.Actor
	return a
}

func (a *App) NeedsFirstAdmin(ctx context.Context) (bool, error) {
	return a.Accounts.NeedsFirstAdmin(ctx)
}

func (a *App) CreateFirstAdmin(ctx context.Context, login, password string) (*storage.Therapist, error) {
	if _, err := a.Accounts.CreateFirstAdmin(ctx, login, password); err != nil {
		return nil, err
	}
	return a.Login(ctx, login, password)
}

func (a *App) Login(ctx context.Context, login, password string) (*storage.Therapist, error) {
	t, err := a.Accounts.Login(ctx, login, password)
	if err != nil {
		return nil, err
	}
	a.Session.Set(t)
	return t, nil
}

// DemoLogin is Accounts.DemoLogin making the demo administrator the one
// who acts; nil, nil when the database has real administrators.
func (a *App) DemoLogin(ctx context.Context) (*storage.Therapist, error) {
	t, err := a.Accounts.DemoLogin(ctx)
	if t != nil {
		a.Session.Set(t)
	}
	return t, err
}

func (a *App) Unlock(ctx context.Context, password string) error {
	t := a.Session.Current()
	if t == nil {
		return ErrLoginFailed
	}
	return a.Accounts.Unlock(ctx, t, password)
}

func (a *App) Logout(ctx context.Context) error {
	t := a.Session.Current()
	if t == nil {
		return nil
	}
	err := a.Accounts.Logout(ctx, t)
	a.Session.Set(nil)
	return err
}

func (a *App) Current() *storage.Therapist { return a.Session.Current() }

func (a *App) IdleTimeout() time.Duration {
	if a.Idle <= 0 {
		return DefaultIdleTimeout
	}
	return a.Idle
}

func (a *App) Users(ctx context.Context) ([]storage.Therapist, error) {
	ts, err := a.Accounts.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]storage.Therapist, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out, nil
}

func (a *App) AddUser(ctx context.Context, name, login, role, password string) error {
	_, err := a.Accounts.AddUser(ctx, name, login, role, password)
	return err
}

func (a *App) SetActive(ctx context.Context, id int64, active bool) error {
	return a.Accounts.SetActive(ctx, id, active)
}

func (a *App) ResetPassword(ctx context.Context, id int64, password string) error {
	return a.Accounts.ResetPassword(ctx, id, password)
}

// Audit returns the log entries matching f (administrators only).
func (a *App) Audit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEntry, error) {
	if err := a.Accounts.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	es, err := a.Accounts.DB.ListAudit(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]storage.AuditEntry, len(es))
	for i, e := range es {
		out[i] = *e
	}
	return out, nil
}

// ExportAuditCSV writes the entries matching f as CSV (header id, time,
// actor, therapist_id, action, object_type, object_id, detail) to a new
// owner-only file at path. The export itself is audited.
func (a *App) ExportAuditCSV(ctx context.Context, f storage.AuditFilter, path string) (int, error) {
	es, err := a.Audit(ctx, f)
	if err != nil {
		return 0, err
	}
	n, err := WriteAuditCSV(path, es)
	if err != nil {
		return 0, err
	}
	if err := a.Accounts.DB.Audit(ctx, &storage.AuditEntry{Action: storage.AuditExported, ObjectType: storage.ObjectDatabase,
		Detail: fmt.Sprintf("audit log, %d rows, to %s", n, path)}); err != nil {
		return n, err
	}
	return n, nil
}

// WriteAuditCSV writes es to a new owner-only (0600) CSV file at path.
// Text cells that a spreadsheet would run as a formula (starting with =,
// +, -, @, tab or CR) are prefixed with an apostrophe.
func WriteAuditCSV(path string, es []storage.AuditEntry) (int, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("export the audit log: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return 0, fmt.Errorf("export the audit log: %w", err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"id", "time", "actor", "therapist_id", "action", "object_type", "object_id", "detail"})
	for _, e := range es {
		w.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), cell(e.Actor),
			strconv.FormatInt(e.TherapistID, 10), string(e.Action), cell(e.ObjectType),
			strconv.FormatInt(e.ObjectID, 10), cell(e.Detail)})
	}
	w.Flush()
	err = errors.Join(w.Error(), f.Close())
	if err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("export the audit log: %w", err)
	}
	return len(es), nil
}

// cell defuses spreadsheet formulas in text (CSV injection).
func cell(s string) string {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}

func (a *App) VerifyAudit(ctx context.Context) (storage.AuditCheck, error) {
	if err := a.Accounts.RequireAdmin(ctx); err != nil {
		return storage.AuditCheck{}, err
	}
	return a.Accounts.DB.VerifyAudit(ctx)
}
