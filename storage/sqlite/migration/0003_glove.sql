-- Glove limits are versioned per patient like channel set-ups: fingers is
-- JSON (storage.GloveFingerLimit per finger, thumb first).
CREATE TABLE glove_limits (
	id         INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL CHECK (version > 0),
	fingers    TEXT NOT NULL DEFAULT '[]',
	created_at TEXT NOT NULL,
	UNIQUE (patient_id, version)
);
