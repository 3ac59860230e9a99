-- 0006_outcomes: clinical outcome measures per patient, and each session
-- channel's physical unit (an imported channel in "adu" stays in "adu").
-- Times are UTC RFC 3339 text with microseconds, as in 0001.
-- Never edit this file once shipped: add a new migration instead.

-- units is a JSON array of the unit of each channel's physical values
-- (count × scale_uv); "" or a missing entry means µV (every recording of
-- a device). An imported signal whose physical dimension is not a voltage
-- keeps its dimension here and its physical units per count in scale_uv.
ALTER TABLE sessions ADD COLUMN units TEXT NOT NULL DEFAULT '[]';

-- One row per measure taken on a date. kind is the scale:
--   fugl_meyer_ue     Fugl-Meyer upper extremity motor score, 0–66
--   fugl_meyer_wh     its wrist and hand part, 0–24
--   arat              Action Research Arm Test, 0–57
--   grip_kg           grip strength on a dynamometer, kg, 0–100
--   ashworth          Modified Ashworth Scale of muscle group `muscle`:
--                     value 0, 1, 1.5 (written "1+"), 2, 3 or 4
-- taken_on is the date of the assessment (YYYY-MM-DD); session_id the
-- session it was taken in, when any.
CREATE TABLE outcome_measures (
	id          INTEGER PRIMARY KEY,
	patient_id  INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
	session_id  INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('fugl_meyer_ue', 'fugl_meyer_wh', 'arat', 'grip_kg', 'ashworth')),
	muscle      TEXT NOT NULL DEFAULT '',
	value       REAL NOT NULL,
	taken_on    TEXT NOT NULL CHECK (taken_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
	notes       TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	CHECK (
		(kind = 'fugl_meyer_ue' AND value BETWEEN 0 AND 66 AND value = CAST(value AS INTEGER) AND muscle = '') OR
		(kind = 'fugl_meyer_wh' AND value BETWEEN 0 AND 24 AND value = CAST(value AS INTEGER) AND muscle = '') OR
		(kind = 'arat'          AND value BETWEEN 0 AND 57 AND value = CAST(value AS INTEGER) AND muscle = '') OR
		(kind = 'grip_kg'       AND value BETWEEN 0 AND 100 AND muscle = '') OR
		(kind = 'ashworth'      AND value IN (0, 1, 1.5, 2, 3, 4) AND muscle <> '')
	)
);
CREATE INDEX outcome_measures_patient ON outcome_measures (patient_id, taken_on);
