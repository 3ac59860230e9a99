-- 0001_init: patients, sessions, raw recording chunks, annotations.
-- Times are UTC RFC 3339 text with microseconds ("2006-01-02T15:04:05.000000Z").
-- Never edit this file once shipped: add a new migration instead.

CREATE TABLE patients (
	id            INTEGER PRIMARY KEY,
	code          TEXT NOT NULL UNIQUE CHECK (code <> ''),
	name          TEXT NOT NULL DEFAULT '',
	birth_date    TEXT NOT NULL DEFAULT '',
	sex           TEXT NOT NULL DEFAULT '',
	affected_side TEXT NOT NULL DEFAULT '',
	diagnosis     TEXT NOT NULL DEFAULT '',
	notes         TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
	id              INTEGER PRIMARY KEY,
	patient_id      INTEGER REFERENCES patients (id) ON DELETE RESTRICT,
	type            TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('recording', 'completed', 'interrupted')),
	started_at      TEXT NOT NULL,
	ended_at        TEXT,
	device          TEXT NOT NULL DEFAULT '',
	protocol        TEXT NOT NULL DEFAULT '',
	port            TEXT NOT NULL DEFAULT '',
	rate_hz         REAL NOT NULL CHECK (rate_hz > 0),
	channels        INTEGER NOT NULL CHECK (channels > 0),
	labels          TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
	scale_uv        TEXT NOT NULL DEFAULT '[]', -- JSON array of µV per count
	resolution_bits INTEGER NOT NULL DEFAULT 0,
	filter          TEXT NOT NULL DEFAULT '',
	samples         INTEGER NOT NULL DEFAULT 0,
	lost            INTEGER NOT NULL DEFAULT 0,
	dropped         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_patient ON sessions (patient_id, started_at);
CREATE INDEX sessions_status ON sessions (status);

-- One row per stored run of consecutive samples (about one second).
-- data holds channels*n little-endian int32 raw counts, planar:
-- channel c is bytes [4*c*n, 4*(c+1)*n).
CREATE TABLE recording_chunks (
	session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	start      INTEGER NOT NULL CHECK (start >= 0),
	n          INTEGER NOT NULL CHECK (n > 0),
	channels   INTEGER NOT NULL CHECK (channels > 0),
	data       BLOB NOT NULL CHECK (length(data) = 4 * n * channels),
	UNIQUE (session_id, start)
);

CREATE TABLE annotations (
	id         INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	sample     INTEGER NOT NULL CHECK (sample >= 0),
	duration   INTEGER NOT NULL DEFAULT 0 CHECK (duration >= 0),
	kind       TEXT NOT NULL,
	text       TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX annotations_session ON annotations (session_id, sample);
