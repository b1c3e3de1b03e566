-- Issue 10 (hostile input). An NHS number given by a referrer or the person themselves
-- that matches a known record whose details differ is kept here, not in nhs_number: the
-- referral gets a record of its own, flagged at triage for the coordinator to merge.
ALTER TABLE people ADD COLUMN unconfirmed_nhs_number TEXT;

-- Sign-in failures are counted per account and client (the address a request came from),
-- so one client guessing cannot lock the account for everyone; a lock that has expired
-- starts the count again.
ALTER TABLE users DROP COLUMN failed_sign_ins;
ALTER TABLE users DROP COLUMN locked_until;
CREATE TABLE sign_in_failures (
    organisation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failed_at INTEGER NOT NULL,
    locked_until INTEGER,
    PRIMARY KEY (organisation_id, user_id, client),
    FOREIGN KEY (organisation_id, user_id) REFERENCES users (organisation_id, id)
) STRICT;
CREATE INDEX sign_in_failures_age ON sign_in_failures (last_failed_at);

-- Changing or resetting a password ends the user's other sessions: a session remembers
-- this stamp from its sign-in and ends when it no longer matches.
ALTER TABLE users ADD COLUMN credentials_changed_at INTEGER NOT NULL DEFAULT 0;

-- The outbox lease names its holder: only the sender holding the lease records what
-- happened to a message, so a sender whose lease lapsed mid-send cannot mark it sent
-- after another has taken it.
ALTER TABLE outbox ADD COLUMN claim_token TEXT;

-- The person as the referral named them (names and date of birth as given). A referrer's
-- views show these and nothing from the person's record, so a referral later merged into
-- a known record, or a record later edited, never shows a referrer what the service holds.
ALTER TABLE referrals ADD COLUMN referred_given_name TEXT;
ALTER TABLE referrals ADD COLUMN referred_family_name TEXT;
ALTER TABLE referrals ADD COLUMN referred_date_of_birth TEXT;
UPDATE referrals SET
    referred_given_name = (SELECT p.given_name FROM people p WHERE p.organisation_id = referrals.organisation_id AND p.id = referrals.person_id),
    referred_family_name = (SELECT p.family_name FROM people p WHERE p.organisation_id = referrals.organisation_id AND p.id = referrals.person_id),
    referred_date_of_birth = (SELECT p.date_of_birth FROM people p WHERE p.organisation_id = referrals.organisation_id AND p.id = referrals.person_id);
