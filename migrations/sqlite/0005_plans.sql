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

-- The self-management tools an organisation gives people (leaflets, apps, techniques),
-- chosen from in plans. Retired tools stay, so older plans still name them.
CREATE TABLE self_management_tools (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, name)
) STRICT;
