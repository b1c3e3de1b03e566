-- What the reports count, kept up to date by triggers in the statement that changes a
-- session or a referral (issue 14). At an integrated care system's year (300,000
-- referrals, 2,000,000 sessions) counting the rows on every report took seconds; these
-- tables hold one row a day or a month for each combination the reports group and filter
-- by. The reports add the raw rows of the part-days or part-months at either end of a
-- period (see `linkwell_store::reports`).
--
-- A day is a UTC day, `instant / 86400000`; a month is a UTC month, `year * 12 + month -
-- 1`. A London day always starts on a whole UTC hour, so whole UTC buckets plus the raw
-- edges give any London period exactly. Referrals are counted by month: a day holds
-- hardly more than one referral for each practice, so their day counts were nearly as
-- many rows as the referrals.
-- An absent practice or worker is '' (key columns cannot be NULL in PostgreSQL). A count that falls to
-- nought stays as a row of nought.

CREATE TABLE session_day_counts (
    organisation_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    programme_id TEXT NOT NULL,
    practice_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status)
) STRICT;

CREATE TABLE referral_month_counts (
    organisation_id TEXT NOT NULL,
    month INTEGER NOT NULL,
    programme_id TEXT NOT NULL,
    practice_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    source TEXT NOT NULL,
    needs TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status)
) STRICT;

-- Who came to a session in each UTC month (a month is `year * 12 + month - 1`), by what
-- the reports filter on: "people seen" counts distinct people over whole months from here
-- and over the raw sessions of the part-months at the period's ends.
CREATE TABLE seen_months (
    organisation_id TEXT NOT NULL,
    month INTEGER NOT NULL,
    person_id TEXT NOT NULL,
    programme_id TEXT NOT NULL,
    practice_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, month, person_id, programme_id, practice_id, worker_id)
) STRICT;

-- Each referral's first contact that reached the person and its first attended session,
-- for the waiting-time report (which otherwise looked both up for every referral).
ALTER TABLE referrals ADD COLUMN first_reached_at INTEGER;
ALTER TABLE referrals ADD COLUMN first_session_at INTEGER;

INSERT INTO session_day_counts (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, n)
SELECT s.organisation_id, s.starts_at / 86400000, r.programme_id, COALESCE(r.practice_id, ''), s.worker_id, s.kind, s.mode, s.status, COUNT(*)
FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO referral_month_counts (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status, n)
SELECT organisation_id, (CAST(strftime('%Y', received_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', received_at / 1000, 'unixepoch') AS INTEGER) - 1), programme_id, COALESCE(practice_id, ''), COALESCE(assigned_worker_id, ''), source, needs, status, COUNT(*)
FROM referrals GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO seen_months (organisation_id, month, person_id, programme_id, practice_id, worker_id, n)
SELECT s.organisation_id, (CAST(strftime('%Y', s.starts_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', s.starts_at / 1000, 'unixepoch') AS INTEGER) - 1), r.person_id, r.programme_id, COALESCE(r.practice_id, ''), s.worker_id, COUNT(*)
FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id
WHERE s.status = 'attended' GROUP BY 1, 2, 3, 4, 5, 6;

UPDATE referrals SET
    first_reached_at = (SELECT MIN(e.at) FROM referral_events e WHERE e.organisation_id = referrals.organisation_id
        AND e.referral_id = referrals.id AND e.event IN ('contact_attempt_reached', 'contact_made')),
    first_session_at = (SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = referrals.organisation_id
        AND s.referral_id = referrals.id AND s.status = 'attended');

-- Sessions: the count a session leaves and the one it joins, summed by key so that a
-- change within one key adds nought.
CREATE TRIGGER sessions_day_counted_insert AFTER INSERT ON sessions
BEGIN
    INSERT INTO session_day_counts (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, n)
    SELECT NEW.organisation_id, NEW.starts_at / 86400000, r.programme_id, COALESCE(r.practice_id, ''), NEW.worker_id, NEW.kind, NEW.mode, NEW.status, 1
    FROM referrals r WHERE r.organisation_id = NEW.organisation_id AND r.id = NEW.referral_id
    ON CONFLICT (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status) DO UPDATE SET n = n + 1;
    INSERT INTO seen_months (organisation_id, month, person_id, programme_id, practice_id, worker_id, n)
    SELECT NEW.organisation_id, (CAST(strftime('%Y', NEW.starts_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.starts_at / 1000, 'unixepoch') AS INTEGER) - 1), r.person_id, r.programme_id, COALESCE(r.practice_id, ''), NEW.worker_id, 1
    FROM referrals r WHERE NEW.status = 'attended' AND r.organisation_id = NEW.organisation_id AND r.id = NEW.referral_id
    ON CONFLICT (organisation_id, month, person_id, programme_id, practice_id, worker_id) DO UPDATE SET n = n + 1;
    UPDATE referrals SET first_session_at = NEW.starts_at
    WHERE NEW.status = 'attended' AND organisation_id = NEW.organisation_id AND id = NEW.referral_id
    AND (first_session_at IS NULL OR first_session_at > NEW.starts_at);
END;

CREATE TRIGGER sessions_day_counted_delete AFTER DELETE ON sessions
BEGIN
    UPDATE session_day_counts SET n = n - 1
    WHERE organisation_id = OLD.organisation_id AND day = OLD.starts_at / 86400000
    AND (programme_id, practice_id) = (SELECT r.programme_id, COALESCE(r.practice_id, '') FROM referrals r WHERE r.organisation_id = OLD.organisation_id AND r.id = OLD.referral_id)
    AND worker_id = OLD.worker_id AND kind = OLD.kind AND mode = OLD.mode AND status = OLD.status;
    UPDATE seen_months SET n = n - 1
    WHERE OLD.status = 'attended' AND organisation_id = OLD.organisation_id AND month = (CAST(strftime('%Y', OLD.starts_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.starts_at / 1000, 'unixepoch') AS INTEGER) - 1)
    AND (person_id, programme_id, practice_id) = (SELECT r.person_id, r.programme_id, COALESCE(r.practice_id, '') FROM referrals r
        WHERE r.organisation_id = OLD.organisation_id AND r.id = OLD.referral_id)
    AND worker_id = OLD.worker_id;
    UPDATE referrals SET first_session_at = (SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = OLD.organisation_id
        AND s.referral_id = OLD.referral_id AND s.status = 'attended')
    WHERE OLD.status = 'attended' AND organisation_id = OLD.organisation_id AND id = OLD.referral_id;
END;

CREATE TRIGGER sessions_day_counted_update AFTER UPDATE OF referral_id, worker_id, kind, mode, starts_at, status ON sessions
WHEN OLD.referral_id IS NOT NEW.referral_id OR OLD.worker_id IS NOT NEW.worker_id OR OLD.kind IS NOT NEW.kind
    OR OLD.mode IS NOT NEW.mode OR OLD.starts_at IS NOT NEW.starts_at OR OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO session_day_counts (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, n)
    SELECT organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, SUM(d) FROM (
        SELECT OLD.organisation_id AS organisation_id, OLD.starts_at / 86400000 AS day, r.programme_id AS programme_id,
            COALESCE(r.practice_id, '') AS practice_id, OLD.worker_id AS worker_id, OLD.kind AS kind, OLD.mode AS mode, OLD.status AS status, -1 AS d
        FROM referrals r WHERE r.organisation_id = OLD.organisation_id AND r.id = OLD.referral_id
        UNION ALL
        SELECT NEW.organisation_id, NEW.starts_at / 86400000, r.programme_id, COALESCE(r.practice_id, ''), NEW.worker_id, NEW.kind, NEW.mode, NEW.status, 1
        FROM referrals r WHERE r.organisation_id = NEW.organisation_id AND r.id = NEW.referral_id
    ) WHERE true GROUP BY organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status
    ON CONFLICT (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status) DO UPDATE SET n = n + excluded.n;
    INSERT INTO seen_months (organisation_id, month, person_id, programme_id, practice_id, worker_id, n)
    SELECT organisation_id, month, person_id, programme_id, practice_id, worker_id, SUM(d) FROM (
        SELECT OLD.organisation_id AS organisation_id, (CAST(strftime('%Y', OLD.starts_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.starts_at / 1000, 'unixepoch') AS INTEGER) - 1) AS month, r.person_id AS person_id,
            r.programme_id AS programme_id, COALESCE(r.practice_id, '') AS practice_id, OLD.worker_id AS worker_id, -1 AS d
        FROM referrals r WHERE OLD.status = 'attended' AND r.organisation_id = OLD.organisation_id AND r.id = OLD.referral_id
        UNION ALL
        SELECT NEW.organisation_id, (CAST(strftime('%Y', NEW.starts_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.starts_at / 1000, 'unixepoch') AS INTEGER) - 1), r.person_id, r.programme_id, COALESCE(r.practice_id, ''), NEW.worker_id, 1
        FROM referrals r WHERE NEW.status = 'attended' AND r.organisation_id = NEW.organisation_id AND r.id = NEW.referral_id
    ) WHERE true GROUP BY organisation_id, month, person_id, programme_id, practice_id, worker_id
    ON CONFLICT (organisation_id, month, person_id, programme_id, practice_id, worker_id) DO UPDATE SET n = n + excluded.n;
    UPDATE referrals SET first_session_at = (SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = referrals.organisation_id
        AND s.referral_id = referrals.id AND s.status = 'attended')
    WHERE (OLD.status = 'attended' OR NEW.status = 'attended') AND organisation_id = OLD.organisation_id AND id IN (OLD.referral_id, NEW.referral_id);
END;

-- Referrals: their own count, and their sessions' counts when their programme or
-- practice changes, or their person (a merge of two records): a session is counted under
-- its referral's.
CREATE TRIGGER referrals_day_counted_insert AFTER INSERT ON referrals
BEGIN
    INSERT INTO referral_month_counts (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status, n)
    VALUES (NEW.organisation_id, (CAST(strftime('%Y', NEW.received_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.received_at / 1000, 'unixepoch') AS INTEGER) - 1), NEW.programme_id, COALESCE(NEW.practice_id, ''),
        COALESCE(NEW.assigned_worker_id, ''), NEW.source, NEW.needs, NEW.status, 1)
    ON CONFLICT (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER referrals_day_counted_delete AFTER DELETE ON referrals
BEGIN
    UPDATE referral_month_counts SET n = n - 1
    WHERE organisation_id = OLD.organisation_id AND month = (CAST(strftime('%Y', OLD.received_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.received_at / 1000, 'unixepoch') AS INTEGER) - 1) AND programme_id = OLD.programme_id
    AND practice_id = COALESCE(OLD.practice_id, '') AND worker_id = COALESCE(OLD.assigned_worker_id, '')
    AND source = OLD.source AND needs = OLD.needs AND status = OLD.status;
END;

CREATE TRIGGER referrals_day_counted_update AFTER UPDATE OF received_at, programme_id, practice_id, assigned_worker_id, source, needs, status ON referrals
WHEN OLD.received_at IS NOT NEW.received_at OR OLD.programme_id IS NOT NEW.programme_id OR OLD.practice_id IS NOT NEW.practice_id
    OR OLD.assigned_worker_id IS NOT NEW.assigned_worker_id OR OLD.source IS NOT NEW.source OR OLD.needs IS NOT NEW.needs
    OR OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO referral_month_counts (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status, n)
    SELECT organisation_id, month, programme_id, practice_id, worker_id, source, needs, status, SUM(d) FROM (
        SELECT OLD.organisation_id AS organisation_id, (CAST(strftime('%Y', OLD.received_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.received_at / 1000, 'unixepoch') AS INTEGER) - 1) AS month, OLD.programme_id AS programme_id,
            COALESCE(OLD.practice_id, '') AS practice_id, COALESCE(OLD.assigned_worker_id, '') AS worker_id, OLD.source AS source,
            OLD.needs AS needs, OLD.status AS status, -1 AS d
        UNION ALL
        SELECT NEW.organisation_id, (CAST(strftime('%Y', NEW.received_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.received_at / 1000, 'unixepoch') AS INTEGER) - 1), NEW.programme_id, COALESCE(NEW.practice_id, ''),
            COALESCE(NEW.assigned_worker_id, ''), NEW.source, NEW.needs, NEW.status, 1
    ) WHERE true GROUP BY organisation_id, month, programme_id, practice_id, worker_id, source, needs, status
    ON CONFLICT (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER referrals_moved_session_counts AFTER UPDATE OF programme_id, practice_id, person_id ON referrals
WHEN OLD.programme_id IS NOT NEW.programme_id OR OLD.practice_id IS NOT NEW.practice_id OR OLD.person_id IS NOT NEW.person_id
BEGIN
    INSERT INTO session_day_counts (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, n)
    SELECT organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, SUM(d) FROM (
        SELECT s.organisation_id AS organisation_id, s.starts_at / 86400000 AS day, OLD.programme_id AS programme_id,
            COALESCE(OLD.practice_id, '') AS practice_id, s.worker_id AS worker_id, s.kind AS kind, s.mode AS mode, s.status AS status, -1 AS d
        FROM sessions s WHERE s.organisation_id = OLD.organisation_id AND s.referral_id = OLD.id
        UNION ALL
        SELECT s.organisation_id, s.starts_at / 86400000, NEW.programme_id, COALESCE(NEW.practice_id, ''), s.worker_id, s.kind, s.mode, s.status, 1
        FROM sessions s WHERE s.organisation_id = NEW.organisation_id AND s.referral_id = NEW.id
    ) WHERE true GROUP BY organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status
    ON CONFLICT (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status) DO UPDATE SET n = n + excluded.n;
    INSERT INTO seen_months (organisation_id, month, person_id, programme_id, practice_id, worker_id, n)
    SELECT organisation_id, month, person_id, programme_id, practice_id, worker_id, SUM(d) FROM (
        SELECT s.organisation_id AS organisation_id, (CAST(strftime('%Y', s.starts_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', s.starts_at / 1000, 'unixepoch') AS INTEGER) - 1) AS month, OLD.person_id AS person_id, OLD.programme_id AS programme_id,
            COALESCE(OLD.practice_id, '') AS practice_id, s.worker_id AS worker_id, -1 AS d
        FROM sessions s WHERE s.organisation_id = OLD.organisation_id AND s.referral_id = OLD.id AND s.status = 'attended'
        UNION ALL
        SELECT s.organisation_id, (CAST(strftime('%Y', s.starts_at / 1000, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', s.starts_at / 1000, 'unixepoch') AS INTEGER) - 1), NEW.person_id, NEW.programme_id, COALESCE(NEW.practice_id, ''), s.worker_id, 1
        FROM sessions s WHERE s.organisation_id = NEW.organisation_id AND s.referral_id = NEW.id AND s.status = 'attended'
    ) WHERE true GROUP BY organisation_id, month, person_id, programme_id, practice_id, worker_id
    ON CONFLICT (organisation_id, month, person_id, programme_id, practice_id, worker_id) DO UPDATE SET n = n + excluded.n;
END;

-- Contact events are only ever added.
CREATE TRIGGER referral_events_first_reached AFTER INSERT ON referral_events
WHEN NEW.event IN ('contact_attempt_reached', 'contact_made')
BEGIN
    UPDATE referrals SET first_reached_at = NEW.at
    WHERE organisation_id = NEW.organisation_id AND id = NEW.referral_id AND (first_reached_at IS NULL OR first_reached_at > NEW.at);
END;
