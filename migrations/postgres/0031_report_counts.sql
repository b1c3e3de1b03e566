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
-- An absent practice or worker is '' (key columns cannot be NULL). A count that falls to
-- nought stays as a row of nought.
--
-- Exact under concurrent writers: a count changes by an upsert (atomic per row), the
-- rows a change touches are taken in key order, and every trigger here locks the referral
-- before any count (see `sessions_counted`).

CREATE TABLE session_day_counts (
    organisation_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    programme_id TEXT NOT NULL,
    practice_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status)
);

CREATE TABLE referral_month_counts (
    organisation_id TEXT NOT NULL,
    month BIGINT NOT NULL,
    programme_id TEXT NOT NULL,
    practice_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    source TEXT NOT NULL,
    needs TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status)
);

-- Who came to a session in each UTC month (a month is `year * 12 + month - 1`), by what
-- the reports filter on: "people seen" counts distinct people over whole months from here
-- and over the raw sessions of the part-months at the period's ends.
CREATE TABLE seen_months (
    organisation_id TEXT NOT NULL,
    month BIGINT NOT NULL,
    person_id TEXT NOT NULL,
    programme_id TEXT NOT NULL,
    practice_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, month, person_id, programme_id, practice_id, worker_id)
);

-- Each referral's first contact that reached the person and its first attended session,
-- for the waiting-time report (which otherwise looked both up for every referral).
ALTER TABLE referrals ADD COLUMN first_reached_at BIGINT;
ALTER TABLE referrals ADD COLUMN first_session_at BIGINT;

-- Nothing may change between the backfill and the triggers that keep it (another
-- instance may be serving while this one migrates): writers wait until this commits.
LOCK TABLE referrals, sessions, referral_events IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO session_day_counts (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, n)
SELECT s.organisation_id, s.starts_at / 86400000, r.programme_id, COALESCE(r.practice_id, ''), s.worker_id, s.kind, s.mode, s.status, COUNT(*)
FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO referral_month_counts (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status, n)
SELECT organisation_id, (CAST(EXTRACT(YEAR FROM to_timestamp(received_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM to_timestamp(received_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) - 1), programme_id, COALESCE(practice_id, ''), COALESCE(assigned_worker_id, ''), source, needs, status, COUNT(*)
FROM referrals GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO seen_months (organisation_id, month, person_id, programme_id, practice_id, worker_id, n)
SELECT s.organisation_id, (CAST(EXTRACT(YEAR FROM to_timestamp(s.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM to_timestamp(s.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) - 1), r.person_id, r.programme_id, COALESCE(r.practice_id, ''), s.worker_id, COUNT(*)
FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id
WHERE s.status = 'attended' GROUP BY 1, 2, 3, 4, 5, 6;

UPDATE referrals SET
    first_reached_at = (SELECT MIN(e.at) FROM referral_events e WHERE e.organisation_id = referrals.organisation_id
        AND e.referral_id = referrals.id AND e.event IN ('contact_attempt_reached', 'contact_made')),
    first_session_at = (SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = referrals.organisation_id
        AND s.referral_id = referrals.id AND s.status = 'attended');

-- A session's count, and its referral's first attended session.
--
-- The referral's row is locked first (FOR NO KEY UPDATE, which a foreign key's check does
-- not wait for), until commit. So a change of the referral's practice or programme either
-- waits for this session and then moves its count too, or goes first and this counts
-- under the new one; and the first attended session, when it has to be worked out again,
-- is worked out by a statement that starts after any other writer of it has committed.
CREATE FUNCTION sessions_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_person TEXT;
    old_programme TEXT;
    old_practice TEXT;
    new_person TEXT;
    new_programme TEXT;
    new_practice TEXT;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.referral_id IS NOT DISTINCT FROM NEW.referral_id
        AND OLD.worker_id IS NOT DISTINCT FROM NEW.worker_id AND OLD.kind IS NOT DISTINCT FROM NEW.kind
        AND OLD.mode IS NOT DISTINCT FROM NEW.mode AND OLD.starts_at IS NOT DISTINCT FROM NEW.starts_at
        AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT person_id, programme_id, COALESCE(practice_id, '') INTO old_person, old_programme, old_practice FROM referrals
        WHERE organisation_id = OLD.organisation_id AND id = OLD.referral_id FOR NO KEY UPDATE;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT person_id, programme_id, COALESCE(practice_id, '') INTO new_person, new_programme, new_practice FROM referrals
        WHERE organisation_id = NEW.organisation_id AND id = NEW.referral_id FOR NO KEY UPDATE;
    END IF;

    IF TG_OP <> 'INSERT' AND OLD.status = 'attended' THEN
        UPDATE referrals SET first_session_at = (SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = OLD.organisation_id
            AND s.referral_id = OLD.referral_id AND s.status = 'attended')
        WHERE organisation_id = OLD.organisation_id AND id = OLD.referral_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'attended' THEN
        UPDATE referrals SET first_session_at = NEW.starts_at
        WHERE organisation_id = NEW.organisation_id AND id = NEW.referral_id
        AND (first_session_at IS NULL OR first_session_at > NEW.starts_at);
    END IF;

    INSERT INTO session_day_counts AS c (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, n)
    SELECT x.organisation_id, x.day, x.programme_id, x.practice_id, x.worker_id, x.kind, x.mode, x.status, SUM(x.d) FROM (
        SELECT OLD.organisation_id AS organisation_id, OLD.starts_at / 86400000 AS day, old_programme AS programme_id,
            old_practice AS practice_id, OLD.worker_id AS worker_id, OLD.kind AS kind, OLD.mode AS mode, OLD.status AS status, -1 AS d
        WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT NEW.organisation_id, NEW.starts_at / 86400000, new_programme, new_practice, NEW.worker_id, NEW.kind, NEW.mode, NEW.status, 1
        WHERE TG_OP <> 'DELETE'
    ) x
    GROUP BY x.organisation_id, x.day, x.programme_id, x.practice_id, x.worker_id, x.kind, x.mode, x.status
    ORDER BY x.organisation_id, x.day, x.programme_id, x.practice_id, x.worker_id, x.kind, x.mode, x.status
    ON CONFLICT (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status) DO UPDATE SET n = c.n + excluded.n;

    INSERT INTO seen_months AS c (organisation_id, month, person_id, programme_id, practice_id, worker_id, n)
    SELECT x.organisation_id, x.month, x.person_id, x.programme_id, x.practice_id, x.worker_id, SUM(x.d) FROM (
        SELECT OLD.organisation_id AS organisation_id, (CAST(EXTRACT(YEAR FROM to_timestamp(OLD.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM to_timestamp(OLD.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) - 1) AS month, old_person AS person_id,
            old_programme AS programme_id, old_practice AS practice_id, OLD.worker_id AS worker_id, -1 AS d
        WHERE TG_OP <> 'INSERT' AND OLD.status = 'attended'
        UNION ALL
        SELECT NEW.organisation_id, (CAST(EXTRACT(YEAR FROM to_timestamp(NEW.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM to_timestamp(NEW.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) - 1), new_person, new_programme, new_practice, NEW.worker_id, 1
        WHERE TG_OP <> 'DELETE' AND NEW.status = 'attended'
    ) x
    GROUP BY x.organisation_id, x.month, x.person_id, x.programme_id, x.practice_id, x.worker_id
    ORDER BY x.organisation_id, x.month, x.person_id, x.programme_id, x.practice_id, x.worker_id
    ON CONFLICT (organisation_id, month, person_id, programme_id, practice_id, worker_id) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_counted AFTER INSERT OR DELETE OR UPDATE OF referral_id, worker_id, kind, mode, starts_at, status ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_counted();

-- A referral's count, and its sessions' counts when its programme, practice or person (a
-- merge of two records) changes: a session is counted under its referral's. The UPDATE that fires this holds the
-- referral's row, so no session of it is being counted meanwhile.
CREATE FUNCTION referrals_day_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.received_at IS NOT DISTINCT FROM NEW.received_at AND OLD.person_id IS NOT DISTINCT FROM NEW.person_id
        AND OLD.programme_id IS NOT DISTINCT FROM NEW.programme_id AND OLD.practice_id IS NOT DISTINCT FROM NEW.practice_id
        AND OLD.assigned_worker_id IS NOT DISTINCT FROM NEW.assigned_worker_id AND OLD.source IS NOT DISTINCT FROM NEW.source
        AND OLD.needs IS NOT DISTINCT FROM NEW.needs AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
        RETURN NULL;
    END IF;

    INSERT INTO referral_month_counts AS c (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status, n)
    SELECT x.organisation_id, x.month, x.programme_id, x.practice_id, x.worker_id, x.source, x.needs, x.status, SUM(x.d) FROM (
        SELECT OLD.organisation_id AS organisation_id, (CAST(EXTRACT(YEAR FROM to_timestamp(OLD.received_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM to_timestamp(OLD.received_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) - 1) AS month, OLD.programme_id AS programme_id,
            COALESCE(OLD.practice_id, '') AS practice_id, COALESCE(OLD.assigned_worker_id, '') AS worker_id, OLD.source AS source,
            OLD.needs AS needs, OLD.status AS status, -1 AS d
        WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT NEW.organisation_id, (CAST(EXTRACT(YEAR FROM to_timestamp(NEW.received_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM to_timestamp(NEW.received_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) - 1), NEW.programme_id, COALESCE(NEW.practice_id, ''),
            COALESCE(NEW.assigned_worker_id, ''), NEW.source, NEW.needs, NEW.status, 1
        WHERE TG_OP <> 'DELETE'
    ) x
    GROUP BY x.organisation_id, x.month, x.programme_id, x.practice_id, x.worker_id, x.source, x.needs, x.status
    ORDER BY x.organisation_id, x.month, x.programme_id, x.practice_id, x.worker_id, x.source, x.needs, x.status
    ON CONFLICT (organisation_id, month, programme_id, practice_id, worker_id, source, needs, status) DO UPDATE SET n = c.n + excluded.n;

    IF TG_OP = 'UPDATE' AND (OLD.programme_id IS DISTINCT FROM NEW.programme_id OR OLD.practice_id IS DISTINCT FROM NEW.practice_id
        OR OLD.person_id IS DISTINCT FROM NEW.person_id) THEN
        INSERT INTO session_day_counts AS c (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status, n)
        SELECT x.organisation_id, x.day, x.programme_id, x.practice_id, x.worker_id, x.kind, x.mode, x.status, SUM(x.d) FROM (
            SELECT s.organisation_id AS organisation_id, s.starts_at / 86400000 AS day, OLD.programme_id AS programme_id,
                COALESCE(OLD.practice_id, '') AS practice_id, s.worker_id AS worker_id, s.kind AS kind, s.mode AS mode, s.status AS status, -1 AS d
            FROM sessions s WHERE s.organisation_id = OLD.organisation_id AND s.referral_id = OLD.id
            UNION ALL
            SELECT s.organisation_id, s.starts_at / 86400000, NEW.programme_id, COALESCE(NEW.practice_id, ''), s.worker_id, s.kind, s.mode, s.status, 1
            FROM sessions s WHERE s.organisation_id = NEW.organisation_id AND s.referral_id = NEW.id
        ) x
        GROUP BY x.organisation_id, x.day, x.programme_id, x.practice_id, x.worker_id, x.kind, x.mode, x.status
        ORDER BY x.organisation_id, x.day, x.programme_id, x.practice_id, x.worker_id, x.kind, x.mode, x.status
        ON CONFLICT (organisation_id, day, programme_id, practice_id, worker_id, kind, mode, status) DO UPDATE SET n = c.n + excluded.n;

        INSERT INTO seen_months AS c (organisation_id, month, person_id, programme_id, practice_id, worker_id, n)
        SELECT x.organisation_id, x.month, x.person_id, x.programme_id, x.practice_id, x.worker_id, SUM(x.d) FROM (
            SELECT s.organisation_id AS organisation_id, (CAST(EXTRACT(YEAR FROM to_timestamp(s.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM to_timestamp(s.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) - 1) AS month, OLD.person_id AS person_id,
                OLD.programme_id AS programme_id, COALESCE(OLD.practice_id, '') AS practice_id, s.worker_id AS worker_id, -1 AS d
            FROM sessions s WHERE s.organisation_id = OLD.organisation_id AND s.referral_id = OLD.id AND s.status = 'attended'
            UNION ALL
            SELECT s.organisation_id, (CAST(EXTRACT(YEAR FROM to_timestamp(s.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) * 12 + CAST(EXTRACT(MONTH FROM to_timestamp(s.starts_at / 1000) AT TIME ZONE 'UTC') AS BIGINT) - 1), NEW.person_id, NEW.programme_id, COALESCE(NEW.practice_id, ''), s.worker_id, 1
            FROM sessions s WHERE s.organisation_id = NEW.organisation_id AND s.referral_id = NEW.id AND s.status = 'attended'
        ) x
        GROUP BY x.organisation_id, x.month, x.person_id, x.programme_id, x.practice_id, x.worker_id
        ORDER BY x.organisation_id, x.month, x.person_id, x.programme_id, x.practice_id, x.worker_id
        ON CONFLICT (organisation_id, month, person_id, programme_id, practice_id, worker_id) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER referrals_day_counted AFTER INSERT OR DELETE OR UPDATE OF received_at, person_id, programme_id, practice_id, assigned_worker_id, source, needs, status ON referrals
    FOR EACH ROW EXECUTE FUNCTION referrals_day_counted();

-- Contact events are only ever added. The UPDATE waits for any other writer of the row
-- and then checks its condition again against what that writer committed.
CREATE FUNCTION referral_events_first_reached() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE referrals SET first_reached_at = NEW.at
    WHERE organisation_id = NEW.organisation_id AND id = NEW.referral_id AND (first_reached_at IS NULL OR first_reached_at > NEW.at);
    RETURN NULL;
END;
$$;

CREATE TRIGGER referral_events_first_reached AFTER INSERT ON referral_events
    FOR EACH ROW WHEN (NEW.event IN ('contact_attempt_reached', 'contact_made')) EXECUTE FUNCTION referral_events_first_reached();
