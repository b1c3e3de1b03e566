-- Registers of group sessions: who came, what the facilitator noted (the weather, the
-- venue), and the keys of the forms that recorded it, so a form sent twice (a phone on a
-- poor signal, a retry arriving late) records once. A member's missed sessions in a row, and when
-- they were flagged for having missed three.

ALTER TABLE group_sessions ADD COLUMN register_note TEXT NOT NULL DEFAULT '';
ALTER TABLE group_sessions ADD COLUMN register_by TEXT;

CREATE TABLE group_attendance (
    organisation_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, session_id, member_id),
    FOREIGN KEY (organisation_id, session_id) REFERENCES group_sessions (organisation_id, id),
    FOREIGN KEY (organisation_id, member_id) REFERENCES group_members (organisation_id, id)
);
-- A member's attendance over time (missed in a row, retention).
CREATE INDEX group_attendance_member ON group_attendance (organisation_id, member_id);

CREATE TABLE group_register_keys (
    organisation_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    form_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, session_id, form_key),
    FOREIGN KEY (organisation_id, session_id) REFERENCES group_sessions (organisation_id, id)
);

ALTER TABLE group_members ADD COLUMN missed_in_row BIGINT NOT NULL DEFAULT 0;
ALTER TABLE group_members ADD COLUMN flagged_at BIGINT;
