-- 0005_rehab: guided rehabilitation (issue 11): exercise plans versioned per
-- patient, the rehab sessions that ran them, their scored repetitions, and
-- the patients' MVC measurements (the reference of every %MVC).
-- Times are UTC RFC 3339 text with microseconds, as in 0001.
-- Never edit this file once shipped: add a new migration instead.
--
-- Readers (progress, reports): a rehab session is a row of sessions with
-- type 'rehab' plus one row here in rehab_sessions; its repetitions are the
-- rows of rehab_reps with that session_id, in (exercise_index, set_no, rep)
-- order; sample indices count samples of the session from its first (as
-- annotations do); percentages are of the patient's MVC (0–100, above 100
-- when the MVC was under-estimated).

-- An exercise plan: saving inserts a new version for the patient, the
-- latest one is the plan in force. plan is the plan as JSON (app/rehab.Plan,
-- the plan file of CLI.md: name, exercises[{name, kind, channels, gesture,
-- target_low_pct, target_high_pct, hold_s, rest_s, reps, sets, assist}]).
CREATE TABLE rehab_plans (
	id         INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL CHECK (version > 0),
	name       TEXT NOT NULL DEFAULT '',
	plan       TEXT NOT NULL DEFAULT '{}',
	created_at TEXT NOT NULL,
	UNIQUE (patient_id, version)
);

-- One guided session: the recording (sessions.type = 'rehab'), the plan
-- version it ran, how many repetitions were planned and completed, and the
-- end-of-session summary as JSON (app/rehab.Summary).
CREATE TABLE rehab_sessions (
	session_id     INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
	plan_id        INTEGER REFERENCES rehab_plans (id) ON DELETE SET NULL,
	plan_version   INTEGER NOT NULL DEFAULT 0,
	plan_name      TEXT NOT NULL DEFAULT '',
	planned_reps   INTEGER NOT NULL DEFAULT 0 CHECK (planned_reps >= 0),
	completed_reps INTEGER NOT NULL DEFAULT 0 CHECK (completed_reps >= 0),
	summary        TEXT NOT NULL DEFAULT '{}',
	created_at     TEXT NOT NULL
);
CREATE INDEX rehab_sessions_plan ON rehab_sessions (plan_id);

-- One scored repetition of a rehab session.
--   exercise_index: the exercise's place in the plan (from 0); exercise its
--     name; kind 'mvc' (hold in a %MVC band) or 'gesture' (classifier-driven).
--   set_no, rep: from 1.
--   cue_sample: when the cue appeared; hold_samples: the hold's length
--     (the hold is [cue_sample, cue_sample + hold_samples)).
--   target_low_pct, target_high_pct: the %MVC band (0, 0 for gesture reps);
--     gesture: the target gesture ('' for %MVC reps).
--   time_in_band_s: seconds of the hold with the working muscles' level in
--     the band; peak_mvc_pct, mean_mvc_pct: of the level over the hold.
--   onset_delay_s: cue to the level first reaching the band (gesture reps:
--     the classifier first naming the gesture); NULL when it never did.
--   cci_pct: co-contraction index of agonist/antagonist over the hold
--     (Falconer–Winter, 0–100 %); NULL without an antagonist.
--   classifier_accuracy: fraction (0–1) of the hold's decisions naming the
--     target gesture; NULL for %MVC reps or without a model.
--   glove_range_pct: the largest glove finger position reached during the
--     hold in % of the range (NULL without a glove); assist_mode and
--     assist_level (0–100 %) the glove assistance used for the rep.
--   success: 1 when the rep met its goal (app/rehab.Success); skipped: 1
--     when the therapist skipped it (not scored).
CREATE TABLE rehab_reps (
	id                  INTEGER PRIMARY KEY,
	session_id          INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	exercise_index      INTEGER NOT NULL CHECK (exercise_index >= 0),
	exercise            TEXT NOT NULL,
	kind                TEXT NOT NULL CHECK (kind IN ('mvc', 'gesture')),
	set_no              INTEGER NOT NULL CHECK (set_no > 0),
	rep                 INTEGER NOT NULL CHECK (rep > 0),
	cue_sample          INTEGER NOT NULL CHECK (cue_sample >= 0),
	hold_samples        INTEGER NOT NULL CHECK (hold_samples >= 0),
	target_low_pct      REAL NOT NULL DEFAULT 0,
	target_high_pct     REAL NOT NULL DEFAULT 0,
	gesture             TEXT NOT NULL DEFAULT '',
	time_in_band_s      REAL NOT NULL DEFAULT 0,
	hold_s              REAL NOT NULL DEFAULT 0,
	peak_mvc_pct        REAL NOT NULL DEFAULT 0,
	mean_mvc_pct        REAL NOT NULL DEFAULT 0,
	onset_delay_s       REAL,
	cci_pct             REAL,
	classifier_accuracy REAL,
	glove_range_pct     REAL,
	assist_mode         TEXT NOT NULL DEFAULT '',
	assist_level        INTEGER NOT NULL DEFAULT 0,
	success             INTEGER NOT NULL DEFAULT 0 CHECK (success IN (0, 1)),
	skipped             INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1)),
	note                TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rehab_reps_session ON rehab_reps (session_id, exercise_index, set_no, rep);

-- A patient's maximum voluntary contraction per channel: the RMS in µV of
-- the conditioned signal over the settled part of the strongest hold.
-- labels and mvc_uv are JSON arrays, one entry per channel; source is
-- 'calibration' or 'rehab'; session_id the recording it came from. The
-- newest row of a patient is the reference of its %MVC.
CREATE TABLE mvc_measurements (
	id         INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
	session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
	source     TEXT NOT NULL DEFAULT '',
	labels     TEXT NOT NULL DEFAULT '[]',
	mvc_uv     TEXT NOT NULL DEFAULT '[]',
	created_at TEXT NOT NULL
);
CREATE INDEX mvc_measurements_patient ON mvc_measurements (patient_id, created_at);
