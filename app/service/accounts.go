package service

import (
	"context"
	"time"

	"myorehab/storage"
)

// AccountService logs therapists in and, for administrators, manages the
// accounts. Methods may block (password hashing takes tens of
// milliseconds); the UI calls them off the Fyne goroutine.
type AccountService interface {
	// NeedsFirstAdmin reports whether the first-run screen must create
	// the administrator.
	NeedsFirstAdmin(ctx context.Context) (bool, error)
	// CreateFirstAdmin creates the administrator and logs them in.
	CreateFirstAdmin(ctx context.Context, login, password string) (*storage.Therapist, error)
	// Login checks the name and password and makes the therapist the one
	// who acts. Every refusal has the same error (it does not say whether
	// the name or the password was wrong, or that the account is locked).
	Login(ctx context.Context, login, password string) (*storage.Therapist, error)
	// Unlock checks the logged-in therapist's password on the lock screen.
	Unlock(ctx context.Context, password string) error
	// Logout ends the therapist's session.
	Logout(ctx context.Context) error
	// Current returns the therapist logged in, or nil.
	Current() *storage.Therapist
	// IdleTimeout is the idle time after which the screen locks.
	IdleTimeout() time.Duration

	// Administrators only (others get an error saying so):
	// Users lists every account; AddUser adds one (role storage.RoleAdmin
	// or storage.RoleTherapist); SetActive disables or enables one;
	// ResetPassword sets a new password and lifts a lock.
	Users(ctx context.Context) ([]storage.Therapist, error)
	AddUser(ctx context.Context, name, login, role, password string) error
	SetActive(ctx context.Context, id int64, active bool) error
	ResetPassword(ctx context.Context, id int64, password string) error
}

// AuditService shows the audit log to administrators.
type AuditService interface {
	// Audit returns the entries matching f, newest first.
	Audit(ctx context.Context, f storage.AuditFilter) ([]storage.AuditEntry, error)
	// ExportAuditCSV writes the entries matching f to a CSV file at path
	// (owner-only) and returns how many it wrote.
	ExportAuditCSV(ctx context.Context, f storage.AuditFilter, path string) (int, error)
	// VerifyAudit checks the log's hash chain.
	VerifyAudit(ctx context.Context) (storage.AuditCheck, error)
}

// PatientFileService opens, edits, deletes and purges a patient's file.
// Opening is audited as a view; delete hides the patient (soft delete),
// purge (administrators only) removes a deleted patient with every
// recording.
type PatientFileService interface {
	OpenPatient(ctx context.Context, id int64) (*storage.Patient, error)
	UpdatePatient(ctx context.Context, p *storage.Patient) error
	DeletePatient(ctx context.Context, id int64) error
	// DeletedPatients lists the deleted patients not yet purged.
	DeletedPatients(ctx context.Context) ([]storage.Patient, error)
	UndeletePatient(ctx context.Context, id int64) error
	PurgePatient(ctx context.Context, id int64) error
}
