-- How many came to each session and when each member last came, kept as each register is
-- saved, so a group's figures read its members and sessions and not a year of attendance
-- on every view (a group of 500 with weekly registers has 26,000 rows a year). Filled in
-- from the registers already taken.

ALTER TABLE group_sessions ADD COLUMN came INTEGER;
ALTER TABLE group_members ADD COLUMN last_came_at INTEGER;

UPDATE group_sessions SET came = (
    SELECT COUNT(*) FROM group_attendance a
    WHERE a.organisation_id = group_sessions.organisation_id AND a.session_id = group_sessions.id
) WHERE register_taken_at IS NOT NULL;

UPDATE group_members SET last_came_at = (
    SELECT MAX(s.starts_at) FROM group_attendance a
    JOIN group_sessions s ON s.organisation_id = a.organisation_id AND s.id = a.session_id
    WHERE a.organisation_id = group_members.organisation_id AND a.member_id = group_members.id
);
