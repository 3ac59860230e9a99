-- Every command the app sent to the glove during a recorded session (the
-- glove link's SET_TARGETS, ARM, DISARM, ESTOP, CLEAR_FAULT, SET_ASSIST,
-- SET_LIMITS; not heartbeats), with the EMG sample index of the session
-- it answers: the window end of the decision the targets carry, so a
-- reviewer can line every glove command up with the signal that caused it.
-- sent_at is the wall-clock time it left the host; targets is JSON
-- (storage.GloveTarget per finger, thumb first; [] for other commands).
CREATE TABLE glove_frames (
	id         INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	sample     INTEGER NOT NULL CHECK (sample >= 0),
	sent_at    TEXT NOT NULL,
	seq        INTEGER NOT NULL CHECK (seq BETWEEN 0 AND 255),
	type       TEXT NOT NULL,
	targets    TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX glove_frames_session ON glove_frames (session_id, sample);
