-- Each worker's open cases (accepted, being contacted, active) by status, kept by a
-- trigger in the statement that changes a referral: the coordinator's home ranks the
-- team by them and the assign chooser shows them. Counted from the referrals on every
-- read, an ICS's 82,500 open cases took 10 ms of index (and most of the home's time).
-- A count that falls to nought stays as a row of nought.
CREATE TABLE open_case_counts (
    organisation_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'contacting', 'active')),
    cases BIGINT NOT NULL CHECK (cases >= 0),
    PRIMARY KEY (organisation_id, worker_id, status)
);

-- No referral may change between the count and the trigger that keeps it (another
-- instance may be serving while this one migrates): writers wait until this commits.
LOCK TABLE referrals IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO open_case_counts (organisation_id, worker_id, status, cases)
SELECT organisation_id, assigned_worker_id, status, COUNT(*) FROM referrals
WHERE status IN ('accepted', 'contacting', 'active') AND assigned_worker_id IS NOT NULL
GROUP BY organisation_id, assigned_worker_id, status;

-- The count a referral leaves and the one it joins are changed in key order, so two
-- transactions handing cases between the same two workers in opposite directions take
-- the rows' locks in the same order and never deadlock.
CREATE FUNCTION referrals_open_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was BOOLEAN := TG_OP <> 'INSERT' AND OLD.assigned_worker_id IS NOT NULL AND OLD.status IN ('accepted', 'contacting', 'active');
    now_open BOOLEAN := TG_OP <> 'DELETE' AND NEW.assigned_worker_id IS NOT NULL AND NEW.status IN ('accepted', 'contacting', 'active');
    joined_first BOOLEAN;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status
        AND OLD.assigned_worker_id IS NOT DISTINCT FROM NEW.assigned_worker_id THEN
        RETURN NULL;
    END IF;
    joined_first := was AND now_open AND (NEW.assigned_worker_id, NEW.status) < (OLD.assigned_worker_id, OLD.status);
    IF now_open AND joined_first THEN
        INSERT INTO open_case_counts (organisation_id, worker_id, status, cases)
        VALUES (NEW.organisation_id, NEW.assigned_worker_id, NEW.status, 1)
        ON CONFLICT (organisation_id, worker_id, status) DO UPDATE SET cases = open_case_counts.cases + 1;
    END IF;
    IF was THEN
        UPDATE open_case_counts SET cases = cases - 1
        WHERE organisation_id = OLD.organisation_id AND worker_id = OLD.assigned_worker_id AND status = OLD.status;
    END IF;
    IF now_open AND NOT joined_first THEN
        INSERT INTO open_case_counts (organisation_id, worker_id, status, cases)
        VALUES (NEW.organisation_id, NEW.assigned_worker_id, NEW.status, 1)
        ON CONFLICT (organisation_id, worker_id, status) DO UPDATE SET cases = open_case_counts.cases + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER referrals_open_counted AFTER INSERT OR DELETE OR UPDATE OF status, assigned_worker_id ON referrals
    FOR EACH ROW EXECUTE FUNCTION referrals_open_counted();
