-- Personalised care and support plans: every saved version is a row; the latest is the plan.

CREATE TABLE plan_versions (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    referral_id TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    saved_at INTEGER NOT NULL,
    saved_by TEXT,
    -- The plan as JSON (linkwell_domain::plans::Plan).
    content TEXT NOT NULL,
    PRIMARY KEY (organisation_id, referral_id, version),
    FOREIGN KEY (organisation_id, referral_id) REFERENCES referrals (organisation_id, id)
) STRICT;
