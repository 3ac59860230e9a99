-- 0002_records: therapists, channel set-ups, models, per-second metrics,
-- audit log; sessions get a therapist and notes.
-- Times are UTC RFC 3339 text with microseconds, as in 0001.
-- Never edit this file once shipped: add a new migration instead.

CREATE TABLE therapists (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL CHECK (name <> ''),
	login      TEXT NOT NULL DEFAULT '', -- OS or app user name; unique when set
	active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX therapists_login ON therapists (login) WHERE login <> '';

ALTER TABLE sessions ADD COLUMN therapist_id INTEGER REFERENCES therapists (id) ON DELETE SET NULL;
ALTER TABLE sessions ADD COLUMN notes TEXT NOT NULL DEFAULT '';

-- Channel set-ups are versioned per patient: saving inserts a new version,
-- the latest one wins. channels is a JSON array of
-- {"label": text, "enabled": bool, "gain": number}.
CREATE TABLE channel_setups (
	id         INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL CHECK (version > 0),
	device     TEXT NOT NULL DEFAULT '',
	channels   TEXT NOT NULL DEFAULT '[]',
	created_at TEXT NOT NULL,
	UNIQUE (patient_id, version)
);

-- Models (calibrations) are versioned per patient. meta is JSON
-- (storage.ModelMeta: features, window, normalisation, classes...), data the
-- serialised classifier.
CREATE TABLE models (
	id         INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL CHECK (version > 0),
	session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
	name       TEXT NOT NULL DEFAULT '',
	accuracy   REAL CHECK (accuracy IS NULL OR (accuracy >= 0 AND accuracy <= 1)),
	meta       TEXT NOT NULL DEFAULT '{}',
	data       BLOB NOT NULL CHECK (length(data) > 0),
	created_at TEXT NOT NULL,
	UNIQUE (patient_id, version)
);

-- One row per second of a session: rms and mdf hold one little-endian
-- float32 per channel (µV and Hz; NaN for no value).
CREATE TABLE session_metrics (
	session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	second     INTEGER NOT NULL CHECK (second >= 0),
	rms        BLOB NOT NULL,
	mdf        BLOB NOT NULL,
	PRIMARY KEY (session_id, second)
) WITHOUT ROWID;

-- Running sums of session_metrics per session, updated in the same
-- transaction, so the history of a patient reads one row per session.
-- acc holds 4*channels little-endian float64: RMS sums, RMS counts,
-- MDF sums, MDF counts, each per channel.
CREATE TABLE session_metric_sums (
	session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
	seconds    INTEGER NOT NULL DEFAULT 0,
	channels   INTEGER NOT NULL CHECK (channels > 0),
	acc        BLOB NOT NULL CHECK (length(acc) = 32 * channels)
);

-- Who viewed, changed, exported... what. Rows are never updated; the
-- object may be gone (no foreign keys).
CREATE TABLE audit_log (
	id           INTEGER PRIMARY KEY,
	at           TEXT NOT NULL,
	therapist_id INTEGER, -- NULL for the system or an OS user
	actor        TEXT NOT NULL CHECK (actor <> ''),
	action       TEXT NOT NULL CHECK (action <> ''),
	object_type  TEXT NOT NULL DEFAULT '',
	object_id    INTEGER NOT NULL DEFAULT 0,
	detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_object ON audit_log (object_type, object_id, at);
CREATE INDEX audit_at ON audit_log (at);
