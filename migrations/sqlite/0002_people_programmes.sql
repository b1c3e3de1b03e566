-- People (the subjects of referrals) and programmes (the rules a referral runs under).

CREATE TABLE people (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    nhs_number TEXT,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    -- ISO date (a civil date, no time zone).
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'indeterminate', 'not_known')),
    gender_identity TEXT,
    ethnic_category TEXT,
    postcode TEXT,
    address TEXT NOT NULL DEFAULT '',
    phone TEXT,
    email TEXT,
    preferred_channel TEXT NOT NULL CHECK (preferred_channel IN ('phone', 'sms', 'email', 'letter')),
    access_needs TEXT NOT NULL DEFAULT '',
    practice_id TEXT,
    consent_contact INTEGER NOT NULL CHECK (consent_contact IN (0, 1)),
    consent_share INTEGER NOT NULL CHECK (consent_share IN (0, 1)),
    consent_feedback INTEGER NOT NULL CHECK (consent_feedback IN (0, 1)),
    consents_recorded_at INTEGER NOT NULL,
    consents_recorded_by TEXT,
    -- Set when this record was merged into another; the record and its history stay.
    merged_into TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, practice_id) REFERENCES practices (organisation_id, id),
    FOREIGN KEY (organisation_id, merged_into) REFERENCES people (organisation_id, id)
) STRICT;
-- Same NHS number = same person, within an organisation.
CREATE UNIQUE INDEX people_nhs_number ON people (organisation_id, nhs_number);
-- Possible duplicates are found by date of birth first.
CREATE INDEX people_dob ON people (organisation_id, date_of_birth);

CREATE TABLE programmes (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    initial_minutes INTEGER NOT NULL CHECK (initial_minutes BETWEEN 1 AND 1440),
    follow_up_minutes INTEGER NOT NULL CHECK (follow_up_minutes BETWEEN 1 AND 1440),
    max_follow_ups INTEGER NOT NULL CHECK (max_follow_ups >= 0),
    contact_attempt_limit INTEGER NOT NULL CHECK (contact_attempt_limit >= 1),
    funded_from TEXT,
    funded_to TEXT,
    commissioner TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, name)
) STRICT;
