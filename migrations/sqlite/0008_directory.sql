-- The community directory (ORUK-shaped: providers, services, locations, service at
-- location, schedules, taxonomy terms), postcode coordinates, social prescriptions and
-- unmet needs.

-- Whether the organisation publishes its directory: public pages and the ORUK feed.
ALTER TABLE organisations ADD COLUMN directory_public INTEGER NOT NULL DEFAULT 0;
-- When the person is free, as week slots ("tu-morning,th-afternoon"), for matching.
ALTER TABLE people ADD COLUMN free_times TEXT NOT NULL DEFAULT '';

-- Open data (ONS Postcode Directory, Code-Point Open), shared by every organisation: not
-- tenant data. A row is a full postcode ("LS8 2HH") or a district centroid ("LS8").
CREATE TABLE postcodes (
    postcode TEXT NOT NULL PRIMARY KEY,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL
) STRICT;

-- Organisations that run services (ORUK "organization"); not tenants.
CREATE TABLE providers (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('voluntary', 'community', 'faith', 'social_enterprise', 'statutory', 'own')),
    description TEXT NOT NULL,
    website TEXT,
    email TEXT,
    phone TEXT,
    -- Where an imported record came from ('' when entered here).
    source TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id)
) STRICT;
CREATE INDEX providers_name ON providers (organisation_id, name);

CREATE TABLE services (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    url TEXT,
    email TEXT,
    phone TEXT,
    contact_name TEXT NOT NULL DEFAULT '',
    minimum_age INTEGER,
    maximum_age INTEGER,
    eligibility TEXT NOT NULL DEFAULT '',
    cost_free INTEGER NOT NULL,
    cost_pence INTEGER,
    cost_description TEXT NOT NULL DEFAULT '',
    wheelchair INTEGER NOT NULL DEFAULT 0,
    accessibility TEXT NOT NULL DEFAULT '',
    -- One language per line.
    languages TEXT NOT NULL DEFAULT '',
    capacity INTEGER,
    is_full INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'closed')),
    restart_on TEXT,
    closed_reason TEXT,
    -- ISO date someone last checked it is running as listed; NULL if never.
    last_verified TEXT,
    source TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, provider_id) REFERENCES providers (organisation_id, id),
    CHECK ((status = 'closed') = (closed_reason IS NOT NULL))
) STRICT;
-- ORUK modified_after and the search index's catch-up read changes in this order.
CREATE INDEX services_updated ON services (organisation_id, updated_at);
CREATE INDEX services_checking ON services (organisation_id, status, last_verified);
CREATE INDEX services_provider ON services (organisation_id, provider_id);
CREATE INDEX services_name ON services (organisation_id, name);
-- The search index follows changes across every organisation (see ARCHITECTURE.md).
CREATE INDEX services_changed ON services (updated_at);

-- Taxonomy terms by key: "needs:loneliness", "activities:walking".
CREATE TABLE service_terms (
    organisation_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    term TEXT NOT NULL,
    PRIMARY KEY (organisation_id, service_id, term),
    FOREIGN KEY (organisation_id, service_id) REFERENCES services (organisation_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX service_terms_term ON service_terms (organisation_id, term, service_id);

CREATE TABLE locations (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    town TEXT NOT NULL DEFAULT '',
    postcode TEXT,
    latitude REAL,
    longitude REAL,
    PRIMARY KEY (organisation_id, id)
) STRICT;
CREATE INDEX locations_point ON locations (organisation_id, latitude, longitude);

-- ORUK service_at_location: a service delivered at a location.
CREATE TABLE service_locations (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, service_id, location_id),
    FOREIGN KEY (organisation_id, service_id) REFERENCES services (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, location_id) REFERENCES locations (organisation_id, id)
) STRICT;
CREATE INDEX service_locations_location ON service_locations (organisation_id, location_id);

-- RFC 5545 recurrence in Europe/London wall-clock time.
CREATE TABLE schedules (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    rrule TEXT NOT NULL,
    dtstart TEXT NOT NULL,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, service_id) REFERENCES services (organisation_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX schedules_service ON schedules (organisation_id, service_id, position);

-- Dates a service does not run on (weather, bank holidays).
CREATE TABLE service_exceptions (
    organisation_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    on_date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organisation_id, service_id, on_date),
    FOREIGN KEY (organisation_id, service_id) REFERENCES services (organisation_id, id) ON DELETE CASCADE
) STRICT;

-- A listing's history: every change, who made it and when.
CREATE TABLE service_events (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor_user_id TEXT,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, service_id) REFERENCES services (organisation_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX service_events_service ON service_events (organisation_id, service_id, at);

CREATE TABLE social_prescriptions (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    prescribed_on TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('signposted', 'referred', 'accompanied')),
    notes TEXT NOT NULL DEFAULT '',
    outcome TEXT CHECK (outcome IN ('started', 'attending_6_weeks', 'did_not_start', 'service_full', 'service_closed')),
    outcome_reason TEXT NOT NULL DEFAULT '',
    outcome_on TEXT,
    -- When someone should next ask how it is going; NULL once the outcome is final.
    follow_up_due TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, referral_id) REFERENCES referrals (organisation_id, id),
    FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id),
    FOREIGN KEY (organisation_id, service_id) REFERENCES services (organisation_id, id)
) STRICT;
CREATE INDEX social_prescriptions_referral ON social_prescriptions (organisation_id, referral_id);
CREATE INDEX social_prescriptions_due ON social_prescriptions (organisation_id, follow_up_due) WHERE follow_up_due IS NOT NULL;

CREATE TABLE unmet_needs (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    need TEXT NOT NULL,
    area TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    referral_id TEXT,
    recorded_by TEXT,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, referral_id) REFERENCES referrals (organisation_id, id)
) STRICT;
CREATE INDEX unmet_needs_recent ON unmet_needs (organisation_id, recorded_at);
