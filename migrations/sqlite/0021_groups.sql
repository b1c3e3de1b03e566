-- Groups the team runs: one of the organisation's own listings, with what running it
-- needs beside what the listing says (capacity, eligibility and access are the
-- listing's): whether the public may join, what to bring, its risk assessment, where it
-- meets when it rains; its facilitators; its sessions generated from the listing's
-- schedule.

CREATE TABLE team_groups (
    organisation_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    public_join INTEGER NOT NULL DEFAULT 0 CHECK (public_join IN (0, 1)),
    what_to_bring TEXT NOT NULL DEFAULT '',
    risk_assessment TEXT NOT NULL DEFAULT '',
    -- ISO 8601 date.
    risk_review_due TEXT,
    wet_weather TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, service_id),
    FOREIGN KEY (organisation_id, service_id) REFERENCES services (organisation_id, id)
) STRICT;

CREATE TABLE group_facilitators (
    organisation_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, service_id, user_id),
    FOREIGN KEY (organisation_id, service_id) REFERENCES team_groups (organisation_id, service_id),
    FOREIGN KEY (organisation_id, user_id) REFERENCES users (organisation_id, id)
) STRICT;
-- A facilitator's own groups.
CREATE INDEX group_facilitators_user ON group_facilitators (organisation_id, user_id);

-- One session per group and London date; times are instants (milliseconds), the date the
-- wall-clock date they were generated for.
CREATE TABLE group_sessions (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    on_date TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'moved', 'cancelled')),
    -- Why it was moved or cancelled, as members were told.
    reason TEXT NOT NULL DEFAULT '',
    -- Where it meets instead of the listing's venue; empty: the usual place.
    venue TEXT NOT NULL DEFAULT '',
    register_taken_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, service_id, on_date),
    FOREIGN KEY (organisation_id, service_id) REFERENCES team_groups (organisation_id, service_id)
) STRICT;
-- Today's sessions across the organisation's groups (a facilitator's day, reminders).
CREATE INDEX group_sessions_starts ON group_sessions (organisation_id, starts_at);
