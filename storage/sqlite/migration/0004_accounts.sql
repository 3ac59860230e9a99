-- 0004_accounts: therapist accounts (password, role, log-in lockout), a
-- hash-chained append-only audit log, soft delete of patients.
-- Never edit this file once shipped: add a new migration instead.

-- password_hash is a PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash),
-- '' for a therapist who cannot log in. failed_logins counts failed
-- log-ins since the last success; locked_until ('' when not locked) is
-- when the account may try again. Disabled accounts have active = 0.
ALTER TABLE therapists ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE therapists ADD COLUMN role TEXT NOT NULL DEFAULT 'therapist' CHECK (role IN ('admin', 'therapist'));
ALTER TABLE therapists ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0);
ALTER TABLE therapists ADD COLUMN locked_until TEXT NOT NULL DEFAULT '';

-- Each audit row carries the hash of the row before it (prev_hash, '' for
-- the first) and its own hash over its content and prev_hash (hex SHA-256,
-- see storage/sqlite/auditchain.go). Rows written before this migration are
-- sealed by the program right after it (hash = '' until then).
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- Append-only: a sealed row can be neither changed nor deleted.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
	WHEN OLD.hash <> ''
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

-- The newest row's id and hash, written with every row: deleting rows at
-- the end of the log (which leaves the chain intact) shows as a mismatch.
CREATE TABLE audit_head (
	one     INTEGER PRIMARY KEY CHECK (one = 1),
	last_id INTEGER NOT NULL,
	hash    TEXT NOT NULL
);

-- A patient deleted by a therapist is hidden (deleted_at set) until an
-- administrator purges it with its recordings.
ALTER TABLE patients ADD COLUMN deleted_at TEXT NOT NULL DEFAULT '';
