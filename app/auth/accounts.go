package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"myorehab/storage"
	"myorehab/storage/sqlite"
)

// ErrLoginFailed is the one answer to a refused log-in, whatever the
// reason (unknown name, wrong password, disabled or locked account): the
// log-in screen must not tell which. The audit log records the reason.
var ErrLoginFailed = errors.New("name or password not accepted (after 5 failed tries the account waits a while before it can try again)")

// ErrNotAdmin is returned when a therapist without the admin role asks for
// an administrator's action.
var ErrNotAdmin = errors.New("only an administrator may do this")

// Accounts logs therapists in and manages their accounts on the database.
type Accounts struct {
	DB *sqlite.DB
	// Now is the clock (nil: time.Now); tests inject one.
	Now func() time.Time
	// Lockout is the failed log-in policy (zero: DefaultLockout).
	Lockout Lockout
	// Params are the hash parameters of new passwords (zero:
	// DefaultParams).
	Params Params
}

func (a *Accounts) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *Accounts) lockout() Lockout {
	if a.Lockout.MaxTries == 0 {
		return DefaultLockout()
	}
	return a.Lockout
}

func (a *Accounts) hash(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLen {
		return "", ErrWeakPassword
	}
	if a.Params == (Params{}) {
		return HashPassword(password)
	}
	return Hash(password, a.Params, randReader())
}

// ActorOf is the audit actor of a logged-in therapist.
func ActorOf(t *storage.Therapist) storage.Actor {
	return storage.Actor{TherapistID: t.ID, Name: t.Login}
}

// NeedsFirstAdmin reports whether no administrator can log in yet (the
// first-run screen must create one).
func (a *Accounts) NeedsFirstAdmin(ctx context.Context) (bool, error) {
	n, err := a.DB.CountAdmins(ctx)
	return n == 0, err
}

// Create adds an account with a password. login is also the display name
// when name is empty. It checks no role of the caller: the command line
// (the machine's user) and the first-run screen use it; screens use
// AddUser. Audited as the actor of ctx.
func (a *Accounts) Create(ctx context.Context, name, login, role, password string) (*storage.Therapist, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return nil, fmt.Errorf("add account: %w: empty name", storage.ErrInvalid)
	}
	if strings.TrimSpace(name) == "" {
		name = login
	}
	if role != storage.RoleAdmin && role != storage.RoleTherapist {
		return nil, fmt.Errorf("add account: %w: role %q (admin or therapist)", storage.ErrInvalid, role)
	}
	phc, err := a.hash(password)
	if err != nil {
		return nil, err
	}
	t := &storage.Therapist{Name: name, Login: login, Active: true, Role: role}
	if err := a.DB.CreateTherapist(ctx, t); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil, fmt.Errorf("there is already an account named %q", login)
		}
		return nil, err
	}
	if err := a.DB.SetPassword(ctx, t.ID, phc); err != nil {
		return nil, err
	}
	return t, nil
}

// CreateFirstAdmin creates the first administrator; it fails once one
// exists.
func (a *Accounts) CreateFirstAdmin(ctx context.Context, login, password string) (*storage.Therapist, error) {
	need, err := a.NeedsFirstAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if !need {
		return nil, errors.New("an administrator exists already: log in")
	}
	return a.Create(ctx, login, login, storage.RoleAdmin, password)
}

// Login checks login and password. It returns the therapist, or
// ErrLoginFailed for every kind of refusal. MaxTries failures in a row lock
// the account (see Lockout); while locked even the right password is
// refused. Both outcomes are audited (actor: the account, or the name
// typed for an unknown one).
func (a *Accounts) Login(ctx context.Context, login, password string) (*storage.Therapist, error) {
	c, err := a.DB.CredentialsByLogin(ctx, login)
	if errors.Is(err, storage.ErrNotFound) {
		Verify(password, dummyHash) // same cost as a wrong password
		a.refused(ctx, nil, login, "unknown name")
		return nil, ErrLoginFailed
	}
	if err != nil {
		return nil, err
	}
	now := a.now()
	if now.Before(c.LockedUntil) {
		Verify(password, dummyHash)
		a.refused(ctx, c, login, "account locked until "+c.LockedUntil.UTC().Format(time.RFC3339))
		return nil, ErrLoginFailed
	}
	ok, err := verifyStored(password, c.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok || !c.Therapist.Active {
		failed := c.FailedLogins + 1
		var until time.Time
		reason := "wrong password"
		if !c.Therapist.Active {
			failed, reason = c.FailedLogins, "account disabled"
		} else if d := a.lockout().LockFor(failed); d > 0 {
			until = now.Add(d)
			reason += fmt.Sprintf(", %d failures: locked for %s", failed, d)
		}
		if err := a.DB.SetLoginState(ctx, c.Therapist.ID, failed, until, a.entry(c, storage.AuditLoginFailed, reason)); err != nil {
			return nil, err
		}
		return nil, ErrLoginFailed
	}
	if err := a.DB.SetLoginState(ctx, c.Therapist.ID, 0, time.Time{}, a.entry(c, storage.AuditLogin, "")); err != nil {
		return nil, err
	}
	t := c.Therapist
	return &t, nil
}

// Unlock checks the password of the therapist who locked the screen: a
// Login with the same lockout and audit.
func (a *Accounts) Unlock(ctx context.Context, t *storage.Therapist, password string) error {
	_, err := a.Login(ctx, t.Login, password)
	return err
}

// DemoAccount is the log-in name of the demo mode's administrator.
const DemoAccount = "demo"

// DemoLogin logs the demo mode in without a password, as DemoAccount (an
// administrator without a password, so it can never log in otherwise),
// but only while no administrator with a password exists: on a clinic's
// database --demo shows the ordinary log-in. Audited as a log-in with
// detail "demo mode". It returns nil, nil when refused.
func (a *Accounts) DemoLogin(ctx context.Context) (*storage.Therapist, error) {
	need, err := a.NeedsFirstAdmin(ctx)
	if err != nil || !need {
		return nil, err
	}
	c, err := a.DB.CredentialsByLogin(ctx, DemoAccount)
	var t *storage.Therapist
	switch {
	case errors.Is(err, storage.ErrNotFound):
		t = &storage.Therapist{Name: "Demo administrator", Login: DemoAccount, Active: true, Role: storage.RoleAdmin}
		if err := a.DB.CreateTherapist(ctx, t); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if !c.Therapist.Active || c.Therapist.Role != storage.RoleAdmin || c.PasswordHash != "" {
			return nil, nil // someone changed the demo account: no automatic log-in
		}
		t = &c.Therapist
	}
	if err := a.DB.Audit(ctx, &storage.AuditEntry{TherapistID: t.ID, Actor: t.Login, Action: storage.AuditLogin,
		ObjectType: storage.ObjectTherapist, ObjectID: t.ID, Detail: "demo mode"}); err != nil {
		return nil, err
	}
	return t, nil
}

// Logout records that t logged out (or the screen changed hands).
func (a *Accounts) Logout(ctx context.Context, t *storage.Therapist) error {
	return a.DB.Audit(ctx, &storage.AuditEntry{TherapistID: t.ID, Actor: t.Login, Action: storage.AuditLogout,
		ObjectType: storage.ObjectTherapist, ObjectID: t.ID})
}

func (a *Accounts) entry(c *sqlite.Credentials, action storage.AuditAction, detail string) *storage.AuditEntry {
	return &storage.AuditEntry{TherapistID: c.Therapist.ID, Actor: c.Therapist.Login, Action: action,
		ObjectType: storage.ObjectTherapist, ObjectID: c.Therapist.ID, Detail: detail}
}

// refused audits a refusal that changes no account (unknown name, locked).
// The name typed for an unknown account is not recorded, only its length:
// people type their password into the name field. An audit failure is not
// shown: the answer stays ErrLoginFailed.
func (a *Accounts) refused(ctx context.Context, c *sqlite.Credentials, login, reason string) {
	e := &storage.AuditEntry{Actor: "log-in screen", Action: storage.AuditLoginFailed, ObjectType: storage.ObjectTherapist,
		Detail: fmt.Sprintf("%s (%d characters)", reason, len([]rune(login)))}
	if c != nil {
		e = a.entry(c, storage.AuditLoginFailed, reason)
	}
	_ = a.DB.Audit(ctx, e)
}

func verifyStored(password, phc string) (bool, error) {
	if phc == "" { // no password set: cannot log in
		Verify(password, dummyHash)
		return false, nil
	}
	ok, err := Verify(password, phc)
	if err != nil {
		return false, fmt.Errorf("stored password hash: %w", err)
	}
	return ok, nil
}

// RequireAdmin returns ErrNotAdmin unless the actor of ctx is an active
// administrator.
func (a *Accounts) RequireAdmin(ctx context.Context) error {
	return RequireAdmin(ctx, a.DB)
}

// RequireAdmin returns ErrNotAdmin unless the actor of ctx is an active
// administrator of db.
func RequireAdmin(ctx context.Context, db *sqlite.DB) error {
	id := db.ActorOf(ctx).TherapistID
	if id == 0 {
		return ErrNotAdmin
	}
	t, err := db.Therapist(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNotAdmin
	}
	if err != nil {
		return err
	}
	if t.Role != storage.RoleAdmin || !t.Active {
		return ErrNotAdmin
	}
	return nil
}

// AddUser is Create for an administrator (the actor of ctx).
func (a *Accounts) AddUser(ctx context.Context, name, login, role, password string) (*storage.Therapist, error) {
	if err := a.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	return a.Create(ctx, name, login, role, password)
}

// SetActive disables (active false) or enables account id. An
// administrator cannot disable their own account.
func (a *Accounts) SetActive(ctx context.Context, id int64, active bool) error {
	if err := a.RequireAdmin(ctx); err != nil {
		return err
	}
	if !active && a.DB.ActorOf(ctx).TherapistID == id {
		return errors.New("you cannot disable your own account")
	}
	t, err := a.DB.Therapist(ctx, id)
	if err != nil {
		return err
	}
	t.Active = active
	return a.DB.UpdateTherapist(ctx, t)
}

// ResetPassword sets a new password for account id (and lifts its lock).
func (a *Accounts) ResetPassword(ctx context.Context, id int64, password string) error {
	if err := a.RequireAdmin(ctx); err != nil {
		return err
	}
	phc, err := a.hash(password)
	if err != nil {
		return err
	}
	return a.DB.SetPassword(ctx, id, phc)
}

// List returns every account, disabled ones too (administrators only).
func (a *Accounts) List(ctx context.Context) ([]*storage.Therapist, error) {
	if err := a.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	return a.DB.ListTherapists(ctx, true)
}

// Session is who is logged in to the desktop app (nil: nobody). Safe for
// concurrent use; its Actor method is what sqlite.DB.DefaultActor calls.
type Session struct {
	cur atomic.Pointer[storage.Therapist]
}

// Set records t as logged in (nil: logged out).
func (s *Session) Set(t *storage.Therapist) { s.cur.Store(t) }

// Current returns the therapist logged in, or nil.
func (s *Session) Current() *storage.Therapist { return s.cur.Load() }

// Actor returns the audit actor of the therapist logged in (zero when
// nobody is).
func (s *Session) Actor() storage.Actor {
	if t := s.cur.Load(); t != nil {
		return ActorOf(t)
	}
	return storage.Actor{}
}

// IsAdmin reports whether an administrator is logged in.
func (s *Session) IsAdmin() bool {
	t := s.cur.Load()
	return t != nil && t.Role == storage.RoleAdmin
}
