-- A person answers a questionnaire through a link (issue 14): sent by their preferred
-- channel with consent, kept only as the SHA-256 of its secret, working once until it
-- expires. It is spent by the same write that checks it is unspent, and then names the
-- response it gave.

CREATE TABLE questionnaire_links (
    key_hash TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    instrument TEXT NOT NULL,
    timepoint TEXT NOT NULL CHECK (timepoint IN ('baseline', 'review', 'discharge', 'follow_up')),
    sent_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    response_id TEXT,
    FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id),
    FOREIGN KEY (organisation_id, referral_id) REFERENCES referrals (organisation_id, id)
) STRICT;
CREATE INDEX questionnaire_links_case ON questionnaire_links (organisation_id, referral_id, created_at);
